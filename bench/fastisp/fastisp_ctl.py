#!/usr/bin/python3
"""fastisp_ctl.py - the control plane of the bench's PPPoE access concentrator (bench/fastisp).

Answers one client on one interface: PPPoE discovery (RFC 2516: PADI/PADO/PADR/PADS, PADT), LCP
(RFC 1661: MRU up to 1492, magic number, Echo-Request, Terminate-Request), PAP (RFC 1334, one
fixed user and password), IPCP (RFC 1332/1877: the client's address, ours, one DNS server),
IPv6CP (RFC 5072: interface identifiers) and Router Advertisements (a /64 PIO with A=1, router
lifetime 1800 s, MTU 1492) on a Router Solicitation and every RA_INTERVAL seconds. The data plane
is fastisp.bpf.c in the kernel; only control frames reach this process (AF_PACKET sockets bound
to 0x8863 and 0x8864 see what the tc programs leave to the kernel). A benchmark tool: no CHAP,
no multiple sessions, no retransmission back-off. Logs one line per event to stdout.
"""
import argparse
import ipaddress
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_PPP_DISC = 0x8863
ETH_P_PPP_SES = 0x8864
PADI, PADO, PADR, PADS, PADT = 0x09, 0x07, 0x19, 0x65, 0xA7
TAG_END, TAG_SERVICE, TAG_AC_NAME, TAG_HOST_UNIQ, TAG_COOKIE, TAG_RELAY = 0, 0x101, 0x102, 0x103, 0x104, 0x110
LCP, PAP, IPCP, IPV6CP, IPV4, IPV6 = 0xC021, 0xC023, 0x8021, 0x8057, 0x0021, 0x0057
CONF_REQ, CONF_ACK, CONF_NAK, CONF_REJ, TERM_REQ, TERM_ACK, CODE_REJ, PROTO_REJ, ECHO_REQ, ECHO_REP = range(1, 11)
MRU_MAX = 1492
RESEND_S = 1.0
RA_INTERVAL = 10.0


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] fastisp: {msg}", flush=True)


def cp_options(data):
    """Splits configuration options (type, length incl. header, value); None if malformed."""
    opts, i = [], 0
    while i < len(data):
        if i + 2 > len(data) or data[i + 1] < 2 or i + data[i + 1] > len(data):
            return None
        opts.append((data[i], data[i + 2:i + data[i + 1]]))
        i += data[i + 1]
    return opts


def opt(t, v):
    return bytes([t, len(v) + 2]) + v


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Ncp:
    """Our side of one control protocol: our Configure-Request until it is acked."""

    def __init__(self, proto, name):
        self.proto, self.name = proto, name
        self.reset()

    def reset(self):
        self.opts = []          # our request's options as (type, value)
        self.acked = False      # our request was acked
        self.peer_acked = False  # we acked the peer's request
        self.ident = 0
        self.next_send = 0.0
        self.active = False

    @property
    def opened(self):
        return self.acked and self.peer_acked


class Ac:
    def __init__(self, a):
        self.a = a
        self.ifname = a.ifname
        self.mac = bytes.fromhex(a.ac_mac.replace(":", ""))
        self.sid = a.sid
        self.magic = struct.unpack("!I", os.urandom(4))[0] | 1
        self.disc = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_PPP_DISC))
        self.disc.bind((a.ifname, ETH_P_PPP_DISC))
        self.sess = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_PPP_SES))
        self.sess.bind((a.ifname, ETH_P_PPP_SES))
        self.client = None
        self.lcp, self.ipcp, self.ipv6cp = Ncp(LCP, "LCP"), Ncp(IPCP, "IPCP"), Ncp(IPV6CP, "IPv6CP")
        self.authed = False
        self.next_ra = 0.0
        self.echo_replies = 0
        self.cli_v4 = ipaddress.IPv4Address(a.client_v4).packed
        self.our_v4 = ipaddress.IPv4Address(a.our_v4).packed
        self.dns_v4 = ipaddress.IPv4Address(a.dns_v4).packed
        self.prefix6 = ipaddress.IPv6Network(a.prefix6)
        self.our_iid = bytes.fromhex(a.our_iid)
        self.our_ll = b"\xfe\x80" + b"\0" * 6 + self.our_iid

    # ---- PPPoE ----------------------------------------------------------------------------
    def send_disc(self, dst, code, sid, tags):
        payload = b"".join(struct.pack("!HH", t, len(v)) + v for t, v in tags)
        frame = dst + self.mac + struct.pack("!HBBHH", ETH_P_PPP_DISC, 0x11, code, sid, len(payload))
        self.disc.send(frame + payload)

    def on_disc(self, frame):
        if len(frame) < 20 or frame[14] != 0x11:
            return
        src, code, sid, plen = frame[6:12], frame[15], *struct.unpack("!HH", frame[16:20])
        body, tags, i = frame[20:20 + plen], [], 0
        while i + 4 <= len(body):
            t, ln = struct.unpack("!HH", body[i:i + 4])
            if t == TAG_END:
                break
            tags.append((t, body[i + 4:i + 4 + ln]))
            i += 4 + ln
        echo = [(t, v) for t, v in tags if t in (TAG_HOST_UNIQ, TAG_RELAY)]
        service = next((v for t, v in tags if t == TAG_SERVICE), b"")
        if code == PADI:
            log(f"PADI from {src.hex(':')}: PADO")
            self.send_disc(src, PADO, 0, [(TAG_AC_NAME, b"fastisp"), (TAG_SERVICE, service),
                                          (TAG_COOKIE, b"v6lbench")] + echo)
        elif code == PADR:
            log(f"PADR from {src.hex(':')}: PADS session 0x{self.sid:04x}")
            self.new_session(src)
            self.send_disc(src, PADS, self.sid, [(TAG_SERVICE, service)] + echo)
        elif code == PADT and sid == self.sid:
            log("PADT: session closed by the client")
            self.client = None

    def new_session(self, client):
        self.client = client
        for n in (self.lcp, self.ipcp, self.ipv6cp):
            n.reset()
        self.authed = False
        self.lcp.opts = [(1, struct.pack("!H", MRU_MAX)), (3, struct.pack("!H", PAP)),
                         (5, struct.pack("!I", self.magic))]
        self.lcp.active = True

    def send_ppp(self, proto, payload):
        if self.client is None:
            return
        hdr = self.client + self.mac + struct.pack("!HBBHHH", ETH_P_PPP_SES, 0x11, 0, self.sid,
                                                   len(payload) + 2, proto)
        self.sess.send(hdr + payload)

    def send_cp(self, proto, code, ident, data):
        self.send_ppp(proto, struct.pack("!BBH", code, ident, len(data) + 4) + data)

    # ---- LCP, IPCP, IPv6CP ----------------------------------------------------------------
    def judge(self, ncp, opts):
        """Returns (code, options) for the peer's Configure-Request."""
        rej, nak = [], []
        for t, v in opts:
            if ncp.proto == LCP:
                if t == 1 and len(v) == 2:
                    if struct.unpack("!H", v)[0] > MRU_MAX:
                        nak.append((t, struct.pack("!H", MRU_MAX)))
                elif t == 5 and len(v) == 4:
                    if struct.unpack("!I", v)[0] == self.magic:
                        nak.append((t, os.urandom(4)))  # RFC 1661 6.4: looped back?
                else:
                    rej.append((t, v))
            elif ncp.proto == IPCP:
                want = {3: self.cli_v4, 129: self.dns_v4, 131: self.dns_v4}.get(t)
                if want is None or len(v) != 4:
                    rej.append((t, v))
                elif v != want:
                    nak.append((t, want))
            else:
                if t == 1 and len(v) == 8:
                    if v == b"\0" * 8 or v == self.our_iid:
                        nak.append((t, b"\x02\x00\x00\xff\xfe\x00\x00\x02"))
                else:
                    rej.append((t, v))
        if rej:
            return CONF_REJ, rej
        if nak:
            return CONF_NAK, nak
        return CONF_ACK, opts

    def on_cp(self, ncp, code, ident, data, now):
        if code == CONF_REQ:
            opts = cp_options(data)
            if opts is None:
                return
            if ncp.proto == LCP and ncp.opened:
                log("LCP renegotiation: starting over")
                self.new_session(self.client)
                ncp = self.lcp
            res, ropts = self.judge(ncp, opts)
            self.send_cp(ncp.proto, res, ident, b"".join(opt(t, v) for t, v in ropts))
            if res == CONF_ACK and not ncp.peer_acked:
                ncp.peer_acked = True
                self.check_open(ncp, now)
            if not ncp.active and ncp.proto != LCP and self.authed:
                self.start_ncp(ncp, now)
        elif code == CONF_ACK and ident == ncp.ident and not ncp.acked:
            ncp.acked = True
            self.check_open(ncp, now)
        elif code in (CONF_NAK, CONF_REJ) and ident == ncp.ident:
            opts = cp_options(data) or []
            types = {t for t, _ in opts}
            if code == CONF_REJ:
                ncp.opts = [(t, v) for t, v in ncp.opts if t not in types]
            else:
                ncp.opts = [(t, dict(opts).get(t, v)) if t != 3 or ncp.proto != LCP else (t, v)
                            for t, v in ncp.opts]
            log(f"{ncp.name}: our request {'rejected' if code == CONF_REJ else 'naked'}: {sorted(types)}")
            ncp.next_send = 0.0
        elif code == TERM_REQ:
            log(f"{ncp.name}: Terminate-Request")
            self.send_cp(ncp.proto, TERM_ACK, ident, b"")
            ncp.reset()
            if ncp.proto == LCP:
                self.authed = False
                self.ipcp.reset()
                self.ipv6cp.reset()
        elif ncp.proto == LCP and code == ECHO_REQ:
            self.send_cp(LCP, ECHO_REP, ident, struct.pack("!I", self.magic) + data[4:])
            self.echo_replies += 1

    def check_open(self, ncp, now):
        if ncp.opened:
            log(f"{ncp.name} opened")
            if ncp.proto == IPV6CP:
                self.next_ra = now  # one RA at once
                self.send_ra()

    def start_ncp(self, ncp, now):
        ncp.active = True
        ncp.next_send = now
        if ncp.proto == IPCP:
            ncp.opts = [(3, self.our_v4)]
        else:
            ncp.opts = [(1, self.our_iid)]

    def on_pap(self, code, ident, data, now):
        if code != 1 or len(data) < 1:
            return
        ul = data[0]
        user = data[1:1 + ul]
        pl = data[1 + ul] if len(data) > 1 + ul else 0
        pw = data[2 + ul:2 + ul + pl]
        ok = user == self.a.user.encode() and pw == self.a.password.encode()
        msg = b"welcome" if ok else b"denied"
        self.send_cp(PAP, 2 if ok else 3, ident, bytes([len(msg)]) + msg)
        log(f"PAP: user {user.decode(errors='replace')!r} {'accepted' if ok else 'refused'}")
        if ok and not self.authed:
            self.authed = True
            for n in (self.ipcp, self.ipv6cp):
                self.start_ncp(n, now)

    # ---- IPv6: Router Advertisements --------------------------------------------------------
    def send_ra(self, dst=b"\xff\x02" + b"\0" * 13 + b"\x01"):
        pfx = self.prefix6.network_address.packed
        pio = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 86400, 14400, 0) + pfx
        mtu = struct.pack("!BBHI", 5, 1, 0, MRU_MAX)
        body = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + pio + mtu
        pseudo = self.our_ll + dst + struct.pack("!I3xB", len(body), 58)
        body = body[:2] + struct.pack("!H", csum(pseudo + body)) + body[4:]
        ip6 = struct.pack("!IHBB", 0x60000000, len(body), 58, 255) + self.our_ll + dst
        self.send_ppp(IPV6, ip6 + body)

    def on_ipv6(self, pkt):
        if len(pkt) >= 41 and pkt[6] == 58 and pkt[40] == 133:
            log("RS: RA")
            self.send_ra()

    def on_sess(self, frame, now):
        if len(frame) < 22 or frame[14] != 0x11 or frame[15] != 0 or self.client is None:
            return
        sid, plen, proto = struct.unpack("!HHH", frame[16:22])
        if sid != self.sid or frame[6:12] != self.client:
            return
        payload = frame[22:20 + plen]
        if proto == IPV6:
            self.on_ipv6(payload)
            return
        if proto == IPV4:
            return
        if len(payload) < 4:
            return
        code, ident, ln = struct.unpack("!BBH", payload[:4])
        data = payload[4:ln]
        if proto == PAP:
            self.on_pap(code, ident, data, now)
            return
        ncp = {LCP: self.lcp, IPCP: self.ipcp, IPV6CP: self.ipv6cp}.get(proto)
        if ncp is None:
            if self.lcp.opened:  # RFC 1661 5.7
                self.lcp.ident = (self.lcp.ident + 1) & 0xFF
                self.send_cp(LCP, PROTO_REJ, self.lcp.ident, struct.pack("!H", proto) + payload[:1400])
            return
        if ncp.proto != LCP and not self.lcp.opened:
            return
        self.on_cp(ncp, code, ident, data, now)

    def tick(self, now):
        if self.client is None:
            return
        for n in (self.lcp, self.ipcp, self.ipv6cp):
            if n.active and not n.acked and now >= n.next_send:
                n.ident = (n.ident + 1) & 0xFF
                self.send_cp(n.proto, CONF_REQ, n.ident, b"".join(opt(t, v) for t, v in n.opts))
                n.next_send = now + RESEND_S
        if self.ipv6cp.opened and now >= self.next_ra + RA_INTERVAL:
            self.next_ra = now
            self.send_ra()

    def run(self, stop_at):
        stats_at = 0.0
        while True:
            now = time.monotonic()
            if stop_at and now >= stop_at:
                log("time limit reached")
                break
            r, _, _ = select.select([self.disc, self.sess], [], [], 0.2)
            now = time.monotonic()
            for s in r:
                try:
                    frame = s.recv(2048)
                except OSError as e:  # the interface went away: the bench is tearing down
                    log(f"receive failed ({e}): exiting")
                    return
                if s is self.disc:
                    self.on_disc(frame)
                else:
                    self.on_sess(frame, now)
            self.tick(now)
            if now >= stats_at + 60:
                stats_at = now
                if self.lcp.opened:
                    log(f"{self.echo_replies} LCP Echo-Replies sent so far")
        if self.client is not None:
            self.send_disc(self.client, PADT, self.sid, [])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--if", dest="ifname", required=True)
    p.add_argument("--ac-mac", required=True)
    p.add_argument("--sid", type=lambda s: int(s, 0), required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True, help="file whose first line is the password")
    p.add_argument("--client-v4", default="198.18.1.2")
    p.add_argument("--our-v4", default="198.18.1.1")
    p.add_argument("--dns-v4", default="198.18.2.53")
    p.add_argument("--prefix6", default="2001:2:0:1::/64")
    p.add_argument("--our-iid", default="0000000000000001")
    p.add_argument("--max-seconds", type=float, default=0, help="exit after this long (0: never)")
    a = p.parse_args()
    with open(a.password_file) as f:
        a.password = f.readline().rstrip("\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ac = Ac(a)
    log(f"on {a.ifname}, session id 0x{a.sid:04x}")
    try:
        ac.run(time.monotonic() + a.max_seconds if a.max_seconds else 0)
    except (SystemExit, KeyboardInterrupt):
        if ac.client is not None:
            ac.send_disc(ac.client, PADT, ac.sid, [])
    log(f"exiting; {ac.echo_replies} LCP Echo-Replies sent")


if __name__ == "__main__":
    main()
