#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# live_stop_test.sh VIGIL VIGIL_LOGD VIGIL_GEN
#
# Nothing is lost at stop. A vigil-gen trace of 400k packets with 60k
# concurrent flows is replayed through net_pcap; when vigil stops, tens of
# thousands of connections are still open and their records fill a 4 MiB log
# ring several times over. Every way of stopping must log every connection:
#   a. --exit-idle, in-process writer, 1 worker: conn.log equals vigil -r's
#   b. --exit-idle, vigil-logd writing (4 MiB rings: the connections still
#      open at stop fill them several times over, while the records of the
#      replay itself fit between two of vigil-logd's idle sleeps, up to 50 ms):
#      conn.log equals vigil -r's, and the worker waited for room
#      (flush-waits) instead of dropping
#   c. SIGTERM in the middle of the replay, 2 workers: conn.log has a row for
#      every connection vigil counted
#   d. --duration, 1 worker, 256 KiB rings (a loaded machine reads less of
#      the trace in 3 s): the same
# and e. drops that do happen (vigil-logd not running) are reported while
# vigil runs, not only with --stats, and on the last line.
# No hugepages, no NIC (--no-huge --no-pci). Needs root for EAL's runtime
# files; exits 77 (skipped) without it, and fails instead under CI=true.
set -u
vigil=$1
logd=$2
gen=$3
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
tag=vgstop$$
tmp=$(mktemp -d)
cleanup() {
	[ -n "${vpid:-}" ] && kill "$vpid" 2> /dev/null
	[ -n "${lpid:-}" ] && kill "$lpid" 2> /dev/null
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	rm -rf "$tmp" "/var/run/dpdk/$tag"* "/dev/shm/$tag"* 2> /dev/null
}
trap cleanup EXIT
. "$here/../check.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "stop: needs root for EAL; skipping"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi

rows() { # conn.log without header lines, uid and tunnel_parents (uids), sorted
	[ -f "$1/conn.log" ] || return 0
	awk -F'\t' '
		/^#fields/ { for (i = 2; i <= NF; i++) { if ($i == "uid") u = i - 1; if ($i == "tunnel_parents") t = i - 1 }; next }
		/^#/ { next }
		{ o = ""; for (i = 1; i <= NF; i++) if (i != u) o = o (o == "" ? "" : "\t") (i == t && $i != "-" ? "P" : $i); print o }
	' "$1/conn.log" | sort
}
nrows() { rows "$1" | wc -l; }
stat_of() { # stat_of OUT NAME: a counter from the --stats line
	sed -n "s/^vigil: packets .* $2 \([0-9]*\).*/\1/p" "$1"
}
eal() { # eal NAME LCORES: EAL options for one run
	echo --no-huge -m 1024 --no-pci --file-prefix "$tag$1" --lcores "$2" \
		--log-level lib.eal:error --vdev "net_pcap0,rx_pcap=$tmp/big.pcap"
}

"$gen" -o "$tmp/big.pcap" -n 400k -f 60k -s 8 -q
check $? "vigil-gen writes the trace"
mkdir -p "$tmp/off"
"$vigil" -q -r "$tmp/big.pcap" -o "$tmp/off"
want=$(rows "$tmp/off")
nwant=$(nrows "$tmp/off")
[ "$nwant" -gt 60000 ]
check $? "vigil -r logs over 60k connections ($nwant)"

# a. In-process writer, --exit-idle.
mkdir -p "$tmp/a"
# shellcheck disable=SC2046
timeout 120 "$vigil" $(eal a '0@0,1@1') -- -q -o "$tmp/a" --exit-idle 1 --stats \
	> "$tmp/a.out" 2>&1
check $? "a: vigil exits 0 ($(tail -n 1 "$tmp/a.out"))"
[ "$(rows "$tmp/a")" = "$want" ]
check $? "a: conn.log equals vigil -r's ($(nrows "$tmp/a") rows, want $nwant; $(grep -o 'ring-drops [0-9]*' "$tmp/a.out"))"

# b. vigil-logd writes; at stop the worker waits for it.
mkdir -p "$tmp/b"
"$logd" --shm "${tag}b" -o "$tmp/b" --exit-when-done --wait 60 -q 2> "$tmp/b.logd" &
lpid=$!
# shellcheck disable=SC2046
timeout 120 "$vigil" $(eal b '0@0,1@1') -- -q --logd "${tag}b" --ring-size 4M --exit-idle 1 \
	--stats > "$tmp/b.out" 2>&1
check $? "b: vigil exits 0 ($(tail -n 1 "$tmp/b.out"))"
timeout 60 tail --pid "$lpid" -f /dev/null
wait "$lpid"
check $? "b: vigil-logd exits 0 ($(tail -n 1 "$tmp/b.logd"))"
lpid=
[ "$(rows "$tmp/b")" = "$want" ]
check $? "b: conn.log equals vigil -r's ($(nrows "$tmp/b") rows, want $nwant)"
[ "$(stat_of "$tmp/b.out" flush-waits)" -gt 0 ] 2> /dev/null
check $? "b: the worker waited for vigil-logd at stop (flush-waits $(stat_of "$tmp/b.out" flush-waits))"

# c. SIGTERM while packets flow, 2 workers (software dispatch).
mkdir -p "$tmp/c"
# shellcheck disable=SC2046
"$vigil" $(eal c '0@0,1@1,2@1') -- -q -o "$tmp/c" --stats > "$tmp/c.out" 2>&1 &
vpid=$!
pk=0
for _ in $(seq 300); do
	pk=$(python3 "$here/telemetry_query.py" "${tag}c" /vigil/stats 2> /dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["/vigil/stats"]["packets"])' \
			2> /dev/null)
	[ "${pk:-0}" -ge 150000 ] && break
	sleep 0.1
done
kill -TERM "$vpid"
timeout 60 tail --pid "$vpid" -f /dev/null
wait "$vpid"
check $? "c: vigil exits 0 after SIGTERM ($(tail -n 1 "$tmp/c.out"))"
vpid=
conns=$(stat_of "$tmp/c.out" conns)
[ "${conns:-0}" -gt 20000 ] && [ "$(nrows "$tmp/c")" -eq "$conns" ]
check $? "c: a row for every connection ($(nrows "$tmp/c") rows, $conns conns, SIGTERM at ${pk:-?} packets)"

# d. --duration.
mkdir -p "$tmp/d"
# shellcheck disable=SC2046
timeout 120 "$vigil" $(eal d '0@0,1@1') -- -q -o "$tmp/d" --duration 3 --ring-size 256K \
	--stats > "$tmp/d.out" 2>&1
check $? "d: vigil exits 0 ($(tail -n 1 "$tmp/d.out"))"
conns=$(stat_of "$tmp/d.out" conns)
[ "${conns:-0}" -gt 5000 ] && [ "$(nrows "$tmp/d")" -eq "$conns" ]
check $? "d: a row for every connection ($(nrows "$tmp/d") rows, $conns conns)"

# e. Drops are said as they happen: --logd with no vigil-logd and the
# smallest rings; 25 s of network time, so connections end (and drop) while
# packets flow. stderr is not a terminal: a line when records were dropped.
"$gen" -o "$tmp/small.pcap" -n 50k -f 1k --rate 2k -s 9 -q
mkdir -p "$tmp/e"
# shellcheck disable=SC2046
timeout 120 "$vigil" --no-huge -m 512 --no-pci --file-prefix "${tag}e" --lcores '0@0,1@1' \
	--log-level lib.eal:error --vdev "net_pcap0,rx_pcap=$tmp/small.pcap" -- \
	--logd "${tag}e" --ring-size 64K --exit-idle 1 > "$tmp/e.out" 2>&1
grep -Eq '^vigil: ring-drops [1-9][0-9]* \(\+[0-9]+\): log records dropped' "$tmp/e.out"
check $? "e: ring drops are reported while running ($(grep -c ring-drops "$tmp/e.out") lines)"
tail -n 1 "$tmp/e.out" | grep -Eq '^vigil: [1-9][0-9]* log records dropped'
check $? "e: the last line says records were dropped ($(tail -n 1 "$tmp/e.out"))"

for r in a b c d; do
	[ "$(stat_of "$tmp/$r.out" ring-drops)" = 0 ]
	check $? "$r: no log record dropped ($(grep -o 'ring-drops [0-9]*' "$tmp/$r.out"))"
done
echo "stop: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
