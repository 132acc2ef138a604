#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# rsyslog_test.sh VIGIL VIGIL_LOGD VIGIL_GEN
#
# The syslog sinks against Debian's real rsyslog, started here on loopback
# with its own configuration (imudp, imtcp, and imtcp with the ossl stream
# driver for TLS, RFC 5425) on ports nobody else uses. vigil -r --logd hands
# a trace's records to vigil-logd, which writes JSON files and sends every
# record to the three inputs at once; then vigil -r sends the records of a
# generated trace through its in-process writer over TLS. Each input's
# messages must be exactly the records of the files: every one arrives, none
# twice, APP-NAME vigil and MSGID the log's name. Bad --sink URLs exit 2 with
# one line. Prints "rsyslog: N checks, M failed".
set -u
vigil=$1
logd=$2
gen=$3
here=$(dirname "$0")
sample=$here/../data/sample.pcap
tmp=$(mktemp -d)
pids=()
shm=vigil-sink-test-$$

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2> /dev/null && wait "$p" 2> /dev/null
	done
	rm -f "/dev/shm/$shm"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$here/../check.sh"

command -v rsyslogd > /dev/null || skip "rsyslogd not found (apt-get install rsyslog)"
command -v openssl > /dev/null || skip "openssl not found (apt-get install openssl)"
mods=$(dirname "$(find /usr/lib -name imtcp.so -path '*rsyslog*' 2> /dev/null | head -n 1)")
[ -f "$mods/lmnsd_ossl.so" ] || skip "rsyslog's ossl driver not found (apt-get install rsyslog-openssl)"

# Four free loopback ports (bound, then let go).
read -r pu pt ps pm < <(python3 -c 'import socket
s=[socket.socket(socket.AF_INET, t) for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM, socket.SOCK_STREAM, socket.SOCK_STREAM)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

# A CA and a server certificate for 127.0.0.1.
(
	cd "$tmp" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout ca.key -out ca.pem -days 2 -subj /CN=vigil-test-ca &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout srv.key -out srv.csr -subj /CN=127.0.0.1 &&
		printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > ext &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out srv.pem -days 2 -extfile ext
) > "$tmp/openssl.log" 2>&1
check $? "test certificates ($(tail -n 2 "$tmp/openssl.log"))"

mkdir -p "$tmp/work" "$tmp/logs" "$tmp/logs2"
cat > "$tmp/rsyslog.conf" << EOF
global(workDirectory="$tmp/work" maxMessageSize="256k"
	defaultNetstreamDriverCAFile="$tmp/ca.pem"
	defaultNetstreamDriverCertFile="$tmp/srv.pem"
	defaultNetstreamDriverKeyFile="$tmp/srv.key")
module(load="$mods/imudp.so")
module(load="$mods/imtcp.so")
template(name="line" type="string" string="%app-name% %msgid% %msg%\n")
ruleset(name="udp") { action(type="omfile" file="$tmp/udp.out" template="line") }
ruleset(name="tcp") { action(type="omfile" file="$tmp/tcp.out" template="line") }
ruleset(name="tls") { action(type="omfile" file="$tmp/tls.out" template="line") }
input(type="imudp" address="127.0.0.1" port="$pu" ruleset="udp" rcvBufSize="8m")
input(type="imtcp" address="127.0.0.1" port="$pt" ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port="$ps" ruleset="tls"
	streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
EOF
rsyslogd -N1 -f "$tmp/rsyslog.conf" > "$tmp/rsyslog-check.log" 2>&1
check $? "rsyslog accepts the test configuration ($(grep -i error "$tmp/rsyslog-check.log" | head -n 2))"
rsyslogd -n -f "$tmp/rsyslog.conf" -i "$tmp/rsyslog.pid" > "$tmp/rsyslog.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
	ss -Hltn "sport = :$ps" | grep -q . && ss -Hltn "sport = :$pt" | grep -q . && break
	sleep 0.1
done

# "log<TAB>line" of every record in a directory's JSON logs.
records() {
	local f
	for f in "$1"/*.log; do
		sed "s|^|$(basename "$f" .log)\t|" "$f"
	done | sort
}

# "log<TAB>line" of rsyslog's file, APP-NAME checked; waits for n lines.
received() {
	local f=$1 n=$2
	for _ in $(seq 100); do
		[ "$(wc -l < "$f" 2> /dev/null || echo 0)" -ge "$n" ] && break
		sleep 0.1
	done
	sleep 0.3 # anything beyond n (a duplicate) comes now too
	awk '$1 != "vigil" { print "bad app-name: " $0 > "/dev/stderr"; next }
		{ m = $2; sub(/^[^ ]* [^ ]* /, ""); print m "\t" $0 }' "$f" | sort
}

# 1. vigil-logd feeding the three inputs from the sensor's segment; its
# metrics while it runs, its --stats after SIGTERM.
"$logd" --shm "$shm" -o "$tmp/logs" -q --stats --wait 20 --metrics-listen "127.0.0.1:$pm" \
	--sink "syslog+udp://127.0.0.1:$pu" --sink "syslog+tcp://127.0.0.1:$pt" \
	--sink "syslog+tls://127.0.0.1:$ps?ca=$tmp/ca.pem" 2> "$tmp/logd.err" &
lpid=$!
pids+=($lpid)
"$vigil" -r "$sample" --json --logd "$shm" -q > /dev/null 2>&1
check $? "vigil -r --logd"
n=$(cat "$tmp"/logs/*.log 2> /dev/null | wc -l)
for _ in $(seq 100); do
	curl -s "http://127.0.0.1:$pm/metrics" > "$tmp/metrics"
	[ "$(grep -c "^vigil_logd_sink_sent_records_total{sink=\"syslog+[a-z]*://127.0.0.1:[0-9]*\"} $n\$" "$tmp/metrics")" -eq 3 ] && break
	sleep 0.1
	n=$(cat "$tmp"/logs/*.log 2> /dev/null | wc -l)
done
for t in udp tcp tls; do
	p=$pu
	[ $t = tcp ] && p=$pt
	[ $t = tls ] && p=$ps
	for m in "sent_records_total{sink=\"syslog+$t://127.0.0.1:$p\"} $n" \
		"offered_records_total{sink=\"syslog+$t://127.0.0.1:$p\"} $n" \
		"dropped_records_total{sink=\"syslog+$t://127.0.0.1:$p\",reason=\"queue_full\"} 0" \
		"queued_records{sink=\"syslog+$t://127.0.0.1:$p\"} 0" \
		"up{sink=\"syslog+$t://127.0.0.1:$p\"} 1"; do
		grep -qxF "vigil_logd_sink_$m" "$tmp/metrics"
		check $? "metrics: vigil_logd_sink_$m ($(grep "sink_${m%%\{*}" "$tmp/metrics" | head -n 3))"
	done
done
kill -TERM "$lpid"
wait "$lpid"
check $? "vigil-logd with three sinks ($(head -n 3 "$tmp/logd.err"))"
records "$tmp/logs" > "$tmp/want"
n=$(wc -l < "$tmp/want")
check $((n < 500)) "the trace gives records ($n)"
echo "rsyslog: $n records of $(ls "$tmp/logs" | wc -l) logs through vigil-logd"
for t in udp tcp tls; do
	received "$tmp/$t.out" "$n" > "$tmp/got.$t"
	cmp -s "$tmp/want" "$tmp/got.$t"
	check $? "$t: every record once ($(wc -l < "$tmp/got.$t") of $n; $(diff "$tmp/want" "$tmp/got.$t" | head -c 300))"
	grep -q "^vigil-logd: sink syslog+$t://127.0.0.1:[0-9]* offered $n sent $n queued 0 queue_full 0 too_large 0 send_failed 0 unsent_at_exit 0 connects 1 " "$tmp/logd.err"
	check $? "$t: --stats counts $n sent ($(grep "sink syslog+$t" "$tmp/logd.err"))"
done

# 2. vigil -r's in-process writer over TLS, with a generated trace.
"$gen" -o "$tmp/gen.pcap" -n 60000 -f 4000 -s 5 -q 2> /dev/null
: > "$tmp/tls.out"
"$vigil" -r "$tmp/gen.pcap" --json -o "$tmp/logs2" -q --stats \
	--sink "syslog+tls://127.0.0.1:$ps?ca=$tmp/ca.pem" > /dev/null 2> "$tmp/vigil.err"
check $? "vigil -r --sink syslog+tls ($(grep -v '^vigil: [a-z-]* ' "$tmp/vigil.err" | head -n 2))"
records "$tmp/logs2" > "$tmp/want2"
n2=$(wc -l < "$tmp/want2")
received "$tmp/tls.out" "$n2" > "$tmp/got2"
cmp -s "$tmp/want2" "$tmp/got2"
echo "rsyslog: $n2 records through vigil -r over TLS"
check $? "vigil -r over TLS: every record once ($(wc -l < "$tmp/got2") of $n2)"
grep -q "^vigil: sink syslog+tls://127.0.0.1:$ps offered $n2 sent $n2 " "$tmp/vigil.err"
check $? "vigil -r --stats: $n2 sent ($(grep 'sink syslog' "$tmp/vigil.err"))"

# 3. A server whose certificate the CA does not vouch for: nothing is sent, all counted.
"$vigil" -r "$sample" --json -o "$tmp/logs2" -q --stats \
	--sink "syslog+tls://127.0.0.1:$ps?ca=$tmp/srv.pem&drain_ms=500" > /dev/null 2> "$tmp/bad-ca.err"
grep -q " sent 0 queued 0 .* unsent_at_exit $n connects 0 conn_failures [1-9]" "$tmp/bad-ca.err"
check $? "an untrusted server gets nothing ($(grep 'sink' "$tmp/bad-ca.err"))"

# 4. Bad URLs: one line, exit 2.
for url in "syslog://127.0.0.1" "syslog+udp://127.0.0.1:99999" "syslog+tls://h?cert=/x" \
	"kafka://h?linger=5" "syslog+tls://127.0.0.1:1?ca=$tmp/missing.pem"; do
	"$logd" --shm "$shm-none" --wait 1 --sink "$url" > /dev/null 2> "$tmp/err"
	rc=$?
	check $((rc != 2)) "vigil-logd --sink '$url' exits 2 (got $rc)"
	check $(($(wc -l < "$tmp/err") != 1)) "vigil-logd --sink '$url': one line ($(cat "$tmp/err"))"
done
"$vigil" -r "$sample" --sink "syslog+tcp://" > /dev/null 2> "$tmp/err"
check $(($? != 2)) "vigil --sink syslog+tcp:// exits 2 ($(cat "$tmp/err"))"

echo "rsyslog: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
