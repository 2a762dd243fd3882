/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit directly, auto-generated from: */
/*	kernel/mutex.yaml */
/* kernel tables rendered by scripts/gen-netlink.mjs */

#ifndef _MUTEX_NL_GEN_H
#define _MUTEX_NL_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include "include/uapi/linux/mutex.h"


int mutex_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_fd_get_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_fd_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mutex_nl_conn_get_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mutex_nl_alert_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mutex_nl_alert_clear_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_thresholds_get_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_thresholds_set_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	MUTEX_NLGRP_ALERTS,
};

extern const struct genl_ops mutex_nl_ops[7];
extern const struct genl_multicast_group mutex_nl_mcgrps[1];

#endif /* _MUTEX_NL_GEN_H */
