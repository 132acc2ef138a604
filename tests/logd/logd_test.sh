#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# logd_test.sh VIGIL VIGIL_LOGD VIGIL_GEN LOGD_PRODUCER
#
# vigil-logd end to end and under faults: records written into a named
# segment by a producer arrive in conn.log exactly once; killing logd loses
# none (a record may appear twice per kill); a stalled logd makes the producer
# drop and count, never wait; a killed producer is taken over by the next one;
# rotation splits files without losing rows; every user error is one line.
# LOGD_PRODUCER (tests/logd/logd_producer.c) writes synthetic records whose uid
# is "L" and a 12-digit sequence number. When VIGIL knows --logd, the sensor
# itself is checked as the producer too. Prints "logd: N checks, M failed".
set -u
vigil=$1
logd=$2
gen=$3
prod=$4
tmp=$(mktemp -d)
pids=()
names=()

cleanup() {
	local p n
	for p in "${pids[@]}"; do
		kill -CONT "$p" 2> /dev/null
		kill -KILL "$p" 2> /dev/null
	done
	for n in "${names[@]}"; do
		rm -f "/dev/shm/$n"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$(dirname "$0")/../check.sh"

# A fresh shared-memory name for one test in $n, removed at the end.
new_name() {
	n="vigil-logd-test-$$-$1"
	names+=("$n")
	rm -f "/dev/shm/$n"
}

# Data rows in a directory's conn logs (current and rotated), TSV or JSON.
rows() {
	cat "$1"/conn.log "$1"/conn.*.log 2> /dev/null | grep -vc '^#'
}

# The uid of every data row (TSV: column 2; JSON: the "uid" key).
uids() {
	cat "$1"/conn.log "$1"/conn.*.log 2> /dev/null | grep -v '^#' |
		sed -e 's/^{.*"uid":"\([^"]*\)".*/\1/' -e 't' -e 's/^[^\t]*\t\([^\t]*\).*/\1/'
}

# "distinct duplicates": how many uids, and how many rows repeat one.
uid_stats() {
	uids "$1" | sort | uniq -c | awk '{ n++; if ($1 > 1) d += $1 - 1 } END { print n + 0, d + 0 }'
}

# True when the uids with sequence numbers in [from, from + n) are all there.
all_present() { # dir from n
	uids "$1" | awk -v from="$2" -v n="$3" '
		{ s = substr($0, 2) + 0; if (s >= from && s < from + n) seen[s] = 1 }
		END { c = 0; for (k in seen) c++; exit c == n ? 0 : 1 }'
}

# Waits until the conn logs of dir hold at least n rows; false on timeout (s).
wait_rows() { # dir n timeout
	local end=$((SECONDS + $3))
	while [ "$(rows "$1")" -lt "$2" ]; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
	return 0
}

# Waits until the row count stops changing for half a second.
wait_settled() { # dir timeout
	local end=$((SECONDS + $2)) last=-1 now
	while :; do
		now=$(rows "$1")
		[ "$now" -eq "$last" ] && return 0
		[ $SECONDS -ge $end ] && return 1
		last=$now
		sleep 0.5
	done
}

# Waits for a background process; its exit code in $wrc (124 on timeout).
wait_exit() { # pid timeout
	local end=$((SECONDS + $2))
	while kill -0 "$1" 2> /dev/null; do
		if [ $SECONDS -ge $end ]; then
			kill -CONT "$1" 2> /dev/null
			kill -KILL "$1" 2> /dev/null
			wait "$1" 2> /dev/null
			wrc=124
			return
		fi
		sleep 0.05
	done
	wait "$1"
	wrc=$?
}

# Every data row of a TSV conn log has as many columns as its #fields line.
columns_ok() { # file...
	awk -F'\t' '
		/^#fields/ { want = NF - 1; next }
		/^#/ { next }
		NF != want { bad++ }
		END { exit bad ? 1 : 0 }' "$@"
}

# expect_error NAME EXPECTED_RC PATTERN -- COMMAND...
expect_error() {
	local name=$1 want=$2 pat=$3
	shift 4
	"$@" > "$tmp/out" 2> "$tmp/err"
	local rc=$?
	[ "$rc" -eq "$want" ]; check $? "$name: exit $rc, wanted $want"
	[ "$(wc -l < "$tmp/err")" -eq 1 ]; check $? "$name: one line on stderr ($(cat "$tmp/err"))"
	grep -q -- "$pat" "$tmp/err"; check $? "$name: message names the problem ($(cat "$tmp/err"))"
}

# --- a. normal: N records in, exactly N rows out --------------------------

test_normal() {
	local n d out rc
	new_name a1
	d=$tmp/a1
	mkdir -p "$d"
	out=$("$prod" --shm "$n" -n 20000 --rings 2 --ring-size 8M)
	echo "$out" | head -n 1 | grep -q '^generation 1 pid [0-9]*$' &&
		echo "$out" | tail -n 1 | grep -qx 'written 20000 dropped 0'
	check $? "a1: producer wrote 20000 into a new segment ($out)"
	[ -e "/dev/shm/$n" ]; check $? "a1: the producer keeps the segment for logd"
	"$logd" --shm "$n" -o "$d" --exit-when-done --stats -q 2> "$d/err"
	rc=$?
	check $rc "a1: logd --exit-when-done exits 0 ($rc)"
	[ "$(rows "$d")" -eq 20000 ]; check $? "a1: conn.log has 20000 rows ($(rows "$d"))"
	[ "$(uid_stats "$d")" = "20000 0" ]; check $? "a1: 20000 distinct records ($(uid_stats "$d"))"
	all_present "$d" 0 20000; check $? "a1: records 0..19999 all there"
	columns_ok "$d/conn.log"; check $? "a1: every row has the #fields columns"
	grep -q '^#close' "$d/conn.log"; check $? "a1: #close line"
	grep -qx 'vigil-logd: records 20000 malformed 0 drops 0' "$d/err"
	check $? "a1: --stats line ($(cat "$d/err"))"
	[ ! -e "/dev/shm/$n" ]; check $? "a1: segment removed once done and drained"

	# logd first, waiting; JSON as the producer asks; three rings, paced.
	new_name a2
	d=$tmp/a2
	mkdir -p "$d"
	"$logd" --shm "$n" -o "$d" --exit-when-done --wait 20 -q 2> "$d/err" &
	local lpid=$!
	pids+=("$lpid")
	sleep 0.3
	out=$("$prod" --shm "$n" -n 10000 --rings 3 --ring-size 4M --rate 20000 --json)
	echo "$out" | grep -qx 'written 10000 dropped 0'; check $? "a2: producer ($out)"
	wait_exit "$lpid" 60
	rc=$wrc
	check "$rc" "a2: logd exits 0 when done ($rc)"
	[ "$(rows "$d")" -eq 10000 ]; check $? "a2: 10000 JSON rows ($(rows "$d"))"
	python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert o["uid"].startswith("L") and o["id.resp_p"] == 443 and o["conn_state"] == "SF"
    n += 1
assert n == 10000
' "$d/conn.log"
	check $? "a2: JSON lines parse"

	# --json overrides a TSV segment.
	new_name a3
	d=$tmp/a3
	mkdir -p "$d"
	"$prod" --shm "$n" -n 100 > /dev/null
	"$logd" --shm "$n" -o "$d" --exit-when-done --json -q
	python3 -c '
import json, sys
assert sum(1 for l in open(sys.argv[1]) if json.loads(l)) == 100
' "$d/conn.log"
	check $? "a3: --json writes JSON from a TSV segment"
}

# --- b. kill -9 logd mid-stream, restart: nothing lost ---------------------

test_kill_logd() {
	local n d lpid ppid rc kills=3 st distinct dup
	new_name b
	d=$tmp/b
	mkdir -p "$d"
	"$prod" --shm "$n" -n 30000 --rate 12000 --ring-size 16M > "$d/prod" &
	ppid=$!
	pids+=("$ppid")
	for i in $(seq 1 $kills); do
		"$logd" --shm "$n" -o "$d" -q --wait 10 2>> "$d/err" &
		lpid=$!
		pids+=("$lpid")
		wait_rows "$d" $((i * 5000)) 30
		check $? "b: logd run $i writes rows"
		kill -KILL "$lpid"
		wait "$lpid" 2> /dev/null
	done
	"$logd" --shm "$n" -o "$d" -q --exit-when-done --wait 10 2>> "$d/err" &
	lpid=$!
	pids+=("$lpid")
	wait_exit "$ppid" 60
	rc=$wrc
	check "$rc" "b: producer exits 0 ($rc)"
	grep -qx 'written 30000 dropped 0' "$d/prod"; check $? "b: producer $(tail -n 1 "$d/prod")"
	wait_exit "$lpid" 60
	rc=$wrc
	check "$rc" "b: last logd exits 0 when done ($rc)"
	all_present "$d" 0 30000; check $? "b: every record present after $kills kill -9"
	st=$(uid_stats "$d")
	distinct=${st% *}
	dup=${st#* }
	[ "$distinct" -eq 30000 ]; check $? "b: 30000 distinct records ($distinct)"
	[ "$dup" -le $kills ]; check $? "b: at most one duplicate per kill ($dup for $kills)"
	uids "$d" | sort | uniq -c | awk '$1 > 2 { exit 1 }'
	check $? "b: no record more than twice"
	local rotated
	rotated=$(ls "$d" | grep -c '^conn\.[0-9-]*\(\.[0-9]*\)\?\.log$')
	[ "$rotated" -ge 1 ]; check $? "b: files of killed runs kept under rotated names ($rotated)"
	columns_ok "$d"/conn*.log; check $? "b: no partial rows"
	[ -s "$d/err" ] && echo "b: logd said: $(cat "$d/err")" >&2
}

# --- c. logd stalled: the producer drops and counts, never waits -----------

test_stall() {
	local n d lpid out w dr rc
	new_name c
	d=$tmp/c
	mkdir -p "$d"
	"$logd" --shm "$n" -o "$d" -q --stats --wait 10 2> "$d/err" &
	lpid=$!
	pids+=("$lpid")
	"$prod" --shm "$n" -n 10 --ring-size 65536 > /dev/null
	wait_rows "$d" 10 20; check $? "c: logd attached and wrote the first 10"
	expect_error "c: a second logd" 1 "is already read by another vigil-logd" -- \
		"$logd" --shm "$n" -o "$tmp" --wait 1
	kill -STOP "$lpid"
	out=$(timeout 30 "$prod" --shm "$n" -n 5000 --start 100000 --ring-size 65536)
	rc=$?
	check $rc "c: producer finishes while logd is stopped ($rc)"
	echo "$out" | head -n 1 | grep -q '^generation 2 '; check $? "c: take-over, generation 2 ($out)"
	w=$(echo "$out" | sed -n 's/^written \([0-9]*\) dropped [0-9]*$/\1/p')
	dr=$(echo "$out" | sed -n 's/^written [0-9]* dropped \([0-9]*\)$/\1/p')
	[ -n "$w" ] && [ -n "$dr" ] && [ "$dr" -gt 0 ] && [ "$w" -gt 0 ] &&
		[ $((w + dr)) -eq 5000 ]
	check $? "c: a full ring drops (written ${w:-?} dropped ${dr:-?})"
	kill -CONT "$lpid"
	wait_rows "$d" $((10 + ${w:-0})) 30; check $? "c: logd catches up after SIGCONT"
	sleep 0.3
	kill -TERM "$lpid"
	wait_exit "$lpid" 30
	rc=$wrc
	check "$rc" "c: logd exits 0 on SIGTERM ($rc)"
	[ "$(rows "$d")" -eq $((10 + ${w:-0})) ]
	check $? "c: exactly 10 + $w rows ($(rows "$d"))"
	all_present "$d" 100000 "${w:-1}"
	check $? "c: the first $w records of the stalled run, which fitted"
	grep -qx "vigil-logd: records $((10 + ${w:-0})) malformed 0 drops ${dr:-x}" "$d/err"
	check $? "c: ring drop counter = producer's drops ($(cat "$d/err"))"
}

# --- d. producer killed mid-stream, then taken over -----------------------

test_kill_producer() {
	local n d lpid ppid out rc r1 st
	new_name d
	d=$tmp/d
	mkdir -p "$d"
	"$logd" --shm "$n" -o "$d" --stats --wait 10 2> "$d/err" &
	lpid=$!
	pids+=("$lpid")
	"$prod" --shm "$n" -n 100000 --rate 5000 --ring-size 4M > "$d/prod1" &
	ppid=$!
	pids+=("$ppid")
	wait_rows "$d" 500 20; check $? "d: first producer's records arrive"
	kill -KILL "$ppid"
	wait "$ppid" 2> /dev/null
	wait_settled "$d" 20; check $? "d: logd drains what the dead producer left"
	r1=$(rows "$d")
	st=$(uid_stats "$d")
	[ "$st" = "$r1 0" ]; check $? "d: $r1 records, none twice ($st)"
	all_present "$d" 0 "$r1"; check $? "d: records 0..$((r1 - 1)) without a gap"
	[ -e "/dev/shm/$n" ]; check $? "d: the segment outlives its producer"

	# With community_id (feature bit 1): logd starts new files with that column.
	"$prod" --shm "$n" -n 3000 --start 1000000 --rate 3000 --ring-size 4M --features 2 \
		> "$d/prod2" &
	ppid=$!
	pids+=("$ppid")
	local i=0
	while [ ! -s "$d/prod2" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q '^generation 2 ' "$d/prod2"
	check $? "d: take-over bumps the generation ($(head -n 1 "$d/prod2"))"
	expect_error "d: second live producer" 1 "is in use by process $ppid; stop it" -- \
		"$prod" --shm "$n" -n 10
	wait_exit "$ppid" 30
	rc=$wrc
	check "$rc" "d: new producer exits 0 ($rc)"
	grep -qx 'written 3000 dropped 0' "$d/prod2"; check $? "d: new producer $(tail -n 1 "$d/prod2")"
	wait_rows "$d" $((r1 + 3000)) 20; check $? "d: the new producer's records arrive"
	all_present "$d" 1000000 3000; check $? "d: all 3000 of them"
	grep -q 'producer restarted: process [0-9]*, generation 2' "$d/err"
	check $? "d: logd noticed the restart"
	kill -TERM "$lpid"
	wait_exit "$lpid" 30
	rc=$wrc
	check "$rc" "d: logd exits 0 on SIGTERM ($rc)"
	[ "$(rows "$d")" -eq $((r1 + 3000)) ]; check $? "d: $((r1 + 3000)) rows in all ($(rows "$d"))"
	[ "$(tail -n 1 "$d/conn.log" | cut -f1)" = "#close" ]; check $? "d: conn.log ends with #close"
	grep -q '^#fields.*	community_id$' "$d/conn.log" &&
		! grep -q '^#fields.*community_id' "$d"/conn.2*.log
	check $? "d: new columns, new file: community_id only in the new conn.log"
	columns_ok "$d"/conn*.log; check $? "d: every file's rows match its header"
	grep -q "records $((r1 + 3000)) malformed 0 drops 0" "$d/err"; check $? "d: --stats"
}

# --- e. rotation ------------------------------------------------------------

test_rotation() {
	local n d files rc lpid bad=0 f
	new_name e1
	d=$tmp/e1
	mkdir -p "$d"
	"$prod" --shm "$n" -n 2000 > /dev/null
	"$logd" --shm "$n" -o "$d" --rotate-size 20K --exit-when-done -q
	check $? "e1: logd --rotate-size exits 0"
	files=$(ls "$d" | grep -c '^conn\.[0-9]\{4\}\(-[0-9][0-9]\)\{5\}\(\.[0-9]*\)\?\.log$')
	[ "$files" -ge 5 ]; check $? "e1: several conn.<time>.log files ($files)"
	[ "$(ls "$d" | grep -vc '^conn\.')" -eq 0 ]; check $? "e1: only conn files ($(ls "$d" | head))"
	[ "$(rows "$d")" -eq 2000 ] && [ "$(uid_stats "$d")" = "2000 0" ]
	check $? "e1: together they hold the 2000 rows once ($(rows "$d"))"
	for f in "$d"/conn.2*.log; do
		head -n 1 "$f" | grep -q '^#separator' && tail -n 1 "$f" | grep -q '^#close' &&
			[ "$(stat -c %s "$f")" -le $((20480 + 1024)) ] || bad=$((bad + 1))
		# The name is the file's #open time.
		grep -q "^#open	$(basename "$f" | sed 's/^conn\.\([0-9-]\{19\}\).*/\1/')$" "$f" ||
			bad=$((bad + 1))
	done
	[ "$bad" -eq 0 ]; check $? "e1: each has a header, #close, <= 20K + a row, its #open in the name"
	columns_ok "$d"/conn*.log; check $? "e1: rows intact across files"

	new_name e2
	d=$tmp/e2
	mkdir -p "$d"
	"$logd" --shm "$n" -o "$d" --rotate-interval 1 --exit-when-done -q --wait 10 &
	lpid=$!
	pids+=("$lpid")
	"$prod" --shm "$n" -n 1300 --rate 500 > /dev/null
	wait_exit "$lpid" 30
	rc=$wrc
	check "$rc" "e2: logd --rotate-interval exits 0 ($rc)"
	files=$(ls "$d" | grep -c '^conn\.2.*\.log$')
	[ "$files" -ge 2 ]; check $? "e2: a file per second ($files rotated)"
	[ "$(uid_stats "$d")" = "1300 0" ]; check $? "e2: all 1300 rows once ($(uid_stats "$d"))"

	new_name e3
	d=$tmp/e3
	mkdir -p "$d"
	"$logd" --shm "$n" -o "$d" -q --wait 10 &
	lpid=$!
	pids+=("$lpid")
	"$prod" --shm "$n" -n 100 > /dev/null
	wait_rows "$d" 100 20
	kill -HUP "$lpid"
	local i=0
	while [ -e "$d/conn.log" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ ! -e "$d/conn.log" ] && [ "$(ls "$d" | grep -c '^conn\.2.*\.log$')" -eq 1 ]
	check $? "e3: SIGHUP rotates conn.log now ($(ls "$d"))"
	"$prod" --shm "$n" -n 50 --start 500 > /dev/null
	wait_rows "$d" 150 20
	[ "$(grep -vc '^#' "$d/conn.log" 2> /dev/null)" = 50 ]
	check $? "e3: the next records start a new conn.log"
	kill -TERM "$lpid"
	wait_exit "$lpid" 20
	rc=$wrc
	check "$rc" "e3: logd exits 0 ($rc)"
}

# --- f. user errors -----------------------------------------------------------

test_errors() {
	local n t0
	expect_error "f: missing --shm" 2 "give the segment to read with --shm" -- "$logd"
	expect_error "f: --shm without value" 2 "needs a value" -- "$logd" --shm
	expect_error "f: unknown option" 2 "unknown option" -- "$logd" --shm x --frob
	expect_error "f: bad size" 2 "rotate-size needs a number" -- "$logd" --shm x --rotate-size lots
	expect_error "f: bad interval" 2 "rotate-interval needs a number" -- \
		"$logd" --shm x --rotate-interval 1x
	expect_error "f: negative wait" 2 "wait needs a number" -- "$logd" --shm x --wait -3
	expect_error "f: bad name" 2 "is not valid" -- "$logd" --shm a/b
	expect_error "f: extra argument" 2 "unexpected argument" -- "$logd" --shm x extra
	expect_error "f: missing out dir" 1 "does not exist" -- "$logd" --shm x -o "$tmp/no/such"
	new_name f1
	t0=$SECONDS
	expect_error "f: segment never appears" 1 "did not appear within 1 s" -- \
		"$logd" --shm "$n" --wait 1 -o "$tmp"
	[ $((SECONDS - t0)) -le 5 ]; check $? "f: --wait 1 gives up in time"
	printf 'not a vigil segment, just some bytes%.0s\n' {1..200} > "/dev/shm/$n"
	expect_error "f: foreign segment (logd)" 1 "not a vigil log segment" -- \
		"$logd" --shm "$n" --wait 5 -o "$tmp"
	expect_error "f: foreign segment (producer)" 1 "not a vigil log segment" -- \
		"$prod" --shm "$n" -n 1
	"$logd" -h > "$tmp/out" 2> "$tmp/err"
	[ $? -eq 0 ] && grep -q -- '--exit-when-done' "$tmp/out" && [ ! -s "$tmp/err" ]
	check $? "f: -h prints the usage"
}

# --- g. a producer with another layout makes the segment anew ----------------

test_recreate() {
	local n d lpid out rc
	new_name g
	d=$tmp/g
	mkdir -p "$d"
	"$logd" --shm "$n" -o "$d" --wait 10 2> "$d/err" &
	lpid=$!
	pids+=("$lpid")
	"$prod" --shm "$n" -n 100 --ring-size 65536 > /dev/null
	wait_rows "$d" 100 20
	out=$("$prod" --shm "$n" -n 100 --start 5000 --ring-size 131072 --rings 2)
	echo "$out" | head -n 1 | grep -q '^generation 1 '
	check $? "g: other layout, producer gone: made anew ($out)"
	wait_rows "$d" 200 20; check $? "g: logd follows the new segment"
	all_present "$d" 5000 100; check $? "g: the new segment's records"
	grep -q 'made anew by another producer; following it' "$d/err"; check $? "g: logd says so"
	kill -TERM "$lpid"
	wait_exit "$lpid" 20
	rc=$wrc
	check "$rc" "g: logd exits 0 ($rc)"
}

# --- i. a segment of other log schemas is refused ---------------------------

test_schemas() {
	local n d out
	new_name i
	d=$tmp/i
	mkdir -p "$d"
	"$prod" --shm "$n" -n 10 --other-schemas > /dev/null
	check $? "i: producer with other schemas writes"
	expect_error "i: logd refuses other schemas" 1 \
		"was written with other log schemas .*; run the vigil-logd of the same build" -- \
		"$logd" --shm "$n" -o "$d" --wait 5
	[ ! -e "$d/conn.log" ]; check $? "i: nothing written from it"
	# A producer of this build's schemas does not take it over: it makes it anew.
	out=$("$prod" --shm "$n" -n 10)
	echo "$out" | head -n 1 | grep -q '^generation 1 '
	check $? "i: other schemas, producer gone: made anew ($out)"
	"$logd" --shm "$n" -o "$d" --exit-when-done -q --wait 5
	check $? "i: logd reads the new segment"
	[ "$(rows "$d")" -eq 10 ]; check $? "i: its 10 records ($(rows "$d"))"
}

# --- h. the sensor itself as the producer (vigil -r --logd) ------------------

test_vigil() {
	local n d lpid
	if ! "$vigil" --help 2>&1 | grep -q -- '--logd'; then
		echo "logd: vigil has no --logd; skipping the sensor check" >&2
		return
	fi
	new_name h
	d=$tmp/h
	mkdir -p "$d/direct" "$d/logd"
	"$gen" -o "$d/in.pcap" -n 20000 -f 300 -s 5 -q || { check 1 "h: vigil-gen"; return; }
	"$vigil" -q -r "$d/in.pcap" -o "$d/direct"; check $? "h: vigil -r writes logs"
	"$vigil" -q -r "$d/in.pcap" -o "$d/logd" --logd "$n" --stats 2> "$d/stats"
	check $? "h: vigil -r --logd exits 0"
	grep -q 'ring-drops 0' "$d/stats"; check $? "h: no ring drops ($(grep ring- "$d/stats"))"
	[ ! -e "$d/logd/conn.log" ]; check $? "h: vigil --logd writes no logs itself"
	"$logd" --shm "$n" -o "$d/logd" --exit-when-done -q &
	lpid=$!
	pids+=("$lpid")
	wait_exit "$lpid" 30
	[ "$wrc" -eq 0 ]
	check $? "h: logd --exit-when-done exits 0 ($wrc; 124: vigil did not set producer_done)"
	for f in conn weird; do
		if [ -e "$d/direct/$f.log" ]; then
			cmp -s <(grep -v '^#' "$d/direct/$f.log" | sort) \
				<(grep -v '^#' "$d/logd/$f.log" 2> /dev/null | sort)
			check $? "h: $f.log through logd = $f.log of vigil -r"
		fi
	done
}

test_normal
test_kill_logd
test_stall
test_kill_producer
test_rotation
test_errors
test_recreate
test_schemas
test_vigil

echo "logd: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
