#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# exception_test.sh VIGIL VIGIL-CTL [learn]
#
# A collector VM whose only NIC DPDK owns, in network namespaces: a veth pair
# plays the NIC ("vm" end: vigil's net_af_packet; the VM's kernel takes
# nothing from it directly: no address there, arp_ignore, strict rp_filter,
# as if DPDK owned it; the packet socket still sees every frame). vigil's
# --exception tap in "vm" carries the
# host address. From the other end ("lb": the load balancer and the mirror
# source) come VXLAN (AWS) and GENEVE (GCP) mirror traffic, pings, an
# SSH-like TCP exchange and HTTP and TCP health checks to the host address.
# The VM's kernel must answer through vigil (the pings, the exchange, 200 from
# --health-http, a handshake on --health-port), must never see the mirror
# transport (listeners on 4789/6081 in "vm" get nothing), conn.log must hold
# only the mirrored flows, and once vigil-ctl stops capture the checks must
# fail (503, connection refused) while the exception path still carries them.
# With "learn", vigil gets no --host-addr: it must learn the host address the
# test puts on the tap after start, within a few seconds, and the tap's IPv6
# link-local address (the "lb" end pings it, so ND runs both ways through
# vigil); show exception and --stats count the addresses learned. Both
# scrape --metrics-listen: healthy while healthy, and after the stop every
# vigil_exception_* and vigil_health_* series must lie between the figures of
# show exception taken just before and just after the scrape.
# Needs root; exits 77 (skipped) without it, fails under CI=true.
set -u
. "$(dirname "$0")/../check.sh"
vigil=$1
ctl=$2
mode=${3:-configured}
[ "$(id -u)" -eq 0 ] || skip "exception: needs root"
for t in ip ethtool curl python3; do
	command -v "$t" > /dev/null || skip "exception: no $t"
done
tag=vgx$$
vm=${tag}vm lb=${tag}lb
tmp=$(mktemp -d)
sock=$tmp/c.sock
cleanup() {
	[ -n "${srv:-}" ] && kill "$srv" 2> /dev/null
	[ -n "${vpid:-}" ] && kill "$vpid" 2> /dev/null && wait "$vpid" 2> /dev/null
	ip netns del "$vm" 2> /dev/null
	ip netns del "$lb" 2> /dev/null
	[ -n "${KEEP:-}" ] && cp -r "$tmp" "$KEEP"
	rm -rf "$tmp" "/var/run/dpdk/$tag" 2> /dev/null
}
trap cleanup EXIT
H=10.213.0.2 L=10.213.0.1

ip netns add "$vm" && ip netns add "$lb" || skip "exception: cannot create namespaces"
ip link add "${tag}v" type veth peer name "${tag}l" || skip "exception: no veth"
ip link set "${tag}v" netns "$vm"
ip link set "${tag}l" netns "$lb"
ip -n "$vm" link set lo up
ip -n "$lb" link set lo up
ip netns exec "$vm" sysctl -qw "net.ipv6.conf.${tag}v.disable_ipv6=1"
ip -n "$vm" link set "${tag}v" up
# DPDK owns the NIC: the VM's kernel must take nothing from it directly. It
# has no address there, answers ARP there for none (arp_ignore), and drops
# IPv4 arriving there from an address it routes through the exception
# interface (strict reverse-path filter): only vigil can bring it the frames.
for k in "all.rp_filter=1" "${tag}v.rp_filter=1" "all.arp_ignore=1" "${tag}v.arp_ignore=1"; do
	ip netns exec "$vm" sysctl -qw "net.ipv4.conf.$k"
	check $? "sysctl net.ipv4.conf.$k in the VM"
done
# The tap (made by vigil) has its IPv6 link-local address at once.
ip netns exec "$vm" sysctl -qw net.ipv6.conf.default.accept_dad=0
if [ "$mode" = learn ]; then
	# The load balancer pings the tap's link-local address (its MLD reports to
	# ff02::16 are mirror-side traffic to capture: conn.log gets them).
	ip netns exec "$lb" sysctl -qw "net.ipv6.conf.${tag}l.accept_dad=0"
else
	# The mirror source speaks no IPv6 of its own (its MLD would be traffic to capture).
	ip netns exec "$lb" sysctl -qw "net.ipv6.conf.${tag}l.disable_ipv6=1"
fi
ip -n "$lb" addr add "$L/24" dev "${tag}l"
ip -n "$lb" link set "${tag}l" up
# Frames leave with their checksums filled in, as from a real NIC.
ip netns exec "$lb" ethtool -K "${tag}l" tx off > /dev/null 2>&1

mport=9464 # on the VM namespace's loopback
metrics() { ip netns exec "$vm" curl -s -m 5 "http://127.0.0.1:$mport/metrics"; }
hostaddr=(--host-addr "${EXC_TEST_HOST_ADDR:-$H}")
quiet=(-q)
# Without -q, vigil says what it learns.
[ "$mode" = learn ] && hostaddr=() quiet=()
ip netns exec "$vm" "$vigil" --no-huge -m 512 --no-pci --file-prefix "$tag" -l 0-1 \
	--log-level lib.eal:error --vdev "net_af_packet0,iface=${tag}v" -- \
	"${quiet[@]}" --stats -o "$tmp" --duration 60 --mirror vxlan,geneve \
	--exception "${tag}k" "${hostaddr[@]}" --health-http 8080:/healthz --health-port 8081 \
	--console-socket "$sock" --metrics-listen "127.0.0.1:$mport" > "$tmp/vigil.out" 2>&1 &
vpid=$!
up=1
for _ in $(seq 100); do
	ip -n "$vm" link show "${tag}k" > /dev/null 2>&1 && { up=0; break; }
	kill -0 "$vpid" 2> /dev/null || break
	sleep 0.1
done
check $up "vigil made the exception interface ${tag}k"
[ $up -eq 0 ] || { cat "$tmp/vigil.out"; exit 1; }
# The VM's own address, on the kernel side of the exception path.
added=$(date +%s.%N)
ip -n "$vm" addr add "$H/24" dev "${tag}k"
ip -n "$vm" link set "${tag}k" up
ll=$(ip -n "$vm" -6 -o addr show dev "${tag}k" scope link | awk '{sub("/.*", "", $4); print $4}')
[ "$mode" = learn ]
ll_on=$?
[ $ll_on -eq 0 ] && { [ -n "$ll" ]; check $? "the tap has an IPv6 link-local address ($ll)"; }

# The VM's services: an SSH-like banner exchange, and listeners on the
# mirror ports that must never get a datagram.
ip netns exec "$vm" python3 - "$H" "$tmp/vm.txt" > /dev/null 2>&1 <<'PY' &
import socket, sys, threading, time
host, out = sys.argv[1], sys.argv[2]
got = {4789: 0, 6081: 0}
def udp(port):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", port)); u.settimeout(0.5)
    end = time.time() + 30
    while time.time() < end:
        try:
            u.recv(2048); got[port] += 1
        except socket.timeout:
            pass
for p in got:
    threading.Thread(target=udp, args=(p,), daemon=True).start()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, 2222)); s.listen(); s.settimeout(30)
open(out + ".ready", "w").close()
try:
    c, _ = s.accept(); c.settimeout(5)
    c.sendall(b"SSH-2.0-vm\r\n")
    if c.recv(100).startswith(b"SSH-2.0-lb"):
        c.sendall(b"welcome\n")
    c.close()
except Exception:
    pass
time.sleep(4)  # the mirror traffic comes right after the exchange
open(out, "w").write("vxlan %d geneve %d\n" % (got[4789], got[6081]))
PY
srv=$!
for _ in $(seq 100); do
	[ -e "$tmp/vm.txt.ready" ] && break
	sleep 0.1
done

# The load balancer / mirror source.
ip netns exec "$lb" python3 - "$H" "$mode" "${ll:-none}" "${tag}l" "$added" > "$tmp/lb.txt" 2>&1 <<'PY'
import socket, struct, sys, time
host, mode, ll, lbif, added = sys.argv[1:6]

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ping(n):
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    r.settimeout(1.0)
    ok = 0
    for seq in range(n):
        h = struct.pack("!BBHHH", 8, 0, 0, 0x77, seq) + b"vigil-exception"
        h = h[:2] + struct.pack("!H", csum(h)) + h[4:]
        r.sendto(h, (host, 0))
        end = time.time() + 1.0
        while time.time() < end:
            try:
                d, a = r.recvfrom(2048)
            except socket.timeout:
                break
            if a[0] == host and d[20] == 0 and struct.unpack("!H", d[24:26])[0] == 0x77:
                ok += 1
                break
    return ok

def tcp_exchange():
    try:
        c = socket.create_connection((host, 2222), timeout=5)
        banner = c.recv(100)
        c.sendall(b"SSH-2.0-lb\r\n")
        rest = c.recv(100)
        c.close()
        return banner.startswith(b"SSH-2.0-vm") and rest == b"welcome\n"
    except Exception as e:
        print("tcp error", e)
        return False

def inner_tcp(src, dst, sport, dport, flags, seq, ack, payload=b""):
    ip_len = 20 + 20 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 1, 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, 20 + len(payload))
    c = csum(ph + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp + payload

def conversation(c, s, cp, sp):
    S, SA, A, PA, FA = 0x02, 0x12, 0x10, 0x18, 0x11
    return [inner_tcp(c, s, cp, sp, S, 1000, 0),
            inner_tcp(s, c, sp, cp, SA, 5000, 1001),
            inner_tcp(c, s, cp, sp, A, 1001, 5001),
            inner_tcp(c, s, cp, sp, PA, 1001, 5001, b"hello mirror\n"),
            inner_tcp(s, c, sp, cp, A, 5001, 1014),
            inner_tcp(c, s, cp, sp, FA, 1014, 5001),
            inner_tcp(s, c, sp, cp, FA, 5001, 1015),
            inner_tcp(c, s, cp, sp, A, 1015, 5002)]

def mirror():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    vx = struct.pack("!BBHI", 0x08, 0, 0, 7 << 8)           # VXLAN, VNI 7 (AWS)
    gv = struct.pack("!BBHI", 0, 0, 0x6558, 9 << 8)         # GENEVE, VNI 9 (GCP)
    for f in conversation("192.0.2.10", "198.51.100.20", 40001, 80):
        u.sendto(vx + f, (host, 4789)); time.sleep(0.005)
    for f in conversation("192.0.2.11", "198.51.100.21", 40002, 443):
        u.sendto(gv + f, (host, 6081)); time.sleep(0.005)

def tcp_check(port):
    try:
        c = socket.create_connection((host, port), timeout=3)
        c.close()
        return "open"
    except ConnectionRefusedError:
        return "refused"
    except Exception as e:
        return "error-" + type(e).__name__

def ping6(n):
    r = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    r.settimeout(1.0)
    to = (ll, 0, 0, socket.if_nametoindex(lbif))
    ok = 0
    for seq in range(n):
        r.sendto(struct.pack("!BBHHH", 128, 0, 0, 0x78, seq) + b"vigil-ll", to)
        end = time.time() + 1.0
        while time.time() < end:
            try:
                d, a = r.recvfrom(2048)
            except socket.timeout:
                break
            if d[0] == 129 and struct.unpack("!H", d[4:6])[0] == 0x78:
                ok += 1
                break
    return ok

if mode == "learn":
    # vigil learns the address the VM's kernel got after start: the first
    # answer, counted from the `ip addr add`.
    t0 = time.time()
    while ping(1) == 0 and time.time() - t0 < 10:
        pass
    print("learned-after %.1f" % (time.time() - float(added)))
print("ping", ping(3))
if mode == "learn":
    print("ping6", ping6(3))
print("exchange", "ok" if tcp_exchange() else "failed")
mirror()
# The sensor judges its health once a second from its start, as a load
# balancer probes every few seconds: retry for up to 10 s.
def until_open(port, secs=10):
    end = time.time() + secs
    r = tcp_check(port)
    while r != "open" and time.time() < end:
        time.sleep(0.2)
        r = tcp_check(port)
    return r

print("healthport", until_open(8081))
PY
cat "$tmp/lb.txt"
if [ "$mode" = learn ]; then
	t=$(awk '/^learned-after/ {print $2}' "$tmp/lb.txt")
	check $(awk -v t="${t:-99}" 'BEGIN {exit !(t <= 5)}'; echo $?) \
		"pings answered within 5 s of the address on the tap (${t:-never})"
	grep -q "^ping6 [23]$" "$tmp/lb.txt"
	check $? "pings to the tap's IPv6 link-local address are answered (ND both ways)"
fi
grep -q "^ping [23]$" "$tmp/lb.txt"
check $? "pings to the host are answered through the exception path"
grep -q "^exchange ok$" "$tmp/lb.txt"
check $? "the SSH-like TCP exchange with the host completes"
grep -q "^healthport open$" "$tmp/lb.txt"
check $? "--health-port completes the handshake while healthy"
for _ in $(seq 50); do
	code=$(ip netns exec "$lb" curl -s -o /dev/null -w '%{http_code}' -m 5 "http://$H:8080/healthz")
	[ "$code" = 200 ] && break
	sleep 0.2
done
check $([ "$code" = 200 ]; echo $?) "--health-http answers 200 while healthy (got $code)"
code=$(ip netns exec "$lb" curl -s -o /dev/null -w '%{http_code}' -m 5 "http://$H:8080/other")
check $([ "$code" = 404 ]; echo $?) "--health-http answers 404 for another path (got $code)"
m=$(metrics)
grep -qx 'vigil_health_healthy 1' <<< "$m" && grep -qx 'vigil_health_state{state="healthy"} 1' <<< "$m"
check $? "the metrics say healthy while healthy"

# The console stops capture: the sensor is unhealthy, the host still reachable.
ip netns exec "$vm" "$ctl" --socket "$sock" stop > /dev/null
check $? "vigil-ctl stop"
sleep 2.5
code=$(ip netns exec "$lb" curl -s -o /dev/null -w '%{http_code}' -m 5 "http://$H:8080/healthz")
check $([ "$code" = 503 ]; echo $?) "--health-http answers 503 once capture is stopped (got $code)"
hp=$(ip netns exec "$lb" python3 -c "
import socket
try:
    socket.create_connection(('$H', 8081), timeout=3).close(); print('open')
except ConnectionRefusedError: print('refused')
except Exception as e: print('error', e)")
check $([ "$hp" = refused ]; echo $?) "--health-port refuses while unhealthy (got $hp)"
show=$(ip netns exec "$vm" "$ctl" --socket "$sock" show exception)
echo "$show" > "$tmp/show1.txt"
metrics > "$tmp/metrics.txt"
ip netns exec "$vm" "$ctl" --socket "$sock" show exception > "$tmp/show2.txt"
echo "$show"
# The Prometheus series of the exception path and the health checks lie
# between the console's figures just before and just after the scrape.
python3 - "$mode" "$tmp/metrics.txt" "$tmp/show1.txt" "$tmp/show2.txt" <<'PY'
import re, sys
mode, mfile, show1, show2 = sys.argv[1:5]
def figures(text):
    f = {}
    for k, v in re.findall(r"([a-z-]+) (\d+)", text):
        f[k] = int(v)
    f["stopped"] = int("unhealthy (capture stopped" in text)
    return f
a, b = figures(open(show1).read()), figures(open(show2).read())
m = {}
for line in open(mfile):
    if line.startswith("vigil_exception") or line.startswith("vigil_health"):
        k, v = line.rsplit(" ", 1)
        m[k] = float(v)
def g(k):
    return m.get(k, -1)
want = [
    ("to-kernel", g("vigil_exception_to_kernel_frames_total")),
    ("to-kernel-drops", g('vigil_exception_dropped_frames_total{reason="ring_full"}') +
        g('vigil_exception_dropped_frames_total{reason="tap_refused"}')),
    ("from-kernel", g("vigil_exception_from_kernel_frames_total")),
    ("from-kernel-drops", g('vigil_exception_dropped_frames_total{reason="port_tx_full"}')),
    ("host-ignored", g("vigil_exception_host_ignored_frames_total")),
    ("paused-drops", g("vigil_exception_paused_dropped_packets_total")),
    ("learned-addrs", g('vigil_exception_host_addresses{source="learned"}')),
    ("addr-changes", g("vigil_exception_host_address_changes_total")),
    ("tcp-accepted", g('vigil_health_checks_total{answer="tcp_accepted"}')),
    ("http-ok", g('vigil_health_checks_total{answer="http_ok"}')),
    ("http-unhealthy", g('vigil_health_checks_total{answer="http_unhealthy"}')),
    ("http-other", g('vigil_health_checks_total{answer="http_other"}')),
    ("changes", g("vigil_health_changes_total")),
    ("stopped", g('vigil_health_state{state="capture_stopped"}')),
]
bad = 0
for k, v in want:
    ok = k in a and k in b and a[k] <= v <= b[k]
    print("metrics %-18s %s (console %s..%s)%s" % (k, v, a.get(k), b.get(k), "" if ok else "  WRONG"))
    bad += not ok
conf = g('vigil_exception_host_addresses{source="configured"}')
other = sum(v for k, v in m.items() if k.startswith("vigil_health_state{") and "capture_stopped" not in k)
extra = [("configured addresses", conf, 0 if mode == "learn" else 1),
         ("healthy", g("vigil_health_healthy"), 0), ("other states", other, 0)]
for k, v, w in extra:
    print("metrics %-18s %s (want %s)%s" % (k, v, w, "" if v == w else "  WRONG"))
    bad += v != w
sys.exit(bad != 0)
PY
check $? "the exception and health series agree with show exception"
grep -q "^exception ${tag}k: to-kernel [1-9]" <<< "$show"
check $? "show exception counts the host's frames"
grep -q "learned-addrs 2 addr-changes [1-9]" <<< "$show"
check $? "show exception counts the 2 addresses learned and their changes"
grep -q "^health unhealthy (capture stopped" <<< "$show"
check $? "show exception says why the sensor is unhealthy"

wait "$srv"
srv=
cat "$tmp/vm.txt"
grep -q "^vxlan 0 geneve 0$" "$tmp/vm.txt"
check $? "the VM's kernel never got mirror transport"
kill -TERM "$vpid"
wait "$vpid"
check $? "vigil exits 0"
vpid=
cat "$tmp/vigil.out"
conn=$tmp/conn.log
# (With "learn", less the load balancer's MLD reports from its link-local address.)
grep -v '^#' "$conn" | awk -F'\t' '{print $3, $4, $5, $6}' |
	awk -v m="$mode" '!(m == "learn" && $1 ~ /^fe80:/ && $3 == "ff02::16")' | sort > "$tmp/flows"
cat "$tmp/flows"
printf '192.0.2.10 40001 198.51.100.20 80\n192.0.2.11 40002 198.51.100.21 443\n' > "$tmp/want"
cmp -s "$tmp/flows" "$tmp/want"
check $? "conn.log holds the two mirrored flows and nothing else"
n=$(grep -o 'to-kernel [0-9]*' "$tmp/vigil.out" | awk '{print $2}')
check $([ "${n:-0}" -ge 8 ]; echo $?) "to-kernel counts the host's frames (${n:-none})"
n=$(grep -o 'from-kernel [0-9]*' "$tmp/vigil.out" | awk '{print $2}')
check $([ "${n:-0}" -ge 8 ]; echo $?) "from-kernel counts the kernel's frames (${n:-none})"
grep -q 'http-ok [1-9].* http-unhealthy [1-9]' "$tmp/vigil.out"
check $? "--stats counts the health checks answered 200 and 503"
if [ "$mode" = learn ]; then
	grep -q "^vigil: --exception ${tag}k: no --host-addr; .*ip addr add" "$tmp/vigil.out"
	check $? "without --host-addr, one line says the addresses are learned and how to give one"
	grep -Eq "^vigil: exception ${tag}k: 2 address\(es\) learned: $H fe80:" "$tmp/vigil.out"
	check $? "one line says which addresses were learned"
fi
# The host address and the link-local one, learned with or without --host-addr.
grep -q "learned-addrs 2 addr-changes [1-9]" "$tmp/vigil.out"
check $? "--stats counts the 2 addresses learned and their changes"
echo "exception: $checks checks, $fails failed (${SECONDS}s)"
[ "$fails" -eq 0 ]
