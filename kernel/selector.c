// SPDX-License-Identifier: GPL-2.0
/*
 * Selectors: which sockets' traffic belongs to a context.  The grammar
 * (parse), its canonical text (render) and its meaning (match) live here
 * together.  Paths, pids and uids are read and shown in the namespaces of
 * the task that writes or reads the selector, like /proc does.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/inet.h>
#include <linux/kernfs.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "mutex.h"

#define MUTEX_PID_TREE_DEPTH	64

void mutex_selector_free(struct mutex_selector *sel)
{
	if (!sel)
		return;
	put_pid(sel->pid);
	if (sel->cgrp)
		cgroup_put(sel->cgrp);
	kfree(sel);
}

static int parse_u32(const char *s, u32 max, u32 *out)
{
	if (!*s || kstrtou32(s, 10, out) || *out > max)
		return -EINVAL;
	return 0;
}

static int parse_ports(char *val, struct mutex_selector *sel)
{
	char *item;

	while ((item = strsep(&val, ",")) != NULL) {
		char *hi = strchr(item, '-');
		u32 a, b;

		if (sel->nports == MUTEX_SEL_MAX_PORTS)
			return -EINVAL;
		if (hi)
			*hi++ = '\0';
		if (parse_u32(item, 65535, &a))
			return -EINVAL;
		b = a;
		if (hi && parse_u32(hi, 65535, &b))
			return -EINVAL;
		if (b < a)
			return -EINVAL;
		sel->ports[sel->nports].lo = a;
		sel->ports[sel->nports].hi = b;
		sel->nports++;
	}
	return 0;
}

static int parse_peers(char *val, struct mutex_selector *sel)
{
	char *item;

	while ((item = strsep(&val, ",")) != NULL) {
		struct mutex_cidr *c = &sel->peers[sel->npeers];
		char *slash = strchr(item, '/');
		const char *end;
		u32 prefix;

		if (sel->npeers == MUTEX_SEL_MAX_PEERS || !*item)
			return -EINVAL;
		if (slash)
			*slash++ = '\0';
		memset(c, 0, sizeof(*c));
		if (in4_pton(item, -1, (u8 *)&c->addr.s6_addr32[0], '\0', &end)) {
			c->family = AF_INET;
			prefix = 32;
		} else if (in6_pton(item, -1, c->addr.s6_addr, '\0', &end)) {
			c->family = AF_INET6;
			prefix = 128;
		} else {
			return -EINVAL;
		}
		if (slash && parse_u32(slash, prefix, &prefix))
			return -EINVAL;
		c->prefix = prefix;
		sel->npeers++;
	}
	return 0;
}

static int parse_protos(char *val, struct mutex_selector *sel)
{
	char *item;

	while ((item = strsep(&val, ",")) != NULL) {
		if (!strcmp(item, "tcp"))
			sel->protos |= MUTEX_SEL_PROTO_TCP;
		else if (!strcmp(item, "udp"))
			sel->protos |= MUTEX_SEL_PROTO_UDP;
		else if (!strcmp(item, "icmp"))
			sel->protos |= MUTEX_SEL_PROTO_ICMP;
		else
			return -EINVAL;
	}
	return 0;
}

/* The root of the caller's cgroup namespace in the default hierarchy. */
static struct cgroup *cgroupns_root(void)
{
	return current->nsproxy->cgroup_ns->root_cset->dfl_cgrp;
}

/*
 * A cgroup v2 path as the writer sees it: under /sys/fs/cgroup or from the
 * root of its cgroup namespace.
 */
static int parse_cgroup(const char *path, struct mutex_selector *sel)
{
	static const char mnt[] = "/sys/fs/cgroup";
	struct cgroup *cgrp;

	if (path[0] != '/')
		return -EINVAL;
	if (!strncmp(path, mnt, sizeof(mnt) - 1) &&
	    (path[sizeof(mnt) - 1] == '/' || path[sizeof(mnt) - 1] == '\0'))
		path += sizeof(mnt) - 1;
	cgrp = mutex_cgroup_get_from_path(*path ? path : "/");
	if (IS_ERR(cgrp))
		return -EINVAL;
	sel->cgrp = cgrp;
	return 0;
}

static int parse_scope(char *val, struct mutex_selector *sel)
{
	char *arg = strchr(val, ':');
	u32 n;

	if (arg)
		*arg++ = '\0';
	if (!strcmp(val, "all") && !arg) {
		sel->scope = MUTEX_SCOPE_ALL;
		return 0;
	}
	if (!arg)
		return -EINVAL;
	if (!strcmp(val, "pid")) {
		if (parse_u32(arg, PID_MAX_LIMIT, &n) || !n)
			return -EINVAL;
		sel->scope = MUTEX_SCOPE_PID;
		put_pid(sel->pid);
		sel->pid = find_get_pid(n);
		return sel->pid ? 0 : -EINVAL;
	}
	if (!strcmp(val, "uid")) {
		if (parse_u32(arg, U32_MAX - 1, &n))
			return -EINVAL;
		sel->uid = make_kuid(current_user_ns(), n);
		if (!uid_valid(sel->uid))
			return -EINVAL;
		sel->scope = MUTEX_SCOPE_UID;
		return 0;
	}
	if (!strcmp(val, "cgroup")) {
		sel->scope = MUTEX_SCOPE_CGROUP;
		return parse_cgroup(arg, sel);
	}
	return -EINVAL;
}

static int parse_name(const char *val, struct mutex_selector *sel)
{
	const char *c;

	if (strlen(val) >= sizeof(sel->name))
		return -EINVAL;
	/*
	 * Printable ASCII only: the kernel's isgraph() takes Latin-1 bytes
	 * 0xa1-0xff too, which would put invalid UTF-8 into netlink strings
	 * and alert messages.
	 */
	for (c = val; *c; c++)
		if (*c <= ' ' || *c >= 0x7f)
			return -EINVAL;
	strscpy(sel->name, val, sizeof(sel->name));
	return 0;
}

/*
 * Parse "key=value ..." into sel.  Keys: name, scope, proto, port, peer,
 * each at most once.  Returns -EINVAL on anything else.
 */
int mutex_selector_parse(const char *buf, struct mutex_selector *sel)
{
	static const char * const keys[] = {
		"name", "scope", "proto", "port", "peer",
	};
	char *copy, *cur, *tok;
	unsigned int seen = 0;
	int err = 0;

	copy = kstrdup(buf, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = strim(copy);
	if (!*cur)
		err = -EINVAL;
	while (!err && (tok = strsep(&cur, " \t")) != NULL) {
		char *val;
		int k;

		if (!*tok)
			continue;
		val = strchr(tok, '=');
		if (!val || !val[1]) {
			err = -EINVAL;
			break;
		}
		*val++ = '\0';
		k = match_string(keys, ARRAY_SIZE(keys), tok);
		if (k < 0 || (seen & BIT(k))) {
			err = -EINVAL;
			break;
		}
		seen |= BIT(k);
		switch (k) {
		case 0:
			err = parse_name(val, sel);
			break;
		case 1:
			err = parse_scope(val, sel);
			break;
		case 2:
			err = parse_protos(val, sel);
			break;
		case 3:
			err = parse_ports(val, sel);
			break;
		case 4:
			err = parse_peers(val, sel);
			break;
		}
	}
	kfree(copy);
	return err;
}

/*
 * The canonical text of sel as the calling task sees it (its pid, user and
 * cgroup namespaces).  Callable under rcu_read_lock().
 */
int mutex_selector_render(const struct mutex_selector *sel, char *buf,
			  size_t len)
{
	char *p = buf, *end = buf + len;
	int i;

	*p = '\0';
	if (sel->name[0])
		p += scnprintf(p, end - p, "name=%s ", sel->name);
	switch (sel->scope) {
	case MUTEX_SCOPE_PID:
		p += scnprintf(p, end - p, "scope=pid:%d",
			       pid_nr_ns(sel->pid, task_active_pid_ns(current)));
		break;
	case MUTEX_SCOPE_CGROUP:
		p += scnprintf(p, end - p, "scope=cgroup:");
		if (p < end - 1 &&
		    kernfs_path_from_node(sel->cgrp->kn, cgroupns_root()->kn,
					  p, end - p) > 0)
			p += strnlen(p, end - p);
		break;
	case MUTEX_SCOPE_UID:
		p += scnprintf(p, end - p, "scope=uid:%u",
			       from_kuid_munged(current_user_ns(), sel->uid));
		break;
	default:
		p += scnprintf(p, end - p, "scope=all");
	}
	if (sel->protos) {
		p += scnprintf(p, end - p, " proto=%s%s%s%s%s",
			       sel->protos & MUTEX_SEL_PROTO_TCP ? "tcp" : "",
			       (sel->protos & MUTEX_SEL_PROTO_TCP) &&
			       (sel->protos & ~MUTEX_SEL_PROTO_TCP) ? "," : "",
			       sel->protos & MUTEX_SEL_PROTO_UDP ? "udp" : "",
			       (sel->protos & MUTEX_SEL_PROTO_UDP) &&
			       (sel->protos & MUTEX_SEL_PROTO_ICMP) ? "," : "",
			       sel->protos & MUTEX_SEL_PROTO_ICMP ? "icmp" : "");
	}
	for (i = 0; i < sel->nports; i++) {
		const struct mutex_port_range *r = &sel->ports[i];

		p += scnprintf(p, end - p, "%s%u", i ? "," : " port=", r->lo);
		if (r->hi != r->lo)
			p += scnprintf(p, end - p, "-%u", r->hi);
	}
	for (i = 0; i < sel->npeers; i++) {
		const struct mutex_cidr *c = &sel->peers[i];

		if (c->family == AF_INET)
			p += scnprintf(p, end - p, "%s%pI4/%u", i ? "," : " peer=",
				       &c->addr.s6_addr32[0], c->prefix);
		else
			p += scnprintf(p, end - p, "%s%pI6c/%u", i ? "," : " peer=",
				       &c->addr, c->prefix);
	}
	return p - buf;
}

/* --- matching, at a flow's first packet --- */

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

/* The proto, port and peer filters; local is the local endpoint's index. */
bool mutex_selector_filters(const struct mutex_selector *sel,
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

/*
 * Whether the packet's socket is in the selector's scope.  A pid scope can
 * only be decided for a packet sent in task context (task_decides): then
 * current is the sender.
 */
bool mutex_selector_scope(const struct mutex_selector *sel, struct sock *sk,
			  bool task_decides)
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
		return task_decides && task_in_tree(sel->pid);
	}
	return false;
}

/*
 * How narrowly a selector picks its sockets: when several contexts match a
 * new flow, the narrowest owns it (a process tree inside a cgroup inside
 * "all"), and among equals the newest, so that `mutexctl fd run` next to a
 * broad context still sees its command's traffic.
 */
int mutex_selector_rank(const struct mutex_selector *sel)
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
