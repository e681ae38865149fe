#!/usr/bin/python3
"""attack_ac.py - a hostile access concentrator (scapy) for bench/attack.sh.

Sends malformed or hostile PPPoE/PPP frames toward a v6link client on the access segment, bounded
in time (--secs) and count (--max), paced at --pps, then prints "sent N" and exits 0.

usage: attack_ac.py KIND -i IFACE --ac-mac MAC --cli-mac MAC [--sid N] [--magic HEX|auto]
                   [--secs S] [--max N] [--pps N] [--seed N]
KIND:
  disc     malformed discovery: PADOs with tag lengths past the end, zero-length and huge
           AC-Name/Service-Name tags, hundreds of tags, a wrong Host-Uniq, bad version/type and
           PPPoE lengths; PADS with random session ids; PADT for other sessions (the AC's MAC)
  nak      LCP Configure-Nak / Configure-Reject / Configure-Ack storm with random identifiers
           inside the session (spoofing the AC's MAC and the session id)
  magic    looped magic numbers: Echo-Requests and Echo-Replies carrying the client's own magic
           number (read from an Echo frame it sends, unless --magic), and one LCP
           Configure-Request in 200 offering it back
  lengths  wrong lengths: PPPoE length longer or shorter than the frame, LCP/IPCP/IPv6CP length
           fields past the payload or below the header, runt frames, options of length 0 and 1
  cpopts   oversized or broken IPCP/IPv6CP options where they cannot restart a negotiation:
           option lengths of 255 or 250 past the packet, lengths 0 and 1, Configure-Naks and
           -Rejects with 1400-octet option lists (no request of ours is outstanding)
  cpreq    well-formed Configure-Requests with oversized options (120 unknown options, a
           250-octet Interface-Identifier, 350 options): RFC 1661 makes an Opened NCP
           renegotiate on each, at both ends of the session
"""
import argparse
import random
import socket
import struct
import sys
import time

from scapy.all import Ether, Raw
from scapy.layers.ppp import PPPoE, PPPoED

ETH_DISC, ETH_SESS = 0x8863, 0x8864
P_LCP, P_IPCP, P_IPV6CP = 0xC021, 0x8021, 0x8057


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def tag(t, v):
    return struct.pack("!HH", t, len(v)) + v


def disc_frames(a, rnd):
    """Yields discovery frames (bytes) forever."""
    ac, cli = a.ac_mac, a.cli_mac
    rogue = "02:76:36:00:0e:%02x" % rnd.randrange(256)
    while True:
        k = rnd.randrange(9)
        src = rogue if k % 2 else ac
        if k == 0:  # tag length running past the end of the payload
            body = tag(0x0102, b"evil-ac") + struct.pack("!HH", 0x0101, 600) + b"x" * 8
        elif k == 1:  # 300 empty Service-Name tags
            body = b"".join(tag(0x0101, b"") for _ in range(300))
        elif k == 2:  # huge AC-Name and a wrong Host-Uniq
            body = tag(0x0102, b"A" * 1400) + tag(0x0103, b"\xde\xad\xbe\xef")
        elif k == 3:  # PPPoE length 0xffff, payload short
            f = Ether(src=src, dst=cli, type=ETH_DISC) / PPPoED(code=0x07, len=0xFFFF) / Raw(
                tag(0x0102, b"evil"))
            yield bytes(f)
            continue
        elif k == 4:  # bad version/type
            hdr = struct.pack("!BBHH", 0x22, 0x07, 0, 4)
            yield bytes(Ether(src=src, dst=cli, type=ETH_DISC) / Raw(hdr + tag(0x0102, b"")))
            continue
        elif k == 5:  # PADS to us with a random session id, no PADR sent
            f = Ether(src=src, dst=cli, type=ETH_DISC) / PPPoED(
                code=0x65, sessionid=rnd.randrange(1, 0xFFFF)) / Raw(tag(0x0101, b""))
            yield bytes(f)
            continue
        elif k == 6:  # PADT for another session, from the AC's MAC
            sid = rnd.randrange(1, 0xFFFF)
            if sid == a.sid:
                sid ^= 0x8000
            f = Ether(src=ac, dst=cli, type=ETH_DISC) / PPPoED(code=0xA7, sessionid=sid)
            yield bytes(f)
            continue
        elif k == 7:  # a runt: 4 octets of PPPoE header
            yield bytes(Ether(src=src, dst=cli, type=ETH_DISC) / Raw(b"\x11\x07\x00"))
            continue
        else:  # AC-Cookie of 1000 octets, Generic-Error, tag type 0 (End-Of-List) then junk
            body = tag(0x0104, bytes(rnd.randrange(256) for _ in range(64)) * 16)
            body += tag(0x0203, b"err") + tag(0x0000, b"") + b"\xff" * 7
        f = Ether(src=src, dst=rnd.choice((cli, "ff:ff:ff:ff:ff:ff")), type=ETH_DISC) / PPPoED(
            code=0x07, len=len(body)) / Raw(body)
        yield bytes(f)


def sess(a, proto, payload, plen=None):
    """A session frame from the AC to the client; plen overrides the PPPoE length."""
    ppp = struct.pack("!H", proto) + payload
    hdr = struct.pack("!BBHH", 0x11, 0x00, a.sid, len(ppp) if plen is None else plen)
    return bytes(Ether(src=a.ac_mac, dst=a.cli_mac, type=ETH_SESS) / Raw(hdr + ppp))


def cp(code, ident, opts, length=None):
    return struct.pack("!BBH", code, ident, 4 + len(opts) if length is None else length) + opts


def nak_frames(a, rnd):
    mru = b"\x01\x04" + struct.pack("!H", rnd.choice((64, 128, 1500, 65535)))
    while True:
        code = rnd.choice((3, 3, 3, 4, 2))  # Nak, Nak, Nak, Reject, Ack
        opts = rnd.choice((mru, b"\x05\x06" + rnd.randbytes(4), b"\x03\x04\xc0\x23",
                           b"\x03\x05\xc2\x23\x05", mru + b"\x05\x06" + rnd.randbytes(4)))
        yield sess(a, P_LCP, cp(code, rnd.randrange(256), opts))


def magic_frames(a, rnd):
    m = bytes.fromhex(a.magic)
    i = 0
    while True:
        i += 1
        if i % 200 == 1:  # now and then a Configure-Request offering the client's magic back
            yield sess(a, P_LCP, cp(1, rnd.randrange(256), b"\x05\x06" + m))
        elif i % 2:
            yield sess(a, P_LCP, cp(9, rnd.randrange(256), m + b"looped"))
        else:
            yield sess(a, P_LCP, cp(10, rnd.randrange(256), m))


def lengths_frames(a, rnd):
    while True:
        k = rnd.randrange(8)
        proto = rnd.choice((P_LCP, P_IPCP, P_IPV6CP))
        if k == 0:  # PPPoE length beyond the frame
            yield sess(a, proto, cp(9, 1, b"\0\0\0\0"), plen=1490)
        elif k == 1:  # PPPoE length shorter than the PPP header
            yield sess(a, proto, cp(1, 1, b"\x01\x04\x05\xd4"), plen=1)
        elif k == 2:  # PPPoE length 0
            yield sess(a, proto, cp(1, 1, b""), plen=0)
        elif k == 3:  # CP length past the payload
            yield sess(a, proto, cp(rnd.randrange(1, 12), rnd.randrange(256), b"\x01\x04", 1400))
        elif k == 4:  # CP length below its header
            yield sess(a, proto, cp(rnd.randrange(1, 12), rnd.randrange(256), b"", rnd.randrange(4)))
        elif k == 5:  # option length 0 and 1 inside a Configure-Request
            yield sess(a, proto, cp(1, rnd.randrange(256), rnd.choice((b"\x01\x00", b"\x02\x01\x00\x00"))))
        elif k == 6:  # runt: Ethernet + 3 octets of PPPoE
            yield bytes(Ether(src=a.ac_mac, dst=a.cli_mac, type=ETH_SESS) / Raw(b"\x11\x00\x00"))
        else:  # 1-octet PPP protocol field and PPPoE version 2
            hdr = struct.pack("!BBHH", 0x21, 0x00, a.sid, 3)
            yield bytes(Ether(src=a.ac_mac, dst=a.cli_mac, type=ETH_SESS) / Raw(hdr + b"\x21\x45\x00"))


def cpopts_frames(a, rnd):
    """Oversized or broken IPCP/IPv6CP options in packets that cannot restart a negotiation."""
    while True:
        k = rnd.randrange(5)
        proto = rnd.choice((P_IPCP, P_IPV6CP))
        ident = rnd.randrange(256)
        if k == 0:  # a Configure-Request whose option of length 255 runs past the packet
            yield sess(a, proto, cp(1, ident, b"\x03\xff" + b"\0" * 4))
        elif k == 1:  # a 250-octet option after which 1 octet is left: length past the end
            yield sess(a, proto, cp(1, ident, b"\x01\xfa" + rnd.randbytes(248) + b"\x02"))
        elif k == 2:  # Configure-Nak with 1400 octets of options
            yield sess(a, proto, cp(3, ident, (b"\x81\x06" + rnd.randbytes(4)) * 233))
        elif k == 3:  # Configure-Reject with 1400 octets of options
            yield sess(a, proto, cp(4, ident, (b"\x7e\x0a" + rnd.randbytes(8)) * 140))
        else:  # options of length 0 and 1 among good ones
            yield sess(a, proto, cp(1, ident, b"\x81\x03\x00" * 100 + rnd.choice((b"\x02\x00", b"\x02\x01"))))


def cpreq_frames(a, rnd):
    """Well-formed IPCP/IPv6CP Configure-Requests with oversized or many options: in the Opened
    state RFC 1661 makes the receiver renegotiate (and its own Configure-Request makes the real
    AC renegotiate too)."""
    while True:
        k = rnd.randrange(3)
        proto = rnd.choice((P_IPCP, P_IPV6CP))
        ident = rnd.randrange(256)
        if k == 0:  # 120 unknown options of length 2
            yield sess(a, proto, cp(1, ident, b"\x7f\x02" * 120))
        elif k == 1:  # a 250-octet Interface-Identifier / IP-Address option
            opt = (b"\x01" if proto == P_IPV6CP else b"\x03") + b"\xfa" + rnd.randbytes(248)
            yield sess(a, proto, cp(1, ident, opt))
        else:  # 350 options of length 3
            yield sess(a, proto, cp(1, ident, b"\x81\x03\x00" * 350))


def sniff_magic(s, cli):
    """The client's LCP magic number, from an Echo-Request or -Reply it sends (5 s at most)."""
    s.settimeout(0.5)
    end = time.monotonic() + 5
    while time.monotonic() < end:
        try:
            f = s.recv(2048)
        except socket.timeout:
            continue
        if (len(f) >= 30 and f[6:12] == cli and f[12:14] == b"\x88\x64"
                and f[20:22] == b"\xc0\x21" and f[22] in (9, 10)):
            return f[26:30].hex()
    return None


KINDS = {"disc": disc_frames, "nak": nak_frames, "magic": magic_frames,
         "lengths": lengths_frames, "cpopts": cpopts_frames, "cpreq": cpreq_frames}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kind", choices=sorted(KINDS))
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--ac-mac", required=True)
    ap.add_argument("--cli-mac", required=True)
    ap.add_argument("--sid", type=int, default=1)
    ap.add_argument("--magic", default="auto")
    ap.add_argument("--secs", type=float, default=10.0)
    ap.add_argument("--max", type=int, default=200000)
    ap.add_argument("--pps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((a.iface, 0))
    if a.kind == "magic" and a.magic == "auto":
        a.magic = sniff_magic(s, mac_bytes(a.cli_mac))
        if not a.magic:
            print("sent 0 (no LCP echo from the client within 5 s: magic unknown)")
            return 1
        print("client magic %s" % a.magic)
    gen = KINDS[a.kind](a, rnd)
    # Frames are built ahead (scapy is slow) and sent from a ring of 512.
    ring = [next(gen) for _ in range(512)]
    t0 = time.monotonic()
    sent = 0
    while sent < a.max:
        now = time.monotonic() - t0
        if now >= a.secs:
            break
        due = int(now * a.pps) + 1
        while sent < min(due, a.max):
            f = ring[sent % len(ring)]
            try:
                s.send(f.ljust(60, b"\0"))
            except OSError:
                pass
            sent += 1
        time.sleep(0.002)
    print("sent %d" % sent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
