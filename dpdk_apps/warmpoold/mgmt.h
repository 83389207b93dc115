/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold's management listener ([management], mgmt.c): HTTP/1.1 on a
 * kernel socket of the control core, polled from the control loop. */
#ifndef WARMPOOLD_MGMT_H
#define WARMPOOLD_MGMT_H

#include <stdint.h>

#include <warmpool/config-t.h>

struct wpd_ctl;
struct wpd_mgmt;

/* Bind and listen as [management] says. NULL with errno 0 when it is off
 * (port 0); NULL with errno set (message printed: what to fix) when it
 * cannot listen or the address is not local and allow_remote is off. */
struct wpd_mgmt *wpd_mgmt_open(const struct wp_config *cfg);

/* Accept, read, answer and close what is ready, without blocking. */
void wpd_mgmt_poll(struct wpd_mgmt *m, struct wpd_ctl *ctl, int64_t now);

/* One line for the exit report (requests by kind, refusals). */
void wpd_mgmt_report(const struct wpd_mgmt *m);

/* Close every connection and the listener. NULL is fine. */
void wpd_mgmt_close(struct wpd_mgmt *m);

#endif /* WARMPOOLD_MGMT_H */
