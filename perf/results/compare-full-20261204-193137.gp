set terminal png size 900,560
set output '/work/wt-perf/perf/results/compare-full-20261204-193137-latency.png'
set title 'Latency against throughput (wp-loadgen open loop; from intended send time)'
set xlabel 'achieved requests/s'
set ylabel 'latency (us)'
set logscale y
set grid
set key top left
plot '/work/wt-perf/perf/results/compare-full-20261204-193137-direct.dat' using 2:4 with linespoints title 'direct p99', '/work/wt-perf/perf/results/compare-full-20261204-193137-direct.dat' using 2:3 with linespoints dashtype 2 title 'direct p50', '/work/wt-perf/perf/results/compare-full-20261204-193137-warmpoold.dat' using 2:4 with linespoints title 'warmpoold p99', '/work/wt-perf/perf/results/compare-full-20261204-193137-warmpoold.dat' using 2:3 with linespoints dashtype 2 title 'warmpoold p50', '/work/wt-perf/perf/results/compare-full-20261204-193137-haproxy.dat' using 2:4 with linespoints title 'haproxy p99', '/work/wt-perf/perf/results/compare-full-20261204-193137-haproxy.dat' using 2:3 with linespoints dashtype 2 title 'haproxy p50', '/work/wt-perf/perf/results/compare-full-20261204-193137-nginx.dat' using 2:4 with linespoints title 'nginx p99', '/work/wt-perf/perf/results/compare-full-20261204-193137-nginx.dat' using 2:3 with linespoints dashtype 2 title 'nginx p50'
set output '/work/wt-perf/perf/results/compare-full-20261204-193137-cpu.png'
set title 'Proxy CPU time per request (warmpoold: busy time, and process time)'
set xlabel 'offered requests/s'
set ylabel 'CPU us per request'
unset logscale y
plot '/work/wt-perf/perf/results/compare-full-20261204-193137-warmpoold.dat' using 1:5 with linespoints title 'warmpoold process CPU', '/work/wt-perf/perf/results/compare-full-20261204-193137-haproxy.dat' using 1:5 with linespoints title 'haproxy process CPU', '/work/wt-perf/perf/results/compare-full-20261204-193137-nginx.dat' using 1:5 with linespoints title 'nginx process CPU', '/work/wt-perf/perf/results/compare-full-20261204-193137-warmpoold.dat' using 1:6 with linespoints title 'warmpoold busy'
