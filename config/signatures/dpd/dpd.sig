# Protocol detection by signature (DPD): each pair of rules recognises a
# protocol on any port from the first bytes of both sides and attaches its
# analyzer (`enable`), which then logs as it would on the protocol's port
# (conn.log's service, the protocol's own log). No `event`: the rules are
# silent. vigil's analyzers also have content probes in C for HTTP, TLS,
# SSH, SMTP, DNS and SOCKS (doc/analyzers.md); this set backs them and adds
# FTP and DHCP, which have none. doc/signatures.md ("DPD") says what it
# costs.

# FTP: a 220 (or 120) greeting, then the client's USER.
signature vigil-dpd-ftp-client {
	ip-proto == tcp
	payload /(|.*[\r\n])[[:space:]]*[uU][sS][eE][rR][[:space:]]/
	tcp-state originator
}
signature vigil-dpd-ftp-server {
	ip-proto == tcp
	payload /[\r\n[:space:]]*(120|220)[^0-9]/
	tcp-state responder
	requires-reverse-signature vigil-dpd-ftp-client
	enable "ftp"
}

# HTTP: a request line with a method and a version; a status line.
signature vigil-dpd-http-client {
	ip-proto == tcp
	payload /[[:space:]]*(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE|PROPFIND)[[:space:]]+[^[:space:]]+[[:space:]]+HTTP\/[0-9]/
	tcp-state originator
}
signature vigil-dpd-http-server {
	ip-proto == tcp
	payload /HTTP\/[0-9]\.[0-9] [0-9][0-9][0-9]/
	tcp-state responder
	requires-reverse-signature vigil-dpd-http-client
	enable "http"
}

# TLS: a handshake record holding a ClientHello, answered by one holding a
# ServerHello (SSL 3.0 to TLS 1.3 record versions).
signature vigil-dpd-tls-client {
	ip-proto == tcp
	payload /\x16\x03[\x00-\x04]..\x01/
	tcp-state originator
}
signature vigil-dpd-tls-server {
	ip-proto == tcp
	payload /\x16\x03[\x00-\x04]..\x02/
	tcp-state responder
	requires-reverse-signature vigil-dpd-tls-client
	enable "ssl"
}

# SSH: both sides send an SSH-<version>- banner.
signature vigil-dpd-ssh-client {
	ip-proto == tcp
	payload /[sS][sS][hH]-[12]\./
	tcp-state originator
}
signature vigil-dpd-ssh-server {
	ip-proto == tcp
	payload /[sS][sS][hH]-[12]\./
	tcp-state responder
	requires-reverse-signature vigil-dpd-ssh-client
	enable "ssh"
}

# SMTP: a 220 greeting answered by HELO or EHLO.
signature vigil-dpd-smtp-client {
	ip-proto == tcp
	payload /(|.*[\r\n])[[:space:]]*([hH][eE]|[eE][hH])[lL][oO][[:space:]]/
	tcp-state originator
	requires-reverse-signature vigil-dpd-smtp-server
	enable "smtp"
}
signature vigil-dpd-smtp-server {
	ip-proto == tcp
	payload /[[:space:]]*220[[:space:]-]/
	tcp-state responder
}

# DHCP: a BOOTP message with the DHCP magic cookie after the fixed header.
signature vigil-dpd-dhcp {
	ip-proto == udp
	payload /[\x01\x02]\x01\x06.{233}\x63\x82\x53\x63/
	enable "dhcp"
}
