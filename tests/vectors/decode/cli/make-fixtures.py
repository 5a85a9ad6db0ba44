#!/usr/bin/env python3
# make-fixtures.py: regenerate the small hand-made inputs of tests/cli/ike-decode.bats.
# Run from anywhere: python3 tests/vectors/decode/cli/make-fixtures.py
# Needs python3-cryptography (AES-GCM for skf.pcap). Output is deterministic.
#
#   mixed.pcap     LINKTYPE_RAW: IKEv1, IKEv2 (v4, v6, on 4500 after the marker),
#                  malformed IKEv2 (bad TS, bytes after the last payload, a
#                  length past the end, unknown critical payload, a header cut
#                  short), NAT keepalive, raw ESP, a DNS packet
#   skf.pcap       IKE_AUTH in 3 SKF fragments (RFC 7383), an SK response, and an
#                  SK message of an SA without keys; keys in skf-keys/
#   skf-badnum.hex an SKF message whose fragment number is past the total
#   esp.pcap       ESP (AES-GCM-128) carrying IPv4/IPv6 TCP, UDP, ICMPv6, a dummy
#                  packet and transport-mode TCP, on UDP 4500 and as IP protocol
#                  50, and ESP of an SA without keys; keys in esp-keys/
#   ids.hex        an INFORMATIONAL with an ID payload of each type, as hex
#   sa_init.hex    the first message of strongswan-gcm as hex text, with a comment,
#                  a blank line and colons; then the second message
#   sa_init.bin    the same two messages back to back, binary
#   ikev1.hex      one IKEv1 Main Mode header
import os
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
VEC = os.path.dirname(HERE)


def read_pcap(path):
    """UDP payloads of an Ethernet/IPv4 pcap."""
    with open(path, 'rb') as f:
        data = f.read()
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = frame[14:]
        ihl = (ip[0] & 0xf) * 4
        udp = ip[ihl:]
        out.append(udp[8:])
    return out


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, proto, payload):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    return hdr + payload


def ip6(src, dst, nh, payload):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), nh, 64, bytes(src),
                       bytes(dst)) + payload


def udp(sport, dport, payload):
    return struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload


A = [192, 0, 2, 1]
B = [192, 0, 2, 2]
A6 = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1]
B6 = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2]


def write_pcap(path, frames, linktype=101):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
        t = 1795000000
        for i, fr in enumerate(frames):
            f.write(struct.pack('<IIII', t + i, 1000 * i, len(fr), len(fr)))
            f.write(fr)


def ike_hdr(ispi, rspi, nxt, exch, flags, msgid, body, major=2):
    return struct.pack('!QQBBBBII', ispi, rspi, nxt, major << 4, exch, flags, msgid,
                       28 + len(body)) + body


def pld(nxt, body, critical=False):
    return struct.pack('!BBH', nxt, 0x80 if critical else 0, 4 + len(body)) + body


def chain(items):
    """items: list of (type, body[, critical]); returns (first type, bytes)."""
    out = b''
    for i, it in enumerate(items):
        nxt = items[i + 1][0] if i + 1 < len(items) else 0
        out += pld(nxt, it[1], len(it) > 2 and it[2])
    return (items[0][0] if items else 0), out


def mixed(msgs):
    sa_init = msgs[0]
    ikev1 = ike_hdr(0x1111111111111111, 0, 0, 2, 0, 0, b'', major=1)
    # N(INITIAL_CONTACT), V, then a TSi whose selector claims 20 bytes
    bad_ts = struct.pack('!BBBBBBHHH', 1, 0, 0, 0, 7, 0, 20, 0, 65535) + bytes([10, 0, 0, 0, 10, 0, 0, 255])
    first, body = chain([(41, struct.pack('!BBH', 0, 0, 16384)), (43, b'ikekit-test-vid'), (44, bad_ts)])
    malformed_ts = ike_hdr(0x2222222222222222, 0x3333333333333333, first, 37, 0x08, 7, body)
    # the second payload says 40 bytes, 12 are there
    first, body = chain([(41, struct.pack('!BBH', 0, 0, 16384))])
    body += struct.pack('!BBH', 0, 0, 40) + b'\0' * 8
    trailing = ike_hdr(0x4444444444444444, 0x5555555555555555, first, 37, 0x20, 8, body)
    body = pld(41, struct.pack('!BBH', 0, 0, 16384)) + struct.pack('!BBH', 0, 0, 40) + b'\0' * 8
    trunc_chain = ike_hdr(0x4444444444444444, 0x5555555555555555, 41, 37, 0x20, 10, body)
    first, body = chain([(41, struct.pack('!BBH', 0, 0, 16384)), (99, b'\1\2\3\4', True)])
    crit = ike_hdr(0x6666666666666666, 0x7777777777777777, first, 37, 0x08, 9, body)
    esp_raw = struct.pack('!II', 0xc0ffee01, 5) + bytes(range(48))
    frames = [
        ip4(A, B, 17, udp(500, 500, ikev1)),
        ip4(A, B, 17, udp(500, 500, sa_init)),
        ip4(A, B, 17, udp(500, 500, malformed_ts)),
        ip4(B, A, 17, udp(500, 500, trailing)),
        ip4(B, A, 17, udp(500, 500, trunc_chain)),
        ip4(A, B, 17, udp(4500, 4500, b'\xff')),
        ip4(A, B, 17, udp(4500, 4500, b'\0\0\0\0' + sa_init)),
        ip6(A6, B6, 17, udp(500, 500, sa_init)),
        ip4(A, B, 17, udp(500, 500, crit)),
        ip4(A, B, 50, esp_raw),
        ip4(A, B, 17, udp(5353, 53, b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00')),
        ip4(A, B, 17, udp(500, 500, sa_init[:20])),
    ]
    write_pcap(os.path.join(HERE, 'mixed.pcap'), frames)


def build_sk(ispi, rspi, exch, flags, msgid, ptype, first_inner, inner, key, iv, frag=None):
    """An IKE message whose only payload is SK (ptype 46) or SKF (53) with
    AES-GCM-16 (RFC 5282): nonce = salt | IV, AAD = everything before the IV."""
    padlen = 0
    pt = inner + bytes([padlen])
    icv_len = 16
    frag_fields = struct.pack('!HH', *frag) if frag else b''
    pld_len = 4 + len(frag_fields) + 8 + len(pt) + icv_len
    total = 28 + pld_len
    hdr = struct.pack('!QQBBBBII', ispi, rspi, ptype, 0x20, exch, flags, msgid, total)
    aad = hdr + struct.pack('!BBH', first_inner, 0, pld_len) + frag_fields
    ct = AESGCM(key[:32]).encrypt(key[32:] + iv, pt, aad)
    return aad + iv + ct


def skf():
    ispi, rspi = 0x0102030405060708, 0x1112131415161718
    sk_ei = bytes(range(0x40, 0x40 + 36))
    sk_er = bytes(range(0x80, 0x80 + 36))
    idi = struct.pack('!BBBB', 2, 0, 0, 0) + b'left.example'
    auth = struct.pack('!BBBB', 2, 0, 0, 0) + bytes(range(32))
    xf = struct.pack('!BBHBBH', 3, 0, 12, 1, 0, 20) + struct.pack('!HH', 0x800e, 256)
    xf += struct.pack('!BBHBBH', 0, 0, 8, 5, 0, 0)
    prop = struct.pack('!BBHBBBB', 0, 0, 8 + 4 + len(xf), 1, 3, 4, 2) + struct.pack('!I', 0xc0ffee01) + xf
    ts = struct.pack('!BBBB', 1, 0, 0, 0) + struct.pack('!BBHHH', 7, 0, 16, 0, 65535) + bytes([10, 1, 0, 0, 10, 1, 255, 255])
    tsr = struct.pack('!BBBB', 1, 0, 0, 0) + struct.pack('!BBHHH', 7, 6, 16, 443, 443) + bytes([10, 2, 0, 1, 10, 2, 0, 1])
    cp = struct.pack('!BBBB', 1, 0, 0, 0) + struct.pack('!HH', 1, 0) + struct.pack('!HH', 3, 0)
    first, inner = chain([(35, idi), (39, auth), (47, cp), (33, prop), (44, ts), (45, tsr)])
    n = len(inner)
    parts = [inner[:n // 3], inner[n // 3:2 * n // 3], inner[2 * n // 3:]]
    frames = []
    for i, part in enumerate(parts):
        m = build_sk(ispi, rspi, 35, 0x08, 1, 53, first if i == 0 else 0, part, sk_ei,
                     bytes([i + 1] * 8), frag=(i + 1, 3))
        frames.append(ip4(A, B, 17, udp(4500, 4500, b'\0\0\0\0' + m)))
    first, inner = chain([(36, struct.pack('!BBBB', 1, 0, 0, 0) + bytes(B)),
                          (39, auth), (33, prop), (44, ts), (45, tsr),
                          (41, struct.pack('!BBH', 0, 0, 16396))])
    m = build_sk(ispi, rspi, 35, 0x20, 1, 46, first, inner, sk_er, bytes([9] * 8))
    frames.append(ip4(B, A, 17, udp(4500, 4500, b'\0\0\0\0' + m)))
    first, inner = chain([(42, struct.pack('!BBH', 1, 0, 0))])
    m = build_sk(0x2122232425262728, 0x3132333435363738, 37, 0x08, 2, 46, first, inner,
                 sk_ei, bytes([7] * 8))
    frames.append(ip4(A, B, 17, udp(4500, 4500, b'\0\0\0\0' + m)))
    write_pcap(os.path.join(HERE, 'skf.pcap'), frames)
    # fragment 1 again, its Fragment Number made 5 (of 3): malformed
    m = bytearray(build_sk(ispi, rspi, 35, 0x08, 1, 53, 35, parts[0], sk_ei, bytes([1] * 8),
                           frag=(5, 3)))
    with open(os.path.join(HERE, 'skf-badnum.hex'), 'w') as f:
        f.write(m.hex() + '\n')
    os.makedirs(os.path.join(HERE, 'skf-keys'), exist_ok=True)
    with open(os.path.join(HERE, 'skf-keys', 'ikev2_decryption_table'), 'w') as f:
        f.write('# the SA of skf.pcap (AES-GCM-256, keys made up)\n')
        f.write('%016x,%016x,%s,%s,"AES-GCM-256 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"\n'
                % (ispi, rspi, sk_ei.hex(), sk_er.hex()))


def esp_gcm(spi, seq, key, iv, inner, nh):
    """An ESP packet (RFC 4303, AES-GCM-16 as RFC 4106: nonce = salt | IV,
    AAD = SPI | seq) carrying inner with Next Header nh."""
    pad = (-(len(inner) + 2)) % 4
    pt = inner + bytes(range(1, pad + 1)) + bytes([pad, nh])
    hdr = struct.pack('!II', spi, seq)
    return hdr + iv + AESGCM(key[:-4]).encrypt(key[-4:] + iv, pt, hdr)


def tcp(sport, dport):
    return struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 0x50, 0x02, 65535, 0, 0)


def esp():
    """ESP in tunnel and transport mode with inner IPv4/IPv6 TCP, UDP, ICMPv6,
    a dummy packet, and an SA without keys; keys in esp-keys/esp_sa."""
    key = bytes(range(0x20, 0x20 + 20))           # AES-128 + 4-byte salt
    spi = 0xc0ffee02
    i4a, i4b = [10, 1, 0, 1], [10, 2, 0, 1]
    i6a = [0xfd, 0] + [0] * 13 + [1]
    i6b = [0xfd, 0] + [0] * 13 + [2]
    inners = [
        (ip4(i4a, i4b, 6, tcp(40000, 443)), 4),
        (ip4(i4a, i4b, 17, udp(5353, 53, b'\0' * 12)), 4),
        (ip6(i6a, i6b, 58, struct.pack('!BBHHH', 128, 0, 0, 1, 1)), 41),
        (ip6(i6a, i6b, 17, udp(1234, 4321, b'x')), 41),
        (b'', 59),
        (tcp(1111, 22), 6),
    ]
    frames = []
    for i, (inner, nh) in enumerate(inners):
        e = esp_gcm(spi, i + 1, key, struct.pack('!Q', i + 1), inner, nh)
        frames.append(ip4(A, B, 17, udp(4500, 4500, e)))
    e = esp_gcm(spi, 7, key, struct.pack('!Q', 7), inners[0][0], 4)
    frames.append(ip4(A, B, 50, e))
    e = esp_gcm(0xdeadbeef, 1, key, struct.pack('!Q', 1), inners[0][0], 4)
    frames.append(ip4(B, A, 17, udp(4500, 4500, e)))
    write_pcap(os.path.join(HERE, 'esp.pcap'), frames)
    os.makedirs(os.path.join(HERE, 'esp-keys'), exist_ok=True)
    with open(os.path.join(HERE, 'esp-keys', 'esp_sa'), 'w') as f:
        f.write('"IPv4","192.0.2.1","192.0.2.2","0x%08x","AES-GCM with 16 octet ICV [RFC4106]",'
                '"0x%s","NULL",""\n' % (spi, key.hex()))


def tlv(t, v):
    assert len(v) < 128
    return bytes([t, len(v)]) + v


def ids():
    """An INFORMATIONAL in clear with one ID payload of each type (as hex)."""
    dn = tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x06, bytes([0x55, 4, 10])) + tlv(0x0c, b'Ex Co')))
             + tlv(0x31, tlv(0x30, tlv(0x06, bytes([0x55, 4, 3])) + tlv(0x0c, 'l\u00e9ft'.encode()))))
    items = [
        (35, bytes([2, 0, 0, 0]) + 'b\u00fccher.example'.encode()),
        (36, bytes([9, 0, 0, 0]) + dn),
        (35, bytes([3, 0, 0, 0]) + b'a@b.example'),
        (35, bytes([5, 0, 0, 0]) + bytes(A6)),
        (35, bytes([11, 0, 0, 0]) + b'k1'),
        (35, bytes([13, 0, 0, 0])),
        (36, bytes([9, 0, 0, 0]) + b'\x30\x05bad'),
        (35, bytes([1, 0, 0, 0]) + bytes(A)),
    ]
    first, body = chain(items)
    m = ike_hdr(0x0a0b0c0d0e0f1011, 0x1213141516171819, first, 37, 0x08, 3, body)
    with open(os.path.join(HERE, 'ids.hex'), 'w') as f:
        f.write('# one ID payload of each type\n' + m.hex() + '\n')


def stdin_files(msgs):
    a, b = msgs[0], msgs[1]
    with open(os.path.join(HERE, 'sa_init.hex'), 'w') as f:
        f.write('# IKE_SA_INIT request and response of strongswan-gcm\n')
        f.write(':'.join('%02x' % x for x in a) + '\n\n')
        h = b.hex()
        f.write(' '.join(h[i:i + 8] for i in range(0, len(h), 8)).upper() + '\n')
    with open(os.path.join(HERE, 'sa_init.bin'), 'wb') as f:
        f.write(a + b)
    with open(os.path.join(HERE, 'ikev1.hex'), 'w') as f:
        f.write(ike_hdr(0x1111111111111111, 0, 0, 2, 0, 0, b'', major=1).hex() + '\n')


def main():
    msgs = read_pcap(os.path.join(VEC, 'strongswan-gcm', 'capture.pcap'))
    mixed(msgs)
    skf()
    esp()
    ids()
    stdin_files(msgs)


if __name__ == '__main__':
    main()
