# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the shell tests: counts checks and failures.
#   check NAME STATUS   STATUS 0 passes; anything else prints "FAIL: NAME"
# The test ends with: echo "<name>: $checks checks, $fails failed"; [ "$fails" -eq 0 ]
checks=0
fails=0
check() {
	checks=$((checks + 1))
	if [ "$2" -ne 0 ]; then
		echo "FAIL: $1" >&2
		fails=$((fails + 1))
	fi
}
