#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# k8s_trace_test.sh VIGIL CONVO_PCAP
#
# The Kubernetes columns end to end (vigil -r --k8s): k8s-trace.convo's
# conversations between the pods, Services and nodes of the fixtures (a List
# snapshot and recorded watch events, in the API's JSON) give, row by row,
# the conn, dns and http columns in expected-*.tsv, in TSV and in JSON alike.
# Among them the reused address 10.244.1.21 resolves by ts both ways: the old
# api pod before the rollout, nobody in between, the CronJob pod after.
# Then: #fields/#types stay a Zeek log's, no k8s column without --k8s, and a
# bad inventory file is a one-line error.
set -u
vigil=$1
convo=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$here/../check.sh"

k8s=(--k8s "$here/cluster.json" --k8s "$here/pods-watch.json" --k8s "$here/replicasets-watch.json"
	--k8s "$here/jobs-watch.json" --k8s "$here/endpointslices-watch.json")
python3 "$convo" "$here/k8s-trace.convo" "$tmp/trace.pcap"
check $? "convo-pcap writes the trace"

for fmt in tsv json; do
	mkdir -p "$tmp/$fmt"
	opt=()
	[ "$fmt" = json ] && opt=(--json)
	"$vigil" -q -r "$tmp/trace.pcap" -o "$tmp/$fmt" "${opt[@]}" "${k8s[@]}" 2> "$tmp/$fmt.err"
	check $? "vigil -r --k8s ($fmt): $(head -c 300 "$tmp/$fmt.err")"
	[ ! -s "$tmp/$fmt.err" ]
	check $? "no message on good fixtures ($fmt): $(head -c 300 "$tmp/$fmt.err")"
	# conn, dns and http row by row; every TSV log's #fields, #types and rows agree.
	python3 "$here/k8s_expect.py" "$here" "$tmp/$fmt" > "$tmp/$fmt.diff"
	check $? "$fmt logs as expected-*.tsv: $(head -c 2000 "$tmp/$fmt.diff")"
done

# The k8s columns come last, typed.
types=$(grep '^#types' "$tmp/tsv/conn.log" | tr '\t' '\n' | tail -n 18 | tr '\n' ' ')
want="string string string string string set[string] set[string] bool enum "
[ "$types" = "$want$want" ]
check $? "conn.log #types of the k8s columns: got [$types]"
fields=$(grep '^#fields' "$tmp/tsv/files.log")
[[ "$fields" == *"	extracted_size	orig_k8s.namespace	"*"	resp_k8s.type" ]]
check $? "files.log (it has id) gets the columns after its own: $fields"
! grep -q orig_k8s "$tmp/tsv/reporter.log" 2> /dev/null
check $? "a log without id gets no k8s column"

# Without --k8s: Zeek's columns only.
mkdir -p "$tmp/plain"
"$vigil" -q -r "$tmp/trace.pcap" -o "$tmp/plain"
check $? "vigil -r without --k8s"
! grep -q 'k8s' "$tmp/plain/conn.log"
check $? "no k8s column without --k8s"

# A file that is not JSON: one line that names it, exit 1, no logs written.
printf '{"kind": "List", "items": [\n' > "$tmp/bad.json"
mkdir -p "$tmp/bad"
"$vigil" -q -r "$tmp/trace.pcap" -o "$tmp/bad" --k8s "$tmp/bad.json" 2> "$tmp/bad.err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l < "$tmp/bad.err")" -eq 1 ] && grep -q 'bad.json: line 2' "$tmp/bad.err"
check $? "a bad --k8s file: exit 1 and one line (rc $rc: $(cat "$tmp/bad.err"))"
[ ! -e "$tmp/bad/conn.log" ]
check $? "nothing written after a bad --k8s file"

echo "k8s-trace: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
