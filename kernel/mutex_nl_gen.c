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
static const struct nla_policy mutex_conn_get_nl_policy[MUTEX_A_CONN_REMOTE_PORT_MAX + 1] = {
	[MUTEX_A_CONN_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[MUTEX_A_CONN_FD_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MUTEX_A_CONN_FAMILY] = { .type = NLA_U8, },
	[MUTEX_A_CONN_PROTOCOL] = { .type = NLA_U8, },
	[MUTEX_A_CONN_LOCAL_ADDR] = { .type = NLA_BINARY, .len = 16, },
	[MUTEX_A_CONN_LOCAL_PORT] = { .type = NLA_U16, },
	[MUTEX_A_CONN_REMOTE_ADDR] = { .type = NLA_BINARY, .len = 16, },
	[MUTEX_A_CONN_REMOTE_PORT] = { .type = NLA_U16, },
	[MUTEX_A_CONN_STATE] = NLA_POLICY_MAX(NLA_U8, 4),
	[MUTEX_A_CONN_PID] = { .type = NLA_U32, },
	[MUTEX_A_CONN_COMM] = { .type = NLA_NUL_STRING, .len = 15, },
	[MUTEX_A_CONN_LOCAL_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[MUTEX_A_CONN_REMOTE_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[MUTEX_A_CONN_LOCAL_PORT_MAX] = { .type = NLA_U16, },
	[MUTEX_A_CONN_REMOTE_PORT_MAX] = { .type = NLA_U16, },
};

/* mutex alert-get */
static const struct nla_policy mutex_alert_get_nl_policy[MUTEX_A_ALERT_SINCE_SEQ + 1] = {
	[MUTEX_A_ALERT_TYPE] = NLA_POLICY_MAX(NLA_U8, 4),
	[MUTEX_A_ALERT_FD_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MUTEX_A_ALERT_SINCE_SEQ] = { .type = NLA_U64, },
};

/* mutex thresholds-get */
static const struct nla_policy mutex_thresholds_get_nl_policy[MUTEX_A_THRESHOLDS_FD_ID + 1] = {
	[MUTEX_A_THRESHOLDS_FD_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static struct netlink_range_validation mutex_thresholds_nl_policy_latency_us_range = {
	.min = 1ULL,
	.max = 3600000000ULL,
};

static struct netlink_range_validation mutex_thresholds_nl_policy_error_rate_ppm_range = {
	.min = 1ULL,
	.max = 1000000ULL,
};

static struct netlink_range_validation mutex_thresholds_nl_policy_bandwidth_bps_range = {
	.min = 1ULL,
	.max = 10000000000000ULL,
};

static struct netlink_range_validation mutex_thresholds_nl_policy_conn_rate_range = {
	.min = 1ULL,
	.max = 100000000ULL,
};

static struct netlink_range_validation mutex_thresholds_nl_policy_drop_rate_ppm_range = {
	.min = 1ULL,
	.max = 1000000ULL,
};

static struct netlink_range_validation mutex_thresholds_nl_policy_interval_ms_range = {
	.min = 100ULL,
	.max = 60000ULL,
};

/* mutex thresholds-set */
static const struct nla_policy mutex_thresholds_set_nl_policy[MUTEX_A_THRESHOLDS_RESET + 1] = {
	[MUTEX_A_THRESHOLDS_FD_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MUTEX_A_THRESHOLDS_LATENCY_US] = NLA_POLICY_FULL_RANGE(NLA_U64, &mutex_thresholds_nl_policy_latency_us_range),
	[MUTEX_A_THRESHOLDS_ERROR_RATE_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &mutex_thresholds_nl_policy_error_rate_ppm_range),
	[MUTEX_A_THRESHOLDS_BANDWIDTH_BPS] = NLA_POLICY_FULL_RANGE(NLA_U64, &mutex_thresholds_nl_policy_bandwidth_bps_range),
	[MUTEX_A_THRESHOLDS_CONN_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &mutex_thresholds_nl_policy_conn_rate_range),
	[MUTEX_A_THRESHOLDS_DROP_RATE_PPM] = NLA_POLICY_FULL_RANGE(NLA_U32, &mutex_thresholds_nl_policy_drop_rate_ppm_range),
	[MUTEX_A_THRESHOLDS_DISABLED] = NLA_POLICY_MAX(NLA_U32, 31),
	[MUTEX_A_THRESHOLDS_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &mutex_thresholds_nl_policy_interval_ms_range),
	[MUTEX_A_THRESHOLDS_RESET] = { .type = NLA_FLAG, },
};

/* Ops table for mutex */
const struct genl_ops mutex_nl_ops[7] = {
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
		.maxattr	= MUTEX_A_CONN_REMOTE_PORT_MAX,
	},
	{
		.cmd		= MUTEX_CMD_ALERT_GET,
		.dumpit		= mutex_nl_alert_get_dumpit,
		.policy		= mutex_alert_get_nl_policy,
		.maxattr	= MUTEX_A_ALERT_SINCE_SEQ,
	},
	{
		.cmd		= MUTEX_CMD_ALERT_CLEAR,
		.doit		= mutex_nl_alert_clear_doit,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= MUTEX_CMD_THRESHOLDS_GET,
		.doit		= mutex_nl_thresholds_get_doit,
		.policy		= mutex_thresholds_get_nl_policy,
		.maxattr	= MUTEX_A_THRESHOLDS_FD_ID,
	},
	{
		.cmd		= MUTEX_CMD_THRESHOLDS_SET,
		.doit		= mutex_nl_thresholds_set_doit,
		.policy		= mutex_thresholds_set_nl_policy,
		.maxattr	= MUTEX_A_THRESHOLDS_RESET,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

const struct genl_multicast_group mutex_nl_mcgrps[1] = {
	[MUTEX_NLGRP_ALERTS] = { "alerts", },
};
