#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# zeek_defaults_test.sh VIGIL VIGIL_GEN
#
# Defaults read from Zeek's own scripts, end to end: Tunnel::max_depth (4,
# scripts/base/init-bare.zeek) and Site::local_nets (scripts/base/utils/site.zeek,
# scripts/base/protocols/conn/main.zeek) through --local-nets.
set -u
vigil=$1
gen=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/../check.sh"

# rows LOG AWK_CONDITION: data rows of a Zeek TSV log matching the condition.
rows() {
	awk -F'\t' '/^#/ {next} '"$2"' {n++} END {print n + 0}' "$1"
}

# Three VXLAN layers around four TCP flows: Zeek enters all three (max_depth
# 4), logs the four inner flows and each layer's outer UDP connection, and
# writes a DISCOVER and a CLOSE row per tunnel.
"$gen" -o "$tmp/base.pcap" -n 40 -f 4 -s 3 -q --mix tcp=100 --ipv6 0
check $? "vigil-gen writes the inner flows"
in=$tmp/base.pcap
for vni in 11 22 33; do
	"$gen" --wrap aws-vxlan --in "$in" -o "$tmp/vx$vni.pcap" --session $vni -q
	check $? "vigil-gen wraps in VXLAN $vni"
	in=$tmp/vx$vni.pcap
done
mkdir -p "$tmp/vx3"
"$vigil" -q -r "$in" -o "$tmp/vx3"; check $? "three VXLAN layers: exit 0"
n=$(rows "$tmp/vx3/conn.log" '$7 == "tcp"')
[ "$n" -eq 4 ]; check $? "three VXLAN layers: the 4 inner TCP flows are logged ($n)"
n=$(rows "$tmp/vx3/conn.log" '$7 == "tcp" && $21 != "-"')
[ "$n" -eq 4 ]; check $? "three VXLAN layers: inner flows have tunnel_parents ($n)"
n=$(rows "$tmp/vx3/conn.log" '$8 == "vxlan"')
[ "$n" -eq 12 ]; check $? "three VXLAN layers: 12 outer VXLAN connections ($n)"
n=$(rows "$tmp/vx3/tunnel.log" '$7 == "Tunnel::VXLAN"')
[ "$n" -eq 24 ]; check $? "three VXLAN layers: 24 tunnel.log rows ($n)"
! grep -qs exceeded_tunnel_max_depth "$tmp/vx3/weird.log"
check $? "three VXLAN layers: no exceeded_tunnel_max_depth"

# Five layers: the fifth is beyond Tunnel::max_depth.
for vni in 44 55; do
	"$gen" --wrap aws-vxlan --in "$in" -o "$tmp/vx$vni.pcap" --session $vni -q
	in=$tmp/vx$vni.pcap
done
mkdir -p "$tmp/vx5"
"$vigil" -q -r "$in" -o "$tmp/vx5"; check $? "five VXLAN layers: exit 0"
n=$(rows "$tmp/vx5/conn.log" '$7 == "tcp"')
[ "$n" -eq 0 ]; check $? "five VXLAN layers: no inner TCP flow ($n)"
grep -qs exceeded_tunnel_max_depth "$tmp/vx5/weird.log"
check $? "five VXLAN layers: exceeded_tunnel_max_depth"

# FDDI (link type 10), which Zeek decodes: its frames are converted from the
# fuzz seed (framed packets after one option byte) into a pcap.
python3 - "$(dirname "$0")/../fuzz/corpus/fuzz_decode/fddi-tcp-session" "$tmp/fddi.pcap" <<'PY'
import struct, sys
seed = open(sys.argv[1], "rb").read()
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 10)]
off, t = 1, 1700000000
while off + 3 <= len(seed):
    n = struct.unpack_from("<H", seed, off)[0]
    frame = seed[off + 3:off + 3 + n]
    out.append(struct.pack("<IIII", t, 0, len(frame), len(frame)) + frame)
    off += 3 + n
    t += 1
open(sys.argv[2], "wb").write(b"".join(out))
PY
check $? "FDDI pcap written"
mkdir -p "$tmp/fddi"
"$vigil" -q -r "$tmp/fddi.pcap" -o "$tmp/fddi"; check $? "FDDI: exit 0"
n=$(rows "$tmp/fddi/conn.log" '$3 == "10.0.0.1" && $5 == "192.0.2.80" && $6 == 80 && $12 == "SF"')
[ "$n" -eq 1 ]; check $? "FDDI: the TCP connection is logged, SF ($n)"
grep -qs FDDI_analyzer_failed "$tmp/fddi/weird.log"; check $? "FDDI: a short frame is FDDI_analyzer_failed"

# Site::local_nets. Two UDP flows on a raw IP link: 1.2.3.4 -> 8.8.8.8 (both
# public) and 10.0.0.5 -> 8.8.4.4 (private source).
python3 - "$tmp/site.pcap" <<'PY'
import struct, sys
def ip(a): return bytes(int(x) for x in a.split("."))
def udp(src, dst, sp, dp):
    u = struct.pack(">HHHH", sp, dp, 12, 0) + b"abcd"
    h = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0, 64, 17, 0, ip(src), ip(dst)))
    s = sum(struct.unpack(">10H", bytes(h)))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    h[10:12] = struct.pack(">H", ~s & 0xffff)
    return bytes(h) + u
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)]
for t, p in enumerate([udp("1.2.3.4", "8.8.8.8", 5000, 53), udp("10.0.0.5", "8.8.4.4", 5001, 53)]):
    out.append(struct.pack("<IIII", 1700000000 + t, 0, len(p), len(p)) + p)
open(sys.argv[1], "wb").write(b"".join(out))
PY
check $? "site pcap written"
# local_cols NAME EXPECTED -- ARGS: local_orig/local_resp of both flows, in
# orig_h order ("1.2.3.4:F:F 10.0.0.5:T:F").
local_cols() {
	local name=$1 want=$2 got
	shift 3
	rm -rf "$tmp/site"; mkdir -p "$tmp/site"
	"$vigil" -q -r "$tmp/site.pcap" -o "$tmp/site" "$@"; check $? "$name: exit 0"
	got=$(awk -F'\t' '!/^#/ {print $3 ":" $13 ":" $14}' "$tmp/site/conn.log" | sort | paste -sd' ')
	[ "$got" = "$want" ]; check $? "$name: local columns '$got', wanted '$want'"
}
local_cols "default site" "1.2.3.4:F:F 10.0.0.5:T:F" --
local_cols "--local-nets" "1.2.3.4:T:F 10.0.0.5:T:F" -- --local-nets 1.2.3.0/24
local_cols "--local-nets host bits" "1.2.3.4:T:T 10.0.0.5:T:T" -- --local-nets 1.2.3.77/24,8.8.0.0/16
local_cols "--local-nets repeated" "1.2.3.4:T:T 10.0.0.5:T:F" -- --local-nets 1.2.3.4 --local-nets 8.8.8.8/32
local_cols "--no-local" "1.2.3.4:-:- 10.0.0.5:-:-" -- --no-local
local_cols "--no-local --local-nets" "1.2.3.4:T:F 10.0.0.5:F:F" -- --no-local --local-nets 1.2.3.0/24
printf 'local_nets: [1.2.3.0/24, "2001:db8::/32"]\n' > "$tmp/site.conf"
local_cols "config local_nets" "1.2.3.4:T:F 10.0.0.5:T:F" -- -c "$tmp/site.conf"
for bad in 1.2.3.0/33 1.2.3.0/ nonsense 2001:db8::/129 "1.2.3.0/24,"; do
	"$vigil" -q -r "$tmp/site.pcap" -o "$tmp/site" --local-nets "$bad" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ]; check $? "--local-nets '$bad': exit $rc, wanted 2"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q "local-nets.*not a CIDR" "$tmp/err"
	check $? "--local-nets '$bad': one line naming it ($(cat "$tmp/err"))"
done

echo "zeek-defaults: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
