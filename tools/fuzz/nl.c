// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal generic netlink helpers for mutexfuzz (nl.h): raw AF_NETLINK
 * sockets, message building, a blocking request/reply loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl.h"
#include "util.h"

int mutex_family = -1, mutex_alerts_group = -1;

int nl_socket(int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int one = 1;

	if (fd < 0)
		die("netlink socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("netlink bind: %s", strerror(errno));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

void msg_init(struct nlmsg *m, int type, int flags, int cmd, int version)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(h + 1);

	memset(h, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = (uint32_t)random();
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* Appends an attribute with its real length; returns its offset. */
size_t msg_put(struct nlmsg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a;
	size_t off = m->len;

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf))
		return off;
	a = (struct nlattr *)(m->buf + m->len);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(a + 1, data, len);
	memset((uint8_t *)(a + 1) + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return off;
}

void msg_put_u32(struct nlmsg *m, uint16_t type, uint32_t v)
{
	msg_put(m, type, &v, 4);
}

void msg_put_u64(struct nlmsg *m, uint16_t type, uint64_t v)
{
	msg_put(m, type, &v, 8);
}

void msg_finish(struct nlmsg *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
}

int msg_send(int fd, struct nlmsg *m)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	return sendto(fd, m->buf, m->len, 0, (struct sockaddr *)&sa, sizeof(sa));
}

/* Attributes of one genl message into tb[0..max]; 0 on a well-formed one. */
int nl_parse(const struct nlmsghdr *h, const struct nlattr **tb, int max)
{
	const uint8_t *p = (const uint8_t *)h + NLMSG_HDRLEN + GENL_HDRLEN;
	const uint8_t *end = (const uint8_t *)h + h->nlmsg_len;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)p;
		int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			return -1;
		if (type <= max && !tb[type])
			tb[type] = a;
		p += NLA_ALIGN(a->nla_len);
	}
	return p == end || p == end + (NLA_ALIGN(h->nlmsg_len) - h->nlmsg_len) ? 0 : -1;
}

uint64_t nla_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (!a)
		return 0;
	if (a->nla_len == NLA_HDRLEN + 8)
		memcpy(&v, a + 1, 8);
	else if (a->nla_len == NLA_HDRLEN + 4)
		v = *(const uint32_t *)(a + 1);
	else if (a->nla_len == NLA_HDRLEN + 2)
		v = *(const uint16_t *)(a + 1);
	else if (a->nla_len >= NLA_HDRLEN + 1)
		v = *(const uint8_t *)(a + 1);
	return v;
}

/*
 * Sends m and reads until its answer is complete: the reply (do), NLMSG_DONE
 * (dump) or the ack.  Each reply message goes to cb.  Returns 0 or -errno from
 * the kernel; -EINTR if a dump was interrupted (NLM_F_DUMP_INTR).
 */
int nl_request(int fd, struct nlmsg *m, int max, nl_attr_cb cb, void *arg)
{
	static __thread uint8_t buf[NL_BUF] __attribute__((aligned(8)));
	uint32_t seq = ((struct nlmsghdr *)m->buf)->nlmsg_seq;
	int dump = ((struct nlmsghdr *)m->buf)->nlmsg_flags & NLM_F_DUMP;
	int intr = 0;

	((struct nlmsghdr *)m->buf)->nlmsg_flags |= NLM_F_ACK;
	msg_finish(m);
	if (msg_send(fd, m) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;

				if (err || !dump)
					return err;
				continue;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return intr ? -EINTR : 0;
			if (h->nlmsg_type == mutex_family && cb) {
				const struct nlattr *tb[64];

				if (max > 63)
					max = 63;
				if (nl_parse(h, tb, max))
					die("malformed reply from the kernel (cmd %u)",
					    ((struct genlmsghdr *)NLMSG_DATA(h))->cmd);
				cb(((struct genlmsghdr *)NLMSG_DATA(h))->cmd, tb, max, arg);
			}
		}
	}
}

static void family_cb(int cmd, const struct nlattr *tb[], int max, void *arg)
{
	const struct nlattr *g;

	(void)cmd; (void)max; (void)arg;
	if (tb[CTRL_ATTR_FAMILY_ID])
		mutex_family = *(const uint16_t *)(tb[CTRL_ATTR_FAMILY_ID] + 1);
	g = tb[CTRL_ATTR_MCAST_GROUPS];
	if (g) {
		const uint8_t *p = (const uint8_t *)(g + 1), *end = (const uint8_t *)g + g->nla_len;

		while (p + NLA_HDRLEN <= end) {
			const struct nlattr *grp = (const struct nlattr *)p;
			const uint8_t *q = (const uint8_t *)(grp + 1);
			int id = -1, ours = 0;

			while (q + NLA_HDRLEN <= p + grp->nla_len) {
				const struct nlattr *a = (const struct nlattr *)q;

				if (a->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					id = *(const uint32_t *)(a + 1);
				if (a->nla_type == CTRL_ATTR_MCAST_GRP_NAME &&
				    !strcmp((const char *)(a + 1), "alerts"))
					ours = 1;
				q += NLA_ALIGN(a->nla_len);
			}
			if (ours)
				mutex_alerts_group = id;
			p += NLA_ALIGN(grp->nla_len);
		}
	}
}

/* Looks up the family; 0 or -errno (ENOENT: the module is not loaded). */
int nl_resolve(int fd)
{
	struct nlmsg *m = calloc(1, sizeof(*m));
	int err;

	msg_init(m, GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 1);
	msg_put(m, CTRL_ATTR_FAMILY_NAME, "mutex", 6);
	/* nl_request() only hands messages of mutex_family to cb. */
	mutex_family = GENL_ID_CTRL;
	err = nl_request(fd, m, CTRL_ATTR_MAX, family_cb, NULL);
	free(m);
	if (err) {
		mutex_family = -1;
		return err;
	}
	return mutex_family == GENL_ID_CTRL ? -ENOENT : 0;
}

/* A genl request to the mutex family. */
struct nlmsg *mreq(int cmd, int flags)
{
	static __thread struct nlmsg m;

	msg_init(&m, mutex_family, NLM_F_REQUEST | flags, cmd, 1);
	return &m;
}
