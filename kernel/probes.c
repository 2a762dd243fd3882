// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoint probes: packet drops (kfree_skb) and TCP retransmissions
 * (tcp_retransmit_skb).  docs/semantics.md lists every field they read and
 * why it is valid at every call site of the tracepoint on each kernel line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/tracepoint.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "mutex.h"

/*
 * Drop reasons that do not mean a packet was lost, by the names the running
 * kernel gives them: every other reason counts.  Most are the teardown of a
 * socket (its queues purged on close, segments arriving for a closed
 * socket) or TCP discarding what it already has (old duplicates, ACKs it
 * does not need).  NOT_SPECIFIED is plain kfree_skb(): on 6.1 that is also
 * how a closing socket's queues are purged.
 */
static const char * const drop_not_loss[] = {
	"NOT_SPECIFIED",
	"CONSUMED",
	"QUEUE_PURGE",
	"SOCKET_CLOSE",
	"OTHERHOST",
	"UNICAST_IN_L2_MULTICAST",
	"TCP_FLAGS",
	"TCP_OLD_DATA",
	"TCP_OFOMERGE",
	"TCP_RFC7323_PAWS",
	"TCP_RFC7323_TSECR",
	"TCP_RFC7323_TW_PAWS",
	"TCP_RFC7323_PAWS_ACK",
	"TCP_OLD_SEQUENCE",
	"TCP_INVALID_SEQUENCE",
	"TCP_INVALID_ACK_SEQUENCE",
	"TCP_RESET",
	"TCP_INVALID_SYN",
	"TCP_CLOSE",
	"TCP_FASTOPEN",
	"TCP_OLD_ACK",
	"TCP_TOO_OLD_ACK",
	"TCP_ACK_UNSENT_DATA",
	"TCP_ABORT_ON_DATA",
	"DUP_FRAG",
	"UNIX_SKIP_OOB",
	"PACKET_SOCK_ERROR",
	"IPV6_NDISC_FRAG",
	"IPV6_NDISC_HOP_LIMIT",
	"IPV6_NDISC_BAD_CODE",
	"IPV6_NDISC_BAD_OPTIONS",
	"IPV6_NDISC_NS_OTHERHOST",
};

static DECLARE_BITMAP(drop_loss, SKB_DROP_REASON_MAX);

static void drop_policy_init(void)
{
	unsigned int reason;
	const char *name;

	for (reason = 1; reason < SKB_DROP_REASON_MAX; reason++) {
		name = mutex_drop_reason_name(reason);
		if (!name || match_string(drop_not_loss, ARRAY_SIZE(drop_not_loss),
					  name) < 0)
			__set_bit(reason, drop_loss);
	}
}

/* Reasons of other subsystems (6.4+: mac80211, openvswitch...) are losses. */
static bool drop_is_loss(unsigned int reason)
{
	return reason >= SKB_DROP_REASON_MAX || test_bit(reason, drop_loss);
}

/* A namespace we count in: one with a context. */
static u32 counted_netid(const struct net *net)
{
	struct mutex_net *mn = mutex_pernet(net);

	return mn && READ_ONCE(mn->nr_ctx) ? net->ns.inum : 0;
}

/*
 * The namespace of a dropped skb, if it is one we count in: that of the
 * receiving socket (6.11+), of the skb's socket, or the one our LOCAL_IN
 * hook counted this skb in on this CPU.  Never skb->dev: UDP overwrites it
 * (dev_scratch) before the drops of a full receive buffer, and nothing
 * keeps the device alive here.
 */
static u32 drop_netid(const struct sk_buff *skb, const struct sock *rx_sk)
{
	const struct sock *sk = rx_sk ?: mutex_freed_skb_sk(skb);

	if (sk)
		return counted_netid(sock_net(sk));
	return mutex_rx_netid(skb);
}

static void drop_count(struct sk_buff *skb, const struct sock *rx_sk,
		       void *location, unsigned int reason)
{
	struct mutex_flow *flow;
	struct mutex_pkt pkt;
	u32 netid;
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
	rcu_read_lock();
	netid = drop_netid(skb, rx_sk);
	if (netid &&
	    mutex_parse(skb, skb_network_offset(skb), family, netid, &pkt) &&
	    !pkt.icmp_error) {
		flow = mutex_flow_lookup(&pkt.key);
		if (flow)
			reason = mutex_drop_reason(skb, pkt.key.proto, location,
						   reason);
		if (flow && drop_is_loss(reason))
			mutex_flow_drop(flow, reason);
	}
	rcu_read_unlock();
}

static void mutex_kfree_skb_probe(MUTEX_KFREE_SKB_PROTO(data, skb, location,
							reason, rx_sk))
{
	unsigned int why = MUTEX_KFREE_SKB_REASON(skb, reason);

	/* Most frees are no loss: where the reason says so, skip parsing. */
	if (MUTEX_DROP_REASON_EARLY && !drop_is_loss(why))
		return;
	drop_count(skb, MUTEX_KFREE_SKB_RX_SK(rx_sk), location, why);
}

/* The key of a TCP socket's connection, as its packets would produce it. */
static bool sock_key(const struct sock *sk, struct mutex_flow_key *key,
		     u8 *src)
{
	const struct inet_sock *inet = inet_sk(sk);

	memset(key, 0, sizeof(*key));
	key->netid = sock_net(sk)->ns.inum;
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

/* A full TCP socket retransmits (sk is never a request or time-wait sock). */
static void mutex_retransmit_probe(void *data, const struct sock *sk,
				   const struct sk_buff *skb)
{
	struct mutex_flow_key key;
	struct mutex_flow *flow;
	struct mutex_net *mn;
	u8 side;

	mn = mutex_pernet(sock_net(sk));
	if (!mn || !READ_ONCE(mn->nr_ctx) || !sock_key(sk, &key, &side))
		return;
	rcu_read_lock();
	flow = mutex_flow_lookup(&key);
	if (flow)
		mutex_flow_retrans(flow, side, READ_ONCE(tcp_sk(sk)->total_retrans));
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

static bool probes_on;		/* under mutex_ctx_lock */

int __init mutex_probes_init(void)
{
	int i;

	drop_policy_init();
	for_each_kernel_tracepoint(tp_lookup, NULL);
	for (i = 0; i < ARRAY_SIZE(mutex_tps); i++) {
		if (!mutex_tps[i].tp) {
			pr_err("tracepoint %s not found\n", mutex_tps[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

/*
 * The probes are registered only while a context exists somewhere: until
 * then the tracepoints stay patched out.  Caller holds mutex_ctx_lock.
 */
int mutex_probes_start(void)
{
	int i, err;

	lockdep_assert_held(&mutex_ctx_lock);
	if (probes_on)
		return 0;
	mutex_compat_probes_start();
	for (i = 0; i < ARRAY_SIZE(mutex_tps); i++) {
		err = tracepoint_probe_register(mutex_tps[i].tp,
						mutex_tps[i].probe, NULL);
		if (err)
			goto err_unregister;
	}
	probes_on = true;
	return 0;

err_unregister:
	while (--i >= 0)
		tracepoint_probe_unregister(mutex_tps[i].tp, mutex_tps[i].probe,
					    NULL);
	mutex_compat_probes_stop();
	return err;
}

/*
 * A probe still running on another CPU only reads the flow table, which
 * lives until the module goes: mutex_probes_exit() waits for them.
 */
void mutex_probes_stop(void)
{
	int i;

	lockdep_assert_held(&mutex_ctx_lock);
	if (!probes_on)
		return;
	for (i = 0; i < ARRAY_SIZE(mutex_tps); i++)
		tracepoint_probe_unregister(mutex_tps[i].tp, mutex_tps[i].probe,
					    NULL);
	mutex_compat_probes_stop();
	probes_on = false;
}

void mutex_probes_exit(void)
{
	mutex_lock(&mutex_ctx_lock);
	mutex_probes_stop();
	mutex_unlock(&mutex_ctx_lock);
	tracepoint_synchronize_unregister();
}
