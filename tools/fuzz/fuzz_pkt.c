// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz pkt N [SEED]: N malformed IPv4/IPv6 packets, sent on raw
 * sockets in a fresh netns with a scope=all context, through the module's
 * hooks; then the module's answers must still make sense.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attacks.h"
#include "common.h"
#include "nl.h"
#include "util.h"

/*
 * Root of a user namespace has CAP_NET_RAW in its own netns, and may open
 * /dev/mutex there: any packet it can craft reaches the hooks with a context
 * to match.  Templates (TCP, UDP, ICMP echo, ICMP errors quoting a packet)
 * are mutated: header lengths, fragment fields, protocols, truncation.
 */
static size_t build_v4(uint8_t *p, size_t cap)
{
	static const uint8_t protos[] = { 6, 17, 1, 136, 0, 58, 255 };
	size_t len = 20, l4;
	int proto = protos[rnd(sizeof(protos))], inner = 0;

	memset(p, 0, cap < 200 ? cap : 200);
	p[0] = 0x45;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, (uint8_t[]){ 127, 0, 0, 1 + rnd(3) }, 4);
	memcpy(p + 16, (uint8_t[]){ 127, 0, 0, 1 + rnd(3) }, 4);
	if (proto == 1 && rnd(2)) {	/* an ICMP error quoting a packet */
		p[20] = rnd(2) ? 3 : 11;
		p[21] = rnd(16);
		inner = 1;
		len = 28;
		p[len] = 0x45;
		p[len + 9] = rnd(2) ? 6 : 17;
		memcpy(p + len + 12, p + 16, 4);
		memcpy(p + len + 16, p + 12, 4);
		len += 20;
	}
	l4 = len;
	p[l4] = rnd(256);
	p[l4 + 1] = rnd(256);
	p[l4 + 2] = rnd(256);
	p[l4 + 3] = rnd(256);
	if (!inner && proto == 1)
		p[l4] = rnd(2) ? 8 : 0;	/* echo request/reply */
	if (proto == 6 || (inner && p[28 + 9] == 6))
		p[l4 + 13] = rnd(256);	/* TCP flags */
	len = l4 + (rnd(4) ? 20 : rnd(8));
	/* Mutations. */
	for (int i = rnd(4); i > 0; i--) {
		switch (rnd(6)) {
		case 0: p[0] = (p[0] & 0xf0) | rnd(16); break;		/* IHL */
		case 1: p[6] = rnd(256); p[7] = rnd(256); break;	/* frag */
		case 2: p[rnd(len)] = rnd(256); break;
		case 3: len = 20 + rnd(len - 19); break;		/* truncated */
		case 4: if (inner) p[28] = (p[28] & 0xf0) | rnd(16); break;
		default: p[9] = rnd(256);
		}
	}
	if ((p[0] & 0x0f) * 4 > (int)len)
		p[0] = 0x45;	/* the raw socket refuses a header past the end */
	return len;
}

static size_t build_v6(uint8_t *p, size_t cap)
{
	static const uint8_t nexthdrs[] = { 6, 17, 58, 0, 43, 44, 60, 59, 1 };
	size_t len = 40;

	memset(p, 0, cap < 200 ? cap : 200);
	p[0] = 0x60;
	p[6] = nexthdrs[rnd(sizeof(nexthdrs))];
	p[7] = 64;
	p[23] = 1;	/* ::1 */
	p[39] = 1;
	if (p[6] == 0 || p[6] == 43 || p[6] == 44 || p[6] == 60) {	/* an extension header */
		p[40] = rnd(2) ? 6 : rnd(256);
		p[41] = rnd(3);
		if (p[6] == 44)
			p[42] = rnd(256), p[43] = rnd(256);
		len += 8 * (1 + p[41]);
	}
	if (p[6] == 58 && rnd(2)) {	/* ICMPv6 error quoting a packet */
		p[len] = 1 + rnd(4);
		len += 8;
		p[len] = 0x60;
		p[len + 6] = rnd(2) ? 6 : 17;
		p[len + 23] = 1;
		p[len + 39] = 1;
		len += 40;
	}
	for (int i = 0; i < 20; i++)
		p[len + i] = rnd(256);
	len += rnd(4) ? 20 : rnd(8);
	for (int i = rnd(4); i > 0; i--) {
		switch (rnd(3)) {
		case 0: p[rnd(len)] = rnd(256); break;
		case 1: len = 40 + rnd(len - 39); break;
		default: p[6] = rnd(256);
		}
	}
	p[4] = (len - 40) >> 8;
	p[5] = (len - 40) & 0xff;
	return len;
}

int cmd_pkt(long count, uint64_t seed)
{
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int r4, r6, nl, fd, one = 1;
	uint8_t pkt[600];
	long sent4 = 0, sent6 = 0, refused = 0;
	double t0 = now_s();

	rnd_seed(seed);
	fresh_netns();
	nl = nl_socket(0);
	if (nl_resolve(nl))
		die("the mutex family is not registered");
	fd = dev_open("name=pkt scope=all");
	r4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	r6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (r4 < 0 || r6 < 0)
		die("raw sockets: %s", strerror(errno));
	setsockopt(r4, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	for (long i = 0; i < count; i++) {
		size_t len;

		if (rnd(3)) {
			len = build_v4(pkt, sizeof(pkt));
			if (sendto(r4, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&to4, sizeof(to4)) >= 0)
				sent4++;
			else
				refused++;
		} else {
			len = build_v6(pkt, sizeof(pkt));
			if (sendto(r6, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&to6, sizeof(to6)) >= 0)
				sent6++;
			else
				refused++;
		}
	}
	usleep(200000);
	printf("pkt: %ld malformed packets in %.1f s (%ld IPv4, %ld IPv6 sent, %ld refused by the stack)\n",
	       count, now_s() - t0, sent4, sent6, refused);
	check_answers("after pkt");
	close(fd);
	return 0;
}
