/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold's appliance mode (appliance.c): ports, per-worker stacks and
 * proxies from a loaded configuration, the control loop with SIGTERM
 * drain, and the final report. main.c parses options and starts EAL. */
#ifndef WARMPOOLD_APPLIANCE_H
#define WARMPOOLD_APPLIANCE_H

#include <warmpool/config-t.h>
#include <warmpool/runtime-t.h>

/* Runs until SIGINT/SIGTERM and a drain; SIGHUP reloads `path` (the file
 * cfg was loaded from). Returns the process exit status (0 after a clean
 * drain, 1 on a start-up failure, with what to fix). */
int wpd_appliance_run(const struct wp_config *cfg, const char *path,
		      struct wp_runtime_conf *rconf);

/* EAL arguments the configuration implies (-l, --vdev/-a, --no-pci),
 * appended to out[] (up to max) unless the user's own EAL arguments
 * already say the same. Returns how many were added, or -E2BIG. The
 * strings live in `store` (len bytes). */
int wpd_eal_args(const struct wp_config *cfg, int user_argc, char **user_argv,
		 char **out, int max, char *store, size_t len);

#endif /* WARMPOOLD_APPLIANCE_H */
