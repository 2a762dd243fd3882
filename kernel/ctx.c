// SPDX-License-Identifier: GPL-2.0
/*
 * Proxy contexts ("fds"): each open() of /dev/mutex creates one.  write()
 * replaces its selector atomically, read() reports it as text, and the last
 * close destroys it together with its flows.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/miscdevice.h>
#include <linux/moduleparam.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mutex.h"

/*
 * Ids are never reused while the module is loaded, and 0 means "none": past
 * U32_MAX, open() fails with ENOSPC rather than wrap.
 */
static atomic64_t ctx_next_id = ATOMIC64_INIT(0);

/* last_ctx_id: the last id given out; it can only be moved up (for tests). */
static int last_ctx_id_set(const char *val, const struct kernel_param *kp)
{
	s64 old = atomic64_read(&ctx_next_id);
	u64 id;
	int err;

	err = kstrtou64(val, 0, &id);
	if (err)
		return err;
	do {
		if (id < old || id > U32_MAX)
			return -EINVAL;
	} while (!atomic64_try_cmpxchg(&ctx_next_id, &old, id));
	return 0;
}

static int last_ctx_id_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&ctx_next_id));
}

static const struct kernel_param_ops last_ctx_id_ops = {
	.set	= last_ctx_id_set,
	.get	= last_ctx_id_get,
};

module_param_cb(last_ctx_id, &last_ctx_id_ops, NULL, 0600);
MODULE_PARM_DESC(last_ctx_id, "id of the last context created; may only be raised");

#define MUTEX_SEL_WRITE_MAX	4096

static void selector_free_rcu(struct rcu_head *head)
{
	mutex_selector_free(container_of(head, struct mutex_selector, rcu));
}

/* Caller holds rcu_read_lock() or mutex_ctx_lock. */
struct mutex_ctx *mutex_ctx_find(struct mutex_net *mn, u32 id)
{
	struct mutex_ctx *ctx;

	if (!mn)
		return NULL;
	list_for_each_entry_rcu(ctx, &mn->ctxs, node,
				lockdep_is_held(&mutex_ctx_lock))
		if (ctx->id == id)
			return ctx;
	return NULL;
}

static void ctx_free(struct mutex_ctx *ctx)
{
	mutex_selector_free(rcu_dereference_protected(ctx->sel, true));
	free_percpu(ctx->pcpu);
	kfree(ctx->drop_reasons);
	put_pid(ctx->owner_pid);
	mem_cgroup_put(ctx->memcg);
	if (ctx->net)
		put_net(ctx->net);
	kfree(ctx);
}

static void ctx_free_rcu(struct rcu_head *head)
{
	ctx_free(container_of(head, struct mutex_ctx, rcu));
}

static struct mutex_ctx *ctx_alloc(void)
{
	struct mutex_selector *sel;
	struct mutex_ctx *ctx;
	int i;

	/* Charged to the opener's memory cgroup, like its other files. */
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return NULL;
	sel = kzalloc(sizeof(*sel), GFP_KERNEL_ACCOUNT);
	ctx->pcpu = alloc_percpu_gfp(struct mutex_ctx_pcpu, GFP_KERNEL_ACCOUNT);
	ctx->drop_reasons = kcalloc(MUTEX_DROP_SLOTS, sizeof(atomic64_t),
				    GFP_KERNEL_ACCOUNT);
	if (!sel || !ctx->pcpu || !ctx->drop_reasons) {
		kfree(sel);
		free_percpu(ctx->pcpu);
		kfree(ctx->drop_reasons);
		kfree(ctx);
		return NULL;
	}
	for_each_possible_cpu(i)
		u64_stats_init(&per_cpu_ptr(ctx->pcpu, i)->syncp);
	sel->scope = MUTEX_SCOPE_PID;
	sel->pid = get_pid(task_tgid(current));
	RCU_INIT_POINTER(ctx->sel, sel);
	ctx->owner_pid = get_pid(task_tgid(current));
	ctx->owner_uid = current_uid();
	get_task_comm(ctx->owner_comm, current);
	ctx->memcg = get_mem_cgroup_from_mm(current->mm);
	ctx->created_real_ns = ktime_get_real_ns();
	ctx->created_mono_ns = ktime_get_ns();
	atomic64_set(&ctx->rtt_min_us, U64_MAX);
	spin_lock_init(&ctx->rates_lock);
	return ctx;
}

/*
 * A context came, went or changed its selector (NULL: none): the socket
 * cache's answers are stale, and the count of pid scopes moves.  Caller
 * holds mutex_ctx_lock.
 */
static void ctx_scope_changed(struct mutex_net *mn,
			      const struct mutex_selector *old,
			      const struct mutex_selector *new)
{
	unsigned int pid_scopes = mn->pid_scopes;

	if (old && old->scope == MUTEX_SCOPE_PID)
		pid_scopes--;
	if (new && new->scope == MUTEX_SCOPE_PID)
		pid_scopes++;
	WRITE_ONCE(mn->pid_scopes, pid_scopes);
	mutex_sk_cache_stale(mn, 0);
	mutex_sk_cache_stale(mn, 1);
}

static int mutex_dev_open(struct inode *inode, struct file *file)
{
	struct net *net = current->nsproxy->net_ns;
	struct mutex_net *mn;
	struct mutex_ctx *ctx;
	u64 id;
	int err;

	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	ctx = ctx_alloc();
	if (!ctx)
		return -ENOMEM;

	mutex_lock(&mutex_ctx_lock);
	mn = mutex_pernet_create(net);
	if (!mn) {
		err = -ENOMEM;
		goto err_unlock;
	}
	id = atomic64_inc_return(&ctx_next_id);
	if (id > U32_MAX) {
		atomic64_dec(&ctx_next_id);
		err = -ENOSPC;
		goto err_unlock;
	}
	/* Failing here leaves a gap in the ids: they never go back. */
	err = mutex_net_ctx_added(mn);
	if (err)
		goto err_unlock;
	ctx->id = id;
	ctx->net = get_net(net);
	ctx->mn = mn;
	list_add_tail_rcu(&ctx->node, &mn->ctxs);
	mn->fds_total++;
	WRITE_ONCE(mn->ctx_gen, mn->ctx_gen + 1);
	ctx_scope_changed(mn, NULL, rcu_dereference_protected(ctx->sel,
				lockdep_is_held(&mutex_ctx_lock)));
	mutex_unlock(&mutex_ctx_lock);

	file->private_data = ctx;
	return 0;

err_unlock:
	mutex_unlock(&mutex_ctx_lock);
	ctx_free(ctx);
	return err;
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
	ctx_scope_changed(ctx->mn, rcu_dereference_protected(ctx->sel,
				lockdep_is_held(&mutex_ctx_lock)), NULL);
	mutex_ctx_totals(ctx, &t);
	mutex_totals_add(&ctx->mn->dead, &t);
	mutex_net_ctx_removed(ctx->mn);
	mutex_unlock(&mutex_ctx_lock);

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
	ctx_scope_changed(ctx->mn, old, sel);
	mutex_unlock(&mutex_ctx_lock);
	call_rcu(&old->rcu, selector_free_rcu);
	return len;
}

/* "id N", the selector in the reader's namespaces, then name/value lines. */
static int dev_text(struct mutex_ctx *ctx, char *buf, size_t size)
{
	struct mutex_totals totals, *t = &totals;
	int n;

	mutex_lock(&mutex_ctx_lock);
	mutex_ctx_totals(ctx, t);
	n = scnprintf(buf, size, "id %u\nselector ", ctx->id);
	n += mutex_selector_render(rcu_dereference_protected(ctx->sel,
					lockdep_is_held(&mutex_ctx_lock)),
				   buf + n, size - n);
	mutex_unlock(&mutex_ctx_lock);
	n += scnprintf(buf + n, size - n, "\n");
	return n + mutex_fd_text(buf + n, size - n, ctx, t);
}

static ssize_t mutex_dev_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct mutex_ctx *ctx = file->private_data;
	char *buf;
	ssize_t ret;
	int n;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	n = dev_text(ctx, buf, PAGE_SIZE);
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
}
