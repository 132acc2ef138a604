#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tap_cksum_test.sh VIGIL
#
# RX checksum offload: DPDK's net_tap verifies IPv4, TCP and UDP checksums and
# sets the mbuf's GOOD/BAD flags, as a NIC with checksum offload does. vigil
# runs inside a network namespace on a net_tap port; the namespace sends UDP
# datagrams and a TCP SYN to a made-up neighbour behind the tap (addresses
# inside the namespace only), plus one UDP datagram with a wrong checksum
# through a raw socket. Good checksums must be taken from the NIC's verdict
# (counted as nic-checksums), the bad one still caught in software, and
# --no-nic-checksum must give the same conn.log with no verdict used.
# Needs root (namespaces); exits 77 (skipped) without it.
set -u
. "$(dirname "$0")/../check.sh"
vigil=$1
[ "$(id -u)" -eq 0 ] || skip "tap: needs root"
command -v ip > /dev/null || skip "tap: no iproute2"
[ -e /dev/net/tun ] || skip "tap: no /dev/net/tun"
tag=vgt$$
ns=${tag}n
tmp=$(mktemp -d)
cleanup() {
	[ -n "${vpid:-}" ] && kill "$vpid" 2> /dev/null
	ip netns del "$ns" 2> /dev/null
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	rm -rf "$tmp" "/var/run/dpdk/$tag"* 2> /dev/null
}
trap cleanup EXIT

ip netns add "$ns" || skip "tap: cannot create a namespace"

# One capture: vigil on a fresh tap in the namespace, traffic, conn.log in $1.
run() {
	local out=$1
	shift
	mkdir -p "$out"
	ip netns exec "$ns" "$vigil" --no-huge -m 512 --no-pci --file-prefix "$tag$(basename "$out")" \
		-l 0-1 --log-level lib.eal:error --log-level pmd.net.tap:emerg \
		--vdev "net_tap0,iface=${tag}" -- -o "$out" --duration 120 --stats "$@" \
		> "$out/vigil.out" 2>&1 &
	vpid=$!
	# Ready when vigil's workers run: its telemetry answers only after they
	# were launched (the port started, its queues attached to the tap).
	local ready=1
	for _ in $(seq 200); do
		python3 "$(dirname "$0")/telemetry_query.py" "$tag$(basename "$out")" \
			/vigil/workers 2> /dev/null | grep -q '\[0\]' && { ready=0; break; }
		kill -0 "$vpid" 2> /dev/null || break
		sleep 0.1
	done
	check $ready "vigil is ready on the tap within 20 s ($(basename "$out"))"
	ip netns exec "$ns" sh -c "ip addr add 10.213.0.1/24 dev $tag && ip link set $tag up &&
		ip neigh replace 10.213.0.2 lladdr 02:00:00:00:00:02 dev $tag"
	# And the kernel's side of the tap is up, with carrier, before traffic.
	ready=1
	for _ in $(seq 100); do
		ip netns exec "$ns" ip link show "$tag" 2> /dev/null | grep -q 'LOWER_UP' &&
			{ ready=0; break; }
		sleep 0.05
	done
	check $ready "the tap is up with carrier within 5 s ($(basename "$out"))"
	ip netns exec "$ns" python3 - <<'PY'
import socket, struct
for i in range(5):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"hello" * (i + 1), ("10.213.0.2", 5000 + i))
    u.close()
# One datagram with a wrong UDP checksum, built by hand.
src, dst = socket.inet_aton("10.213.0.1"), socket.inet_aton("10.213.0.2")
payload = b"bad checksum"
udp = struct.pack("!HHHH", 40000, 6000, 8 + len(payload), 0x1234) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
r.sendto(ip + udp, ("10.213.0.2", 0))
s = socket.socket()
s.settimeout(1.5)
try:
    s.connect(("10.213.0.2", 8080))
except OSError:
    pass
PY
	# The counters while it runs, through DPDK telemetry, once the 7 datagrams
	# and SYNs are in (bounded).
	for _ in $(seq 100); do
		python3 "$(dirname "$0")/telemetry_query.py" "$tag$(basename "$out")" /vigil/stats \
			2> /dev/null | python3 -c 'import json, sys
sys.exit(json.load(sys.stdin)["/vigil/stats"]["packets"] < 7)' 2> /dev/null && break
		sleep 0.1
	done
	python3 "$(dirname "$0")/telemetry_query.py" "$tag$(basename "$out")" /vigil/stats \
		/vigil/workers /vigil/worker,0 /vigil/worker,9 > "$out/telemetry.txt" 2>&1
	# Stopped when the traffic is in, not after a fixed time: a slow start
	# under load must not leave the traffic outside the capture.
	kill -TERM "$vpid" 2> /dev/null
	wait "$vpid"
	local rc=$?
	vpid=
	return $rc
}

run "$tmp/offload"
check $? "vigil exits 0 ($(tail -n 1 "$tmp/offload/vigil.out"))"
grep -q "NIC checksums yes" "$tmp/offload/vigil.out"
check $? "net_tap's checksum offload is used"
nic=$(sed -n 's/.* nic-checksums \([0-9]*\).*/\1/p' "$tmp/offload/vigil.out")
[ "${nic:-0}" -ge 6 ]
check $? "good checksums taken from the NIC (${nic:-none}, want 5 UDP + TCP SYNs)"

# conn.log rows of the traffic: ports, proto, state, history.
rows() {
	awk -F'\t' '!/^#/ && $3 == "10.213.0.1" && $5 == "10.213.0.2" { print $6, $7, $12, $16 }' \
		"$1/conn.log" 2> /dev/null | sort
}
good=$(rows "$tmp/offload" | awk '$2 == "udp" && $1 >= 5000 && $1 <= 5004 && $4 == "D"' | wc -l)
[ "$good" -eq 5 ]
check $? "5 UDP flows with good checksums, history D ($good)"
rows "$tmp/offload" | grep -q "^8080 tcp S0 S"
check $? "the TCP SYN is a connection attempt"
bad=$(rows "$tmp/offload" | awk '$1 == 6000 && $2 == "udp"' | head -n 1)
[ "$(echo "$bad" | awk '{ print $4 }')" = "C" ]
check $? "the bad UDP checksum is still caught (history: $bad)"
grep -q "bad_UDP_checksum" "$tmp/offload/weird.log" 2> /dev/null
check $? "weird.log has bad_UDP_checksum"

# Telemetry: the same counters, and per worker; a worker that does not exist is null.
python3 - "$tmp/offload/telemetry.txt" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
st, ws, w0, w9 = r[0]["/vigil/stats"], r[1]["/vigil/workers"], r[2]["/vigil/worker"], r[3]["/vigil/worker"]
assert st["packets"] >= 7 and st["nic_checksums"] >= 6 and st["udp_conns"] >= 6, st
assert ws == [0] and w0["lcore"] == 1 and w0["packets"] == st["packets"], (ws, w0)
assert w9 is None
PY
check $? "telemetry /vigil/stats and /vigil/worker ($(head -c 120 "$tmp/offload/telemetry.txt" 2> /dev/null))"

run "$tmp/software" --no-nic-checksum
check $? "vigil --no-nic-checksum exits 0"
grep -q "NIC checksums no" "$tmp/software/vigil.out"
check $? "--no-nic-checksum leaves the offload off"
grep -q " nic-checksums 0$" "$tmp/software/vigil.out"
check $? "no NIC verdict used"
[ "$(rows "$tmp/offload")" = "$(rows "$tmp/software")" ]
check $? "the same conn.log rows either way"

echo "tap: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
