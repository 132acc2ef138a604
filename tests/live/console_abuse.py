#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""console_abuse.py SOCKET: clients that misbehave on vigil's console socket.

Each case prints "ok <case>" or "FAIL <case>: why"; the exit status is the
number of failures. Between cases a well-behaved command must still be
answered: a silent client, garbage, an overlong line, a client that leaves
mid-command or mid-answer, and more clients than the sensor takes."""
import socket
import sys
import time

path = sys.argv[1]
fails = 0


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)  # the main lcore also writes the logs: slow on a loaded machine
    s.connect(path)
    return s


# Bytes read past the answer taken: the start of the next one. A slow client
# (a loaded machine) can find two answers in one read.
rest = {}


def answer(s):
    """The text and status of one answer (status None when the peer closed)."""
    buf = rest.pop(s, b"")
    while b"\0" not in buf or b"\n" not in buf.split(b"\0", 1)[1]:
        chunk = s.recv(65536)
        if not chunk:
            return buf.decode(errors="replace"), None
        buf += chunk
    text, tail = buf.split(b"\0", 1)
    status, more = tail.split(b"\n", 1)
    if more:
        rest[s] = more
    return text.decode(errors="replace"), status.strip().decode()


def ask(line):
    s = connect()
    s.sendall(line + b"\n")
    r = answer(s)
    s.close()
    return r


def verdict(case, ok, why=""):
    global fails
    if ok:
        print("ok", case)
    else:
        fails += 1
        print("FAIL", case + ":", why)


def still_serves(case):
    text, status = ask(b"show workers")
    verdict(case + " (then show workers)", status == "ok" and "worker" in text, repr(text[:200]))


try:
    # A client that connects and sends nothing stays connected while others work.
    silent = connect()
    still_serves("silent client")

    # Garbage: binary bytes, NULs, escape sequences; each line is refused alone.
    text, status = ask(b"\x00\xff\xfe\x1b[A\x07 show \x00 workers")
    verdict("garbage refused", status == "error" and text.count("\n") == 1, repr(text))
    s = connect()
    s.sendall(bytes(range(1, 256)).replace(b"\n", b"") + b"\n")
    text, status = answer(s)
    verdict("every byte value refused", status == "error" and text.count("\n") == 1, repr(text))
    s.close()
    still_serves("garbage")

    # A line longer than the console takes: one refusal, the connection goes on.
    s = connect()
    s.sendall(b"show " + b"x" * 10000 + b"\nshow workers\n")
    text, status = answer(s)
    verdict("overlong line refused", status == "error" and "longer than" in text, repr(text[:200]))
    text, status = answer(s)
    verdict("command after the overlong line", status == "ok" and "worker" in text, repr(text[:200]))
    s.close()

    # Leaving mid-command, and right after asking for a table walk (show flows).
    s = connect()
    s.sendall(b"show wor")
    s.close()
    s = connect()
    s.sendall(b"show flows top 50\n")
    s.close()
    still_serves("left mid-command")

    # Leaving without reading a large answer.
    s = connect()
    s.sendall(b"help\n" * 200)
    time.sleep(0.2)
    s.close()
    still_serves("left mid-answer")

    # More clients than the sensor takes: the extra one is told, the rest work
    # (after a moment for the sensor to notice the clients that left above).
    time.sleep(0.5)
    many = [connect() for _ in range(7)]  # with `silent`, 8: the limit
    extra = connect()
    text, status = answer(extra)
    verdict("ninth client refused", status == "error" and "too many" in text, repr(text))
    extra.close()
    for s in many:
        s.close()
    silent.close()
    time.sleep(0.2)
    still_serves("after the crowd left")

    # Several commands in one write are answered in order.
    s = connect()
    s.sendall(b"show config\nbogus\nshow logs\n")
    a = [answer(s) for _ in range(3)]
    verdict("pipelined commands", [x[1] for x in a] == ["ok", "error", "ok"], repr(a)[:300])
    s.close()
except OSError as e:
    verdict("the cases ran to the end", False, repr(e))
sys.exit(fails)
