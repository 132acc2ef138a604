#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# k8s_logd_test.sh VIGIL VIGIL_LOGD CONVO_PCAP
#
# The k8s columns through vigil-logd (vigil -r --logd, vigil-logd --k8s):
# the same rows as vigil -r --k8s gives (expected-*.tsv). While vigil-logd
# waits for records, its inventory file is replaced by one that does not
# parse: it notices within seconds, says so in one line on stderr and in
# reporter.log, and keeps the last good inventory, with which the records
# are then enriched.
set -u
vigil=$1
logd=$2
convo=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
shm=k8s-logd-$$
logd_pid=
cleanup() {
	[ -n "$logd_pid" ] && kill "$logd_pid" 2> /dev/null
	rm -rf "$tmp"
	rm -f "/dev/shm/$shm"
}
trap cleanup EXIT

. "$here/../check.sh"

python3 "$convo" "$here/k8s-trace.convo" "$tmp/trace.pcap"
check $? "convo-pcap writes the trace"
cp "$here/cluster.json" "$tmp/cluster.json"
mkdir -p "$tmp/logs"
"$logd" --shm "$shm" -o "$tmp/logs" --exit-when-done --wait 60 --stats \
	--k8s "$tmp/cluster.json" --k8s "$here/pods-watch.json" \
	--k8s "$here/replicasets-watch.json" --k8s "$here/jobs-watch.json" \
	--k8s "$here/endpointslices-watch.json" 2> "$tmp/logd.err" &
logd_pid=$!
sleep 1.5
# A new version that does not parse (cut in the middle), put in place at once.
head -c 30000 "$here/cluster.json" > "$tmp/cluster.new"
mv "$tmp/cluster.new" "$tmp/cluster.json"
for _ in $(seq 100); do
	grep -q 'keeping the last good inventory' "$tmp/logd.err" && break
	sleep 0.1
done
grep -q 'cluster.json: line [0-9]* column [0-9]*: .*; keeping the last good inventory' \
	"$tmp/logd.err"
check $? "vigil-logd notices the bad file and says so: $(cat "$tmp/logd.err")"

"$vigil" -q -r "$tmp/trace.pcap" --logd "$shm"
check $? "vigil -r --logd"
wait "$logd_pid"
check $? "vigil-logd exits 0 when done: $(cat "$tmp/logd.err")"
logd_pid=

python3 "$here/k8s_expect.py" "$here" "$tmp/logs" > "$tmp/diff"
check $? "vigil-logd's conn, dns, http rows as expected-*.tsv: $(head -c 2000 "$tmp/diff")"
[ "$(grep -c 'keeping the last good inventory' "$tmp/logd.err")" -eq 1 ]
check $? "said once, not once a second: $(cat "$tmp/logd.err")"
grep -q 'Reporter::WARNING	.*cluster.json: line .*keeping the last good inventory	k8s' \
	"$tmp/logs/reporter.log"
check $? "in reporter.log: $(cat "$tmp/logs/reporter.log" 2> /dev/null)"
grep -q 'vigil-logd: k8s: pods 10 .* load-errors 1 ' "$tmp/logd.err"
check $? "--stats counts the failed load: $(grep 'k8s: pods' "$tmp/logd.err")"

echo "k8s-logd: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
