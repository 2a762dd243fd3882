/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bottom of mutexfuzz: fatal errors, failed checks, the per-thread
 * random numbers every attack draws from, and a monotonic clock.  It uses
 * nothing else of the tool.
 */
#ifndef MUTEXFUZZ_UTIL_H
#define MUTEXFUZZ_UTIL_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

/* The number of checks that failed (the exit status is 1 if any did). */
extern atomic_int failures;

#define FAIL(...) do { \
	fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); \
	atomic_fetch_add(&failures, 1); \
} while (0)

/* "mutexfuzz: MESSAGE" on stderr, then exit(1). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* xorshift64, one state per thread; rnd(n) is in [0, n), rnd(0) is 0. */
uint64_t rnd64(void);
uint32_t rnd(uint32_t n);
void rnd_seed(uint64_t s);

/* Seconds on CLOCK_MONOTONIC. */
double now_s(void);

#endif
