#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""hostile.py: a catalogue of hand-built hostile IKEv2 messages for ike-respond.

Each entry is one message (or a few datagrams), the answer RFC 7296 calls for
(a clear Notify, an encrypted Notify, a normal answer, the cached response
again, or none at all), an ERE the responder's -v log must show for it, and
what ike-decode must call it. The tool is also a peer: it does real
IKE_SA_INIT exchanges (X25519, AES-GCM-16-256, PRF-HMAC-SHA-256) and derives
the SK_* keys (RFC 7296 2.14) so that hostile messages can be sent inside
SK payloads and on an IKE SA that is half-open or established.

    hostile.py list                         # the catalogue: name, expected
    hostile.py run --target ADDR --source ADDR --psk-file F --log FILE --out DIR
                   [--port P] [--only ERE] [--silent]
    hostile.py check-decode DIR PLAIN.jsonl KEYED.jsonl

run sends each entry from a fresh UDP socket, waits a bounded time for an
answer, checks it and the log, and prints "ok NAME: ..." or "FAIL NAME:
...", a "summary: N passed, N failed" line, and exits 1 if any failed. It
writes DIR/hostile.pcap (every datagram sent and received, raw IPv4/UDP),
DIR/keys/ikev2_decryption_table (the SAs it set up, for ike-decode --keys)
and DIR/manifest.jsonl (per frame: the entry and what ike-decode must say),
which check-decode compares with `ike-decode --json` of the pcap, without
and with the keys.

The responder must run with --ike aes256gcm16-prfsha256-x25519,
chacha20poly1305-prfsha256-x25519, --esp aes256gcm16, a --ts holding
10.91.2.0/24, -v (for the log checks; see --silent) and room for 6
half-open SAs below --cookie-threshold (the entries answered with a normal
IKE_SA_INIT response leave one each for 30 s); its PSK in --psk-file here.
Every wait is bounded: 2 s for an answer or a log line, then 0.15 s of
silence for an entry that must get no answer.
"""

import argparse
import hashlib
import hmac
import json
import os
import re
import select
import signal
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization

# IANA numbers (RFC 7296 3, RFC 7383)
SA, KE, IDI, IDR, AUTH, NONCE, N, D, V, TSI, TSR, SK, SKF = \
    33, 34, 35, 36, 39, 40, 41, 42, 43, 44, 45, 46, 53
IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL = 34, 35, 36, 37
F_I, F_R = 0x08, 0x20
N_UNSUPPORTED_CRITICAL_PAYLOAD, N_INVALID_MAJOR_VERSION, N_INVALID_SYNTAX = 1, 5, 7
N_NO_PROPOSAL_CHOSEN, N_INVALID_KE_PAYLOAD, N_AUTHENTICATION_FAILED = 14, 17, 24
N_COOKIE = 16390
NOTIFY_NAMES = {1: 'UNSUPPORTED_CRITICAL_PAYLOAD', 4: 'INVALID_IKE_SPI',
                5: 'INVALID_MAJOR_VERSION', 7: 'INVALID_SYNTAX',
                14: 'NO_PROPOSAL_CHOSEN', 17: 'INVALID_KE_PAYLOAD',
                24: 'AUTHENTICATION_FAILED', 16390: 'COOKIE'}
ENCR_AES_GCM_16, ENCR_CHACHA20_POLY1305, ENCR_AES_CBC = 20, 28, 12
PRF_HMAC_SHA2_256, INTEG_HMAC_SHA2_256_128, DH_MODP2048, DH_ECP256, DH_X25519 = \
    5, 12, 14, 19, 31
T_ENCR, T_PRF, T_INTEG, T_DH, T_ESN = 1, 2, 3, 4, 5
ATTR_KEY_LENGTH = 14
WAIT_ANSWER = 2.0       # s for an expected answer or log line
WAIT_SILENCE = 0.15     # s of silence, after the log line, for "no answer"


# ---- building messages ---------------------------------------------------

def hdr(ispi, rspi, nxt, exch, flags, msgid, length, ver=0x20):
    return ispi + rspi + struct.pack('!BBBBII', nxt, ver, exch, flags, msgid, length)


def chain(items):
    """items: (type, body[, critical[, length override]]); returns (first, bytes)."""
    out = b''
    for i, it in enumerate(items):
        t, body = it[0], it[1]
        crit = it[2] if len(it) > 2 else False
        nxt = items[i + 1][0] if i + 1 < len(items) else 0
        plen = it[3] if len(it) > 3 else 4 + len(body)
        out += struct.pack('!BBH', nxt, 0x80 if crit else 0, plen) + body
    return (items[0][0] if items else 0), out


def message(ispi, rspi, exch, flags, msgid, items, ver=0x20, length=None):
    first, body = chain(items)
    return hdr(ispi, rspi, first, exch, flags, msgid,
               28 + len(body) if length is None else length, ver) + body


def attr_kl(bits):
    return struct.pack('!HH', 0x8000 | ATTR_KEY_LENGTH, bits)


def xform(t, tid, attrs=b'', length=None):
    return (t, tid, attrs, length)


def prop(num, xforms, proto=1, spi=b'', last=True, n_xforms=None, length=None):
    body = b''
    for i, (t, tid, attrs, xl) in enumerate(xforms):
        more = 0 if i + 1 == len(xforms) else 3
        body += struct.pack('!BBHBBH', more, 0, 8 + len(attrs) if xl is None else xl,
                            t, 0, tid) + attrs
    n = len(xforms) if n_xforms is None else n_xforms
    head = struct.pack('!BBBB', num, proto, len(spi), n) + spi
    plen = 4 + len(head) + len(body) if length is None else length
    return struct.pack('!BBH', 0 if last else 2, 0, plen) + head + body


def sa_body(*props):
    return b''.join(props)


def ike_xforms(encr=(ENCR_AES_GCM_16, attr_kl(256)), dh=DH_X25519):
    return [xform(T_ENCR, encr[0], encr[1]), xform(T_PRF, PRF_HMAC_SHA2_256),
            xform(T_DH, dh)]


GOOD_SA = sa_body(prop(1, ike_xforms()))


def ke_body(group, data):
    return struct.pack('!HH', group, 0) + data


def id_body(idtype, data):
    return struct.pack('!B3x', idtype) + data


def ts_body(lo, hi):
    ts = struct.pack('!BBHHH', 7, 0, 16, 0, 65535) + socket.inet_aton(lo) + socket.inet_aton(hi)
    return struct.pack('!B3x', 1) + ts


def esp_sa_body(spi):
    return prop(1, [xform(T_ENCR, ENCR_AES_GCM_16, attr_kl(256)), xform(T_ESN, 0)],
                proto=3, spi=spi)


def prf(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def prfplus(key, seed, n):
    out, t, i = b'', b'', 1
    while len(out) < n:
        t = prf(key, t + seed + bytes([i]))
        out, i = out + t, i + 1
    return out[:n]


def parse_chain(first, data):
    """[(type, critical, body)], or raises ValueError."""
    out, t = [], first
    while t != 0:
        if len(data) < 4:
            raise ValueError('truncated payload header')
        nxt, fl, plen = struct.unpack('!BBH', data[:4])
        if plen < 4 or plen > len(data):
            raise ValueError('payload length %d' % plen)
        out.append((t, bool(fl & 0x80), data[4:plen]))
        t, data = (0 if t in (SK, SKF) else nxt), data[plen:]
    return out


# ---- the peer's side of an IKE SA ----------------------------------------

class Peer:
    """One IKE SA we initiate: IKE_SA_INIT done, keys derived."""

    def __init__(self, run, sock):
        self.run, self.sock = run, sock
        self.ispi = os.urandom(8)
        self.rspi = None
        self.ni = os.urandom(32)
        self.dh = x25519.X25519PrivateKey.generate()
        self.pub = self.dh.public_key().public_bytes(serialization.Encoding.Raw,
                                                     serialization.PublicFormat.Raw)
        self.msgid = 1

    def name(self):
        return self.ispi.hex() + '-' + self.rspi.hex()

    def init(self):
        """IKE_SA_INIT (answering a COOKIE once); False if it failed."""
        cookie = []
        for _ in range(2):
            req = message(self.ispi, b'\0' * 8, IKE_SA_INIT, F_I, 0, cookie + [
                (SA, GOOD_SA), (KE, ke_body(DH_X25519, self.pub)), (NONCE, self.ni)])
            self.run.send(self.sock, req, 'setup-init')
            ans = self.run.recv(self.sock, WAIT_ANSWER)
            if ans is None:
                return False
            pls = parse_chain(ans[16], ans[28:])
            ns = [b for t, _, b in pls if t == N]
            if ns and struct.unpack('!H', ns[0][2:4])[0] == N_COOKIE:
                cookie = [(N, ns[0])]
                continue
            got = dict((t, b) for t, _, b in pls)
            if SA not in got or KE not in got or NONCE not in got:
                return False
            self.rspi, self.init_req, self.init_resp = ans[8:16], req, ans
            self.nr = got[NONCE]
            shared = self.dh.exchange(x25519.X25519PublicKey.from_public_bytes(got[KE][4:]))
            # SKEYSEED = prf(Ni | Nr, g^ir)
            skeyseed = prf(self.ni + self.nr, shared)
            # {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
            #     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr); AES-GCM: no SK_a
            km = prfplus(skeyseed, self.ni + self.nr + self.ispi + self.rspi, 32 + 36 * 2 + 64)
            self.sk_d, self.sk_ei, self.sk_er = km[:32], km[32:68], km[68:104]
            self.sk_pi, self.sk_pr = km[104:136], km[136:168]
            self.run.keys.append(self)
            return True
        return False

    def seal(self, exch, inner, flags=F_I, msgid=None, pad=b'\0', bad_icv=False):
        """HDR, SK{inner} with SK_ei (AES-GCM-16, RFC 5282: the AAD is the
        header and the SK payload's generic header)."""
        msgid = self.msgid if msgid is None else msgid
        first, pt = chain(inner)
        pt += pad
        iv = os.urandom(8)
        sk_len = 4 + 8 + len(pt) + 16
        h = hdr(self.ispi, self.rspi, SK, exch, flags, msgid, 28 + sk_len)
        skh = struct.pack('!BBH', first, 0, sk_len)
        ct = AESGCM(self.sk_ei[:32]).encrypt(self.sk_ei[32:] + iv, pt, h + skh)
        if bad_icv:
            ct = ct[:-1] + bytes([ct[-1] ^ 1])
        return h + skh + iv + ct

    def seal_frag(self, exch, num, total, first, pt, msgid=None):
        """HDR, SKF{num, total, pt} (RFC 7383 2.5)."""
        msgid = self.msgid if msgid is None else msgid
        pt += b'\0'            # each fragment has its own Pad Length
        iv = os.urandom(8)
        skf_len = 8 + 8 + len(pt) + 16
        h = hdr(self.ispi, self.rspi, SKF, exch, F_I, msgid, 28 + skf_len)
        skfh = struct.pack('!BBHHH', first, 0, skf_len, num, total)
        ct = AESGCM(self.sk_ei[:32]).encrypt(self.sk_ei[32:] + iv, pt, h + skfh)
        return h + skfh + iv + ct

    def open(self, msg):
        """The inner payloads of a message from the responder, or None."""
        try:
            first, _, sk_len = struct.unpack('!BBH', msg[28:32])
            if msg[16] != SK:
                return None
            pt = AESGCM(self.sk_er[:32]).decrypt(self.sk_er[32:] + msg[32:40],
                                                  msg[40:28 + sk_len], msg[:32])
            return parse_chain(first, pt[:len(pt) - 1 - pt[-1]])
        except Exception:
            return None

    def auth_payloads(self, psk=None, idtype=2, idv=b'hostile.test', method=2):
        """IDi, AUTH (PSK: RFC 7296 2.15) and SA, TSi, TSr."""
        idb = id_body(idtype, idv)
        octets = self.init_req + self.nr + prf(self.sk_pi, idb)
        auth = prf(prf(self.run.psk if psk is None else psk, b'Key Pad for IKEv2'), octets)
        return [(IDI, idb), (AUTH, struct.pack('!B3x', method) + auth),
                (SA, esp_sa_body(os.urandom(4))),
                (TSI, ts_body('10.91.1.0', '10.91.1.255')),
                (TSR, ts_body('10.91.2.0', '10.91.2.255'))]

    def keys_line(self):
        return '%s,%s,%s,%s,"AES-GCM-256 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"' % (
            self.ispi.hex(), self.rspi.hex(), self.sk_ei.hex(), self.sk_er.hex())


# ---- the catalogue -------------------------------------------------------

class Case:
    """One entry. send(run, sock) sends its datagram(s); the answer must be
    expect: ('drop',) none; ('notify', type, data|None) a clear response
    whose first payload is that Notify; ('enc', type, data|None) the same
    inside SK; ('answer', None|N) an IKE_SA_INIT response (proposal N
    chosen); ('answer', 'auth') an IKE_AUTH response with IDr, AUTH and SA;
    ('same', 'auth') byte for byte the IKE_AUTH response seen before. log:
    an ERE the new lines of the responder's stderr must match ({peer},
    {sa}, {ispi} filled in). decode: what ike-decode must call each datagram
    sent ('malformed' with a reason, 'ike', 'esp', 'keepalive', 'ikev1',
    'undecryptable' with the keys, 'any')."""

    def __init__(self, name, expect, log, decode, send, port=500):
        self.name, self.expect, self.log, self.decode, self.send, self.port = \
            name, expect, log, decode, send, port


def rnd():
    return os.urandom(8)


def init_msg(items=None, ispi=None, rspi=b'\0' * 8, flags=F_I, msgid=0, ver=0x20,
             length=None, pub=None):
    if items is None:
        items = good_items(pub)
    return message(ispi or rnd(), rspi, IKE_SA_INIT, flags, msgid, items, ver, length)


def good_items(pub=None, sa=GOOD_SA):
    return [(SA, sa), (KE, ke_body(DH_X25519, pub or x25519_pub())), (NONCE, os.urandom(32))]


def x25519_pub():
    return x25519.X25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def with_sa(sa):
    return good_items(sa=sa)


def one(data, port=500):
    """a send function for one clear datagram"""
    def send(run, sock):
        run.send(sock, data() if callable(data) else data, port=port)
    return send


def catalogue():
    C = []

    def add(name, expect, log, decode, send, port=500):
        C.append(Case(name, expect, log, decode, send, port))

    DROP = ('drop',)
    P = r'{peer}: '
    SAI = P + r'IKE_SA_INIT {ispi} dropped: '

    # -- the datagram and the IKE header
    add('empty-datagram', DROP, P + r'datagram dropped: 0 bytes', 'malformed', one(b''))
    add('truncated-header-20', DROP, P + r'datagram dropped: 20 bytes, shorter than an IKE header',
        'malformed', one(lambda: init_msg()[:20]))
    add('header-length-larger', DROP, P + r'IKE_SA_INIT message dropped: length field 400, datagram',
        'malformed', one(lambda: init_msg(length=400)))
    add('header-length-smaller', DROP, P + r'IKE_SA_INIT message dropped: length field 60, datagram',
        'malformed', one(lambda: init_msg(length=60)))
    add('header-length-0', DROP, P + r'IKE_SA_INIT message dropped: length field 0, datagram',
        'malformed', one(lambda: init_msg(length=0)))
    add('ikev1-main-mode', DROP, P + r'IKE version 1\.0 message dropped: IKEv1',
        'ikev1', one(lambda: hdr(rnd(), b'\0' * 8, 1, 2, 0, 0, 28 + 8, ver=0x10) +
                     struct.pack('!BBH4x', 0, 0, 8)))
    add('major-version-3', ('notify', N_INVALID_MAJOR_VERSION, b''),
        P + r'IKE version 3\.0 request dropped: INVALID_MAJOR_VERSION sent',
        'malformed', one(lambda: init_msg(ver=0x30)))
    add('major-version-3-response', DROP, P + r'IKE version 3\.0 response dropped',
        'malformed', one(lambda: init_msg(ver=0x30, flags=F_R)))
    add('minor-version-2.1-accepted', ('answer', None), r'{ispi}-[0-9a-f]{16}: IKE_SA_INIT answered',
        'ike', one(lambda: init_msg(ver=0x21)))
    # under the datagram limit (64 KiB), over what IKE_SA_INIT may be
    add('oversized-datagram-5000', DROP, SAI + r'too big: 5000 bytes',
        'ike', one(lambda: (lambda g: init_msg(g + [(V, b'\xaa' * (5000 - 4 - len(init_msg(g))))]))(
            good_items())))

    # -- flags, SPIs and message IDs of IKE_SA_INIT
    add('sa-init-response-flag', DROP, P + r'IKE_SA_INIT response dropped: we sent no request',
        'ike', one(lambda: init_msg(flags=F_I | F_R)))
    add('sa-init-initiator-flag-clear', DROP, P + r'IKE_SA_INIT request dropped: Initiator flag not set',
        'ike', one(lambda: init_msg(flags=0)))
    add('sa-init-nonzero-rspi', DROP, P + r'IKE_SA_INIT request dropped: unknown SPIs [0-9a-f]{16}/[0-9a-f]{16} \(an IKE_SA_INIT request has SPIr 0\)',
        'ike', one(lambda: init_msg(rspi=rnd())))
    add('sa-init-msgid-1', DROP, P + r'IKE_SA_INIT request dropped: message ID 1, not 0',
        'ike', one(lambda: init_msg(msgid=1)))
    add('sa-init-ispi-0', DROP, SAI + r'invalid syntax: flags 0x08, SPIs 0{16}/',
        'ike', one(lambda: init_msg(ispi=b'\0' * 8)))
    add('unknown-spis-informational', DROP, P + r'INFORMATIONAL request dropped: unknown SPIs',
        'ike', one(lambda: message(rnd(), rnd(), INFORMATIONAL, F_I, 2,
                                   [(SK, os.urandom(40))])))
    add('unknown-spis-ike-auth-response', DROP, P + r'IKE_AUTH response dropped: unknown SPIs',
        'ike', one(lambda: message(rnd(), rnd(), IKE_AUTH, F_R, 1, [(SK, os.urandom(60))])))

    # -- the payload chain
    add('payload-length-past-end', DROP, SAI + r'truncated', 'malformed',
        one(lambda: init_msg(good_items()[:2] + [(NONCE, os.urandom(32), False, 200)])))
    add('payload-length-0', DROP, SAI + r'invalid syntax: payload 2 \(KE\): invalid syntax', 'malformed',
        one(lambda: init_msg([good_items()[0], (KE, b'', False, 0)])))
    add('payload-length-3', DROP, SAI + r'invalid syntax: payload 3 \(No\): invalid syntax', 'malformed',
        one(lambda: init_msg(good_items()[:2] + [(NONCE, b'', False, 3)])))
    # the last payload (Nonce, 36 bytes) names an SA after it: nothing is there
    add('chain-next-past-end', DROP, SAI + r'truncated', 'malformed',
        one(lambda: (lambda m: m[:-36] + bytes([SA]) + m[-35:])(init_msg())))
    add('chain-65-payloads', DROP, SAI + r'payload chain does not end', 'malformed',
        one(lambda: init_msg(good_items() + [(V, b'x')] * 62)))
    add('unknown-noncritical-skipped', ('answer', None),
        r'{ispi}-[0-9a-f]{16}: IKE_SA_INIT answered', 'ike',
        one(lambda: init_msg(good_items() + [(200, b'skip me')])))
    add('unknown-critical', ('notify', N_UNSUPPORTED_CRITICAL_PAYLOAD, b'\xc8'),
        P + r'IKE_SA_INIT {ispi} refused: UNSUPPORTED_CRITICAL_PAYLOAD: payload 4: type 200',
        'malformed', one(lambda: init_msg(good_items() + [(200, b'must know', True)])))
    add('unknown-critical-first', ('notify', N_UNSUPPORTED_CRITICAL_PAYLOAD, b'\xfa'),
        P + r'IKE_SA_INIT {ispi} refused: UNSUPPORTED_CRITICAL_PAYLOAD: payload 1: type 250',
        'malformed', one(lambda: init_msg([(250, b'', True)] + good_items())))
    add('known-payload-critical-bit', ('answer', None),
        r'{ispi}-[0-9a-f]{16}: IKE_SA_INIT answered', 'ike',
        one(lambda: init_msg([(SA, GOOD_SA, True)] + good_items()[1:])))

    # -- which payloads
    for what, idx, ptype in (('sa', 0, 'SA'), ('ke', 1, 'KE'), ('nonce', 2, 'No')):
        add('duplicate-' + what, DROP, SAI + r'invalid syntax: payload 4: a second %s payload' % ptype,
            'ike', one(lambda idx=idx: (lambda g: init_msg(g + [g[idx]]))(good_items())))
    for what, idx, ptype in (('sa', 0, 'SA'), ('ke', 1, 'KE'), ('nonce', 2, 'Nonce')):
        add('missing-' + what, DROP, SAI + r'invalid syntax: no %s payload' % ptype, 'ike',
            one(lambda idx=idx: init_msg([p for i, p in enumerate(good_items()) if i != idx])))
    add('sa-init-with-sk', DROP, SAI + r'invalid syntax: no KE payload', 'any',
        one(lambda: init_msg([good_items()[0], (SK, os.urandom(40))])))

    # -- KE and Nonce
    add('ke-x25519-31-bytes', DROP, SAI + r'invalid syntax: KE of 31 bytes, group 31 takes 32',
        'ike', one(lambda: init_msg([(SA, GOOD_SA), (KE, ke_body(DH_X25519, os.urandom(31))),
                                     (NONCE, os.urandom(32))])))
    add('ke-x25519-33-bytes', DROP, SAI + r'invalid syntax: KE of 33 bytes, group 31 takes 32',
        'ike', one(lambda: init_msg([(SA, GOOD_SA), (KE, ke_body(DH_X25519, os.urandom(33))),
                                     (NONCE, os.urandom(32))])))
    add('ke-x25519-zero', DROP, SAI + r'invalid syntax: KE: not a public value of its group',
        'ike', one(lambda: init_msg([(SA, GOOD_SA), (KE, ke_body(DH_X25519, b'\0' * 32)),
                                     (NONCE, os.urandom(32))])))
    add('ke-no-data', DROP, SAI + r'invalid syntax: payload 2 \(KE\)', 'malformed',
        one(lambda: init_msg([(SA, GOOD_SA), (KE, ke_body(DH_X25519, b'')), (NONCE, os.urandom(32))])))
    add('ke-group-not-proposed', ('notify', N_INVALID_KE_PAYLOAD, b'\x00\x1f'),
        P + r'IKE_SA_INIT {ispi} refused: INVALID_KE_PAYLOAD CURVE25519', 'ike',
        one(lambda: init_msg([(SA, GOOD_SA), (KE, ke_body(DH_ECP256, os.urandom(64))),
                              (NONCE, os.urandom(32))])))
    add('nonce-15-bytes', DROP, SAI + r'invalid syntax: payload 3 \(No\)', 'malformed',
        one(lambda: init_msg(good_items()[:2] + [(NONCE, os.urandom(15))])))
    add('nonce-257-bytes', DROP, SAI + r'invalid syntax: payload 3 \(No\)', 'malformed',
        one(lambda: init_msg(good_items()[:2] + [(NONCE, os.urandom(257))])))

    # -- the SA payload: syntax (dropped) ...
    def sa_case(name, sa, decode='malformed', why=r'invalid syntax: payload 1 \(SA\)'):
        add(name, DROP, SAI + why, decode, one(lambda: init_msg(with_sa(sa))))
    sa_case('sa-proposal-number-0', prop(0, ike_xforms()))
    sa_case('sa-proposals-1-3', prop(1, ike_xforms(), last=False) + prop(3, ike_xforms()))
    sa_case('sa-proposal-last-says-more', prop(1, ike_xforms(), last=False))
    sa_case('sa-proposal-length-past-end', prop(1, ike_xforms(), length=200),
            why=r'truncated: payload 1 \(SA\): truncated')
    sa_case('sa-transform-length-4', prop(1, [xform(T_ENCR, ENCR_AES_GCM_16, attr_kl(256), 4)] +
                                         ike_xforms()[1:]))
    sa_case('sa-transform-length-past-proposal',
            prop(1, ike_xforms()[:2] + [xform(T_DH, DH_X25519, b'', 40)]),
            why=r'truncated: payload 1 \(SA\): truncated')
    sa_case('sa-transform-count-4-of-3', prop(1, ike_xforms(), n_xforms=4))
    sa_case('sa-transform-count-2-of-3', prop(1, ike_xforms(), n_xforms=2))
    sa_case('sa-ike-spi-size-4', prop(1, ike_xforms(), spi=b'\1\2\3\4'))
    sa_case('sa-empty', b'')
    sa_case('sa-keylen-tlv', prop(1, [xform(T_ENCR, ENCR_AES_GCM_16,
                                            struct.pack('!HH', ATTR_KEY_LENGTH, 2) + b'\1\0')] +
                                  ike_xforms()[1:]))
    sa_case('sa-keylen-0', prop(1, [xform(T_ENCR, ENCR_AES_GCM_16, attr_kl(0))] + ike_xforms()[1:]))
    sa_case('sa-keylen-twice', prop(1, [xform(T_ENCR, ENCR_AES_GCM_16, attr_kl(256) + attr_kl(256))] +
                                    ike_xforms()[1:]))
    sa_case('sa-attribute-truncated', prop(1, [xform(T_ENCR, ENCR_AES_GCM_16, b'\x80\x0e')] +
                                           ike_xforms()[1:]),
            why=r'truncated: payload 1 \(SA\): truncated')

    # ... and proposals we cannot accept (NO_PROPOSAL_CHOSEN)
    def noprop(name, sa):
        add(name, ('notify', N_NO_PROPOSAL_CHOSEN, None),
            P + r'IKE_SA_INIT {ispi} refused: NO_PROPOSAL_CHOSEN', 'ike',
            one(lambda: init_msg(with_sa(sa))))
    noprop('no-acceptable-proposal', prop(1, [xform(T_ENCR, ENCR_AES_CBC, attr_kl(128)),
                                              xform(T_PRF, PRF_HMAC_SHA2_256),
                                              xform(T_INTEG, INTEG_HMAC_SHA2_256_128),
                                              xform(T_DH, DH_MODP2048)]))
    noprop('keylen-on-fixed-length-chacha20', prop(1, ike_xforms(encr=(ENCR_CHACHA20_POLY1305,
                                                                       attr_kl(256)))))
    noprop('aes-gcm-without-keylen', prop(1, ike_xforms(encr=(ENCR_AES_GCM_16, b''))))
    noprop('unknown-attribute', prop(1, ike_xforms(encr=(ENCR_AES_GCM_16,
                                                         attr_kl(256) + struct.pack('!HH', 0x8000 | 99, 1)))))
    noprop('unknown-transform-type', prop(1, ike_xforms() + [xform(250, 1)]))
    noprop('esp-proposal-in-ike-sa-init', prop(1, [xform(T_ENCR, ENCR_AES_GCM_16, attr_kl(256)),
                                                   xform(T_ESN, 0)], proto=3, spi=b'\1\2\3\4'))
    noprop('no-dh-transform', prop(1, ike_xforms()[:2]))
    add('unknown-type-then-good-proposal', ('answer', 2),
        r'{ispi}-[0-9a-f]{16}: IKE_SA_INIT answered', 'ike',
        one(lambda: init_msg(with_sa(prop(1, ike_xforms() + [xform(250, 1)], last=False) +
                                     prop(2, ike_xforms())))))

    # -- port 4500 (RFC 3948)
    add('natt-ike-without-marker', DROP, P + r'ESP packet dropped: SPI 0x[0-9a-f]{8}, no data path',
        'esp', one(lambda: init_msg(), port=4500), port=4500)
    add('natt-esp-unknown-spi', DROP, P + r'ESP packet dropped: SPI 0x12345678', 'esp',
        one(lambda: b'\x12\x34\x56\x78' + struct.pack('!I', 1) + os.urandom(40), port=4500), port=4500)
    add('natt-keepalive', DROP, P + r'NAT-T keepalive ignored', 'keepalive',
        one(b'\xff', port=4500), port=4500)
    add('natt-empty-datagram', DROP, P + r'datagram dropped: 0 bytes on port', 'malformed',
        one(b'', port=4500), port=4500)
    add('natt-marker-truncated-header', DROP, P + r'datagram dropped: 10 bytes, shorter than an IKE header',
        'malformed', one(lambda: b'\0\0\0\0' + init_msg()[:10], port=4500), port=4500)

    # -- inside SK: on a half-open SA, every one dropped, nothing changes
    def on_a(build):
        def send(run, sock):
            for m in build(run.sa_a):
                run.send(sock, m)
        send.sa = 'a'           # on the one half-open (later established) SA
        return send
    SAN = r'{sa}: '
    add('auth-bad-icv', DROP, SAN + r'IKE_AUTH dropped: integrity check failed: not decrypted',
        'undecryptable', on_a(lambda a: [a.seal(IKE_AUTH, a.auth_payloads(), bad_icv=True)]))
    add('auth-msgid-too-far-ahead', DROP, SAN + r'IKE_AUTH request 5 dropped: message ID 1 expected',
        'ike', on_a(lambda a: [a.seal(IKE_AUTH, a.auth_payloads(), msgid=5)]))
    add('auth-response-flag', DROP, SAN + r'IKE_AUTH response 1 dropped: we sent no request',
        'ike', on_a(lambda a: [a.seal(IKE_AUTH, a.auth_payloads(), flags=F_I | F_R)]))
    add('auth-initiator-flag-clear', DROP, SAN + r'IKE_AUTH request 1 dropped: Initiator flag not set',
        'ike', on_a(lambda a: [a.seal(IKE_AUTH, a.auth_payloads(), flags=0)]))
    add('create-child-sa-before-auth', DROP,
        SAN + r'CREATE_CHILD_SA request 1 dropped: IKE_AUTH not done yet', 'ike',
        on_a(lambda a: [a.seal(CREATE_CHILD_SA, [(SA, esp_sa_body(b'\1\2\3\4')),
                                                 (NONCE, os.urandom(32))])]))
    add('informational-before-auth', DROP,
        SAN + r'INFORMATIONAL request 1 dropped: IKE_AUTH not done yet', 'ike',
        on_a(lambda a: [a.seal(INFORMATIONAL, [])]))
    add('unknown-exchange-99', DROP, SAN + r'exchange 99 request 1 dropped: IKE_AUTH not done yet',
        'ike', on_a(lambda a: [a.seal(99, [])]))
    add('sk-not-last', DROP, SAN + r'IKE_AUTH dropped: invalid syntax: not decrypted', 'malformed',
        on_a(lambda a: [sk_not_last(a)]))
    add('sk-pad-length-too-big', DROP, SAN + r'IKE_AUTH dropped: invalid syntax: not decrypted',
        'undecryptable', on_a(lambda a: [a.seal(IKE_AUTH, a.auth_payloads(), pad=b'\xff')]))
    add('skf-number-0', DROP, SAN + r'IKE_AUTH dropped: invalid syntax: not decrypted', 'malformed',
        on_a(lambda a: [a.seal_frag(IKE_AUTH, 0, 2, IDI, os.urandom(40))]))
    add('skf-total-0', DROP, SAN + r'IKE_AUTH dropped: invalid syntax: not decrypted', 'malformed',
        on_a(lambda a: [a.seal_frag(IKE_AUTH, 1, 0, IDI, os.urandom(40))]))
    add('skf-number-above-total', DROP, SAN + r'IKE_AUTH dropped: invalid syntax: not decrypted',
        'malformed', on_a(lambda a: [a.seal_frag(IKE_AUTH, 3, 2, 0, os.urandom(40))]))
    add('skf-bad-icv', DROP, SAN + r'IKE_AUTH request 1: fragment dropped', 'undecryptable',
        on_a(lambda a: [(lambda m: m[:-1] + bytes([m[-1] ^ 1]))(
            a.seal_frag(IKE_AUTH, 1, 2, IDI, os.urandom(40)))]))
    add('skf-mixed-totals', DROP, SAN + r'fragment 2/2 of request 1: message not complete', 'any',
        on_a(lambda a: (lambda pt: [a.seal_frag(IKE_AUTH, 1, 3, IDI, pt[:40]),
                                    a.seal_frag(IKE_AUTH, 2, 2, 0, pt[40:])])(auth_plain(a))))
    add('auth-good-after-all-that', ('answer', 'auth'), r'IKE SA {ispi}: sa-init -> established',
        'ike', on_a(lambda a: [a.store_auth()]))
    add('auth-replayed-same-response', ('same', 'auth'),
        SAN + r'IKE_AUTH request 1 retransmitted: response resent', 'ike',
        on_a(lambda a: [a.auth_req]))
    add('auth-replayed-garbage-same-response', ('same', 'auth'),
        SAN + r'IKE_AUTH request 1 retransmitted: response resent', 'ike',
        on_a(lambda a: [message(a.ispi, a.rspi, IKE_AUTH, F_I, 1, [(SK, os.urandom(64))])]))
    add('auth-again-on-established', DROP, SAN + r'IKE_AUTH request 2 dropped: exchange not handled here',
        'ike', on_a(lambda a: [a.seal(IKE_AUTH, a.auth_payloads(), msgid=2)]))
    add('informational-bad-icv-established', DROP,
        SAN + r'INFORMATIONAL dropped: integrity check failed', 'undecryptable',
        on_a(lambda a: [a.seal(INFORMATIONAL, [], msgid=2, bad_icv=True)]))
    add('informational-response-established', DROP,
        SAN + r'INFORMATIONAL response 2 dropped: we sent no request', 'ike',
        on_a(lambda a: [a.seal(INFORMATIONAL, [], msgid=2, flags=F_I | F_R)]))

    # -- inside SK of IKE_AUTH, decrypted: answered encrypted, the SA ends
    def on_fresh(build):
        def send(run, sock):
            b = Peer(run, sock)
            if not b.init():
                raise RuntimeError('IKE_SA_INIT for a fresh SA failed')
            run.cur_sa = b
            run.send(sock, build(b))
        return send
    REF = SAN + r'IKE_AUTH refused: '
    add('inner-payload-length-past-end', ('enc', N_INVALID_SYNTAX, None),
        REF + r'invalid syntax: inner payload 2 \(type 39\): truncated', 'malformed',
        on_fresh(lambda b: b.seal(IKE_AUTH, b.auth_payloads()[:1] + [(AUTH, b'\2\0\0\0' + b'a' * 32, False, 300)])))
    add('inner-payload-length-3', ('enc', N_INVALID_SYNTAX, None),
        REF + r'invalid syntax: inner payload 1 \(type 35\): invalid syntax', 'malformed',
        on_fresh(lambda b: b.seal(IKE_AUTH, [(IDI, b'', False, 3)] + b.auth_payloads()[1:])))
    add('inner-unknown-critical', ('enc', N_UNSUPPORTED_CRITICAL_PAYLOAD, b'\xc9'),
        REF + r'unsupported critical payload: inner payload 3 \(type 201\)', 'malformed',
        on_fresh(lambda b: b.seal(IKE_AUTH, b.auth_payloads()[:2] + [(201, b'x', True)] +
                                  b.auth_payloads()[2:])))
    add('inner-sk-inside-sk', ('enc', N_INVALID_SYNTAX, None),
        REF + r'invalid syntax: inner payload 2 \(type 46\)', 'malformed',
        on_fresh(lambda b: b.seal(IKE_AUTH, b.auth_payloads()[:1] + [(SK, os.urandom(30))])))
    add('inner-idi-truncated', ('enc', N_INVALID_SYNTAX, None),
        REF + r'invalid syntax: inner payload 1 \(type 35\)', 'malformed',
        on_fresh(lambda b: b.seal(IKE_AUTH, [(IDI, b'\2')] + b.auth_payloads()[1:])))
    add('inner-missing-idi', ('enc', N_INVALID_SYNTAX, None), REF + r'invalid syntax: no IDi payload',
        'ike', on_fresh(lambda b: b.seal(IKE_AUTH, b.auth_payloads()[1:])))
    add('inner-missing-auth', ('enc', N_INVALID_SYNTAX, None), REF + r'invalid syntax: no AUTH payload',
        'ike', on_fresh(lambda b: b.seal(IKE_AUTH, b.auth_payloads()[:1] + b.auth_payloads()[2:])))
    add('inner-missing-tsr', ('enc', N_INVALID_SYNTAX, None), REF + r'invalid syntax: no TSr payload',
        'ike', on_fresh(lambda b: b.seal(IKE_AUTH, b.auth_payloads()[:4])))
    add('auth-wrong-psk', ('enc', N_AUTHENTICATION_FAILED, None), REF + r'authentication failed',
        'ike', on_fresh(lambda b: b.seal(IKE_AUTH, b.auth_payloads(psk=b'not the key'))))
    add('auth-method-rsa-with-psk', ('enc', N_AUTHENTICATION_FAILED, None), REF + r'authentication failed',
        'ike', on_fresh(lambda b: b.seal(IKE_AUTH, b.auth_payloads(method=1))))
    add('inner-unknown-noncritical-accepted', ('answer', 'auth'),
        r'IKE SA {ispi}: sa-init -> established', 'ike',
        on_fresh(lambda b: b.seal(IKE_AUTH, b.auth_payloads()[:2] + [(202, b'skip')] +
                                  b.auth_payloads()[2:])))
    return C


def auth_plain(a):
    """the inner payloads of an IKE_AUTH request, unpadded (for SKF)"""
    return chain(a.auth_payloads())[1]


def sk_not_last(a):
    """HDR, SK{...}, V: a payload after SK (RFC 7296 3.14: SK is last)."""
    m = a.seal(IKE_AUTH, a.auth_payloads()) + struct.pack('!BBH', 0, 0, 8) + b'tail'
    return m[:24] + struct.pack('!I', len(m)) + m[28:]


def _store_auth(self):
    self.auth_req = self.seal(IKE_AUTH, self.auth_payloads())
    return self.auth_req


Peer.store_auth = _store_auth


# ---- running it ----------------------------------------------------------

class Run:
    def __init__(self, args):
        self.target, self.src, self.port = args.target, args.source, args.port
        # ike-respond --local ADDR:P takes P+1 for NAT-T, else 500 and 4500
        self.natt = 4500 if args.port == 500 else args.port + 1
        self.psk = open(args.psk_file, 'rb').read()
        if self.psk.endswith(b'\n'):
            self.psk = self.psk[:-1]
        self.logf, self.out = args.log, args.out
        self.keys = []          # the Peers set up, for ikev2_decryption_table
        self.frames = []        # (time, src, sport, dst, dport, payload, manifest)
        self.cur = self.sa_a = self.cur_sa = None
        self.answers = {}
        self.log_off = 0
        self.last_ispi = b'\0' * 8

    def sock(self):
        """a fresh UDP socket: each entry's datagrams come from a new port"""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((self.src, 0))
        return s

    def send(self, sock, data, what=None, port=500):
        """data to the IKE port (port 500) or the NAT-T one (4500), as is"""
        dport = self.port if port == 500 else self.natt
        sock.sendto(data, (self.target, dport))
        if len(data) >= 8 and port == 500:
            self.last_ispi = data[:8]
        man = {'case': what or (self.cur.name if self.cur else 'setup'), 'dir': 'out',
               'decode': 'ike' if what or self.cur is None else self.cur.decode}
        self.frames.append((time.time(), self.src, sock.getsockname()[1], self.target,
                            dport, data, man))

    def recv(self, sock, timeout):
        """one datagram (the non-ESP marker stripped), or None after timeout s"""
        r, _, _ = select.select([sock], [], [], timeout)
        if not r:
            return None
        data, src = sock.recvfrom(65536)
        self.frames.append((time.time(), src[0], src[1], self.src, sock.getsockname()[1],
                            data, {'case': self.cur.name if self.cur else 'setup',
                                   'dir': 'in', 'decode': 'ike'}))
        if src[1] == self.natt and data[:4] == b'\0\0\0\0':
            data = data[4:]
        return data

    def log_lines(self):
        try:
            with open(self.logf, 'r', errors='replace') as f:
                f.seek(self.log_off)
                return f.read().splitlines()
        except OSError:
            return []

    def wait_log(self, pattern, timeout):
        """the first new log line matching pattern, or None after timeout s"""
        deadline = time.time() + timeout
        rx = re.compile(pattern)
        while True:
            for line in self.log_lines():
                if rx.search(line):
                    return line
            if time.time() > deadline:
                return None
            time.sleep(0.02)


def notifies(pls):
    return [(struct.unpack('!H', b[2:4])[0], b[4 + b[1]:]) for t, _, b in pls if t == N and len(b) >= 4]


def check_answer(run, case, sock, ans):
    """returns (ok, text)"""
    exp = case.expect
    kind = exp[0]
    if kind == 'drop':
        return (ans is None, 'no answer' if ans is None else 'an answer of %d bytes' % len(ans))
    if ans is None:
        return (False, 'no answer')
    if len(ans) < 28 or not ans[19] & F_R:
        return (False, 'answer is not a response: %s' % ans[:28].hex())
    want_ispi = run.cur_sa.ispi if run.cur_sa else run.last_ispi
    if ans[:8] != want_ispi:
        return (False, 'answer for SPI %s, not %s' % (ans[:8].hex(), want_ispi.hex()))
    if kind == 'same':
        ok = ans == run.answers.get(exp[1])
        return (ok, 'the cached response, byte for byte' if ok else 'a different answer')
    if kind == 'notify':
        if ans[16] != N:
            return (False, 'no clear Notify first: next %d' % ans[16])
        ns = notifies(parse_chain(ans[16], ans[28:]))
        if exp[1] == N_INVALID_MAJOR_VERSION and ans[17] != 0x20:
            return (False, 'INVALID_MAJOR_VERSION with version 0x%02x in the header' % ans[17])
        ok = bool(ns) and ns[0][0] == exp[1] and (exp[2] is None or ns[0][1] == exp[2])
        return (ok, 'N(%s) data %s' % (NOTIFY_NAMES.get(ns[0][0], ns[0][0]), ns[0][1].hex()) if ns else 'no Notify')
    sa = run.cur_sa if kind == 'enc' or (kind == 'answer' and exp[1] == 'auth' and run.cur_sa) else None
    if kind == 'enc':
        pls = sa.open(ans)
        if pls is None:
            return (False, 'answer does not decrypt')
        ns = notifies(pls)
        ok = bool(ns) and ns[0][0] == exp[1] and (exp[2] is None or ns[0][1] == exp[2])
        return (ok, 'SK{N(%s) data %s}' % (NOTIFY_NAMES.get(ns[0][0], ns[0][0]), ns[0][1].hex())
                if ns else 'SK{no Notify}')
    # a normal answer
    if exp[1] == 'auth':
        pls = sa.open(ans)
        if pls is None:
            return (False, 'IKE_AUTH answer does not decrypt')
        types = [t for t, _, _ in pls]
        ok = IDR in types and AUTH in types and SA in types and not notifies(pls)
        run.answers['auth'] = ans
        return (ok, 'SK{%s}' % ' '.join(str(t) for t in types))
    pls = parse_chain(ans[16], ans[28:])
    types = [t for t, _, _ in pls]
    if SA not in types or KE not in types or NONCE not in types:
        return (False, 'answer payloads %s' % types)
    if exp[1] is not None:
        num = dict((t, b) for t, _, b in pls)[SA][4]
        if num != exp[1]:
            return (False, 'proposal %d chosen, not %d' % (num, exp[1]))
        return (True, 'SA(proposal %d) KE Nr' % num)
    return (True, 'SA KE Nr')


def run_all(args):
    run = Run(args)
    os.makedirs(os.path.join(args.out, 'keys'), exist_ok=True)
    cases = catalogue()
    if args.only:
        cases = [c for c in cases if re.search(args.only, c.name)]
    npass = nfail = 0
    for case in cases:
        run.cur, run.cur_sa, line, pat = case, None, None, case.log
        sock = run.sock()
        try:
            if getattr(case.send, 'sa', None) == 'a':
                if run.sa_a is None:
                    run.cur = None
                    a = Peer(run, run.sock())
                    if not a.init():
                        raise RuntimeError('IKE_SA_INIT of the half-open SA failed')
                    run.sa_a, run.cur = a, case
                run.cur_sa = run.sa_a
            run.log_off = os.path.getsize(run.logf)
            case.send(run, sock)
            if case.expect[0] != 'drop':
                ans = run.recv(sock, WAIT_ANSWER)
            sa = run.cur_sa
            fill = {'peer': r'%s:%d' % (re.escape(run.src), sock.getsockname()[1]),
                    'sa': sa.name() if sa else 'none',
                    'ispi': (sa.ispi if sa else run.last_ispi).hex()}
            pat = case.log
            for k, v in fill.items():
                pat = pat.replace('{' + k + '}', v)
            if args.silent:
                # the responder runs without -v: nothing may be written
                time.sleep(WAIT_SILENCE)
                new = [x for x in run.log_lines() if x.strip()]
                line = 'none' if not new else None
                pat = 'no line at all, got: %s' % ' | '.join(new)[:300]
            else:
                line = run.wait_log(pat, WAIT_ANSWER)
            if case.expect[0] == 'drop':
                # the line is written once the datagram is done with: any
                # answer would be on its way by then
                ans = run.recv(sock, WAIT_SILENCE if line and not args.silent else 0.01)
            ok, text = check_answer(run, case, sock, ans)
        except Exception as e:          # a bug here, or the responder gone
            ok, text = False, 'error: %s: %s' % (type(e).__name__, e)
        if line is None:
            ok, text = False, text + '; no log line /%s/' % pat
        npass, nfail = npass + ok, nfail + (not ok)
        print('%s %s: %s; log: %s' % ('ok' if ok else 'FAIL', case.name, text,
                                      (line or '-').strip()), flush=True)
        if (run.cur_sa is not None and run.cur_sa is not run.sa_a and
                case.expect == ('answer', 'auth')):
            delete_sa(run, run.cur_sa, sock)
        sock.close()
    if run.sa_a is not None and 'auth' in run.answers:
        delete_sa(run, run.sa_a, run.sock())
    write_outputs(run)
    print('summary: %d passed, %d failed' % (npass, nfail), flush=True)
    return 1 if nfail else 0


def delete_sa(run, sa, sock):
    """INFORMATIONAL SK{D(IKE)} at message ID 2, to leave nothing behind"""
    run.cur = None
    run.send(sock, sa.seal(INFORMATIONAL, [(D, struct.pack('!BBH', 1, 0, 0))], msgid=2),
             what='cleanup')
    run.recv(sock, WAIT_ANSWER)


def write_outputs(run):
    with open(os.path.join(run.out, 'keys', 'ikev2_decryption_table'), 'w') as f:
        for p in run.keys:
            f.write(p.keys_line() + '\n')
    open(os.path.join(run.out, 'keys', 'esp_sa'), 'w').close()
    with open(os.path.join(run.out, 'hostile.pcap'), 'wb') as f, \
            open(os.path.join(run.out, 'manifest.jsonl'), 'w') as m:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))   # LINKTYPE_RAW
        # the responder's ports as 500 and 4500 (a run on loopback with
        # --port P uses P and P+1), for ike-decode to see IKE
        ports = {run.port: 500, run.natt: 4500}
        for i, (t, src, sport, dst, dport, data, man) in enumerate(run.frames):
            sport, dport = ports.get(sport, sport), ports.get(dport, dport)
            udp = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
            ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                             socket.inet_aton(src), socket.inet_aton(dst))
            csum = sum(struct.unpack('!10H', ip))
            csum = (csum & 0xffff) + (csum >> 16)
            csum = (csum & 0xffff) + (csum >> 16)
            ip = ip[:10] + struct.pack('!H', ~csum & 0xffff) + ip[12:]
            pkt = ip + udp
            f.write(struct.pack('<IIII', int(t), int((t % 1) * 1e6), len(pkt), len(pkt)) + pkt)
            man['frame'] = i + 1
            m.write(json.dumps(man) + '\n')


# ---- checking ike-decode's view ------------------------------------------

def check_decode(args):
    man = [json.loads(line) for line in open(os.path.join(args.dir, 'manifest.jsonl'))]
    nfail = 0
    for path, keyed in ((args.plain, False), (args.keyed, True)):
        dec = {}
        for line in open(path):
            o = json.loads(line)
            dec[o.get('frame')] = o
        for m in man:
            o = dec.get(m['frame'])
            want = m['decode']
            if o is None:
                print('FAIL frame %d (%s): not in %s' % (m['frame'], m['case'], path))
                nfail += 1
                continue
            kind = o.get('kind')
            malformed = kind == 'malformed' or 'malformed' in o or any(
                'malformed' in p for p in o.get('payloads', []) if isinstance(p, dict))
            sk = [p for p in o.get('payloads', []) if p.get('name') in ('SK', 'SKF')]
            if want == 'malformed' and not keyed and sk and not malformed:
                want = 'ike'    # the damage is inside SK: seen with the keys only
            if want == 'undecryptable' and not keyed:
                want = 'ike'
            if want == 'any':
                ok = kind in ('ike', 'malformed', 'esp')
            elif want == 'malformed':
                why = o.get('malformed', '') or ''
                ok = malformed and why != ''
            elif want == 'undecryptable':
                ok = kind == 'ike' and bool(sk) and sk[0].get('decrypted') is False and bool(sk[0].get('error'))
            elif want == 'ike':
                ok = kind == 'ike' and not malformed
            else:
                ok = kind == want
            if not ok:
                nfail += 1
            if not ok or args.verbose:
                print('%s frame %d %s %s (%s): want %s, got kind %s%s' % (
                    'ok' if ok else 'FAIL', m['frame'], m['dir'], m['case'],
                    'keys' if keyed else 'no keys', want, kind,
                    (': ' + o['malformed']) if o.get('malformed') else ''))
    print('decode: %d frames, %d failed' % (len(man), nfail))
    return 1 if nfail else 0


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)     # `list | head`
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    sub.add_parser('list')
    r = sub.add_parser('run')
    r.add_argument('--target', required=True)
    r.add_argument('--source', required=True, help='our address (for the pcap)')
    r.add_argument('--port', type=int, default=500,
                   help='IKE port (default 500); NAT-T is 4500 with 500, else port+1')
    r.add_argument('--psk-file', required=True)
    r.add_argument('--log', required=True, help="the responder's stderr (-v)")
    r.add_argument('--out', required=True)
    r.add_argument('--only', help='ERE: only the entries whose name matches')
    r.add_argument('--silent', action='store_true',
                   help='the responder runs without -v: check that it writes nothing')
    c = sub.add_parser('check-decode')
    c.add_argument('dir')
    c.add_argument('plain')
    c.add_argument('keyed')
    c.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()
    if args.cmd == 'list':
        for case in catalogue():
            print('%-40s %-12s %s' % (case.name, ' '.join(
                NOTIFY_NAMES.get(x, str(x)) if isinstance(x, int) and i == 1 else str(x)
                for i, x in enumerate(case.expect) if x is not None and not isinstance(x, bytes)),
                'port %d' % case.port))
        return 0
    if args.cmd == 'run':
        return run_all(args)
    return check_decode(args)


if __name__ == '__main__':
    sys.exit(main())
