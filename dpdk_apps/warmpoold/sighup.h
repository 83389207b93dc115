/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold's configuration reload on SIGHUP (sighup.c). Control core
 * only; the handler itself only sets a flag. */
#ifndef WARMPOOLD_SIGHUP_H
#define WARMPOOLD_SIGHUP_H

#include <warmpool/config-t.h>

struct wpd_ctl;

/* Catch SIGHUP (its default would end the process). 0 or -errno. */
int wpd_sighup_install(void);

/* If a SIGHUP came since the last call: re-read `path` and put what may
 * change at run time in force (wp_reload_plan, wpd_ctl_reload); `start`
 * is the configuration the appliance was built from. Every change and
 * every error is printed. Returns 1 if a reload was attempted, else 0. */
int wpd_sighup_poll(struct wpd_ctl *ctl, const struct wp_config *start, const char *path);

#endif /* WARMPOOLD_SIGHUP_H */
