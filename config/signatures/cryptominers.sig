# Crypto-mining: the Stratum protocol's JSON-RPC login to a pool, and
# miners' HTTP user agents. Stratum runs on any port (3333, 4444, 5555,
# 14444 are common), so these rules name none. In a pattern, a double
# quote starts a quoted literal (Zeek's flex-style syntax): \" is a quote.

signature vigil-miner-stratum-subscribe {
	ip-proto == tcp
	payload /.*\"method\"[[:space:]]*:[[:space:]]*\"mining\.(subscribe|authorize|extranonce\.subscribe)\"/
	tcp-state originator
	event "Stratum mining pool login"
}

signature vigil-miner-stratum-xmr-login {
	ip-proto == tcp
	payload /.*\"method\"[[:space:]]*:[[:space:]]*\"login\".*\"agent\"[[:space:]]*:[[:space:]]*\"(xmrig|xmr-stak|cpuminer)/i
	tcp-state originator
	event "Monero miner pool login"
}

signature vigil-miner-user-agent {
	ip-proto == tcp
	http-request-header /.*user-agent:.*(xmrig|xmr-stak|cgminer|bfgminer|nicehash|ethminer)/i
	event "crypto-miner user agent"
}
