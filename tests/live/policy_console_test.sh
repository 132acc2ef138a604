#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# policy_console_test.sh VIGIL VIGIL_CTL
#
# The sensor's console and its in-process writer's export policy
# (doc/policy.md): on a sensor replaying sample.pcap through net_pcap,
# `set log conn sample 0` stops conn.log growing within a second or two and
# `sample 1` starts it again, `show logs` shows the rate, a bad rate is one
# line and exit 1, each change is on stderr and in reporter.log; on a sensor
# with --logd, `set log` is refused with a line pointing at vigil-ctl --logd.
# No hugepages, no NIC; root for EAL. Prints "policy-console: N checks, M failed".
set -u
vigil=$1
ctl=$2
. "$(dirname "$0")/../check.sh"
[ "$(id -u)" -eq 0 ] || skip "policy-console: needs root for EAL"
here=$(cd "$(dirname "$0")" && pwd)
pcap=$here/../data/sample.pcap
tmp=$(mktemp -d)
tag=vgpolc$$
cleanup() {
	[ -n "${vpid:-}" ] && kill "$vpid" 2> /dev/null && wait "$vpid" 2> /dev/null
	rm -rf "$tmp" /var/run/dpdk/$tag* /dev/shm/${tag}shm 2> /dev/null
}
trap cleanup EXIT
eal=(--no-huge -m 1024 --no-pci -l 0-1 --log-level lib.eal:error
	--vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1")
sock=$tmp/c.sock
c() { "$ctl" --socket "$sock" "$@"; }
size() { stat -c %s "$tmp/o/conn.log" 2> /dev/null || echo 0; }
up() { # seconds: wait until the console answers
	for _ in $(seq $(($1 * 10))); do
		c show logs > /dev/null 2>&1 && return 0
		kill -0 "$vpid" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

mkdir -p "$tmp/o"
printf 'version: 1\nlogs:\n  weird: {sample: 0.5}\n' > "$tmp/p.yaml"
"$vigil" "${eal[@]}" --file-prefix "${tag}a" -- -o "$tmp/o" --mbufs 65535 --duration 60 -q \
	--export-policy "$tmp/p.yaml" --console-socket "$sock" 2> "$tmp/a.err" &
vpid=$!
up 15
check $? "the sensor's console answers within 15 s"
c show logs | grep -q "^weird on sample 0.5$"
check $? "show logs shows the file's sample (weird 0.5)"
s0=$(size)
sleep 1.5
s1=$(size)
check $((s1 <= s0)) "conn.log grows ($s0 -> $s1)"
ans=$(c set log conn sample 0)
check $? "set log conn sample 0 ($ans)"
[ "$ans" = "set log conn sample 0" ]
check $? "the answer says the change ($ans)"
sleep 1.2
s2=$(size)
sleep 2
s3=$(size)
check $((s3 != s2)) "conn.log stops growing at sample 0 ($s2 -> $s3)"
c show logs | grep -q "^conn on sample 0$"
check $? "show logs: conn on sample 0"
c set log conn sample 1 > /dev/null
sleep 2
s4=$(size)
check $((s4 <= s3)) "conn.log grows again at sample 1 ($s3 -> $s4)"
out=$(c set log conn sample 2 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <<< "$out")" -eq 1 ]
check $? "set log conn sample 2: one line and exit 1 ($rc: $out)"
out=$(c set log conn sample 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <<< "$out")" -eq 1 ]
check $? "set log conn sample (no rate): one line and exit 1 ($rc: $out)"
c quit > /dev/null 2>&1
wait "$vpid"
vpid=
grep -q "^vigil: policy: set log conn sample 0$" "$tmp/a.err"
check $? "the change on stderr"
grep -q "Reporter::INFO	set log conn sample 0	console" "$tmp/o/reporter.log"
check $? "the change in reporter.log"

# With --logd: refused, pointing at vigil-ctl --logd.
mkdir -p "$tmp/l"
"$vigil" "${eal[@]}" --file-prefix "${tag}b" -- -o "$tmp/l" --mbufs 65535 --duration 60 -q \
	--logd "${tag}shm" --console-socket "$sock" 2> "$tmp/b.err" &
vpid=$!
up 15
check $? "the --logd sensor's console answers"
out=$(c set log dns sample 0.5 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <<< "$out")" -eq 1 ] && grep -q "vigil-ctl --logd set log dns" <<< "$out"
check $? "--logd: set log refused, pointing at vigil-ctl --logd ($rc: $out)"
c quit > /dev/null 2>&1
wait "$vpid"
vpid=

echo "policy-console: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
