#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# frag_flood.sh VIGIL offline|live [N]
#
# A flood of IPv4 fragments that never complete, N distinct datagrams within
# one second (default 20000), then one fragment 100 s later and one datagram
# that does complete. The fragment table keeps its 128 slots: each fragment
# past the 128th evicts the oldest (frag-evicted N - 128), the late fragment
# times out the 128 left (frag-timeouts 128) and takes a slot (frag-active 1),
# and reassembly still works (reassembled 1, one UDP connection).
# live: the same capture through net_pcap into one worker (needs root; run
# under flock /tmp/vigil-live.lock, as the live suite is).
set -u
vigil=$1
mode=$2
n=${3:-20000}
tmp=$(mktemp -d)
prefix=vgfrag$$
trap 'rm -rf "$tmp" "/var/run/dpdk/$prefix" 2> /dev/null' EXIT

. "$(dirname "$0")/../check.sh"

if [ "$mode" = live ] && [ "$(id -u)" -ne 0 ]; then
	echo "frag-flood: live needs root (EAL's runtime files)"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi

python3 - "$tmp/flood.pcap" "$n" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
eth = bytes.fromhex("020000000002" "020000000001" "0800")
src, dst = bytes([198, 51, 100, 1]), bytes([203, 0, 113, 1])
def frag(ident, off8, more, payload):
    h = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                              (0x2000 if more else 0) | off8, 64, 17, 0, src, dst))
    s = sum(struct.unpack(">10H", bytes(h)))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    h[10:12] = struct.pack(">H", ~s & 0xffff)
    return eth + bytes(h) + payload
t0 = 1700000000 * 1000000
recs = []
def put(us, frame):
    recs.append(struct.pack("<IIII", us // 1000000, us % 1000000, len(frame), len(frame)) + frame)
for i in range(n):  # first fragments only: never complete
    put(t0 + i * 1000000 // n, frag(i, 0, True, bytes(16)))
put(t0 + 100 * 1000000, frag(65000, 0, True, bytes(16)))
udp = struct.pack(">HHHH", 4000, 5000, 24, 0) + b"complete" + b"datagram"
put(t0 + 101 * 1000000, frag(65001, 0, True, udp[:16]))
put(t0 + 101 * 1000000 + 1, frag(65001, 2, False, udp[16:]))
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(b"".join(recs))
PY
check $? "flood pcap written ($n datagrams)"

mkdir -p "$tmp/out"
start=$(date +%s.%N)
if [ "$mode" = live ]; then
	timeout 120 "$vigil" --no-huge -m 512 --no-pci --file-prefix "$prefix" \
		--lcores '0@0,1@1' --log-level lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$tmp/flood.pcap" -- -q -o "$tmp/out" --exit-idle 1 \
		--stats > "$tmp/stats" 2>&1
else
	"$vigil" -q -r "$tmp/flood.pcap" -o "$tmp/out" --stats > "$tmp/stats" 2>&1
fi
check $? "$mode run exits 0 ($(tail -n 1 "$tmp/stats"))"
end=$(date +%s.%N)

# counter NAME: the number after NAME on vigil's "fragments ..." stats line.
counter() {
	awk -v k="$1" '/^vigil: fragments / { for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }' \
		"$tmp/stats"
}
expect() { # NAME WANT
	local got
	got=$(counter "$1")
	[ "$got" = "$2" ]; check $? "$mode: $1 $got, wanted $2"
}
expect fragments $((n + 3))
expect frag-evicted $((n - 128))
expect frag-timeouts 128
expect frag-active 1
expect reassembled 1
rows=$(grep -vc '^#' "$tmp/out/conn.log" 2> /dev/null)
[ "$rows" = 1 ]; check $? "$mode: one connection, the reassembled datagram ($rows)"
grep -q '	4000	203.0.113.1	5000	udp	' "$tmp/out/conn.log"
check $? "$mode: the reassembled UDP datagram's connection"
echo "frag-flood ($mode): $((n + 3)) fragments in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') s"

echo "frag-flood ($mode): $checks checks, $fails failed"
[ "$fails" -eq 0 ]
