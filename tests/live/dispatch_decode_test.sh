#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dispatch_decode_test.sh VIGIL VIGIL_GEN
#
# Software dispatch decodes each packet once: its poller decodes it in full
# (mirror transport stripped), finds the owner from that decode and leaves it
# in the mbuf for the owner, which does not decode it again; only an IP
# fragment is left to the owner to decode whole (only the owner can
# reassemble it). net_pcap gets two RX queues: AWS VXLAN mirror traffic
# (vigil-gen --wrap aws-vxlan), and IPv4 and IPv6 UDP datagrams split into
# fragments, some inside the same VXLAN mirror transport, among whole
# packets. With 2 workers and --mirror auto:
#   - conn.log must equal what vigil -r logs for the two files (uids aside),
#     and the fragment counters must equal vigil -r's;
#   - decodes (every vg_decode() of the pollers and the workers, --stats'
#     "dispatch read" line) must equal the packets read plus the fragments
#     (each fragment is decoded by its poller, then whole by its owner).
#     Decoding in the poller and again in the owner, as before, gives twice
#     the packets read.
# No hugepages, no NIC: --no-huge --no-pci and a vdev; needs root for EAL.
set -u
vigil=$1
gen=$2
tmp=$(mktemp -d)
tag=vgdd$$
trap 'rm -rf "$tmp" /var/run/dpdk/$tag-* 2> /dev/null' EXIT
. "$(dirname "$0")/../check.sh"
[ "$(id -u)" -eq 0 ] || skip "dispatch-decode: needs root for EAL"
command -v python3 > /dev/null || skip "dispatch-decode: needs python3"

rows() { # conn.log rows without uid and tunnel_parents, sorted
	awk -F'\t' '
		/^#fields/ { for (i = 2; i <= NF; i++) { if ($i == "uid") u = i - 1; if ($i == "tunnel_parents") t = i - 1 }; next }
		/^#/ { next }
		{ o = ""; for (i = 1; i <= NF; i++) if (i != u && i != t) o = o (o == "" ? "" : "\t") $i; print o }
	' "$@" | sort
}

"$gen" -q -o "$tmp/plain.pcap" -n 3000 -f 200 -s 21 --ipv6 30 &&
	"$gen" -q --wrap aws-vxlan --in "$tmp/plain.pcap" -o "$tmp/m.pcap"
check $? "vigil-gen wrote the mirror traffic"

# Fragmented UDP datagrams (IPv4 and IPv6, 3 fragments each), whole UDP
# packets of the same flows, and every third datagram's fragments inside
# VXLAN mirror transport to port 4789.
python3 - "$tmp/f.pcap" <<'PY'
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip4(src, dst, ident, flags_off, proto, body):
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ident, flags_off,
                              64, proto, 0, src, dst))
    h[10:12] = struct.pack("!H", csum(bytes(h)))
    return bytes(h) + body

def udp4(src, dst, sp, dp, data):
    u = struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data
    ph = src + dst + struct.pack("!BBH", 0, 17, len(u))
    return u[:6] + struct.pack("!H", csum(ph + u) or 0xffff) + u[8:]

def udp6(src, dst, sp, dp, data):
    u = struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data
    ph = src + dst + struct.pack("!IxxxB", len(u), 17)
    return u[:6] + struct.pack("!H", csum(ph + u) or 0xffff) + u[8:]

def ip6(src, dst, nh, body):
    return struct.pack("!IHBB16s16s", 0x60000000, len(body), nh, 64, src, dst) + body

ETH4 = bytes.fromhex("020000000002" "020000000001" "0800")
ETH6 = bytes.fromhex("020000000002" "020000000001" "86dd")
COL_SRC, COL_DST = bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2])

def mirror(frame, n):
    vx = struct.pack("!BxxxI", 0x08, 77 << 8) + frame
    return ETH4 + ip4(COL_SRC, COL_DST, 40000 + n, 0, 17, udp4(COL_SRC, COL_DST, 50000 + n % 97, 4789, vx))

def frags4(src, dst, ident, dgram):
    # dgram is the UDP datagram; pieces of 1000 bytes (a multiple of 8)
    out, off = [], 0
    while off < len(dgram):
        piece = dgram[off:off + 1000]
        more = 0x2000 if off + 1000 < len(dgram) else 0
        out.append(ETH4 + ip4(src, dst, ident, more | off // 8, 17, piece))
        off += 1000
    return out

def frags6(src, dst, ident, dgram):
    out, off = [], 0
    while off < len(dgram):
        piece = dgram[off:off + 1000]
        more = 1 if off + 1000 < len(dgram) else 0
        fh = struct.pack("!BxHI", 17, off | more, ident)
        out.append(ETH6 + ip6(src, dst, 44, fh + piece))
        off += 1000
    return out

frames = []
for n in range(60):
    a4, b4 = bytes([192, 0, 2, 1 + n]), bytes([198, 51, 100, 1 + n % 7])
    a6 = bytes.fromhex("20010db8000000000000000000000001")[:15] + bytes([n + 1])
    b6 = bytes.fromhex("20010db8000100000000000000000001")[:15] + bytes([n % 5 + 1])
    big = bytes((n + i) & 0xff for i in range(2600))
    f4 = frags4(a4, b4, 100 + n, udp4(a4, b4, 7000 + n, 53, big))
    f6 = frags6(a6, b6, 500 + n, udp6(a6, b6, 7100 + n, 53, big))
    whole4 = ETH4 + ip4(a4, b4, 3000 + n, 0, 17, udp4(a4, b4, 7000 + n, 53, b"whole"))
    whole6 = ETH6 + ip6(a6, b6, 17, udp6(a6, b6, 7100 + n, 53, b"whole"))
    if n % 3 == 0:
        f4 = [mirror(f, n * 10 + i) for i, f in enumerate(f4)]
    frames += [whole4] + f4 + [whole6] + f6

t0 = 1700000000 * 1000000
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        us = t0 + i * 1000
        f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(fr), len(fr)) + fr)
PY
check $? "python3 wrote the fragments"

mkdir -p "$tmp/rm" "$tmp/rf"
"$vigil" -q -r "$tmp/m.pcap" -o "$tmp/rm" --mirror auto &&
	"$vigil" -q -r "$tmp/f.pcap" -o "$tmp/rf" --mirror auto --stats 2> "$tmp/rf.stats"
check $? "vigil -r reads both files"
rows "$tmp/rm/conn.log" "$tmp/rf/conn.log" > "$tmp/want"
want_frags=$(awk '/^vigil: fragments / { print $3, $5 }' "$tmp/rf.stats")
[ -s "$tmp/want" ] && [ -n "$want_frags" ]
check $? "vigil -r logged connections and counted fragments ($want_frags)"

mkdir -p "$tmp/live"
timeout 120 "$vigil" --no-huge -m 1024 --no-pci --file-prefix "$tag" \
	--lcores '0@0,1@0,2@1' --log-level lib.eal:error \
	--vdev "net_pcap0,rx_pcap=$tmp/m.pcap,rx_pcap=$tmp/f.pcap" -- \
	-q -o "$tmp/live" --mirror auto --dispatch software --workers 2 --exit-idle 1 --stats \
	> "$tmp/out" 2>&1
check $? "vigil exits 0: $(tail -n 2 "$tmp/out")"
read -r read drops stop decodes frags <<< "$(awk '
	/^vigil: dispatch read / { r = $4; x = $8; s = $10; for (i = 2; i < NF; i++) if ($i == "decodes") d = $(i + 1) }
	/^vigil: fragments / { f = $3 }
	END { print r + 0, x + 0, s + 0, (d == "" ? -1 : d), f + 0 }' "$tmp/out")"
got_frags=$(awk '/^vigil: fragments / { print $3, $5 }' "$tmp/out")
[ "$read" -gt 0 ] && [ "$drops" -eq 0 ] && [ "$stop" -eq 0 ]
check $? "read $read packets, dispatch-drops $drops, stop-drops $stop"
[ "$got_frags" = "$want_frags" ]
check $? "fragments and reassembled: $got_frags, want vigil -r's $want_frags"
[ "$decodes" -eq $((read + frags)) ]
check $? "decodes $decodes, want packets read plus fragments: $read + $frags (twice the packets read: $((2 * read)), is a second decode)"
rows "$tmp/live/conn.log" > "$tmp/got" 2> /dev/null
cmp -s "$tmp/want" "$tmp/got"
check $? "conn.log equals vigil -r's ($(wc -l < "$tmp/got") rows, want $(wc -l < "$tmp/want")): $(diff "$tmp/want" "$tmp/got" | head -n 4)"
echo "dispatch-decode: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
