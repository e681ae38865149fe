#!/usr/bin/python3
"""Sends PPPoE session frames whose UDP or TCP checksum is left unfinished (CHECKSUM_PARTIAL),
the way a local TCP/UDP sender's frames leave a veth with tx checksum offload on: an AF_PACKET
socket with PACKET_VNET_HDR and a virtio-net header with VIRTIO_NET_HDR_F_NEEDS_CSUM. The
checksum field holds only the pseudo-header sum (RFC 9293 §3.1, RFC 8200 §8.1), as the kernel
leaves it for the device. On a port with tx checksum offload on, the peer's packet socket sees
TP_STATUS_CSUMNOTREADY.

usage: csum_partial_inject.py IFNAME DST_MAC SRC_MAC SESSION_ID SRC_IP DST_IP udp|syn DPORT
       [PAYLOAD ...]     (udp: one datagram per PAYLOAD; syn: one TCP SYN, no payload)
"""
import ipaddress
import socket
import struct
import sys

SOL_PACKET = 263
PACKET_VNET_HDR = 15


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def words(b):
    if len(b) % 2:
        b += b"\0"
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


def main():
    ifname, dmac, smac, sid, src, dst, kind, dport = sys.argv[1:9]
    payloads = [p.encode() for p in sys.argv[9:]] or [b""]
    src, dst = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    v6 = src.version == 6
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.bind((ifname, 0))
    for i, pl in enumerate(payloads):
        sport = 40000 + i
        if kind == "udp":
            proto, coff = 17, 6
            l4 = struct.pack("!HHHH", sport, int(dport), 8 + len(pl), 0) + pl
        else:
            proto, coff = 6, 16
            l4 = struct.pack("!HHIIBBHHH", sport, int(dport), 1000 + i, 0, 5 << 4, 0x02,
                             64240, 0, 0)
        pseudo = src.packed + dst.packed + (struct.pack("!IxxxB", len(l4), proto) if v6 else
                                            struct.pack("!xBH", proto, len(l4)))
        ps = fold(words(pseudo))  # not complemented: the device finishes it
        l4 = l4[:coff] + struct.pack("!H", ps) + l4[coff + 2:]
        if v6:
            ip = struct.pack("!IHBB", 6 << 28, len(l4), proto, 64) + src.packed + dst.packed
            ppp = 0x0057
        else:
            h = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), 0x1234 + i, 0x4000, 64, proto, 0)
            h += src.packed + dst.packed
            c = 0xffff - fold(words(h))
            ip = h[:10] + struct.pack("!H", c) + h[12:]
            ppp = 0x0021
        body = struct.pack("!H", ppp) + ip + l4
        frame = (bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", "")) +
                 struct.pack("!HBBHH", 0x8864, 0x11, 0, int(sid, 0), len(body)) + body)
        start = 14 + 6 + 2 + len(ip)
        vnet = struct.pack("=BBHHHH", 1, 0, 0, 0, start, coff)
        s.send(vnet + frame)


if __name__ == "__main__":
    main()
