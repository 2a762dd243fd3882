#!/bin/sh
# shellcheck shell=dash
#
# Second stage of scripts/vm: runs with the guest's root tree (host root +
# tmpfs overlay) as the root of its own mount namespace (not a chroot: user
# namespaces work), under the host's /bin/sh, with an empty environment,
# after init has loaded the module. Runs CMD (cmd mode) or an interactive
# shell.
#
# Files in $D, written by the host for this run:
#   vm.conf  VM_* settings (shell assignments, not exported)
#   vm.env   environment for CMD (export NAME='value' lines)
#   vm.cmd   VM_CMD='<CMD as one sh-quoted string>'

D=/run/mutex-vm

# shellcheck source=/dev/null
. "$D/vm.conf"
# shellcheck source=/dev/null
. "$D/vm.cmd"
# shellcheck source=/dev/null
. "$D/vm.env"

cd "$VM_PROJECT" || exit 125

if [ "$VM_MODE" = cmd ]; then
	exec sh -c "$VM_CMD"
fi

# Interactive: the serial line doesn't know the terminal size.
if [ -n "$VM_ROWS" ]; then
	stty rows "$VM_ROWS" cols "$VM_COLS" 2>/dev/null
fi
echo "mutex VM: kernel $(uname -r). Exit the shell to power off (or Ctrl-A X)."
# Our own rc file, not ~/.bashrc: keeps PATH (project bin first) and startup
# time predictable.
if command -v bash >/dev/null 2>&1; then
	exec bash --rcfile "$D/bashrc" -i
fi
PS1='(vm) # ' exec sh -i
