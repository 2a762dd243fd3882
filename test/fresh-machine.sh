#!/bin/bash
# The README's first command on a fresh machine, as far as one can be made
# on this one: a fresh clone (no node_modules, no dist/, no .cache/), apt
# lists that predate bookworm's updates suite (no linux-headers-6.12-amd64
# known) and the 6.12 headers meta package not installed. Then
# `npm ci && npm run demo` must install what it needs by itself and show
# real traffic. Root only; runs in a mount namespace of its own, over
# private copies of apt's lists and dpkg's database, so the host's stay as
# they are (the package files apt installs are the ones already there).
set -euo pipefail

[[ $EUID == 0 ]] || {
	echo "fresh-machine: needs root" >&2
	exit 1
}
if [[ ${1:-} != --inside ]]; then
	exec unshare -m --propagation private -- "$0" --inside
fi

project=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/mutex-fresh.XXXXXX)
keep=0
trap '((keep)) || rm -rf "$work"' EXIT
say() { echo "fresh-machine: $*"; }
fail() {
	keep=1
	say "FAIL: $* (logs kept in $work)" >&2
	exit 1
}

# Stale lists: from before bookworm's updates and security suites carried
# 6.12, so apt knows no linux-headers-6.12-amd64.
eval "$(apt-config shell lists Dir::State::Lists/d)"
mkdir -p "$work/lists"
cp -a "${lists%/}/." "$work/lists/"
rm -f "$work/lists/"*bookworm-updates* "$work/lists/"*security*
mount --bind "$work/lists" "${lists%/}"
# dpkg's database, without the meta package (its dependencies stay).
eval "$(apt-config shell admin Dir::State::status)"
dpkgdir=$(dirname "$admin")
mkdir -p "$work/dpkg"
cp -a "$dpkgdir/." "$work/dpkg/"
python3 - "$work/dpkg/status" <<'EOF'
import sys
path = sys.argv[1]
stanzas = open(path).read().split('\n\n')
kept = [s for s in stanzas if not s.startswith('Package: linux-headers-6.12-amd64\n')]
assert len(kept) == len(stanzas) - 1, 'linux-headers-6.12-amd64 was not installed'
open(path, 'w').write('\n\n'.join(kept))
EOF
mount --bind "$work/dpkg" "$dpkgdir"
if apt-cache policy linux-headers-6.12-amd64 2>/dev/null | grep -q 'Candidate: [0-9]'; then
	fail "the stale lists still know linux-headers-6.12-amd64"
fi
say "stale apt lists, linux-headers-6.12-amd64 unknown and not installed"

git clone -q "$project" "$work/clone"
cd "$work/clone"
say "fresh clone of $(git rev-parse --short HEAD) in $work/clone"
npm ci --no-audit --no-fund >"$work/npm-ci.log" 2>&1 || {
	cat "$work/npm-ci.log" >&2
	fail "npm ci"
}
npm run demo >"$work/demo.log" 2>&1 || {
	tail -n 60 "$work/demo.log" >&2
	fail "npm run demo"
}
grep -q 'apt has no candidate for linux-headers-6.12-amd64: running apt-get update' "$work/demo.log" ||
	fail "the runner did not notice the stale lists (demo log: no apt-get update)"
dpkg-query -W -f='${db:Status-Status}' linux-headers-6.12-amd64 | grep -q '^installed$' ||
	fail "linux-headers-6.12-amd64 is not installed after the demo"
# The demo's own output, with real figures in it.
grep -Eq '^mutex_fd_sent_bytes.* [1-9][0-9]*$' "$work/demo.log" ||
	fail "the demo's export shows no bytes sent"
say "ok: npm ci && npm run demo on a fresh clone with stale apt lists ($(grep -c . "$work/demo.log") lines of demo output)"
