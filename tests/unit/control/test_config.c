/* The configuration file (src/control/config.c).
 *
 * No EAL: the config module is pure C + libinih. What is proven:
 *  - defaults: what wp_config_check() says of them, and that a minimal file
 *    (the required keys only) loads to exactly the defaults;
 *  - conf/warmpoold.ini loads cleanly, documents every key, and the values
 *    it shows as defaults are the defaults (path from WP_SOURCE_ROOT, set
 *    by meson);
 *  - a table of bad files, each with the exact message (file:line,
 *    section, key, value, what is allowed) and its kind;
 *  - all errors are collected, capped, counted by kind, in line order;
 *  - syntax: NUL bytes, long lines, BOM, indentation, inline comments;
 *  - durations, sizes, booleans, lcore lists: edge cases and overflow;
 *  - every key set to a non-default value reads back in the struct and
 *    in the dump, and dump -> load -> dump is the identity;
 *  - wp_config_check() on structs built in code; file errors; helpers.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <warmpool/config.h>
#include <warmpool/net-t.h>
#include <warmpool/pool.h>

#define NS_MS 1000000LL
#define NS_S 1000000000LL

/* Lines 1-5: the least a file must say. */
#define BASE "[port client]\n" \
	     "device = d0\n" \
	     "address = 198.18.0.1/24\n" \
	     "[backend a]\n" \
	     "address = 198.18.0.2\n"

static struct wp_config cfg;
static struct wp_config_errors errs;

static int
load(const char *text)
{
	return wp_config_load_string(&cfg, "t.ini", text, &errs);
}

static char *
dump_str(const struct wp_config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(wp_config_dump(c, f), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void
print_errs(void)
{
	wp_config_errors_print(&errs, stdout);
}

static char *
example_path(void)
{
	const char *root = getenv("WP_SOURCE_ROOT");
	char *p;

	assert_non_null(root); /* set by tests/unit/control/meson.build */
	assert_true(asprintf(&p, "%s/conf/warmpoold.ini", root) > 0);
	return p;
}

/* ------------------------------------------------------------------ */

static void
test_defaults(void **state)
{
	struct wp_pool_params pd, pc;
	char *d1, *d2;
	(void)state;

	/* Defaults alone: only the site-specific parts are missing. */
	wp_config_defaults(&cfg);
	assert_int_equal(wp_config_check(&cfg, "defaults", &errs), -EINVAL);
	print_errs();
	assert_int_equal(errs.count, 2);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_MISSING], 2);
	assert_string_equal(errs.e[0].msg, "defaults: [port client]: missing: the "
			    "client-facing port (device, address) is required");
	assert_string_equal(errs.e[1].msg, "defaults: no [backend NAME] section: "
			    "at least one backend is required");

	wp_pool_params_default(&pd);
	wp_config_pool_params(&cfg, &pc);
	assert_memory_equal(&pd, &pc, sizeof(pd));
	assert_int_equal(wp_pool_params_check(&pc, NULL, 0), 0);
	assert_int_equal(cfg.listen.port, 8080);
	assert_int_equal(cfg.workers.count, 1);
	assert_true(wp_config_is_worker_lcore(&cfg, 1));
	assert_false(wp_config_is_worker_lcore(&cfg, 0));
	assert_int_equal(cfg.management.addr, 0x7f000001);
	assert_string_equal(cfg.telemetry.file, "/run/warmpool/telemetry.ring");

	/* The required keys alone give exactly the defaults plus them. */
	assert_int_equal(load(BASE), 0);
	d1 = dump_str(&cfg);
	{
		struct wp_config want;

		wp_config_defaults(&want);
		want.port[0].present = true;
		snprintf(want.port[0].device, sizeof(want.port[0].device), "d0");
		want.port[0].addr = 0xc6120001;
		want.port[0].prefix_len = 24;
		want.listen.addr = 0xc6120001; /* from the client port */
		want.n_backends = 1;
		snprintf(want.backend[0].name, sizeof(want.backend[0].name), "a");
		want.backend[0].addr = 0xc6120002;
		want.backend[0].port = 80;
		want.backend[0].weight = 1;
		assert_int_equal(wp_config_check(&want, "want", &errs), 0);
		d2 = dump_str(&want);
	}
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
}

static void
test_example_file(void **state)
{
	struct wp_config want;
	char *path = example_path(), *d1, *d2;
	(void)state;

	assert_int_equal(wp_config_load(&cfg, path, &errs), 0);
	print_errs();
	assert_int_equal(errs.count, 0);
	/* the DESIGN.md section 8 topology, as documented in the file */
	assert_int_equal(cfg.listen.addr, 0xc6120001);   /* 198.18.0.1 */
	assert_int_equal(cfg.listen.port, 8080);
	assert_true(cfg.port[WP_CONFIG_PORT_CLIENT].present);
	assert_string_equal(cfg.port[WP_CONFIG_PORT_CLIENT].device,
			    "net_af_packet0,iface=wpa-c");
	assert_int_equal(cfg.port[WP_CONFIG_PORT_CLIENT].prefix_len, 24);
	assert_true(cfg.port[WP_CONFIG_PORT_BACKEND].present);
	assert_string_equal(cfg.port[WP_CONFIG_PORT_BACKEND].device,
			    "net_af_packet1,iface=wpa-s");
	assert_int_equal(cfg.port[WP_CONFIG_PORT_BACKEND].addr, 0xc6120101);
	assert_int_equal(cfg.n_backends, 2);
	assert_string_equal(cfg.backend[0].name, "nginx1");
	assert_int_equal(cfg.backend[0].addr, 0xc6120102);  /* 198.18.1.2 */
	assert_int_equal(cfg.backend[0].port, 8081);
	assert_int_equal(cfg.backend[1].port, 8082);

	/* Everything else it shows is the default: the file tells the truth. */
	wp_config_defaults(&want);
	want.listen = cfg.listen;
	memcpy(want.port, cfg.port, sizeof(want.port));
	want.n_backends = cfg.n_backends;
	memcpy(want.backend, cfg.backend, sizeof(want.backend));
	d1 = dump_str(&cfg);
	d2 = dump_str(&want);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	free(path);
}

/* Every key wp_config_dump() prints appears in the example file, in its
 * section, set or commented out ("; key ="). */
static void
test_example_documents_every_key(void **state)
{
	char *path = example_path(), *d, *line, *save = NULL;
	char section[64] = "", want[128];
	FILE *f;
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned int keys = 0;
	(void)state;

	/* a config with every optional key present */
	assert_int_equal(wp_config_load(&cfg, path, &errs), 0);
	cfg.port[0].gateway = 0xc61200fe;
	cfg.port[1].gateway = 0xc61201fe;
	d = dump_str(&cfg);

	f = fopen(path, "r");
	assert_non_null(f);
	n = getdelim(&text, &cap, '\0', f);
	assert_true(n > 0);
	fclose(f);

	for (line = strtok_r(d, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64], *sec, *end, *hit;

		if (line[0] == '[') {
			snprintf(section, sizeof(section), "%s", line);
			continue;
		}
		if (line[0] == '#' || sscanf(line, "%63s =", key) != 1)
			continue;
		/* the section's block in the example: from its header to the next */
		snprintf(want, sizeof(want), "\n%s\n", strncmp(section, "[backend ", 9) == 0 ?
			 "[backend nginx1]" : section);
		sec = strstr(text, want);
		assert_non_null(sec);
		end = strstr(sec + 1, "\n[");
		hit = NULL;
		snprintf(want, sizeof(want), "\n%s = ", key);
		hit = strstr(sec, want);
		if (hit == NULL || (end && hit > end)) {
			snprintf(want, sizeof(want), "\n;%s = ", key);
			hit = strstr(sec, want);
		}
		if (hit == NULL || (end && hit > end))
			fail_msg("%s %s is not documented in %s", section, key, path);
		keys++;
	}
	assert_true(keys > 80);
	free(text);
	free(d);
	free(path);
}

/* ------------------------------------------------------------------ */
/* Bad files: exact messages                                           */

struct bad {
	const char *text;
	const char *msg;
	enum wp_config_error_kind kind;
};

static const struct bad bad_files[] = {
	/* [pool]: the pool's own rules (wp_pool_params_check) */
	{ BASE "[pool]\nmax_sessions = 0\n",
	  "t.ini:7: [pool] max_sessions = 0: must be 1 to 1048576", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nmin_idle = 65\n",
	  "t.ini:7: [pool] min_idle = 65: must not exceed max_sessions", WP_CONFIG_E_CONFLICT },
	{ BASE "[pool]\nmax_age = 10s\nmax_age_jitter = 10s\n",
	  "t.ini:8: [pool] max_age_jitter = 10s: must be less than max_age", WP_CONFIG_E_CONFLICT },
	{ BASE "[pool]\nmax_age = 0\n",
	  "t.ini:6: [pool] max_age_jitter = 30s (default): must be less than max_age",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[pool]\nleak_threshold = 0\nleak_reclaim = yes\n",
	  "t.ini:8: [pool] leak_reclaim = yes: needs a leak_threshold", WP_CONFIG_E_CONFLICT },
	{ BASE "[pool]\nacquire_timeout = 0\n",
	  "t.ini:7: [pool] acquire_timeout = 0: must be greater than 0", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nmax_requests = -1\n",
	  "t.ini:7: [pool] max_requests = -1: must be an integer from 0 to 4294967295",
	  WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nseed = 18446744073709551616\n",
	  "t.ini:7: [pool] seed = 18446744073709551616: must be an integer from 0 to "
	  "18446744073709551615", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nmin_idle = \x01\n",
	  "t.ini:7: [pool] min_idle = \\x01: must be an integer from 0 to 4294967295",
	  WP_CONFIG_E_VALUE },
	/* durations */
	{ BASE "[pool]\nidle_timeout = 30\n",
	  "t.ini:7: [pool] idle_timeout = 30: needs a unit: must be a duration from 0 "
	  "to 168h (units ns, us, ms, s, m, h), e.g. 250ms", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nidle_timeout = 1.5ns\n",
	  "t.ini:7: [pool] idle_timeout = 1.5ns: finer than 1ns: must be a duration "
	  "from 0 to 168h (units ns, us, ms, s, m, h), e.g. 250ms", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nidle_timeout = 99999999999999999999h\n",
	  "t.ini:7: [pool] idle_timeout = 99999999999999999999h: too large: must be a "
	  "duration from 0 to 168h (units ns, us, ms, s, m, h), e.g. 250ms",
	  WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nidle_timeout = 2562048h\n", /* > INT64_MAX ns after the unit */
	  "t.ini:7: [pool] idle_timeout = 2562048h: too large: must be a duration "
	  "from 0 to 168h (units ns, us, ms, s, m, h), e.g. 250ms", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nidle_timeout = 169h\n",
	  "t.ini:7: [pool] idle_timeout = 169h: out of range: must be a duration from "
	  "0 to 168h (units ns, us, ms, s, m, h), e.g. 250ms", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nidle_timeout = -1s\n",
	  "t.ini:7: [pool] idle_timeout = -1s: negative: must be a duration from 0 to "
	  "168h (units ns, us, ms, s, m, h), e.g. 250ms", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nidle_timeout = 1e3ms\n",
	  "t.ini:7: [pool] idle_timeout = 1e3ms: unknown unit: must be a duration from "
	  "0 to 168h (units ns, us, ms, s, m, h), e.g. 250ms", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nidle_timeout = .5s\n",
	  "t.ini:7: [pool] idle_timeout = .5s: not a duration: must be a duration from "
	  "0 to 168h (units ns, us, ms, s, m, h), e.g. 250ms", WP_CONFIG_E_VALUE },
	{ BASE "[pool]\nidle_timeout = 1.s\n",
	  "t.ini:7: [pool] idle_timeout = 1.s: not a duration: must be a duration from "
	  "0 to 168h (units ns, us, ms, s, m, h), e.g. 250ms", WP_CONFIG_E_VALUE },
	{ BASE "[shutdown]\ndrain_timeout = 0\n",
	  "t.ini:7: [shutdown] drain_timeout = 0: out of range: must be a duration from "
	  "1ms to 1h (units ns, us, ms, s, m, h), e.g. 250ms", WP_CONFIG_E_VALUE },
	{ BASE "[telemetry]\nsnapshot_interval = 1500us\n",
	  "t.ini:7: [telemetry] snapshot_interval = 1500us: not whole milliseconds: must "
	  "be a duration from 0 to 1h in whole milliseconds (units ns, us, ms, s, m, "
	  "h), e.g. 250ms", WP_CONFIG_E_VALUE },
	/* keys and sections */
	{ BASE "[pool]\nmax_sesions = 3\n",
	  "t.ini:7: [pool] max_sesions: unknown key; did you mean 'max_sessions'?",
	  WP_CONFIG_E_KEY },
	{ BASE "[pool]\ncolour = blue\n",
	  "t.ini:7: [pool] colour: unknown key (see conf/warmpoold.ini for the keys "
	  "of [pool])", WP_CONFIG_E_KEY },
	{ BASE "[pool]\nmin_idle = 1\nmin_idle = 2\n",
	  "t.ini:8: [pool] min_idle = 2: set twice (first at line 7)", WP_CONFIG_E_KEY },
	{ "x = 1\n" BASE,
	  "t.ini:1: x: key outside any section: put it under its [section]",
	  WP_CONFIG_E_KEY },
	{ BASE "[pol]\nmin_idle = 1\n",
	  "t.ini:6: [pol]: unknown section; did you mean 'pool'? (sections: listen, "
	  "port client, port backend, workers, backend NAME, pool, http, health, "
	  "outlier, breaker, scaling, telemetry, management, shutdown)",
	  WP_CONFIG_E_SECTION },
	{ BASE "[pool]\n[pool]\n",
	  "t.ini:7: [pool]: section given twice (first at line 6)", WP_CONFIG_E_SECTION },
	{ BASE "[pool x]\n",
	  "t.ini:6: [pool x]: section [pool] takes no name", WP_CONFIG_E_SECTION },
	{ BASE "[port client]\n",
	  "t.ini:6: [port client]: section given twice (first at line 1)",
	  WP_CONFIG_E_SECTION },
	{ BASE "[port middle]\n",
	  "t.ini:6: [port middle]: must be [port client] or [port backend]",
	  WP_CONFIG_E_SECTION },
	{ BASE "[backend a]\naddress = 198.18.0.3\n",
	  "t.ini:6: [backend a]: backend named twice (first at line 4)",
	  WP_CONFIG_E_SECTION },
	{ BASE "[backend b c]\n",
	  "t.ini:6: [backend b c]: a backend needs a name of 1 to 31 characters from "
	  "A-Z a-z 0-9 _ . -", WP_CONFIG_E_SECTION },
	/* syntax */
	{ BASE "garbage here\n",
	  "t.ini:6: 'garbage here': expected 'key = value', a [section] or a comment "
	  "(; or #)", WP_CONFIG_E_SYNTAX },
	{ BASE "[health\n",
	  "t.ini:6: '[health': section header without ']'", WP_CONFIG_E_SYNTAX },
	{ BASE "[health ; x]\n",
	  "t.ini:6: '[health ; x]': section header without ']'", WP_CONFIG_E_SYNTAX },
	{ BASE "[pool] junk\n",
	  "t.ini:6: '[pool] junk': text after the section header (only a comment may "
	  "follow ']')", WP_CONFIG_E_SYNTAX },
	{ BASE "[pool]\n= 5\n",
	  "t.ini:7: '= 5': missing key name before '='", WP_CONFIG_E_SYNTAX },
	/* backends */
	{ BASE "[backend b]\n",
	  "t.ini:6: [backend b] address: missing: it must be an IPv4 host address "
	  "a.b.c.d (not 0.x, 127.x, multicast or broadcast)", WP_CONFIG_E_MISSING },
	{ BASE "[backend b]\naddress = 198.18.0.1\n",
	  "t.ini:7: [backend b] address = 198.18.0.1: is the appliance's own address "
	  "([port client])", WP_CONFIG_E_CONFLICT },
	{ BASE "[backend b]\naddress = 198.18.0.2\n",
	  "t.ini:7: [backend b] address = 198.18.0.2: same address and port as "
	  "[backend a]", WP_CONFIG_E_CONFLICT },
	{ BASE "[backend b]\naddress = 10.0.0.1\n",
	  "t.ini:7: [backend b] address = 10.0.0.1: is not in 198.18.0.0/24 of [port "
	  "client], which has no gateway", WP_CONFIG_E_CONFLICT },
	{ BASE "[backend b]\naddress = 224.0.0.1\n",
	  "t.ini:7: [backend b] address = 224.0.0.1: must be an IPv4 host address "
	  "a.b.c.d (not 0.x, 127.x, multicast or broadcast)", WP_CONFIG_E_VALUE },
	{ BASE "[backend b]\naddress = 198.18.0.3\nweight = 0\n",
	  "t.ini:8: [backend b] weight = 0: must be an integer from 1 to 1000",
	  WP_CONFIG_E_VALUE },
	{ BASE "[backend b]\naddress = 198.18.0.3\nport = 0\n",
	  "t.ini:8: [backend b] port = 0: must be an integer from 1 to 65535",
	  WP_CONFIG_E_VALUE },
	/* listen, ports */
	{ BASE "[listen]\naddress = 198.18.0.9\n",
	  "t.ini:7: [listen] address = 198.18.0.9: must be the address of [port "
	  "client] (198.18.0.1): the stack answers for one address per port",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[listen]\nport = 65536\n",
	  "t.ini:7: [listen] port = 65536: must be an integer from 1 to 65535",
	  WP_CONFIG_E_VALUE },
	{ "[port client]\ndevice = d 0\naddress = 198.18.0.1/24\n[backend a]\n"
	  "address = 198.18.0.2\n",
	  "t.ini:2: [port client] device = d 0: must be 1 to 127 visible ASCII "
	  "characters, no spaces", WP_CONFIG_E_VALUE },
	{ "[port client]\ndevice = d0\n[backend a]\naddress = 198.18.0.2\n",
	  "t.ini:1: [port client] address: missing: it must be an IPv4 host address "
	  "with a prefix length 1 to 32, e.g. 198.18.0.1/24", WP_CONFIG_E_MISSING },
	{ "[backend a]\naddress = 198.18.0.2\n",
	  "t.ini: [port client]: missing: the client-facing port (device, address) "
	  "is required", WP_CONFIG_E_MISSING },
	{ "[port client]\ndevice = d0\naddress = 198.18.0.1/24\n",
	  "t.ini: no [backend NAME] section: at least one backend is required",
	  WP_CONFIG_E_MISSING },
	{ "[port client]\ndevice = d0\naddress = 198.18.0.1/33\n[backend a]\n"
	  "address = 198.18.0.2\n",
	  "t.ini:3: [port client] address = 198.18.0.1/33: must be an IPv4 host address "
	  "with a prefix length 1 to 32, e.g. 198.18.0.1/24", WP_CONFIG_E_VALUE },
	{ BASE "[port backend]\ndevice = d1\naddress = 198.18.1.0/24\n",
	  "t.ini:8: [port backend] address = 198.18.1.0/24: is the network address of "
	  "its prefix: use a host address", WP_CONFIG_E_VALUE },
	{ BASE "[port backend]\ndevice = d1\naddress = 198.18.1.255/24\n",
	  "t.ini:8: [port backend] address = 198.18.1.255/24: is the broadcast address "
	  "of its prefix: use a host address", WP_CONFIG_E_VALUE },
	{ BASE "[port backend]\ndevice = d0\naddress = 198.18.1.1/24\ngateway = 198.18.1.9\n",
	  "t.ini:7: [port backend] device = d0: same device as [port client]: leave "
	  "[port backend] out to use one port for both sides", WP_CONFIG_E_CONFLICT },
	{ BASE "[port backend]\ndevice = d1\naddress = 198.18.0.5/16\n",
	  "t.ini:8: [port backend] address = 198.18.0.5/16: overlaps [port client] "
	  "198.18.0.1/24: the two ports need separate subnets", WP_CONFIG_E_CONFLICT },
	{ BASE "[port backend]\ndevice = d1\naddress = 198.18.1.1/24\n",
	  "t.ini:5: [backend a] address = 198.18.0.2: is not in 198.18.1.0/24 of "
	  "[port backend], which has no gateway", WP_CONFIG_E_CONFLICT },
	{ BASE "[port backend]\ndevice = d1\naddress = 198.18.1.1/24\ngateway = 10.0.0.1\n",
	  "t.ini:9: [port backend] gateway = 10.0.0.1: must be on-link: inside "
	  "198.18.1.0/24", WP_CONFIG_E_CONFLICT },
	{ BASE "[port backend]\ndevice = d1\naddress = 198.18.1.1/24\ngateway = 198.18.1.1\n",
	  "t.ini:9: [port backend] gateway = 198.18.1.1: is the port's own address",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[port backend]\naddress = 198.18.1.1/24\ngateway = 198.18.1.9\n",
	  "t.ini:6: [port backend] device: missing: it must be 1 to 127 visible ASCII "
	  "characters, no spaces", WP_CONFIG_E_MISSING },
	{ BASE "[port backend]\ndevice = d1\naddress = 198.18.1.1/24\ngateway = 198.18.1.9\n"
	  "rx_desc = 1000\n",
	  "t.ini:10: [port backend] rx_desc = 1000: must be a power of two from 64 to "
	  "32768", WP_CONFIG_E_VALUE },
	/* workers */
	{ BASE "[workers]\nlcores = 0-1\n",
	  "t.ini:6: [workers] main_lcore = 0 (default): is also in lcores (0-1): the "
	  "control core cannot be a worker", WP_CONFIG_E_CONFLICT },
	{ BASE "[workers]\nlcores = 3-1\n",
	  "t.ini:7: [workers] lcores = 3-1: must be a list of lcore ids 0 to 127, e.g. "
	  "1 or 1-2,4", WP_CONFIG_E_VALUE },
	{ BASE "[workers]\nlcores = 1,,2\n",
	  "t.ini:7: [workers] lcores = 1,,2: must be a list of lcore ids 0 to 127, e.g. "
	  "1 or 1-2,4", WP_CONFIG_E_VALUE },
	{ BASE "[workers]\nlcores = 128\n",
	  "t.ini:7: [workers] lcores = 128: must be a list of lcore ids 0 to 127, e.g. "
	  "1 or 1-2,4", WP_CONFIG_E_VALUE },
	{ BASE "[workers]\nmain_lcore = 128\n",
	  "t.ini:7: [workers] main_lcore = 128: must be an integer from 0 to 127",
	  WP_CONFIG_E_VALUE },
	{ BASE "[workers]\nmbufs = 1024\n",
	  "t.ini:7: [workers] mbufs = 1024: must be at least 2048, the rx_desc + "
	  "tx_desc of the ports: the rings alone hold that many", WP_CONFIG_E_CONFLICT },
	{ BASE "[workers]\nidle_sleep_us = 1000001\n",
	  "t.ini:7: [workers] idle_sleep_us = 1000001: must be an integer from 0 to "
	  "1000000", WP_CONFIG_E_VALUE },
	/* http */
	{ BASE "[http]\nmax_line = 64k\nmax_header_bytes = 32k\n",
	  "t.ini:8: [http] max_header_bytes = 32k: must be at least max_line (64k)",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[http]\nmax_line = 65k\n",
	  "t.ini:7: [http] max_line = 65k: must be a size from 16 to 64k bytes (suffix "
	  "k, m or g for KiB, MiB, GiB), e.g. 8k", WP_CONFIG_E_VALUE },
	{ BASE "[http]\nmax_line = 18446744073709551615k\n",
	  "t.ini:7: [http] max_line = 18446744073709551615k: must be a size from 16 to "
	  "64k bytes (suffix k, m or g for KiB, MiB, GiB), e.g. 8k", WP_CONFIG_E_VALUE },
	{ BASE "[http]\nretry_idempotent = maybe\n",
	  "t.ini:7: [http] retry_idempotent = maybe: must be yes/no, true/false, on/off "
	  "or 1/0", WP_CONFIG_E_VALUE },
	/* health, outlier */
	{ BASE "[health]\njitter = 2s\n",
	  "t.ini:7: [health] jitter = 2s: must be less than interval (2s)",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[health]\ntimeout = 3s\n",
	  "t.ini:7: [health] timeout = 3s: must not exceed interval (2s)",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[health]\ntype = udp\n",
	  "t.ini:7: [health] type = udp: must be tcp or http", WP_CONFIG_E_VALUE },
	{ BASE "[health]\nhttp_method = POST\n",
	  "t.ini:7: [health] http_method = POST: must be GET, HEAD or OPTIONS",
	  WP_CONFIG_E_VALUE },
	{ BASE "[health]\nhttp_path = health\n",
	  "t.ini:7: [health] http_path = health: must start with '/' and have at most "
	  "127 visible ASCII characters", WP_CONFIG_E_VALUE },
	{ BASE "[health]\nhttp_expect_status = 600\n",
	  "t.ini:7: [health] http_expect_status = 600: must be an integer from 100 to "
	  "599", WP_CONFIG_E_VALUE },
	{ BASE "[outlier]\nmax_ejection = 10s\n",
	  "t.ini:7: [outlier] max_ejection = 10s: must be at least base_ejection (30s)",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[outlier]\nmax_ejected_percent = 101\n",
	  "t.ini:7: [outlier] max_ejected_percent = 101: must be an integer from 0 to "
	  "100", WP_CONFIG_E_VALUE },
	/* breaker */
	{ BASE "[breaker]\nhalf_open_probes = 0\n",
	  "t.ini:7: [breaker] half_open_probes = 0: must be an integer from 1 to 1000",
	  WP_CONFIG_E_VALUE },
	/* scaling: cross checks only when enabled */
	{ BASE "[scaling]\nenabled = yes\nfloor = 65\n",
	  "t.ini:8: [scaling] floor = 65: must not exceed ceiling (64)",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[scaling]\nenabled = yes\nbudget = 32\n",
	  "t.ini:6: [scaling] ceiling = 64 (default): must not exceed budget (32)",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[scaling]\nenabled = yes\nceiling = 128\nbudget = 1024\n",
	  "t.ini:8: [scaling] ceiling = 128: must not exceed [pool] max_sessions (64): "
	  "each core's pool is sized by it", WP_CONFIG_E_CONFLICT },
	{ BASE "[workers]\nlcores = 1-4\n[scaling]\nenabled = yes\nfloor = 8\nceiling = 8\n"
	  "budget = 16\n",
	  "t.ini:10: [scaling] floor = 8: x 4 workers = 32 exceeds budget (16)",
	  WP_CONFIG_E_CONFLICT },
	{ BASE "[scaling]\npreconnect_ratio = 1.2345\n",
	  "t.ini:7: [scaling] preconnect_ratio = 1.2345: must be a number from 0 to 100 "
	  "with at most 3 decimals, e.g. 1.5", WP_CONFIG_E_VALUE },
	{ BASE "[scaling]\npreconnect_ratio = 100.001\n",
	  "t.ini:7: [scaling] preconnect_ratio = 100.001: must be a number from 0 to "
	  "100 with at most 3 decimals, e.g. 1.5", WP_CONFIG_E_VALUE },
	/* telemetry, management */
	{ BASE "[telemetry]\nrecords = 1000\n",
	  "t.ini:7: [telemetry] records = 1000: must be a power of two from 64 to "
	  "16777216", WP_CONFIG_E_VALUE },
	{ BASE "[telemetry]\nfile = rel/path\n",
	  "t.ini:7: [telemetry] file = rel/path: must be an absolute path of 1 to 127 "
	  "characters, no spaces", WP_CONFIG_E_VALUE },
	{ BASE "[management]\naddress = localhost\n",
	  "t.ini:7: [management] address = localhost: must be an IPv4 address a.b.c.d",
	  WP_CONFIG_E_VALUE },
	{ BASE "[management]\naddress = 01.2.3.4\n",
	  "t.ini:7: [management] address = 01.2.3.4: must be an IPv4 address a.b.c.d",
	  WP_CONFIG_E_VALUE },
	{ BASE "[management]\naddress = 198.18.0.1\n",
	  "t.ini:7: [management] address = 198.18.0.1: 198.18.0.1 is not a loopback "
	  "address: the management listener has no authentication; set allow_remote = "
	  "yes to listen there", WP_CONFIG_E_CONFLICT },
	{ BASE "[management]\naddress = 0.0.0.0\nallow_remote = no\n",
	  "t.ini:7: [management] address = 0.0.0.0: 0.0.0.0 is not a loopback "
	  "address: the management listener has no authentication; set allow_remote = "
	  "yes to listen there", WP_CONFIG_E_CONFLICT },
};

static void
test_bad_files(void **state)
{
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const struct bad *b = &bad_files[i];
		int rc = load(b->text);

		if (rc != -EINVAL || errs.count != 1 ||
		    strcmp(errs.e[0].msg, b->msg) != 0 || errs.e[0].kind != b->kind) {
			print_errs();
			fail_msg("case %zu: rc %d, %u errors, want exactly:\n%s (kind %s)",
				 i, rc, errs.count, b->msg,
				 wp_config_error_kind_name(b->kind));
		}
		assert_int_equal(errs.by_kind[b->kind], 1);
	}
}

/* ------------------------------------------------------------------ */

static void
test_errors_collected(void **state)
{
	char text[4096], *out = NULL;
	size_t len = 0;
	FILE *f;
	int i, o;
	(void)state;

	assert_int_equal(load(BASE
		"[http]\n"                    /* 6 */
		"max_headers = 0\n"           /* 7 */
		"[pol]\n"                     /* 8 */
		"x = 1\n"                     /* 9: inside a refused section: silent */
		"[pool]\n"                    /* 10 */
		"max_age_jitter = 5m\n"       /* 11 */
		"bogus = 1\n"                 /* 12 */
		"[health]\n"                  /* 13 */
		"timeout = 1h\n"              /* 14 */
		"what is this\n"),            /* 15 */
		-EINVAL);
	print_errs();
	assert_int_equal(errs.count, 6);
	assert_int_equal(errs.stored, 6);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_VALUE], 1);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_SECTION], 1);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_KEY], 1);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_SYNTAX], 1);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_CONFLICT], 2);
	/* in line order, whether found while parsing or after */
	assert_int_equal(errs.e[0].line, 7);
	assert_int_equal(errs.e[1].line, 8);
	assert_int_equal(errs.e[2].line, 11);
	assert_string_equal(errs.e[2].msg, "t.ini:11: [pool] max_age_jitter = 5m: "
			    "must be less than max_age");
	assert_int_equal(errs.e[3].line, 12);
	assert_int_equal(errs.e[4].line, 14);
	assert_int_equal(errs.e[5].line, 15);

	/* more than the cap: the count goes on, the print says how many more */
	o = snprintf(text, sizeof(text), BASE "[pool]\n");
	for (i = 0; i < 30; i++)
		o += snprintf(text + o, sizeof(text) - (size_t)o, "bogus%d = 1\n", i);
	assert_int_equal(load(text), -EINVAL);
	assert_int_equal(errs.count, 30);
	assert_int_equal(errs.stored, WP_CONFIG_MAX_ERRORS);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_KEY], 30);
	assert_string_equal(errs.e[19].msg, "t.ini:26: [pool] bogus19: unknown key "
			    "(see conf/warmpoold.ini for the keys of [pool])");
	f = open_memstream(&out, &len);
	assert_non_null(f);
	wp_config_errors_print(&errs, f);
	fclose(f);
	assert_non_null(strstr(out, "t.ini:7: [pool] bogus0: unknown key"));
	assert_non_null(strstr(out, "\n... and 10 more errors\n"));
	free(out);

	/* errs may be NULL: the return value still says it */
	assert_int_equal(wp_config_load_string(&cfg, "t.ini", BASE "[x]\n", NULL), -EINVAL);
}

static void
test_syntax(void **state)
{
	static const char nul[] = BASE "[pool]\nmin_idle = 1\0x\nmax_sessions = 0\n";
	char text[1024];
	(void)state;

	/* a NUL byte: that line is refused, the line count stays right */
	assert_int_equal(wp_config_load_buffer(&cfg, "t.ini", nul, sizeof(nul) - 1, &errs),
			 -EINVAL);
	print_errs();
	assert_int_equal(errs.count, 2);
	assert_string_equal(errs.e[0].msg, "t.ini:7: line contains a NUL byte");
	assert_string_equal(errs.e[1].msg, "t.ini:8: [pool] max_sessions = 0: must be "
			    "1 to 1048576");

	/* a line beyond inih's buffer: refused whole, next line numbered right */
	snprintf(text, sizeof(text), BASE "[pool]\n; %0250d\nmax_sessions = 0\n", 0);
	assert_int_equal(load(text), -EINVAL);
	print_errs();
	assert_int_equal(errs.count, 2);
	assert_string_equal(errs.e[0].msg, "t.ini:7: line too long (at most 199 characters)");
	assert_int_equal(errs.e[1].line, 8);

	/* BOM, indentation (no continuation lines), inline comments, ':' and
	 * '=' in values, CRLF, no final newline */
	assert_int_equal(load("\xef\xbb\xbf[port client] ; the clients\r\n"
			      "  device = net_af_packet0,iface=a:b ; where\r\n"
			      "\taddress: 198.18.0.1/24\r\n"
			      "# comment\n"
			      "; comment\n"
			      "\n"
			      "[backend a]\n"
			      "address = 198.18.0.2\n"
			      "  port = 81\n"
			      "[health]\n"
			      "http_path = /x;y#z\n"
			      "interval = 3s;no comment without a space before"), -EINVAL);
	print_errs();
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.e[0].msg, "t.ini:12: [health] interval = 3s;no comment "
			    "without a space before: unknown unit: must be a duration "
			    "from 10ms to 1h (units ns, us, ms, s, m, h), e.g. 250ms");
	assert_string_equal(cfg.port[0].device, "net_af_packet0,iface=a:b");
	assert_int_equal(cfg.port[0].addr, 0xc6120001);
	assert_int_equal(cfg.backend[0].port, 81);
	assert_string_equal(cfg.health.http_path, "/x;y#z");

	/* empty file: only the required parts are missing */
	assert_int_equal(load(""), -EINVAL);
	assert_int_equal(errs.count, 2);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_MISSING], 2);
}

/* ------------------------------------------------------------------ */
/* Value forms                                                         */

static int64_t
dur(const char *v)
{
	char text[256];

	snprintf(text, sizeof(text), BASE "[pool]\nidle_timeout = %s\n", v);
	if (load(text) != 0) {
		print_errs();
		return -1;
	}
	return cfg.pool.idle_timeout_ns;
}

static void
test_durations(void **state)
{
	(void)state;
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur("0ms"), 0);
	assert_int_equal(dur("0.0s"), 0);
	assert_int_equal(dur("7ns"), 7);
	assert_int_equal(dur("500us"), 500000);
	assert_int_equal(dur("250ms"), 250 * NS_MS);
	assert_int_equal(dur("250 ms"), 250 * NS_MS);
	assert_int_equal(dur("2s"), 2 * NS_S);
	assert_int_equal(dur("1.5s"), 1500 * NS_MS);
	assert_int_equal(dur("0.001s"), NS_MS);
	assert_int_equal(dur("1.000000001s"), NS_S + 1);
	assert_int_equal(dur("0.5us"), 500);
	assert_int_equal(dur("2m"), 120 * NS_S);
	assert_int_equal(dur("1h"), 3600 * NS_S);
	assert_int_equal(dur("168h"), 168 * 3600 * NS_S);
	assert_int_equal(dur("10080m"), 168 * 3600 * NS_S);
	assert_int_equal(dur("000030s"), 30 * NS_S);
	/* refused (messages pinned in test_bad_files) */
	assert_int_equal(dur("30"), -1);
	assert_int_equal(dur("1.5ns"), -1);
	assert_int_equal(dur("1.0000000001s"), -1);
	assert_int_equal(dur("168h1ns"), -1);
	assert_int_equal(dur("168.000000000001h"), -1);
	assert_int_equal(dur("9223372036854775807ns"), -1);
	assert_int_equal(dur("9223372036854775808ns"), -1);
	assert_int_equal(dur("1S"), -1);
	assert_int_equal(dur("s"), -1);
	assert_int_equal(dur("1 s s"), -1);
	assert_int_equal(dur("+1s"), -1);
	assert_int_equal(dur("1.1234567890123456789s"), -1);
}

static void
test_sizes_bools_lcores(void **state)
{
	static const struct { const char *v; int64_t want; } sizes[] = {
		{ "16", 16 }, { "8k", 8192 }, { "8K", 8192 }, { "8kb", 8192 },
		{ "8KiB", 8192 }, { "8 k", 8192 }, { "64k", 65536 }, { "1000", 1000 },
		{ "15", -1 }, { "65537", -1 }, { "1m", -1 }, { "8kk", -1 }, { "16b", 16 },
		{ "8ib", -1 }, { "k", -1 }, { "0x10", -1 }, { "18446744073709551616", -1 },
	};
	static const struct { const char *v; int want; } bools[] = {
		{ "yes", 1 }, { "YES", 1 }, { "true", 1 }, { "On", 1 }, { "1", 1 },
		{ "no", 0 }, { "false", 0 }, { "OFF", 0 }, { "0", 0 },
		{ "y", -1 }, { "2", -1 }, { "enabled", -1 }, { "", -1 },
	};
	char text[256], list[64];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(text, sizeof(text), BASE "[http]\nmax_line = %s\n"
			 "max_header_bytes = 1m\n", sizes[i].v);
		if (sizes[i].want < 0) {
			assert_int_equal(load(text), -EINVAL);
			assert_int_equal(errs.count, 1);
			assert_int_equal(errs.e[0].line, 7);
		} else {
			assert_int_equal(load(text), 0);
			assert_int_equal(cfg.http.max_line, sizes[i].want);
			assert_int_equal(cfg.http.max_header_bytes, 1 << 20);
		}
	}
	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		snprintf(text, sizeof(text), BASE "[scaling]\nenabled = %s\n", bools[i].v);
		if (bools[i].want < 0) {
			assert_int_equal(load(text), -EINVAL);
			assert_int_equal(errs.by_kind[WP_CONFIG_E_VALUE], 1);
		} else {
			assert_int_equal(load(text), 0);
			assert_int_equal(cfg.scaling.enabled, bools[i].want);
		}
	}

	assert_int_equal(load(BASE "[workers]\nlcores = 4, 1-2 ,2\nmain_lcore = 3\n"), 0);
	assert_int_equal(cfg.workers.count, 3);
	assert_int_equal(cfg.workers.lcores[0], 0x16);
	assert_int_equal(cfg.workers.lcores[1], 0);
	assert_int_equal(wp_config_format_lcores(&cfg, false, list, sizeof(list)), 5);
	assert_string_equal(list, "1-2,4");
	assert_int_equal(wp_config_format_lcores(&cfg, true, list, sizeof(list)), 3);
	assert_string_equal(list, "1-4");
	assert_int_equal(wp_config_format_lcores(&cfg, true, list, 3), -ENOSPC);
	assert_int_equal(load(BASE "[workers]\nlcores = 64-127\n"), 0);
	assert_int_equal(cfg.workers.count, 64);
	assert_int_equal(cfg.workers.lcores[0], 0);
	assert_int_equal(cfg.workers.lcores[1], UINT64_MAX);
	assert_true(wp_config_is_worker_lcore(&cfg, 127));
	assert_false(wp_config_is_worker_lcore(&cfg, 128));
	assert_int_equal(wp_config_format_lcores(&cfg, true, list, sizeof(list)), 8);
	assert_string_equal(list, "0,64-127");
}

/* ------------------------------------------------------------------ */
/* Every key set to something else than its default, read back.        */

/* In wp_config_dump()'s own order and notation: loading it and dumping
 * must give this text back byte for byte. */
static const char full[] =
	"# warmpoold effective configuration (every key; see conf/warmpoold.ini)\n"
	"\n[listen]\naddress = 10.0.0.1\nport = 81\nbacklog = 77\n"
	"\n[port client]\ndevice = net_ring0\naddress = 10.0.0.1/16\n"
	"gateway = 10.0.0.254\nmtu = 9000\nrx_desc = 512\ntx_desc = 2048\n"
	"\n[port backend]\ndevice = 0000:01:00.0\naddress = 172.16.5.6/30\n"
	"gateway = 172.16.5.5\nmtu = 576\nrx_desc = 64\ntx_desc = 32768\n"
	"\n[workers]\nlcores = 2-3,5,7-9\nmain_lcore = 4\nspin_polls = 1\n"
	"pause_polls = 4294967295\nidle_sleep_us = 1000000\nmbufs = 70000\n"
	"cmd_ring_slots = 3\ntelem_ring_slots = 1048576\n"
	"\n[backend web-1]\naddress = 192.0.2.10\nport = 443\nweight = 1000\n"
	"\n[backend web_2.x]\naddress = 192.0.2.10\nport = 444\nweight = 7\n"
	"\n[pool]\nmin_idle = 0\nmax_sessions = 1048576\nmax_pending = 0\n"
	"acquire_timeout = 1ns\nidle_timeout = 0\nmax_age = 168h\n"
	"max_age_jitter = 1500ms\nmax_requests = 4294967295\nprobe_idle = 250us\n"
	"leak_threshold = 90m\nleak_reclaim = yes\nconnect_timeout = 3s\n"
	"connect_burst = 1\nconnect_interval = 1h\nseed = 0\n"
	"\n[http]\nmax_line = 16\nmax_header_bytes = 1m\nmax_headers = 10000\n"
	"client_idle_timeout = 0\nbackend_timeout = 1ms\nrequest_timeout = 24h\n"
	"retry_idempotent = no\n"
	"\n[health]\ntype = http\ninterval = 1h\njitter = 59m\ninitial_spread = 0\n"
	"timeout = 1h\nrise = 100\nfall = 1\nhttp_method = OPTIONS\n"
	"http_path = /health?full=1\nhttp_expect_status = 204\nslow_start = 90s\n"
	"\n[outlier]\nconsecutive_failures = 0\nbase_ejection = 1ms\n"
	"max_ejection = 24h\nmax_ejected_percent = 100\n"
	"\n[breaker]\nmax_sessions = 16777216\nmax_pending = 0\n"
	"retry_budget_percent = 0\nmin_retries_per_s = 1000000\nopen_time = 1h\n"
	"half_open_probes = 1000\n"
	"\n[scaling]\nenabled = yes\nbudget = 100\nfloor = 0\nceiling = 100\n"
	"step = 65536\ncooldown = 0\npreconnect_ratio = 0.125\n"
	"\n[telemetry]\nfile = /tmp/wp.ring\nrecords = 64\nsnapshot_interval = 0\n"
	"\n[management]\naddress = 0.0.0.0\nport = 0\nallow_remote = yes\n"
	"\n[shutdown]\ndrain_timeout = 1ms\n";

static void
test_every_key_round_trip(void **state)
{
	struct wp_config again;
	struct wp_pool_params pp;
	const struct wp_config_port *cp, *bp;
	char *d1, *d2;
	(void)state;

	assert_int_equal(load(full), 0);
	print_errs();
	cp = &cfg.port[WP_CONFIG_PORT_CLIENT];
	bp = &cfg.port[WP_CONFIG_PORT_BACKEND];
	/* struct fields, one by one: proves every table offset */
	assert_int_equal(cfg.listen.addr, 0x0a000001);
	assert_int_equal(cfg.listen.port, 81);
	assert_int_equal(cfg.listen.backlog, 77);
	assert_true(cp->present);
	assert_string_equal(cp->device, "net_ring0");
	assert_int_equal(cp->addr, 0x0a000001);
	assert_int_equal(cp->prefix_len, 16);
	assert_int_equal(cp->gateway, 0x0a0000fe);
	assert_int_equal(cp->mtu, 9000);
	assert_int_equal(cp->rx_desc, 512);
	assert_int_equal(cp->tx_desc, 2048);
	assert_true(bp->present);
	assert_string_equal(bp->device, "0000:01:00.0");
	assert_int_equal(bp->addr, 0xac100506);
	assert_int_equal(bp->prefix_len, 30);
	assert_int_equal(bp->gateway, 0xac100505);
	assert_int_equal(bp->mtu, 576);
	assert_int_equal(bp->rx_desc, 64);
	assert_int_equal(bp->tx_desc, 32768);
	assert_int_equal(cfg.workers.lcores[0], 0x3ac);
	assert_int_equal(cfg.workers.count, 6);
	assert_int_equal(cfg.workers.main_lcore, 4);
	assert_int_equal(cfg.workers.spin_polls, 1);
	assert_int_equal(cfg.workers.pause_polls, UINT32_MAX);
	assert_int_equal(cfg.workers.idle_sleep_us, 1000000);
	assert_int_equal(cfg.workers.mbufs, 70000);
	assert_int_equal(cfg.workers.cmd_ring_slots, 3);
	assert_int_equal(cfg.workers.telem_ring_slots, 1 << 20);
	assert_int_equal(cfg.n_backends, 2);
	assert_string_equal(cfg.backend[0].name, "web-1");
	assert_int_equal(cfg.backend[0].addr, 0xc000020a);
	assert_int_equal(cfg.backend[0].port, 443);
	assert_int_equal(cfg.backend[0].weight, 1000);
	assert_string_equal(cfg.backend[1].name, "web_2.x");
	assert_int_equal(cfg.backend[1].port, 444);
	assert_int_equal(cfg.backend[1].weight, 7);
	assert_int_equal(cfg.pool.min_idle, 0);
	assert_int_equal(cfg.pool.max_sessions, 1 << 20);
	assert_int_equal(cfg.pool.max_pending, 0);
	assert_int_equal(cfg.pool.acquire_timeout_ns, 1);
	assert_int_equal(cfg.pool.idle_timeout_ns, 0);
	assert_int_equal(cfg.pool.max_age_ns, 168 * 3600 * NS_S);
	assert_int_equal(cfg.pool.max_age_jitter_ns, 1500 * NS_MS);
	assert_int_equal(cfg.pool.max_requests, UINT32_MAX);
	assert_int_equal(cfg.pool.probe_idle_ns, 250000);
	assert_int_equal(cfg.pool.leak_threshold_ns, 90 * 60 * NS_S);
	assert_true(cfg.pool.leak_reclaim);
	assert_int_equal(cfg.pool.connect_timeout_ns, 3 * NS_S);
	assert_int_equal(cfg.pool.connect_burst, 1);
	assert_int_equal(cfg.pool.connect_interval_ns, 3600 * NS_S);
	assert_int_equal(cfg.pool.seed, 0);
	assert_int_equal(cfg.http.max_line, 16);
	assert_int_equal(cfg.http.max_header_bytes, 1 << 20);
	assert_int_equal(cfg.http.max_headers, 10000);
	assert_int_equal(cfg.http.client_idle_timeout_ns, 0);
	assert_int_equal(cfg.http.backend_timeout_ns, NS_MS);
	assert_int_equal(cfg.http.request_timeout_ns, 24 * 3600 * NS_S);
	assert_false(cfg.http.retry_idempotent);
	assert_int_equal(cfg.health.type, WP_CONFIG_HEALTH_HTTP);
	assert_int_equal(cfg.health.interval_ns, 3600 * NS_S);
	assert_int_equal(cfg.health.jitter_ns, 59 * 60 * NS_S);
	assert_int_equal(cfg.health.initial_spread_ns, 0);
	assert_int_equal(cfg.health.timeout_ns, 3600 * NS_S);
	assert_int_equal(cfg.health.rise, 100);
	assert_int_equal(cfg.health.fall, 1);
	assert_string_equal(cfg.health.http_method, "OPTIONS");
	assert_string_equal(cfg.health.http_path, "/health?full=1");
	assert_int_equal(cfg.health.http_expect_status, 204);
	assert_int_equal(cfg.health.slow_start_ns, 90 * 1000000000LL);
	assert_int_equal(cfg.outlier.consecutive_failures, 0);
	assert_int_equal(cfg.outlier.base_ejection_ns, NS_MS);
	assert_int_equal(cfg.outlier.max_ejection_ns, 24 * 3600 * NS_S);
	assert_int_equal(cfg.outlier.max_ejected_percent, 100);
	assert_int_equal(cfg.breaker.max_sessions, 1 << 24);
	assert_int_equal(cfg.breaker.max_pending, 0);
	assert_int_equal(cfg.breaker.retry_budget_percent, 0);
	assert_int_equal(cfg.breaker.min_retries_per_s, 1000000);
	assert_int_equal(cfg.breaker.open_time_ns, 3600 * NS_S);
	assert_int_equal(cfg.breaker.half_open_probes, 1000);
	assert_true(cfg.scaling.enabled);
	assert_int_equal(cfg.scaling.budget, 100);
	assert_int_equal(cfg.scaling.floor, 0);
	assert_int_equal(cfg.scaling.ceiling, 100);
	assert_int_equal(cfg.scaling.step, 65536);
	assert_int_equal(cfg.scaling.cooldown_ns, 0);
	assert_int_equal(cfg.scaling.preconnect_milli, 125);
	assert_string_equal(cfg.telemetry.file, "/tmp/wp.ring");
	assert_int_equal(cfg.telemetry.records, 64);
	assert_int_equal(cfg.telemetry.snapshot_interval_ns, 0);
	assert_int_equal(cfg.management.addr, 0);
	assert_int_equal(cfg.management.port, 0);
	assert_true(cfg.management.allow_remote);
	assert_int_equal(cfg.shutdown.drain_timeout_ns, NS_MS);

	wp_config_pool_params(&cfg, &pp);
	assert_int_equal(pp.max_age_jitter_ns, 1500 * NS_MS);
	assert_int_equal(wp_pool_params_check(&pp, NULL, 0), 0);

	/* the dump is the file, and dump -> load -> dump is the identity */
	d1 = dump_str(&cfg);
	assert_string_equal(d1, full);
	assert_int_equal(wp_config_load_string(&again, "dump", d1, &errs), 0);
	d2 = dump_str(&again);
	assert_string_equal(d1, d2);
	assert_int_equal(wp_config_check(&again, "again", &errs), 0);
	free(d1);
	free(d2);

	/* the same for the example file */
	{
		char *path = example_path();

		assert_int_equal(wp_config_load(&cfg, path, &errs), 0);
		d1 = dump_str(&cfg);
		assert_int_equal(wp_config_load_string(&again, "dump", d1, &errs), 0);
		d2 = dump_str(&again);
		assert_string_equal(d1, d2);
		free(d1);
		free(d2);
		free(path);
	}
}

/* ------------------------------------------------------------------ */

static void
test_check_struct(void **state)
{
	struct wp_config c;
	(void)state;

	assert_int_equal(load(BASE), 0);
	c = cfg;
	assert_int_equal(wp_config_check(&c, "code", &errs), 0);

	/* values a file could not hold are caught by the same rules */
	c.backend[0].weight = 0;
	c.pool.max_sessions = 0;
	c.port[0].rx_desc = 100;
	c.health.type = 7;
	snprintf(c.health.http_method, sizeof(c.health.http_method), "PUT");
	c.telemetry.snapshot_interval_ns = 1;
	assert_int_equal(wp_config_check(&c, "code", &errs), -EINVAL);
	print_errs();
	assert_int_equal(errs.count, 6);
	{
		static const char *const want[] = {
			"code: [port client] rx_desc = 100: must be a power of two from 64 to 32768",
			"code: [backend a] weight = 0: must be an integer from 1 to 1000",
			"code: [health] type = ?: must be tcp or http",
			"code: [health] http_method = PUT: must be GET, HEAD or OPTIONS",
			"code: [telemetry] snapshot_interval = 1ns: not whole milliseconds: must be "
			"a duration from 0 to 1h in whole milliseconds (units ns, us, ms, "
			"s, m, h), e.g. 250ms",
			"code: [pool] max_sessions = 0: must be 1 to 1048576",
		};
		unsigned int i, j;

		for (i = 0; i < 6; i++) {
			for (j = 0; j < errs.stored; j++)
				if (strcmp(errs.e[j].msg, want[i]) == 0)
					break;
			if (j == errs.stored)
				fail_msg("missing: %s", want[i]);
		}
	}

	/* names, counts and the lcore bitmap */
	c = cfg;
	snprintf(c.backend[0].name, sizeof(c.backend[0].name), "a b");
	c.workers.count = 2;
	assert_int_equal(wp_config_check(&c, "code", &errs), -EINVAL);
	print_errs();
	assert_int_equal(errs.count, 2);
	assert_string_equal(errs.e[0].msg, "code: [workers] lcores = 1: count does "
			    "not match the list");
	assert_string_equal(errs.e[1].msg, "code: [backend a b]: a backend needs a "
			    "name of 1 to 31 characters from A-Z a-z 0-9 _ . -");
	c = cfg;
	c.n_backends = 2;
	c.backend[1] = c.backend[0];
	c.backend[1].port = 81;
	c.workers.lcores[0] = 0;
	c.workers.count = 0;
	assert_int_equal(wp_config_check(&c, "code", &errs), -EINVAL);
	print_errs();
	assert_int_equal(errs.count, 2);
	assert_string_equal(errs.e[0].msg, "code: [workers] lcores = : at least one "
			    "worker lcore is required");
	assert_string_equal(errs.e[1].msg, "code: [backend a]: backend named twice");
	c = cfg;
	c.n_backends = WP_CONFIG_MAX_BACKENDS + 1;
	assert_int_equal(wp_config_check(&c, "code", &errs), -EINVAL);
	assert_string_equal(errs.e[0].msg, "code: too many backends (65, at most 64)");
}

static void
test_files(void **state)
{
	char path[] = "/tmp/wp_test_config_XXXXXX";
	int fd;
	FILE *f;
	(void)state;

	assert_int_equal(wp_config_load(&cfg, "/nonexistent/warmpoold.ini", &errs), -ENOENT);
	assert_int_equal(errs.count, 1);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_IO], 1);
	assert_string_equal(errs.e[0].msg, "/nonexistent/warmpoold.ini: cannot read: "
			    "No such file or directory");
	assert_int_equal(wp_config_load(&cfg, "/", &errs), -EISDIR);
	assert_string_equal(errs.e[0].msg, "/: cannot read: Is a directory");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(BASE "[pool]\nmax_sessions = 0\n", f);
	fclose(f);
	assert_int_equal(wp_config_load(&cfg, path, &errs), -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_int_equal(strncmp(errs.e[0].msg, path, strlen(path)), 0);
	assert_string_equal(errs.e[0].msg + strlen(path),
			    ":7: [pool] max_sessions = 0: must be 1 to 1048576");

	/* too big */
	f = fopen(path, "w");
	assert_non_null(f);
	for (unsigned int i = 0; i <= WP_CONFIG_MAX_FILE / 64; i++)
		fputs("; .............................................................\n", f);
	fclose(f);
	assert_int_equal(wp_config_load(&cfg, path, &errs), -EFBIG);
	assert_int_equal(errs.by_kind[WP_CONFIG_E_IO], 1);
	unlink(path);
}

static void
test_helpers(void **state)
{
	struct wp_net_conf nc;
	(void)state;

	assert_int_equal(load(BASE "[backend b]\naddress = 198.18.0.3\n"), 0);
	assert_int_equal(wp_config_find_backend(&cfg, "a"), 0);
	assert_int_equal(wp_config_find_backend(&cfg, "b"), 1);
	assert_int_equal(wp_config_find_backend(&cfg, "c"), -ENOENT);
	/* one port for both sides */
	assert_ptr_equal(wp_config_port_for(&cfg, WP_CONFIG_PORT_BACKEND),
			 &cfg.port[WP_CONFIG_PORT_CLIENT]);
	memset(&nc, 0xa5, sizeof(nc));
	wp_config_net_conf(&cfg, WP_CONFIG_PORT_BACKEND, &nc);
	assert_int_equal(nc.ip, 0xc6120001);
	assert_int_equal(nc.prefix_len, 24);
	assert_int_equal(nc.gateway, 0);
	assert_int_equal(nc.mtu, 1500);
	assert_int_equal(nc.arp_entries, 0xa5a5a5a5); /* the rest is the caller's */

	assert_int_equal(load(full), 0);
	assert_ptr_equal(wp_config_port_for(&cfg, WP_CONFIG_PORT_BACKEND),
			 &cfg.port[WP_CONFIG_PORT_BACKEND]);
	wp_config_net_conf(&cfg, WP_CONFIG_PORT_BACKEND, &nc);
	assert_int_equal(nc.ip, 0xac100506);
	assert_int_equal(nc.prefix_len, 30);
	assert_int_equal(nc.gateway, 0xac100505);
	assert_int_equal(nc.mtu, 576);
	wp_config_net_conf(&cfg, WP_CONFIG_PORT_CLIENT, &nc);
	assert_int_equal(nc.ip, 0x0a000001);

	assert_string_equal(wp_config_error_kind_name(WP_CONFIG_E_CONFLICT), "conflict");
	assert_string_equal(wp_config_error_kind_name(WP_CONFIG_E__COUNT), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_example_documents_every_key),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_errors_collected),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes_bools_lcores),
		cmocka_unit_test(test_every_key_round_trip),
		cmocka_unit_test(test_check_struct),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
