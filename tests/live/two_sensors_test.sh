#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# two_sensors_test.sh VIGIL TRACE
#
# Several sensors behind one load balancer: the balancer gives each the flows
# of some address pairs. Two sensors on two halves of one trace, split by a
# symmetric function of the two addresses (as a flow hash would), must log
# together exactly what one sensor logs for the whole trace (uids aside), and
# never hand out the same uid:
#  - offline, with a shared --seed, by their --node-id (and, to show the
#    check can fail, without it the two halves do share uids);
#  - live (net_pcap), with no --seed at all: each run draws its own.
# x509.log (one row per certificate, a certificate seen by both sensors is
# logged by both) and dhcp.log (an exchange's broadcast and its reply have
# different address pairs) are not split by flow and are left out.
set -u
. "$(dirname "$0")/../check.sh"
vigil=$1 trace=$2
tmp=$(mktemp -d)
tag=vgts$$
cleanup() {
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	rm -rf "$tmp" "/var/run/dpdk/${tag}a" "/var/run/dpdk/${tag}b" 2> /dev/null
}
trap cleanup EXIT

# Sensor A takes the address pairs whose last address bytes add up even.
half='(ip and ((ip[15] + ip[19]) & 1) = 0) or (ip6 and ((ip6[23] + ip6[39]) & 1) = 0)'
logs="conn dns http ssl files ssh smtp ftp weird"

run() { # dir [options...]
	local d=$1
	shift
	mkdir -p "$d" && "$vigil" -r "$trace" -q -C -o "$d" "$@"
}
# A log's rows with the columns that hold uids blanked, sorted.
rows() { # file
	[ -f "$1" ] || return 0
	awk -F'\t' '
		/^#fields/ { for (i = 2; i <= NF; i++)
			if ($i ~ /^(uid|uids|fuid|fuids|parent_fuid|.*_fuids|conn_uids|tunnel_parents)$/) b[i - 1] = 1 }
		/^#/ { next }
		{ for (i in b) $i = ""; print }' OFS='\t' "$1" | sort
}
uids() { # dir: every conn uid
	awk -F'\t' '/^#fields/ { for (i = 2; i <= NF; i++) if ($i == "uid") u = i - 1 }
		!/^#/ { print $u }' "$1/conn.log" | sort
}

run "$tmp/all" --seed 9
check $? "one sensor, the whole trace"
run "$tmp/a" --seed 9 --node-id sensor-a -f "$half"
check $? "sensor A, its half"
run "$tmp/b" --seed 9 --node-id sensor-b -f "not ($half)"
check $? "sensor B, the other half"
for log in $logs; do
	[ -f "$tmp/all/$log.log" ] || continue
	rows "$tmp/all/$log.log" > "$tmp/one.$log"
	{ rows "$tmp/a/$log.log"; rows "$tmp/b/$log.log"; } | sort > "$tmp/two.$log"
	na=$(rows "$tmp/a/$log.log" | wc -l)
	cmp -s "$tmp/one.$log" "$tmp/two.$log"
	check $? "$log.log: A ($na rows) + B = one sensor ($(wc -l < "$tmp/one.$log") rows)"
done
[ "$(uids "$tmp/a" | wc -l)" -gt 0 ] && [ "$(uids "$tmp/b" | wc -l)" -gt 0 ]
check $? "both sensors logged connections"
same=$(comm -12 <(uids "$tmp/a") <(uids "$tmp/b") | wc -l)
[ "$same" -eq 0 ]
check $? "no uid handed out by both sensors ($same)"
# Without --node-id the shared seed makes the same uid sequence on both.
run "$tmp/a0" --seed 9 -f "$half" && run "$tmp/b0" --seed 9 -f "not ($half)"
same=$(comm -12 <(uids "$tmp/a0") <(uids "$tmp/b0") | wc -l)
[ "$same" -gt 0 ]
check $? "without --node-id a shared --seed repeats uids ($same): the check above can fail"
"$vigil" -r "$trace" -o "$tmp" --node-id 'two words' > "$tmp/err" 2>&1
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ]
check $? "a bad --node-id: one line, exit 2 ($(cat "$tmp/err"))"

# Live, no --seed: two runs of the same packets get different uids.
if [ "$(id -u)" -ne 0 ]; then
	skip "two-sensors: the live half needs root (EAL runtime files)"
fi
for s in a b; do
	mkdir -p "$tmp/live$s"
	"$vigil" --no-huge -m 512 --no-pci --file-prefix "$tag$s" -l 0-1 --log-level lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$trace" -- -q -C -o "$tmp/live$s" --exit-idle 1 \
		> "$tmp/live$s.out" 2>&1
	check $? "live sensor $s ($(tail -n 1 "$tmp/live$s.out"))"
done
cmp -s <(rows "$tmp/livea/conn.log") <(rows "$tmp/liveb/conn.log")
check $? "the two live runs log the same connections"
same=$(comm -12 <(uids "$tmp/livea") <(uids "$tmp/liveb") | wc -l)
[ "$(uids "$tmp/livea" | wc -l)" -gt 0 ] && [ "$same" -eq 0 ]
check $? "live runs without --seed share no uid ($same)"
echo "two-sensors: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
