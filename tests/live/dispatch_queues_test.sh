#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dispatch_queues_test.sh VIGIL VIGIL_GEN
#
# Software dispatch reads every RX queue a port offers, each by its own
# poller, and hands each packet to the worker that owns its flow. net_pcap
# with two rx_pcap files is a port with two RX queues; each file holds whole
# flows of its own. With 2 and with 3 workers (two pollers; the third worker
# only receives), both queues must be read, every packet read must be
# decoded (no drop: net_pcap replays as fast as it can, so the files are
# small enough for the dispatch rings to hold), and conn.log must equal what vigil -r logs for the two
# files, row for row (uids aside).
# No hugepages, no NIC: --no-huge --no-pci and a vdev; needs root for EAL.
set -u
vigil=$1
gen=$2
[ "$(id -u)" -eq 0 ] || {
	echo "dispatch-queues: needs root for EAL; skipping"
	[ -n "${CI:-}" ] && exit 1
	exit 77
}
tmp=$(mktemp -d)
tag=vgdq$$
trap 'rm -rf "$tmp" /var/run/dpdk/$tag-* 2> /dev/null' EXIT
. "$(dirname "$0")/../check.sh"

rows() { # conn.log rows without uid and tunnel_parents, sorted
	awk -F'\t' '
		/^#fields/ { for (i = 2; i <= NF; i++) { if ($i == "uid") u = i - 1; if ($i == "tunnel_parents") t = i - 1 }; next }
		/^#/ { next }
		{ o = ""; for (i = 1; i <= NF; i++) if (i != u && i != t) o = o (o == "" ? "" : "\t") $i; print o }
	' "$@" | sort
}

"$gen" -q -o "$tmp/a.pcap" -n 3000 -f 200 -s 11
check $? "vigil-gen wrote a.pcap"
"$gen" -q -o "$tmp/b.pcap" -n 2000 -f 150 -s 12 --ipv6 30
check $? "vigil-gen wrote b.pcap"
mkdir -p "$tmp/ra" "$tmp/rb"
"$vigil" -q -r "$tmp/a.pcap" -o "$tmp/ra" && "$vigil" -q -r "$tmp/b.pcap" -o "$tmp/rb"
check $? "vigil -r reads both files"
rows "$tmp/ra/conn.log" "$tmp/rb/conn.log" > "$tmp/want"
[ -s "$tmp/want" ]
check $? "vigil -r logged connections"

for w in 2 3; do
	lcores='0@0,1@0,2@1'
	[ $w = 3 ] && lcores='0@0,1@0,2@1,3@1'
	mkdir -p "$tmp/w$w"
	timeout 120 "$vigil" --no-huge -m 1024 --no-pci --file-prefix "$tag-$w" \
		--lcores "$lcores" --log-level lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$tmp/a.pcap,rx_pcap=$tmp/b.pcap" -- \
		-q -o "$tmp/w$w" --dispatch software --workers $w --exit-idle 1 --stats \
		> "$tmp/out$w" 2>&1
	check $? "$w workers: vigil exits 0: $(tail -n 2 "$tmp/out$w")"
	read -r p0 p1 dec read drops stop <<< "$(awk '
		/^vigil: poller 0 / { a = $7 }
		/^vigil: poller 1 / { b = $7 }
		/^vigil: packets / { d = $3 }
		/^vigil: dispatch read / { r = $4; x = $8; s = $10 }
		END { print a + 0, b + 0, d + 0, r + 0, x + 0, s + 0 }' "$tmp/out$w")"
	[ "$p0" -gt 0 ] && [ "$p1" -gt 0 ]
	check $? "$w workers: both RX queues polled (poller 0 read $p0, poller 1 read $p1)"
	[ "$read" -eq 5000 ] && [ "$dec" -eq 5000 ] && [ "$drops" -eq 0 ] && [ "$stop" -eq 0 ]
	check $? "$w workers: read $read, decoded $dec, dispatch-drops $drops, stop-drops $stop; want 5000, 5000, 0, 0"
	rows "$tmp/w$w/conn.log" > "$tmp/got$w" 2> /dev/null
	cmp -s "$tmp/want" "$tmp/got$w"
	check $? "$w workers: conn.log equals vigil -r's ($(wc -l < "$tmp/got$w") rows, want $(wc -l < "$tmp/want")): $(diff "$tmp/want" "$tmp/got$w" | head -n 4)"
done
echo "dispatch-queues: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
