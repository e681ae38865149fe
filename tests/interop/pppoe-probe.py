#!/usr/bin/python3
"""pppoe-probe.py - send one PADI (optionally 802.1Q-tagged) and list the PADOs.

Plain AF_PACKET, no scapy, so it shows exactly what a user-space PPPoE client on Linux sees:
the host kernel strips a VLAN tag on receive and reports it in PACKET_AUXDATA (tp_vlan_tci,
TP_STATUS_VLAN_VALID); with no VLAN device for that id on the host, a socket bound to 0x8863
gets the frame with pkt_type PACKET_OTHERHOST (an ETH_P_ALL socket sees it as PACKET_HOST,
because it gets the frame before that re-classification).

usage: pppoe-probe.py [-i eth0] [--vlan ID] [--prio P] [--service NAME] [--bind disc|all]
                      [--timeout SECONDS]
exit status 0 if at least one PADO arrived, 1 if none, 2 on usage errors.
One line per PADO: "PADO ac=NAME services=A,B mac=MAC vlan=ID|none pkt_type=HOST|OTHERHOST|..."
"""
import argparse
import ctypes
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_PPP_DISC = 0x8863
ETH_P_8021Q = 0x8100
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
PKT_TYPES = {0: "HOST", 1: "BROADCAST", 2: "MULTICAST", 3: "OTHERHOST", 4: "OUTGOING"}
TAG_END, TAG_SERVICE, TAG_AC, TAG_HOST_UNIQ, TAG_COOKIE = 0x0000, 0x0101, 0x0102, 0x0103, 0x0104


class Auxdata(ctypes.Structure):
    _fields_ = [("tp_status", ctypes.c_uint32), ("tp_len", ctypes.c_uint32),
                ("tp_snaplen", ctypes.c_uint32), ("tp_mac", ctypes.c_uint16),
                ("tp_net", ctypes.c_uint16), ("tp_vlan_tci", ctypes.c_uint16),
                ("tp_vlan_tpid", ctypes.c_uint16)]


def tags(payload):
    out = []
    i = 0
    while i + 4 <= len(payload):
        t, ln = struct.unpack_from("!HH", payload, i)
        out.append((t, payload[i + 4:i + 4 + ln]))
        i += 4 + ln
        if t == TAG_END:
            break
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-i", "--iface", default="eth0")
    ap.add_argument("--vlan", type=int)
    ap.add_argument("--prio", type=int, default=0)
    ap.add_argument("--service", default="")
    ap.add_argument("--bind", choices=("disc", "all"), default="disc")
    ap.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()

    proto = ETH_P_PPP_DISC if a.bind == "disc" else ETH_P_ALL
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    s.bind((a.iface, proto))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    mac = s.getsockname()[4]

    host_uniq = os.urandom(4)
    body = struct.pack("!HH", TAG_SERVICE, len(a.service)) + a.service.encode()
    body += struct.pack("!HH", TAG_HOST_UNIQ, len(host_uniq)) + host_uniq
    pppoe = struct.pack("!BBHH", 0x11, 0x09, 0, len(body)) + body
    eth = b"\xff" * 6 + mac
    if a.vlan is not None:
        eth += struct.pack("!HH", ETH_P_8021Q, (a.prio << 13) | a.vlan)
    frame = eth + struct.pack("!H", ETH_P_PPP_DISC) + pppoe
    frame += b"\0" * max(0, 60 - len(frame))
    s.send(frame)

    found = 0
    deadline = time.monotonic() + a.timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        data, anc, _flags, addr = s.recvmsg(2048, socket.CMSG_SPACE(ctypes.sizeof(Auxdata)))
        pkt_type = addr[2]
        if pkt_type == 4:  # our own PADI
            continue
        vlan = None
        for lvl, typ, cdata in anc:
            if lvl == SOL_PACKET and typ == PACKET_AUXDATA:
                aux = Auxdata.from_buffer_copy(cdata.ljust(ctypes.sizeof(Auxdata), b"\0"))
                if aux.tp_status & TP_STATUS_VLAN_VALID:
                    vlan = aux.tp_vlan_tci & 0x0fff
        off = 12
        etype = struct.unpack_from("!H", data, off)[0]
        if etype == ETH_P_8021Q:  # tag still inline (not seen on Linux hosts, but be safe)
            vlan = struct.unpack_from("!H", data, off + 2)[0] & 0x0fff
            off += 4
            etype = struct.unpack_from("!H", data, off)[0]
        if etype != ETH_P_PPP_DISC or len(data) < off + 8:
            continue
        _vt, code, _sid, ln = struct.unpack_from("!BBHH", data, off + 2)
        if code != 0x07:
            continue
        tl = tags(data[off + 8:off + 8 + ln])
        if any(t == TAG_HOST_UNIQ and v != host_uniq for t, v in tl):
            continue
        ac = b"".join(v for t, v in tl if t == TAG_AC).decode(errors="replace")
        svcs = ",".join(v.decode(errors="replace") for t, v in tl if t == TAG_SERVICE)
        src = ":".join("%02x" % b for b in data[6:12])
        print("PADO ac=%s services=%s mac=%s vlan=%s pkt_type=%s"
              % (ac, svcs, src, "none" if vlan is None else vlan,
                 PKT_TYPES.get(pkt_type, pkt_type)))
        found += 1
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
