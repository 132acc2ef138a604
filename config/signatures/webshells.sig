# Web shells: requests that drive a shell planted on a web server, and
# uploads that carry one. Patterns are anchored at the start of what they
# match (the URI, a header line, a body chunk), as in Zeek: a leading .*
# searches anywhere.

signature vigil-webshell-cmd-param {
	ip-proto == tcp
	http-request /.*\.(php|jsp|jspx|asp|aspx|cgi)\?(cmd|exec|command|execute|shell)=/i
	event "web shell command in a request parameter"
}

signature vigil-webshell-known-name {
	ip-proto == tcp
	http-request /.*\/(c99|r57|c100|b374k|wso|r00t|alfa|weevely|shell)\.(php|jsp|asp|aspx)([?#].*)?$/i
	event "request for a known web shell name"
}

signature vigil-webshell-upload-php {
	ip-proto == tcp
	http-request-body /.*<\?php[^\n]{0,200}(system|shell_exec|passthru|exec|popen)[[:space:]]*\([[:space:]]*\$_(GET|POST|REQUEST|COOKIE)/i
	event "PHP web shell in an upload"
}

signature vigil-webshell-eval-base64 {
	ip-proto == tcp
	http-request-body /.*(eval|assert)[[:space:]]*\([[:space:]]*(base64_decode|gzinflate|str_rot13)[[:space:]]*\(/i
	event "obfuscated PHP eval in a request body (China Chopper style)"
}

signature vigil-webshell-jsp-runtime {
	ip-proto == tcp
	http-request-body /.*Runtime\.getRuntime\(\)\.exec\(request\.getParameter/
	event "JSP web shell in an upload"
}
