/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sub-commands of mutexfuzz, one file each, that main() dispatches to.
 * Each returns 0 when it ran to its end; failed checks are counted in
 * failures (util.h), fatal errors exit.
 */
#ifndef MUTEXFUZZ_ATTACKS_H
#define MUTEXFUZZ_ATTACKS_H

#include <stdint.h>

int cmd_nl(long count, uint64_t seed);		/* fuzz_nl.c */
int cmd_pkt(long count, uint64_t seed);		/* fuzz_pkt.c */
int cmd_dev(long count, uint64_t seed);		/* fuzz_dev.c */
int cmd_priv(void);				/* fuzz_priv.c */
int cmd_stress(int secs);			/* stress.c */
int cmd_flows(long count, long limit);		/* flows.c */
int cmd_storm(int secs, int nctx);		/* storm.c */
int cmd_load(int phase1, int phase2);		/* load.c */

#endif
