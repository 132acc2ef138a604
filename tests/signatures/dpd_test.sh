#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# DPD by signature: config/signatures/dpd.sig attaches analyzers on ports no
# analyzer is registered for. On tests/signatures/dpd.convo (FTP on 2121,
# DHCP on 6868/6767, HTTP on 8081, SMTP on 2525): without the set, FTP and
# DHCP go unrecognised (no service, no ftp.log or dhcp.log); with it, conn.log
# says ftp and dhcp, ftp.log and dhcp.log have their rows, and the
# connections the C probes recognise keep their service.
# Usage: dpd_test.sh VIGIL CONVO_PCAP SIGFILE CONVO
set -u
vigil=$1 convo_pcap=$2 sig=$3 convo=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
service() { # service of the connection to port $2 in conn.log of $1
	awk -F'\t' -v p="$2" '/^#fields/ { for (i = 2; i <= NF; i++) c[$i] = i - 1; next }
		/^#/ { next } $c["id.resp_p"] == p { print $c["service"] }' "$1/conn.log"
}
"$convo_pcap" "$convo" "$work/t.pcap" || exit 1
mkdir "$work/plain" "$work/dpd"
"$vigil" -r "$work/t.pcap" -o "$work/plain" || fail "vigil without signatures"
"$vigil" -r "$work/t.pcap" -o "$work/dpd" -s "$sig" --stats 2> "$work/stats" ||
	fail "vigil -s $sig"
[ "$(service "$work/plain" 2121)" = "-" ] || fail "FTP on 2121 recognised without signatures"
[ "$(service "$work/plain" 6767)" = "-" ] || fail "DHCP on 6767 recognised without signatures"
[ ! -e "$work/plain/ftp.log" ] || fail "ftp.log without signatures"
[ "$(service "$work/dpd" 2121)" = "ftp" ] || fail "FTP on 2121: service '$(service "$work/dpd" 2121)'"
[ "$(service "$work/dpd" 6767)" = "dhcp" ] || fail "DHCP on 6767: service '$(service "$work/dpd" 6767)'"
grep -q '	anonymous	guest@	' "$work/dpd/ftp.log" 2> /dev/null || fail "ftp.log lacks the login row"
[ "$(grep -vc '^#' "$work/dpd/dhcp.log" 2> /dev/null)" = 1 ] || fail "dhcp.log: not one row"
for p in 8081 2525; do
	[ "$(service "$work/dpd" $p)" = "$(service "$work/plain" $p)" ] ||
		fail "port $p: service changed with the DPD set"
done
grep -q 'signatures .* enabled [1-9]' "$work/stats" || fail "--stats does not count enabled analyzers"
echo "dpd: $fails failed"
[ $fails -eq 0 ]
