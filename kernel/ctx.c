// SPDX-License-Identifier: GPL-2.0
/*
 * Proxy contexts ("fds"): each open() of /dev/mutex creates one.  write()
 * replaces its selector atomically, read() reports it as text, and the last
 * close destroys it together with its flows.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/ctype.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>

#include "mutex.h"

DEFINE_MUTEX(mutex_ctx_lock);
/*
 * On while any context is open.  Turning it off is deferred by a second, so a
 * program that opens and closes its only context in a loop does not re-patch
 * the hook sites (text_poke_bp: IPIs to every CPU) on every close.
 */
DEFINE_STATIC_KEY_DEFERRED_FALSE(mutex_active, HZ);
static atomic_t ctx_next_id = ATOMIC_INIT(0);

#define MUTEX_SEL_WRITE_MAX	4096

void mutex_selector_free(struct mutex_selector *sel)
{
	if (!sel)
		return;
	put_pid(sel->pid);
	if (sel->cgrp)
		cgroup_put(sel->cgrp);
	kfree(sel);
}

static void selector_free_rcu(struct rcu_head *head)
{
	mutex_selector_free(container_of(head, struct mutex_selector, rcu));
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

/* cgroup v2 path, absolute in the hierarchy or under /sys/fs/cgroup. */
static int parse_cgroup(const char *path, struct mutex_selector *sel)
{
	static const char mnt[] = "/sys/fs/cgroup";
	struct cgroup *cgrp;

	if (path[0] != '/')
		return -EINVAL;
	if (!strncmp(path, mnt, sizeof(mnt) - 1) &&
	    (path[sizeof(mnt) - 1] == '/' || path[sizeof(mnt) - 1] == '\0'))
		path += sizeof(mnt) - 1;
	cgrp = cgroup_get_from_path(*path ? path : "/");
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

static void selector_render(struct mutex_selector *sel)
{
	char *p = sel->text, *end = sel->text + sizeof(sel->text);
	int i;

	if (sel->name[0])
		p += scnprintf(p, end - p, "name=%s ", sel->name);
	switch (sel->scope) {
	case MUTEX_SCOPE_PID:
		p += scnprintf(p, end - p, "scope=pid:%d", pid_vnr(sel->pid));
		break;
	case MUTEX_SCOPE_CGROUP:
		p += scnprintf(p, end - p, "scope=cgroup:");
		if (p < end - 1) {
			int n = cgroup_path(sel->cgrp, p, end - p);

			if (n > 0)
				p += strnlen(p, end - p);
		}
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
}

/*
 * Parse "key=value ..." into sel.  Keys: name, scope, proto, port, peer,
 * each at most once.  Returns -EINVAL on anything else.
 */
int mutex_selector_parse(const char *buf, struct mutex_selector *sel)
{
	char *copy, *cur, *tok;
	unsigned int seen = 0;
	int err = 0;

	copy = kstrdup(buf, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = strim(copy);
	if (!*cur) {
		err = -EINVAL;
		goto out;
	}
	while ((tok = strsep(&cur, " \t")) != NULL) {
		static const char * const keys[] = {
			"name", "scope", "proto", "port", "peer",
		};
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
			if (strlen(val) >= sizeof(sel->name)) {
				err = -EINVAL;
				break;
			}
			/*
			 * Printable ASCII only: the kernel's isgraph() takes
			 * Latin-1 bytes 0xa1-0xff too, which would put invalid
			 * UTF-8 into netlink strings and alert messages.
			 */
			for (tok = val; *tok; tok++)
				if (*tok <= ' ' || *tok >= 0x7f)
					err = -EINVAL;
			strscpy(sel->name, val, sizeof(sel->name));
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
		if (err)
			break;
	}
	if (!err)
		selector_render(sel);
out:
	kfree(copy);
	return err;
}

/* Caller holds rcu_read_lock() or mutex_ctx_lock. */
struct mutex_ctx *mutex_ctx_find(struct mutex_net *mn, u32 id)
{
	struct mutex_ctx *ctx;

	list_for_each_entry_rcu(ctx, &mn->ctxs, node,
				lockdep_is_held(&mutex_ctx_lock))
		if (ctx->id == id)
			return ctx;
	return NULL;
}

static void ctx_free_rcu(struct rcu_head *head)
{
	struct mutex_ctx *ctx = container_of(head, struct mutex_ctx, rcu);

	mutex_selector_free(rcu_dereference_protected(ctx->sel, true));
	free_percpu(ctx->pcpu);
	put_pid(ctx->owner_pid);
	put_net(ctx->net);
	kfree(ctx);
}

static int mutex_dev_open(struct inode *inode, struct file *file)
{
	struct net *net = current->nsproxy->net_ns;
	struct mutex_selector *sel;
	struct mutex_ctx *ctx;
	struct mutex_net *mn;
	int i;

	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;

	/* Charged to the opener's memory cgroup, like its other files. */
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	sel = kzalloc(sizeof(*sel), GFP_KERNEL_ACCOUNT);
	if (!ctx || !sel)
		goto err_nomem;
	ctx->pcpu = alloc_percpu_gfp(struct mutex_ctx_pcpu, GFP_KERNEL_ACCOUNT);
	if (!ctx->pcpu)
		goto err_nomem;
	for_each_possible_cpu(i)
		u64_stats_init(&per_cpu_ptr(ctx->pcpu, i)->syncp);

	sel->scope = MUTEX_SCOPE_PID;
	sel->pid = get_pid(task_tgid(current));
	selector_render(sel);
	RCU_INIT_POINTER(ctx->sel, sel);

	ctx->net = get_net(net);
	mn = mutex_pernet(net);
	ctx->mn = mn;
	ctx->owner_pid = get_pid(task_tgid(current));
	ctx->owner_tgid = task_tgid_vnr(current);
	ctx->owner_uid = current_uid();
	get_task_comm(ctx->owner_comm, current);
	ctx->created_real_ns = ktime_get_real_ns();
	ctx->created_mono_ns = ktime_get_ns();
	atomic64_set(&ctx->rtt_min_us, U64_MAX);

	mutex_lock(&mutex_ctx_lock);
	ctx->id = atomic_inc_return(&ctx_next_id);
	list_add_tail_rcu(&ctx->node, &mn->ctxs);
	mn->fds_total++;
	WRITE_ONCE(mn->ctx_gen, mn->ctx_gen + 1);
	mutex_unlock(&mutex_ctx_lock);
	static_branch_deferred_inc(&mutex_active);

	file->private_data = ctx;
	return 0;

err_nomem:
	if (ctx)
		free_percpu(ctx->pcpu);
	kfree(sel);
	kfree(ctx);
	return -ENOMEM;
}

static int mutex_dev_release(struct inode *inode, struct file *file)
{
	struct mutex_ctx *ctx = file->private_data;
	struct mutex_totals t;

	/*
	 * No new flows from here (the hooks skip dead contexts, and inserts
	 * check it under the bucket lock); then the flows go, then packets
	 * already past a lookup finish counting.  Only then does the context
	 * leave the list, in the same critical section that moves its totals
	 * to the netns, so global totals never go backwards.
	 */
	WRITE_ONCE(ctx->dead, true);
	mutex_flow_flush_ctx(ctx);
	synchronize_rcu();

	mutex_lock(&mutex_ctx_lock);
	list_del_rcu(&ctx->node);
	WRITE_ONCE(ctx->mn->ctx_gen, ctx->mn->ctx_gen + 1);
	mutex_ctx_totals(ctx, &t);
	mutex_totals_add(&ctx->mn->dead, &t);
	mutex_unlock(&mutex_ctx_lock);

	static_branch_slow_dec_deferred(&mutex_active);
	call_rcu(&ctx->rcu, ctx_free_rcu);
	return 0;
}

static ssize_t mutex_dev_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct mutex_ctx *ctx = file->private_data;
	struct mutex_selector *sel, *old;
	char *buf;
	int err;

	if (len == 0 || len >= MUTEX_SEL_WRITE_MAX)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (strlen(buf) != len) {	/* embedded NUL */
		kfree(buf);
		return -EINVAL;
	}
	sel = kzalloc(sizeof(*sel), GFP_KERNEL_ACCOUNT);
	if (!sel) {
		kfree(buf);
		return -ENOMEM;
	}
	/* Default scope when the selector names none: the opener's tree. */
	sel->scope = MUTEX_SCOPE_PID;
	sel->pid = get_pid(ctx->owner_pid);
	err = mutex_selector_parse(buf, sel);
	kfree(buf);
	if (err) {
		mutex_selector_free(sel);
		return err;
	}

	mutex_lock(&mutex_ctx_lock);
	old = rcu_replace_pointer(ctx->sel, sel, lockdep_is_held(&mutex_ctx_lock));
	mutex_unlock(&mutex_ctx_lock);
	call_rcu(&old->rcu, selector_free_rcu);
	return len;
}

static ssize_t mutex_dev_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct mutex_ctx *ctx = file->private_data;
	struct mutex_totals t;
	size_t size = PAGE_SIZE;
	ssize_t ret;
	char *buf;
	int n = 0;

	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&mutex_ctx_lock);
	mutex_ctx_totals(ctx, &t);
	n += scnprintf(buf + n, size - n, "id %u\nselector %s\n", ctx->id,
		       rcu_dereference_protected(ctx->sel,
				lockdep_is_held(&mutex_ctx_lock))->text);
	mutex_unlock(&mutex_ctx_lock);
	n += scnprintf(buf + n, size - n,
		       "conns_active %lld\nconns_total %llu\n"
		       "bytes_sent %llu\nbytes_received %llu\n"
		       "packets_sent %llu\npackets_received %llu\n"
		       "retransmits %llu\nerrors %llu\ndrops %llu\n"
		       "rtt_samples %llu\nrtt_sum_us %llu\n"
		       "rtt_min_us %llu\nrtt_max_us %llu\n",
		       atomic64_read(&ctx->conns_active), t.conns_total,
		       t.bytes[MUTEX_DIR_SENT], t.bytes[MUTEX_DIR_RECV],
		       t.packets[MUTEX_DIR_SENT], t.packets[MUTEX_DIR_RECV],
		       t.retransmits, t.errors, t.drops, t.rtt_samples,
		       t.rtt_sum_us, t.rtt_min_us, t.rtt_max_us);
	ret = simple_read_from_buffer(ubuf, len, ppos, buf, n);
	kfree(buf);
	return ret;
}

static const struct file_operations mutex_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= mutex_dev_open,
	.release	= mutex_dev_release,
	.read		= mutex_dev_read,
	.write		= mutex_dev_write,
	.llseek		= default_llseek,
};

static struct miscdevice mutex_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mutex",
	.fops	= &mutex_dev_fops,
	.mode	= 0666,
};

int __init mutex_dev_init(void)
{
	return misc_register(&mutex_miscdev);
}

void mutex_dev_exit(void)
{
	misc_deregister(&mutex_miscdev);
	/* A last close may have left the key's switch-off queued. */
	static_key_deferred_flush(&mutex_active);
}
