/*
 * The clock that signatures, greylisting and reports see. `--now` fixes
 * it for reproducible tests and investigations; otherwise it is the real
 * time.
 */
#ifndef MXW_CLOCK_H
#define MXW_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds since the epoch: the fixed time if one was set. */
time_t	clock_now(void);
/* Fix the clock (0 returns to real time). Call before starting threads. */
void	clock_set(time_t t);
/*
 * Microseconds since the epoch: the fixed time (whole seconds) if one was
 * set, else the real time with its fraction (rate limiters need it).
 */
int64_t	clock_now_us(void);
/* Monotonic microseconds, for timing and budgets; never fixed. */
uint64_t clock_mono_us(void);

#endif
