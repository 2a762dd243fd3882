// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz: attacks mutex.ko from user space the way a hostile local user
 * and a syscall fuzzer would, and checks that it still answers correctly.
 *
 *   mutexfuzz nl N [SEED]      N fuzzed generic netlink messages
 *   mutexfuzz dev N [SEED]     N abusive /dev/mutex operations + races
 *   mutexfuzz pkt N [SEED]     N malformed IPv4/IPv6 packets through the hooks
 *   mutexfuzz stress SECS      parallel traffic, dumps, thresholds, churn
 *   mutexfuzz priv             privilege and netns isolation checks
 *   mutexfuzz flows N LIMIT    N new flows past a per-netns limit of LIMIT
 *   mutexfuzz storm SECS CTXS  alert storm: ring and notification bounds
 *   mutexfuzz load SECS        background load for the unload test
 *
 * Built on the host (tools/fuzz/Makefile) and run inside the QEMU guest.
 * Every check that fails prints "FAIL ..." and makes the exit status 1.
 *
 * One file per attack (fuzz_nl.c, fuzz_pkt.c, fuzz_dev.c, fuzz_priv.c,
 * stress.c, flows.c, storm.c, load.c; attacks.h), over what they share:
 * common.c (statistics, checks, contexts, traffic, namespaces), nl.c
 * (generic netlink) and util.c (die, FAIL, random numbers, time).
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attacks.h"
#include "util.h"

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "nl"))
		cmd_nl(a ? a : 100000, b ? (uint64_t)b : (uint64_t)time(NULL));
	else if (!strcmp(cmd, "pkt"))
		cmd_pkt(a ? a : 100000, b ? (uint64_t)b : (uint64_t)time(NULL));
	else if (!strcmp(cmd, "dev"))
		cmd_dev(a ? a : 100000, b ? (uint64_t)b : (uint64_t)time(NULL));
	else if (!strcmp(cmd, "stress"))
		cmd_stress(a ? a : 60);
	else if (!strcmp(cmd, "priv"))
		cmd_priv();
	else if (!strcmp(cmd, "flows"))
		cmd_flows(a ? a : 1000000, b ? b : 20000);
	else if (!strcmp(cmd, "storm"))
		cmd_storm(a ? a : 12, b ? b : 300);
	else if (!strcmp(cmd, "load"))
		cmd_load(a ? a : 5, b ? b : 10);
	else
		die("usage: mutexfuzz nl|dev|pkt|stress|priv|flows|storm|load ARGS (see the source)");
	if (atomic_load(&failures)) {
		printf("%s: %d check(s) FAILED\n", cmd, atomic_load(&failures));
		return 1;
	}
	printf("%s: all checks passed\n", cmd);
	return 0;
}
