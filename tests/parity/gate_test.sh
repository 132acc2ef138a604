#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# gate_test.sh: the parity gate (run-parity) against a stand-in scorer, so
# its rules are checked without the corpus: fields, matched rows and extra
# rows each gate; a missing baseline fails; PARITY_UPDATE only raises a
# baseline; a missing corpus skips (77), and fails under CI=true.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
gate=$here/run-parity
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/../check.sh"

mkdir -p "$tmp/shared/tools" "$tmp/b"
# The stand-in prints the "all:" line it is given in $GATE_ALL.
cat > "$tmp/shared/tools/zeek-parity-run" <<'SH'
#!/usr/bin/env bash
echo "$GATE_ALL"
SH
chmod +x "$tmp/shared/tools/zeek-parity-run"
# run EXPECTED_RC NAME "all: ..." [VAR=value ...]
run() {
	local want=$1 name=$2 all=$3
	shift 3
	env VIGIL_SHARED="$tmp/shared" PARITY_BASELINE_DIR="$tmp/b" GATE_ALL="$all" CI= "$@" \
		bash "$gate" area conn > "$tmp/out" 2>&1
	local rc=$?
	[ "$rc" -eq "$want" ]; check $? "$name: exit $rc, wanted $want ($(tail -n 1 "$tmp/out"))"
}
line() { echo "all: fields $1/100 ($1.00%), rows $2/10, extra $3"; }

run 1 "missing baseline" "$(line 90 9 1)"
run 0 "PARITY_UPDATE records a first baseline" "$(line 90 9 1)" PARITY_UPDATE=1
[ "$(cat "$tmp/b/area")" = 90.00 ] && [ "$(cat "$tmp/b/area.rows")" = "90.00 1" ]
check $? "baselines written ($(cat "$tmp/b/area") / $(cat "$tmp/b/area.rows"))"
run 0 "same figures pass" "$(line 90 9 1)"
run 1 "fields fall" "$(line 89 9 1)"
run 1 "matched rows fall" "$(line 90 8 1)"
run 1 "extra rows rise" "$(line 90 9 2)"
run 0 "better figures pass" "$(line 95 10 0)"
run 1 "PARITY_UPDATE refuses a lower figure" "$(line 80 9 1)" PARITY_UPDATE=1
[ "$(cat "$tmp/b/area")" = 90.00 ]; check $? "a lower figure is not recorded"
run 0 "PARITY_UPDATE raises" "$(line 95 10 0)" PARITY_UPDATE=1
[ "$(cat "$tmp/b/area")" = 95.00 ] && [ "$(cat "$tmp/b/area.rows")" = "100.00 0" ]
check $? "higher figures recorded"
run 1 "no all: line" "nothing"
rm "$tmp/b/area.rows"
run 1 "missing rows baseline" "$(line 95 10 0)"
env VIGIL_SHARED="$tmp/none" CI= bash "$gate" area conn > /dev/null 2>&1
rc=$?
[ "$rc" -eq 77 ]; check $? "no corpus: skipped (77), got $rc"
env VIGIL_SHARED="$tmp/none" CI=true bash "$gate" area conn > /dev/null 2>&1
rc=$?
[ "$rc" -eq 1 ]; check $? "no corpus under CI=true: fails, got $rc"

echo "parity-gate: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
