#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# an_counters_test.sh VIGIL VIGIL_GEN MODE
#
# Every analyzer and files counter is shown under its name (doc/logs.md,
# "Analyzer and files counters"), with the worker's values:
# MODE offline: `vigil -r --stats` has the analyzer-counters line, every name
#               in order, and the HTTP, files and framework counts of a
#               vigil-gen --apps capture are not 0;
# MODE live:    (net_pcap replay; take /tmp/vigil-live.lock) stats.log has a
#               column per counter after flow_untracked and its rows add up
#               to what --stats says; /vigil/stats and /vigil/worker,0 in
#               DPDK telemetry carry every name.
set -u
vigil=$1
gen=$2
mode=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
tag=vgancnt$$
trap 'kill "$vpid" 2> /dev/null; rm -rf "$tmp" /var/run/dpdk/$tag 2> /dev/null' EXIT
vpid=

. "$here/../check.sh"

# The names, in their order; a counter added or removed must be added here
# and to the table in doc/logs.md.
names="an_attached an_confirmed an_violations an_violations_ignored an_conns_full
an_states_full an_stale an_records an_weirds_suppressed an_probed an_probe_attached
an_probes_full an_handoffs an_handoffs_failed an_redetects an_conns_used an_conns_high an_probes_used an_probes_high an_states_used
an_states_high files_begun files_logged files_pool_full files_log_drops
dhcp_exchanges_early http_requests http_replies http_lines_cut http_pending_flushed
http_strings_cut http_inflate_busy http_log_drops ssl_certs_cut ssl_cert_msgs_busy
ssl_handshakes_cut ssl_chain_fps_cut dns_pending_evicted dns_answers_dropped
dns_tcp_truncated dns_names_truncated socks_names_cut"
want=$(echo $names)

# val FILE NAME: the value after NAME on the analyzer-counters line
val() { sed -n "s/^vigil: analyzer-counters.* $2 \([0-9]*\).*/\1/p" "$1"; }
# names_of FILE: the names on the analyzer-counters line, in order
names_of() { grep '^vigil: analyzer-counters' "$1" | awk '{ for (i = 3; i < NF; i += 2) printf "%s%s", (i > 3 ? " " : ""), $i }'; }

"$gen" --apps -o "$tmp/apps.pcap" -n 20000 -f 200 -s 3 -q
check $? "vigil-gen --apps writes a pcap"

if [ "$mode" = offline ]; then
	mkdir -p "$tmp/o"
	"$vigil" -q --stats -r "$tmp/apps.pcap" -o "$tmp/o" 2> "$tmp/err"
	check $? "vigil -r ran"
	[ "$(names_of "$tmp/err")" = "$want" ]
	check $? "offline: every counter by name, in order ($(names_of "$tmp/err" | head -c 200))"
	for n in an_attached an_confirmed an_records an_states_high files_begun http_requests; do
		[ "$(val "$tmp/err" $n)" -gt 0 ] 2> /dev/null
		check $? "offline: $n counted ($(val "$tmp/err" $n))"
	done
	[ "$(val "$tmp/err" an_states_used)" = 0 ]
	check $? "offline: no analyzer state left at the end"
	echo "an-counters-offline: $checks checks, $fails failed"
	[ "$fails" -eq 0 ]
	exit
fi

mkdir -p "$tmp/l"
"$vigil" --no-huge -m 1024 --no-pci --file-prefix "$tag" --lcores 0@0,1@1 \
	--log-level lib.eal:error --vdev "net_pcap0,rx_pcap=$tmp/apps.pcap" -- \
	-q --stats -o "$tmp/l" --exit-idle 3 > "$tmp/err" 2>&1 &
vpid=$!
# Asked until the commands answer (null before vigil has registered them).
for _ in $(seq 100); do
	python3 "$here/../live/telemetry_query.py" "$tag" /vigil/stats /vigil/worker,0 \
		> "$tmp/tel" 2> /dev/null && grep -q '"an_attached"' "$tmp/tel" && break
	sleep 0.1
done
wait "$vpid"
check $? "live vigil ran ($(tail -n 1 "$tmp/err"))"
vpid=
python3 - "$tmp/tel" $want <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
st, w0 = lines[0]["/vigil/stats"] or {}, lines[1]["/vigil/worker"] or {}
missing = [n for n in sys.argv[2:] if n not in st or n not in w0]
sys.exit("missing: " + " ".join(missing) if missing else 0)
PY
check $? "live: /vigil/stats and /vigil/worker,0 carry every counter"
fields=$(sed -n 's/^#fields\t//p' "$tmp/l/stats.log" | tr '\t' ' ')
[ "${fields#*flow_untracked }" = "$want" ]
check $? "live: stats.log's columns after flow_untracked are the counters (${fields:0:60}...)"
[ "$(names_of "$tmp/err")" = "$want" ]
check $? "live: --stats names every counter"
# Counters are per interval in stats.log: their rows add up to the totals.
for n in http_requests files_begun an_attached; do
	sum=$(awk -F'\t' -v n=$n '/^#fields/ { for (i = 2; i <= NF; i++) if ($i == n) c = i - 1 }
		!/^#/ { s += $c } END { print s + 0 }' "$tmp/l/stats.log")
	[ "$sum" -gt 0 ] && [ "$sum" = "$(val "$tmp/err" $n)" ]
	check $? "live: stats.log's $n rows add up to --stats ($sum, $(val "$tmp/err" $n))"
done
echo "an-counters-live: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
