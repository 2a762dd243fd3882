// SPDX-License-Identifier: GPL-2.0
/* Do not edit directly, auto-generated from: */
/*	kernel/mutex.yaml */
/* kernel tables rendered by scripts/gen-netlink.mjs */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "mutex_nl_gen.h"

/* mutex fd-get */
static const struct nla_policy mutex_fd_get_nl_policy[MUTEX_A_FD_ID + 1] = {
	[MUTEX_A_FD_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* mutex conn-get */
static const struct nla_policy mutex_conn_get_nl_policy[MUTEX_A_CONN_STATE + 1] = {
	[MUTEX_A_CONN_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[MUTEX_A_CONN_FD_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MUTEX_A_CONN_PROTOCOL] = { .type = NLA_U8, },
	[MUTEX_A_CONN_STATE] = NLA_POLICY_MAX(NLA_U8, 3),
};

/* Ops table for mutex */
const struct genl_ops mutex_nl_ops[3] = {
	{
		.cmd		= MUTEX_CMD_STATS_GET,
		.doit		= mutex_nl_stats_get_doit,
	},
	{
		.cmd		= MUTEX_CMD_FD_GET,
		.doit		= mutex_nl_fd_get_doit,
		.dumpit		= mutex_nl_fd_get_dumpit,
		.policy		= mutex_fd_get_nl_policy,
		.maxattr	= MUTEX_A_FD_ID,
	},
	{
		.cmd		= MUTEX_CMD_CONN_GET,
		.doit		= mutex_nl_conn_get_doit,
		.dumpit		= mutex_nl_conn_get_dumpit,
		.policy		= mutex_conn_get_nl_policy,
		.maxattr	= MUTEX_A_CONN_STATE,
	},
};

const struct genl_multicast_group mutex_nl_mcgrps[1] = {
	[MUTEX_NLGRP_ALERTS] = { "alerts", },
};
