#!/bin/sh
# DKMS for real, in the guest (scripts/vm --no-module): dkms add, build and
# install kernel/ against the running kernel's headers, then modprobe mutex
# loads what DKMS installed and mutexctl answers over netlink with traffic
# counted; dkms remove cleans up. For a kernel of another Debian suite
# (MUTEX_VM_BUILDROOT, set by scripts/vm) dkms runs in that suite's build
# root, as on a host of that suite; for bookworm's, it is the host's dkms.
#
# Prints "dkms: ok <kernel> <dkms version>" and exits 0, or says what failed.
set -eu

fail() {
	echo "dkms: FAIL: $*" >&2
	exit 1
}
step() { echo "dkms: $*"; }

kver=$(uname -r)
project=$(cd "$(dirname "$0")/../.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$project/kernel/dkms.conf")
[ -n "$ver" ] || fail "no PACKAGE_VERSION in kernel/dkms.conf"
broot=${MUTEX_VM_BUILDROOT:-}

! grep -q '^mutex ' /proc/modules || fail "mutex is loaded before the test (run with --no-module)"

# /lib/modules/<kver> is the runner's read-only cache: give dkms a writable
# copy-on-write view of it.
mods=/lib/modules/$kver
mkdir -p /run/dkms-mods
mount -t tmpfs tmpfs /run/dkms-mods
mkdir -p /run/dkms-mods/upper /run/dkms-mods/work
mount -t overlay overlay \
	-o "lowerdir=$mods,upperdir=/run/dkms-mods/upper,workdir=/run/dkms-mods/work" "$mods"

if [ -n "$broot" ]; then
	root=$broot
	# The headers as the build root sees them.
	headers=$root/usr/src/linux-headers-$kver
	ln -sfn "/usr/src/linux-headers-$kver" "$mods/build"
	mkdir -p "$root/lib/modules/$kver"
	mount --bind "$mods" "$root/lib/modules/$kver"
	mount -t proc proc "$root/proc"
	mount --bind /dev "$root/dev"
	in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
else
	root=
	headers=$mods/build
	command -v dkms >/dev/null || fail "dkms is not installed (apt-get install dkms)"
	in_root() { "$@"; }
fi
[ -e "$headers/Makefile" ] || fail "no headers at $headers"

dkms_version=$(in_root dkms --version 2>&1 | head -n1)
step "$dkms_version in ${broot:+the build root of }$kver"

# The source tree as a package would ship it: kernel/ without build products.
src=$root/usr/src/mutex-$ver
rm -rf "$src"
mkdir -p "$src"
tar -C "$project/kernel" --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude=modules.order \
	--exclude=Module.symvers -cf - . | tar -C "$src" -xf -

in_root dkms add "mutex/$ver" || fail "dkms add"
in_root dkms build "mutex/$ver" -k "$kver" </dev/null >/run/dkms-build.log 2>&1 || {
	cat /run/dkms-build.log >&2
	find "$root/var/lib/dkms/mutex/$ver/build" -name make.log -exec cat {} + >&2 2>/dev/null || true
	fail "dkms build"
}
in_root dkms install "mutex/$ver" -k "$kver" || fail "dkms install"
status=$(in_root dkms status mutex) || fail "dkms status"
step "status: $status"
case $status in *installed*) ;; *) fail "dkms status does not say installed: $status" ;; esac

ko=$(find "$mods/updates" -name 'mutex.ko*' 2>/dev/null | head -n1)
[ -n "$ko" ] || fail "dkms install put no mutex.ko under $mods/updates"
# modprobe must take DKMS's file, and load it.
picked=$(modprobe --show-depends mutex | sed -n 's/^insmod \([^ ]*mutex\.ko[^ ]*\).*/\1/p')
[ "$picked" = "$ko" ] || fail "modprobe would load '$picked', not DKMS's $ko"
modprobe mutex || fail "modprobe mutex"
grep -q '^mutex ' /proc/modules || fail "mutex is not loaded after modprobe"
# The loaded module is DKMS's file (srcversion: a hash of its sources), of
# the version dkms.conf names.
[ "$(modinfo -F version "$ko")" = "$ver" ] || fail "$ko is not version $ver (MODULE_VERSION = dkms.conf's PACKAGE_VERSION)"
want=$(modinfo -F srcversion "$ko")
have=$(cat /sys/module/mutex/srcversion) || fail "no srcversion of the loaded module"
[ "$want" = "$have" ] || fail "the loaded module ($have) is not DKMS's $ko ($want)"
step "modprobe loaded $ko"

# mutexctl answers, and the module DKMS built counts real traffic.
mutexctl stats >/dev/null || fail "mutexctl stats"
# 10 UDP datagrams of 100 bytes over lo: 10 packets of 128 IP bytes each way.
# (fd run prints its report on stderr: CMD keeps stdout.)
json=$(mutexctl fd run --json --scope=all -- python3 -c '
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(("127.0.0.1", 0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(10):
    s.sendto(b"x" * 100, r.getsockname())
for _ in range(10):
    r.recv(200)
' 2>&1 >/dev/null) || fail "mutexctl fd run"
counted=$(printf '%s' "$json" | node -e '
const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
console.log([s.packets_sent, s.packets_received, s.bytes_sent, s.bytes_received].join(" "));')
[ "$counted" = "10 10 1280 1280" ] ||
	fail "packets sent/received, bytes sent/received: $counted, not 10 10 1280 1280"
step "counted 10 datagrams each way, 1280 bytes"

rmmod mutex || fail "rmmod mutex"
in_root dkms remove "mutex/$ver" --all || fail "dkms remove"
[ -z "$(find "$mods/updates" -name 'mutex.ko*' 2>/dev/null)" ] || fail "dkms remove left mutex.ko under $mods/updates"
! modinfo mutex >/dev/null 2>&1 || fail "modinfo still finds mutex after dkms remove"
status=$(in_root dkms status mutex) || fail "dkms status"
[ -z "$status" ] || fail "dkms status still lists mutex: $status"
step "ok $kver $dkms_version"
