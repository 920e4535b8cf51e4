#!/usr/bin/env python3
"""Integration: `mailwhy spf --lab --json` against the lab's SPF zones.

Each spf-*.test zone of lab/README.md gets the result, lookup counts and
audit findings it exists for, through the lab's real DNS (Knot behind
unbound).  Skips (exit 77) when the lab is not running.
"""
import json
import os
import subprocess
import sys

MAILWHY = os.path.join(os.environ.get("MW_BUILD_ROOT", "build"), "cli", "mailwhy")
SENDER_IP = "203.0.113.10"   # mail.sender.test
OTHER_IP = "203.0.113.77"

# (ip, sender, extra args) -> expected facts
CHECKS = [
    ((SENDER_IP, "user@spf-good.test", []),
     {"result": "pass", "mechanism": "ip4:203.0.113.10", "lookups": 0,
      "void_lookups": 0}),
    ((OTHER_IP, "user@spf-good.test", []),
     {"result": "fail", "mechanism": "-all"}),
    ((SENDER_IP, "user@spf-chain.test", []),
     {"result": "pass", "mechanism": "include:a.spf-chain.test",
      "lookups": 2, "path_len": 3}),
    ((OTHER_IP, "user@spf-chain.test", []),
     {"result": "fail", "lookups": 2}),
    ((SENDER_IP, "user@spf-toomany.test", []),
     {"result": "permerror", "lookups": 11}),
    ((SENDER_IP, "user@spf-void.test", []),
     {"result": "permerror", "void_lookups": 3}),
    ((SENDER_IP, "user@spf-loop.test", []), {"result": "permerror"}),
    ((SENDER_IP, "user@spf-multi.test", []), {"result": "permerror"}),
    ((OTHER_IP, "user@spf-plusall.test", []),
     {"result": "pass", "mechanism": "+all"}),
    ((SENDER_IP, "user@spf-ptr.test", []),
     {"result": "pass", "mechanism": "ptr:sender.test", "lookups": 1}),
    ((SENDER_IP, "user@spf-longstring.test", []), {"result": "pass"}),
    ((SENDER_IP, "user@spf-mxcount.test", []),
     {"result": "pass", "lookups": 8, "lookups_strict": 11}),
    ((SENDER_IP, "user@spf-mxcount.test", ["--strict-mx"]),
     {"result": "permerror"}),
    ((SENDER_IP, "user@nxdomain.test", []), {"result": "none"}),
    ((SENDER_IP, "", ["mail.sender.test"]), {"result": "none",
                                             "identity": "helo"}),
]

# domain, extra args -> (codes that must appear, codes that must not, facts)
AUDITS = [
    ("spf-good.test", ["--ip", SENDER_IP], (["spf.pass", "spf.ok"],
                                            ["spf.ip_not_covered"],
                                            {"lookups": 0})),
    ("spf-good.test", [], (["spf.ok"], ["spf.fix_record"], {"lookups": 0})),
    # Listed, but check_host returns permerror: the record's fault.
    ("spf-toomany.test", ["--ip", SENDER_IP],
     (["spf.permerror", "spf.too_many_lookups"],
      ["spf.ip_not_covered", "spf.ok", "spf.pass"], {"lookups": 11})),
    ("spf-good.test", ["--ip", OTHER_IP], (["spf.ip_not_covered",
                                            "spf.fix_record"], [],
                                           {"fixed_record": "v=spf1 ip4:203.0.113.10 ip4:203.0.113.77 -all"})),
    ("spf-chain.test", [], (["spf.ok"], ["spf.too_many_lookups"],
                            {"lookups": 2})),
    ("spf-toomany.test", [], (["spf.too_many_lookups"], ["spf.ok"],
                              {"lookups": 11})),
    ("spf-void.test", [], (["spf.too_many_void", "spf.void_lookup"], [],
                           {"void_lookups": 3,
                            "fixed_record": "v=spf1 ip4:203.0.113.10 -all"})),
    ("spf-loop.test", [], (["spf.include_loop"], [], {})),
    ("spf-multi.test", [], (["spf.multiple_records"], [], {})),
    ("spf-plusall.test", [], (["spf.plus_all"], [],
                              {"fixed_record": "v=spf1 ip4:203.0.113.10 ~all"})),
    ("spf-ptr.test", [], (["spf.ptr"], [], {"lookups": 1})),
    ("spf-longstring.test", [], (["spf.record_too_long"], [], {})),
    ("spf-mxcount.test", [], (["spf.lookups_disputed"],
                              ["spf.too_many_lookups"],
                              {"lookups": 8, "lookups_strict": 11})),
    ("nxdomain.test", [], (["spf.none"], [], {})),
]


def run(args):
    out = subprocess.run([MAILWHY, "spf", "--lab", "--json"] + args,
                         capture_output=True, text=True, timeout=60)
    try:
        return json.loads(out.stdout)
    except ValueError:
        return {"error": out.stdout + out.stderr}


def main():
    ns = os.environ.get("MAILWHY_LAB_NS") or "mailwhy-lab"
    if not os.path.exists(f"/run/netns/{ns}"):
        print("SKIP: the lab is not running (mailwhy lab up, as root)")
        return 77
    failures = total = 0
    for (ip, sender, extra), want in CHECKS:
        args = extra[:1] if extra[:1] == ["--strict-mx"] else []
        pos = [ip, sender] + [e for e in extra if not e.startswith("--")]
        obj = run(args + pos)
        errs = []
        for k, v in want.items():
            got = len(obj.get("path") or []) if k == "path_len" else obj.get(k, "<absent>")
            if got != v:
                errs.append(f"{k}={got!r}, want {v!r}")
        total += 1
        failures += bool(errs)
        shown = sender or '""'
        print(f"{'ok  ' if not errs else 'FAIL'} spf {ip} {shown}"
              f" {' '.join(extra)}: {obj.get('result')} via "
              f"{obj.get('mechanism')}" + (f" -- {'; '.join(errs)}" if errs else ""))
    for domain, extra, (want, unwanted, facts) in AUDITS:
        obj = run(["--audit", domain] + extra)
        codes = {f["code"] for f in obj.get("findings", [])}
        errs = [f"missing {c}" for c in want if c not in codes]
        errs += [f"unexpected {c}" for c in unwanted if c in codes]
        errs += [f"{k}={obj.get(k, '<absent>')!r}, want {v!r}"
                 for k, v in facts.items() if obj.get(k, "<absent>") != v]
        if not obj.get("tree"):
            errs.append("no tree")
        total += 1
        failures += bool(errs)
        print(f"{'ok  ' if not errs else 'FAIL'} spf --audit {domain} "
              f"{' '.join(extra)}: {sorted(codes)}"
              + (f" -- {'; '.join(errs)}" if errs else ""))
    print(f"spf against the lab: {total - failures}/{total} right")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
