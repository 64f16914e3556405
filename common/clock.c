/*
 * clock.c - the suite's clocks, one place: monotonic ns and ms for
 * deadlines and rates, wall-clock ns for what people read.  Every program
 * of the suite (ringd, ringctl, ringtop, bench, tests, the blkdev
 * examples) reads time through these; libring keeps its own (it does not
 * link common/).
 *
 * Depends on libc only.
 */
#include <stdint.h>
#include <time.h>

#include "common.h"

static uint64_t
clock_read(clockid_t id)
{
	struct timespec ts;

	(void)clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t
clock_ns(void)
{
	return clock_read(CLOCK_MONOTONIC);
}

uint64_t
clock_ms(void)
{
	return clock_read(CLOCK_MONOTONIC) / 1000000u;
}

uint64_t
clock_wall_ns(void)
{
	return clock_read(CLOCK_REALTIME);
}
