#!/usr/bin/python3
"""ct_report.py - figures of bench/connect_time.sh from its run folder (no root needed).

    ct_report.py RUN

RUN/cl/m/NN-VARIANT/ holds one measurement each: t0 (epoch of the client's start), t_stop, result
(ok|timeout), watch.log (ct-watch.sh: kernel address events and the resolver, stamped where the
client runs), and for v6link v6link.log (`-d`, monotonic stamps) with mono (epoch - monotonic at
the start).  The reference's milestones come from the client UML's syslog (RUN/cl/syslog.log,
stamped on arrival), the ISP's from RUN/isp/{hooks,isp6,kea-dhcp6}.log (isp6.log also has the
V6READY agent's lines: IPv6 up seen, first Solicit relayed, Advertise and Reply sent, stamped in
the ISP's UML).  Every time printed is in
seconds from the client's own start (v6link: `v6link run` exec'd; reference: pppd exec'd).
"""
import datetime
import json
import os
import re
import statistics
import sys

VARIANTS = [
    ("auto", "v6link, defaults (mode=auto)"),
    ("dialup", "v6link, mode=dial-up"),
    ("ref", "pppd + dhcpcd service"),
    ("ref6", "pppd + dhcpcd from ipv6-up"),
]
NAMES = dict(VARIANTS)
SHORT = {"auto": "v6link auto", "dialup": "v6link dial-up", "ref": "pppd+dhcpcd svc",
         "ref6": "pppd+dhcpcd ipv6-up"}
REFS = ("ref", "ref6")

# (label, regex) in timeline order; the first match after t0 counts
V6L_MILESTONES = [
    ("detection started", r"-> detecting"),
    ("mode chosen", r"conn\[[^]]*\]: mode (dial-up|mixed|router)\b"),
    ("PADI sent", r"-> padi-sent"),
    ("PADS (session)", r"-> session \(PADS\)"),
    ("LCP opened", r"lcp\[[^]]*\]: opened"),
    ("authenticated", r"authentication succeeded"),
    ("IPv6CP up", r"ipv6cp\[[^]]*\]: up"),
    ("IPCP up", r"\bipcp\[[^]]*\]: up"),
    ("RS sent", r"nd\[[^]]*\]: .*-> solicit"),
    ("RA received", r"nd\[[^]]*\]: (RA |.*RA received)"),
    ("DHCPv6 Solicit sent", r"send SOLICIT"),
    ("DHCPv6 Advertise", r"ADVERTISE .*accepted"),
    ("DHCPv6 Reply", r"REPLY .*accepted"),
]
REF_MILESTONES = [
    ("PADS (session)", r"pppd\[\d+\]: PPP session is"),
    ("authenticated", r"pppd\[\d+\]: PAP authentication succeeded"),
    ("IPv6CP up", r"pppd\[\d+\]: local  LL address"),
    ("IPCP up", r"pppd\[\d+\]: local  IP address"),
    ("RS sent", r"dhcpcd\[\d+\]: ppp0: soliciting an IPv6 router"),
    ("RA received", r"dhcpcd\[\d+\]: ppp0: Router Advertisement from"),
    ("DHCPv6 Solicit sent", r"dhcpcd\[\d+\]: ppp0: soliciting a DHCPv6 lease"),
    ("DHCPv6 Advertise", r"dhcpcd\[\d+\]: ppp0: ADV .* from"),
    ("DHCPv6 Reply", r"dhcpcd\[\d+\]: ppp0: REPLY6 received"),
]
WATCH = ["global address", "delegated prefix", "IPv6 DNS", "all three (connect time)"]
ISP_MILESTONES = ["ISP: IPv6CP up (ipv6-up hook)", "ISP: radvd started", "ISP: Kea listening"]
# isp.sh V6READY=1: the agent's lines in isp6.log (the first of each kind per session)
V6READY_MILESTONES = [
    ("ISP: link-local set, radvd HUP", r"v6ready: IPv6 up on "),
    ("ISP: Solicit relayed to Kea", r"v6ready: relayed SOLICIT "),
    ("ISP: Advertise sent", r"v6ready: sent ADVERTISE "),
    ("ISP: Reply sent", r"v6ready: sent REPLY "),
]
ORDER = ([m for m, _ in V6L_MILESTONES] + [m for m, _ in V6READY_MILESTONES] + ISP_MILESTONES
         + WATCH)


def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def first_after(lines, regex, lo, hi):
    """lines: [(epoch, text)]; the first epoch in [lo, hi] whose text matches."""
    r = re.compile(regex)
    for t, text in lines:
        if lo <= t <= hi and r.search(text):
            return t
    return None


def epoch_lines(path, parse):
    out = []
    for line in read(path).splitlines():
        p = parse(line)
        if p:
            out.append(p)
    return out


def parse_epoch_first(line):
    head, _, rest = line.partition(" ")
    try:
        return float(head), rest
    except ValueError:
        return None


def parse_kea(line):
    m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (.*)", line)
    if not m:
        return None
    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
    return t, m.group(2)


def watch_times(path, t0, na_re, pd_re):
    got = {}
    for t, text in epoch_lines(path, parse_epoch_first):
        kind, _, rest = text.partition(" ")
        if kind == "addr":
            if rest.startswith("Deleted") or "tentative" in rest or "dadfailed" in rest:
                continue
            if re.search(na_re, rest):
                got.setdefault("global address", t)
            if re.search(pd_re, rest):
                got.setdefault("delegated prefix", t)
        elif kind == "dns6" and rest.strip():
            got.setdefault("IPv6 DNS", t)
        elif kind == "done":
            got.setdefault("all three (connect time)", t)
    return {k: v - t0 for k, v in got.items()}


def v6link_times(mdir, t0):
    try:
        mono = float(read(os.path.join(mdir, "mono")).strip())
    except ValueError:
        return {}
    lines = []
    for line in read(os.path.join(mdir, "v6link.log")).splitlines():
        m = re.match(r"\[\s*(\d+\.\d+)\] (.*)", line)
        if m:
            lines.append((float(m.group(1)) + mono, m.group(2)))
    out = {}
    for label, rx in V6L_MILESTONES:
        t = first_after(lines, rx, t0 - 1, float("inf"))
        if t is not None:
            out[label] = t - t0
    return out


def ref_times(syslog, t0, t_stop):
    out = {}
    for label, rx in REF_MILESTONES:
        t = first_after(syslog, rx, t0, t_stop)
        if t is not None:
            out[label] = t - t0
    return out


def isp_times(isp, t0, t_stop):
    out = {}
    isp6 = epoch_lines(os.path.join(isp, "isp6.log"), parse_epoch_first)
    for label, rx in V6READY_MILESTONES:  # (before the ipv6-up hook: on their own)
        t = first_after(isp6, rx, t0, t_stop)
        if t is not None:
            out[label] = t - t0
    hooks = epoch_lines(os.path.join(isp, "hooks.log"), parse_epoch_first)
    t_up = first_after(hooks, r"^ipv6-up built-in", t0, t_stop)
    if t_up is None:
        return out
    out[ISP_MILESTONES[0]] = t_up - t0
    if any(label in out for label, _ in V6READY_MILESTONES):
        return out  # (V6READY: radvd and Kea run since boot; Kea reloads when a session ends)
    t = first_after(isp6, r"radvd on ", t_up, t_stop)
    if t is not None:
        out[ISP_MILESTONES[1]] = t - t0
    kea = epoch_lines(os.path.join(isp, "kea-dhcp6.log"), parse_kea)
    t = first_after(kea, r"DHCP6_CONFIG_COMPLETE", t_up, t_stop)
    if t is not None:
        out[ISP_MILESTONES[2]] = t - t0
    return out


def fmt(x, w=6):
    return f"{x:{w}.2f}" if x is not None else f"{'-':>{w}}"


def tfmt(x, w=6):
    return f"{'>' + os.environ.get('TIMEOUT', '?'):>{w}}" if x == float("inf") else fmt(x, w)


def med(xs):
    return statistics.median(xs) if xs else None


def main():
    run = sys.argv[1]
    mroot = os.path.join(run, "cl", "m")
    na_re = os.environ.get("NA_RE", r"inet6 2001:db8:200:")
    pd_re = os.environ.get("PD_RE", r"inet6 2001:db8:8[0-9a-f]{3}:")
    syslog = epoch_lines(os.path.join(run, "cl", "syslog.log"), parse_epoch_first)
    runs = []
    for d in sorted(os.listdir(mroot)) if os.path.isdir(mroot) else []:
        m = re.match(r"(\d+)-r(\d+)-(auto|dialup|ref|ref6)$", d)
        if not m:
            continue
        mdir = os.path.join(mroot, d)
        try:
            t0 = float(read(os.path.join(mdir, "t0")).strip())
        except ValueError:
            continue
        try:
            t_stop = float(read(os.path.join(mdir, "t_stop")).strip())
        except ValueError:
            t_stop = t0 + 300
        var = m.group(3)
        times = watch_times(os.path.join(mdir, "watch.log"), t0, na_re, pd_re)
        times.update(ref_times(syslog, t0, t_stop) if var in REFS else v6link_times(mdir, t0))
        times.update(isp_times(os.path.join(run, "isp"), t0, t_stop))
        st = {}
        try:
            st = json.loads(read(os.path.join(mdir, "status.json"), "{}"))["connections"][0]
        except (ValueError, KeyError, IndexError):
            pass
        runs.append({"n": int(m.group(1)), "round": int(m.group(2)), "var": var, "t": times,
                     "ok": read(os.path.join(mdir, "result")).strip() == "ok",
                     "mode": "-" if var in REFS else st.get("mode", "-")})

    total = WATCH[3]
    print("\n== every measurement (s from the client's start; '-' = not reached)")
    print(f"{'#':>3} {'round':>5}  {'client':<30} {'address':>7} {'prefix':>7} {'v6 DNS':>7}"
          f" {'total':>7}  {'IPv6CP':>6}  mode")
    for r in runs:
        t = r["t"]
        print(f"{r['n']:>3} {r['round']:>5}  {NAMES[r['var']]:<30} {fmt(t.get(WATCH[0]), 7)}"
              f" {fmt(t.get(WATCH[1]), 7)} {fmt(t.get(WATCH[2]), 7)} {fmt(t.get(total), 7)}"
              f"  {fmt(t.get('IPv6CP up'))}  {r['mode']}{'' if r['ok'] else '  (TIMEOUT)'}")

    print("\n== connect time: start -> global IPv6 address + delegated prefix + IPv6 DNS server (s)")
    print(f"{'client':<32} {'ok':>5} {'min':>6} {'median':>7} {'max':>6}   "
          f"{'med address':>11} {'med prefix':>10} {'med DNS':>7}")
    # A run that never connected counts as longer than any other (not left out): min/median/max
    # are over every run, and read '>TIMEOUT' (in s) where such a run decides them.
    inf = float("inf")
    medians = {}
    for var, name in VARIANTS:
        rs = [r for r in runs if r["var"] == var]
        if not rs:
            continue
        xs = sorted(r["t"].get(total, inf) for r in rs)
        medians[var] = med(xs)
        comp = [med([r["t"].get(w, inf) for r in rs]) for w in WATCH[:3]]
        print(f"{name:<32} {sum(x < inf for x in xs):>2}/{len(rs):<2} {tfmt(xs[0])}"
              f" {tfmt(medians[var], 7)} {tfmt(xs[-1])}   {tfmt(comp[0], 11)}"
              f" {tfmt(comp[1], 10)} {tfmt(comp[2], 7)}")
    for ref in REFS:
        for var in ("auto", "dialup"):
            a, b = medians.get(var), medians.get(ref)
            if a is None or b is None:
                continue
            ratio = "n/a (a median is a timeout)" if inf in (a, b) else f"{a / b:.2f}"
            print(f"ratio of medians  {NAMES[var]:<30} / {NAMES[ref]:<28} = {ratio}")

    print("\n== timeline: median s from the client's start (min-max) over the runs that reached it")
    head = "".join(f"  {SHORT[v]:>20}" for v, _ in VARIANTS if any(r['var'] == v for r in runs))
    print(f"{'milestone':<30}{head}")
    for ms in ORDER:
        cells = []
        for var, _ in VARIANTS:
            rs = [r for r in runs if r["var"] == var]
            if not rs:
                continue
            xs = [r["t"][ms] for r in rs if ms in r["t"]]
            cells.append(f"{med(xs):.2f} ({min(xs):.1f}-{max(xs):.1f})" if xs else "-")
        if any(c != "-" for c in cells):
            print(f"{ms:<30}" + "".join(f"  {c:>20}" for c in cells))
    return 0 if runs else 1


if __name__ == "__main__":
    sys.exit(main())
