// SPDX-License-Identifier: GPL-2.0
/*
 * Packet parsing: the normalised flow key of an IPv4 or IPv6 packet, or of
 * the packet an ICMP error quotes.  Reads only through skb_header_pointer(),
 * so any skb the stack hands us (even a truncated one) is safe to parse.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "mutex.h"

static bool icmp4_is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/*
 * Fill the ports of the key from the transport header at off.  For ICMP echo
 * the identifier stands in as the port of the requesting side.  Inside an
 * ICMP error only the first 8 bytes of the quoted header are guaranteed
 * (RFC 792), so there only the ports are read.
 */
static bool parse_ports(const struct sk_buff *skb, int off, u8 proto,
			struct mutex_pkt *pkt, bool inner)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE: {
		struct tcphdr _th;
		const struct tcphdr *th;
		int need = proto == IPPROTO_TCP && !inner ? sizeof(_th) : 4;

		/* source and dest lead both headers */
		th = skb_header_pointer(skb, off, need, &_th);
		if (!th)
			return false;
		pkt->key.port[0] = th->source;
		pkt->key.port[1] = th->dest;
		if (proto == IPPROTO_TCP && !inner)
			pkt->tcp_flags = tcp_flag_byte(th);
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
	return parse_ports(skb, thoff, iph->protocol, pkt, inner);
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
	return parse_ports(skb, thoff, nexthdr, pkt, inner);
}

/*
 * Order the two endpoints so that both directions of a connection share a
 * key; *src_index tells which endpoint the packet's source became.
 */
void mutex_flow_key_normalise(struct mutex_flow_key *key, u8 *src_index)
{
	int cmp = memcmp(&key->addr[0], &key->addr[1], sizeof(key->addr[0]));

	if (cmp > 0 || (cmp == 0 && ntohs(key->port[0]) > ntohs(key->port[1]))) {
		swap(key->addr[0], key->addr[1]);
		swap(key->port[0], key->port[1]);
		*src_index = 1;
	} else {
		*src_index = 0;
	}
}

bool mutex_parse(const struct sk_buff *skb, int off, u8 family, u32 netid,
		 struct mutex_pkt *pkt)
{
	bool ok;

	memset(pkt, 0, sizeof(*pkt));
	pkt->key.netid = netid;
	ok = family == NFPROTO_IPV4 ? parse_v4(skb, off, pkt, false) :
				      parse_v6(skb, off, pkt, false);
	if (ok)
		mutex_flow_key_normalise(&pkt->key, &pkt->src);
	return ok;
}
