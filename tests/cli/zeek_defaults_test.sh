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

echo "zeek-defaults: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
