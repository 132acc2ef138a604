signature crlf
	{
	ip-proto == tcp
	src-port == 21
	payload /.*/
	event "m"
	}
