#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# cli_test.sh VIGIL VIGIL_GEN
#
# The command line end to end: every user error gives one line and a
# non-zero exit; good input gives Zeek logs in TSV and JSON; bad packets never
# crash it.
set -u
vigil=$1
gen=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "/var/run/dpdk/vgcli$$" 2> /dev/null' EXIT

. "$(dirname "$0")/../check.sh"

# expect_error NAME EXPECTED_RC PATTERN -- ARGS...
expect_error() {
	local name=$1 want=$2 pat=$3
	shift 4
	"$vigil" "$@" > "$tmp/out" 2> "$tmp/err"
	local rc=$?
	[ "$rc" -eq "$want" ]; check $? "$name: exit $rc, wanted $want"
	[ "$(wc -l < "$tmp/err")" -eq 1 ]; check $? "$name: one line on stderr"
	grep -q -- "$pat" "$tmp/err"; check $? "$name: message names the problem ($(cat "$tmp/err"))"
}

"$gen" -o "$tmp/good.pcap" -n 20000 -f 200 -s 7 -q; check $? "vigil-gen writes a pcap"

expect_error "unknown flag" 2 "unknown option" -- --frobnicate
expect_error "missing value" 2 "needs a value" -- -r
expect_error "no input" 2 "give a capture file" --
expect_error "missing file" 1 "No such file" -- -r "$tmp/nope.pcap"
expect_error "directory as file" 1 "is a directory" -- -r "$tmp"
printf 'this is not a capture file at all, just text\n%.0s' {1..20} > "$tmp/garbage.pcap"
expect_error "garbage file" 1 "not a readable pcap" -- -r "$tmp/garbage.pcap"
head -c 100000 "$tmp/good.pcap" > "$tmp/trunc.pcap"
mkdir -p "$tmp/t"
expect_error "truncated file" 1 "read stopped early" -- -q -r "$tmp/trunc.pcap" -o "$tmp/t"
[ -s "$tmp/t/conn.log" ]; check $? "truncated file: logs for what was read"
expect_error "missing out dir" 1 "does not exist" -- -r "$tmp/good.pcap" -o "$tmp/no/such/dir"
expect_error "bad analyzer" 2 "unknown analyzer" -- -r "$tmp/good.pcap" --analyzers htttp
expect_error "bad number" 2 "needs a number" -- -r "$tmp/good.pcap" --max-flows lots
# A pcap header with link type 147 (user 0): not decodable.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x93\x00\x00\x00' > "$tmp/link.pcap"
expect_error "unknown link type" 1 "cannot decode" -- -r "$tmp/link.pcap"

# The configuration file: keys are long options; the command line wins.
printf 'json: true\ncommunity_id: yes\nanalyzers: [none]\n' > "$tmp/good.conf"
mkdir -p "$tmp/cfg"
"$vigil" -q -c "$tmp/good.conf" -r "$tmp/good.pcap" -o "$tmp/cfg"; check $? "config file run"
head -c 1 "$tmp/cfg/conn.log" | grep -q '{'; check $? "config json: true gives JSON"
grep -q '"community_id":"1:' "$tmp/cfg/conn.log"; check $? "config community_id: yes"
printf 'wrkers: 2\n' > "$tmp/bad.conf"
expect_error "config unknown key" 2 "unknown key 'wrkers'" -- -c "$tmp/bad.conf" -r "$tmp/good.pcap"
expect_error "config missing" 2 "cannot read config" -- -c "$tmp/nope.conf" -r "$tmp/good.pcap"
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
mkdir -p "$tmp/shipped"
"$vigil" -q -c "$here/../../config/vigil.conf" -r "$tmp/good.pcap" -o "$tmp/shipped"
check $? "the shipped config/vigil.conf loads"

# A key given twice is refused (which one would win is a guess).
printf 'json: true\ncommunity_id: yes\njson: false\n' > "$tmp/dup.conf"
expect_error "config duplicate key" 2 "'json' is given twice (first on line 1)" -- \
	-c "$tmp/dup.conf" -r "$tmp/good.pcap"
printf 'community-id: true\ncommunity_id: true\n' > "$tmp/dup2.conf"
expect_error "config duplicate key, other spelling" 2 "given twice" -- \
	-c "$tmp/dup2.conf" -r "$tmp/good.pcap"

# -T: everything is loaded and checked, nothing is written; a fault fails.
mkdir -p "$tmp/T"
"$vigil" -T -c "$here/../../config/vigil.conf" -r "$tmp/good.pcap" -o "$tmp/T" 2> "$tmp/err"
check $? "-T with good options exits 0 ($(cat "$tmp/err"))"
grep -q "configuration OK" "$tmp/err"; check $? "-T says the configuration is OK"
[ -z "$(ls -A "$tmp/T")" ]; check $? "-T writes no logs"
expect_error "-T bad config" 2 "unknown key" -- -T -c "$tmp/bad.conf" -r "$tmp/good.pcap"
expect_error "-T bad filter" 1 "does not compile" -- -T -r "$tmp/good.pcap" -f "port nope"
expect_error "-T missing dir" 1 "does not exist" -- -T -r "$tmp/good.pcap" -o "$tmp/no/dir"
expect_error "-T live, bad dir" 1 "does not exist" -- --no-huge -- -T -o "$tmp/no/dir"
"$vigil" --no-huge -- -T -o "$tmp/T" 2> "$tmp/err"; check $? "-T live options exit 0"

# Live: vigil's options are checked before DPDK starts (EAL would probe the
# host's devices first and print its "EAL:" lines). Nothing here starts EAL.
# expect_no_eal NAME RC PATTERN -- ARGS: as expect_error, and no EAL line.
expect_no_eal() {
	local name=$1
	expect_error "$@"
	! grep -q 'EAL:' "$tmp/out" "$tmp/err"; check $? "$name: EAL not started"
}
eal=(--no-huge -m 64 --no-pci -l 0 --file-prefix "vgcli$$")
expect_no_eal "live unknown option" 2 "unknown option '--frobnicate'" -- "${eal[@]}" -- --frobnicate
expect_no_eal "live bad number" 2 "needs a number" -- "${eal[@]}" -- --workers lots
expect_no_eal "live missing out dir" 1 "does not exist" -- "${eal[@]}" -- -o "$tmp/no/dir"
expect_no_eal "live bad filter" 1 "does not compile" -- "${eal[@]}" -- -f "port nope"
expect_no_eal "live bad logd name" 1 "not valid" -- "${eal[@]}" -- --logd a/b
expect_no_eal "EAL option without --" 2 "the -- is missing" -- --no-huge -m 64 --vdev net_null0 -o "$tmp"
expect_no_eal "EAL short option without --" 2 "the -- is missing" -- -l 0-1 -o "$tmp"
expect_no_eal "vigil option before --" 2 "put it after the --" -- --no-huge --json -- -o "$tmp"
hp=$(cat /sys/kernel/mm/hugepages/*/free_hugepages 2> /dev/null | awk '{ n += $1 } END { print n + 0 }')
if [ "$hp" -eq 0 ]; then
	expect_no_eal "no hugepages" 1 "no free hugepages.*--no-huge" -- --no-pci -l 0-1 -- -o "$tmp"
else
	echo "cli: this host has $hp free hugepages: the no-hugepages message is not checked"
fi
expect_no_eal "--host-addr without --exception" 2 "needs --exception" -- "${eal[@]}" -- --host-addr 10.0.0.1
expect_no_eal "--host-addr not an address" 2 "needs an IPv4 or IPv6" -- "${eal[@]}" -- --host-addr nohost
expect_no_eal "--exception bad name" 2 "interface name" -- "${eal[@]}" -- --exception a,b --host-addr 10.0.0.1
expect_no_eal "--health-http bad" 2 "PORT:/PATH" -- "${eal[@]}" -- --health-http 8080:healthz
expect_no_eal "--health-port bad" 2 "needs a number" -- "${eal[@]}" -- --health-port http
expect_error "--exception with -i" 2 "with -i the kernel keeps" -- -i lo --exception vg0 --host-addr 10.0.0.1
expect_error "--health-port with -r" 2 "are for live capture" -- -r "$tmp/good.pcap" --health-port 80
expect_error "-i with -r" 2 "-i writes DPDK's options" -- -i lo -r "$tmp/good.pcap"
expect_error "-i bad name" 2 "needs an interface name" -- -i "a,b=c"

# -r - reads standard input; -f filters as tcpdump would.
mkdir -p "$tmp/stdin" "$tmp/filt"
"$vigil" -q -r - -o "$tmp/stdin" < "$tmp/good.pcap"; check $? "-r - exits 0"
diff <(grep -v '^#open\|^#close' "$tmp/stdin/conn.log" | sort) \
	<("$vigil" -q -r "$tmp/good.pcap" -o "$tmp/filt" && grep -v '^#open\|^#close' "$tmp/filt/conn.log" | sort) \
	> /dev/null
check $? "-r - gives the same conn.log as -r FILE"
expect_error "-r - not a capture" 1 "standard input is not a readable" -- -r - < "$tmp/garbage.pcap"
"$vigil" -q -r "$tmp/good.pcap" -o "$tmp/filt" -f "tcp"; check $? "-f tcp exits 0"
frows=$(grep -vc '^#' "$tmp/filt/conn.log")
[ "$frows" -gt 0 ] && ! grep -v '^#' "$tmp/filt/conn.log" | cut -f7 | grep -qv '^tcp$'
check $? "-f tcp: only tcp connections ($frows rows)"
expect_error "bad filter" 1 "does not compile" -- -r "$tmp/good.pcap" -f "port nope"

# Good input, TSV.
mkdir -p "$tmp/tsv" "$tmp/json"
"$vigil" -q -r "$tmp/good.pcap" -o "$tmp/tsv"; check $? "good run exits 0"
grep -q '^#fields	ts	uid	id.orig_h' "$tmp/tsv/conn.log"; check $? "TSV header"
rows=$(grep -vc '^#' "$tmp/tsv/conn.log")
[ "$rows" -gt 100 ]; check $? "conn.log has rows ($rows)"
grep -q '	SF	' "$tmp/tsv/conn.log"; check $? "some SF connections"
grep -q '	REJ	' "$tmp/tsv/conn.log"; check $? "some REJ connections"
grep -q '	S0	' "$tmp/tsv/conn.log"; check $? "some S0 connections"
grep -q '^#close' "$tmp/tsv/conn.log"; check $? "TSV #close line"

# Same input, JSON; same number of rows; valid JSON objects.
"$vigil" -q -r "$tmp/good.pcap" -o "$tmp/json" --json --community-id; check $? "json run"
jrows=$(wc -l < "$tmp/json/conn.log")
[ "$jrows" -eq "$rows" ]; check $? "JSON rows ($jrows) = TSV rows ($rows)"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert "uid" in o and "id.orig_h" in o and o["community_id"].startswith("1:")
' "$tmp/json/conn.log"; check $? "JSON lines parse, with community_id"

# Same input twice: identical logs (deterministic uids), header times aside.
mkdir -p "$tmp/again"
"$vigil" -q -r "$tmp/good.pcap" -o "$tmp/again"
diff <(grep -v '^#open\|^#close' "$tmp/tsv/conn.log") \
	<(grep -v '^#open\|^#close' "$tmp/again/conn.log") > /dev/null
check $? "deterministic output"

# Corrupted packets (bytes flipped inside frames): no crash, exit 0.
python3 - "$tmp/good.pcap" "$tmp/flipped.pcap" <<'PY'
import random, struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
random.seed(3)
off = 24
while off + 16 <= len(data):
    caplen = struct.unpack_from("<I", data, off + 8)[0]
    body = off + 16
    for _ in range(3):
        if caplen:
            data[body + random.randrange(caplen)] = random.randrange(256)
    off = body + caplen
open(sys.argv[2], "wb").write(data)
PY
mkdir -p "$tmp/flip"
"$vigil" -q -r "$tmp/flipped.pcap" -o "$tmp/flip"; check $? "corrupted packets: exit 0"
[ -s "$tmp/flip/weird.log" ]; check $? "corrupted packets: weird.log written"

# vigil-gen --apps: real protocol bytes on 80, 443, 22 and 25, the same bytes for a seed.
"$gen" -o "$tmp/apps.pcap" -n 20000 -f 100 -s 3 --apps -q; check $? "vigil-gen --apps writes a pcap"
"$gen" -o "$tmp/apps2.pcap" -n 20000 -f 100 -s 3 --apps -q
cmp -s "$tmp/apps.pcap" "$tmp/apps2.pcap"; check $? "vigil-gen --apps: same seed, same bytes"
python3 - "$tmp/apps.pcap" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
need = [b"GET /", b"HTTP/1.1 200 OK\r\n", b"Content-Length: ", b"SSH-2.0-OpenSSH_",
        b"curve25519-sha256", b"\x16\x03\x03", b"vigil-gen.example",
        b"EHLO ws.vigil-gen.example\r\n", b"filename=\"report.pdf\""]
missing = [n for n in need if n not in d]
sys.exit(1 if missing else 0)
PY
check $? "vigil-gen --apps: HTTP, SSH, TLS and SMTP bytes present"
mkdir -p "$tmp/apps"
"$vigil" -q -r "$tmp/apps.pcap" -o "$tmp/apps"; check $? "vigil reads the --apps capture"
# --apps: DHCP exchanges on 68 -> 67, one dhcp.log row each (the first UDP flow is one).
dhcp=$(awk -F'\t' '!/^#/ && $14 == "DISCOVER,OFFER,REQUEST,ACK" && $3 == $10 && $11 == "3600.000000" &&
	$5 ~ /^02:c1:/ && $8 == "example.net"' "$tmp/apps/dhcp.log" 2> /dev/null | wc -l)
svc=$(awk -F'\t' '!/^#/ && $4 == 68 && $6 == 67 && $8 == "dhcp"' "$tmp/apps/conn.log" | wc -l)
[ "$dhcp" -ge 1 ] && [ "$svc" -ge 1 ]
check $? "vigil-gen --apps: DHCP exchanges give dhcp.log rows ($dhcp) and dhcp connections ($svc)"
mkdir -p "$tmp/good"
"$vigil" -q -r "$tmp/good.pcap" -o "$tmp/good"
[ ! -e "$tmp/good/dhcp.log" ]; check $? "vigil-gen without --apps: no DHCP"

echo "cli: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
