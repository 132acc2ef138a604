#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# veth_test.sh VIGIL
#
# Live over a real kernel path: two network namespaces talk TCP and UDP to
# each other (addresses inside the namespaces only) through a bridge that
# learns no MAC, so it floods every frame to a third veth leg too: a mirror
# port. vigil captures that leg through DPDK's
# net_af_packet. The flows must appear in conn.log, complete.
# veth leaves checksums to offload, so frames are seen before the kernel
# fills them in: vigil runs with -C, as Zeek does on such captures.
# Needs root (namespaces, bridge); exits 77 (skipped) without it.
set -u
. "$(dirname "$0")/../check.sh"
vigil=$1
[ "$(id -u)" -eq 0 ] || skip "veth: needs root"
command -v ip > /dev/null || skip "veth: no iproute2"
tag=vg$$
a=${tag}a b=${tag}b
tmp=$(mktemp -d)
cleanup() {
	[ -n "${srv:-}" ] && kill "$srv" 2> /dev/null
	[ -n "${vpid:-}" ] && kill "$vpid" 2> /dev/null
	ip netns del "$a" 2> /dev/null
	ip netns del "$b" 2> /dev/null
	ip link del "${tag}m" 2> /dev/null
	ip link del "${tag}pa" 2> /dev/null
	ip link del "${tag}pb" 2> /dev/null
	ip link del "${tag}br" 2> /dev/null
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	rm -rf "$tmp" "/var/run/dpdk/$tag" 2> /dev/null
}
trap cleanup EXIT

ip netns add "$a" && ip netns add "$b" || skip "veth: cannot create namespaces"
ip link add "${tag}br" type bridge || skip "veth: cannot create a bridge"
ip link set "${tag}br" type bridge ageing_time 0
ip link set "${tag}br" up
# Host a and host b, each on a veth whose other end is a bridge port.
ip link add "${tag}x" type veth peer name "${tag}pa"
ip link add "${tag}y" type veth peer name "${tag}pb"
ip link set "${tag}x" netns "$a"
ip link set "${tag}y" netns "$b"
ip -n "$a" addr add 10.211.0.1/24 dev "${tag}x"
ip -n "$b" addr add 10.211.0.2/24 dev "${tag}y"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set "${tag}x" up
ip -n "$b" link set "${tag}y" up
# The mirror leg: flooded copies of every frame come out of ${tag}m.
ip link add "${tag}m" type veth peer name "${tag}n"
for p in "${tag}pa" "${tag}pb" "${tag}n"; do
	ip link set "$p" master "${tag}br"
	# No learning: every unicast frame is unknown, so it is flooded to all ports.
	ip link set dev "$p" type bridge_slave learning off flood on
	ip link set "$p" up
done
ip link set "${tag}m" up

"$vigil" --no-huge -m 512 --no-pci --file-prefix "$tag" -l 0-1 --log-level lib.eal:error \
	--vdev "net_af_packet0,iface=${tag}m" -- -q -C -o "$tmp" --duration 12 --stats \
	> "$tmp/vigil.out" 2>&1 &
vpid=$!
sleep 3

# A TCP server and a UDP echo in b; a client in a.
ip netns exec "$b" python3 - > /dev/null 2>&1 <<'PY' &
import socket, threading
def tcp():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.211.0.2", 8080)); s.listen()
    for _ in range(3):
        c, _ = s.accept(); c.recv(100); c.sendall(b"x" * 1000); c.close()
def udp():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("10.211.0.2", 5353))
    for _ in range(3):
        d, peer = u.recvfrom(100); u.sendto(d * 2, peer)
t = threading.Thread(target=tcp); t.start(); udp(); t.join()
PY
srv=$!
sleep 1
ip netns exec "$a" python3 - <<'PY'
import socket, time
for i in range(3):
    s = socket.create_connection(("10.211.0.2", 8080), timeout=5)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n"); n = 0
    while True:
        d = s.recv(4096)
        if not d: break
        n += len(d)
    s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
    u.sendto(b"ping%d" % i, ("10.211.0.2", 5353)); u.recvfrom(100); u.close()
    time.sleep(0.2)
PY
check $? "client traffic ran"
wait "$vpid"
check $? "vigil exits 0 after --duration ($(tail -n 1 "$tmp/vigil.out"))"
vpid=
f=$tmp/conn.log
[ -f "$f" ]; check $? "conn.log written"
tcp=$(awk -F'\t' '$3 == "10.211.0.1" && $5 == "10.211.0.2" && $6 == 8080 && $7 == "tcp" && $12 == "SF"' "$f" 2> /dev/null | wc -l)
[ "$tcp" -eq 3 ]; check $? "3 TCP connections, SF ($tcp)"
bytes=$(awk -F'\t' '$3 == "10.211.0.1" && $6 == 8080 && $12 == "SF" { print $11 }' "$f" 2> /dev/null | sort -u)
[ "$bytes" = 1000 ]; check $? "resp_bytes 1000 each ($bytes)"
udp=$(awk -F'\t' '$3 == "10.211.0.1" && $5 == "10.211.0.2" && $6 == 5353 && $7 == "udp" && $12 == "SF"' "$f" 2> /dev/null | wc -l)
[ "$udp" -ge 1 ]; check $? "UDP flows, SF ($udp)"
grep -q "^#fields	ts	peer	mem	pkts_proc" "$tmp/stats.log" 2> /dev/null; check $? "stats.log written"
# pkt_lag (column 8) of the last row: wall clock minus the last packet's time,
# which live is a TSC stamp taken a few seconds before the stop.
lag=$(awk -F'\t' '!/^#/ { v = $8 } END { print v }' "$tmp/stats.log" 2> /dev/null)
awk -v l="$lag" 'BEGIN { exit !(l ~ /^[0-9]+\.[0-9]+$/ && l >= 0 && l < 30) }'
check $? "stats.log pkt_lag set and under 30 s ($lag)"
echo "veth: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
