#!/bin/sh
# Guest side of `npm run fuzz` / `npm run stress` (scripts/robustness): runs
# the attacks in order and stops at the first that fails.
# Usage: tools/fuzz/run.sh fuzz|stress [full|short] [SEED]
set -u
F=${MUTEXFUZZ:-.cache/fuzz/mutexfuzz}
mode=${1:?fuzz or stress}
level=${2:-full}
seed=${3:-$(date +%s)}
run() {
	echo "== $*"
	"$@" || exit 1
}
echo "kernel $(uname -r), $(nproc) CPUs, cmdline: $(cat /proc/cmdline)"
case $mode/$level in
fuzz/full)
	run "$F" nl 200000 "$seed"
	run "$F" pkt 100000 "$seed"
	run "$F" dev 20000 "$seed"
	;;
fuzz/short)
	run "$F" nl 20000 "$seed"
	run "$F" pkt 10000 "$seed"
	run "$F" dev 1500 "$seed"
	;;
stress/full)
	run "$F" priv
	run "$F" stress 60
	run "$F" flows 1000000 20000
	run "$F" storm 20 300
	run tools/fuzz/unload.sh 3
	;;
stress/short)
	run "$F" priv
	run "$F" stress 15
	run "$F" flows 40000 5000
	run "$F" storm 8 100
	run tools/fuzz/unload.sh 1
	;;
*)
	echo "usage: tools/fuzz/run.sh fuzz|stress [full|short] [SEED]" >&2
	exit 2
	;;
esac
echo "== $mode ($level): all passed"
