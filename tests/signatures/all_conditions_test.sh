#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# all_conditions_test.sh VIGIL CONVO_PCAP
#
# Every condition of tests/signatures/all-conditions.sig on the traffic it is
# written for (all-conditions.convo, T1-T3, made by tools/convo-pcap, plus T4,
# an ICMP echo request appended here): exactly the expected signatures fire,
# each on its connection and from the side whose data matched, and the
# framework's Multiple_Signatures summaries come as main.zeek's thresholds
# say, and notice.log has the notices these raise. Everything named "must
# not match" must not appear.
#
# Two differ from the comments in the .sig file, as Zeek's per-direction
# header tests make them: cond-src-ip-ne also fires on T1's and T2's replies
# (their source, 192.0.2.x, is not in 10.0.0.0/8), and cond-dst-port-ge on
# T3's replies (destination port 40001).
set -euo pipefail
vigil=$1
convo_pcap=$2
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$convo_pcap" "$here/all-conditions.convo" "$work/t.pcap"
python3 - "$work/t.pcap" <<'PY'
import struct, sys
def csum(d):
    if len(d) % 2:
        d += b"\0"
    s = sum(struct.unpack("!%dH" % (len(d) // 2), d))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
icmp = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 99, 0, 64, 1, 0,
                 bytes([10, 1, 0, 10]), bytes([192, 0, 2, 1]))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
pkt = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + icmp
with open(sys.argv[1], "ab") as f:
    f.write(struct.pack("<IIII", 1700000100, 0, len(pkt), len(pkt)) + pkt)
PY
mkdir "$work/out"
"$vigil" -r "$work/t.pcap" -o "$work/out" -q -s "$here/all-conditions.sig"

# T1-T4 by the connection's ports, and which side sent what matched.
awk -F'\t' '/^#fields/ { for (i = 2; i <= NF; i++) col[$i] = i - 1; next }
	/^#/ { next }
	$col["note"] == "Signatures::Sensitive_Signature" {
		sp = $col["src_port"]; dp = $col["dst_port"];
		t = "?";
		if (sp == 40000 || dp == 40000) t = "T1";
		else if (sp == 5353 || dp == 5353) t = "T2";
		else if (sp == 40001 || dp == 40001) t = "T3";
		else if (sp == 8 && dp == 0) t = "T4";
		side = (sp == 40000 || sp == 5353 || sp == 40001 || sp == 8) ? "orig" : "resp";
		print t, side, $col["sig_id"] }
	$col["note"] == "Signatures::Multiple_Signatures" {
		print "summary", $col["src_addr"], $col["dst_addr"], $col["sig_count"] }' \
	"$work/out/signatures.log" | sort > "$work/got"

sort > "$work/want" <<'WANT'
T1 orig cond-combo-http
T1 orig cond-dst-ip-list
T1 orig cond-dst-port
T1 orig cond-dst-port-ge
T1 orig cond-header-ip-mask
T1 orig cond-header-tcp
T1 orig cond-http-request
T1 orig cond-http-request-header
T1 orig cond-ip-proto-ne
T1 orig cond-payload
T1 orig cond-payload-nocase
T1 orig cond-requires
T1 orig cond-src-ip
T1 orig cond-src-port-gt
T1 orig cond-tcp-state-orig
T1 resp cond-http-reply-body
T1 resp cond-http-reply-header
T1 resp cond-src-ip-ne
T1 resp cond-tcp-state-resp
T2 orig cond-dst-ip-list
T2 orig cond-dst-port-lt
T2 orig cond-dst-port-range
T2 orig cond-header-ip-mask
T2 orig cond-header-udp
T2 orig cond-ip-proto-udp
T2 orig cond-payload-size
T2 orig cond-payload-udp
T2 orig cond-src-ip
T2 orig cond-src-port-le
T2 resp cond-src-ip-ne
T2 resp cond-udp-state-resp
T3 orig cond-dst-ip6
T3 orig cond-dst-port-lt
T3 orig cond-dst-port-range
T3 orig cond-ftp
T3 orig cond-ftp-client
T3 orig cond-header-ip6
T3 orig cond-ip-proto-ne
T3 orig cond-src-ip-ne
T3 orig cond-src-port-gt
T3 resp cond-dst-port-ge
T4 orig cond-dst-ip-list
T4 orig cond-header-icmp
T4 orig cond-header-ip-mask
T4 orig cond-ip-proto-icmp
T4 orig cond-src-ip
summary 10.1.0.10 192.0.2.80 5
summary 10.1.0.10 192.0.2.80 10
summary 10.1.0.10 192.0.2.53 5
summary 10.1.0.10 192.0.2.53 10
summary 2001:db8::10 2001:db8::80 5
summary 2001:db8::10 2001:db8::80 10
summary 10.1.0.10 192.0.2.1 5
WANT
if ! cmp -s "$work/want" "$work/got"; then
	echo "all-conditions: matches differ (< expected, > logged):"
	diff "$work/want" "$work/got" || true
	exit 1
fi
if grep -q 'must not match' "$work/out/signatures.log"; then
	echo "all-conditions: a 'must not match' signature fired"
	exit 1
fi
# notice.log: a Sensitive_Signature notice per match and one per summary,
# filled as NOTICE and Notice::apply_policy fill them.
awk -F'\t' '/^#fields/ { for (i = 2; i <= NF; i++) col[$i] = i - 1; next }
	/^#/ { next }
	{ n[$col["note"]]++
	  bad = $col["actions"] != "Notice::ACTION_LOG" || $col["email_dest"] != "(empty)" ||
		$col["suppress_for"] != "3600.000000"
	  if ($col["note"] == "Signatures::Sensitive_Signature")
		bad = bad || $col["p"] != $col["id.resp_p"] || $col["uid"] == "-" ||
			index($col["msg"], $col["src"] ": ") != 1 ||
			($col["proto"] != "tcp" && $col["proto"] != "udp" && $col["proto"] != "icmp")
	  if (bad) print "bad notice:", $0 }
	END { for (k in n) print k, n[k] }' "$work/out/notice.log" | sort > "$work/notices"
printf '%s\n' "Signatures::Multiple_Signatures 7" "Signatures::Sensitive_Signature 46" > "$work/want_notices"
if ! cmp -s "$work/want_notices" "$work/notices"; then
	echo "all-conditions: notice.log differs (< expected, > logged):"
	diff "$work/want_notices" "$work/notices" || true
	exit 1
fi
echo "all-conditions: $(grep -c . "$work/want") rows and 53 notices as expected"
