// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path: netfilter hooks at LOCAL_OUT (sent) and LOCAL_IN
 * (received) for IPv4 and IPv6, registered in a namespace when its first
 * context opens, so that a namespace without contexts never runs them.
 * Runs in any context that transmits or receives: no sleeping, GFP_ATOMIC
 * only, bounded loops.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/percpu.h>
#include <linux/tcp.h>
#include <net/netfilter/nf_socket.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "mutex.h"


#define NET_INC(mn, member) \
	mutex_net_count(mn, offsetof(struct mutex_net_pcpu, member), 1)

/*
 * The last skb this CPU counted as received, and its namespace.  A drop of
 * that skb in the same softirq (a full socket buffer, no socket) reaches the
 * kfree_skb probe without a socket on kernels before 6.11: this is how the
 * probe learns the namespace without reading skb->dev, which UDP reuses as
 * scratch space by then.  The skb pointer is compared, never dereferenced.
 */
struct mutex_rx_slot {
	const struct sk_buff *skb;
	u32 netid;
};

static DEFINE_PER_CPU(struct mutex_rx_slot, mutex_rx_slot);

static void rx_seen(const struct sk_buff *skb, u32 netid)
{
	struct mutex_rx_slot *slot = get_cpu_ptr(&mutex_rx_slot);

	slot->skb = skb;
	slot->netid = netid;
	put_cpu_ptr(&mutex_rx_slot);
}

/* The namespace skb was counted in as received, or 0 (no namespace's). */
u32 mutex_rx_netid(const struct sk_buff *skb)
{
	struct mutex_rx_slot *slot = get_cpu_ptr(&mutex_rx_slot);
	u32 netid = slot->skb == skb ? slot->netid : 0;

	put_cpu_ptr(&mutex_rx_slot);
	return netid;
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

struct mutex_match {
	struct mutex_ctx *ctx;		/* the owner */
	struct mutex_ctx *pending;	/* else a pid scope that may claim it */
};

static void ctx_match(struct mutex_net *mn, struct sk_buff *skb,
		      const struct nf_hook_state *state,
		      const struct mutex_pkt *pkt, u8 local,
		      struct mutex_match *m)
{
	/* Only a packet a task sends tells whose process tree it is. */
	bool task_decides = state->hook == NF_INET_LOCAL_OUT && in_task();
	bool looked = false, ref = false;
	struct sock *sk = NULL;
	struct mutex_ctx *ctx;
	int best = -1;

	m->ctx = NULL;
	m->pending = NULL;
	list_for_each_entry_rcu(ctx, &mn->ctxs, node) {
		const struct mutex_selector *sel = rcu_dereference(ctx->sel);
		int rank = mutex_selector_rank(sel);

		if (READ_ONCE(ctx->dead) || !mutex_selector_filters(sel, pkt, local))
			continue;
		if (sel->scope == MUTEX_SCOPE_PID && !task_decides) {
			m->pending = ctx;	/* the newest such */
			continue;
		}
		if (rank < best)
			continue;
		if (!looked && (sel->scope == MUTEX_SCOPE_UID ||
				sel->scope == MUTEX_SCOPE_CGROUP)) {
			sk = packet_sock(skb, state, &ref);
			looked = true;
		}
		if (mutex_selector_scope(sel, sk, task_decides)) {
			/* The list is in creation order: later equals win. */
			m->ctx = ctx;
			best = rank;
		}
	}
	if (ref)
		sock_gen_put(sk);
}

/* The TCP socket of a packet we send, if it is a connection's own. */
static struct sock *conn_sock(struct sk_buff *skb)
{
	struct sock *sk = skb_to_full_sk(skb);

	/* Not a listener (SYN-ACKs), nor the netns' raw TCP control sock. */
	if (!sk || !sk_fullsock(sk) || sk->sk_type != SOCK_STREAM ||
	    sk->sk_protocol != IPPROTO_TCP || sk->sk_state == TCP_LISTEN)
		return NULL;
	return sk;
}

#define MUTEX_RTT_SAMPLE_GAP	(HZ / 100 ? HZ / 100 : 1)

/*
 * A sample of the socket's smoothed RTT, when it can hold news: the socket's
 * data was acknowledged since the last sample (snd_una moved), and not more
 * often than every MUTEX_RTT_SAMPLE_GAP.  The flow keeps the low 16 bits of
 * both: a move by a multiple of 64 KiB, or a gap that wraps to less than
 * MUTEX_RTT_SAMPLE_GAP, only skips a sample.  A socket that only receives
 * keeps its handshake RTT forever; that counts once.
 */
static void rtt_track(struct mutex_flow *flow, struct sock *sk, u8 side)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u16 una = READ_ONCE(tp->snd_una), now = jiffies;
	u32 srtt;

	if (una == READ_ONCE(flow->rtt_una[side]))
		return;
	if (READ_ONCE(flow->rtt_samples) &&
	    (u16)(now - READ_ONCE(flow->rtt_jiffies)) < MUTEX_RTT_SAMPLE_GAP)
		return;
	srtt = READ_ONCE(tp->srtt_us) >> 3;
	if (!srtt)
		return;
	WRITE_ONCE(flow->rtt_una[side], una);
	WRITE_ONCE(flow->rtt_jiffies, now);
	mutex_rtt_sample(flow, srtt);
}

static bool from_loopback(const struct nf_hook_state *state)
{
	return state->in && (state->in->flags & IFF_LOOPBACK);
}

/* A TCP segment with flags from endpoint src of the flow's key. */
static void tcp_track(struct mutex_flow *flow, u8 flags, u8 src,
		      bool count_errors)
{
	bool new_conn = false;
	u8 state;

	if (!(flags & (TCPHDR_SYN | TCPHDR_FIN | TCPHDR_RST)) &&
	    READ_ONCE(flow->state) == MUTEX_FLOW_STATE_ESTABLISHED)
		return;
	if ((flags & TCPHDR_RST) && count_errors)
		mutex_flow_event(flow, MUTEX_EV_RESETS, 1);

	spin_lock_bh(&flow->lock);
	state = flow->state;
	if (flags & TCPHDR_RST) {
		state = MUTEX_FLOW_STATE_CLOSED;
	} else if ((flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN &&
		   state == MUTEX_FLOW_STATE_CLOSED) {
		/* The 5-tuple is reused by a new connection, new sockets. */
		flow->tcp_seen = MUTEX_TCP_SYN;
		state = MUTEX_FLOW_STATE_NEW;
		WRITE_ONCE(flow->retrans_seen[0], MUTEX_RETRANS_SEEN);
		WRITE_ONCE(flow->retrans_seen[1], MUTEX_RETRANS_SEEN);
		WRITE_ONCE(flow->rtt_una[0], 0);
		WRITE_ONCE(flow->rtt_una[1], 0);
		WRITE_ONCE(flow->flags, flow->flags & ~MUTEX_FLOW_MIDSTREAM);
		new_conn = !(flow->flags & MUTEX_FLOW_UNOWNED);
	} else if (flags & TCPHDR_FIN) {
		flow->tcp_seen |= src ? MUTEX_TCP_FIN1 : MUTEX_TCP_FIN0;
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
	mutex_flow_set_state(flow, state);
	spin_unlock_bh(&flow->lock);
	if (new_conn)
		atomic64_inc(&flow->ctx->conns_total);
}

/* UDP, ICMP and others: established once the other side answers. */
static void datagram_track(struct mutex_flow *flow, u8 src)
{
	u8 origin = flow->direction == MUTEX_DIRECTION_OUTBOUND ?
		    flow->local : !flow->local;
	u8 state = READ_ONCE(flow->state);

	if (state == MUTEX_FLOW_STATE_ESTABLISHED ||
	    (state == MUTEX_FLOW_STATE_NEW && src == origin))
		return;
	spin_lock_bh(&flow->lock);
	if (src != origin)
		flow->tcp_seen |= MUTEX_UDP_REPLY;
	mutex_flow_set_state(flow, flow->tcp_seen & MUTEX_UDP_REPLY ?
				   MUTEX_FLOW_STATE_ESTABLISHED :
				   MUTEX_FLOW_STATE_NEW);
	spin_unlock_bh(&flow->lock);
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
		mutex_flow_event(flow, MUTEX_EV_ICMP_ERRORS, 1);
}

/*
 * A packet of no tracked flow: find the context that wants it, if any.
 * *unwanted tells a packet no context wants (not one the table is too full
 * for).
 */
static struct mutex_flow *flow_new(struct mutex_net *mn, struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   const struct mutex_pkt *pkt, bool *unwanted)
{
	bool out = state->hook == NF_INET_LOCAL_OUT;
	u8 local = out ? pkt->src : !pkt->src;
	u8 flow_state = MUTEX_FLOW_STATE_NEW, flags = 0;
	struct mutex_match m;
	struct mutex_flow *flow;

	ctx_match(mn, skb, state, pkt, local, &m);
	if (!m.ctx) {
		/*
		 * A pid scope is decided by the server's first send: a
		 * connection to it is held pending from its SYN on.
		 */
		if (!m.pending || pkt->key.proto != IPPROTO_TCP ||
		    (pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) != TCPHDR_SYN) {
			NET_INC(mn, unmatched);
			*unwanted = !m.pending;
			return NULL;
		}
		m.ctx = m.pending;
		flags |= MUTEX_FLOW_PENDING;
	}
	/* A TCP flow that starts without its SYN was picked up mid-stream. */
	if (pkt->key.proto == IPPROTO_TCP &&
	    (pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) != TCPHDR_SYN) {
		flags |= MUTEX_FLOW_MIDSTREAM;
		flow_state = MUTEX_FLOW_STATE_ESTABLISHED;
	}
	flow = mutex_flow_create(&pkt->key, m.ctx, local,
				 out ? MUTEX_DIRECTION_OUTBOUND :
				       MUTEX_DIRECTION_INBOUND,
				 flow_state, flags);
	if (!flow)
		NET_INC(mn, untracked);
	return flow;
}

/*
 * The first packet a task sends from a pending flow's local endpoint decides
 * its owner: the context that matches it now, or nobody.  (Over loopback the
 * other endpoint's sends are local too; they do not decide.)
 */
static void flow_settle(struct mutex_net *mn, struct mutex_flow *flow,
			struct sk_buff *skb, const struct nf_hook_state *state,
			const struct mutex_pkt *pkt)
{
	struct mutex_match m;

	if (state->hook != NF_INET_LOCAL_OUT || !in_task() ||
	    pkt->src != flow->local)
		return;
	ctx_match(mn, skb, state, pkt, flow->local, &m);
	if (!m.ctx || !mutex_flow_claim(flow, m.ctx))
		mutex_flow_disown(flow);
}

/*
 * The process behind a flow, as ss -p shows it: the last one that sent from
 * the flow's local endpoint (a flow that only receives has none).
 */
static void note_sender(struct mutex_flow *flow, u8 src)
{
	pid_t tgid;

	if (!in_task() || src != flow->local)
		return;
	tgid = task_tgid_nr(current);
	if (READ_ONCE(flow->tgid) != tgid)
		WRITE_ONCE(flow->tgid, tgid);
}

/* A packet of flow from endpoint src of its key (TCP: with flags). */
static void flow_packet(struct mutex_net *mn, struct sk_buff *skb,
			const struct nf_hook_state *state,
			struct mutex_flow *flow, u8 src, u8 tcp_flags)
{
	bool out = state->hook == NF_INET_LOCAL_OUT;
	u32 now;

	if (!mutex_flow_count_packet(flow, out ? MUTEX_DIR_SENT : MUTEX_DIR_RECV,
				     skb->len)) {
		NET_INC(mn, unmatched);
		return;
	}
	now = jiffies;
	if (READ_ONCE(flow->last_jiffies) != now)	/* one write per tick */
		WRITE_ONCE(flow->last_jiffies, now);
	if (out)
		note_sender(flow, src);
	else
		rx_seen(skb, flow->netid);

	if (flow->proto == IPPROTO_TCP) {
		tcp_track(flow, tcp_flags, src, out || !from_loopback(state));
		if (out) {
			struct sock *sk = conn_sock(skb);

			if (sk) {
				rtt_track(flow, sk, src);
				mutex_flow_retrans(flow, src,
						   READ_ONCE(tcp_sk(sk)->total_retrans));
			}
		}
	} else {
		datagram_track(flow, src);
	}
}

/*
 * The slow path: parse, look up, and match a new flow.  When the packet is
 * a cacheable socket's (sk), the answer goes into the socket cache.
 */
static void flow_resolve(struct mutex_net *mn, struct sk_buff *skb,
			 const struct nf_hook_state *state, struct sock *sk)
{
	bool out = state->hook == NF_INET_LOCAL_OUT, unwanted = false;
	/* A pid scope decides by the sending task, not by the socket. */
	bool refusal_holds = sk && !READ_ONCE(mn->pid_scopes);
	u32 gen_none = 0, gen_flow = 0;
	struct mutex_flow *flow;
	struct mutex_pkt pkt;

	if (sk) {	/* before the decision: see skcache.c */
		gen_none = atomic_read_acquire(&mn->sk_gen[0]);
		gen_flow = atomic_read_acquire(&mn->sk_gen[1]);
	}
	if (!mutex_parse(skb, skb_network_offset(skb), state->pf,
			 state->net->ns.inum, &pkt))
		return;
	if (pkt.icmp_error) {
		icmp_error(&pkt, state);
		return;
	}

	flow = mutex_flow_lookup(&pkt.key);
	if (likely(flow)) {
		NET_INC(mn, lookups_hit);
	} else {
		NET_INC(mn, lookups_miss);
		flow = flow_new(mn, skb, state, &pkt, &unwanted);
		if (!flow) {
			if (unwanted && refusal_holds)
				mutex_sk_cache_put(sk, skb, out, gen_none, NULL, 0);
			return;
		}
	}
	if (unlikely(READ_ONCE(flow->flags) & MUTEX_FLOW_PENDING))
		flow_settle(mn, flow, skb, state, &pkt);
	else if (sk)
		mutex_sk_cache_put(sk, skb, out, gen_flow, flow,
				   out ? pkt.src : !pkt.src);
	flow_packet(mn, skb, state, flow, pkt.src, pkt.tcp_flags);
}

static void mutex_account(struct mutex_net *mn, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	bool out = state->hook == NF_INET_LOCAL_OUT;
	struct mutex_flow *flow;
	struct sock *sk = NULL;
	u8 local, tcp_flags;

	if (state->pf == NFPROTO_IPV4)
		sk = mutex_sk_cache_sock(skb);
	if (sk && mutex_sk_cache_get(mn, skb, sk, out, &flow, &local,
				     &tcp_flags)) {
		if (!flow) {
			NET_INC(mn, unmatched);
			return;
		}
		NET_INC(mn, lookups_hit);
		flow_packet(mn, skb, state, flow, out ? local : !local,
			    tcp_flags);
		return;
	}
	flow_resolve(mn, skb, state, sk);
}

static unsigned int mutex_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct mutex_net *mn = priv;

	if (READ_ONCE(mn->nr_ctx))
		mutex_account(mn, skb, state);
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

#define MUTEX_NF_OPS	ARRAY_SIZE(mutex_nf_ops)

/* Process context, mutex_ctx_lock held: once per namespace. */
int mutex_hooks_register(struct mutex_net *mn)
{
	struct nf_hook_ops *ops;
	int i, err;

	if (mn->nf_ops)
		return 0;
	err = mutex_sk_cache_init();
	if (err)
		return err;
	ops = kmemdup(mutex_nf_ops, sizeof(mutex_nf_ops), GFP_KERNEL_ACCOUNT);
	if (!ops)
		return -ENOMEM;
	for (i = 0; i < MUTEX_NF_OPS; i++)
		ops[i].priv = mn;
	err = nf_register_net_hooks(mn->net, ops, MUTEX_NF_OPS);
	if (err) {
		kfree(ops);
		return err;
	}
	mn->nf_ops = ops;
	return 0;
}

void mutex_hooks_unregister(struct mutex_net *mn)
{
	if (!mn->nf_ops)
		return;
	nf_unregister_net_hooks(mn->net, mn->nf_ops, MUTEX_NF_OPS);
	kfree(mn->nf_ops);
	mn->nf_ops = NULL;
}
