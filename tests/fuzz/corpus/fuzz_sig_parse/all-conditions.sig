# SPDX-License-Identifier: BSD-3-Clause
#
# One signature per condition of Zeek's signature language that vigil
# honours, and a few combinations: the match/no-match test's rule file
# (doc/signatures.md). Each signature says in a comment what it must match
# and what it must not. `vigil --sig-check` loads every one of them with no
# problem (tests/signatures/sig_check_test.sh checks that).
#
# The traffic these are written for (vigil-gen or a script makes it):
#  T1  TCP 10.1.0.10:40000 -> 192.0.2.80:80, handshake, then the client sends
#      "GET /vigil-sig-test?q=Passwd HTTP/1.1\r\nHost: sig.example\r\n
#      User-Agent: sqlmap/1.7\r\n\r\n" and the server answers
#      "HTTP/1.1 200 OK\r\nServer: vigil-test\r\nContent-Length: 13\r\n\r\n
#      uid=0(root)\n" (with the body "uid=0(root)\n" in http-reply-body).
#  T2  UDP 10.1.0.10:5353 -> 192.0.2.53:53, one datagram "XXXXtest", one
#      reply "YYYY".
#  T3  TCP over IPv6 [2001:db8::10]:40001 -> [2001:db8::80]:21, the server
#      says "220 ready\r\n", the client "USER anonymous\r\n", the server
#      "331 pw\r\n".
#  T4  ICMP echo request 10.1.0.10 -> 192.0.2.1 (type 8, code 0).
# Nothing else matches: each "must not" names traffic of this list.

# --- header conditions ---------------------------------------------------

# src-ip: an address in a list with a network. Matches T1, T2, T4; not T3.
signature cond-src-ip {
	src-ip == 10.1.0.10, 198.51.100.0/24
	event "src-ip =="
}

# src-ip !=: not in the list. Matches T3 (IPv6); not T1, T2, T4.
signature cond-src-ip-ne {
	src-ip != 10.0.0.0/8
	event "src-ip !="
}

# dst-ip: an IPv6 network. Matches T3 only.
signature cond-dst-ip6 {
	dst-ip == [2001:db8::]/64
	event "dst-ip == IPv6 net"
}

# dst-ip: IPv4 CIDR and an IPv6 address in one list. Matches T1, T2, T4; not T3.
signature cond-dst-ip-list {
	dst-ip == 192.0.2.0/24, [2001:db8::1]
	event "dst-ip == list"
}

# dst-port ==: Matches T1 only.
signature cond-dst-port {
	dst-port == 80
	event "dst-port =="
}

# dst-port, a list with a range. Matches T2 and T3; not T1.
signature cond-dst-port-range {
	dst-port == 20-21, 53
	event "dst-port range"
}

# src-port comparisons: > 39999 matches T1 and T3; not T2 (5353).
signature cond-src-port-gt {
	src-port > 39999
	event "src-port >"
}

# src-port <=: matches T2 (5353); not T1, T3.
signature cond-src-port-le {
	src-port <= 5353
	ip-proto == udp
	event "src-port <="
}

# dst-port <: matches T2 (53) and T3 (21); not T1 (80).
signature cond-dst-port-lt {
	dst-port < 80
	event "dst-port <"
}

# dst-port >=: matches T1 (80); not T2, T3.
signature cond-dst-port-ge {
	dst-port >= 80
	ip-proto == tcp
	event "dst-port >="
}

# ip-proto by name. Matches T2 only.
signature cond-ip-proto-udp {
	ip-proto == udp
	event "ip-proto udp"
}

# ip-proto by number. Matches T4 only.
signature cond-ip-proto-icmp {
	ip-proto == 1
	event "ip-proto 1"
}

# ip-proto !=: matches T1, T3 (tcp); not T2, T4.
signature cond-ip-proto-ne {
	ip-proto != 17, 1
	event "ip-proto !="
}

# header: a byte of the IP header (TTL > 0) and a masked TCP flags byte
# (SYN set). Matches T1 (the client's first packet); not T2, T3, T4.
signature cond-header-tcp {
	header ip[8:1] > 0
	header tcp[13:1] & 0x02 == 0x02
	dst-ip == 192.0.2.80
	event "header tcp flags"
}

# header: ICMP type 8. Matches T4 only.
signature cond-header-icmp {
	header icmp[0:1] == 8
	event "header icmp"
}

# header: 2 bytes of the UDP header (destination port 53). Matches T2 only.
signature cond-header-udp {
	header udp[2:2] == 53
	event "header udp"
}

# header: IPv6 next header (6, TCP). Matches T3 only.
signature cond-header-ip6 {
	header ip6[6:1] == 6
	event "header ip6"
}

# header: the IPv4 destination as a masked 4-byte value. Matches T1, T2, T4.
signature cond-header-ip-mask {
	header ip[16:4] == 192.0.2.0/24
	event "header ip network"
}

# --- content conditions --------------------------------------------------

# payload: anchored at the start of the data. Matches T1 (client); not T3.
signature cond-payload {
	payload /GET \/vigil-sig-test/
	event "payload anchored"
}

# payload: must NOT match: GET is not at the start of T1's data.
signature cond-payload-anchored-nomatch {
	payload /vigil-sig-test/
	event "must not match"
}

# payload with .* and /i: matches T1 (Passwd anywhere, any case).
signature cond-payload-nocase {
	payload /.*passwd/i
	event "payload /i"
}

# payload[:N]: only the first 10 bytes: must NOT match T1 (Host is later).
signature cond-payload-depth-nomatch {
	payload[:10] /.*Host/
	event "must not match"
}

# UDP payload, packet-wise with ^: matches T2's request only.
signature cond-payload-udp {
	ip-proto == udp
	payload /^XXXX/
	event "udp payload"
}

# payload-size: first payload of the direction. Matches T2 (8 bytes, request).
signature cond-payload-size {
	ip-proto == udp
	payload-size == 8
	event "payload-size =="
}

# payload-size < 1 can never match (no payload makes every condition false).
signature cond-payload-size-nomatch {
	payload-size < 1
	event "must not match"
}

# http-request: the URI. Matches T1.
signature cond-http-request {
	http-request /.*vigil-sig-test/
	event "http-request"
}

# http-request-header: matches T1 (sqlmap user agent).
signature cond-http-request-header {
	http-request-header /.*sqlmap/
	event "http-request-header"
}

# http-reply-header: matches T1's reply.
signature cond-http-reply-header {
	http-reply-header /.*vigil-test/
	event "http-reply-header"
}

# http-reply-body: matches T1's reply body.
signature cond-http-reply-body {
	http-reply-body /^uid=0\(root\)/
	event "http-reply-body"
}

# http-request-body: T1 has no request body: must NOT match.
signature cond-http-request-body-nomatch {
	http-request-body /.+/
	event "must not match"
}

# ftp: the FTP client's commands. Matches T3 (USER).
signature cond-ftp {
	ftp /.*USER/
	event "ftp"
}

# --- state, dependencies, actions ----------------------------------------

# tcp-state originator: matches T1 in the client's data only.
signature cond-tcp-state-orig {
	ip-proto == tcp
	tcp-state established, originator
	payload /GET/
	event "tcp-state originator"
}

# tcp-state responder: matches T1's reply.
signature cond-tcp-state-resp {
	tcp-state responder
	payload /HTTP\/1\.1 200/
	event "tcp-state responder"
}

# udp-state responder: matches T2's reply ("YYYY").
signature cond-udp-state-resp {
	udp-state responder
	payload /YYYY/
	event "udp-state responder"
}

# same-ip: source and destination equal: must NOT match any of T1-T4.
signature cond-same-ip-nomatch {
	same-ip
	event "must not match"
}

# requires-signature: the FTP greeting, then (the other direction) USER.
signature cond-ftp-server {
	ip-proto == tcp
	tcp-state responder
	payload /[\n\r ]*220[^0-9]/
}

# requires-reverse-signature with DPD's pattern and enable: matches T3.
signature cond-ftp-client {
	ip-proto == tcp
	tcp-state originator
	payload /(|.*[\n\r]) *[uU][sS][eE][rR] /
	requires-reverse-signature cond-ftp-server
	enable "ftp"
	event "requires-reverse-signature"
}

# requires-signature (same direction): matches T1 (both on the client's data).
signature cond-requires {
	payload /.*Host: sig/
	requires-signature cond-payload
	event "requires-signature"
}

# requires-signature !: must NOT match T1 (cond-payload matched there).
signature cond-requires-not-nomatch {
	payload /.*Host: sig/
	requires-signature ! cond-payload
	event "must not match"
}

# A signature without an event: it may match, but nothing is logged.
signature cond-no-event {
	payload /GET/
}

# active false: never matches.
signature cond-inactive-nomatch {
	active false
	payload /GET/
	event "must not match"
}

# --- combinations --------------------------------------------------------

# Header and content together: matches T1 only.
signature cond-combo-http {
	ip-proto == tcp
	src-ip == 10.1.0.0/16
	dst-port == 80
	payload /GET [^ ]*\?q=[Pp]asswd/
	http-request-header /.*[Hh]ost: sig\.example/
	event "combination"
}

# Same, but one header condition fails: must NOT match.
signature cond-combo-nomatch {
	ip-proto == tcp
	dst-port == 80
	src-port < 1024
	payload /GET/
	event "must not match"
}
