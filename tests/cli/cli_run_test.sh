#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# cli_run_test.sh VIGIL VIGIL_GEN VIGIL_LOGD
#
# How a run ends and what it leaves, as a user meets it: a stop signal in the
# middle of a read logs every connection and closes the logs (as Zeek does);
# SIGHUP after logrotate moved a log closes it and starts a new one; -r with
# --logd waits for vigil-logd, and gives up with an error (never silently);
# a run that dropped records says so last. With root (EAL's files): a vdev
# that fails is named, and -i captures a kernel interface (loopback here).
set -u
vigil=$1
gen=$2
logd=$3
tmp=$(mktemp -d)
shm=vgclirun$$
prefix=vgclirun$$
cleanup() {
	exec 3>&- 2> /dev/null
	rm -rf "$tmp" "/dev/shm/$shm" "/dev/shm/${shm}b" "/dev/shm/${shm}c" "/var/run/dpdk/$prefix"* 2> /dev/null
}
trap cleanup EXIT

. "$(dirname "$0")/../check.sh"

rows() { grep -v '^#' "$1" | sort; }
# wait_exit PID SECS: waits for PID to end; wrc is its status, or 124 after
# SECS (it is then killed).
wait_exit() {
	local i
	for i in $(seq $(($2 * 10))); do
		kill -0 "$1" 2> /dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2> /dev/null; then
		kill -KILL "$1" 2> /dev/null
		wait "$1" 2> /dev/null
		wrc=124
		return
	fi
	wait "$1"
	wrc=$?
}
# Waits up to 10 s for a condition (a shell command string).
wait_for() {
	for _ in $(seq 100); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
}

"$gen" -o "$tmp/big.pcap" -n 100000 -f 10000 -s 5 -q; check $? "vigil-gen writes a pcap"
size=$(stat -c %s "$tmp/big.pcap")
mkdir -p "$tmp/ref"
"$vigil" -q -r "$tmp/big.pcap" -o "$tmp/ref"; check $? "reference run"
ref=$(rows "$tmp/ref/conn.log" | wc -l)

# --- A stop signal mid-read: a named pipe keeps the read open (no end of
# file yet), 60 % of the capture in it.
for sig in INT TERM; do
	d=$tmp/sig$sig
	mkdir -p "$d"
	mkfifo "$d/fifo"
	"$vigil" -r "$d/fifo" -o "$d" 2> "$d/err" &
	pid=$!
	exec 3> "$d/fifo"
	head -c $((size * 6 / 10)) "$tmp/big.pcap" >&3
	sleep 1
	kill -"$sig" $pid
	wait_exit $pid 10
	check $wrc "SIG$sig mid-read: exit 0 (got $wrc; $(tail -n 1 "$d/err"))"
	exec 3>&-
	tail -n 1 "$d/conn.log" 2> /dev/null | grep -q '^#close'
	check $? "SIG$sig mid-read: conn.log ends with #close"
	n=$(rows "$d/conn.log" 2> /dev/null | wc -l)
	[ "$n" -gt 0 ] && [ "$n" -lt "$ref" ]; check $? "SIG$sig mid-read: rows for what was read ($n of $ref)"
	grep -q "stopped by SIG$sig after [0-9]* packets" "$d/err"; check $? "SIG$sig mid-read: says it stopped"
done
# The whole file read, the pipe still open: the stop logs exactly what the end of file would.
d=$tmp/sigall
mkdir -p "$d"
mkfifo "$d/fifo"
"$vigil" -q -r - -o "$d" < "$d/fifo" &
pid=$!
exec 3> "$d/fifo"
cat "$tmp/big.pcap" >&3
sleep 2
kill -TERM $pid
wait_exit $pid 10
check $wrc "SIGTERM after the whole file: exit 0 (got $wrc)"
exec 3>&-
diff <(rows "$tmp/ref/conn.log") <(rows "$d/conn.log") > /dev/null
check $? "SIGTERM after the whole file: the same conn.log rows as the end of file"

# --- SIGHUP: logrotate moved conn.log; vigil closes it (#close) and starts anew.
# Two captures 3 h apart in one stream: the second's first packets end the
# first's connections (inactivity), so rows exist while the read goes on.
"$gen" -o "$tmp/a.pcap" -n 30000 -f 3000 -s 8 --start 1700000000 -q
"$gen" -o "$tmp/b.pcap" -n 30000 -f 3000 -s 9 --start 1700010800 -q
tail -c +25 "$tmp/b.pcap" > "$tmp/b.body"
mkdir -p "$tmp/hupref"
cat "$tmp/a.pcap" "$tmp/b.body" | "$vigil" -q -r - -o "$tmp/hupref"; check $? "two-part reference run"
d=$tmp/hup
mkdir -p "$d"
mkfifo "$d/fifo"
"$vigil" -q -r - -o "$d" < "$d/fifo" &
pid=$!
exec 3> "$d/fifo"
cat "$tmp/a.pcap" >&3
sleep 0.5
# SIGHUP takes effect with the next packets read: each one is followed by some.
kill -HUP $pid
bsize=$(stat -c %s "$tmp/b.body")
head -c $((bsize / 4)) "$tmp/b.body" >&3
wait_for "grep -qv '^#' '$d/conn.log' 2> /dev/null"
check $? "SIGHUP, file in place: the rows so far are flushed to conn.log"
mv "$d/conn.log" "$d/conn.log.1"
kill -HUP $pid
sleep 0.5
tail -c +$((bsize / 4 + 1)) "$tmp/b.body" >&3
exec 3>&-
wait $pid; check $? "SIGHUP run: exit 0"
tail -n 1 "$d/conn.log.1" | grep -q '^#close'; check $? "SIGHUP: the moved file got its #close"
head -n 1 "$d/conn.log" | grep -q '^#separator'; check $? "SIGHUP: a new conn.log with its header"
tail -n 1 "$d/conn.log" | grep -q '^#close'; check $? "SIGHUP: the new conn.log closed at the end"
diff <(rows "$tmp/hupref/conn.log") <(cat "$d/conn.log.1" "$d/conn.log" | grep -v '^#' | sort) > /dev/null
check $? "SIGHUP: the two files hold every row once"

# --- -r with --logd: vigil-logd never comes: vigil gives up after --logd-wait, fails, says so last.
start=$(date +%s)
"$vigil" -q -r "$tmp/big.pcap" --logd "$shm" --ring-size 64K --logd-wait 1 2> "$tmp/err"
rc=$?
[ "$rc" -eq 1 ]; check $? "--logd without vigil-logd: exit 1 (got $rc)"
[ $(($(date +%s) - start)) -lt 10 ]; check $? "--logd without vigil-logd: gives up after --logd-wait"
tail -n 1 "$tmp/err" | grep -q "vigil-logd did not read /dev/shm/$shm for 1 s.*records dropped"
check $? "--logd without vigil-logd: the last line says records were dropped ($(tail -n 1 "$tmp/err"))"
mkdir -p "$tmp/late"
"$logd" --shm "$shm" -o "$tmp/late" --exit-when-done --wait 2 2> "$tmp/err"
check $? "vigil-logd after a failed sensor: exit 0"
tail -n 1 "$tmp/err" | grep -q "dropped [0-9]* records"
check $? "vigil-logd says the sensor dropped records ($(tail -n 1 "$tmp/err"))"
! grep -q "every record written" "$tmp/err"; check $? "vigil-logd does not claim every record"

# A second sensor on a segment in use is told to pick another --logd name (its flag).
"$vigil" -q -r "$tmp/big.pcap" --logd "${shm}c" --ring-size 64K --logd-wait 20 2> /dev/null &
pid=$!
wait_for "[ -e /dev/shm/${shm}c ]"
sleep 0.5
"$vigil" -q -r "$tmp/big.pcap" --logd "${shm}c" --ring-size 64K 2> "$tmp/err"
rc=$?
[ "$rc" -eq 1 ]; check $? "segment in use: exit 1 (got $rc)"
grep -q "in use by process $pid; stop it or choose another --logd name" "$tmp/err"
check $? "segment in use: names the process and vigil's flag ($(cat "$tmp/err"))"
kill -TERM $pid
wait $pid
rm -f "/dev/shm/${shm}c"

# vigil-logd started after vigil (within --logd-wait): nothing is lost, both exit 0.
mkdir -p "$tmp/order"
"$vigil" -q -r "$tmp/big.pcap" --logd "${shm}b" --ring-size 64K &
pid=$!
sleep 1.5
"$logd" --shm "${shm}b" -o "$tmp/order" --exit-when-done 2> "$tmp/err"
check $? "vigil-logd started second: exit 0"
wait $pid; check $? "vigil --logd, vigil-logd started second: exit 0"
diff <(rows "$tmp/ref/conn.log") <(rows "$tmp/order/conn.log") > /dev/null
check $? "vigil-logd started second: every conn row"

# --- Live, needs root for EAL's runtime files (no NIC, no hugepages).
if [ "$(id -u)" -ne 0 ]; then
	skip "cli-run: the live checks need root"
fi
eal=(--no-huge -m 512 --no-pci --file-prefix "$prefix")
"$vigil" "${eal[@]}" -l 0-1 --vdev "net_pcap0,rx_pcap=$tmp/nope.pcap" -- -o "$tmp" \
	> /dev/null 2> "$tmp/err"
rc=$?
[ "$rc" -eq 1 ]; check $? "failed vdev: exit 1 (got $rc)"
tail -n 1 "$tmp/err" | grep -q "DPDK made no port: .*nope.pcap"
check $? "failed vdev: its error is named ($(tail -n 1 "$tmp/err"))"

# SIGHUP live: stats.log (a row a second) moved away gets its #close, a new one starts.
d=$tmp/livehup
mkdir -p "$d"
"$vigil" "${eal[@]}" -l 0-1 --vdev "net_pcap0,rx_pcap=$tmp/big.pcap" -- -o "$d" \
	--stats-interval 1 > /dev/null 2> "$d/err" &
pid=$!
wait_for "grep -q 'port(s)' '$d/err'"
# A HUP every 0.5 s until the first rows (a row a second once EAL is up) are flushed.
for _ in $(seq 40); do
	sleep 0.5
	kill -HUP $pid
	grep -qv '^#' "$d/stats.log" 2> /dev/null && break
done
wait_for "grep -qv '^#' '$d/stats.log' 2> /dev/null"
check $? "live SIGHUP, file in place: stats rows flushed"
mv "$d/stats.log" "$d/stats.log.1"
kill -HUP $pid
sleep 2.5
kill -TERM $pid
wait_exit $pid 20
check $wrc "live SIGHUP run: exit 0 (got $wrc; $(tail -n 1 "$d/err"))"
tail -n 1 "$d/stats.log.1" | grep -q '^#close'; check $? "live SIGHUP: the moved stats.log got its #close"
head -n 1 "$d/stats.log" 2> /dev/null | grep -q '^#separator' && tail -n 1 "$d/stats.log" | grep -q '^#close'
check $? "live SIGHUP: a new stats.log, closed at the end"

# -i: loopback through net_af_packet, EAL's options written by vigil, a filter in the worker.
d=$tmp/iface
mkdir -p "$d"
"$vigil" -i lo -o "$d" --stats -f "udp port 47601" > /dev/null 2> "$d/err" &
pid=$!
wait_for "grep -q 'port(s)' '$d/err'"; check $? "-i lo: capture starts"
sleep 0.5
python3 - <<'PY'
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port in (47601, 47602):
    for _ in range(3):
        u.sendto(b"vigil", ("127.0.0.1", port))
PY
sleep 1
kill -TERM $pid
wait $pid; check $? "-i lo: exit 0 ($(tail -n 1 "$d/err"))"
grep -q '	47601	udp	' "$d/conn.log"; check $? "-i lo: the UDP flow to 47601 is logged"
! grep -q '	47602	udp	' "$d/conn.log"; check $? "-i lo -f: the flow to 47602 is filtered out"
grep -q "vigil: filtered [1-9]" "$d/err"; check $? "-i lo -f: filtered packets counted"

echo "cli-run: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
