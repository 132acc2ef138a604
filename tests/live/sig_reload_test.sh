#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sig_reload_test.sh VIGIL VIGIL_GEN VIGIL_CTL
#
# A signature reload under traffic loses no packet and no match. A vigil-gen
# --apps trace (HTTP, TLS, SSH among 10k concurrent flows) is replayed
# through net_pcap into live vigil with three signatures; while it runs,
# SIGHUP reloads the signature file four times (the second time through
# the console: vigil-ctl reload sig), once from a broken copy (that reload
# must fail and leave the running set in place). Then:
#   - every packet was processed (the worker's count is the trace's);
#   - signatures.log holds exactly the matches of vigil -r on the same trace
#     (sig_id and endpoints, sorted), though connections began under
#     different generations of the set;
#   - vigil said each reload was done, and the broken one failed;
#   - --stats counted the reloads and no abandoned connection.
# No hugepages, no NIC (--no-huge --no-pci); needs root for EAL (skips
# without it, fails under CI=true).
set -u
vigil=$1
gen=$2
ctl=$3
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
tag=vgsigrl$$
tmp=$(mktemp -d)
cleanup() {
	[ -n "${vpid:-}" ] && kill "$vpid" 2> /dev/null
	rm -rf "$tmp" "/var/run/dpdk/$tag"* 2> /dev/null
}
trap cleanup EXIT
. "$here/../check.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "sig-reload: needs root for EAL; skipping"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
npkts=600000
"$gen" -o "$tmp/t.pcap" -n $npkts -f 10000 --sizes 64-600 -s 7 --apps -q ||
	{ echo "FAIL: vigil-gen"; exit 1; }
cat > "$tmp/good.sig" <<'SIG'
signature rl-http {
	ip-proto == tcp
	http-request /\//
	event "an HTTP request"
}
signature rl-tls {
	ip-proto == tcp
	payload /\x16\x03[\x00-\x04]/
	tcp-state originator
	event "a TLS client hello"
}
signature rl-ssh {
	ip-proto == tcp
	payload /SSH-2\.0/
	event "an SSH banner"
}
SIG
printf 'signature broken {\n\tpayload /unterminated\n}\n' > "$tmp/bad.sig"
cp "$tmp/good.sig" "$tmp/live.sig"

matches() { # sig_id and endpoints of every Sensitive_Signature row, sorted
	awk -F'\t' '/^#fields/ { for (i = 2; i <= NF; i++) c[$i] = i - 1; next } /^#/ { next }
		{ print $c["sig_id"], $c["src_addr"], $c["src_port"], $c["dst_addr"], $c["dst_port"] }' \
		"$1/signatures.log" | sort
}

mkdir "$tmp/off" "$tmp/live"
"$vigil" -q -r "$tmp/t.pcap" -s "$tmp/good.sig" -o "$tmp/off" ||
	{ echo "FAIL: vigil -r"; exit 1; }
want=$(matches "$tmp/off")
[ -n "$want" ] || { echo "FAIL: the reference run matched nothing"; exit 1; }

"$vigil" --no-huge -m 1024 --no-pci --file-prefix "$tag" --lcores 0@0,1@1 \
	--log-level lib.eal:error --vdev "net_pcap0,rx_pcap=$tmp/t.pcap" -- \
	-o "$tmp/live" --exit-idle 2 -s "$tmp/live.sig" --stats --console-socket "$tmp/c.sock" > "$tmp/live.out" 2>&1 &
vpid=$!
# Reload while the packets flow: wait for the first ones, then four SIGHUPs
# (the third from the broken file), each once the one before has finished.
for _ in $(seq 1 100); do
	grep -q 'vigil: [0-9]* port' "$tmp/live.out" 2> /dev/null && break
	sleep 0.1
done
hup() { # sends SIGHUP (or, with a third argument, vigil-ctl reload sig) and
	# waits for vigil's answer (the n-th such line)
	if [ -n "${3:-}" ]; then
		"$ctl" --socket "$tmp/c.sock" reload sig > "$tmp/ctl.out" 2>&1
		check $? "vigil-ctl reload sig: $(cat "$tmp/ctl.out")"
	else
		kill -HUP "$vpid"
	fi
	for _ in $(seq 1 100); do
		[ "$(grep -c "$1" "$tmp/live.out")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
sleep 0.3
hup 'signatures reloaded' 1 || echo "note: reload 1 not confirmed in time"
hup 'signatures reloaded' 2 ctl || echo "note: reload 2 (vigil-ctl) not confirmed in time"
cp "$tmp/bad.sig" "$tmp/live.sig"
hup 'signature reload failed' 1 || echo "note: the failed reload was not reported in time"
cp "$tmp/good.sig" "$tmp/live.sig"
hup 'signatures reloaded' 3 || echo "note: reload 3 not confirmed in time"
wait "$vpid"
rc=$?
vpid=
out=$tmp/live.out
[ "$rc" -eq 0 ]
check $? "vigil exits 0 (got $rc)"
grep -q "worker 0 lcore [0-9]* packets $npkts\$" "$out"
check $? "every packet processed ($npkts)"
[ "$(grep -c 'signatures reloaded' "$out")" -eq 3 ]
check $? "three reloads done"
grep -q 'signature reload failed.*running signatures stay' "$out"
check $? "the broken file failed and said so"
grep -q 'unterminated' "$out"
check $? "the broken file's error is shown"
grep -q 'signatures .* reloads 3 reload_abandoned 0 ' "$out"
check $? "--stats counts 3 reloads and nothing abandoned"
got=$(matches "$tmp/live")
[ "$got" = "$want" ]
check $? "signatures.log equals vigil -r's ($(echo "$want" | wc -l) rows wanted, $(echo "$got" | wc -l) logged)"
[ "$got" = "$want" ] || diff <(echo "$want") <(echo "$got") | head -n 6
[ "$fails" -eq 0 ] || sed 's/^/  vigil: /' "$out" | grep -v analyzer-counters | tail -n 20
echo "sig-reload: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
