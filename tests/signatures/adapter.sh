#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The sensor command of ../shared/tools/zeek-sig-run: ADAPTER TRACE SIGFILE OUTDIR.
# Runs vigil ($VIGIL, else the one on PATH) on TRACE with the signature file
# and leaves signatures.log (and the other logs) in OUTDIR. Zeek's -C from
# the case's flags (ZEEK_SIG_FLAGS) is passed on; the exit status is vigil's.
set -u
if [ $# -ne 3 ]; then
	echo "usage: $0 TRACE SIGFILE OUTDIR" >&2
	exit 2
fi
trace=$1
sig=$2
out=$3
vigil=${VIGIL:-vigil}
extra=()
case " ${ZEEK_SIG_FLAGS:-} " in
*" -C "*) extra+=(-C) ;;
esac
cd "$out" || exit 2
exec "$vigil" -r "$trace" -s "$sig" -q "${extra[@]}"
