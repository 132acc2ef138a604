# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the shell tests: counts checks and failures.
#   check STATUS NAME   STATUS 0 passes; anything else prints "FAIL: NAME"
# STATUS comes first so that `cmd; check $? "... $(details)"` tests cmd's
# status: arguments expand left to right, and a command substitution in the
# name would otherwise reset $? before it is read.
# The test ends with: echo "<name>: $checks checks, $fails failed"; [ "$fails" -eq 0 ]
checks=0
fails=0
check() {
	checks=$((checks + 1))
	if [ "$1" -ne 0 ]; then
		echo "FAIL: $2" >&2
		fails=$((fails + 1))
	fi
}

# skip REASON: a test that cannot run here exits 77 (meson's SKIP), except
# under CI=true, where a missing corpus, tool or privilege is a failure.
skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $1 (CI=true: nothing may be skipped)" >&2
		exit 1
	fi
	echo "$1; skipping"
	exit 77
}
