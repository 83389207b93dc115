/* SPDX-License-Identifier: BSD-3-Clause */
/* The appliance configuration file (warmpoold.ini). Types: config-t.h.
 *
 * Loading is: defaults, then the file (INI, parsed by libinih), then the
 * checks that need the whole file (cross-field rules). Every problem is
 * collected, up to WP_CONFIG_MAX_ERRORS stored, each naming the file, the
 * line, the section, the key, the value and what is allowed:
 *
 *   warmpoold.ini:12: [pool] max_sessions = 0: must be 1 to 1048576
 *
 * Unknown sections and keys are errors, so a typo is never silent.
 *
 * Nothing here needs DPDK or EAL: the same code runs in `warmpoold
 * --check-config FILE`, the unit tests and the fuzz target. Reentrant: no
 * global state is written (inih's option globals are only read), so a
 * SIGHUP reload can load into a fresh struct while the old one is in use.
 *
 * Typical use (control core):
 *
 *   struct wp_config cfg;
 *   struct wp_config_errors errs;
 *   if (wp_config_load(&cfg, path, &errs) != 0) {
 *           wp_config_errors_print(&errs, stderr);  // every error, one a line
 *           exit(2);
 *   }
 *   wp_config_dump(&cfg, stdout);                   // --check-config
 *
 * Return values: 0, or a negative errno: -EINVAL for bad content (see the
 * errors), -ENOENT/-EACCES/-EISDIR/-EFBIG/-EIO for a file that cannot be
 * read (also recorded as a WP_CONFIG_E_IO error), -ENOMEM.
 */
#ifndef WARMPOOL_CONFIG_H
#define WARMPOOL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <warmpool/config-t.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wp_net_conf;
struct wp_pool_params;

/* Largest file accepted (bytes). */
#define WP_CONFIG_MAX_FILE (1u << 20)

/* Every key at its default. Ports and backends have no defaults: they
 * describe the site, so a usable file names at least [port client] with
 * device and address, and one [backend NAME] with an address. */
void wp_config_defaults(struct wp_config *cfg);

/* Load `path` into *cfg (defaults first). `errs` may be NULL. Messages
 * start with `path` as given. On failure *cfg holds whatever was parsed
 * and must not be used. */
int wp_config_load(struct wp_config *cfg, const char *path,
		   struct wp_config_errors *errs);

/* The same from memory; `name` stands in for the file name in messages.
 * _string takes a NUL-terminated text, _buffer any bytes (a NUL byte in
 * the data is reported as an error on its line). */
int wp_config_load_string(struct wp_config *cfg, const char *name,
			  const char *text, struct wp_config_errors *errs);
int wp_config_load_buffer(struct wp_config *cfg, const char *name,
			  const void *data, size_t len,
			  struct wp_config_errors *errs);

/* The checks a load runs after parsing, on any struct (e.g. one built in
 * code). Messages carry `name` but no line. 0 or -EINVAL. */
int wp_config_check(const struct wp_config *cfg, const char *name,
		    struct wp_config_errors *errs);

/* Print the effective configuration as a loadable file: every key of
 * every section, in canonical form (durations in the largest exact unit,
 * sizes with k/m/g when exact), keys without a value (no gateway) left
 * out. Loading the output gives the same struct. 0 or -EIO. */
int wp_config_dump(const struct wp_config *cfg, FILE *out);

/* One error per line, then "... and N more" when some were not stored. */
void wp_config_errors_print(const struct wp_config_errors *errs, FILE *out);
const char *wp_config_error_kind_name(enum wp_config_error_kind k);

/* Every difference between `a` and `b`, key by key, in the order of
 * wp_config_dump(): fn(arg, change) once per key whose canonical values
 * differ, and once per section present in only one of them. Backends are
 * matched by name. Returns the number of changes. */
typedef void wp_config_change_fn(void *arg, const struct wp_config_change *ch);
unsigned wp_config_diff(const struct wp_config *a, const struct wp_config *b,
			wp_config_change_fn *fn, void *arg);

/* Set `key` of section (`section`, `name`) in dst to its value in src; the
 * section must be in both (backends by name). 0, or -ENOENT. */
int wp_config_copy_key(struct wp_config *dst, const struct wp_config *src,
		       const char *section, const char *name, const char *key);

/* [pool] as the pool takes it. */
void wp_config_pool_params(const struct wp_config *cfg, struct wp_pool_params *p);

/* [breaker] as the breaker and the retry budgets take it (breaker-t.h). */
struct wp_breaker_params;
void wp_config_breaker_params(const struct wp_config *cfg, struct wp_breaker_params *p);

/* The port that plays `role`: the backend role falls back to the client
 * port when there is no [port backend]. */
const struct wp_config_port *wp_config_port_for(const struct wp_config *cfg,
						enum wp_config_port_role role);

/* Overwrite ip, prefix_len, gateway and mtu of *nc from the port playing
 * `role`; the caller fills the rest (wp_net_conf_default, MAC, worker). */
void wp_config_net_conf(const struct wp_config *cfg, enum wp_config_port_role role,
			struct wp_net_conf *nc);

/* Index of the backend called `name`, or -ENOENT. */
int wp_config_find_backend(const struct wp_config *cfg, const char *name);

/* The worker lcores (and the main lcore too if `with_main`) as a DPDK
 * lcore list, e.g. "0-2,4", for EAL's -l. Returns the length, or -ENOSPC
 * if it does not fit in `len` (always NUL-terminated when len > 0). */
int wp_config_format_lcores(const struct wp_config *cfg, bool with_main,
			    char *buf, size_t len);

static inline bool
wp_config_is_worker_lcore(const struct wp_config *cfg, unsigned int lcore)
{
	return lcore < WP_CONFIG_MAX_LCORE &&
	       (cfg->workers.lcores[lcore / 64] >> (lcore % 64)) & 1u;
}

#ifdef __cplusplus
}
#endif

#endif /* WARMPOOL_CONFIG_H */
