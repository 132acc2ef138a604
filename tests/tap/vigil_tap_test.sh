#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# vigil_tap_test.sh VIGIL VIGIL_TAP TRACE
#
# vigil-tap end to end, in two network namespaces made here, the node's and
# the sensor's:
#   node:   tcpreplay -> veth a ~~> b   vigil-tap sniffs b (a pod's eth0)
#   node:   vigil-tap -> veth c ~~> d   VXLAN VNI 4242 to 10.213.0.2:4789
#   sensor: vigil (DPDK net_af_packet on d, --mirror vxlan) logs what it receives.
# The flows vigil logs must be the trace's, as `vigil -r TRACE` logs them
# (uid, ts and duration aside: live timing differs), every row with
# mirror_session 4242; vigil-tap must report every packet captured and sent.
# Then vigil-tap sniffs the interface it sends from: its own datagrams must
# not come back to it (they would loop), while other packets are sent.
# The sensor's af_packet ring (framecnt) and the tap's capture ring (--buffer)
# are made large: on a loaded 2-core machine either process can be descheduled
# long enough to overflow the defaults.
# Needs root and tcpreplay; exits 77 (skipped) without them, fails under CI=true.
set -u
. "$(dirname "$0")/../check.sh"
vigil=$1 tap=$2 trace=$3
[ "$(id -u)" -eq 0 ] || skip "vigil-tap: needs root"
command -v ip > /dev/null || skip "vigil-tap: no iproute2"
command -v tcpreplay > /dev/null || skip "vigil-tap: no tcpreplay (apt-get install tcpreplay)"
tag=vgt$$
ns=$tag sns=${tag}s
tmp=$(mktemp -d)
cleanup() {
	for p in ${sink:-} ${vpid:-} ${tpid:-}; do kill "$p" 2> /dev/null; done
	ip netns del "$ns" 2> /dev/null
	ip netns del "$sns" 2> /dev/null
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	rm -rf "$tmp" "/var/run/dpdk/$tag" 2> /dev/null
}
trap cleanup EXIT
# Processes in the background are started with `ip netns exec` itself (it
# execs), so that $! is theirs and signals reach them.
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns" && ip netns add "$sns" || skip "vigil-tap: cannot create namespaces"
ip -n "$ns" link set lo up
ip -n "$ns" link add "${tag}a" type veth peer name "${tag}b"
ip -n "$ns" link add "${tag}c" type veth peer name "${tag}d" netns "$sns"
for i in a b c d; do
	n=$ns
	[ $i = d ] && n=$sns
	ip netns exec "$n" sysctl -qw "net.ipv6.conf.${tag}$i.disable_ipv6=1"
	# The sensor's link takes jumbo frames, as a mirror target's should.
	ip -n "$n" link set "${tag}$i" mtu 9000 up
done
ip -n "$ns" addr add 10.213.0.1/24 dev "${tag}c"
ip -n "$sns" addr add 10.213.0.2/24 dev "${tag}d"
# Something listens on the sensor's port, so its kernel sends no ICMP back
# (a sensor's DPDK port has no kernel behind it).
ip netns exec "$sns" python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.213.0.2", 4789)); time.sleep(120)' &
sink=$!

mkdir -p "$tmp/ref" "$tmp/live"
"$vigil" -r "$trace" -q -C -o "$tmp/ref"
check $? "vigil -r on the trace"

ip netns exec "$sns" "$vigil" --no-huge -m 512 --no-pci --file-prefix "$tag" -l 0-1 --log-level lib.eal:error \
	--vdev "net_af_packet0,iface=${tag}d,framecnt=8192" -- -q -C -o "$tmp/live" --mirror vxlan \
	--exit-idle 3 --duration 60 --stats > "$tmp/vigil.out" 2>&1 &
vpid=$!
ip netns exec "$ns" "$tap" -i "${tag}b" --direction in --to 10.213.0.2 --vni 4242 --stats-interval 1 --buffer 8192 \
	> "$tmp/tap.out" 2>&1 &
tpid=$!
sleep 3
# Idle, before the replay: vigil-tap's own resident memory (the kernel's
# capture ring, a socket mapping of --buffer, aside) stays small: under
# 2 MiB here, with a stats line every second (about 1.5 MiB measured; 0.95
# without --stats-interval; a dynamically linked vigil-tap is over 3.5 MiB).
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$tpid/status")
ring=$(awk '/^[0-9a-f]+-/ { s = ($6 ~ /^socket:/) } /^Rss:/ && s { n += $2 } END { print n + 0 }' \
	"/proc/$tpid/smaps")
[ -n "$rss" ] && [ $((rss - ring)) -lt 2048 ]
check $? "vigil-tap idle: ${rss:-?} KiB resident, ${ring} KiB of it the capture ring: under 2 MiB without it"
echo "vigil-tap idle: ${rss:-?} KiB resident, ${ring} KiB capture ring"
in_ns tcpreplay -q -i "${tag}a" --pps 10000 "$trace" > "$tmp/replay.out" 2>&1
check $? "tcpreplay ran ($(tail -n 1 "$tmp/replay.out"))"
wait "$vpid"
check $? "vigil exits 0 ($(tail -n 1 "$tmp/vigil.out"))"
vpid=
kill -INT "$tpid"
wait "$tpid"
check $? "vigil-tap exits 0 on SIGINT"
tpid=
n=$(tcpdump -r "$trace" 2> /dev/null | wc -l)
last=$(grep '^vigil-tap: captured' "$tmp/tap.out" | tail -n 1)
read -r cap sent < <(echo "$last" | awk '{ print $3, $5 }')
[ "${cap:-0}" -eq "$n" ] && [ "${sent:-0}" -eq "$n" ]
check $? "vigil-tap captured and sent all $n packets ($last)"
echo "$last" | grep -q 'rate_drops 0 send_drops 0 kernel_drops 0 if_drops 0 unwrappable 0 too_big 0'
check $? "vigil-tap dropped nothing"

# The rows of a log without the columns live timing changes (ts, duration,
# dns's rtt) and the ids made from them (uid, file ids); the live conn.log's
# without its last column, mirror_session, which must be 4242.
rows() { # file drop_last
	awk -F'\t' -v dl="$2" '
		/^#fields/ { for (i = 2; i <= NF; i++)
			if ($i ~ /^(ts|uid|duration|rtt|orig_fuids|resp_fuids)$/) blank[i - 1] = 1 }
		/^#/ { next }
		{ for (i in blank) $i = ""
		  if (dl) { if ($NF != "4242") print "BAD_SESSION"; NF-- }
		  print }' OFS='\t' "$1" | sort
}
for log in conn dns http ssl; do
	[ -f "$tmp/ref/$log.log" ] || continue
	rows "$tmp/ref/$log.log" "" > "$tmp/ref.$log"
	if [ "$log" = conn ]; then rows "$tmp/live/$log.log" 1; else rows "$tmp/live/$log.log" ""; fi \
		> "$tmp/live.$log" 2> /dev/null
	cmp -s "$tmp/ref.$log" "$tmp/live.$log"
	check $? "$log.log through the tap equals vigil -r's ($(wc -l < "$tmp/ref.$log") rows; $(diff "$tmp/ref.$log" "$tmp/live.$log" | grep -c '^[<>]') differ)"
done

# Sniffing its own egress interface: no loop.
ip netns exec "$ns" "$tap" -i "${tag}c" --to 10.213.0.2 --vni 7 > "$tmp/self.out" 2>&1 &
tpid=$!
sleep 1
for i in 1 2 3 4 5; do
	in_ns bash -c 'echo hello > /dev/udp/10.213.0.2/9' || break
	sleep 0.2
done
check $? "5 datagrams sent on the tapped interface"
sleep 1
kill -INT "$tpid"
wait "$tpid"
tpid=
last=$(grep '^vigil-tap: captured' "$tmp/self.out" | tail -n 1)
read -r cap sent < <(echo "$last" | awk '{ print $3, $5 }')
[ "${cap:-0}" -ge 5 ] && [ "${cap:-0}" -le 20 ] && [ "${sent:-0}" -eq "${cap:-0}" ]
check $? "own datagrams left out: the 5 sent, nothing looped ($last)"

# A user error: one line, non-zero exit.
"$tap" -i "${tag}nonexistent" --to 127.0.0.1 > "$tmp/err.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l < "$tmp/err.out")" -eq 1 ]
check $? "a missing interface: one line, exit $rc ($(cat "$tmp/err.out"))"
echo "vigil-tap: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
