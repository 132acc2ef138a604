#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Classic-pcap tools for the network-time tests (no dependencies).

pcap_edit.py shift IN OUT INDEX SECONDS   copy IN, adding SECONDS to packet INDEX
pcap_edit.py y2038 OUT                    write TCP connections around 2^31 s
"""
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("pcap_edit: %s is not a little-endian classic pcap" % path)
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        recs.append([sec, frac, incl, orig, data[off + 16:off + 16 + incl]])
        off += 16 + incl
    return data[:24], recs


def write(path, hdr, recs):
    with open(path, "wb") as f:
        f.write(hdr)
        for sec, frac, incl, orig, body in recs:
            f.write(struct.pack("<IIII", sec & 0xFFFFFFFF, frac, incl, orig))
            f.write(body)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_frame(src, dst, sp, dp, seq, ack, flags):
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


def y2038(out):
    hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    cli, srv = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    recs = []
    # (start second, client port): one connection just before 2^31 s that runs
    # across it, two after it.
    for start, port in ((2**31 - 1, 40001), (2**31 + 100, 40002), (2**31 + 1000, 40003)):
        pkts = [
            (0, cli, srv, port, 80, 1000, 0, 0x02),
            (1, srv, cli, 80, port, 5000, 1001, 0x12),
            (2, cli, srv, port, 80, 1001, 5001, 0x10),
            (3, cli, srv, port, 80, 1001, 5001, 0x11),
            (4, srv, cli, 80, port, 5001, 1002, 0x11),
            (5, cli, srv, port, 80, 1002, 5002, 0x10),
        ]
        for i, s, d, sp, dp, seq, ack, fl in pkts:
            fr = tcp_frame(s, d, sp, dp, seq, ack, fl)
            # 0.5 s apart: the first connection crosses 2^31 s.
            t2 = 2 * start + i
            recs.append([t2 // 2, (t2 % 2) * 500000, len(fr), len(fr), fr])
    write(out, hdr, recs)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "shift":
        hdr, recs = read(sys.argv[2])
        i = int(sys.argv[4])
        recs[i][0] += int(sys.argv[5])
        write(sys.argv[3], hdr, recs)
    elif len(sys.argv) == 3 and sys.argv[1] == "y2038":
        y2038(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
