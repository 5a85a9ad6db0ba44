#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""lossy-bridge: a transparent Ethernet bridge between two interfaces that
loses, duplicates and reorders IKE and ESP (interop tests; the kernel here
has neither netem nor nftables).

    lossy-bridge.py IF-A IF-B [--drop P] [--dup P] [--reorder-ms MS]
        [--seed S] [--esp] [--match udp|ike] [--max-secs SECS]
        [--ready FILE] [--log FILE] [--json]
        [--collide-ms MS [--collide-info]]

Run it in a namespace of its own that holds IF-A and IF-B (veth ends, no
addresses).  Every frame that arrives on one interface is sent out of the
other, never back out of the one it came from; frames a socket sees leaving
its own interface (PACKET_OUTGOING: what this bridge itself sent) are not
taken.  Frames of UDP port 500 or 4500 (either port, source or destination;
IPv4 and IPv6), and with --esp those of IP protocol 50, are "matched": each
is dropped with probability --drop (0.30), else sent, and then once more
with probability --dup (0), each copy after its own random delay of 0 to
--reorder-ms (0) milliseconds, so that later frames overtake it.  With
--match ike only IKE messages are matched: UDP 500, and UDP 4500 behind the
non-ESP marker (ESP in UDP and NAT keepalives pass as other frames do;
--esp still adds protocol 50).
ARP, neighbour discovery, ICMP, IP fragments after the first and all else
pass at once, untouched.  The decisions come from one random generator
seeded with --seed (default: 1), so that the same sequence of matched
frames meets the same fate.

SIGUSR1 turns the loss off (every frame passes at once), SIGUSR2 on again.
SIGTERM or SIGINT, or --max-secs (default 600) passed, ends it: it prints
its counters on stdout and exits 0 (frames still delayed are not sent):

    forwarded=N dropped=N duplicated=N reordered=N matched=N other=N pending=N

forwarded: frames sent (copies included), dropped: matched frames not
sent (and frames the kernel would not take: a line on stderr each),
duplicated: matched frames given a second copy, reordered: frames sent
after a frame that arrived later on the same interface, matched: matched
frames received, other: frames passed untouched, pending: delayed copies
not yet sent at the end.  With --json one JSON object instead, with the
seed and per direction ("a2b", "b2a") counters too.  --ready FILE: created
once both sockets are bound.  --log FILE: one line per matched frame:
seconds since the start, the direction, what it is ("ike EXCHANGE MSGID"
then I or R, the Initiator flag, and q or r, request or response; or
esp-udp, esp, keepalive), its length, and what was done: "drop", or "fwd
D" or "fwd D dup D2" with the copies' delays in ms.

--collide-ms MS makes rekeys collide (RFC 7296 2.8): the first
CREATE_CHILD_SA request of one direction (an IKE request with exchange type
36; its retransmissions join it while it is held, and pass at once after)
is held until a CREATE_CHILD_SA request of the other direction has passed, and sent right after it; with
--collide-info an INFORMATIONAL request of the other direction releases it
too (a Delete crossing a rekey).  Nothing crossing within MS ms, it is
sent alone.  Held frames meet --drop, --dup and --reorder-ms as others do
when they go (use 0 for a link that only reorders).  Counters "held"
(requests held, copies not counted twice), "crossed" (held ones released
by the other side's request) and "alone" (released after MS ms).

Frames are read and sent with their offload header (PACKET_VNET_HDR), so
that a checksum left to the hardware or a GSO batch from the veth's other
end is handed on as it came; such a batch is one frame here.  Errors: a
line on stderr, exit 1 (2 for usage).  Needs CAP_NET_RAW.  Python 3
standard library only.
"""

import argparse
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_VNET_HDR = 15
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
VNET_HDR_LEN = 10   # struct virtio_net_hdr
IKE_PORTS = (500, 4500)
PROG = "lossy-bridge"


def die(msg, code=1):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def probability(s):
    p = float(s)
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError(f"'{s}' is not a probability (0 to 1)")
    return p


def nonneg(s):
    v = float(s)
    if v < 0:
        raise argparse.ArgumentTypeError(f"'{s}' is negative")
    return v


def open_if(name):
    """A raw packet socket on interface name, promiscuous.  The protocol is
    0 until bind, so that no frame of another interface is queued first.
    With PACKET_VNET_HDR each frame comes with its offload header (a
    checksum left to the hardware, a GSO batch), which is handed back as it
    is when the frame is sent out of the other interface."""
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        try:
            s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        except OSError:
            pass    # older kernels: sll_pkttype is checked anyway
        s.bind((name, ETH_P_ALL))
        idx = socket.if_nametoindex(name)
        mreq = struct.pack("iHH8s", idx, PACKET_MR_PROMISC, 0, b"")
        s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
        s.setblocking(False)
    except OSError as e:
        die(f"{name}: {e.strerror or e}")
    return s


def ike_desc(m):
    """'ike EXCH MSGID I|R[r]' of an IKE header, else 'ike ?'."""
    if len(m) < 28:
        return "ike ?"
    exch, flags, msgid = m[18], m[19], struct.unpack("!I", m[20:24])[0]
    names = {34: "SA_INIT", 35: "AUTH", 36: "CREATE_CHILD", 37: "INFO"}
    who = "I" if flags & 0x08 else "R"
    return "ike %s %d %s%s" % (names.get(exch, str(exch)), msgid, who,
                               "r" if flags & 0x20 else "q")


def ike_key(frame):
    """The SPIs and message ID of the IKE message in frame (with its
    offload header), as bytes; the whole frame if they are not found."""
    f = bytes(frame[VNET_HDR_LEN:])
    # the IKE header follows the UDP header (and the non-ESP marker on
    # 4500; IPv6 extension headers are not followed: the key is then
    # other bytes, the same for the same frame)
    et, off = struct.unpack("!H", f[12:14])[0], 14
    while et in (0x8100, 0x88A8) and len(f) >= off + 4:
        et, off = struct.unpack("!H", f[off + 2:off + 4])[0], off + 4
    if et == 0x0800 and len(f) > off:
        off += (f[off] & 15) * 4
    elif et == 0x86DD:
        off += 40
    else:
        return f
    sport, dport = struct.unpack("!HH", f[off:off + 4]) if len(f) >= off + 4 else (0, 0)
    off += 8
    if 500 not in (sport, dport) or 4500 in (sport, dport):
        off += 4        # the non-ESP marker
    return f[off:off + 16] + f[off + 20:off + 24]


def udp_kind(sport, dport, pl, match):
    """What a UDP 500/4500 payload is, and whether it is matched."""
    if 500 in (sport, dport) and 4500 not in (sport, dport):
        return ike_desc(pl), True
    if pl == b"\xff":
        return "keepalive", match == "udp"
    if len(pl) >= 4 and pl[:4] == b"\0\0\0\0":
        return ike_desc(pl[4:]), True
    return "esp-udp", match == "udp"


def classify(f, a):
    """(description, matched) of an Ethernet frame."""
    if len(f) < 14:
        return None, False
    et, off = struct.unpack("!H", f[12:14])[0], 14
    while et in (0x8100, 0x88A8) and len(f) >= off + 4:
        et, off = struct.unpack("!H", f[off + 2:off + 4])[0], off + 4
    ip = f[off:]
    if et == 0x0800 and len(ip) >= 20 and ip[0] >> 4 == 4:
        ihl, proto = (ip[0] & 15) * 4, ip[9]
        if struct.unpack("!H", ip[6:8])[0] & 0x1FFF:
            return None, False      # a later fragment: no ports to see
        tot = min(struct.unpack("!H", ip[2:4])[0], len(ip))
        l4 = ip[ihl:tot]
    elif et == 0x86DD and len(ip) >= 40 and ip[0] >> 4 == 6:
        proto, l4 = ip[6], ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
        # hop-by-hop, routing, destination options; a fragment header
        # (44) is followed only in the first fragment
        while proto in (0, 43, 60, 44) and len(l4) >= 8:
            if proto == 44:
                if struct.unpack("!H", l4[2:4])[0] & 0xFFF8:
                    return None, False
                proto, l4 = l4[0], l4[8:]
            else:
                proto, l4 = l4[0], l4[(l4[1] + 1) * 8:]
    else:
        return None, False
    if proto == 17 and len(l4) >= 8:
        sport, dport = struct.unpack("!HH", l4[:4])
        if sport in IKE_PORTS or dport in IKE_PORTS:
            return udp_kind(sport, dport, bytes(l4[8:]), a.match)
        return None, False
    if proto == 50 and a.esp:
        return "esp", True
    return None, False


class Dir:
    """One direction: frames in on src, out on dst."""

    def __init__(self, name, src, dst):
        self.name, self.src, self.dst = name, src, dst
        self.c = dict(forwarded=0, dropped=0, duplicated=0, reordered=0,
                      matched=0, other=0, held=0, crossed=0, alone=0)
        self.held = []          # (arrival number, frame) held to collide
        self.held_until = 0.0
        self.arrived = 0        # arrival numbers of this direction
        self.highest = 0        # the highest arrival number sent so far

    def send(self, seq, data):
        try:
            self.dst.send(data)
        except OSError as e:
            # a full queue or a vanished interface: counted as lost
            print(f"{PROG}: {self.name}: send: {e.strerror or e}",
                  file=sys.stderr, flush=True)
            self.c["dropped"] += 1
            return
        self.c["forwarded"] += 1
        if seq < self.highest:
            self.c["reordered"] += 1
        self.highest = max(self.highest, seq)


def main():
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    p.add_argument("if_a")
    p.add_argument("if_b")
    p.add_argument("--drop", type=probability, default=0.30)
    p.add_argument("--dup", type=probability, default=0.0)
    p.add_argument("--reorder-ms", type=nonneg, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--esp", action="store_true")
    p.add_argument("--match", choices=("udp", "ike"), default="udp")
    p.add_argument("--max-secs", type=nonneg, default=600.0)
    p.add_argument("--ready")
    p.add_argument("--log")
    p.add_argument("--json", action="store_true")
    p.add_argument("--collide-ms", type=nonneg, default=0.0)
    p.add_argument("--collide-info", action="store_true")
    a = p.parse_args()
    if a.if_a == a.if_b:
        die("the two interfaces must differ", 2)

    rng = random.Random(a.seed)
    sa, sb = open_if(a.if_a), open_if(a.if_b)
    dirs = {sa.fileno(): Dir("a2b", sa, sb), sb.fileno(): Dir("b2a", sb, sa)}
    log = open(a.log, "w", buffering=1) if a.log else None
    state = {"stop": False, "lossy": True}

    def on_stop(_sig, _frm):
        state["stop"] = True

    def on_lossy(sig, _frm):
        state["lossy"] = sig == signal.SIGUSR2

    # a signal wakes select() up through this pipe (PEP 475 would
    # otherwise resume the wait until its timeout)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGUSR1, on_lossy)
    signal.signal(signal.SIGUSR2, on_lossy)
    t0 = time.monotonic()
    end = t0 + a.max_secs
    queue = []      # (due, tie, dir, arrival number, frame)
    tie = 0
    once = set()    # (direction, SPIs and message ID) of requests held

    def fate(d, seq, data, t):
        """Drop, send, or send twice, each copy after its delay."""
        nonlocal tie
        if rng.random() < a.drop:
            d.c["dropped"] += 1
            if log:
                log.write(t + " drop\n")
            return
        copies = 2 if rng.random() < a.dup else 1
        delays = [rng.uniform(0, a.reorder_ms) for _ in range(copies)]
        if copies == 2:
            d.c["duplicated"] += 1
        for ms in delays:
            tie += 1
            heapq.heappush(queue, (time.monotonic() + ms / 1000.0, tie,
                                   d, seq, data))
        if log:
            log.write(t + " fwd %.0f%s\n" % (delays[0], " dup %.0f" %
                      delays[1] if copies == 2 else ""))

    def release(d, why):
        """Send what d holds (after a crossing request, or alone)."""
        held, d.held = d.held, []
        for seq, data, t in held:
            fate(d, seq, data, t + " " + why)
    if a.ready:
        open(a.ready, "w").close()

    while not state["stop"]:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, d, seq, data = heapq.heappop(queue)
            d.send(seq, data)
        for d in dirs.values():
            if d.held and d.held_until <= now:
                d.c["alone"] += 1
                release(d, "alone")
        while queue and queue[0][0] <= now:
            _, _, d, seq, data = heapq.heappop(queue)
            d.send(seq, data)
        if now >= end:
            break
        wait = end - now
        if queue:
            wait = min(wait, queue[0][0] - now)
        for d in dirs.values():
            if d.held:
                wait = min(wait, d.held_until - now)
        try:
            ready, _, _ = select.select([sa, sb, wake_r], [], [], max(wait, 0))
        except InterruptedError:
            continue
        if wake_r in ready:
            try:
                os.read(wake_r, 512)
            except BlockingIOError:
                pass
            ready.remove(wake_r)
        for s in ready:
            d = dirs[s.fileno()]
            for _ in range(64):
                try:
                    data, addr = s.recvfrom(VNET_HDR_LEN + 65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as e:
                    die(f"{d.name}: recv: {e.strerror or e}")
                if addr[2] == PACKET_OUTGOING:
                    continue    # what we sent out of this interface
                d.arrived += 1
                seq = d.arrived
                what, matched = classify(memoryview(data)[VNET_HDR_LEN:], a)
                if not matched or not state["lossy"]:
                    d.c["other"] += 1
                    d.send(seq, data)
                    continue
                d.c["matched"] += 1
                t = "%.3f %s %s len %d" % (time.monotonic() - t0, d.name, what,
                                           len(data) - VNET_HDR_LEN)
                o = dirs[d.dst.fileno()]
                if a.collide_ms > 0 and what.endswith("q"):
                    ccsa = what.startswith("ike CREATE_CHILD ")
                    crossing = ccsa or (a.collide_info and
                                        what.startswith("ike INFO "))
                    if crossing and o.held:
                        # the other side's request: it goes, then the
                        # held one after it
                        fate(d, seq, data, t + " crossing")
                        o.c["crossed"] += 1
                        release(o, "crossed")
                        continue
                    # a request once held and let go is not held again
                    # (a retransmission: the peer did not take the answer)
                    key = (d.name, ike_key(data))
                    if ccsa and (key not in once or d.held):
                        once.add(key)
                        if not d.held:
                            d.c["held"] += 1
                            d.held_until = time.monotonic() + a.collide_ms / 1000.0
                        d.held.append((seq, data, t))
                        if log:
                            log.write(t + " hold\n")
                        continue
                fate(d, seq, data, t)
            # frames due now go before the next read
            now = time.monotonic()
            while queue and queue[0][0] <= now:
                _, _, d2, seq2, data2 = heapq.heappop(queue)
                d2.send(seq2, data2)

    tot = {k: sum(d.c[k] for d in dirs.values()) for k in dirs[sa.fileno()].c}
    tot["pending"] = len(queue) + sum(len(d.held) for d in dirs.values())
    if a.json:
        out = dict(tot)
        out["seed"] = a.seed
        for d in dirs.values():
            out[d.name] = d.c
        print(json.dumps(out), flush=True)
    else:
        print(" ".join(f"{k}={v}" for k, v in tot.items()), flush=True)
    if log:
        log.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
