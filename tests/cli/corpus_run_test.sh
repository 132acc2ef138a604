#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# corpus_run_test.sh CORPUS_RUN VIGIL
#
# tools/corpus-run finds captures by their magic number, passes a clean
# corpus, and fails, naming the capture, on each kind of trouble: a crash, an
# ASan, UBSan or LeakSanitizer report, a hang. Stand-in "vigil" programs
# produce each kind.
set -u
run=$1
vigil=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/../check.sh"
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)

mkdir -p "$tmp/corpus/sub"
cp "$here/../data/sample.pcap" "$tmp/corpus/sub/trace.dump"  # found by content, not name
printf 'not a capture\n' > "$tmp/corpus/readme.pcap"

n=$("$run" -v "$vigil" --list "$tmp/corpus" | wc -l)
[ "$n" -eq 1 ]; check $? "one capture found by its magic number ($n)"
"$run" -v "$vigil" -j 2 "$tmp/corpus" > "$tmp/out" 2>&1
check $? "clean corpus passes ($(tail -n 1 "$tmp/out"))"
grep -q '^corpus-run: 1 captures, 3 runs: ok 3 ' "$tmp/out"; check $? "summary counts 3 ok runs"

# fake NAME BODY: a stand-in vigil that does BODY.
fake() {
	printf '#!/bin/sh\n%s\n' "$2" > "$tmp/$1"
	chmod +x "$tmp/$1"
}
fake crash 'kill -SEGV $$'
fake asan 'echo "==1==ERROR: AddressSanitizer: heap-buffer-overflow" >&2; exit 1'
fake ubsan 'echo "vg_x.c:1:2: runtime error: shift exponent 64" >&2; exit 1'
fake leak 'echo "==1==ERROR: LeakSanitizer: detected memory leaks" >&2; exit 1'
fake hang 'exec sleep 30'
fake refuse 'echo "vigil: cannot decode" >&2; exit 1'
for kind in crash asan ubsan leak hang; do
	"$run" -v "$tmp/$kind" -t 1 --variants plain --keep "$tmp/keep-$kind" "$tmp/corpus" \
		> "$tmp/out" 2>&1
	rc=$?
	[ "$rc" -eq 1 ]; check $? "$kind: exit $rc, wanted 1"
	grep -q "^corpus-run: ${kind^^}: .*trace.dump" "$tmp/out"; check $? "$kind: named"
	grep -q ", $kind 1" "$tmp/out"; check $? "$kind: counted ($(tail -n 1 "$tmp/out"))"
	[ -s "$tmp/keep-$kind/0000-plain.txt" ]; check $? "$kind: stderr kept"
done
"$run" -v "$tmp/refuse" --variants plain "$tmp/corpus" > "$tmp/out" 2>&1
check $? "vigil's own refusal is not a failure"
grep -q "ok 1 (refused 1)" "$tmp/out"; check $? "refusals counted"
"$run" -v "$vigil" --variants nope "$tmp/corpus" > /dev/null 2>&1
[ $? -eq 2 ]; check $? "unknown variant: exit 2"
"$run" -v "$tmp/nothing" "$tmp/corpus" > /dev/null 2>&1
[ $? -eq 2 ]; check $? "missing vigil: exit 2"

echo "corpus-run: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
