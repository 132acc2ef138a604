#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""telemetry_query.py FILE_PREFIX COMMAND...

Asks a running DPDK process for telemetry over its socket
(/var/run/dpdk/FILE_PREFIX/dpdk_telemetry.v2) and prints one JSON reply per
command, a line each. The tests use it instead of dpdk-telemetry.py, which is
in a package the tests do not otherwise need.
"""
import json
import socket
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip())
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % sys.argv[1]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(path)
    except OSError as e:
        sys.exit("telemetry_query: cannot connect to %s (%s)" % (path, e))
    info = json.loads(s.recv(1 << 16).decode())
    size = int(info.get("max_output_len", 1 << 16))
    for cmd in sys.argv[2:]:
        s.send(cmd.encode())
        print(s.recv(size).decode())


if __name__ == "__main__":
    main()
