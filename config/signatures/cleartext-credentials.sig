# Credentials sent in clear text. Each fires once per connection.

signature vigil-cleartext-http-basic {
	ip-proto == tcp
	http-request-header /.*authorization:[[:space:]]*basic[[:space:]]+[A-Za-z0-9+\/=]+/i
	event "HTTP Basic credentials in clear text"
}

signature vigil-cleartext-ftp-pass {
	ip-proto == tcp
	dst-port == 21
	payload /(|.*[\r\n])PASS [^\r\n]+/i
	tcp-state originator
	event "FTP password in clear text"
}

signature vigil-cleartext-pop3-pass {
	ip-proto == tcp
	dst-port == 110
	payload /(|.*[\r\n])PASS [^\r\n]+/i
	tcp-state originator
	event "POP3 password in clear text"
}

signature vigil-cleartext-imap-login {
	ip-proto == tcp
	dst-port == 143
	payload /(|.*[\r\n])[^ \r\n]+ LOGIN [^ \r\n]+ [^\r\n]+/i
	tcp-state originator
	event "IMAP LOGIN in clear text"
}

signature vigil-cleartext-smtp-auth-plain {
	ip-proto == tcp
	dst-port == 25,587
	payload /(|.*[\r\n])AUTH (PLAIN|LOGIN) [A-Za-z0-9+\/=]+/i
	tcp-state originator
	event "SMTP AUTH credentials before STARTTLS"
}
