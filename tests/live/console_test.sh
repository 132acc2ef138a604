#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# console_test.sh VIGIL VIGIL_CTL VIGIL_LOGD
#
# The operator's console (doc/console.md) on a sensor that replays
# tests/data/sample.pcap endlessly through net_pcap:
# - vigil-ctl: every command answers, and its figures agree with the
#   counters: `stop` freezes the workers' packets, which then equal `show port
#   stats` and the final --stats; `set log conn off` stops conn.log growing
#   and `on` starts it again; `set stats-interval 1` brings stats.log rows
#   within seconds; `show flows` filters hold for every row; each change is in
#   reporter.log; a wrong command or argument gets one line and exit 1;
#   `show sig` counts the rules loaded and refused, a reload's generation,
#   and at stop its matches equal /vigil/sig and the final --stats;
#   `reload config` applies stats_interval and exit_idle from the -c file
#   (show config, reporter.log) and refuses a file that changes workers, a
#   broken file and a bad value, one line each;
# - show logd on a --logd sensor: no reader, then vigil-logd attached with
#   no lag; at stop its ring figures equal /vigil/logd and its drops the
#   final --stats ring-drops;
# - the socket shrugs off silent, garbage-sending, departing and surplus
#   clients (console_abuse.py);
# - vigil -i in tmux: prompt, tab completion, history, help, stop, quit;
# - --cmdfile, and a console socket that cannot be made (one line, exit 1).
# No hugepages, no NIC; needs root for EAL, tmux and python3.
set -u
vigil=$1
ctl=$2
logd=$3
. "$(dirname "$0")/../check.sh"
[ "$(id -u)" -eq 0 ] || skip "console: needs root for EAL"
command -v tmux > /dev/null || skip "console: no tmux"
command -v python3 > /dev/null || skip "console: no python3"
here=$(cd "$(dirname "$0")" && pwd)
pcap=$here/../data/sample.pcap
tmp=$(mktemp -d)
tag=vgcon$$
sess=vgcon$$
cleanup() {
	[ -n "${vpid:-}" ] && kill "$vpid" 2> /dev/null
	tmux kill-session -t "$sess" 2> /dev/null
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	[ -n "${lpid:-}" ] && kill "$lpid" 2> /dev/null
	rm -rf "$tmp" /var/run/dpdk/$tag* /dev/shm/${tag}shm 2> /dev/null
}
trap cleanup EXIT
eal=(--no-huge -m 1024 --no-pci -l 0-1 --log-level lib.eal:error
	--vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1")
sock=$tmp/c.sock
c() { "$ctl" --socket "$sock" "$@"; }
# field NAME TEXT: the number after NAME in TEXT
field() { grep -o "$1 [0-9]*" <<< "$2" | head -1 | awk '{print $2}'; }
# tel PREFIX COMMAND KEY: a number from a DPDK telemetry reply
tel() {
	python3 "$here/telemetry_query.py" "$1" "$2" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); k=sys.argv[1].split("."); v=list(d.values())[0]
for p in k: v=v[p]
print(v)' "$3"
}

# ---- before EAL: the socket must be makeable --------------------------------
out=$("$vigil" "${eal[@]}" --file-prefix "${tag}x" -- -o "$tmp" \
	--console-socket /nonexistent-vigil-dir/c.sock 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <<< "$out")" -eq 1 ]
check $? "a missing socket directory: one line and exit 1 (status $rc: $out)"
grep -q "does not exist" <<< "$out"
check $? "the line says the directory does not exist ($out)"

# A refused --cmdfile command stops the sensor with one line naming its line.
printf 'show workers\nbogus\n' > "$tmp/bad.cmds"
mkdir -p "$tmp/b"
"$vigil" "${eal[@]}" --file-prefix "${tag}b" -- -o "$tmp/b" --mbufs 65535 --duration 60 -q \
	--console-socket "$tmp/b.sock" --cmdfile "$tmp/bad.cmds" > /dev/null 2> "$tmp/b.err"
rc=$?
line=$(grep -- '--cmdfile' "$tmp/b.err")
[ $rc -eq 1 ] && grep -q "line 2 refused: unknown command 'bogus'" <<< "$line"
check $? "a refused --cmdfile command: exit 1 naming line 2 (status $rc: $line)"

echo "console: ${SECONDS}s: vigil-ctl"
# ---- a sensor for vigil-ctl ------------------------------------------------
mkdir -p "$tmp/o"
printf 'show config\nset stats-interval 300\n' > "$tmp/cmds"
# Two signatures: one loads, one is refused (ip-options is not supported).
printf 'signature c-http {\n\tip-proto == tcp\n\thttp-request /\\//\n\tevent "req"\n}\n' \
	> "$tmp/c.sig"
printf 'signature c-drop {\n\tip-options lsrr\n\tevent "never"\n}\n' >> "$tmp/c.sig"
printf 'stats_interval: 300\nexit_idle: 100\n' > "$tmp/v.conf"
"$vigil" "${eal[@]}" --file-prefix "${tag}a" -- -o "$tmp/o" --mbufs 65535 --duration 120 \
	-s "$tmp/c.sig" -c "$tmp/v.conf" \
	--stats --console-socket "$sock" --cmdfile "$tmp/cmds" -q > "$tmp/a.out" 2> "$tmp/a.err" &
vpid=$!
up=1
for _ in $(seq 150); do
	c show workers > /dev/null 2>&1 && { up=0; break; }
	kill -0 "$vpid" 2> /dev/null || break
	sleep 0.1
done
check $up "vigil-ctl reaches the sensor within 15 s"
grep -q "^console-socket $sock" "$tmp/a.out"
check $? "--cmdfile ran show config at start"

# Every command answers with status 0.
for cmd in "show workers" "show worker 0" "show port info all" "show port stats 0" \
	"show port xstats all" "show port rss" "show rings" "show memory" "show config" \
	"show logs" "show flows" "show sig" "help" "help show port"; do
	c $cmd > "$tmp/answer" 2>&1
	check $? "'$cmd' answers ($(head -c 200 "$tmp/answer"))"
	[ -s "$tmp/answer" ]
	check $? "'$cmd' says something"
done

# A wrong command or argument: one line on stderr, exit 1.
for cmd in "bogus" "show port stats 9" "show port nosuch" "show worker 7" "set log nosuch off" \
	"set stats-interval 0" "set stats-interval x" "show flows top 0" "show flows host 1.2.3" \
	"show flows by weight" "show flows port" "show nonsense" "set log conn maybe" \
	"show logd" "reload nothing"; do
	c $cmd > "$tmp/o1" 2> "$tmp/e1"
	rc=$?
	check $((rc != 1)) "'$cmd' fails with status 1 (got $rc)"
	check $(($(wc -l < "$tmp/e1") != 1 || $(wc -c < "$tmp/o1") != 0)) \
		"'$cmd' answers one line on stderr ($(cat "$tmp/e1"))"
done
grep -q "^usage: show flows" <(c show flows top 0 2>&1)
check $? "a wrong show flows argument gets show flows' usage"

# show flows: filters hold for every row; top N gives N rows.
n=$(c show flows top 5 | grep -c ' -> ')
check $((n != 5)) "show flows top 5 lists 5 connections (got $n)"
rows=$(c show flows top 20 port 443 proto tcp | grep ' -> ')
[ -n "$rows" ] && ! grep -v ' tcp .*:443 ' <<< "$rows" | grep -q .
check $? "show flows port 443 proto tcp: every row is TCP on port 443"
rows=$(c show flows top 20 by packets net 10.1.0.0/16 | grep ' -> ')
[ -n "$rows" ] && ! grep -v ' 10\.1\.[0-9]*\.[0-9]*:' <<< "$rows" | grep -q .
check $? "show flows net 10.1.0.0/16: every row has an address in it"
pk=$(grep -o 'packets [0-9]*' <<< "$rows" | awk '{print $2}')
[ "$pk" = "$(sort -rn <<< "$pk")" ]
check $? "show flows by packets: largest first"
rows=$(c show flows top 20 service http | grep ' -> ')
[ -n "$rows" ] && ! grep -v ' service \([a-z0-9]*,\)*http\(,[a-z0-9]*\)* session ' <<< "$rows" | grep -q .
check $? "show flows service http: every row's service has http"
n=$(c show flows top 100 session 4242 | grep -c ' -> ')
check $((n != 0)) "show flows session 4242 (no mirror transport here) lists none (got $n)"
n=$(c show flows top 100 session 0 | grep -c ' -> ')
check $((n == 0)) "show flows session 0 lists the connections without mirror transport (got $n)"
n=$(c show flows host 203.0.113.99 | grep -c ' -> ')
check $((n != 0)) "show flows host of no connection lists none (got $n)"

echo "console: ${SECONDS}s: show sig, reload config"
# show sig: the file's two signatures, one refused; a reload's generation.
a=$(c show sig)
grep -q "^files $tmp/c.sig$" <<< "$a" && [ "$(field rules "$a")" = 1 ] &&
	[ "$(field refused "$a")" = 1 ] && [ "$(field generation "$a")" = 0 ]
check $? "show sig: the file, rules 1, refused 1, generation 0 ($(head -2 <<< "$a" | tr '\n' ' '))"
[ "$(field matches "$a")" -gt 0 ]
check $? "show sig counts matches of the HTTP signature ($(field matches "$a"))"
c reload sig > /dev/null
gen=0
for _ in $(seq 100); do
	a=$(c show sig)
	gen=$(field generation "$a")
	[ "$gen" = 1 ] && break
	sleep 0.1
done
[ "$gen" = 1 ] && [ "$(field reloads "$a")" = 1 ] && [ "$(field failed "$a")" = 0 ]
check $? "show sig after reload sig: generation 1, reloads 1, failed 0 ($(sed -n 2p <<< "$a"))"

# reload config: the same file changes nothing; stats_interval and exit_idle
# apply; workers, broken YAML and a bad value are refused whole, one line each.
grep -q "nothing changed" <(c reload config)
check $? "reload config with the file unchanged: nothing changed"
printf 'stats_interval: 200\nexit_idle: 90\n' > "$tmp/v.conf"
a=$(c reload config 2>&1)
check $? "reload config applies ($a)"
grep -q "stats_interval 200, exit_idle 90" <<< "$a"
check $? "reload config names what it applied ($a)"
a=$(c show config)
grep -q "^stats-interval 200$" <<< "$a" && grep -q "^exit-idle 90$" <<< "$a"
check $? "show config after reload config: stats-interval 200, exit-idle 90"
for bad in 'stats_interval: 100\nworkers: 1\n' 'stats_interval: [\n' 'stats_interval: 0\n'; do
	printf "$bad" > "$tmp/v.conf"
	c reload config > "$tmp/o1" 2> "$tmp/e1"
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l < "$tmp/e1")" -eq 1 ] && grep -q "nothing applied" "$tmp/e1"
	check $? "reload config refuses '$(printf "$bad" | tr '\n' ' ')' in one line ($rc: $(cat "$tmp/e1"))"
done
grep -q "workers changed" <(printf 'stats_interval: 100\nworkers: 1\n' > "$tmp/v.conf"
	c reload config 2>&1)
check $? "the refusal names workers"
grep -q "^stats-interval 200$" <(c show config)
check $? "a refused reload config leaves stats-interval at 200"

# set stats-interval 1 (from 300): checked in stats.log once the sensor ends
# (the writer buffers a file until then).
c set stats-interval 1 > /dev/null
check $? "set stats-interval 1"

# set log conn off: conn.log stops growing; on: it grows again.
size() { stat -c %s "$tmp/o/conn.log" 2> /dev/null || echo 0; }
s0=$(size)
sleep 1.5
s1=$(size)
check $((s1 <= s0)) "conn.log grows while on ($s0 -> $s1)"
c set log conn off > /dev/null
check $? "set log conn off"
sleep 1.2
s2=$(size)
sleep 2
s3=$(size)
check $((s3 != s2)) "conn.log stops growing once off ($s2 -> $s3)"
c set log conn on > /dev/null
sleep 2
s4=$(size)
check $((s4 <= s3)) "conn.log grows again once on ($s3 -> $s4)"

echo "console: ${SECONDS}s: abuse"
# The socket's abuse cases.
python3 "$here/console_abuse.py" "$sock" > "$tmp/abuse" 2>&1
check $? "the socket survives its abuse cases: $(grep FAIL "$tmp/abuse" | tr '\n' ' ')"
kill -0 "$vpid" 2> /dev/null
check $? "the sensor still runs after the abuse"

echo "console: ${SECONDS}s: stop"
# stop: the workers' packets freeze; show port stats and the final --stats agree.
c stop > /dev/null
check $? "stop"
sleep 1.5
p1=$(field packets "$(c show worker 0)")
sleep 1
p2=$(field packets "$(c show worker 0)")
check $((p1 != p2 || p1 == 0)) "stop freezes the packet count ($p1, then $p2)"
r=$(field rx-packets "$(c show port stats 0)")
check $((r != p1)) "show port stats 0 rx-packets $r equals the workers' packets $p1"
sm=$(field matches "$(c show sig)")
tm=$(tel "${tag}a" /vigil/sig sig_matches)
check $((sm != tm || sm == 0)) "stopped: show sig matches $sm equal /vigil/sig's $tm"
c clear port stats > /dev/null
r=$(field rx-packets "$(c show port stats 0)")
check $((r != 0)) "clear port stats: show port stats counts from 0 (got $r)"
echo "console: ${SECONDS}s: quit"
c quit > "$tmp/quit" 2>&1
check $? "quit answers ($(cat "$tmp/quit"))"
wait "$vpid"
rc=$?
vpid=
check $rc "the sensor exits 0 after quit"
final=$(grep -o '^vigil: packets [0-9]*' "$tmp/a.err" | awk '{print $3}')
check $((final != p1)) "final --stats packets $final equals the count at stop $p1"
fm=$(grep -o '^vigil: signatures matches [0-9]*' "$tmp/a.err" | awk '{print $4}')
check $((fm != sm)) "final --stats signatures matches $fm equals show sig's at stop $sm"
for m in "set log conn off" "set log conn on" "set stats-interval 1" "stop: capture stopped" "quit:" \
	"reload config: stats_interval 200, exit_idle 90"; do
	grep -q "Reporter::INFO	$m" "$tmp/o/reporter.log"
	check $? "reporter.log has '$m'"
	grep -q "vigil: console: $m" "$tmp/a.err"
	check $? "stderr has '$m'"
done
# The first stats.log row after the change comes within a second of it (the
# reporter.log row's ts), then one a second (the rest of the run took 10 s or more).
t_set=$(awk -F'\t' '$3 == "set stats-interval 1" {print $1}' "$tmp/o/reporter.log")
read -r first rows <<< "$(awk -F'\t' -v t="${t_set:-0}" '!/^#/ && $1 >= t {n++; if (!f) f = $1}
	END {print f - t, n}' "$tmp/o/stats.log")"
awk -v d="${first:-99}" -v n="${rows:-0}" 'BEGIN {exit !(d >= 0 && d <= 1.0 && n >= 5)}'
check $? "stats.log: first row ${first:-?} s after set stats-interval 1, ${rows:-0} rows since"
[ ! -e "$sock" ]
check $? "the socket file is gone after the sensor"

echo "console: ${SECONDS}s: show logd"
# ---- show logd: a sensor handing its records to vigil-logd ------------------
shm=${tag}shm
lsock=$tmp/l.sock
mkdir -p "$tmp/l"
"$vigil" "${eal[@]}" --file-prefix "${tag}l" -- --logd "$shm" --mbufs 65535 --duration 60 \
	--ring-size 1M --stats --console-socket "$lsock" -q > /dev/null 2> "$tmp/l.err" &
vpid=$!
a=
for _ in $(seq 150); do
	a=$("$ctl" --socket "$lsock" show logd 2> /dev/null) && [ "$(field drops "$a")" -gt 0 ] && break
	sleep 0.1
done
grep -q "^segment /dev/shm/$shm .* rings 2 reader none " <<< "$a"
check $? "show logd without vigil-logd: the segment, 2 rings, no reader ($(head -1 <<< "$a"))"
sleep 0.5
a=$("$ctl" --socket "$lsock" show logd)
lag=$(grep -o 'lag-ms [0-9]*' <<< "$a" | head -1 | awk '{print $2}')
[ "$(field drops "$a")" -gt 0 ] && [ "${lag:-0}" -gt 100 ]
check $? "show logd: the full ring drops and lags (drops $(field drops "$a"), lag ${lag:-?} ms)"
"$logd" --shm "$shm" -o "$tmp/l" -q --exit-when-done 2> "$tmp/logd.err" &
lpid=$!
for _ in $(seq 100); do
	a=$("$ctl" --socket "$lsock" show logd)
	grep -q "reader attached lag-ms 0.0" <<< "$a" && break
	sleep 0.1
done
grep -q "reader attached lag-ms 0.0" <<< "$a"
check $? "show logd once vigil-logd reads: reader attached, no lag ($(head -1 <<< "$a"))"
"$ctl" --socket "$lsock" stop > /dev/null
sleep 1
# Stopped, no packet comes, but a timer can still end a connection (a record):
# show logd's records fall between two telemetry reads, its drops equal them.
tr0=$(tel "${tag}l" /vigil/logd ring0.records)
td0=$(tel "${tag}l" /vigil/logd ring0.drops)
a=$("$ctl" --socket "$lsock" show logd)
r0=$(grep '^ring 0 ' <<< "$a")
tr1=$(tel "${tag}l" /vigil/logd ring0.records)
sr0=$(field records "$r0")
[ "$sr0" -ge "$tr0" ] && [ "$sr0" -le "$tr1" ] && [ "$(field drops "$r0")" = "$td0" ]
check $? "stopped: show logd's ring 0 agrees with /vigil/logd's before and after (records $tr0 .. $tr1, drops $td0: $r0)"
drops=$(grep -o 'drops [0-9]*' <<< "$a" | awk '{n += $2} END {print n + 0}')
"$ctl" --socket "$lsock" quit > /dev/null
wait "$vpid"
vpid=
fd=$(grep -o 'ring-drops [0-9]*' "$tmp/l.err" | head -1 | awk '{print $2}')
check $((fd != drops || drops == 0)) "final --stats ring-drops $fd equals show logd's drops at stop $drops"
kill "$lpid" 2> /dev/null
wait "$lpid" 2> /dev/null

echo "console: ${SECONDS}s: vigil -i"
# ---- vigil -i in tmux -------------------------------------------------------
mkdir -p "$tmp/t"
tmux new-session -d -s "$sess" -x 200 -y 60 "'$vigil' -i ${eal[*]@Q} --file-prefix ${tag}t -- \
	-o '$tmp/t' --mbufs 65535 --duration 120 --stats --console-socket '$tmp/t.sock' \
	2> '$tmp/t.err'; echo \"exit=\$?\" > '$tmp/t.exit'; sleep 60"
pane() { tmux capture-pane -p -S -200 -t "$sess"; }
wait_for() { # wait_for PATTERN: up to 15 s for it in the pane
	for _ in $(seq 150); do
		pane | grep -q -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
wait_for '^vigil>'
check $? "vigil -i shows the prompt"
tmux send-keys -t "$sess" "show wor" Tab
sleep 0.5
pane | grep -q '^vigil> show worker$'
check $? "tab completes 'show wor' to 'show worker'"
tmux send-keys -t "$sess" "s" Enter
wait_for 'cyc/pkt'
check $? "show workers answers on the terminal"
tmux send-keys -t "$sess" "bogus" Enter
wait_for "unknown command 'bogus'"
check $? "a wrong command gets its line on the terminal"
tmux send-keys -t "$sess" "help set" Enter
wait_for '^set stats-interval <seconds>'
check $? "help set lists the set commands"
tmux send-keys -t "$sess" "stop" Enter
wait_for 'capture stopped'
check $? "stop on the terminal"
sleep 1.5
tmux send-keys -t "$sess" "show worker 0" Enter
sleep 1
tmux send-keys -t "$sess" Up Enter
sleep 1
n=$(pane | grep -c '^vigil> show worker 0$')
check $((n != 2)) "Up brings back the last command (history): ran twice, got $n"
t1=$(pane | grep -o '^  packets [0-9]*' | tail -2 | head -1 | awk '{print $2}')
t2=$(pane | grep -o '^  packets [0-9]*' | tail -1 | awk '{print $2}')
check $((t1 != t2 || t1 == 0)) "stopped: show worker 0 twice gives the same packets ($t1, $t2)"
"$ctl" --socket "$tmp/t.sock" show config | grep -q '^capture stopped'
check $? "vigil -i also serves vigil-ctl (capture stopped)"
tmux send-keys -t "$sess" "quit" Enter
for _ in $(seq 300); do
	[ -s "$tmp/t.exit" ] && break
	sleep 0.1
done
grep -q 'exit=0' "$tmp/t.exit" 2> /dev/null
check $? "vigil -i exits 0 after quit ($(cat "$tmp/t.exit" 2> /dev/null))"
final=$(grep -o '^vigil: packets [0-9]*' "$tmp/t.err" | awk '{print $3}')
check $((final != t1)) "vigil -i: final --stats packets $final equals the stopped count $t1"

echo "console: ${SECONDS}s: done"
echo "console: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
