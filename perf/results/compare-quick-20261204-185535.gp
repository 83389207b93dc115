set terminal png size 900,560
set output 'compare-quick-20261204-185535-latency.png'
set title 'Latency against throughput (wp-loadgen open loop; from intended send time)'
set xlabel 'achieved requests/s'
set ylabel 'latency (us)'
set logscale y
set grid
set key top left
plot 'compare-quick-20261204-185535-direct.dat' using 2:4 with linespoints title 'direct p99', 'compare-quick-20261204-185535-direct.dat' using 2:3 with linespoints dashtype 2 title 'direct p50', 'compare-quick-20261204-185535-warmpoold.dat' using 2:4 with linespoints title 'warmpoold p99', 'compare-quick-20261204-185535-warmpoold.dat' using 2:3 with linespoints dashtype 2 title 'warmpoold p50', 'compare-quick-20261204-185535-haproxy.dat' using 2:4 with linespoints title 'haproxy p99', 'compare-quick-20261204-185535-haproxy.dat' using 2:3 with linespoints dashtype 2 title 'haproxy p50', 'compare-quick-20261204-185535-nginx.dat' using 2:4 with linespoints title 'nginx p99', 'compare-quick-20261204-185535-nginx.dat' using 2:3 with linespoints dashtype 2 title 'nginx p50'
set output 'compare-quick-20261204-185535-cpu.png'
set title 'Proxy CPU time per request (warmpoold: busy time, and process time)'
set xlabel 'offered requests/s'
set ylabel 'CPU us per request'
unset logscale y
plot 'compare-quick-20261204-185535-warmpoold.dat' using 1:5 with linespoints title 'warmpoold process CPU', 'compare-quick-20261204-185535-haproxy.dat' using 1:5 with linespoints title 'haproxy process CPU', 'compare-quick-20261204-185535-nginx.dat' using 1:5 with linespoints title 'nginx process CPU', 'compare-quick-20261204-185535-warmpoold.dat' using 1:6 with linespoints title 'warmpoold busy'
