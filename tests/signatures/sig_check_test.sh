#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sig_check_test.sh VIGIL
#
# vigil --sig-check over Zeek's signature corpus (../shared/zeek-signatures,
# manifest.tsv): every in-scope case whose expected file is not '#error'
# loads with no fatal problem (exit 0, no "Error in signature" line), and
# every in-scope '#error' case fails (exit 1, an "Error in signature" line).
# Then tests/signatures/all-conditions.sig loads with no problem at all, the
# output and exit status follow the documented shape, and the messages of
# syntax errors and non-fatal drops are as documented. Without the corpus
# the test skips, except under CI=true where it fails.
set -u
vigil=$1
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
repo=$(cd "$here/../.." && pwd)
shared=${VIGIL_SHARED:-$repo/../shared}
corpus=$shared/zeek-signatures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$here/../check.sh"

# The corpus-independent part first.
"$vigil" --sig-check "$here/all-conditions.sig" > "$tmp/out" 2> "$tmp/err"
rc=$?
n=$(grep -c '^signature ' "$here/all-conditions.sig")
check $rc "all-conditions.sig loads (exit $rc: $(head -n 3 "$tmp/err"))"
[ ! -s "$tmp/err" ]; check $? "all-conditions.sig: no problem reported ($(head -n 1 "$tmp/err"))"
grep -qx "$n signatures loaded from 1 files" "$tmp/out"
check $? "all-conditions.sig: $n signatures loaded ($(cat "$tmp/out"))"

# The default set (config/signatures) loads whole: nothing fatal, nothing dropped.
set -- "$repo"/config/signatures/*.sig
if [ -f "$1" ]; then
	"$vigil" --sig-check "$@" > "$tmp/out" 2> "$tmp/err"
	check $? "config/signatures loads (exit: $(head -n 2 "$tmp/err"))"
	! grep -q 'dropped' "$tmp/err"; check $? "config/signatures: nothing dropped"
fi

printf 'signature a {\n  payload /x/\n  eval f\n}\nsignature b {\n  dst-port == 80\n}\n' > "$tmp/drop.sig"
printf 'signature c {\n  dst-port = 80\n  foo\n}\n' > "$tmp/syntax.sig"
"$vigil" --sig-check "$tmp/drop.sig" > "$tmp/out" 2> "$tmp/err"
check $? "a non-fatal drop exits 0"
grep -qx "Warning in signature ($tmp/drop.sig:3): eval is not supported (it calls a Zeek script function); signature a dropped" "$tmp/err"
check $? "eval: file, line and reason ($(cat "$tmp/err"))"
grep -qx '1 signatures loaded from 1 files' "$tmp/out"; check $? "the other signature loads"
"$vigil" --sig-check "$tmp/drop.sig" "$tmp/syntax.sig" > "$tmp/out" 2> "$tmp/err"
[ $? -eq 1 ]; check $? "a syntax error exits 1"
grep -qx "Error in signature ($tmp/syntax.sig:3): syntax error" "$tmp/err"
check $? "syntax error message as Zeek words it ($(cat "$tmp/err"))"
[ "$(wc -l < "$tmp/err")" -eq 2 ]; check $? "one line per problem"
grep -qx '0 signatures loaded from 2 files' "$tmp/out"; check $? "nothing loads ($(cat "$tmp/out"))"
"$vigil" --sig-check "$tmp/none.sig" > /dev/null 2> "$tmp/err"
[ $? -eq 1 ]; check $? "a missing file exits 1"
grep -q "can't open signature file" "$tmp/err"; check $? "a missing file is named"
"$vigil" --sig-check > /dev/null 2>&1
[ $? -eq 2 ]; check $? "--sig-check without files is a usage error"

if [ ! -f "$corpus/manifest.tsv" ]; then
	echo "sig-check: $checks checks, $fails failed"
	[ "$fails" -eq 0 ] || exit 1
	skip "no signature corpus at $corpus (set VIGIL_SHARED)"
fi

# One line per in-scope case: id, signature file, whether Zeek rejects it.
cases=0 errors=0
while IFS=$'\t' read -r id _trace sig _flags scope _rest; do
	[ "$id" = case_id ] && continue
	[ "$scope" = in ] || continue
	cases=$((cases + 1))
	bad=0
	head -n 1 "$corpus/expected/$id.tsv" | grep -q '^#error' && bad=1 && errors=$((errors + 1))
	printf '%s %s %s\n' "$id" "$corpus/$sig" "$bad"
done < "$corpus/manifest.tsv" > "$tmp/cases"

# vigil --sig-check on each, four at a time (vigil's start-up dominates).
mkdir "$tmp/res"
while read -r id sig bad; do
	while [ "$(jobs -rp | wc -l)" -ge 4 ]; do wait -n; done
	{
		"$vigil" --sig-check "$sig" > /dev/null 2> "$tmp/res/$id.err"
		echo $? > "$tmp/res/$id.rc"
	} &
done < "$tmp/cases"
wait
while read -r id sig bad; do
	rc=$(cat "$tmp/res/$id.rc")
	if [ "$bad" = 1 ]; then
		[ "$rc" -eq 1 ] && grep -q '^Error in signature' "$tmp/res/$id.err"
		check $? "$id: Zeek rejects it, vigil must fail (exit $rc)"
	else
		[ "$rc" -eq 0 ] && ! grep -q '^Error in signature' "$tmp/res/$id.err"
		check $? "$id: loads (exit $rc: $(head -n 2 "$tmp/res/$id.err"))"
	fi
done < "$tmp/cases"
[ "$cases" -ge 100 ] && [ "$errors" -ge 2 ]
check $? "the manifest has its in-scope cases ($cases, $errors errors)"
echo "sig-check: $cases corpus cases ($errors #error), $checks checks, $fails failed"
[ "$fails" -eq 0 ]
