#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# live_jumbo_test.sh VIGIL VIGIL_GEN
#
# Frames larger than one mbuf reach the flow table whole: jumbo frames (9018
# bytes) and AWS VPC Traffic Mirroring's VXLAN around full-size (1518-byte)
# packets, both from vigil-gen, replayed through net_pcap. conn.log must equal
# vigil -r's, no packet may be dropped, and the port line tells the MTU and
# pool vigil chose. No hugepages, no NIC. Needs root for EAL's runtime files;
# exits 77 (skipped) without it, and fails instead under CI=true.
set -u
vigil=$1
gen=$2
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
tag=vgjumbo$$
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"; rm -rf "$tmp" "/var/run/dpdk/$tag"* 2> /dev/null' EXIT
. "$here/../check.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "jumbo: needs root for EAL; skipping"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
rows() { # conn.log without header lines, uid and mirror_session, sorted
	[ -f "$1/conn.log" ] || return 0
	awk -F'\t' '
		/^#fields/ { for (i = 2; i <= NF; i++) { if ($i == "uid") u = i - 1; if ($i == "mirror_session") m = i - 1 }; next }
		/^#/ { next }
		{ o = ""; for (i = 1; i <= NF; i++) if (i != u && i != m) o = o (o == "" ? "" : "\t") $i; print o }
	' "$1/conn.log" | sort
}

"$gen" -o "$tmp/jumbo.pcap" -n 3000 -f 200 --sizes 9018 -s 3 -q &&
	"$gen" -o "$tmp/full.pcap" -n 3000 -f 200 --sizes 1518 -s 4 -q &&
	"$gen" --wrap aws-vxlan --in "$tmp/full.pcap" -o "$tmp/vxlan.pcap" -q
check $? "vigil-gen writes the traces"

for t in jumbo vxlan; do
	opts=()
	[ $t = vxlan ] && opts=(--mirror auto)
	mkdir -p "$tmp/$t-r" "$tmp/$t-live"
	"$vigil" -q -r "$tmp/$t.pcap" -o "$tmp/$t-r" "${opts[@]}"
	timeout 60 "$vigil" --no-huge -m 512 --no-pci --file-prefix "$tag$t" -l 0-1 \
		--log-level lib.eal:error --vdev "net_pcap0,rx_pcap=$tmp/$t.pcap" -- \
		-o "$tmp/$t-live" --exit-idle 1 --stats "${opts[@]}" > "$tmp/$t.out" 2>&1
	check $? "$t: vigil exits 0 ($(tail -n 1 "$tmp/$t.out"))"
	n=$(rows "$tmp/$t-r" | wc -l)
	[ "$n" -gt 100 ] && [ "$(rows "$tmp/$t-live")" = "$(rows "$tmp/$t-r")" ]
	check $? "$t: conn.log equals vigil -r's ($(rows "$tmp/$t-live" | wc -l) rows, want $n)"
	grep -q '^vigil: packets 3000 nic-missed 0 dispatch-drops 0 ring-drops 0 .* decode-drops 0 ' \
		"$tmp/$t.out"
	check $? "$t: every frame decoded ($(grep '^vigil: packets' "$tmp/$t.out"))"
	grep -Eq '^vigil: port 0 \(net_pcap\): .*any frame size, RX scatter no, [0-9]+ mbufs of 2048 bytes' \
		"$tmp/$t.out"
	check $? "$t: the port line tells frame size and pool ($(grep '^vigil: port 0' "$tmp/$t.out"))"
done
echo "jumbo: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
