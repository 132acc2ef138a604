#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# live_parity.sh VIGIL [SHARED]
#
# The Zeek-parity conn-core and tunnels traces (Ethernet ones: a DPDK port
# delivers Ethernet) replayed through net_pcap into live vigil with 1 and
# with 2 workers must give the same conn.log as vigil -r, row for row and
# field for field (uids aside: they depend on which worker made them).
# No hugepages, no NIC: --no-huge --no-pci and a vdev.
# The live runs are independent and mostly wait (--exit-idle 1 after a
# trace of at most a few thousand packets): LIVE_PARITY_JOBS of them (default
# 4) run at once, each with its own file prefix and directory; a trace's
# packets fit its dispatch ring (4096), so no run can drop one for want of CPU.
set -u
vigil=$1
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
shared=${2:-${VIGIL_SHARED:-$here/../../../shared}}
tmp=$(mktemp -d)
# EAL leaves a runtime directory per --file-prefix behind: remove ours.
trap 'rm -rf "$tmp" /var/run/dpdk/vglive$$-* 2> /dev/null' EXIT
. "$here/../check.sh"
if [ ! -f "$shared/zeek-parity/manifest.tsv" ]; then
	skip "live: no corpus at $shared"
fi
rows() { # conn.log without header lines, uid and tunnel_parents (uids), sorted
	[ -f "$1/conn.log" ] || return 0
	awk -F'\t' '
		/^#fields/ { for (i = 2; i <= NF; i++) { if ($i == "uid") u = i - 1; if ($i == "tunnel_parents") t = i - 1 }; next }
		/^#/ { next }
		{ o = ""; for (i = 1; i <= NF; i++) if (i != u) o = o (o == "" ? "" : "\t") (i == t && $i != "-" ? "P" : $i); print o }
	' "$1/conn.log" | sort
}
traces=$(awk -F'\t' '$2 == "conn-core" || $2 == "tunnels" { print $3 }' "$shared/zeek-parity/manifest.tsv" | sort -u)
jobs_max=${LIVE_PARITY_JOBS:-4}
# live N W FILE: one live run of trace N with W workers; its verdict (empty:
# the same conn.log as vigil -r) into $tmp/N/wW.verdict.
live() {
	local n=$1 w=$2 f=$3 lcores='0@0,1@1' v=
	[ "$w" = 2 ] && lcores='0@0,1@1,2@1'
	mkdir -p "$tmp/$n/w$w"
	if ! timeout 120 "$vigil" --no-huge -m 512 --no-pci --file-prefix "vglive$$-$n-$w" \
		--lcores "$lcores" --log-level lib.eal:error \
		--vdev "net_pcap0,rx_pcap=$f" -- -q -o "$tmp/$n/w$w" --exit-idle 1 \
		> "$tmp/$n/w$w.out" 2>&1; then
		v="FAIL: $(basename "$f") $w worker(s): vigil failed: $(tail -n 2 "$tmp/$n/w$w.out")"
	elif [ "$(rows "$tmp/$n/w$w")" != "$(cat "$tmp/$n/want")" ]; then
		v="FAIL: $(basename "$f") $w worker(s): conn.log differs from vigil -r
$(diff "$tmp/$n/want" <(rows "$tmp/$n/w$w") | head -n 6)"
	fi
	printf '%s' "$v" > "$tmp/$n/w$w.verdict"
}
n=0
for t in $traces; do
	f=$shared/zeek-parity/$t
	link=$(tcpdump -r "$f" -c 1 2>&1 >/dev/null | sed -n 's/.*link-type \([^ ]*\).*/\1/p')
	[ "$link" = EN10MB ] || continue
	# A port delivers whole frames: traces cut by a snaplen cannot be replayed.
	python3 - "$f" <<'PY' || continue
import struct, sys
d = open(sys.argv[1], "rb").read()
e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
off = 24
while off + 16 <= len(d):
    cap, wire = struct.unpack_from(e + "II", d, off + 8)
    if cap < wire:
        sys.exit(1)
    off += 16 + cap
PY
	n=$((n + 1))
	mkdir -p "$tmp/$n/off"
	"$vigil" -q -r "$f" -o "$tmp/$n/off" 2>/dev/null
	rows "$tmp/$n/off" > "$tmp/$n/want"
	for w in 1 2; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
			wait -n
		done
		live "$n" "$w" "$f" &
	done
done
wait
# Every run's verdict, in order: a run that left none failed too.
for ((i = 1; i <= n; i++)); do
	for w in 1 2; do
		checks=$((checks + 1))
		if [ ! -f "$tmp/$i/w$w.verdict" ]; then
			echo "FAIL: trace $i $w worker(s): the run left no verdict" >&2
			fails=$((fails + 1))
		elif [ -s "$tmp/$i/w$w.verdict" ]; then
			cat "$tmp/$i/w$w.verdict" >&2
			echo >&2
			fails=$((fails + 1))
		fi
	done
done
echo "live: $checks checks over $n traces, $fails failed"
[ "$fails" -eq 0 ]
