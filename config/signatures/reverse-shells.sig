# Reverse-shell one-liners delivered over HTTP (command injection in a URI
# or a body, a dropper's script).

signature vigil-revshell-bash-devtcp {
	ip-proto == tcp
	http-request /.*(bash|sh)([[:space:]]|%20|\+)+-i([[:space:]]|%20|\+)*(>|%3e)(&|%26)/i
	event "bash reverse shell in a request URI"
}

signature vigil-revshell-devtcp-body {
	ip-proto == tcp
	http-request-body /.*\/dev\/tcp\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\/[0-9]{1,5}/
	event "/dev/tcp reverse shell in a request body"
}

signature vigil-revshell-nc-exec {
	ip-proto == tcp
	http-request-body /.*(nc|ncat|netcat)([[:space:]]|\+)[^\r\n]{0,80}-e([[:space:]]|\+)+\/bin\/(ba)?sh/
	event "netcat reverse shell in a request body"
}

signature vigil-revshell-python-socket {
	ip-proto == tcp
	http-request-body /.*python[23]?([[:space:]]|\+)+-c.{0,40}import([[:space:]]|\+)+socket.{0,200}(subprocess|pty)/
	event "Python reverse shell in a request body"
}

signature vigil-revshell-script-reply {
	ip-proto == tcp
	http-reply-body /.*(bash|sh)[[:space:]]+-i[[:space:]]*>&[[:space:]]*\/dev\/tcp\//
	event "a server delivered a bash reverse shell script"
}
