/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal generic netlink helpers for mutexfuzz (nl.c): raw AF_NETLINK
 * sockets, message building, a blocking request/reply loop.
 */
#ifndef MUTEXFUZZ_NL_H
#define MUTEXFUZZ_NL_H

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

#include "../../kernel/include/uapi/linux/mutex.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NL_BUF (256 * 1024)

struct nlmsg {
	size_t len;
	uint8_t buf[70000] __attribute__((aligned(8)));
};

/* The family's id and its "alerts" multicast group, set by nl_resolve(). */
extern int mutex_family, mutex_alerts_group;

/* A bound NETLINK_GENERIC socket; rcvbuf: SO_RCVBUF if not 0. */
int nl_socket(int rcvbuf);

void msg_init(struct nlmsg *m, int type, int flags, int cmd, int version);
/* Appends an attribute with its real length; returns its offset. */
size_t msg_put(struct nlmsg *m, uint16_t type, const void *data, size_t len);
void msg_put_u32(struct nlmsg *m, uint16_t type, uint32_t v);
void msg_put_u64(struct nlmsg *m, uint16_t type, uint64_t v);
/* Sets nlmsg_len to what was built. */
void msg_finish(struct nlmsg *m);
int msg_send(int fd, struct nlmsg *m);

typedef void (*nl_attr_cb)(int cmd, const struct nlattr *tb[], int max, void *arg);

/* Attributes of one genl message into tb[0..max]; 0 on a well-formed one. */
int nl_parse(const struct nlmsghdr *h, const struct nlattr **tb, int max);
/* An attribute's value, whatever its integer size; 0 if absent. */
uint64_t nla_u64(const struct nlattr *a);
/*
 * Sends m and reads until its answer is complete, each reply message to cb.
 * Returns 0 or -errno from the kernel; -EINTR if a dump was interrupted.
 */
int nl_request(int fd, struct nlmsg *m, int max, nl_attr_cb cb, void *arg);
/* Looks up the family; 0 or -errno (ENOENT: the module is not loaded). */
int nl_resolve(int fd);
/* A genl request to the mutex family (one per thread, reused). */
struct nlmsg *mreq(int cmd, int flags);

#endif
