#!/bin/bash
# The README's first command on a fresh machine, as far as one can be made
# on this one: a fresh clone (no node_modules, no dist/, no .cache/), apt
# lists that predate bookworm's updates and security suites (no
# linux-headers-6.12-amd64 known) and the 6.12 headers meta package not
# installed. Then `npm ci && npm run demo` must install what it needs by
# itself and show real traffic. Root only. It runs in a mount namespace of
# its own, chrooted into an overlay of the host's root whose upper layer is
# a tmpfs: whatever apt, dpkg, npm and the runner write goes there and is
# gone at the end; the host's files, apt and dpkg state stay as they are.
set -euo pipefail

say() { echo "fresh-machine: $*"; }
fail() {
	say "FAIL: $*" >&2
	exit 1
}
[[ $EUID == 0 ]] || fail "needs root"

case ${1:-} in
'')
	exec unshare -m --propagation private -- "$0" --namespace
	;;
--namespace)
	project=$(cd "$(dirname "$0")/.." && pwd)
	t=$(mktemp -d /tmp/mutex-fresh.XXXXXX)
	mount -t tmpfs -o size=8G tmpfs "$t"
	mkdir "$t/upper" "$t/work" "$t/root"
	mount -t overlay overlay -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$t/root"
	mount -t proc proc "$t/root/proc"
	mount --rbind /sys "$t/root/sys"
	mount --rbind /dev "$t/root/dev"
	mount -t tmpfs tmpfs "$t/root/tmp"
	mount -t tmpfs tmpfs "$t/root/run"
	cp /etc/resolv.conf "$t/root/etc/resolv.conf" 2>/dev/null || true
	rc=0
	chroot "$t/root" /bin/bash -c 'cd "$1" && exec "$2" --inside' _ "$project" "$project/test/fresh-machine.sh" || rc=$?
	if ((rc != 0)); then
		mkdir -p /tmp/mutex-fresh-logs
		cp "$t/root/tmp/"*.log /tmp/mutex-fresh-logs/ 2>/dev/null || true
		say "logs kept in /tmp/mutex-fresh-logs"
	fi
	exit "$rc"
	;;
--inside) ;;
*) fail "usage: $0" ;;
esac

# In the chroot: stale apt lists, and no meta package in dpkg's database.
project=$PWD
eval "$(apt-config shell lists Dir::State::Lists/d)"
rm -f "${lists%/}/"*bookworm-updates* "${lists%/}/"*security*
rm -f /var/cache/apt/*.bin
eval "$(apt-config shell status Dir::State::status)"
python3 - "$status" <<'EOF'
import sys
path = sys.argv[1]
stanzas = open(path).read().split('\n\n')
kept = [s for s in stanzas if not s.startswith('Package: linux-headers-6.12-amd64\n')]
assert len(kept) == len(stanzas) - 1, 'linux-headers-6.12-amd64 was not installed'
open(path, 'w').write('\n\n'.join(kept))
EOF
if apt-cache policy linux-headers-6.12-amd64 2>/dev/null | grep -q 'Candidate: [0-9]'; then
	fail "the stale lists still know linux-headers-6.12-amd64"
fi
say "stale apt lists, linux-headers-6.12-amd64 unknown and not installed"

git clone -q "$project" /tmp/clone
cd /tmp/clone
say "fresh clone of $(git rev-parse --short HEAD)"
npm ci --no-audit --no-fund >/tmp/npm-ci.log 2>&1 || {
	cat /tmp/npm-ci.log >&2
	fail "npm ci"
}
npm run demo >/tmp/demo.log 2>&1 || {
	tail -n 60 /tmp/demo.log >&2
	fail "npm run demo"
}
grep -q 'apt has no candidate for linux-headers-6.12-amd64: running apt-get update' /tmp/demo.log ||
	fail "the runner did not notice the stale lists (demo log: no apt-get update)"
dpkg-query -W -f='${db:Status-Status}' linux-headers-6.12-amd64 | grep -q '^installed$' ||
	fail "linux-headers-6.12-amd64 is not installed after the demo"
# The demo's own output, with real figures in it.
grep -Eq '^mutex_fd_sent_bytes.* [1-9][0-9]*$' /tmp/demo.log ||
	fail "the demo's export shows no bytes sent"
say "ok: npm ci && npm run demo on a fresh clone with stale apt lists ($(grep -c . /tmp/demo.log) lines of demo output)"
