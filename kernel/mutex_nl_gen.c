// SPDX-License-Identifier: GPL-2.0
/* Do not edit directly, auto-generated from: */
/*	kernel/mutex.yaml */
/* kernel tables rendered by scripts/gen-netlink.mjs */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "mutex_nl_gen.h"

/* Ops table for mutex */
const struct genl_ops mutex_nl_ops[1] = {
	{
		.cmd		= MUTEX_CMD_STATS_GET,
		.doit		= mutex_nl_stats_get_doit,
	},
};

const struct genl_multicast_group mutex_nl_mcgrps[1] = {
	[MUTEX_NLGRP_ALERTS] = { "alerts", },
};
