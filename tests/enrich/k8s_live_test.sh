#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# k8s_live_test.sh VIGIL
#
# The live sensor with --k8s (vigil -i lo, no traffic sent): the inventory is
# read at start, `reload pods` from the console (--cmdfile) reads the files
# again and answers with what it holds, and --stats counts both loads.
# A sensor without --k8s refuses the command.
set -u
vigil=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$here/../check.sh"

echo "reload pods" > "$tmp/cmds"
mkdir -p "$tmp/a" "$tmp/b"
"$vigil" -i lo -o "$tmp/a" --k8s "$here/cluster.json" --cmdfile "$tmp/cmds" --duration 2 \
	--console-socket "$tmp/a.sock" -q --stats > "$tmp/a.out" 2> "$tmp/a.err"
check $? "vigil -i lo --k8s runs: $(tail -n 3 "$tmp/a.err")"
grep -q '^reload pods: read the --k8s files again: 9 pods, 4 services, 2 nodes$' "$tmp/a.out"
check $? "reload pods answers with the inventory: $(cat "$tmp/a.out")"
grep -q 'vigil: k8s: pods 9 services 4 nodes 2 .* loads 2 load-errors 0 ' "$tmp/a.err"
check $? "--stats counts the start and the reload: $(grep 'k8s:' "$tmp/a.err")"
grep -q 'reload pods: read the --k8s files again' "$tmp/a/reporter.log"
check $? "the change is in reporter.log"

"$vigil" -i lo -o "$tmp/b" --cmdfile "$tmp/cmds" --duration 1 \
	--console-socket "$tmp/b.sock" -q > "$tmp/b.out" 2> "$tmp/b.err"
grep -q 'no Kubernetes inventory' "$tmp/b.out" "$tmp/b.err"
check $? "without --k8s reload pods is refused: $(cat "$tmp/b.out" "$tmp/b.err" | head -n 3)"

echo "k8s-live: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
