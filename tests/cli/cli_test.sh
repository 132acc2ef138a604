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
trap 'rm -rf "$tmp"' EXIT

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

# vigil-gen --apps: real protocol bytes on 80, 443 and 22, the same bytes for a seed.
"$gen" -o "$tmp/apps.pcap" -n 20000 -f 100 -s 3 --apps -q; check $? "vigil-gen --apps writes a pcap"
"$gen" -o "$tmp/apps2.pcap" -n 20000 -f 100 -s 3 --apps -q
cmp -s "$tmp/apps.pcap" "$tmp/apps2.pcap"; check $? "vigil-gen --apps: same seed, same bytes"
python3 - "$tmp/apps.pcap" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
need = [b"GET /", b"HTTP/1.1 200 OK\r\n", b"Content-Length: ", b"SSH-2.0-OpenSSH_",
        b"curve25519-sha256", b"\x16\x03\x03", b"vigil-gen.example"]
missing = [n for n in need if n not in d]
sys.exit(1 if missing else 0)
PY
check $? "vigil-gen --apps: HTTP, SSH and TLS bytes present"
mkdir -p "$tmp/apps"
"$vigil" -q -r "$tmp/apps.pcap" -o "$tmp/apps"; check $? "vigil reads the --apps capture"

echo "cli: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
