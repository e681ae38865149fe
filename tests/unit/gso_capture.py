#!/usr/bin/env python3
"""Captures what Linux hands a TUN reader with IFF_VNET_HDR and TUNSETOFFLOAD(CSUM|TSO4|TSO6|
TSO_ECN|USO4|USO6): TCP super-packets (IPv4, IPv6), UDP_SEGMENT super-packets, and whole packets
whose checksum is left to the reader (NEEDS_CSUM). Two namespaces, A and B, each with a TUN;
this script forwards between the two TUNs (vnet header and all, so B's kernel takes the GSO
packets as they are) and records what A's TUN returned. A TCP transfer (A -> B, Nagle off, a
few send sizes, then close, so that FIN rides on the last segment) and UDP_SEGMENT sends run in
A. Writes the records as a C header (tests/unit/dp_gso_vectors.h) for dp_gso_test.c.
  usage (root): python3 tests/unit/gso_capture.py OUT.h
One-off: the committed dp_gso_vectors.h came from it (Linux 6.18); see tests/unit/gso_check.sh.
"""
import ctypes
import fcntl
import os
import select
import struct
import subprocess
import sys
import time

NS_A, NS_B = "v6l-gsocap-a-%d" % os.getpid(), "v6l-gsocap-b-%d" % os.getpid()
TUNSETIFF, TUNSETOFFLOAD = 0x400454CA, 0x400454D0
IFF_TUN, IFF_NO_PI, IFF_VNET_HDR = 0x0001, 0x1000, 0x4000
OFFLOADS = 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns " + name)
    os.close(fd)


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI | IFF_VNET_HDR))
    fcntl.ioctl(fd, TUNSETOFFLOAD, OFFLOADS)
    os.set_blocking(fd, False)
    return fd


def ip(ns, *args):
    subprocess.run(["ip", "-n", ns] + list(args), check=True)


CLIENT = r"""
import socket, sys, time
fam, dst = (socket.AF_INET6, "2001:db8:9::2") if sys.argv[1] == "6" else (socket.AF_INET, "10.9.0.2")
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.connect((dst, 5001))
for n in (3000, 9000, 20000, 4000):
    s.sendall(bytes((i * 7 + n) & 0xff for i in range(n)))
    time.sleep(0.2)
s.sendall(b"x" * 5001)
s.close()
u = socket.socket(fam, socket.SOCK_DGRAM)
u.setsockopt(17, 103, 1000)  # UDP_SEGMENT: 1000-byte datagrams
u.sendto(bytes(range(256)) * 14 + b"abc", (dst, 5002))  # 3587 bytes: 3 x 1000 + 587
u.sendto(b"small one", (dst, 5002))
time.sleep(0.2)
"""
SERVER = r"""
import socket, sys, time
fam, any_ = (socket.AF_INET6, "::") if sys.argv[1] == "6" else (socket.AF_INET, "0.0.0.0")
l = socket.socket(fam, socket.SOCK_STREAM)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # a small window: the data queues
l.bind((any_, 5001)); l.listen(1)
c, _ = l.accept()
time.sleep(1.5)  # so that the client's close finds data queued: FIN rides on a super-packet
while c.recv(65536):
    time.sleep(0.05)
"""


def run(out):
    records = []
    for ns in (NS_A, NS_B):
        subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        home = os.open("/proc/self/ns/net", os.O_RDONLY)
        setns(NS_A)
        ta = tun("gsocap0")
        setns(NS_B)
        tb = tun("gsocap1")
        libc.setns(home, CLONE_NEWNET)
        for ns, dev, me in ((NS_A, "gsocap0", "1"), (NS_B, "gsocap1", "2")):
            ip(ns, "link", "set", "lo", "up")
            ip(ns, "link", "set", dev, "mtu", "1400", "up")
            ip(ns, "addr", "add", "10.9.0.%s/24" % me, "dev", dev)
            ip(ns, "addr", "add", "2001:db8:9::%s/64" % me, "dev", dev, "nodad")
        for fam in ("4", "6"):
            srv = subprocess.Popen(["ip", "netns", "exec", NS_B, "python3", "-c", SERVER, fam])
            time.sleep(0.3)
            cli = subprocess.Popen(["ip", "netns", "exec", NS_A, "python3", "-c", CLIENT, fam])
            deadline = time.time() + 30
            while (cli.poll() is None or srv.poll() is None) and time.time() < deadline:
                r, _, _ = select.select([ta, tb], [], [], 0.1)
                for fd in r:
                    try:
                        pkt = os.read(fd, 70000)
                    except BlockingIOError:
                        continue
                    if fd == ta:
                        records.append(pkt)
                    os.write(tb if fd == ta else ta, pkt)
            for p in (cli, srv):
                if p.poll() is None:
                    p.kill()
                    p.wait()
    finally:
        for ns in (NS_A, NS_B):
            subprocess.run(["ip", "netns", "del", ns])
    write_header(out, records)


def kind(p):
    flags, gso = p[0], p[1]
    ver = p[10] >> 4
    proto = p[10 + 9] if ver == 4 else p[10 + 6]
    return flags, gso & 0x7F, ver, proto


def tcp_flags(p):
    ver = p[10] >> 4
    l4 = 10 + ((p[10] & 15) * 4 if ver == 4 else 40)
    return p[l4 + 13]


def write_header(out, records):
    """Keeps per (gso type, version, protocol) the first two GSO packets, the one with FIN, and the
    first two NEEDS_CSUM whole TCP and UDP packets."""
    keep, seen = [], {}
    for p in records:
        flags, gso, ver, proto = kind(p)
        if proto not in (6, 17):
            continue
        k = (gso, ver, proto, bool(flags & 1))
        seen.setdefault(k, []).append(p)
    for k, ps in sorted(seen.items()):
        if k[0]:
            sel = ps[:2] + [q for q in ps if k[2] == 6 and tcp_flags(q) & 1][:1]
        elif k[3]:
            sel = ps[:2]
        else:
            continue
        for p in sel:
            if p not in keep:
                keep.append(p)
    with open(out, "w") as f:
        f.write("/* Generated by tests/unit/gso_capture.py (Linux %s): what a TUN with IFF_VNET_HDR and\n"
                " * TUNSETOFFLOAD(CSUM|TSO4|TSO6|TSO_ECN|USO4|USO6) returned to read(), virtio-net header\n"
                " * first, MTU 1400, for a TCP transfer and UDP_SEGMENT sends over IPv4 and IPv6. */\n"
                % os.uname().release)
        f.write("#include <stddef.h>\n#include <stdint.h>\n\n")
        for i, p in enumerate(keep):
            flags, gso, ver, proto = kind(p)
            f.write("/* flags %d, gso_type %d, IPv%d, proto %d, %d bytes */\n" % (flags, p[1], ver, proto, len(p)))
            f.write("static const uint8_t gso_vec%d[] = {\n" % i)
            for j in range(0, len(p), 16):
                f.write("\t" + ", ".join("0x%02x" % b for b in p[j:j + 16]) + ",\n")
            f.write("};\n")
        f.write("\nstatic const struct { const uint8_t *b; size_t len; } gso_vecs[] = {\n")
        for i in range(len(keep)):
            f.write("\t{ gso_vec%d, sizeof(gso_vec%d) },\n" % (i, i))
        f.write("};\n")
    print("%d packets read, %d kept: %s" % (len(records), len(keep),
          ", ".join("%s/%d" % (kind(p)[1], len(p)) for p in keep)))


if __name__ == "__main__":
    run(sys.argv[1])
