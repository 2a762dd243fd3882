/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load threads of mutexfuzz stress (stress.c) that the unload test's
 * background load (load.c) runs too.  Each runs until the stress stops it;
 * arg seeds its random numbers (tcp_thread: its listener's port offset).
 */
#ifndef MUTEXFUZZ_STRESS_H
#define MUTEXFUZZ_STRESS_H

#define LONG_CTXS 4
/* The ids of the long-lived contexts (thresholds_thread changes theirs). */
extern int long_id[LONG_CTXS];

/* UDP traffic to the long-lived contexts' ports, from many sources. */
void *traffic_thread(void *arg);
/* Short TCP connections to a local listener: flows that come and go. */
void *tcp_thread(void *arg);
/* Complete and abandoned dumps of contexts and flows. */
void *dump_thread(void *arg);

#endif
