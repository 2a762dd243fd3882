#!/usr/bin/python3
"""Reviewer's reproducer (one VM run, 6.12): figures and leaks found by reading.

R1  conn-get needs no privilege: an unprivileged reader sees pid+comm of a
    root process's flow, and --process NAME works for it.
R2  fd-get: a reader in another pid namespace gets owner_tgid 0 but the
    owner's comm.
R3  socket cache: cached "none" answers count unmatched but no lookups_miss;
    cached flow answers count lookups_hit without a lookup.
R4  memory_bytes counts every flow at the IPv4 object size (IPv6 in its own,
    larger cache).
R5  pid reuse: a flow whose sender exited is attributed to an unrelated
    process that got the same pid.
"""
import json
import os
import socket
import subprocess
import sys
import time
import ctypes
import functools

print = functools.partial(print, flush=True)  # noqa: A001 (the VM streams stdout)

CLI = ['node', '/work/main/bin/run.js']
libc = ctypes.CDLL(None)


def setname(name):
    libc.prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME


def cli(*args, pre=()):
    out = subprocess.run(list(pre) + CLI + list(args), capture_output=True,
                         text=True, timeout=120)
    if out.returncode:
        print('CLI FAILED', args, out.stderr, file=sys.stderr)
        return None
    return json.loads(out.stdout)


def stats():
    s = cli('stats', '--json')
    return s


def flows(port, pre=()):
    rows = cli('conn', '--json', pre=pre) or []
    return [r for r in rows if r.get('remote_port') == port or r.get('local_port') == port]


def child_sender(name, port, n, family=socket.AF_INET, stay=True):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        setname(name)
        addr = '127.0.0.1' if family == socket.AF_INET else '::1'
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.connect((addr, port))
        for _ in range(n):
            s.send(b'x' * 10)
        os.write(w, b'1')
        if stay:
            time.sleep(600)
        os._exit(0)
    os.close(w)
    os.read(r, 1)
    os.close(r)
    return pid


def main():
    print('kernel', os.uname().release)
    recv = {}
    for p in (40001, 40002, 40009):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('127.0.0.1', p))
        recv[p] = s
    ctx = os.open('/dev/mutex', os.O_RDWR)
    os.write(ctx, b'name=rev scope=all proto=udp port=40001,40002')

    # R1
    secret = child_sender('secretd', 40001, 5)
    time.sleep(0.3)
    nobody = ('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups')
    rows = flows(40001, pre=nobody)
    print('R1 unprivileged reader (uid 65534) sees:',
          [(r.get('pid'), r.get('comm')) for r in rows], 'root process pid', secret)
    rows = cli('conn', '--json', '--process', 'secretd', pre=nobody) or []
    print('R1 unprivileged --process secretd matches', len(rows), 'flow(s)')

    # R2
    out = cli('fd', '--json', pre=('unshare', '-p', '-f', '--mount-proc'))
    print('R2 reader in a new pid namespace: fd rows',
          [(r.get('owner_tgid'), r.get('owner_comm')) for r in (out or [])])
    rows = flows(40001, pre=('unshare', '-p', '-f', '--mount-proc'))
    print('R2 same reader, conn pid/comm:', [(r.get('pid'), r.get('comm')) for r in rows])

    # R3
    s0 = stats()
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.connect(('127.0.0.1', 40009))
    for _ in range(50):
        c.send(b'y' * 10)
    time.sleep(0.2)
    s1 = stats()
    print('R3 50 datagrams of a connected socket no context wants (out+in = 100 packets):',
          'unmatched +%d lookups_miss +%d lookups_hit +%d' % (
              s1['unmatched_packets'] - s0['unmatched_packets'],
              s1['lookups_miss'] - s0['lookups_miss'],
              s1['lookups_hit'] - s0['lookups_hit']))
    d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    d.connect(('127.0.0.1', 40001))
    s0 = stats()
    for _ in range(50):
        d.send(b'z' * 10)
    time.sleep(0.2)
    s1 = stats()
    print('R3 50 datagrams of a tracked flow: lookups_hit +%d lookups_miss +%d' % (
        s1['lookups_hit'] - s0['lookups_hit'], s1['lookups_miss'] - s0['lookups_miss']))

    # R5: pids below 300 are never handed out again after a wrap
    # (RESERVED_PIDS): make sure the victim's is above it.
    while True:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        if pid >= 400:
            break
    victim = child_sender('victim', 40002, 3, stay=False)
    os.waitpid(victim, 0)
    rows = flows(40002)
    print('R5 after the sender exited:', [(r.get('pid'), r.get('comm')) for r in rows],
          'victim pid', victim)
    with open('/proc/sys/kernel/pid_max') as f:
        old_max = f.read().strip()
    with open('/proc/sys/kernel/pid_max', 'w') as f:
        f.write(str(max(victim + 5, os.getpid() + 50, 400)))
    impostor = None
    for _ in range(20000):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            if os.getpid() == victim:
                setname('impostor')
                os.write(w, b'1')
                time.sleep(600)
            os._exit(0)
        os.close(w)
        if pid == victim:
            os.read(r, 1)
            os.close(r)
            impostor = pid
            break
        os.close(r)
        os.waitpid(pid, 0)
    with open('/proc/sys/kernel/pid_max', 'w') as f:
        f.write(old_max)
    rows = flows(40002)
    print('R5 impostor (never sent on the flow) got pid', impostor, '; flow now shows',
          [(r.get('pid'), r.get('comm')) for r in rows])

    # R4: in a netns of its own, so the bucket array is not added.
    code = r'''
import os, socket, json, subprocess, time
os.system("ip link set lo up")
ctx = os.open("/dev/mutex", os.O_RDWR)
os.write(ctx, b"name=v6 scope=all proto=udp port=40003")
rx = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); rx.bind(("::1", 40003))
socks = []
for i in range(200):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.connect(("::1", 40003)); s.send(b"v"); socks.append(s)
time.sleep(0.3)
st = json.loads(subprocess.run(["node", "/work/main/bin/run.js", "stats", "--json"], capture_output=True, text=True).stdout)
print("R4 200 IPv6 flows: flows_tracked", st["flows_tracked"], "memory_bytes", st["memory_bytes"],
      "=> %.1f B/flow" % (st["memory_bytes"] / max(st["flows_tracked"], 1)))
'''
    subprocess.run(['unshare', '-n', sys.executable, '-c', code], timeout=120)
    with open('/proc/slabinfo') as f:
        for line in f:
            if line.startswith('mutex_flow'):
                print('R4 slabinfo:', ' '.join(line.split()[:4]))

    for p in (secret, impostor):
        if p:
            os.kill(p, 9)
    os.close(ctx)
    print('done')


main()
