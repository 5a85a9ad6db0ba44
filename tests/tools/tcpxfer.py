#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""tcpxfer: one TCP transfer with a checksum at each end (interop tests).

    tcpxfer.py recv ADDR PORT [--timeout SECS] [--ready FILE]
    tcpxfer.py send ADDR PORT --bytes N [--bind ADDR] [--seed S] [--timeout SECS]

recv listens on ADDR:PORT (IPv4 or IPv6), accepts one connection, reads it
to the end and closes it.  send connects from --bind (if given) to ADDR:PORT,
sends N pseudo-random bytes (the same bytes for the same --seed), shuts its
side down and waits until the receiver has closed, so that when send returns
the receiver has read everything.  Each prints one line on stdout:

    bytes N sha256 HEX

(the bytes it read or sent and their SHA-256), also when it fails, and exits
0 on a complete transfer, 1 on a timeout or a network error (with a line on
stderr), 2 on a usage error.  --timeout (default 60) bounds the whole run,
connecting and waiting included.  --ready FILE: recv creates FILE once it is
listening.  Python 3 standard library only.
"""

import argparse
import hashlib
import random
import socket
import sys
import time

CHUNK = 64 * 1024


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def report(n, h):
    print(f"bytes {n} sha256 {h.hexdigest()}", flush=True)


class Deadline:
    def __init__(self, secs):
        self.end = time.monotonic() + secs

    def left(self):
        t = self.end - time.monotonic()
        if t <= 0:
            raise socket.timeout("timed out")
        return t


def recv(a):
    dl = Deadline(a.timeout)
    h = hashlib.sha256()
    n = 0
    ls = socket.socket(family(a.addr), socket.SOCK_STREAM)
    try:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.addr, a.port))
        ls.listen(1)
        if a.ready:
            with open(a.ready, "w", encoding="ascii") as f:
                f.write("listening\n")
        ls.settimeout(dl.left())
        c, peer = ls.accept()
        with c:
            while True:
                c.settimeout(dl.left())
                b = c.recv(CHUNK)
                if not b:
                    break
                h.update(b)
                n += len(b)
    except OSError as e:
        report(n, h)
        print(f"tcpxfer recv: {a.addr}:{a.port}: {e} after {n} bytes", file=sys.stderr)
        return 1
    finally:
        ls.close()
    report(n, h)
    return 0


def send(a):
    dl = Deadline(a.timeout)
    h = hashlib.sha256()
    n = 0
    rnd = random.Random(a.seed)
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    try:
        if a.bind:
            s.bind((a.bind, 0))
        s.settimeout(dl.left())
        s.connect((a.addr, a.port))
        while n < a.bytes:
            b = rnd.randbytes(min(CHUNK, a.bytes - n))
            s.settimeout(dl.left())
            s.sendall(b)
            h.update(b)
            n += len(b)
        s.shutdown(socket.SHUT_WR)
        # the receiver closes once it has read all: EOF here
        while True:
            s.settimeout(dl.left())
            if not s.recv(CHUNK):
                break
    except OSError as e:
        report(n, h)
        print(f"tcpxfer send: {a.addr}:{a.port}: {e} after {n} bytes", file=sys.stderr)
        return 1
    finally:
        s.close()
    report(n, h)
    return 0


def main():
    p = argparse.ArgumentParser(prog="tcpxfer.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    r.add_argument("addr")
    r.add_argument("port", type=int)
    r.add_argument("--timeout", type=float, default=60)
    r.add_argument("--ready")
    s = sub.add_parser("send")
    s.add_argument("addr")
    s.add_argument("port", type=int)
    s.add_argument("--bytes", type=int, required=True)
    s.add_argument("--bind")
    s.add_argument("--seed", default="ikekit")
    s.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    if a.timeout <= 0:
        p.error("--timeout must be positive")
    if a.cmd == "send" and a.bytes < 0:
        p.error("--bytes must not be negative")
    return recv(a) if a.cmd == "recv" else send(a)


if __name__ == "__main__":
    sys.exit(main())
