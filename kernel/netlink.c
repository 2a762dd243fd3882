// SPDX-License-Identifier: GPL-2.0
/*
 * The "mutex" generic netlink family.  Policies and the op table are
 * rendered from mutex.yaml into mutex_nl_gen.c; this file holds handlers.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "mutex.h"

static struct genl_family mutex_genl_family;

/* ---------------------------------------------------------- stats-get */

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
	if (mutex_put_stats(msg, &s))
		goto err_cancel;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_cancel:
	genlmsg_cancel(msg, hdr);
err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ------------------------------------------------------------- fd-get */


/*
 * Caller holds rcu_read_lock(); text is a MUTEX_SEL_TEXT_LEN buffer for the
 * selector, rendered in the reader's namespaces (as is the owner's pid).
 */
static int fd_fill(struct sk_buff *skb, struct mutex_ctx *ctx, u32 portid,
		   u32 seq, int flags, struct netlink_callback *cb, char *text)
{
	const struct mutex_selector *sel = rcu_dereference(ctx->sel);
	struct mutex_rates rates, *r = &rates;
	struct mutex_totals totals, *t = &totals;
	void *hdr;
	int i;

	hdr = genlmsg_put(skb, portid, seq, &mutex_genl_family, flags,
			  MUTEX_CMD_FD_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	mutex_ctx_totals(ctx, t);
	mutex_rates_read(&ctx->rates_lock, &ctx->rates, r);
	mutex_selector_render(sel, text, MUTEX_SEL_TEXT_LEN);
	if (mutex_put_fd_figures(skb, ctx, t, r) ||
	    nla_put_string(skb, MUTEX_A_FD_NAME, sel->name) ||
	    nla_put_string(skb, MUTEX_A_FD_SELECTOR, text) ||
	    nla_put_string(skb, MUTEX_A_FD_OWNER_COMM,
			   pid_nr_ns(ctx->owner_pid, task_active_pid_ns(current)) ?
			   ctx->owner_comm : "") ||
	    mutex_reasons_put_ctx(skb, MUTEX_A_FD_DROP_REASONS, ctx))
		goto err_cancel;
	for (i = 0; i < MUTEX_RTT_BUCKETS; i++)
		if (nla_put_u64_64bit(skb, MUTEX_A_FD_RTT_HIST, t->rtt_hist[i],
				      MUTEX_A_FD_PAD))
			goto err_cancel;

	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int mutex_nl_fd_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mutex_net *mn = mutex_pernet(genl_info_net(info));
	struct mutex_ctx *ctx;
	struct sk_buff *msg;
	char *text;
	u32 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MUTEX_A_FD_ID))
		return -EINVAL;
	id = nla_get_u32(info->attrs[MUTEX_A_FD_ID]);

	/* Figures and selector fit in a page; drops by reason may not. */
	msg = genlmsg_new(NLMSG_GOODSIZE + mutex_reasons_ctx_max_size(),
			  GFP_KERNEL);
	text = kmalloc(MUTEX_SEL_TEXT_LEN, GFP_KERNEL);
	if (!msg || !text) {
		err = -ENOMEM;
		goto err_free;
	}

	rcu_read_lock();
	ctx = mutex_ctx_find(mn, id);
	if (!ctx) {
		rcu_read_unlock();
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MUTEX_A_FD_ID],
				    "no context with this id in this network namespace");
		err = -ENOENT;
		goto err_free;
	}
	err = fd_fill(msg, ctx, info->snd_portid, info->snd_seq, 0, NULL, text);
	rcu_read_unlock();
	if (err)
		goto err_free;
	kfree(text);
	return genlmsg_reply(msg, info);

err_free:
	kfree(text);
	nlmsg_free(msg);
	return err;
}

/* Contexts are listed in id order (creation order), resuming after args[0]. */
int mutex_nl_fd_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mutex_net *mn = mutex_pernet(sock_net(skb->sk));
	struct mutex_ctx *ctx;
	char *text;
	int err = 0;

	if (!mn)
		return 0;
	text = kmalloc(MUTEX_SEL_TEXT_LEN, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	rcu_read_lock();
	cb->seq = READ_ONCE(mn->ctx_gen);
	list_for_each_entry_rcu(ctx, &mn->ctxs, node) {
		if (ctx->id <= cb->args[0])
			continue;
		err = fd_fill(skb, ctx, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, NLM_F_MULTI, cb, text);
		if (err)
			break;
		cb->args[0] = ctx->id;
	}
	rcu_read_unlock();
	kfree(text);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

/* ----------------------------------------------------------- conn-get */


/* A flow no context owns (yet) belongs to no listing. */
static bool flow_listed(const struct mutex_flow *flow)
{
	/* Pairs with the release in mutex_flow_claim(). */
	return !(smp_load_acquire(&flow->flags) & MUTEX_FLOW_UNOWNED);
}

/*
 * Whether the reader may see the processes behind every flow of net, as
 * root sees them in ss -p: with CAP_NET_ADMIN over the namespace.  Others see
 * their own processes only (like /proc/PID/fd that ss -p reads).
 */
static bool reader_sees_all(const struct sk_buff *request, struct net *net)
{
	return netlink_ns_capable(request, net->user_ns, CAP_NET_ADMIN);
}

/*
 * The process that last sent on a flow, as the reader sees it: its pid in
 * the reader's pid namespace and its command name; 0 and "" when it is gone,
 * not in the reader's pid namespace, or another user's and the reader may
 * not see all.  Caller holds rcu_read_lock().
 */
static pid_t flow_process(const struct mutex_flow *flow, bool see_all,
			  char comm[TASK_COMM_LEN])
{
	struct pid *pid = find_pid_ns(READ_ONCE(flow->tgid), &init_pid_ns);
	struct task_struct *task;
	pid_t nr;

	comm[0] = '\0';
	if (!pid)
		return 0;
	nr = pid_nr_ns(pid, task_active_pid_ns(current));
	task = pid_task(pid, PIDTYPE_TGID);
	if (!nr || !task)
		return 0;
	if (!see_all && !uid_eq(__task_cred(task)->euid, current_fsuid()))
		return 0;
	strscpy_pad(comm, task->comm, TASK_COMM_LEN);
	return nr;
}

/* Caller holds rcu_read_lock(). */
static int conn_fill(struct sk_buff *skb, struct mutex_flow *flow, u32 portid,
		     u32 seq, int flags, struct netlink_callback *cb,
		     bool see_all)
{
	int alen = flow->family == AF_INET ? 4 : 16;
	struct in6_addr local, remote;
	char comm[TASK_COMM_LEN];
	struct mutex_flow_rtt rtt;
	pid_t pid;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &mutex_genl_family, flags,
			  MUTEX_CMD_CONN_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	spin_lock_bh(&flow->lock);
	rtt.samples = flow->rtt_samples;
	rtt.sum_us = flow->rtt_sum_us;
	rtt.min_us = rtt.samples ? flow->rtt_min_us : 0;
	rtt.max_us = flow->rtt_max_us;
	spin_unlock_bh(&flow->lock);

	mutex_flow_addr(flow, flow->local, &local);
	mutex_flow_addr(flow, !flow->local, &remote);
	pid = flow_process(flow, see_all, comm);
	if (mutex_put_conn_figures(skb, flow, &rtt) ||
	    nla_put(skb, MUTEX_A_CONN_LOCAL_ADDR, alen, &local) ||
	    nla_put(skb, MUTEX_A_CONN_REMOTE_ADDR, alen, &remote) ||
	    nla_put_u32(skb, MUTEX_A_CONN_PID, pid) ||
	    nla_put_string(skb, MUTEX_A_CONN_COMM, comm) ||
	    mutex_reasons_put_flow(skb, MUTEX_A_CONN_DROP_REASONS, flow))
		goto err_cancel;
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int mutex_nl_conn_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mutex_flow *flow;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MUTEX_A_CONN_ID))
		return -EINVAL;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rcu_read_lock();
	flow = mutex_flow_find_id(genl_info_net(info),
				  nla_get_u64(info->attrs[MUTEX_A_CONN_ID]));
	if (!flow || !flow_listed(flow)) {
		rcu_read_unlock();
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MUTEX_A_CONN_ID],
				    "no connection with this id in this network namespace");
		nlmsg_free(msg);
		return -ENOENT;
	}
	err = conn_fill(msg, flow, info->snd_portid, info->snd_seq, 0, NULL,
			reader_sees_all(skb, genl_info_net(info)));
	rcu_read_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* What a dump lists: every filter the request gave (-1, 0: any). */
struct conn_filter {
	u32 fd_id;
	int proto;
	int state;
	int family;
	struct {
		bool set;
		u8 family;
		u8 prefix;
		struct in6_addr addr;
	} addr[2];			/* local, remote */
	struct {
		bool set;
		u16 lo, hi;
	} port[2];
	bool see_all;			/* see reader_sees_all() */
	bool by_pid;
	pid_t tgid;			/* in the initial pid namespace */
	char comm[TASK_COMM_LEN];	/* "": any */
};

static const int filter_addr_attr[2] = {
	MUTEX_A_CONN_LOCAL_ADDR, MUTEX_A_CONN_REMOTE_ADDR
};
static const int filter_prefix_attr[2] = {
	MUTEX_A_CONN_LOCAL_PREFIX_LEN, MUTEX_A_CONN_REMOTE_PREFIX_LEN
};
static const int filter_port_attr[2] = {
	MUTEX_A_CONN_LOCAL_PORT, MUTEX_A_CONN_REMOTE_PORT
};
static const int filter_port_max_attr[2] = {
	MUTEX_A_CONN_LOCAL_PORT_MAX, MUTEX_A_CONN_REMOTE_PORT_MAX
};

static int filter_parse(struct nlattr **attrs, struct conn_filter *f,
			struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	int i;

	memset(f, 0, sizeof(*f));
	f->proto = f->state = f->family = -1;
	if (attrs[MUTEX_A_CONN_FD_ID])
		f->fd_id = nla_get_u32(attrs[MUTEX_A_CONN_FD_ID]);
	if (attrs[MUTEX_A_CONN_PROTOCOL])
		f->proto = nla_get_u8(attrs[MUTEX_A_CONN_PROTOCOL]);
	if (attrs[MUTEX_A_CONN_STATE])
		f->state = nla_get_u8(attrs[MUTEX_A_CONN_STATE]);
	a = attrs[MUTEX_A_CONN_FAMILY];
	if (a) {
		f->family = nla_get_u8(a);
		if (f->family != AF_INET && f->family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, a, "family must be AF_INET (2) or AF_INET6 (10)");
			return -EINVAL;
		}
	}
	for (i = 0; i < 2; i++) {
		struct nlattr *prefix = attrs[filter_prefix_attr[i]];
		struct nlattr *lo = attrs[filter_port_attr[i]];
		struct nlattr *hi = attrs[filter_port_max_attr[i]];
		u8 bits;

		a = attrs[filter_addr_attr[i]];
		if (!a && prefix) {
			NL_SET_ERR_MSG_ATTR(extack, prefix, "a prefix length needs its address");
			return -EINVAL;
		}
		if (a) {
			if (nla_len(a) != 4 && nla_len(a) != 16) {
				NL_SET_ERR_MSG_ATTR(extack, a, "an address is 4 (IPv4) or 16 (IPv6) bytes");
				return -EINVAL;
			}
			f->addr[i].set = true;
			f->addr[i].family = nla_len(a) == 4 ? AF_INET : AF_INET6;
			if (f->family >= 0 && f->family != f->addr[i].family) {
				NL_SET_ERR_MSG_ATTR(extack, a, "the address is not of the family asked for");
				return -EINVAL;
			}
			nla_memcpy(&f->addr[i].addr, a, sizeof(f->addr[i].addr));
			bits = nla_len(a) * 8;
			f->addr[i].prefix = prefix ? nla_get_u8(prefix) : bits;
			if (f->addr[i].prefix > bits) {
				NL_SET_ERR_MSG_ATTR(extack, prefix, "the prefix is longer than the address");
				return -EINVAL;
			}
		}
		if (!lo && hi) {
			NL_SET_ERR_MSG_ATTR(extack, hi, "a port range needs its first port");
			return -EINVAL;
		}
		if (lo) {
			f->port[i].set = true;
			f->port[i].lo = nla_get_u16(lo);
			f->port[i].hi = hi ? nla_get_u16(hi) : f->port[i].lo;
			if (f->port[i].hi < f->port[i].lo) {
				NL_SET_ERR_MSG_ATTR(extack, hi, "the port range ends before it starts");
				return -EINVAL;
			}
		}
	}
	a = attrs[MUTEX_A_CONN_PID];
	if (a) {
		struct pid *pid;

		f->by_pid = true;
		rcu_read_lock();
		pid = find_pid_ns(nla_get_u32(a), task_active_pid_ns(current));
		f->tgid = pid ? pid_nr(pid) : 0;	/* 0: nobody's flows */
		rcu_read_unlock();
	}
	if (attrs[MUTEX_A_CONN_COMM])
		nla_strscpy(f->comm, attrs[MUTEX_A_CONN_COMM], sizeof(f->comm));
	return 0;
}

static bool filter_addr_match(const struct conn_filter *f, int i,
			      const struct mutex_flow *flow, u8 endpoint)
{
	struct in6_addr addr;

	if (!f->addr[i].set)
		return true;
	if (flow->family != f->addr[i].family)
		return false;
	mutex_flow_addr(flow, endpoint, &addr);
	return ipv6_prefix_equal(&addr, &f->addr[i].addr, f->addr[i].prefix);
}

static bool filter_port_match(const struct conn_filter *f, int i,
			      const struct mutex_flow *flow, u8 endpoint)
{
	u16 port = ntohs(flow->port[endpoint]);

	return !f->port[i].set ||
	       (port >= f->port[i].lo && port <= f->port[i].hi);
}

/* Caller holds rcu_read_lock(). */
static bool filter_match(const struct conn_filter *f,
			 const struct mutex_flow *flow)
{
	char comm[TASK_COMM_LEN];
	int i;

	if ((f->fd_id && flow->ctx->id != f->fd_id) ||
	    (f->proto >= 0 && flow->proto != f->proto) ||
	    (f->family >= 0 && flow->family != f->family) ||
	    (f->state >= 0 && READ_ONCE(flow->state) != f->state) ||
	    (f->by_pid && (!f->tgid || READ_ONCE(flow->tgid) != f->tgid)))
		return false;
	/* A process the reader may not see matches no process filter. */
	if ((f->by_pid || f->comm[0]) &&
	    (!flow_process(flow, f->see_all, comm) ||
	     (f->comm[0] && strcmp(comm, f->comm))))
		return false;
	for (i = 0; i < 2; i++) {
		u8 endpoint = i ? !flow->local : flow->local;

		if (!filter_addr_match(f, i, flow, endpoint) ||
		    !filter_port_match(f, i, flow, endpoint))
			return false;
	}
	return true;
}

struct conn_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	u32 netid;
	struct conn_filter filter;
};

static int conn_dump_one(struct mutex_flow *flow, void *arg)
{
	struct conn_dump *d = arg;

	if (flow->netid != d->netid || !flow_listed(flow) ||
	    !filter_match(&d->filter, flow))
		return 0;
	return conn_fill(d->skb, flow, NETLINK_CB(d->cb->skb).portid,
			 d->cb->nlh->nlmsg_seq, NLM_F_MULTI, d->cb,
			 d->filter.see_all);
}

/* Cursor: args[0] = bucket, args[1] = see mutex_flow_walk(). */
int mutex_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	unsigned long bucket = cb->args[0];
	u64 done = cb->args[1];
	struct mutex_net *mn;
	struct conn_dump *d;
	int err;

	d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->skb = skb;
	d->cb = cb;
	d->netid = net->ns.inum;
	err = filter_parse(mutex_dump_attrs(cb), &d->filter, cb->extack);
	if (err)
		goto out;
	d->filter.see_all = reader_sees_all(cb->skb, net);

	/*
	 * The cursor (bucket, flow id) survives flows coming and going, so
	 * flow churn does not make the listing inconsistent: a flow that stays
	 * is listed exactly once.  Contexts coming and going does (their flows
	 * appear or vanish as a whole).
	 */
	mn = mutex_pernet(net);
	if (!mn)
		goto out;
	cb->seq = READ_ONCE(mn->ctx_gen);
	err = mutex_flow_walk(&bucket, &done, conn_dump_one, d);
	cb->args[0] = bucket;
	cb->args[1] = done;
	if (err == -EMSGSIZE && skb->len)
		err = 0;
out:
	kfree(d);
	return err ? err : skb->len;
}

/* ---------------------------------------------------------- alerts */

#define ALERT_PUT64(attr, v) nla_put_u64_64bit(skb, attr, v, MUTEX_A_ALERT_PAD)

static int alert_fill(struct sk_buff *skb, const struct mutex_alert *a,
		      u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &mutex_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (ALERT_PUT64(MUTEX_A_ALERT_SEQ, a->seq) ||
	    ALERT_PUT64(MUTEX_A_ALERT_TIME_NS, a->time_ns) ||
	    nla_put_u8(skb, MUTEX_A_ALERT_TYPE, a->type) ||
	    nla_put_u8(skb, MUTEX_A_ALERT_SEVERITY, a->severity) ||
	    nla_put_u8(skb, MUTEX_A_ALERT_STATE, a->state) ||
	    nla_put_u32(skb, MUTEX_A_ALERT_FD_ID, a->fd_id) ||
	    ALERT_PUT64(MUTEX_A_ALERT_VALUE, a->value) ||
	    ALERT_PUT64(MUTEX_A_ALERT_THRESHOLD, a->threshold) ||
	    nla_put_string(skb, MUTEX_A_ALERT_MESSAGE, a->message)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static bool alert_listening(struct net *net)
{
	return genl_has_listeners(&mutex_genl_family, net, MUTEX_NLGRP_ALERTS);
}

/* One alert to the listeners of net; 0 when it was delivered (or nobody listens). */
static int alert_send(struct net *net, const struct mutex_alert *a)
{
	struct sk_buff *skb;
	int err;

	/* Sized for one alert: a listener's buffer holds as many as it can. */
	skb = genlmsg_new(MUTEX_ALERT_MSG_LEN + 160, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	if (alert_fill(skb, a, 0, 0, 0, MUTEX_CMD_ALERT_NTF)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	err = genlmsg_multicast_netns(&mutex_genl_family, net, skb, 0,
				      MUTEX_NLGRP_ALERTS, GFP_KERNEL);
	return err == -ESRCH ? 0 : err;
}

static const struct mutex_alert_sink mutex_nl_alert_sink = {
	.listening	= alert_listening,
	.send		= alert_send,
};

/* Cursor: args[0] = the next sequence number to look at. */
int mutex_nl_alert_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mutex_net *mn = mutex_pernet(sock_net(skb->sk));
	struct nlattr **attrs = mutex_dump_attrs(cb);
	u64 seq = cb->args[0], next;
	int type = -1, err = 0;
	struct mutex_alert a;
	u32 fd_id = 0;

	if (!mn)
		return 0;
	if (!seq) {
		seq = 1;
		if (attrs[MUTEX_A_ALERT_SINCE_SEQ]) {
			u64 since = nla_get_u64(attrs[MUTEX_A_ALERT_SINCE_SEQ]);

			/* since U64_MAX: nothing can follow (not seq 0 = all). */
			if (since == U64_MAX)
				return 0;
			seq = since + 1;
		}
	}
	if (attrs[MUTEX_A_ALERT_FD_ID])
		fd_id = nla_get_u32(attrs[MUTEX_A_ALERT_FD_ID]);
	if (attrs[MUTEX_A_ALERT_TYPE])
		type = nla_get_u8(attrs[MUTEX_A_ALERT_TYPE]);

	while (mutex_alert_ring_get(mn, seq, &a, &next)) {
		if ((!fd_id || a.fd_id == fd_id) && (type < 0 || a.type == type)) {
			err = alert_fill(skb, &a, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI,
					 MUTEX_CMD_ALERT_GET);
			if (err)
				break;
		}
		seq = next;
	}
	cb->args[0] = seq;
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

int mutex_nl_alert_clear_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mutex_net *mn = mutex_pernet(genl_info_net(info));

	if (mn)
		mutex_alert_ring_clear(mn);
	return 0;
}

/* ------------------------------------------------------ thresholds */

#define THR_PUT64(attr, v) nla_put_u64_64bit(msg, attr, v, MUTEX_A_THRESHOLDS_PAD)

int mutex_nl_thresholds_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mutex_net *mn = mutex_pernet(genl_info_net(info));
	struct mutex_ctx *ctx = NULL;
	u32 mask = 0, active = 0, id = 0, interval = MUTEX_EVAL_INTERVAL_MS;
	struct mutex_thresholds thr;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&mutex_ctx_lock);
	if (info->attrs[MUTEX_A_THRESHOLDS_FD_ID]) {
		ctx = mutex_ctx_find(mn, nla_get_u32(info->attrs[MUTEX_A_THRESHOLDS_FD_ID]));
		if (!ctx) {
			mutex_unlock(&mutex_ctx_lock);
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MUTEX_A_THRESHOLDS_FD_ID],
					    "no context with this id in this network namespace");
			nlmsg_free(msg);
			return -ENOENT;
		}
		mutex_thresholds_effective(mn, ctx, &thr);
		id = ctx->id;
		mask = ctx->thr_mask;
		active = ctx->alerts_active;
	} else if (mn) {
		thr = mn->thr;
	} else {
		mutex_thresholds_defaults(&thr);
	}
	if (mn)
		interval = mn->eval_interval_ms;
	mutex_unlock(&mutex_ctx_lock);

	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq,
			  &mutex_genl_family, 0, MUTEX_CMD_THRESHOLDS_GET);
	if (!hdr)
		goto err_free;
	/* ctx may be gone by now: only the copies above are used. */
	if ((id && (nla_put_u32(msg, MUTEX_A_THRESHOLDS_FD_ID, id) ||
		     nla_put_u32(msg, MUTEX_A_THRESHOLDS_OVERRIDDEN, mask) ||
		     nla_put_u32(msg, MUTEX_A_THRESHOLDS_ALERTS_ACTIVE, active))) ||
	    THR_PUT64(MUTEX_A_THRESHOLDS_LATENCY_US, thr.latency_us) ||
	    nla_put_u32(msg, MUTEX_A_THRESHOLDS_ERROR_RATE_PPM, thr.error_rate_ppm) ||
	    THR_PUT64(MUTEX_A_THRESHOLDS_BANDWIDTH_BPS, thr.bandwidth_bps) ||
	    nla_put_u32(msg, MUTEX_A_THRESHOLDS_CONN_RATE, thr.conn_rate) ||
	    nla_put_u32(msg, MUTEX_A_THRESHOLDS_DROP_RATE_PPM, thr.drop_rate_ppm) ||
	    nla_put_u32(msg, MUTEX_A_THRESHOLDS_DISABLED, thr.disabled) ||
	    nla_put_u32(msg, MUTEX_A_THRESHOLDS_INTERVAL_MS, interval)) {
		genlmsg_cancel(msg, hdr);
		goto err_free;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * The policy has range-checked every attribute before we get here, so the
 * update below cannot fail half-way: it is all or nothing.
 */
int mutex_nl_thresholds_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct mutex_net *mn;
	struct mutex_thresholds *thr;
	struct mutex_ctx *ctx = NULL;
	u32 *mask = NULL, set = 0;
	bool interval = false;

	mutex_lock(&mutex_ctx_lock);
	mn = mutex_pernet_create(genl_info_net(info));
	if (!mn) {
		mutex_unlock(&mutex_ctx_lock);
		return -ENOMEM;
	}
	if (attrs[MUTEX_A_THRESHOLDS_FD_ID]) {
		ctx = mutex_ctx_find(mn, nla_get_u32(attrs[MUTEX_A_THRESHOLDS_FD_ID]));
		if (!ctx) {
			mutex_unlock(&mutex_ctx_lock);
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[MUTEX_A_THRESHOLDS_FD_ID],
					    "no context with this id in this network namespace");
			return -ENOENT;
		}
		if (attrs[MUTEX_A_THRESHOLDS_INTERVAL_MS]) {
			mutex_unlock(&mutex_ctx_lock);
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[MUTEX_A_THRESHOLDS_INTERVAL_MS],
					    "the evaluation interval is global, not per context");
			return -EINVAL;
		}
		thr = &ctx->thr;
		mask = &ctx->thr_mask;
	} else {
		thr = &mn->thr;
	}

	if (nla_get_flag(attrs[MUTEX_A_THRESHOLDS_RESET])) {
		if (mask)
			*mask = 0;
		else
			mutex_thresholds_defaults(thr);
	}
	if (attrs[MUTEX_A_THRESHOLDS_LATENCY_US]) {
		thr->latency_us = nla_get_u64(attrs[MUTEX_A_THRESHOLDS_LATENCY_US]);
		set |= MUTEX_THR_LATENCY;
	}
	if (attrs[MUTEX_A_THRESHOLDS_ERROR_RATE_PPM]) {
		thr->error_rate_ppm = nla_get_u32(attrs[MUTEX_A_THRESHOLDS_ERROR_RATE_PPM]);
		set |= MUTEX_THR_ERROR_RATE;
	}
	if (attrs[MUTEX_A_THRESHOLDS_BANDWIDTH_BPS]) {
		thr->bandwidth_bps = nla_get_u64(attrs[MUTEX_A_THRESHOLDS_BANDWIDTH_BPS]);
		set |= MUTEX_THR_BANDWIDTH;
	}
	if (attrs[MUTEX_A_THRESHOLDS_CONN_RATE]) {
		thr->conn_rate = nla_get_u32(attrs[MUTEX_A_THRESHOLDS_CONN_RATE]);
		set |= MUTEX_THR_CONN_RATE;
	}
	if (attrs[MUTEX_A_THRESHOLDS_DROP_RATE_PPM]) {
		thr->drop_rate_ppm = nla_get_u32(attrs[MUTEX_A_THRESHOLDS_DROP_RATE_PPM]);
		set |= MUTEX_THR_DROP_RATE;
	}
	if (attrs[MUTEX_A_THRESHOLDS_DISABLED]) {
		thr->disabled = nla_get_u32(attrs[MUTEX_A_THRESHOLDS_DISABLED]);
		set |= MUTEX_THR_DISABLED;
	}
	if (mask)
		*mask |= set;
	if (attrs[MUTEX_A_THRESHOLDS_INTERVAL_MS]) {
		WRITE_ONCE(mn->eval_interval_ms,
			   nla_get_u32(attrs[MUTEX_A_THRESHOLDS_INTERVAL_MS]));
		interval = true;
	} else if (!ctx && nla_get_flag(attrs[MUTEX_A_THRESHOLDS_RESET])) {
		WRITE_ONCE(mn->eval_interval_ms, MUTEX_EVAL_INTERVAL_MS);
		interval = true;
	}
	mutex_unlock(&mutex_ctx_lock);

	if (interval)
		mutex_eval_reschedule(mn);
	return 0;
}

static struct genl_family mutex_genl_family __ro_after_init = {
	.name		= MUTEX_FAMILY_NAME,
	.version	= MUTEX_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= mutex_nl_ops,
	.n_ops		= ARRAY_SIZE(mutex_nl_ops),
	MUTEX_GENL_RESV_START_OP(MUTEX_CMD_STATS_GET)
	.mcgrps		= mutex_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(mutex_nl_mcgrps),
};

int __init mutex_netlink_init(void)
{
	int err = genl_register_family(&mutex_genl_family);

	if (!err)
		mutex_alerts_set_sink(&mutex_nl_alert_sink);
	return err;
}

void mutex_netlink_exit(void)
{
	mutex_alerts_set_sink(NULL);
	genl_unregister_family(&mutex_genl_family);
}
