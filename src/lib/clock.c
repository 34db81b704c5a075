/*
 * The clock: real time unless fixed by --now.
 */
#include "lib/clock.h"

static time_t clock_fixed;

time_t
clock_now(void)
{
	return clock_fixed != 0 ? clock_fixed : time(NULL);
}

void
clock_set(time_t t)
{
	clock_fixed = t;
}

int64_t
clock_now_us(void)
{
	struct timespec ts;

	if (clock_fixed != 0)
		return (int64_t)clock_fixed * 1000000;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
