# Scanners and attack tools that announce themselves in the User-Agent
# header of their HTTP requests.

signature vigil-scanner-sqlmap {
	ip-proto == tcp
	http-request-header /.*user-agent:.*sqlmap/i
	event "sqlmap SQL injection scanner"
}

signature vigil-scanner-nikto {
	ip-proto == tcp
	http-request-header /.*user-agent:.*nikto/i
	event "Nikto web scanner"
}

signature vigil-scanner-nmap-nse {
	ip-proto == tcp
	http-request-header /.*user-agent:.*nmap scripting engine/i
	event "Nmap Scripting Engine HTTP probe"
}

signature vigil-scanner-masscan {
	ip-proto == tcp
	http-request-header /.*user-agent:.*masscan/i
	event "masscan banner grab"
}

signature vigil-scanner-dirbusters {
	ip-proto == tcp
	http-request-header /.*user-agent:.*(gobuster|dirbuster|feroxbuster|ffuf|wfuzz)/i
	event "web content brute forcer"
}

signature vigil-scanner-wpscan-nuclei {
	ip-proto == tcp
	http-request-header /.*user-agent:.*(wpscan|nuclei|zgrab|jaeles|acunetix|netsparker)/i
	event "vulnerability scanner"
}
