#!/bin/sh
# The demo: real traffic inside the QEMU guest, seen through mutexctl.
# Run it with `npm run demo` (boots the guest, loads mutex.ko, runs this).
set -e
say() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; }
run() { say "$*"; "$@"; }

# A context that sees every socket of this network namespace.
exec 3<>/dev/mutex
echo "name=demo scope=all" >&3
say "exec 3<>/dev/mutex; echo 'name=demo scope=all' >&3; head -1 <&3"
head -1 <&3

# Traffic: an HTTP server answering a few requests, and an iperf3 run.
/usr/bin/python3 -m http.server 8080 --bind 127.0.0.1 >/dev/null 2>&1 &
http=$!
iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
# Under emulation the servers take a few seconds to start listening.
for _ in $(seq 60); do
	ss -Htln '( sport = :8080 or sport = :5201 )' | grep -q 5201 &&
		ss -Htln sport = :8080 | grep -q . && break
	sleep 0.5
done
say "5 HTTP requests, UDP datagrams over IPv6, a 2 s iperf3 run"
/usr/bin/python3 - <<'PY'
import socket, urllib.request
for _ in range(5):
    urllib.request.urlopen('http://127.0.0.1:8080/').read()
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); r.bind(('::1', 9000))
for _ in range(20):
    s.sendto(b'x' * 512, ('::1', 9000)); r.recv(2048)
PY
iperf3 -c 127.0.0.1 -p 5201 -t 2 | tail -4

run mutexctl conn --sort=-bytes_sent --limit 10
run mutexctl fd
run mutexctl stats

say "mutexctl fd run --name udp-burst -- python3 (100 datagrams of 1000 bytes)"
mutexctl fd run --name udp-burst -- /usr/bin/python3 -c "
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', 9100))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(100): s.sendto(b'y' * 1000, ('127.0.0.1', 9100)); r.recv(2048)
"

# Alerts: a low bandwidth threshold for the demo context, then a burst over it.
id=$(mutexctl fd --json | /usr/bin/python3 -c 'import json,sys; print([f["id"] for f in json.load(sys.stdin) if f["name"] == "demo"][0])')
run mutexctl thresholds set --fd "$id" bandwidth=20Mbit
say "iperf3 for 3 s, then quiet for 3 s"
iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
for _ in $(seq 60); do ss -Htln sport = :5202 | grep -q . && break; sleep 0.5; done
iperf3 -c 127.0.0.1 -p 5202 -t 3 >/dev/null
sleep 3
run mutexctl alerts --fd "$id"

# Export: what scripts, spreadsheets and Prometheus read.
run mutexctl export --format csv --sections fd --columns id,name,bytes_sent,packets_sent,rtt_avg_us
say "mutexctl export --format prometheus --fd $id | grep -E '^mutex_fd_(sent_bytes|flows)'"
mutexctl export --format prometheus --fd "$id" | grep -E '^mutex_fd_(sent_bytes|flows)'

kill "$http" 2>/dev/null || true
exec 3>&-
