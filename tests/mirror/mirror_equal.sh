#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# mirror_equal.sh VIGIL VIGIL_GEN [SHARED]
#
# For every trace of the Zeek-parity conn-core and tunnels areas, and for
# vigil-gen's own traffic: wrap it as each mirror source sends it
# (vigil-gen --wrap) and read it with --mirror auto restricted to the
# collectors the wrapper sends to. conn.log must equal, row for row and field
# for field, the conn.log of the unwrapped trace, the mirror_session column
# aside. Also checks that a source-truncated (--truncate) wrap is read
# without errors and counted. The traces are independent: MIRROR_JOBS of
# them (default 2, the cores CI has) are wrapped and read at once, each in
# its own directory; the checks and failures are added up at the end.
set -u
vigil=$1
gen=$2
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
shared=${3:-${VIGIL_SHARED:-$here/../../../shared}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
formats="aws-vxlan azure-vxlan aws-gwlb gcp-raw gcp-geneve erspan2 erspan3"
collectors=(--mirror auto --mirror-collector 10.0.100.10 --mirror-collector 10.1.0.100
	--mirror-collector 10.0.200.20 --mirror-collector 10.128.0.100
	--mirror-collector 192.0.2.100)
checks=0
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# conn.log rows without the header lines and without mirror_session, sorted.
rows() {
	local f=$1/conn.log
	[ -f "$f" ] || return 0
	awk -F'\t' '
		/^#fields/ { for (i = 2; i <= NF; i++) if ($i == "mirror_session") drop = i - 1; next }
		/^#/ { next }
		{ out = ""; for (i = 1; i <= NF; i++) if (i != drop) out = out (out == "" ? "" : "\t") $i; print out }
	' "$f" | sort
}

traces=()
if [ -f "$shared/zeek-parity/manifest.tsv" ]; then
	while IFS=$'\t' read -r _ area trace _; do
		case "$area" in conn-core|tunnels) traces+=("$shared/zeek-parity/$trace") ;; esac
	done < "$shared/zeek-parity/manifest.tsv"
fi
"$gen" -o "$tmp/gen.pcap" -n 30000 -f 300 --ipv6 20 -s 5 -q
traces+=("$tmp/gen.pcap")

# one_trace N TRACE: every wrap of one trace; its checks and failures into
# $tmp/tN/count ("checks fails"), its messages on stderr.
one_trace() {
	local n=$1 t=$2 base=$tmp/t$1 want got f
	checks=0 fails=0
	mkdir -p "$base/plain"
	# Traces vigil cannot read at all (unsupported link type) are not wrappable either.
	if ! "$vigil" -q -r "$t" -o "$base/plain" 2> "$base/err"; then
		grep -q "cannot decode" "$base/err" ||
			fail "$(basename "$t"): plain read failed: $(cat "$base/err")"
		echo "$checks $fails" > "$base/count"
		return
	fi
	want=$(rows "$base/plain")
	for f in $formats; do
		checks=$((checks + 1))
		mkdir -p "$base/$f"
		if ! "$gen" --wrap "$f" --in "$t" -o "$base/$f.pcap" -q 2> "$base/$f.err"; then
			fail "$(basename "$t") $f: wrap failed: $(head -n 1 "$base/$f.err")"
			continue
		fi
		if ! "$vigil" -q -r "$base/$f.pcap" -o "$base/$f" "${collectors[@]}" \
			2> "$base/$f.err"; then
			fail "$(basename "$t") $f: read failed: $(head -n 1 "$base/$f.err")"
			continue
		fi
		got=$(rows "$base/$f")
		if [ "$got" != "$want" ]; then
			fail "$(basename "$t") $f: conn.log differs"
			diff <(echo "$want") <(echo "$got") | head -n 6 >&2
		fi
		rm -f "$base/$f.pcap"
	done
	echo "$checks $fails" > "$base/count"
}
jobs_max=${MIRROR_JOBS:-2}
n=0
for t in $(printf '%s\n' "${traces[@]}" | sort -u); do
	n=$((n + 1))
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
	one_trace "$n" "$t" &
done
wait
for ((i = 1; i <= n; i++)); do
	if [ ! -f "$tmp/t$i/count" ]; then
		fail "trace $i: its job left no count"
		continue
	fi
	read -r c f < "$tmp/t$i/count"
	checks=$((checks + c))
	fails=$((fails + f))
done

# Truncated by the source (AWS PacketLength): read without error, counted.
mkdir -p "$tmp/genplain"
"$vigil" -q -r "$tmp/gen.pcap" -o "$tmp/genplain"
for f in aws-vxlan gcp-geneve erspan3; do
	checks=$((checks + 1))
	"$gen" --wrap "$f" --in "$tmp/gen.pcap" --truncate 96 -o "$tmp/trunc-$f.pcap" -q
	mkdir -p "$tmp/trunc-$f"
	out=$("$vigil" -q --stats -r "$tmp/trunc-$f.pcap" -o "$tmp/trunc-$f" "${collectors[@]}" 2>&1)
	cut=$(echo "$out" | sed -n 's/.*mirror-truncated \([0-9]*\).*/\1/p')
	if [ -z "$cut" ] || [ "$cut" -eq 0 ]; then
		fail "truncated $f: no mirror-truncated packets counted ($out)"
	fi
	if [ -f "$tmp/trunc-$f/weird.log" ] && grep -q truncated_IP "$tmp/trunc-$f/weird.log"; then
		fail "truncated $f: truncation reported as malformed IP"
	fi
	rows_t=$(rows "$tmp/trunc-$f" | wc -l)
	rows_p=$(rows "$tmp/genplain" | wc -l)
	[ "$rows_t" -eq "$rows_p" ] || fail "truncated $f: $rows_t conns, plain has $rows_p"
done

echo "mirror: $checks checks over $n traces, $fails failed"
[ "$fails" -eq 0 ]
