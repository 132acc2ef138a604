#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# time_test.sh VIGIL VIGIL_GEN
#
# Network time end to end (vigil -r):
# - one packet stamped 20 years ahead in a 400k-packet capture changes no
#   conn.log count (it once froze every timer: S0 14k -> 5k); it is counted
#   and logged as a packet_time_out_of_window weird;
# - classic pcap times from 2^31 s on (2038) are read unsigned: a connection
#   across 2^31 s stays one, none has a negative time.
set -u
vigil=$1
gen=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$here/../check.sh"

# states DIR: conn.log rows, then the count of each conn_state
states() {
	echo "rows $(grep -vc '^#' "$1/conn.log")"
	grep -v '^#' "$1/conn.log" | cut -f12 | sort | uniq -c | tr -s ' \n' ' '
	echo
}

"$gen" -q -o "$tmp/base.pcap" -n 400k -f 60k --rate 20000 -s 1
check $? "vigil-gen writes the capture"
python3 "$here/pcap_edit.py" shift "$tmp/base.pcap" "$tmp/bad.pcap" 1000 631152000
check $? "pcap_edit shifts one packet 20 years ahead"
for f in base bad; do
	mkdir -p "$tmp/$f"
	"$vigil" -q --stats -r "$tmp/$f.pcap" -o "$tmp/$f" 2> "$tmp/$f.err"
	check $? "vigil -r $f.pcap"
done
want=$(states "$tmp/base")
got=$(states "$tmp/bad")
[ "$got" = "$want" ]
check $? "one bad stamp changes no count: got [$got], want [$want]"
grep -q 'time-outside 1 ' "$tmp/bad.err"
check $? "the packet is counted ($(grep time-outside "$tmp/bad.err"))"
[ "$(grep -c packet_time_out_of_window "$tmp/bad/weird.log" 2> /dev/null)" = 1 ]
check $? "and logged as a weird"
grep -q 'time-outside 0 ' "$tmp/base.err"
check $? "the clean capture has none"

python3 "$here/pcap_edit.py" y2038 "$tmp/y2038.pcap"
check $? "pcap_edit writes the 2038 capture"
mkdir -p "$tmp/y"
"$vigil" -q -r "$tmp/y2038.pcap" -o "$tmp/y"
check $? "vigil -r y2038.pcap"
rows=$(grep -v '^#' "$tmp/y/conn.log" | cut -f1,4,9,12 | tr '\t\n' ' ;')
[ "$rows" = "2147483647.000000 40001 2.000000 SF;2147483748.000000 40002 2.000000 SF;2147484648.000000 40003 2.000000 SF;" ]
check $? "three whole connections at their own times after 2^31 s: $rows"

echo "time: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
