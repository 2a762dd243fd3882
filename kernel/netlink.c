// SPDX-License-Identifier: GPL-2.0
/*
 * The "mutex" generic netlink family.  Policies and the op table are
 * rendered from mutex.yaml into mutex_nl_gen.c; this file holds handlers.
 */
#include <net/genetlink.h>

#include "mutex.h"

static struct genl_family mutex_genl_family;

static int mutex_put_u64(struct sk_buff *skb, int attr, u64 value, int pad)
{
	return nla_put_u64_64bit(skb, attr, value, pad);
}

static int mutex_put_u32(struct sk_buff *skb, int attr, u32 value, int pad)
{
	return nla_put_u32(skb, attr, value);
}

#define MUTEX_STATS_PUT(attr, field, type, name)			\
	if (mutex_put_##type(msg, attr, s.field, MUTEX_A_STATS_PAD))	\
		goto err_cancel;

int mutex_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mutex_stats s;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq,
			  &mutex_genl_family, 0, MUTEX_CMD_STATS_GET);
	if (!hdr)
		goto err_free;

	mutex_stats_snapshot(genl_info_net(info), &s);
	MUTEX_A_STATS_FOREACH(MUTEX_STATS_PUT)

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_cancel:
	genlmsg_cancel(msg, hdr);
err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static struct genl_family mutex_genl_family __ro_after_init = {
	.name		= MUTEX_FAMILY_NAME,
	.version	= MUTEX_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= mutex_nl_ops,
	.n_ops		= ARRAY_SIZE(mutex_nl_ops),
	.resv_start_op	= MUTEX_CMD_STATS_GET,
	.mcgrps		= mutex_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(mutex_nl_mcgrps),
};

int __init mutex_netlink_init(void)
{
	return genl_register_family(&mutex_genl_family);
}

void mutex_netlink_exit(void)
{
	genl_unregister_family(&mutex_genl_family);
}
