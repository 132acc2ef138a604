#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dispatch_stop_test.sh VIGIL VIGIL_GEN [RUNS]
#
# Software dispatch must account for every packet it read when it stops in
# the middle of a stream: a worker that did its last drain before the pollers
# stopped would lose what they hand it afterwards. vigil replays vigil-gen
# traffic endlessly through net_pcap (infinite_rx) with 2 workers and
# --dispatch software, and stops by --duration while packets still flow, RUNS
# times in a row (the fault is a race). Each run must give
#   read == decoded + dispatch-drops + stop-drops, with stop-drops 0
# (--stats: "vigil: packets N ..." and "vigil: dispatch read N ...").
# No hugepages, no NIC: --no-huge --no-pci and a vdev; needs root for EAL.
set -u
vigil=$1
gen=$2
runs=${3:-${DISPATCH_STOP_RUNS:-8}}
[ "$(id -u)" -eq 0 ] || {
	echo "dispatch-stop: needs root for EAL; skipping"
	[ -n "${CI:-}" ] && exit 1
	exit 77
}
tmp=$(mktemp -d)
tag=vgds$$
trap 'rm -rf "$tmp" /var/run/dpdk/$tag-* 2> /dev/null' EXIT
. "$(dirname "$0")/../check.sh"

npkts=20000
"$gen" -q -o "$tmp/t.pcap" -n $npkts -f 4000 --sizes 64-300 -s 7
check $? "vigil-gen wrote the test pcap"

for ((i = 1; i <= runs; i++)); do
	# Worker 0 (the poller) alone on a core, worker 1 beside the main lcore,
	# so they race; a pause before each hand-over (a test knob) widens the
	# window a stop falls into.
	mkdir -p "$tmp/o$i"
	VIGIL_TEST_DISPATCH_DELAY_US=200 timeout 60 "$vigil" --no-huge -m 1024 --no-pci --file-prefix "$tag-$i" \
		--lcores '0@1,1@0,2@1' --log-level lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$tmp/t.pcap,infinite_rx=1" -- \
		-q -o "$tmp/o$i" --dispatch software --workers 2 --duration 1 \
		--mbufs $((npkts + 16384)) --stats > "$tmp/out$i" 2>&1
	check $? "run $i: vigil exits 0: $(tail -n 2 "$tmp/out$i")"
	read -r dec read disp stop <<< "$(awk '
		/^vigil: packets / { d = $3 }
		/^vigil: dispatch read / { r = $4; x = $8; s = $10 }
		END { print d + 0, r + 0, x + 0, s + 0 }' "$tmp/out$i")"
	[ "$read" -gt 0 ]
	check $? "run $i: software dispatch read packets: $(tail -n 3 "$tmp/out$i")"
	[ "$stop" -eq 0 ]
	check $? "run $i: $stop packets left in a dispatch ring at stop (read $read, decoded $dec)"
	[ $((dec + disp + stop)) -eq "$read" ]
	check $? "run $i: read $read != decoded $dec + dispatch-drops $disp + stop-drops $stop"
	rm -rf "$tmp/o$i"
done
echo "dispatch-stop: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
