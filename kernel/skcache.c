// SPDX-License-Identifier: GPL-2.0
/*
 * The socket cache: what the packet path last decided for a connected IPv4
 * socket's packets (their flow, or that no context wants them), so that the
 * next packet of that socket skips parsing, the table lookup and the match.
 *
 * One small direct-mapped table per CPU and per kind of context (task,
 * softirq): an entry has one writer at a time, with preemption off, and a
 * softirq that interrupts a task uses the other table.
 *
 * An entry holds for a packet of the same socket (pointer and cookie) with
 * the same addresses and ports, while its namespace's generation of that
 * kind of entry has not moved (struct mutex_net, sk_gen[]).  A flow an entry
 * points to is freed only after a grace period that starts after the bump,
 * so a reader that still saw the old generation holds valid memory.
 */
#include <linux/hash.h>
#include <net/ip.h>
#include <linux/percpu.h>
#include <linux/sock_diag.h>
#include <net/sock.h>

#include "mutex.h"

#define SK_CACHE_BITS	7

struct sk_entry {
	const struct sock *sk;
	u64 cookie;
	__addrpair addrs;		/* local, remote */
	__portpair ports;		/* local, remote */
	u32 gen;
	/* The flow, or NULL: none wanted; bit 0: the socket's key endpoint. */
	unsigned long flow;
};

struct sk_cache {
	struct sk_entry entry[2][1 << SK_CACHE_BITS];	/* task, softirq */
};

static struct sk_cache __percpu *sk_cache;

/* The 4-tuple as the socket sees it: local address and port first. */
struct sk_tuple {
	__addrpair addrs;
	__portpair ports;
};

static void tuple_set(struct sk_tuple *t, __be32 local, __be32 remote,
		      __be16 lport, __be16 rport)
{
	t->addrs = (__force __addrpair)((u64)(__force u32)remote << 32 |
					 (__force u32)local);
	t->ports = (__force __portpair)((u32)(__force u16)rport << 16 |
					 (__force u16)lport);
}

/*
 * A socket whose packets the cache may answer for: a full, connected TCP or
 * UDP socket.  At LOCAL_OUT the sender's; at LOCAL_IN the receiver's, which
 * early demux (or a socket assignment) attached: ip_rcv_core() orphans
 * every skb before.
 */
struct sock *mutex_sk_cache_sock(const struct sk_buff *skb)
{
	struct sock *sk = skb->sk;

	if (!sk || !sk_fullsock(sk))
		return NULL;
	if (sk->sk_protocol != IPPROTO_TCP && sk->sk_protocol != IPPROTO_UDP)
		return NULL;
	if (!sk->sk_daddr || !sk->sk_dport)
		return NULL;
	return sk;
}

/*
 * The tuple of an IPv4 packet, oriented to its socket, and for TCP its
 * flags.  False for anything the cache does not answer for.
 */
static bool packet_tuple(const struct sk_buff *skb, const struct sock *sk,
			 bool out, struct sk_tuple *t, u8 *tcp_flags)
{
	const struct iphdr *iph = ip_hdr(skb);
	u8 _h[14];
	const u8 *h;

	if (iph->protocol != sk->sk_protocol ||
	    (iph->frag_off & htons(IP_MF | IP_OFFSET)) ||
	    !skb_transport_header_was_set(skb))
		return false;
	h = skb_header_pointer(skb, skb_transport_offset(skb),
			       iph->protocol == IPPROTO_TCP ? 14 : 4, _h);
	if (!h)
		return false;
	*tcp_flags = iph->protocol == IPPROTO_TCP ? h[13] : 0;
	if (out)
		tuple_set(t, iph->saddr, iph->daddr, *(__be16 *)h,
			  *(__be16 *)(h + 2));
	else
		tuple_set(t, iph->daddr, iph->saddr, *(__be16 *)(h + 2),
			  *(__be16 *)h);
	return true;
}

static struct sk_entry *entry_of(struct sk_cache *c, const struct sock *sk)
{
	return &c->entry[in_task() ? 0 : 1][hash_ptr(sk, SK_CACHE_BITS)];
}

/*
 * The cached answer for a packet of sk: true with *flow (NULL when no
 * context wants the packet), the key endpoint of the socket and the TCP
 * flags; false when the packet must take the slow path.  Caller holds
 * rcu_read_lock().
 */
bool mutex_sk_cache_get(struct mutex_net *mn, const struct sk_buff *skb,
			const struct sock *sk, bool out,
			struct mutex_flow **flow, u8 *local, u8 *tcp_flags)
{
	struct sk_cache __percpu *c = READ_ONCE(sk_cache);
	struct sk_entry *e;
	struct sk_tuple t;
	bool hit = false;

	if (!c || !packet_tuple(skb, sk, out, &t, tcp_flags))
		return false;
	e = entry_of(get_cpu_ptr(c), sk);
	if (e->sk == sk && e->addrs == t.addrs && e->ports == t.ports &&
	    e->cookie == atomic64_read(&sk->sk_cookie) &&
	    e->gen == atomic_read_acquire(&mn->sk_gen[!!e->flow])) {
		*flow = (struct mutex_flow *)(e->flow & ~1UL);
		*local = e->flow & 1;
		hit = true;
	}
	put_cpu_ptr(c);
	return hit;
}

/*
 * Remember what the slow path decided for a packet of sk: flow (NULL: no
 * context wants it), with local the socket's endpoint in the flow's key.
 * gen is the generation read before the decision was made.
 */
void mutex_sk_cache_put(struct sock *sk, const struct sk_buff *skb, bool out,
			u32 gen, struct mutex_flow *flow, u8 local)
{
	struct sk_cache __percpu *c = READ_ONCE(sk_cache);
	struct sk_entry *e;
	struct sk_tuple t;
	u32 cookie[2];
	u8 flags;

	if (!c || !packet_tuple(skb, sk, out, &t, &flags))
		return;
	/* Sockets only the slow path has looked at have no cookie yet. */
	sock_diag_save_cookie(sk, cookie);
	e = entry_of(get_cpu_ptr(c), sk);
	e->sk = sk;
	e->cookie = atomic64_read(&sk->sk_cookie);
	e->addrs = t.addrs;
	e->ports = t.ports;
	e->gen = gen;
	e->flow = flow ? (unsigned long)flow | local : 0;
	put_cpu_ptr(c);
}

/* The first context anywhere: made once, kept until the module goes. */
int mutex_sk_cache_init(void)
{
	struct sk_cache __percpu *c;

	lockdep_assert_held(&mutex_ctx_lock);
	if (sk_cache)
		return 0;
	c = alloc_percpu(struct sk_cache);
	if (!c)
		return -ENOMEM;
	WRITE_ONCE(sk_cache, c);
	return 0;
}

/* After every hook is gone. */
void mutex_sk_cache_exit(void)
{
	free_percpu(sk_cache);
}
