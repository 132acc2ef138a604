#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The default signature set (config/signatures) on scripted conversations
# (default-set.convo, made into a trace by tools/convo-pcap): every
# signature fires on the conversation its "expect" line names, once, and on
# nothing else; the benign conversations fire nothing. Also checks that each
# signature of the set is expected somewhere (a new rule needs a test).
# With VIGIL_GEN, the same trace wrapped as AWS VPC Traffic Mirroring sends
# it (VXLAN, session 4242) and read with --mirror auto gives the same
# matches, each with mirror_session 4242.
# Usage: default_set_test.sh VIGIL CONVO_PCAP SIGDIR CONVO [VIGIL_GEN]
set -eu
vigil=$1 convo_pcap=$2 sigdir=$3 convo=$4 gen=${5:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$convo_pcap" "$convo" "$work/t.pcap"
set --
for f in "$sigdir"/*.sig; do set -- "$@" -s "$f"; done
mkdir "$work/out"
if ! "$vigil" -r "$work/t.pcap" -o "$work/out" "$@" >"$work/run.txt" 2>&1; then
	cat "$work/run.txt"
	echo "FAIL: vigil did not run the default set"
	exit 1
fi

# Expected: "PORT SIG" per line, from the convo's "# expect PORT a,b" lines.
awk '$1 == "#" && $2 == "expect" {
	n = split($4, ids, ",");
	for (i = 1; i <= n; i++) if (ids[i] != "none") print $3, ids[i] }' "$convo" |
	sort >"$work/want"
# Logged: the client port (the one of the two above 40000) and the sig_id of
# every Sensitive_Signature row.
log=$work/out/signatures.log
[ -f "$log" ] || : >"$log"
awk -F'\t' '/^#fields/ { for (i = 2; i <= NF; i++) col[$i] = i - 1; next }
	/^#/ { next }
	$col["note"] == "Signatures::Sensitive_Signature" {
		p = $col["src_port"] + 0 > 40000 ? $col["src_port"] : $col["dst_port"];
		print p, $col["sig_id"] }' "$log" | sort >"$work/got"

status=0
if ! cmp -s "$work/want" "$work/got"; then
	echo "FAIL: matches differ (< expected, > logged):"
	diff "$work/want" "$work/got" || true
	status=1
fi
# Every signature of the set is covered by an expectation.
for id in $(sed -n 's/^signature[[:space:]]*\([^[:space:]{]*\).*/\1/p' "$sigdir"/*.sig); do
	if ! grep -q " $id\$" "$work/want"; then
		echo "FAIL: signature $id has no conversation in $(basename "$convo")"
		status=1
	fi
done
if [ -n "$gen" ]; then
	"$gen" --wrap aws-vxlan --in "$work/t.pcap" -o "$work/vx.pcap" --session 4242 -q
	mkdir "$work/vx"
	set --
	for f in "$sigdir"/*.sig; do set -- "$@" -s "$f"; done
	"$vigil" -r "$work/vx.pcap" --mirror auto -o "$work/vx" "$@" >"$work/vx.txt" 2>&1 ||
		{ cat "$work/vx.txt"; echo "FAIL: vigil --mirror auto"; exit 1; }
	awk -F'\t' '/^#fields/ { for (i = 2; i <= NF; i++) col[$i] = i - 1; next } /^#/ { next }
		$col["note"] == "Signatures::Sensitive_Signature" {
			p = $col["src_port"] + 0 > 40000 ? $col["src_port"] : $col["dst_port"];
			print p, $col["sig_id"], $col["mirror_session"] }' "$work/vx/signatures.log" |
		sort >"$work/vx.got"
	if ! sed 's/$/ 4242/' "$work/want" | cmp -s - "$work/vx.got"; then
		echo "FAIL: mirrored: matches or mirror_session differ (< expected, > logged):"
		sed 's/$/ 4242/' "$work/want" | diff - "$work/vx.got" || true
		status=1
	fi
fi
[ $status -eq 0 ] && echo "default set: $(wc -l <"$work/got") matches, as expected"
exit $status
