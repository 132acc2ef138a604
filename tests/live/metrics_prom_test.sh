#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# metrics_prom_test.sh VIGIL VIGIL_LOGD VIGIL_CTL
#
# --metrics-listen, end to end, through Debian's real Prometheus server:
# vigil (2 workers, software dispatch, net_pcap replaying tests/data/
# sample.pcap) hands its records to vigil-logd; both serve metrics on
# loopback; prometheus (a plain process, a temporary config and data
# directory, loopback ports) scrapes both every second. Through Prometheus's
# HTTP API (/api/v1/query) the series must arrive (up == 1, one
# vigil_worker_info per worker) and agree with vigil's own counters:
# `vigil-ctl show workers` once the replay is over (per worker: packets,
# connections active, drops by reason: decode, ring-full, log-ring, evicted,
# untracked), --stats at the end (packets in all and per worker, connections, decode drops,
# an_attached, http_requests), DPDK telemetry (/vigil/ports,
# /vigil/logs), and the logs vigil-logd wrote (rows per log, conn.log's
# once vigil stopped). Then vigil alone (in-process writer): its
# written-records series equal the records made and the rows written. A bad
# ADDR:PORT and a port in use end vigil and vigil-logd with one line and a
# non-zero exit.
# Needs root (EAL's files) and prometheus; exits 77 (skipped) without them,
# and fails instead under CI=true.
set -u
vigil=$(readlink -f "$1")
logd=$(readlink -f "$2")
ctl=$(readlink -f "$3")
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
. "$here/../check.sh"
tag=vgprom$$
tmp=$(mktemp -d)
cleanup() {
	for p in ${vpid:-} ${lpid:-} ${ppid_:-}; do kill "$p" 2> /dev/null; done
	for p in ${vpid:-} ${lpid:-} ${ppid_:-}; do wait "$p" 2> /dev/null; done
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	rm -rf "$tmp" "/var/run/dpdk/$tag"* "/dev/shm/$tag"* 2> /dev/null
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || skip "metrics: needs root for EAL"
command -v prometheus > /dev/null || skip "metrics: no prometheus (apt install prometheus)"
command -v curl > /dev/null || skip "metrics: no curl"

# Three loopback ports nobody listens on.
read -r pv pl pp <<< "$(python3 -c 'import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')"

# ---- wrong addresses: one line, non-zero, before EAL or the segment -------
timeout 30 "$vigil" --no-huge -m 1024 --no-pci --file-prefix "${tag}x" -l 0-1 -- -o "$tmp" \
	--duration 5 --metrics-listen 127.0.0.1:notaport > "$tmp/bad.out" 2>&1
check $(($? == 0)) "vigil with a bad --metrics-listen exits non-zero"
[ "$(wc -l < "$tmp/bad.out")" -eq 1 ] && grep -q "is not a port" "$tmp/bad.out"
check $? "one line says what is wrong ($(head -c 200 "$tmp/bad.out"))"
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(8)' "$pp" &
busy=$!
for _ in $(seq 100); do
	(echo > "/dev/tcp/127.0.0.1/$pp") 2> /dev/null && break
	sleep 0.1
done
timeout 30 "$vigil" --no-huge -m 1024 --no-pci --file-prefix "${tag}y" -l 0-1 \
	--log-level lib.eal:error --vdev "net_pcap0,rx_pcap=$here/../data/sample.pcap" -- \
	-o "$tmp" --duration 5 --metrics-listen "127.0.0.1:$pp" > "$tmp/busy.out" 2>&1
check $(($? == 0)) "vigil with --metrics-listen on a port in use exits non-zero"
[ "$(wc -l < "$tmp/busy.out")" -eq 1 ] && grep -q "in use" "$tmp/busy.out"
check $? "one line says the port is in use ($(head -c 200 "$tmp/busy.out"))"
timeout 30 "$logd" --shm "${tag}none" -o "$tmp" --wait 1 --metrics-listen "127.0.0.1:$pp" \
	> "$tmp/busy-logd.out" 2>&1
check $(($? == 0)) "vigil-logd with --metrics-listen on a port in use exits non-zero"
[ "$(wc -l < "$tmp/busy-logd.out")" -eq 1 ] && grep -q "in use" "$tmp/busy-logd.out"
check $? "vigil-logd says so in one line ($(head -c 200 "$tmp/busy-logd.out"))"
"$logd" --shm "${tag}none" -o "$tmp" --metrics-listen "[::1" > "$tmp/bad-logd.out" 2>&1
check $(($? == 0)) "vigil-logd with a bad --metrics-listen exits non-zero"
kill "$busy" 2> /dev/null
wait "$busy" 2> /dev/null

# ---- prometheus, vigil-logd and vigil --------------------------------------
mkdir -p "$tmp/prom" "$tmp/logs" "$tmp/run"
cat > "$tmp/prometheus.yml" << EOF2
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vigil
    static_configs: [{targets: ['127.0.0.1:$pv']}]
  - job_name: vigil-logd
    static_configs: [{targets: ['127.0.0.1:$pl']}]
EOF2
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom" \
	--web.listen-address="127.0.0.1:$pp" > "$tmp/prometheus.out" 2>&1 &
ppid_=$!
"$logd" --shm "$tag" -o "$tmp/logs" --metrics-listen "127.0.0.1:$pl" -q > "$tmp/logd.out" 2>&1 &
lpid=$!
(cd "$tmp/run" && exec "$vigil" --no-huge -m 1024 --no-pci --file-prefix "$tag" \
	--lcores '0@0,1@1,2@0' --log-level lib.eal:error \
	--vdev "net_pcap0,rx_pcap=$here/../data/sample.pcap" -- -q --workers 2 \
	--dispatch software --logd "$tag" --duration 120 --stats \
	--console-socket "$tmp/c.sock" --metrics-listen "127.0.0.1:$pv") > "$tmp/vigil.out" 2>&1 &
vpid=$!

# query PROMQL: the value of a one-sample answer, or nothing.
query() {
	curl -s --max-time 5 "http://127.0.0.1:$pp/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    if len(r) == 1: print(r[0]["value"][1])
except Exception: pass'
}
# wait_for PROMQL VALUE SECONDS: until Prometheus answers VALUE; 0 when it did.
wait_for() {
	local end=$((SECONDS + $3)) got
	while [ $SECONDS -lt $end ]; do
		got=$(query "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.5
	done
	echo "metrics: $1 is '${got:-}', want $2" >&2
	return 1
}
tel() { python3 "$here/telemetry_query.py" "$tag" "$@" 2> /dev/null; }

# The whole file read (6000 packets) and every record so far written by logd.
want=$(python3 -c 'import struct, sys
f = open(sys.argv[1], "rb"); f.read(24); n = 0
while True:
    h = f.read(16)
    if len(h) < 16: break
    f.seek(struct.unpack("<IIII", h)[2], 1); n += 1
print(n)' "$here/../data/sample.pcap")
wait_for 'up{job="vigil"}' 1 30
check $? "Prometheus scrapes vigil"
wait_for 'up{job="vigil-logd"}' 1 10
check $? "Prometheus scrapes vigil-logd"
wait_for 'sum(vigil_worker_packets_total)' "$want" 30
check $? "every packet arrives in vigil_worker_packets_total ($want)"
wait_for 'sum(vigil_logd_records_total) - sum(vigil_worker_log_records_total)' 0 20
check $? "vigil-logd's records_total reaches the records the workers made"
# Two scrapes more, so every series is from after the replay.
sleep 2.5
tel /vigil/ports /vigil/logs > "$tmp/telemetry.txt"
"$ctl" --socket "$tmp/c.sock" show workers > "$tmp/workers1.txt"

# Each figure as Prometheus has it, into a file, while vigil still runs (one
# process for every query: python's start-up is slow on a loaded machine).
python3 - "http://127.0.0.1:$pp/api/v1/query" > "$tmp/prom.txt" << 'PY'
import json, sys, urllib.parse, urllib.request
for q in ['count(vigil_worker_info)', 'vigil_port_rx_packets_total{port="0"}',
          'vigil_worker_packets_total{worker="0"}', 'vigil_worker_packets_total{worker="1"}',
          'sum(vigil_worker_flows_total)', 'sum(vigil_worker_drops_total{reason="decode"})',
          'count(vigil_worker_drops_total)', 'sum(vigil_an_attached_total)',
          'sum(vigil_http_requests_total)', 'sum(vigil_log_records_total{log="http"})',
          'sum(vigil_log_dropped_records_total)', 'sum(vigil_worker_dispatched_packets_total)',
          'vigil_workers', 'vigil_logd_lag_seconds', 'vigil_logd_producer_up'] + [
          q % w for w in (0, 1) for q in (
              'sum(vigil_worker_flows_active{worker="%d"})',
              'vigil_worker_drops_total{worker="%d",reason="decode"}',
              'vigil_worker_drops_total{worker="%d",reason="ring_full"}',
              'vigil_worker_drops_total{worker="%d",reason="untracked"}',
              'vigil_worker_log_dropped_records_total{worker="%d"}',
              'vigil_worker_flow_evictions_total{worker="%d"}')]:
    v = ""
    try:
        body = urllib.parse.urlencode({"query": q}).encode()
        r = json.load(urllib.request.urlopen(sys.argv[1], body, timeout=5))["data"]["result"]
        if len(r) == 1:
            v = r[0]["value"][1]
    except Exception:
        pass
    print("%s\t%s" % (q, v))
PY
"$ctl" --socket "$tmp/c.sock" show workers > "$tmp/workers2.txt"

kill -TERM "$vpid"
wait "$vpid"
check $? "vigil exits 0 after SIGTERM ($(tail -n 1 "$tmp/vigil.out"))"
vpid=
p() { awk -F'\t' -v q="$1" '$1 == q { print $2 }' "$tmp/prom.txt"; }
stat_of() { sed -n "s/^vigil: $1 .* $2 \([0-9]*\).*/\1/p;s/^vigil: $1 \([0-9]*\).*/\1/p" "$tmp/vigil.out" | head -n 1; }
an_of() { sed -n "s/.* $1 \([0-9]*\).*/\1/p" "$tmp/vigil.out" | head -n 1; }
worker_of() { sed -n "s/^vigil: worker $1 lcore [0-9]* packets \([0-9]*\)$/\1/p" "$tmp/vigil.out"; }

same() { # same NAME PROMETHEUS VIGIL
	[ -n "$2" ] && [ "$2" = "$3" ]
	check $? "$1: Prometheus $2, vigil $3"
}
same "workers" "$(p 'count(vigil_worker_info)')" 2
same "vigil_workers" "$(p 'vigil_workers')" 2
same "port 0 packets" "$(p 'vigil_port_rx_packets_total{port="0"}')" "$want"
same "worker 0 packets" "$(p 'vigil_worker_packets_total{worker="0"}')" "$(worker_of 0)"
same "worker 1 packets" "$(p 'vigil_worker_packets_total{worker="1"}')" "$(worker_of 1)"
same "connections" "$(p 'sum(vigil_worker_flows_total)')" "$(stat_of packets conns)"
same "decode drops" "$(p 'sum(vigil_worker_drops_total{reason="decode"})')" \
	"$(stat_of packets decode-drops)"
same "drop series (2 workers x 3 reasons)" "$(p 'count(vigil_worker_drops_total)')" 6
same "an_attached" "$(p 'sum(vigil_an_attached_total)')" "$(an_of an_attached)"
same "http_requests" "$(p 'sum(vigil_http_requests_total)')" "$(an_of http_requests)"
same "dispatched (software dispatch ran)" \
	"$([ "$(p 'sum(vigil_worker_dispatched_packets_total)')" -gt 0 ] 2> /dev/null && echo yes)" yes
same "log records dropped" "$(p 'sum(vigil_log_dropped_records_total)')" 0
same "vigil-logd kept up" "$(p 'vigil_logd_lag_seconds')" 0
same "vigil-logd saw the sensor" "$(p 'vigil_logd_producer_up')" 1

# vigil-ctl show workers, row by row: the same figures as the series. The
# counters stand still once the replay is over; the connections active are
# taken before and after the queries (a timer may end one in between).
wk() { # wk FILE WORKER COLUMN|NAME: a show workers figure
	awk -v w="$2" -v c="$3" '$1 == w && $2 ~ /^[0-9]+$/ {
		if (c ~ /^[0-9]+$/) { print $c; exit }
		for (i = 1; i <= NF; i++) if (index($i, c "=") == 1) { print substr($i, length(c) + 2); exit } }' "$1"
}
[ "$(grep -c '^ *[01] ' "$tmp/workers1.txt")" -eq 2 ]
check $? "show workers lists the 2 workers ($(tr '\n' '|' < "$tmp/workers1.txt" | head -c 300))"
for w in 0 1; do
	same "worker $w packets (show workers)" \
		"$(p "vigil_worker_packets_total{worker=\"$w\"}")" "$(wk "$tmp/workers1.txt" $w 3)"
	fa=$(p "sum(vigil_worker_flows_active{worker=\"$w\"})")
	f1=$(wk "$tmp/workers1.txt" $w 7)
	f2=$(wk "$tmp/workers2.txt" $w 7)
	[ -n "$fa" ] && [ "$fa" -gt 0 ] && { [ "$fa" = "$f1" ] || [ "$fa" = "$f2" ]; }
	check $? "worker $w connections active: Prometheus $fa, show workers $f1 then $f2"
	for r in decode:decode ring_full:ring-full untracked:untracked; do
		same "worker $w drops ${r%%:*} (show workers)" \
			"$(p "vigil_worker_drops_total{worker=\"$w\",reason=\"${r%%:*}\"}")" \
			"$(wk "$tmp/workers1.txt" $w "${r#*:}")"
	done
	same "worker $w log-ring drops (show workers)" \
		"$(p "vigil_worker_log_dropped_records_total{worker=\"$w\"}")" \
		"$(wk "$tmp/workers1.txt" $w log-ring)"
	same "worker $w evicted (show workers)" \
		"$(p "vigil_worker_flow_evictions_total{worker=\"$w\"}")" \
		"$(wk "$tmp/workers1.txt" $w evicted)"
done

rows() { grep -vc '^#' "$tmp/logs/$1.log" 2> /dev/null || echo 0; }
http_tel=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "/vigil/logs" in r: print(r["/vigil/logs"]["http"]["records"])' "$tmp/telemetry.txt")
same "http records made (telemetry)" "$(p 'sum(vigil_log_records_total{log="http"})')" "$http_tel"
port_tel=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "/vigil/ports" in r: print(r["/vigil/ports"]["0"]["rx_packets"])' "$tmp/telemetry.txt")
same "port 0 packets (telemetry)" "$(p 'vigil_port_rx_packets_total{port="0"}')" "$port_tel"

# vigil-logd writes conn.log's rows once vigil stopped; its series follow.
for _ in $(seq 40); do
	[ "$(rows conn)" -gt 0 ] && [ "$(rows conn)" = "$(query 'vigil_logd_written_records_total{log="conn"}')" ] && break
	sleep 0.5
done
same "vigil-logd conn.log rows" "$(query 'vigil_logd_written_records_total{log="conn"}')" "$(rows conn)"
sleep 1.5 # a scrape after the last of the other logs' rows too
same "vigil-logd http.log rows" "$(query 'vigil_logd_written_records_total{log="http"}')" "$(rows http)"
same "vigil-logd dns.log rows" "$(query 'vigil_logd_written_records_total{log="dns"}')" "$(rows dns)"
bytes=$(stat -c %s "$tmp/logs/conn.log")
hdr=$(grep '^#' "$tmp/logs/conn.log" | wc -c)
same "vigil-logd conn.log bytes (without the header)" \
	"$(query 'vigil_logd_written_bytes_total{log="conn"}')" "$((bytes - hdr))"

kill "$lpid" "$ppid_" 2> /dev/null
wait "$lpid" "$ppid_" 2> /dev/null
lpid= ppid_=

# Without vigil-logd the in-process writer's series come too: what it wrote
# (records, bytes) against what the workers made and the rows in the file.
mkdir -p "$tmp/run2"
(cd "$tmp/run2" && exec "$vigil" --no-huge -m 1024 --no-pci --file-prefix "${tag}w" \
	--lcores '0@0,1@1' --log-level lib.eal:error \
	--vdev "net_pcap0,rx_pcap=$here/../data/sample.pcap" -- -q -o . --duration 60 \
	--metrics-listen "127.0.0.1:$pv") > "$tmp/vigil2.out" 2>&1 &
vpid=$!
scrape() { curl -s --max-time 2 "http://127.0.0.1:$pv/metrics"; }
metric() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/scrape.txt"; }
for _ in $(seq 60); do
	scrape > "$tmp/scrape.txt"
	made=$(metric 'vigil_log_records_total{log="dns"}')
	[ -n "$made" ] && [ "$made" -gt 0 ] && [ "$made" = "$(metric 'vigil_log_written_records_total{log="dns"}')" ] && break
	sleep 0.5
done
kill -TERM "$vpid"
wait "$vpid"
vpid=
made=$(metric 'vigil_log_records_total{log="dns"}')
written=$(metric 'vigil_log_written_records_total{log="dns"}')
[ -n "$made" ] && [ "$made" -gt 0 ] && [ "$written" = "$made" ]
check $? "in-process writer: dns records written $written, made ${made:-none}"
[ "$(grep -vc '^#' "$tmp/run2/dns.log")" -ge "${written:-1}" ] &&
	[ "$(metric 'vigil_log_written_bytes_total{log="dns"}')" -gt 0 ] 2> /dev/null
check $? "in-process writer: dns.log has the rows, bytes counted"
echo "metrics: $checks checks, $fails failed, $SECONDS s"
[ "$fails" -eq 0 ]
