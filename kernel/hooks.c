// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path: netfilter hooks at LOCAL_OUT (sent) and LOCAL_IN
 * (received) for IPv4 and IPv6 in every netns, plus the kfree_skb and
 * tcp_retransmit_skb tracepoints.  Runs in any context that transmits or
 * receives: no sleeping, GFP_ATOMIC only, bounded loops.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <linux/tracepoint.h>
#include <linux/udp.h>
#include <linux/version.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_socket.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "mutex.h"

#define MUTEX_RTT_SAMPLE_GAP	(HZ / 100 ? HZ / 100 : 1)
#define MUTEX_PID_TREE_DEPTH	64

struct mutex_pkt {
	struct mutex_flow_key key;
	u8 src;			/* endpoint index of the packet's source */
	u8 tcp_flags;		/* TCPHDR_* of a TCP segment */
	bool has_ports;
	bool icmp_error;	/* key describes the packet it refers to */
};

static bool icmp4_is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/*
 * Fill the ports of key from the transport header at off.  For ICMP echo
 * the identifier stands in as the port of the requesting side.
 */
static bool parse_ports(const struct sk_buff *skb, int off, u8 proto,
			struct mutex_pkt *pkt)
{
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr _th;
		const struct tcphdr *th;

		th = skb_header_pointer(skb, off, sizeof(_th), &_th);
		if (!th)
			return false;
		pkt->key.port[0] = th->source;
		pkt->key.port[1] = th->dest;
		pkt->tcp_flags = tcp_flag_byte(th);
		pkt->has_ports = true;
		return true;
	}
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE: {
		struct udphdr _uh;
		const struct udphdr *uh;

		uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
		if (!uh)
			return false;
		pkt->key.port[0] = uh->source;
		pkt->key.port[1] = uh->dest;
		pkt->has_ports = true;
		return true;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		struct icmphdr _ih;	/* same layout for the fields used */
		const struct icmphdr *ih;

		ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
		if (!ih)
			return false;
		if ((proto == IPPROTO_ICMP && ih->type == ICMP_ECHO) ||
		    (proto == IPPROTO_ICMPV6 && ih->type == ICMPV6_ECHO_REQUEST))
			pkt->key.port[0] = ih->un.echo.id;
		else if ((proto == IPPROTO_ICMP && ih->type == ICMP_ECHOREPLY) ||
			 (proto == IPPROTO_ICMPV6 && ih->type == ICMPV6_ECHO_REPLY))
			pkt->key.port[1] = ih->un.echo.id;
		return true;
	}
	default:
		return true;
	}
}

/* Parse an IPv4 header at off; inner: parsing the payload of an ICMP error. */
static bool parse_v4(const struct sk_buff *skb, int off, struct mutex_pkt *pkt,
		     bool inner)
{
	struct iphdr _iph;
	const struct iphdr *iph;
	int thoff;

	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return false;
	if (!inner && (ntohs(iph->frag_off) & IP_OFFSET))
		return false;	/* no transport header to key on */
	thoff = off + iph->ihl * 4;
	pkt->key.family = AF_INET;
	pkt->key.proto = iph->protocol;
	pkt->key.addr[0].s6_addr32[0] = iph->saddr;
	pkt->key.addr[1].s6_addr32[0] = iph->daddr;

	if (!inner && iph->protocol == IPPROTO_ICMP) {
		struct icmphdr _ih;
		const struct icmphdr *ih;

		ih = skb_header_pointer(skb, thoff, sizeof(_ih), &_ih);
		if (ih && icmp4_is_error(ih->type)) {
			memset(&pkt->key.addr, 0, sizeof(pkt->key.addr));
			pkt->icmp_error = true;
			return parse_v4(skb, thoff + sizeof(_ih), pkt, true);
		}
	}
	return parse_ports(skb, thoff, iph->protocol, pkt);
}

static bool parse_v6(const struct sk_buff *skb, int off, struct mutex_pkt *pkt,
		     bool inner)
{
	struct ipv6hdr _ip6h;
	const struct ipv6hdr *ip6h;
	__be16 frag_off = 0;
	u8 nexthdr;
	int thoff;

	ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return false;
	nexthdr = ip6h->nexthdr;
	thoff = ipv6_skip_exthdr(skb, off + sizeof(_ip6h), &nexthdr, &frag_off);
	if (thoff < 0 || (!inner && (ntohs(frag_off) & ~0x7)))
		return false;
	pkt->key.family = AF_INET6;
	pkt->key.proto = nexthdr;
	pkt->key.addr[0] = ip6h->saddr;
	pkt->key.addr[1] = ip6h->daddr;

	if (!inner && nexthdr == IPPROTO_ICMPV6) {
		struct icmp6hdr _ih;
		const struct icmp6hdr *ih;

		ih = skb_header_pointer(skb, thoff, sizeof(_ih), &_ih);
		if (ih && !(ih->icmp6_type & ICMPV6_INFOMSG_MASK)) {
			memset(&pkt->key.addr, 0, sizeof(pkt->key.addr));
			pkt->icmp_error = true;
			return parse_v6(skb, thoff + sizeof(_ih), pkt, true);
		}
	}
	return parse_ports(skb, thoff, nexthdr, pkt);
}

static bool mutex_parse(const struct sk_buff *skb, int off, u8 family,
			struct net *net, struct mutex_pkt *pkt)
{
	bool ok;

	memset(pkt, 0, sizeof(*pkt));
	pkt->key.net = net;
	ok = family == NFPROTO_IPV4 ? parse_v4(skb, off, pkt, false) :
				      parse_v6(skb, off, pkt, false);
	if (ok)
		mutex_flow_key_normalise(&pkt->key, &pkt->src);
	return ok;
}

static void net_pcpu_inc(struct mutex_net *mn, size_t field)
{
	struct mutex_net_pcpu *p = get_cpu_ptr(mn->pcpu);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&p->syncp);
	u64_stats_inc((u64_stats_t *)((char *)p + field));
	u64_stats_update_end_irqrestore(&p->syncp, flags);
	put_cpu_ptr(mn->pcpu);
}

#define NET_INC(mn, member) \
	net_pcpu_inc(mn, offsetof(struct mutex_net_pcpu, member))

/* --- scope and filter matching, at a flow's first packet --- */

static bool task_in_tree(struct pid *root)
{
	struct task_struct *t = current;
	int depth;

	for (depth = 0; depth < MUTEX_PID_TREE_DEPTH && t->pid; depth++) {
		if (task_tgid(t) == root)
			return true;
		t = rcu_dereference(t->real_parent);
	}
	return false;
}

static bool port_in(const struct mutex_selector *sel, __be16 port)
{
	u16 p = ntohs(port);
	int i;

	for (i = 0; i < sel->nports; i++)
		if (p >= sel->ports[i].lo && p <= sel->ports[i].hi)
			return true;
	return false;
}

static bool addr_in(const struct mutex_cidr *c, u8 family,
		    const struct in6_addr *addr)
{
	if (c->family != family)
		return false;
	if (family == AF_INET) {
		__be32 mask = c->prefix ? htonl(~0U << (32 - c->prefix)) : 0;

		return !((addr->s6_addr32[0] ^ c->addr.s6_addr32[0]) & mask);
	}
	return ipv6_prefix_equal(addr, &c->addr, c->prefix);
}

static bool filters_match(const struct mutex_selector *sel,
			  const struct mutex_pkt *pkt, u8 local)
{
	const struct mutex_flow_key *k = &pkt->key;
	int i;

	if (sel->protos) {
		u8 bit = 0;

		if (k->proto == IPPROTO_TCP)
			bit = MUTEX_SEL_PROTO_TCP;
		else if (k->proto == IPPROTO_UDP)
			bit = MUTEX_SEL_PROTO_UDP;
		else if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6)
			bit = MUTEX_SEL_PROTO_ICMP;
		if (!(sel->protos & bit))
			return false;
	}
	if (sel->nports && !(pkt->has_ports &&
			     (port_in(sel, k->port[0]) || port_in(sel, k->port[1]))))
		return false;
	if (sel->npeers) {
		for (i = 0; i < sel->npeers; i++)
			if (addr_in(&sel->peers[i], k->family, &k->addr[!local]))
				return true;
		return false;
	}
	return true;
}

/* The socket a packet belongs to; *ref tells whether to sock_gen_put() it. */
static struct sock *packet_sock(struct sk_buff *skb,
				const struct nf_hook_state *state, bool *ref)
{
	struct sock *sk;

	*ref = false;
	if (skb->sk)
		return skb_to_full_sk(skb);
	if (state->hook != NF_INET_LOCAL_IN || !state->in)
		return NULL;
	if (state->pf == NFPROTO_IPV4)
		sk = nf_sk_lookup_slow_v4(state->net, skb, state->in);
	else
		sk = nf_sk_lookup_slow_v6(state->net, skb, state->in);
	*ref = !!sk;
	return sk;	/* may be a request or time-wait sock: callers check */
}

static bool scope_match(const struct mutex_selector *sel, struct sock *sk,
			bool out)
{
	switch (sel->scope) {
	case MUTEX_SCOPE_ALL:
		return true;
	case MUTEX_SCOPE_UID:
		return sk && sk_fullsock(sk) && uid_eq(sk->sk_uid, sel->uid);
	case MUTEX_SCOPE_CGROUP:
		return sk && sk_fullsock(sk) &&
		       cgroup_is_descendant(sock_cgroup_ptr(&sk->sk_cgrp_data),
					    sel->cgrp);
	case MUTEX_SCOPE_PID:
		/* Only a packet sent by a task tells whose it is. */
		return out && in_task() && task_in_tree(sel->pid);
	}
	return false;
}

/*
 * How narrowly a selector picks its sockets: when several contexts match a
 * new flow, the narrowest owns it (a process tree inside a cgroup inside
 * "all"), and among equals the newest, so that `mutexctl fd run` next to a
 * broad context still sees its command's traffic.
 */
static int scope_rank(const struct mutex_selector *sel)
{
	switch (sel->scope) {
	case MUTEX_SCOPE_PID:
		return 3000;
	case MUTEX_SCOPE_CGROUP:
		return 2000 + sel->cgrp->level;
	case MUTEX_SCOPE_UID:
		return 1000;
	default:
		return 0;
	}
}

static struct mutex_ctx *ctx_match(struct mutex_net *mn, struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   const struct mutex_pkt *pkt, u8 local)
{
	bool out = state->hook == NF_INET_LOCAL_OUT;
	struct mutex_ctx *ctx, *found = NULL;
	bool looked = false, ref = false;
	struct sock *sk = NULL;
	int best = -1;

	list_for_each_entry_rcu(ctx, &mn->ctxs, node) {
		const struct mutex_selector *sel = rcu_dereference(ctx->sel);
		int rank = scope_rank(sel);

		if (READ_ONCE(ctx->dead) || rank < best ||
		    !filters_match(sel, pkt, local))
			continue;
		if (!looked && (sel->scope == MUTEX_SCOPE_UID ||
				sel->scope == MUTEX_SCOPE_CGROUP)) {
			sk = packet_sock(skb, state, &ref);
			looked = true;
		}
		if (scope_match(sel, sk, out)) {
			/* The list is in creation order: later equals win. */
			found = ctx;
			best = rank;
		}
	}
	if (ref)
		sock_gen_put(sk);
	return found;
}

/* --- per-packet accounting --- */

static void ctx_count(struct mutex_ctx *ctx, int dir, unsigned int len)
{
	struct mutex_ctx_pcpu *p = get_cpu_ptr(ctx->pcpu);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&p->syncp);
	u64_stats_add(&p->bytes[dir], len);
	u64_stats_inc(&p->packets[dir]);
	u64_stats_update_end_irqrestore(&p->syncp, flags);
	put_cpu_ptr(ctx->pcpu);
}

/*
 * Retransmissions as the socket itself counts them (tcpi_total_retrans, which
 * ss shows): the kernel adds to it before transmitting, and a failed
 * transmission does not reach the tracepoint on 6.1, so follow the counter of
 * each side rather than the events.
 */
static void retrans_sync(struct mutex_flow *flow, u8 side, u32 total)
{
	u32 old = READ_ONCE(flow->retrans_seen[side]);

	while (total > old) {
		if (try_cmpxchg(&flow->retrans_seen[side], &old, total)) {
			atomic_add(total - old, &flow->retransmits);
			atomic64_add(total - old, &flow->ctx->retransmits);
			return;
		}
	}
}

static void flow_error(struct mutex_flow *flow)
{
	atomic_inc(&flow->errors);
	atomic64_inc(&flow->ctx->errors);
}

static void tcp_track(struct mutex_flow *flow, const struct mutex_pkt *pkt,
		      bool count_errors)
{
	u8 flags = pkt->tcp_flags, state;

	if (flags & TCPHDR_RST) {
		if (count_errors)
			flow_error(flow);
		WRITE_ONCE(flow->state, MUTEX_FLOW_STATE_CLOSED);
		return;
	}
	if ((flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN &&
	    READ_ONCE(flow->state) == MUTEX_FLOW_STATE_CLOSED) {
		/* The 5-tuple is reused by a new connection. */
		spin_lock_bh(&flow->lock);
		flow->tcp_seen = MUTEX_TCP_SYN;
		WRITE_ONCE(flow->state, MUTEX_FLOW_STATE_NEW);
		WRITE_ONCE(flow->retrans_seen[0], 0);
		WRITE_ONCE(flow->retrans_seen[1], 0);
		spin_unlock_bh(&flow->lock);
		atomic64_inc(&flow->ctx->conns_total);
		return;
	}
	if (!(flags & (TCPHDR_SYN | TCPHDR_FIN)) &&
	    READ_ONCE(flow->state) == MUTEX_FLOW_STATE_ESTABLISHED)
		return;

	spin_lock_bh(&flow->lock);
	state = flow->state;
	if (flags & TCPHDR_FIN) {
		flow->tcp_seen |= pkt->src ? MUTEX_TCP_FIN1 : MUTEX_TCP_FIN0;
		if ((flow->tcp_seen & (MUTEX_TCP_FIN0 | MUTEX_TCP_FIN1)) ==
		    (MUTEX_TCP_FIN0 | MUTEX_TCP_FIN1))
			state = MUTEX_FLOW_STATE_CLOSED;
		else if (state != MUTEX_FLOW_STATE_CLOSED)
			state = MUTEX_FLOW_STATE_CLOSING;
	} else if (state == MUTEX_FLOW_STATE_NEW) {
		if ((flags & TCPHDR_SYN) && (flags & TCPHDR_ACK))
			flow->tcp_seen |= MUTEX_TCP_SYNACK;
		else if (flags & TCPHDR_SYN)
			flow->tcp_seen |= MUTEX_TCP_SYN;
		else if ((flow->tcp_seen & MUTEX_TCP_SYNACK) ||
			 !(flow->tcp_seen & MUTEX_TCP_SYN))
			state = MUTEX_FLOW_STATE_ESTABLISHED;
	}
	WRITE_ONCE(flow->state, state);
	spin_unlock_bh(&flow->lock);
}

static void rtt_track(struct mutex_flow *flow, struct sock *sk)
{
	unsigned long now = jiffies;
	u32 srtt;

	if (!sk || !sk_fullsock(sk) || sk->sk_protocol != IPPROTO_TCP ||
	    sk->sk_type != SOCK_STREAM)
		return;
	if (READ_ONCE(flow->rtt_samples) &&
	    time_before(now, READ_ONCE(flow->last_rtt_jiffies) +
			MUTEX_RTT_SAMPLE_GAP))
		return;
	srtt = READ_ONCE(tcp_sk(sk)->srtt_us) >> 3;
	if (!srtt)
		return;
	WRITE_ONCE(flow->last_rtt_jiffies, now);
	mutex_rtt_sample(flow, srtt);
}

static bool from_loopback(const struct nf_hook_state *state)
{
	return state->in && (state->in->flags & IFF_LOOPBACK);
}

/*
 * An ICMP error counts once on the flow it refers to: where it is sent,
 * or where it arrives unless it arrives over loopback (already counted).
 */
static void icmp_error(const struct mutex_pkt *pkt,
		       const struct nf_hook_state *state)
{
	struct mutex_flow *flow;

	if (state->hook == NF_INET_LOCAL_IN && from_loopback(state))
		return;
	flow = mutex_flow_lookup(&pkt->key);
	if (flow)
		flow_error(flow);
}

static void mutex_account(struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct mutex_net *mn = mutex_pernet(state->net);
	bool out = state->hook == NF_INET_LOCAL_OUT;
	int dir = out ? MUTEX_DIR_SENT : MUTEX_DIR_RECV;
	struct mutex_flow *flow;
	struct mutex_pkt pkt;

	if (!mutex_parse(skb, skb_network_offset(skb), state->pf, state->net,
			 &pkt))
		return;
	if (pkt.icmp_error) {
		icmp_error(&pkt, state);
		return;
	}

	flow = mutex_flow_lookup(&pkt.key);
	if (likely(flow)) {
		NET_INC(mn, lookups_hit);
	} else {
		u8 local = out ? pkt.src : !pkt.src;
		struct mutex_ctx *ctx;

		NET_INC(mn, lookups_miss);
		ctx = ctx_match(mn, skb, state, &pkt, local);
		if (!ctx) {
			NET_INC(mn, unmatched);
			return;
		}
		flow = mutex_flow_create(&pkt.key, ctx, local,
					 out ? MUTEX_DIRECTION_OUTBOUND :
					       MUTEX_DIRECTION_INBOUND);
		if (!flow) {
			NET_INC(mn, untracked);
			return;
		}
		if (pkt.key.proto == IPPROTO_TCP &&
		    !(pkt.tcp_flags & (TCPHDR_SYN | TCPHDR_RST)))
			WRITE_ONCE(flow->state, MUTEX_FLOW_STATE_ESTABLISHED);
	}

	atomic64_add(skb->len, &flow->bytes[dir]);
	atomic64_inc(&flow->packets[dir]);
	ctx_count(flow->ctx, dir, skb->len);
	if (READ_ONCE(flow->last_jiffies) != jiffies)
		WRITE_ONCE(flow->last_jiffies, jiffies);

	if (pkt.key.proto == IPPROTO_TCP) {
		tcp_track(flow, &pkt, out || !from_loopback(state));
		if (out) {
			struct sock *sk = skb_to_full_sk(skb);

			rtt_track(flow, sk);
			/* Not the netns' raw TCP control sock of RSTs and ACKs. */
			if (sk && sk_fullsock(sk) && sk->sk_type == SOCK_STREAM &&
			    sk->sk_protocol == IPPROTO_TCP)
				retrans_sync(flow, pkt.src,
					     READ_ONCE(tcp_sk(sk)->total_retrans));
		}
	} else if (READ_ONCE(flow->state) == MUTEX_FLOW_STATE_NEW) {
		u8 origin = flow->direction == MUTEX_DIRECTION_OUTBOUND ?
			    flow->local : !flow->local;

		if (pkt.src != origin)
			WRITE_ONCE(flow->state, MUTEX_FLOW_STATE_ESTABLISHED);
	}
}

static unsigned int mutex_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	if (static_branch_unlikely(&mutex_active.key))
		mutex_account(skb, state);
	return NF_ACCEPT;
}

static const struct nf_hook_ops mutex_nf_ops[] = {
	{
		.hook		= mutex_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_LAST - 1,
	},
	{
		.hook		= mutex_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_LAST - 1,
	},
	{
		.hook		= mutex_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP6_PRI_LAST - 1,
	},
	{
		.hook		= mutex_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_LAST - 1,
	},
};

int mutex_hooks_net_init(struct net *net)
{
	return nf_register_net_hooks(net, mutex_nf_ops, ARRAY_SIZE(mutex_nf_ops));
}

void mutex_hooks_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, mutex_nf_ops, ARRAY_SIZE(mutex_nf_ops));
}

/* --- tracepoints: drops and retransmissions --- */

/*
 * The netns of a dropped skb, from its socket where there is one.  skb->dev
 * holds no reference and a queued UDP skb reuses it as dev_scratch, so it is
 * trusted only where 6.11+ would have given us rx_sk: a drop with a specific
 * reason on the receive path, in softirq, before any queueing.
 */
static struct net *skb_net(const struct sk_buff *skb, const struct sock *sk,
			   enum skb_drop_reason reason)
{
	if (sk)
		return sock_net(sk);
	if (skb->sk)
		return sock_net(skb->sk);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
	if (reason != SKB_DROP_REASON_NOT_SPECIFIED && in_serving_softirq() &&
	    skb->dev)
		return dev_net(skb->dev);
#endif
	return NULL;
}

static void drop_count(struct sk_buff *skb, const struct sock *rx_sk,
		       enum skb_drop_reason reason)
{
	struct mutex_flow *flow;
	struct mutex_pkt pkt;
	struct net *net;
	u8 family;

	if (skb->protocol == htons(ETH_P_IP))
		family = NFPROTO_IPV4;
	else if (skb->protocol == htons(ETH_P_IPV6))
		family = NFPROTO_IPV6;
	else
		return;
	/* Only a network header inside the linear data can be trusted. */
	if (skb_network_header(skb) < skb->head ||
	    skb_network_header(skb) + sizeof(struct iphdr) > skb_tail_pointer(skb))
		return;
	net = skb_net(skb, rx_sk, reason);
	if (!net)
		return;
	rcu_read_lock();
	if (mutex_parse(skb, skb_network_offset(skb), family, net, &pkt) &&
	    !pkt.icmp_error) {
		flow = mutex_flow_lookup(&pkt.key);
		if (flow) {
			atomic_inc(&flow->drops);
			atomic64_inc(&flow->ctx->drops);
		}
	}
	rcu_read_unlock();
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static void mutex_kfree_skb_probe(void *data, struct sk_buff *skb,
				  void *location, enum skb_drop_reason reason,
				  struct sock *rx_sk)
#else
static void mutex_kfree_skb_probe(void *data, struct sk_buff *skb,
				  void *location, enum skb_drop_reason reason)
#endif
{
	if (!static_branch_unlikely(&mutex_active.key))
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	drop_count(skb, rx_sk, reason);
#else
	drop_count(skb, NULL, reason);
#endif
}

/* The key of a TCP socket's connection, as its packets would produce it. */
static bool sock_key(const struct sock *sk, struct mutex_flow_key *key,
		     u8 *src)
{
	const struct inet_sock *inet = inet_sk(sk);

	memset(key, 0, sizeof(*key));
	key->net = sock_net(sk);
	key->proto = IPPROTO_TCP;
	key->port[0] = inet->inet_sport;
	key->port[1] = inet->inet_dport;
	if (sk->sk_family == AF_INET) {
		key->family = AF_INET;
		key->addr[0].s6_addr32[0] = inet->inet_saddr;
		key->addr[1].s6_addr32[0] = inet->inet_daddr;
#if IS_ENABLED(CONFIG_IPV6)
	} else if (sk->sk_family == AF_INET6) {
		if (ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
			key->family = AF_INET;
			key->addr[0].s6_addr32[0] = sk->sk_v6_rcv_saddr.s6_addr32[3];
			key->addr[1].s6_addr32[0] = sk->sk_v6_daddr.s6_addr32[3];
		} else {
			key->family = AF_INET6;
			key->addr[0] = sk->sk_v6_rcv_saddr;
			key->addr[1] = sk->sk_v6_daddr;
		}
#endif
	} else {
		return false;
	}
	mutex_flow_key_normalise(key, src);
	return true;
}

static void mutex_retransmit_probe(void *data, const struct sock *sk,
				   const struct sk_buff *skb)
{
	struct mutex_flow_key key;
	struct mutex_flow *flow;
	u8 side;

	if (!static_branch_unlikely(&mutex_active.key) || !sock_key(sk, &key, &side))
		return;
	rcu_read_lock();
	flow = mutex_flow_lookup(&key);
	if (flow)
		retrans_sync(flow, side, READ_ONCE(tcp_sk(sk)->total_retrans));
	rcu_read_unlock();
}

struct mutex_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

static struct mutex_tp mutex_tps[] = {
	{ .name = "kfree_skb", .probe = mutex_kfree_skb_probe },
	{ .name = "tcp_retransmit_skb", .probe = mutex_retransmit_probe },
};

static void tp_lookup(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mutex_tps); i++)
		if (!strcmp(tp->name, mutex_tps[i].name))
			mutex_tps[i].tp = tp;
}

int __init mutex_hooks_init(void)
{
	int i, err;

	for_each_kernel_tracepoint(tp_lookup, NULL);
	for (i = 0; i < ARRAY_SIZE(mutex_tps); i++) {
		if (!mutex_tps[i].tp) {
			pr_err("tracepoint %s not found\n", mutex_tps[i].name);
			err = -ENOENT;
			goto err_unregister;
		}
		err = tracepoint_probe_register(mutex_tps[i].tp,
						mutex_tps[i].probe, NULL);
		if (err)
			goto err_unregister;
	}
	return 0;

err_unregister:
	while (--i >= 0)
		tracepoint_probe_unregister(mutex_tps[i].tp, mutex_tps[i].probe,
					    NULL);
	tracepoint_synchronize_unregister();
	return err;
}

void mutex_hooks_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mutex_tps); i++)
		tracepoint_probe_unregister(mutex_tps[i].tp, mutex_tps[i].probe,
					    NULL);
	tracepoint_synchronize_unregister();
}
