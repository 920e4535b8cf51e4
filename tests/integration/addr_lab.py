#!/usr/bin/env python3
"""Integration: `mailwhy addr --lab --json` against the lab's real DNS.

Every lab domain of lab/README.md gets the findings it exists for.  The
table says, per address, the codes that must be present, the codes that
must be absent, and the facts that must hold.  Skips (exit 77) when the lab
is not running.
"""
import json
import os
import subprocess
import sys

MAILWHY = os.path.join(os.environ.get("MW_BUILD_ROOT", "build"), "cli", "mailwhy")

# address -> (codes that must appear, codes that must not, facts)
CASES = {
    "alice@good.test": ([], ["addr.domain.nxdomain", "addr.mx.none_usable",
                             "addr.typo", "dns.servfail"],
                        {"valid": True, "deliverable": True, "dns": "checked",
                         "mx": "10 mx.good.test", "dnssec": "insecure"}),
    "user@nullmx.test": (["addr.domain.null_mx"], ["addr.domain.implicit_mx"],
                         {"deliverable": False, "mx": "."}),
    "user@nomx.test": (["addr.domain.implicit_mx"], ["addr.domain.no_mail"],
                       {"deliverable": True}),
    "user@nomail.test": (["addr.domain.no_mail"], ["addr.domain.implicit_mx"],
                         {"deliverable": False}),
    "user@nxdomain.test": (["addr.domain.nxdomain"], [],
                           {"deliverable": False, "valid": True}),
    "user@mx-cname.test": (["addr.mx.cname"], ["addr.mx.none_usable"],
                           {"deliverable": True}),
    "user@mx-ip.test": (["addr.mx.ip_literal", "addr.mx.none_usable"], [],
                        {"deliverable": False}),
    "user@mx-noaddr.test": (["addr.mx.no_address", "addr.mx.none_usable"], [],
                            {"deliverable": False}),
    "user@mx-nxhost.test": (["addr.mx.no_address", "addr.mx.none_usable"], [],
                            {"deliverable": False}),
    "user@mx-private.test": (["addr.mx.private", "addr.mx.none_usable"], [],
                             {"deliverable": False}),
    "user@mx-loopback.test": (["addr.mx.loopback", "addr.mx.none_usable"], [],
                              {"deliverable": False}),
    "user@mx-reserved.test": (["addr.mx.reserved", "addr.mx.none_usable"], [],
                              {"deliverable": False}),
    "user@lame.test": (["dns.servfail"], ["addr.domain.nxdomain"],
                       {"dns": "incomplete"}),
    "user@secure.test": ([], ["dns.bogus"], {"dnssec": "secure",
                                             "deliverable": True}),
    "user@bogus.test": (["dns.bogus"], [], {"dns": "incomplete"}),
    # Typos: judged by DNS evidence, never by looks alone.
    "user@gmial.com": (["addr.domain.nxdomain"], [],
                       {"suggestion": "user@gmail.com", "deliverable": False}),
    "user@gmail.con": (["addr.domain.nxdomain", "addr.typo"], [],
                       {"suggestion": "user@gmail.com"}),
    "ivan@yandex.ry": (["addr.domain.nxdomain"], [],
                       {"suggestion": "ivan@yandex.ru"}),
    "user@gmx.com": ([], ["addr.typo", "addr.typo_possible"],
                     {"suggestion": None, "deliverable": True}),
    "user@gmail.com": ([], ["addr.typo"], {"deliverable": True}),
    "ivan@почта.рф": (["addr.idn"], [], {"domain": "xn--80a1acny.xn--p1ai",
                                         "deliverable": True}),
    "user@пример.испытание": ([], [], {"domain": "xn--e1afmkfd.xn--80akhbyknj4f",
                                       "deliverable": True}),
    "user@@good.test": (["addr.syntax"], [], {"valid": False, "address": None}),
}
# Slow on purpose: the lab delegates it to an address where nothing listens.
# Our 1.5 s timer usually fires first; when another test has just made the
# resolver give up on that server, it answers SERVFAIL at once instead.
# Either way the domain could not be checked.
SLOW = {"user@timeout.test": ([("dns.timeout", "dns.servfail")], [],
                              {"dns": "incomplete", "deliverable": False})}


def main():
    ns = os.environ.get("MAILWHY_LAB_NS") or "mailwhy-lab"
    if not os.path.exists(f"/run/netns/{ns}"):
        print("SKIP: the lab is not running (mailwhy lab up, as root)")
        return 77
    failures = 0
    for cases, extra in ((CASES, []), (SLOW, ["--timeout", "1.5"])):
        cmd = [MAILWHY, "addr", "--lab", "--json"] + extra + list(cases)
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        lines = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
        if len(lines) != len(cases):
            print(f"FAIL: {len(lines)} objects for {len(cases)} addresses; "
                  f"stderr: {out.stderr}")
            return 1
        for obj, (addr, (want, unwanted, facts)) in zip(lines, cases.items()):
            codes = {f["code"] for f in obj["findings"]}
            errs = []
            if obj["input"] != addr:
                errs.append(f"out of order: got {obj['input']}")
            errs += [f"missing {c}" for c in want
                     if not (set(c) & codes if isinstance(c, tuple) else c in codes)]
            errs += [f"unexpected {c}" for c in unwanted if c in codes]
            errs += [f"{k}={obj.get(k)!r}, want {v!r}"
                     for k, v in facts.items() if obj.get(k, "<absent>") != v]
            print(f"{'ok  ' if not errs else 'FAIL'} {addr}: {sorted(codes)}"
                  + (f" -- {'; '.join(errs)}" if errs else ""))
            failures += bool(errs)
    total = len(CASES) + len(SLOW)
    print(f"addr against the lab: {total - failures}/{total} addresses right")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
