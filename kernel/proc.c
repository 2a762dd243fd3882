// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/mutex/stats: the global statistics of the reader's network
 * namespace as text, one "name value" pair per line.
 */
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/sched.h>

#include "mutex.h"

static struct proc_dir_entry *mutex_proc_dir;

static int mutex_proc_stats_show(struct seq_file *m, void *v)
{
	struct mutex_stats s;

	mutex_stats_snapshot(m->private, &s);
	mutex_show_stats(m, &s);
	return 0;
}

static int mutex_proc_stats_open(struct inode *inode, struct file *file)
{
	struct net *net = get_net(current->nsproxy->net_ns);
	int err;

	err = single_open(file, mutex_proc_stats_show, net);
	if (err)
		put_net(net);
	return err;
}

static int mutex_proc_stats_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	put_net(m->private);
	return single_release(inode, file);
}

static const struct proc_ops mutex_proc_stats_ops = {
	.proc_open	= mutex_proc_stats_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= mutex_proc_stats_release,
};

int __init mutex_proc_init(void)
{
	mutex_proc_dir = proc_mkdir("mutex", NULL);
	if (!mutex_proc_dir)
		return -ENOMEM;
	if (!proc_create("stats", 0444, mutex_proc_dir, &mutex_proc_stats_ops)) {
		proc_remove(mutex_proc_dir);
		return -ENOMEM;
	}
	return 0;
}

void mutex_proc_exit(void)
{
	proc_remove(mutex_proc_dir);
}
