/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration reload: wp_config_diff / wp_config_copy_key (config.c)
 * and the policy of src/control/reload.c (contract warmpool/reload.h).
 *
 * No EAL: configurations are loaded from text. What is proven:
 *  - the diff names exactly the keys that differ (canonical values, so
 *    "30s" and "30000ms" are the same), sections added or removed, and
 *    matches backends by name whatever their order;
 *  - live keys are applied and everything else keeps its running value
 *    with a message that says why (the effective config is compared field
 *    by field); each limit of what start-up allocated is enforced;
 *  - a plan whose kept and new values do not fit together is refused
 *    whole, with the loader's message;
 *  - the worker fields: every one accepted, anything else refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <warmpool/config.h>
#include <warmpool/reload.h>

#define BASE "[listen]\nport = 8080\n" \
	     "[port client]\ndevice = d0\naddress = 198.18.0.1/24\n" \
	     "[port backend]\ndevice = d1\naddress = 198.18.1.1/24\n"

static const char start_text[] = BASE
	"[pool]\nmin_idle = 2\nmax_sessions = 8\nmax_pending = 100\n"
	"[http]\nretry_idempotent = no\n"
	"[backend a]\naddress = 198.18.1.2\nport = 81\n"
	"[backend b]\naddress = 198.18.1.2\nport = 82\n";

static struct wp_config start, next, eff;
static struct wp_config_errors errs;

struct log {
	unsigned n, applied;
	char lines[32][600];
};

static void
log_line(void *arg, bool applied, const char *line)
{
	struct log *l = arg;

	printf("  %s\n", line);
	if (l->n < 32)
		snprintf(l->lines[l->n], sizeof(l->lines[0]), "%s", line);
	l->n++;
	l->applied += applied;
}

static bool
logged(const struct log *l, const char *line)
{
	for (unsigned i = 0; i < l->n && i < 32; i++)
		if (strcmp(l->lines[i], line) == 0)
			return true;
	print_error("not logged: %s\n", line);
	return false;
}

static void
load(struct wp_config *c, const char *text)
{
	if (wp_config_load_string(c, "t.ini", text, &errs) != 0) {
		wp_config_errors_print(&errs, stdout);
		fail();
	}
}

/* ------------------------------------------------------------ diff */

struct seen {
	unsigned n;
	char what[16][600];
};

static void
collect(void *arg, const struct wp_config_change *ch)
{
	struct seen *s = arg;

	if (s->n < 16)
		snprintf(s->what[s->n], sizeof(s->what[0]), "%s|%s|%s|%s|%s", ch->section,
			 ch->name, ch->key ? ch->key : "-", ch->old_value, ch->new_value);
	s->n++;
}

static void
test_diff(void **state)
{
	struct seen s = { 0 };

	(void)state;
	load(&start, start_text);
	assert_int_equal(wp_config_diff(&start, &start, collect, &s), 0);
	/* same values written differently, backends in another order: no change */
	load(&next, BASE "[pool]\nmin_idle = 2\nmax_sessions = 8\nmax_pending = 100\n"
	     "acquire_timeout = 1000ms\n[http]\nretry_idempotent = no\n"
	     "[backend b]\naddress = 198.18.1.2\nport = 82\n"
	     "[backend a]\naddress = 198.18.1.2\nport = 81\nweight = 1\n");
	assert_int_equal(wp_config_diff(&start, &next, collect, &s), 0);

	load(&next, "[listen]\nport = 8080\n"
	     "[port client]\ndevice = d0\naddress = 198.18.0.1/24\n"
	     "[pool]\nmin_idle = 2\nmax_sessions = 4\nmax_pending = 100\n"
	     "[http]\nretry_idempotent = no\n"
	     "[backend c]\naddress = 198.18.1.3\n"
	     "[backend a]\naddress = 198.18.1.2\nport = 81\nweight = 5\n"
	     "[port backend]\ndevice = d1\naddress = 198.18.1.1/24\ngateway = 198.18.1.254\n");
	assert_int_equal(wp_config_diff(&start, &next, collect, &s), 5);
	assert_string_equal(s.what[0], "port|backend|gateway||198.18.1.254");
	assert_string_equal(s.what[1], "backend|a|weight|1|5");
	assert_string_equal(s.what[2], "backend|b|-|removed|");
	assert_string_equal(s.what[3], "backend|c|-||added");
	assert_string_equal(s.what[4], "pool||max_sessions|8|4");

	/* copy_key: by section, instance name and key */
	eff = start;
	assert_int_equal(wp_config_copy_key(&eff, &next, "backend", "a", "weight"), 0);
	assert_int_equal(eff.backend[0].weight, 5);
	assert_int_equal(wp_config_copy_key(&eff, &next, "pool", "", "max_sessions"), 0);
	assert_int_equal(eff.pool.max_sessions, 4);
	assert_int_equal(wp_config_copy_key(&eff, &next, "port", "client", "address"), 0);
	assert_int_equal(wp_config_copy_key(&eff, &next, "backend", "c", "weight"), -ENOENT);
	assert_int_equal(wp_config_copy_key(&eff, &next, "pool", "", "nope"), -ENOENT);
	assert_int_equal(wp_config_copy_key(&eff, &next, "nope", "", "port"), -ENOENT);
}

/* ------------------------------------------------------------ plans */

static void
test_plan_live_and_restart(void **state)
{
	struct wp_reload_report rep;
	struct log l = { 0 };
	struct wp_config want;

	(void)state;
	load(&start, start_text);
	load(&next, "[listen]\nport = 9090\n"
	     "[port client]\ndevice = d0\naddress = 198.18.0.1/24\n"
	     "[port backend]\ndevice = d1\naddress = 198.18.1.1/24\n"
	     "[pool]\nmin_idle = 1\nmax_sessions = 2\nmax_pending = 100\nidle_timeout = 5s\n"
	     "seed = 7\n"
	     "[http]\nretry_idempotent = no\nbackend_timeout = 2s\n"
	     "[health]\ninterval = 500ms\ntimeout = 100ms\ntype = http\n"
	     "[outlier]\nconsecutive_failures = 9\n"
	     "[breaker]\nopen_time = 2s\n"
	     "[scaling]\nstep = 8\nbudget = 99\n"
	     "[telemetry]\nrecords = 128\n"
	     "[shutdown]\ndrain_timeout = 1s\n"
	     "[backend a]\naddress = 198.18.1.2\nport = 81\nweight = 9\n"
	     "[backend b]\naddress = 198.18.1.2\nport = 83\n"
	     "[backend c]\naddress = 198.18.1.3\n");
	assert_int_equal(wp_reload_plan(&start, &start, &next, "t.ini", &eff, &rep, &errs,
					log_line, &l), 0);
	assert_int_equal(rep.changes, l.n);
	assert_int_equal(rep.applied, l.applied);
	assert_int_equal(rep.applied + rep.refused, rep.changes);
	assert_int_equal(rep.applied, 11);
	assert_int_equal(rep.refused, 7);

	/* the effective config: start with exactly the applied keys changed */
	want = start;
	want.pool.min_idle = 1;
	want.pool.max_sessions = 2;
	want.pool.idle_timeout_ns = 5000000000LL;
	want.http.backend_timeout_ns = 2000000000LL;
	want.health.interval_ns = 500000000LL;
	want.health.timeout_ns = 100000000LL;
	want.outlier.consecutive_failures = 9;
	want.breaker.open_time_ns = 2000000000LL;
	want.scaling.step = 8;
	want.shutdown.drain_timeout_ns = 1000000000LL;
	want.backend[0].weight = 9;
	assert_memory_equal(&eff, &want, sizeof(want));

	assert_true(logged(&l, "[pool] max_sessions = 8 -> 2: applied"));
	assert_true(logged(&l, "[backend a] weight = 1 -> 9: applied"));
	assert_true(logged(&l, "[listen] port = 8080 -> 9090: needs a restart (the "
			   "listener is opened at start); keeping 8080"));
	assert_true(logged(&l, "[backend b] port = 82 -> 83: needs a restart (every "
			   "worker's pools and the telemetry file's backend table are "
			   "built at start); keeping 82"));
	assert_true(logged(&l, "[backend c]: added: needs a restart (every worker's "
			   "pools and the telemetry file's backend table are built at start)"));
	assert_true(logged(&l, "[health] type = tcp -> http: needs a restart (the "
			   "workers' probers are built at start); keeping tcp"));
	assert_true(logged(&l, "[pool] seed = 11400714819323198485 -> 7: needs a restart "
			   "(the pools' jitter generators were seeded at start); keeping "
			   "11400714819323198485"));
	assert_true(logged(&l, "[scaling] budget = 256 -> 99: needs a restart (the "
			   "session budget is shared out at start); keeping 256"));
	assert_true(logged(&l, "[telemetry] records = 65536 -> 128: needs a restart (the "
			   "export ring is created at start); keeping 65536"));
}

static void
test_plan_removed_backend(void **state)
{
	struct wp_reload_report rep;
	struct log l = { 0 };

	(void)state;
	load(&start, start_text);
	load(&next, BASE "[pool]\nmin_idle = 2\nmax_sessions = 8\nmax_pending = 100\n"
	     "[http]\nretry_idempotent = no\n[backend a]\naddress = 198.18.1.2\nport = 81\n");
	assert_int_equal(wp_reload_plan(&start, &start, &next, "t.ini", &eff, &rep, &errs,
					log_line, &l), 0);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(rep.refused, 1);
	assert_true(logged(&l, "[backend b]: removed: needs a restart (every worker's "
			   "pools and the telemetry file's backend table are built at "
			   "start); to stop using it now: POST /backends/b/drain"));
	assert_int_equal(eff.n_backends, 2);
	assert_memory_equal(&eff, &start, sizeof(eff));
}

/* What start-up allocated bounds the live keys. */
static void
test_plan_limits(void **state)
{
	struct wp_reload_report rep;
	struct log l = { 0 };
	struct wp_config cur;

	(void)state;
	load(&start, start_text);
	/* cur: running with max_sessions lowered to 4 earlier */
	cur = start;
	cur.pool.max_sessions = 4;
	load(&next, BASE "[pool]\nmin_idle = 2\nmax_sessions = 8\nmax_pending = 128\n"
	     "[http]\nretry_idempotent = yes\n"
	     "[backend a]\naddress = 198.18.1.2\nport = 81\n"
	     "[backend b]\naddress = 198.18.1.2\nport = 82\n");
	/* back up to 8 (the pools' size) and max_pending up to 128 (the
	 * queues hold 128 for 100): fine; retries need buffers */
	assert_int_equal(wp_reload_plan(&start, &cur, &next, "t.ini", &eff, &rep, &errs,
					log_line, &l), 0);
	assert_int_equal(rep.applied, 2);
	assert_int_equal(eff.pool.max_sessions, 8);
	assert_int_equal(eff.pool.max_pending, 128);
	assert_false(eff.http.retry_idempotent);
	assert_true(logged(&l, "[http] retry_idempotent = no -> yes: retry buffers are "
			   "allocated at start only when it is on: needs a restart; "
			   "keeping no"));

	l.n = l.applied = 0;
	load(&next, BASE "[pool]\nmin_idle = 2\nmax_sessions = 9\nmax_pending = 129\n"
	     "[http]\nretry_idempotent = no\n"
	     "[backend a]\naddress = 198.18.1.2\nport = 81\n"
	     "[backend b]\naddress = 198.18.1.2\nport = 82\n");
	assert_int_equal(wp_reload_plan(&start, &start, &next, "t.ini", &eff, &rep, &errs,
					log_line, &l), 0);
	assert_int_equal(rep.applied, 0);
	assert_true(logged(&l, "[pool] max_sessions = 8 -> 9: above the 8 sessions the "
			   "pools were created with: needs a restart; keeping 8"));
	assert_true(logged(&l, "[pool] max_pending = 100 -> 129: above the 128 waiters "
			   "the queues were created with: needs a restart; keeping 100"));

	/* scaling owns the targets */
	l.n = l.applied = 0;
	load(&start, "[scaling]\nenabled = yes\nceiling = 8\nbudget = 16\n"
	     "[listen]\nport = 8080\n"
	     "[port client]\ndevice = d0\naddress = 198.18.0.1/24\n"
	     "[pool]\nmin_idle = 2\nmax_sessions = 8\n"
	     "[backend a]\naddress = 198.18.0.2\nport = 81\n");
	load(&next, "[scaling]\nenabled = yes\nceiling = 8\nbudget = 16\n"
	     "[listen]\nport = 8080\n"
	     "[port client]\ndevice = d0\naddress = 198.18.0.1/24\n"
	     "[pool]\nmin_idle = 1\nmax_sessions = 8\n"
	     "[backend a]\naddress = 198.18.0.2\nport = 81\n");
	assert_int_equal(wp_reload_plan(&start, &start, &next, "t.ini", &eff, &rep, &errs,
					log_line, &l), 0);
	assert_int_equal(rep.applied, 0);
	assert_int_equal(eff.pool.min_idle, 2);
	assert_true(logged(&l, "[pool] min_idle = 2 -> 1: refused: scaling owns every "
			   "worker's min_idle and max_sessions ([scaling] enabled); keeping 2"));
}

/* Kept and new values that do not fit together: nothing is applied. */
static void
test_plan_conflict(void **state)
{
	struct wp_reload_report rep;
	struct log l = { 0 };

	(void)state;
	load(&start, start_text);
	/* max_sessions 16 is refused (pools of 8), min_idle 12 would apply:
	 * min_idle above max_sessions */
	load(&next, BASE "[pool]\nmin_idle = 12\nmax_sessions = 16\nmax_pending = 100\n"
	     "[http]\nretry_idempotent = no\n"
	     "[backend a]\naddress = 198.18.1.2\nport = 81\n"
	     "[backend b]\naddress = 198.18.1.2\nport = 82\n");
	assert_int_equal(wp_reload_plan(&start, &start, &next, "t.ini", &eff, &rep, &errs,
					log_line, &l), -EINVAL);
	wp_config_errors_print(&errs, stdout);
	assert_int_equal(errs.count, 1);
	assert_non_null(strstr(errs.e[0].msg, "t.ini: [pool] min_idle"));
}

static void
test_worker_fields(void **state)
{
	struct wp_reload_field f[WP_RELOAD_MAX_FIELDS];
	unsigned n, n2;

	(void)state;
	n = wp_reload_worker_fields(2, f, WP_RELOAD_MAX_FIELDS);
	n2 = wp_reload_worker_fields(WP_CONFIG_MAX_BACKENDS, f, WP_RELOAD_MAX_FIELDS);
	assert_int_equal(n2, n + WP_CONFIG_MAX_BACKENDS - 2);
	assert_true(n2 <= WP_RELOAD_MAX_FIELDS);
	for (unsigned i = 0; i < n2; i++) {
		assert_true(f[i].size == 1 || f[i].size == 2 || f[i].size == 4 || f[i].size == 8);
		assert_true(f[i].off + f[i].size <= sizeof(struct wp_config));
		assert_true(wp_reload_worker_field_ok(f[i].off, f[i].size));
		assert_false(wp_reload_worker_field_ok(f[i].off + 1, f[i].size));
		assert_false(wp_reload_worker_field_ok(f[i].off, f[i].size * 2));
	}
	/* the weight of backend 3, not its address; nothing past the table */
	assert_true(wp_reload_worker_field_ok(offsetof(struct wp_config, backend[3].weight), 2));
	assert_false(wp_reload_worker_field_ok(offsetof(struct wp_config, backend[3].addr), 4));
	assert_false(wp_reload_worker_field_ok(offsetof(struct wp_config, listen.port), 2));
	assert_false(wp_reload_worker_field_ok(offsetof(struct wp_config, pool.seed), 8));
	assert_false(wp_reload_worker_field_ok(
		offsetof(struct wp_config, backend) +
		WP_CONFIG_MAX_BACKENDS * sizeof(struct wp_config_backend) +
		offsetof(struct wp_config_backend, weight), 2));
	/* a short buffer: the count still says how many there are */
	assert_int_equal(wp_reload_worker_fields(2, f, 3), n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_plan_live_and_restart),
		cmocka_unit_test(test_plan_removed_backend),
		cmocka_unit_test(test_plan_limits),
		cmocka_unit_test(test_plan_conflict),
		cmocka_unit_test(test_worker_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
