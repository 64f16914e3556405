/*
 * broker.h - what libring offers ringd alone, beyond <ring/ring.h>: not
 * exported from the shared library, linked from libring.a.
 */
#ifndef RING_BROKER_H
#define RING_BROKER_H

#include <ring/ring.h>

#include <stdbool.h>
#include <stdint.h>

/* pair.c: a monitor on a pair one made with ring_pair_create(), opened
 * with no check and owning its doorbells */
int ringi_monitor_open_made(const struct ring_params *p,
    const struct ring_fds *fds, struct ring **ret);
/* pair.c: both status words and whether a side sleeps (one pread()) */
int ringi_status_read_fd(int mem, uint64_t status[2], bool *asleep);

#endif
