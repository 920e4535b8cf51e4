#!/usr/bin/env python3
"""spfdns.py - a small authoritative DNS server for the SPF test suites.

    spfdns.py SUITE.json [ADDR]

Serves every scenario's `zonedata` (expectations/*.json of the RFC 7208 /
RFC 4408 suites) on its own port of ADDR (default 127.0.0.1), UDP and TCP,
so the code under test talks DNS exactly as in production (through
mw_dns and libunbound, forwarding to this server).  Prints one line
"INDEX PORT" per scenario, then "ready", and serves until killed.

Zone data: A, AAAA, MX [pref, host], PTR, CNAME, TXT and SPF (type 99;
a string or a list of strings; >255 octets are split).  As the suites ask
of their drivers, SPF records are also served as TXT when a name has no
TXT records of its own and does not time out.  A value "NONE" is no record.  "TIMEOUT" means the server never answers for the
name (for the types it has no records of, as in pyspf's driver).  A name absent from the data is NXDOMAIN unless a name below it
exists (empty non-terminal: NODATA).

Python standard library only (socket, struct, selectors).
"""
import json
import selectors
import socket
import struct
import sys

T = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16,
     "AAAA": 28, "SPF": 99, "OPT": 41}


def enc_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label == "":
            continue
        b = label.encode("latin-1", "replace")
        out += bytes([len(b)]) + b
    return out + b"\0"


def enc_strings(v):
    if isinstance(v, str):
        v = [v]
    out = b""
    for s in v:
        try:
            b = s.encode("latin-1")
        except UnicodeEncodeError:
            b = s.encode("utf-8")
        if not b:
            out += b"\0"
        while b:
            out += bytes([min(len(b), 255)]) + b[:255]
            b = b[255:]
    return out or b"\0"


def rdata(t, v):
    if t == "A":
        return socket.inet_pton(socket.AF_INET, v)
    if t == "AAAA":
        return socket.inet_pton(socket.AF_INET6, v)
    if t == "MX":
        return struct.pack("!H", int(v[0])) + enc_name(v[1])
    if t in ("PTR", "CNAME", "NS"):
        return enc_name(v)
    if t in ("TXT", "SPF"):
        return enc_strings(v)
    raise ValueError(t)


def load_zone(zonedata):
    """name -> list of (type, rdata); and the set of names that time out."""
    zone, timeouts = {}, set()
    for name, recs in zonedata.items():
        n = name.lower().rstrip(".")
        rrs = zone.setdefault(n, [])
        # No generated TXT beside real TXT records, nor for a name that
        # times out (pyspf's driver does the same).
        has_txt = any((isinstance(r, dict) and "TXT" in r) or
                      r == "TIMEOUT" for r in recs)
        for r in recs:
            if r == "TIMEOUT":
                timeouts.add(n)
                continue
            for t, v in r.items():
                if v == "NONE":
                    continue  # "no such record": only stops generation
                try:
                    rrs.append((T[t], rdata(t, v)))
                    if t == "SPF" and not has_txt:
                        rrs.append((T["TXT"], rdata(t, v)))
                except (ValueError, OSError, KeyError):
                    pass
    parents = set()
    for n in zone:
        labels = n.split(".")
        for i in range(1, len(labels)):
            parents.add(".".join(labels[i:]))
    return zone, timeouts, parents


def parse_query(pkt):
    if len(pkt) < 12:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack("!6H", pkt[:12])
    if qd != 1:
        return None
    i, labels = 12, []
    while True:
        if i >= len(pkt):
            return None
        n = pkt[i]
        i += 1
        if n == 0:
            break
        if n > 63 or i + n > len(pkt):
            return None
        labels.append(pkt[i:i + n].decode("latin-1"))
        i += n
    if i + 4 > len(pkt):
        return None
    qtype, qclass = struct.unpack("!HH", pkt[i:i + 4])
    question = pkt[12:i + 4]
    payload = 512
    if ar >= 1 and i + 4 + 11 <= len(pkt) and pkt[i + 4] == 0 and \
            struct.unpack("!H", pkt[i + 5:i + 7])[0] == 41:
        payload = max(512, struct.unpack("!H", pkt[i + 7:i + 9])[0])
    return qid, flags, ".".join(labels).lower(), qtype, question, payload, ar


def answer(zone, timeouts, parents, q, tcp):
    qid, flags, name, qtype, question, payload, ar = q
    # As pyspf's driver: TIMEOUT holds for the types the name has no
    # records of (a TXT record answers even where SPF queries time out).
    if name in timeouts and not any(t == qtype for t, _ in zone.get(name, [])):
        return None
    rcode, answers, chain = 0, [], 0
    cur = name
    while True:
        rrs = zone.get(cur)
        if rrs is None:
            if cur not in parents and not answers:
                rcode = 3
            break
        cname = [rd for t, rd in rrs if t == 5]
        if cname and qtype != 5 and chain < 8:
            answers.append((cur, 5, cname[0]))
            chain += 1
            # follow the target inside the data
            i, labels = 0, []
            rd = cname[0]
            while rd[i] != 0:
                labels.append(rd[i + 1:i + 1 + rd[i]].decode("latin-1"))
                i += 1 + rd[i]
            cur = ".".join(labels).lower()
            if cur in timeouts and not any(
                    t == qtype for t, _ in zone.get(cur, [])):
                return None
            continue
        answers += [(cur, t, rd) for t, rd in rrs if t == qtype]
        break
    auth = []
    if not answers or rcode == 3:
        tld = name.split(".")[-1] if name else ""
        soa = enc_name("ns." + tld) + enc_name("hostmaster." + tld) + \
            struct.pack("!5I", 1, 3600, 600, 86400, 0)
        auth.append((tld, 6, soa))
    body = b""
    for owner, t, rd in answers + auth:
        body += enc_name(owner) + struct.pack("!HHIH", t, 1, 0, len(rd)) + rd
    opt = b""
    if ar >= 1:
        opt = b"\0" + struct.pack("!HHIH", 41, 4096, 0, 0)
    rflags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
    head = struct.pack("!6H", qid, rflags, 1, len(answers), len(auth),
                       1 if opt else 0)
    msg = head + question + body + opt
    if not tcp and len(msg) > payload:
        head = struct.pack("!6H", qid, rflags | 0x0200, 1, 0, 0,
                           1 if opt else 0)
        msg = head + question + opt
    return msg


def main():
    suite = json.load(open(sys.argv[1], encoding="utf-8"))
    addr = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    sel = selectors.DefaultSelector()
    for idx, sc in enumerate(suite["scenarios"]):
        zone = load_zone(sc.get("zonedata", {}))
        for _ in range(50):
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind((addr, 0))
            port = u.getsockname()[1]
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                t.bind((addr, port))
                break
            except OSError:
                u.close()
                t.close()
        t.listen(64)
        t.setblocking(False)
        sel.register(u, selectors.EVENT_READ, ("udp", zone))
        sel.register(t, selectors.EVENT_READ, ("listen", zone))
        print(idx, port)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            kind, zone = key.data
            s = key.fileobj
            try:
                if kind == "udp":
                    pkt, peer = s.recvfrom(65535)
                    q = parse_query(pkt)
                    if q:
                        msg = answer(*zone, q, False)
                        if msg:
                            s.sendto(msg, peer)
                elif kind == "listen":
                    c, _ = s.accept()
                    c.setblocking(True)
                    c.settimeout(2)
                    sel.register(c, selectors.EVENT_READ, ("tcp", zone))
                else:
                    hdr = s.recv(2)
                    if len(hdr) < 2:
                        raise OSError("closed")
                    n = struct.unpack("!H", hdr)[0]
                    pkt = b""
                    while len(pkt) < n:
                        chunk = s.recv(n - len(pkt))
                        if not chunk:
                            raise OSError("closed")
                        pkt += chunk
                    q = parse_query(pkt)
                    msg = answer(*zone, q, True) if q else None
                    if msg:
                        s.sendall(struct.pack("!H", len(msg)) + msg)
            except OSError:
                if kind == "tcp":
                    sel.unregister(s)
                    s.close()


if __name__ == "__main__":
    main()
