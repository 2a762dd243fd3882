#!/bin/sh
# shellcheck shell=dash
#
# PID 1 of the scripts/vm initramfs. Runs under busybox sh.
#
# Boot flow:
#   1. mount proc/sys/devtmpfs, load the modules listed in /modules.list
#      (virtio, 9p, overlay; dependency order was computed on the host), open
#      the virtio ports (klog, and out/err/hb in cmd mode) and start the
#      heartbeat (cmd mode)
#   2. mount the host's / read-only over virtio-9p and put a tmpfs overlay on
#      top, so the guest can write anywhere and every write is thrown away
#   3. mount the usual API filesystems inside that tree, bind the guest
#      kernel's /lib/modules/<kver> into it, bring up lo
#   4. insmod mutex.ko (busybox insmod: no 9p reads, fast), then in a new
#      mount namespace make the tree its root (as switch_root does: not a
#      chroot, so CMD may create user namespaces) and run
#      /run/mutex-vm/guest.sh there (CMD or an interactive shell)
#   5. kill leftovers, rmmod the module (to exercise its exit path), dump the
#      kernel log + exit marker on the klog port, power off.
#
# Per-run settings come from /vm.conf (a second cpio archive appended by the
# host for every run); nothing run-specific is on the kernel command line.
#
# File descriptors: 5 = klog port, 6 = CMD stdout port, 7 = CMD stderr port,
# 8 = heartbeat port. CMD gets none of them (only 6 and 7 as its stdout and
# stderr).

export PATH=/bin
R=/mnt/root     # the merged (overlay) root CMD runs in
D=/run/mutex-vm # per-run directory inside $R (on tmpfs)
KLOG_OPEN=

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Booted with loglevel=4 (errors only); from now on warnings reach the
# console too (WARN splats).
echo 5 >/proc/sys/kernel/printk

# shellcheck source=/dev/null
. /vm.conf

msg() { echo "mutex-vm: $*" >/dev/console; }

# VM_DEBUG=1 on the host: timestamps of the boot steps on the console.
step() {
	[ "${VM_DEBUG:-0}" = 1 ] || return 0
	read -r up _ </proc/uptime
	echo "mutex-vm: [$up] $*" >/dev/console
}
step "init started"

# Something in the VM plumbing broke: say so on the console (the host shows
# its tail if no exit marker arrives) and on CMD's stderr if that is open,
# and exit 125.
die() {
	msg "FATAL: $*"
	[ "$VM_MODE" = cmd ] && [ -e /proc/self/fd/7 ] && echo "vm: guest setup failed: $*" >&7
	finish 125
}

report() {
	echo "@@MUTEX_VM_TAINTED=$(cat /proc/sys/kernel/tainted)@@"
	echo "@@MUTEX_VM_DMESG_BEGIN@@"
	dmesg
	echo "@@MUTEX_VM_DMESG_END@@"
	echo "@@MUTEX_VM_EXIT=$1@@"
}

# Final report on the klog port (the console if that never opened), then
# power off. Never returns.
finish() {
	step "finishing, exit status $1"
	if [ -n "$KLOG_OPEN" ]; then
		report "$1" >&5 2>&1
	else
		report "$1" >/dev/console 2>&1
	fi
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 1000000
}

# Sets PORT_<name>=/dev/vportNpM for each virtio port, from
# /sys/class/virtio-ports/*/name. The host announces ports asynchronously
# after the driver probes: poll (up to 5 s) until those named in $1 exist.
find_ports() {
	i=0
	while [ $i -lt 250 ]; do
		for p in /sys/class/virtio-ports/*; do
			[ -r "$p/name" ] || continue
			read -r n <"$p/name"
			eval "PORT_$n=/dev/${p##*/}"
		done
		missing=
		for n in $1; do
			eval "[ -n \"\${PORT_$n:-}\" ]" || missing="$missing $n"
		done
		[ -z "$missing" ] && return 0
		usleep 20000
		i=$((i + 1))
	done
	die "virtio port(s) not found:$missing"
}

# Cmd mode: a line on the heartbeat port every 2 s (the host's
# HEARTBEAT_SECS), from a loop of its own that doesn't care what CMD does:
# the host takes a guest that stays silent for VM_HANG_SECS as hung. Out of
# the OOM killer's reach and at the highest priority, so that only a kernel
# that stopped scheduling it silences it.
heartbeat() {
	echo -1000 >/proc/self/oom_score_adj
	while :; do
		read -r up _ </proc/uptime
		echo "$up" >&8 || exit 0
		sleep 2
	done
}
start_heartbeat() {
	[ "$VM_MODE" = cmd ] || return 0
	heartbeat </dev/null >/dev/null 2>&1 5>&- 6>&- 7>&- &
	renice -n -20 -p $! >/dev/null 2>&1
}

# --- 1. modules, ports ----------------------------------------------------------
while read -r m; do
	[ -n "$m" ] || continue
	insmod "/modules/$m.ko" || msg "insmod $m failed"
done </modules.list
step "modules loaded"

# A virtio port can only be open()ed once: open each here, children inherit.
# (PORT_* are assigned by find_ports, through eval.)
# shellcheck disable=SC2154
if [ "$VM_MODE" = cmd ]; then
	find_ports "klog out err hb"
	exec 6>"$PORT_out" 7>"$PORT_err" 8>"$PORT_hb"
else
	find_ports klog
fi
# shellcheck disable=SC2154
exec 5>"$PORT_klog"
KLOG_OPEN=1
start_heartbeat
step "ports open"

# --- 2. root: host / (9p, read-only) + tmpfs overlay ----------------------------
mkdir -p /mnt/lower /mnt/rw "$R"
# cache=loose: the host tree is taken as unchanging while the VM runs, which
# makes repeated lookups and reads (node, python startup) much cheaper.
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose \
	hostroot /mnt/lower || die "mounting the host root over 9p failed"
mount -t tmpfs -o mode=0755 rw /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work \
	overlay "$R" || die "mounting the overlay root failed"
step "root mounted"

# --- 3. API filesystems inside the new root ---------------------------------------
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t devtmpfs devtmpfs "$R/dev"
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts "$R/dev/pts"
mount -t tmpfs -o mode=1777 shm "$R/dev/shm"
ln -sf /proc/self/fd "$R/dev/fd"
ln -sf /proc/self/fd/0 "$R/dev/stdin"
ln -sf /proc/self/fd/1 "$R/dev/stdout"
ln -sf /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o mode=1777 tmp "$R/tmp"
mount -t tmpfs -o mode=0755 run "$R/run"
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup" 2>/dev/null
mount -t debugfs debugfs "$R/sys/kernel/debug" 2>/dev/null
mount -t tracefs tracefs "$R/sys/kernel/tracing" 2>/dev/null
step "API filesystems mounted"

# The project tree normally comes through the overlay. If it lives under a
# directory just covered with tmpfs (/tmp, /run), give it its own overlay.
case "$VM_PROJECT/" in
/tmp/* | /run/*)
	mkdir -p /mnt/rw/proj/upper /mnt/rw/proj/work "$R$VM_PROJECT"
	mount -t overlay -o "lowerdir=/mnt/lower$VM_PROJECT,upperdir=/mnt/rw/proj/upper,workdir=/mnt/rw/proj/work" \
		overlay "$R$VM_PROJECT" || msg "could not expose $VM_PROJECT"
	;;
esac

# Guest kernel modules (extracted and depmod'ed on the host) -> /lib/modules,
# for modprobe inside the VM (sch_netem, veth, ...).
mkdir -p "$R/lib/modules/$VM_KVER"
mount -o bind "/mnt/lower$VM_MODS_HOST" "$R/lib/modules/$VM_KVER" ||
	msg "could not bind /lib/modules/$VM_KVER"

mkdir -p "$R$D/bin"
cp /vm.conf /vm.env /vm.cmd /guest.sh /bashrc "$R$D/"
# mutexctl -> bin/run.js, in case bin/ has no mutexctl of its own.
if [ -e "$R$VM_PROJECT/bin/run.js" ]; then
	ln -s "$VM_PROJECT/bin/run.js" "$R$D/bin/mutexctl"
fi

# Module autoloading (request_module: "ip link add type veth", tc, nft...)
# runs /proc/sys/kernel/modprobe in PID 1's root, i.e. this initramfs:
# forward to the real modprobe in the chroot.
cat >/bin/modprobe-chroot <<EOF
#!/bin/sh
exec /bin/chroot $R /sbin/modprobe "\$@"
EOF
chmod 0755 /bin/modprobe-chroot
echo /bin/modprobe-chroot >/proc/sys/kernel/modprobe

ip link set lo up
hostname mutex-vm
step "lo up"

# --- 4. module under test, then CMD / shell -----------------------------------
# Cmd mode: a module that doesn't load fails the run. Shell mode: say so and
# carry on, the shell is there to debug it.
ko_failed() {
	if [ "$VM_MODE" = cmd ]; then
		echo "vm: $*" >&7
		finish 125
	fi
	echo "vm: $*" >/dev/ttyS0
}
if [ -n "$VM_KO_FILE" ]; then
	# A copy for the chroot (modinfo, rmmod+insmod by hand in a shell...).
	cp "/ko/$VM_KO_FILE" "$R$D/"
	# Its in-tree dependencies, in load order (resolved on the host).
	while read -r m; do
		[ -n "$m" ] || continue
		insmod "/deps/$m.ko" 2>/tmp/insmod.err ||
			ko_failed "insmod $m (needed by $VM_KO_FILE) failed: $(cat /tmp/insmod.err)"
	done </deps.list
	# VM_KO_ARGS is intentionally word-split: "a=1 b=2".
	# shellcheck disable=SC2086
	if ! insmod "/ko/$VM_KO_FILE" $VM_KO_ARGS 2>/tmp/insmod.err; then
		ko_failed "insmod $VM_KO_FILE failed: $(cat /tmp/insmod.err)"
	fi
	step "module loaded"
fi

# guest.sh runs in a mount namespace of its own whose root is $R, entered
# the way switch_root does it: move $R onto / and chroot to it. A plain
# chroot into $R would leave CMD chrooted, and the kernel refuses user
# namespaces to chrooted processes (create_user_ns(): EPERM for
# "unshare -Ur"); here its root is the top of its namespace's root. PID 1
# stays in the initramfs namespace, for the teardown below. (busybox sh,
# mount and chroot: $0 is $R.) env -i: CMD gets only what the host put in
# vm.env, not init's environment (which has kernel command line leftovers).
# shellcheck disable=SC2016
ENTER_ROOT='cd "$0" && mount -o move . / && exec env -i chroot . "$@"'
step "running guest.sh"
if [ "$VM_MODE" = cmd ]; then
	unshare -m /bin/sh -c "$ENTER_ROOT" "$R" /bin/sh "$D/guest.sh" \
		</dev/null >&6 2>&7 5>&- 6>&- 7>&- 8>&-
	rc=$?
else
	# setsid -c: new session with ttyS0 as controlling tty, so ^C reaches the
	# shell's foreground job. (/dev/console cannot be a controlling tty.)
	setsid -c unshare -m /bin/sh -c "$ENTER_ROOT" "$R" /bin/sh "$D/guest.sh" \
		</dev/ttyS0 >/dev/ttyS0 2>&1 5>&-
	rc=$?
fi
step "guest.sh exited"

# --- 5. teardown -----------------------------------------------------------------
# Leftover background processes may hold references to the module. (That
# takes the heartbeat too: start it again.)
kill -KILL -1 2>/dev/null
start_heartbeat
if [ -n "$VM_KO_NAME" ] && [ "$VM_RMMOD" = 1 ] && [ -d "/sys/module/$VM_KO_NAME" ]; then
	i=0
	until rmmod "$VM_KO_NAME" 2>/tmp/rmmod.err; do
		i=$((i + 1))
		if [ $i -ge 20 ]; then
			w="vm: warning: rmmod $VM_KO_NAME failed: $(cat /tmp/rmmod.err)"
			w="$w (refcnt $(cat "/sys/module/$VM_KO_NAME/refcnt" 2>/dev/null))"
			if [ "$VM_MODE" = cmd ]; then echo "$w" >&7; else echo "$w" >/dev/ttyS0; fi
			break
		fi
		usleep 100000
	done
fi
finish "$rc"
