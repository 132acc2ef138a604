#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# corpus_test.sh VIGIL
#
# Zeek's signature conformance corpus (../shared/zeek-signatures), scored by
# ../shared/tools/zeek-sig-run with every strict option (direction, data,
# duplicates) through adapter.sh. Passes only when every in-scope case is
# right; prints the score line either way. Exits 77 (skipped) when the
# corpus or the tool is missing, except under CI=true, where that fails.
set -euo pipefail
vigil=$(readlink -f "$1")
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/../.." && pwd)
shared=${VIGIL_SHARED:-$repo/../shared}
runner=$shared/tools/zeek-sig-run
manifest=$shared/zeek-signatures/manifest.tsv

if [ ! -x "$runner" ] || [ ! -f "$manifest" ]; then
	if [ "${CI:-}" = true ]; then
		echo "signatures: no corpus or zeek-sig-run at $shared (set VIGIL_SHARED); CI=true: failing" >&2
		exit 1
	fi
	echo "signatures: no corpus or zeek-sig-run at $shared (set VIGIL_SHARED); skipping"
	exit 77
fi
out=$(VIGIL=$vigil ZEEK_SIG_VERBOSE=1 \
	ZEEK_SIGCHECK_ARGS="--strict-direction --check-data --count-duplicates" \
	"$runner" "$here/adapter.sh" 2>&1) || true
echo "$out" | grep -v ': [0-9]*/[0-9]* matches, 0 unexpected$' || true
line=$(echo "$out" | grep '^signatures: ' | tail -n 1)
echo "$line"
# signatures: R/C cases, M/E matches, U unexpected
read -r right cases matched expected unexpected <<< "$(echo "$line" | sed -n \
	's/^signatures: \([0-9]*\)\/\([0-9]*\) cases, \([0-9]*\)\/\([0-9]*\) matches, \([0-9]*\) unexpected.*/\1 \2 \3 \4 \5/p')"
if [ -z "${unexpected:-}" ]; then
	echo "signatures: no score line from zeek-sig-run" >&2
	exit 1
fi
if [ "$cases" -eq 0 ] || [ "$right" -ne "$cases" ] || [ "$matched" -ne "$expected" ] ||
	[ "$unexpected" -ne 0 ]; then
	echo "signatures: not every in-scope case is right" >&2
	exit 1
fi
