#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# flood_test.sh VIGIL FLOOD_GEN KIND MODE
#
# KIND syn:   1,000,000 TCP SYNs, each from its own client, none answered, then
#             200,000 packets of one UDP flow from 6 s on, while the million
#             attempt timers fall due at once. Every SYN must give one S0 row
#             (history S), nothing evicted or lost, and the expiries must have
#             been spread over the packets (timers-late), not run inside one
#             (--analyzers none: the flow table alone).
# KIND syn-an: the same flood with every analyzer on. The SYNs go to port 80
#             (HTTP's) and carry no byte, so no analyzer state may be taken:
#             every analyzer pool's use and high-water mark stay 0 and no
#             pool-full counter rises (doc/analyzers.md, "When state is taken").
# KIND flows: 1,000,000 UDP flows of one packet each (and a 1,000-packet tail)
#             into a table of 65,536: exactly 1,000,001 - 65,536 evictions,
#             1,000,001 rows, and memory bounded by the table, not the flood.
# MODE offline (vigil -r) or live (net_pcap replay, 1 worker; take
# /tmp/vigil-live.lock around it). Prints the rate and the memory high-water
# mark (VmHWM, from getrusage) for doc/bench.md.
set -u
vigil=$1
gen=$2
kind=$3
mode=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" /var/run/dpdk/vgflood$$* 2> /dev/null' EXIT

. "$(dirname "$0")/../check.sh"

n=1000000
# The SYNs go to port 80, where the HTTP analyzer would take a state from its
# pool for each (about 24 KiB: 2.4 GB for 100k SYNs, 6.6 GB for the million,
# see doc/bench.md); this test bounds the flow table, so analyzers are off.
gkind=$kind
case $kind in
syn) tail=200000 flows=(--analyzers none) ;;
syn-an) tail=200000 flows=() gkind=syn ;;
flows) tail=1000 flows=(--max-flows 65536) ;;
*) echo "flood_test: KIND is syn, syn-an or flows" >&2; exit 2 ;;
esac
"$gen" "$gkind" $n $tail "$tmp/in.pcap"
check $? "flood_gen writes $n $kind packets"

# run: vigil with the memory high-water mark (KiB) written to $tmp/hwm
run() {
	python3 - "$tmp/hwm" "$@" <<'PY'
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
PY
}

mkdir -p "$tmp/o"
start=$(date +%s.%N)
if [ "$mode" = offline ]; then
	run "$vigil" -q --stats "${flows[@]}" -r "$tmp/in.pcap" -o "$tmp/o" 2> "$tmp/err"
	check $? "vigil -r ran ($(tail -n 1 "$tmp/err"))"
else
	# A ring that holds every record: the stop's flush must not be what is tested.
	run timeout 120 "$vigil" --no-huge -m 1024 --no-pci --file-prefix "vgflood$$" \
		--lcores 0@0,1@1 --log-level lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$tmp/in.pcap" -- -q --stats "${flows[@]}" \
		--ring-size 512M -o "$tmp/o" --exit-idle 1 > "$tmp/err" 2>&1
	check $? "live vigil ran ($(tail -n 1 "$tmp/err"))"
fi
end=$(date +%s.%N)
hwm=$(cat "$tmp/hwm" 2> /dev/null || echo 0)

total=$((n + 1))
rows=$(grep -vc '^#' "$tmp/o/conn.log" 2> /dev/null)
[ "$rows" = $total ]
check $? "$kind $mode: conn.log rows $rows, want $total"
grep -q " untracked 0 " "$tmp/err"
check $? "$kind $mode: no packet untracked ($(grep untracked "$tmp/err"))"
grep -q "ring-drops 0" "$tmp/err"
check $? "$kind $mode: no record dropped"
late=$(sed -n 's/.*timers-late \([0-9]*\).*/\1/p' "$tmp/err")
if [ $gkind = syn ]; then
	s0=$(awk -F'\t' '!/^#/ && $7 == "tcp" && $12 == "S0" && $16 == "S"' "$tmp/o/conn.log" | wc -l)
	[ "$s0" = $n ]
	check $? "syn $mode: $s0 half-open rows (S0, history S), want $n"
	grep -q "evicted 0 " "$tmp/err"
	check $? "syn $mode: nothing evicted"
	# A million expiries due at the first tail packet: 16 a packet, so
	# about n / 16 packets found work left over.
	[ "${late:-0}" -ge $((n / 20)) ]
	check $? "syn $mode: expiries spread over packets (timers-late ${late:-?})"
	limit=$((1600 * 1024))
	if [ $kind = syn-an ]; then
		# The UDP tail is the one flow with content: its record (probes
		# said no) is the only one the pools may have held. The counters
		# by name (doc/logs.md), as offline and live --stats print them.
		an() { sed -n "s/^vigil: analyzer-counters.* $1 \([0-9]*\).*/\1/p" "$tmp/err"; }
		pools="conns_high $(an an_conns_high) probes_high $(an an_probes_high)"
		pools="$pools states_high $(an an_states_high) conns_full $(an an_conns_full)"
		pools="$pools probes_full $(an an_probes_full) states_full $(an an_states_full)"
		echo "$pools" | grep -qx 'conns_high [01] probes_high 0 states_high 0 conns_full 0 probes_full 0 states_full 0'
		check $? "syn-an $mode: no analyzer state taken by a SYN ($pools)"
	fi
else
	ev=$((total - 65536))
	grep -q "evicted $ev " "$tmp/err"
	check $? "flows $mode: evicted exactly $ev ($(grep -o 'evicted [0-9]*' "$tmp/err"))"
	# The table is 65,536 x 704 bytes (46 MiB); a table per flow would be 700.
	[ "$mode" = offline ] && limit=$((160 * 1024)) || limit=$((1400 * 1024))
fi
[ "$hwm" -gt 0 ] && [ "$hwm" -le $limit ]
check $? "$kind $mode: memory high-water ${hwm} KiB within ${limit} KiB"
awk -v k=$kind -v m=$mode -v p=$((n + tail)) -v s="$start" -v e="$end" -v h=$((hwm / 1024)) \
	-v l="${late:-?}" 'BEGIN { printf "flood %s %s: %d packets in %.2f s (%.3f Mpps, start and exit included), VmHWM %d MiB, timers-late %s\n", k, m, p, e - s, p / (e - s) / 1e6, h, l }'

echo "flood-$kind-$mode: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
