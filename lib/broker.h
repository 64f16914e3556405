/*
 * broker.h - what pair.c offers the control side beyond <ring/ring.h>:
 * ringd (linked with libring.a) and the control client.  Not exported
 * from the shared library.
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
/* pair.c: ring_open(), the handle taking the doorbells over (then -1) */
int ringi_open_take(struct ring_fds *fds, enum ring_role role,
    struct ring **ret);
/* pair.c: ring_pair_create(), the SQ's pop_wait set from the start */
int ringi_pair_create_armed(const struct ring_params *p, uint32_t sq_pop_wait,
    struct ring_fds *fds);
/* pair.c: both status words and whether a side sleeps (one pread()) */
int ringi_status_read_fd(int mem, uint64_t status[2], bool *asleep);

#endif
