// SPDX-License-Identifier: GPL-2.0
/* mutexfuzz: fatal errors, failed checks, random numbers, time (util.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

atomic_int failures;

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "mutexfuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* ------------------------------------------------------------ random */

static __thread uint64_t rng = 88172645463325252ULL;

uint64_t rnd64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

void rnd_seed(uint64_t s)
{
	rng = s * 0x9E3779B97F4A7C15ULL + 1;
	if (!rng)
		rng = 1;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
