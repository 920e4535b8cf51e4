#!/usr/bin/env python3
"""Integration: `mailwhy domain --lab --json` against the lab's real DNS
and its rbldnsd blocklist.

Every DMARC, DKIM and SPF zone of lab/README.md gets the findings it
exists for, with the exact record text the remedy tells the user to
publish; the SPF cases also check the lookup counts and how the providers'
SPF requirement is judged (by the audit and check_host, not by the
record's presence).  Skips (exit 77) when the lab is not running.
"""
import json
import os
import subprocess
import sys

MAILWHY = os.path.join(os.environ.get("MW_BUILD_ROOT", "build"), "cli",
                       "mailwhy")

# The provider requirement judged from the SPF evaluation alone.
SPF_RULE = "SPF for the sending domain"

# (args, codes that must appear, codes that must not, facts,
#  {code: text that must be in its remedy}[, the SPF_RULE finding's code])
CASES = [
    (["dmarc-none.test"], ["dmarc.p_none", "dmarc.policy"],
     ["dmarc.missing", "dmarc.no_rua"], {"dmarc_policy": "none"},
     {"dmarc.p_none": '_dmarc.dmarc-none.test. TXT "v=DMARC1; '
      'p=quarantine; rua=mailto:dmarc@dmarc-none.test"'}),
    (["dmarc-norua.test"], ["dmarc.no_rua", "dmarc.removed_tag"],
     ["dmarc.p_none"], {"dmarc_policy": "reject"},
     {"dmarc.no_rua": '_dmarc.dmarc-norua.test. TXT "v=DMARC1; p=reject; '
      'rua=mailto:dmarc-reports@dmarc-norua.test"'}),
    (["dmarc-reject.test"], ["dmarc.policy"],
     ["dmarc.p_none", "dmarc.no_rua", "dmarc.rua_unauthorized",
      "dmarc.syntax"], {"dmarc_policy": "reject"}, {}),
    (["dmarc-extrua.test"], ["dmarc.rua_unauthorized"], ["dmarc.no_rua"],
     {}, {"dmarc.rua_unauthorized":
          'dmarc-extrua.test._report._dmarc.good.test. TXT "v=DMARC1"'}),
    # RFC 9989 4.8: the bad p is ignored; 4.10.1: with a valid rua the
    # record counts as p=none.
    (["dmarc-bad.test"], ["dmarc.bad_tag", "dmarc.no_p", "dmarc.p_none"],
     ["dmarc.syntax", "dmarc.missing"], {"dmarc_policy": "none"},
     {"dmarc.no_p": '_dmarc.dmarc-bad.test. TXT "v=DMARC1; p=none; '
      'rua=mailto:dmarc@dmarc-bad.test"'}),
    (["dmarc-nop.test"], ["dmarc.not_applied"],
     ["dmarc.policy", "dmarc.missing", "dmarc.no_p"], {"dmarc": None},
     {"dmarc.not_applied": '_dmarc.dmarc-nop.test. TXT "v=DMARC1; p=none; '
      'adkim=s"'}),
    # RFC 9989 4.10.2: the walk stops at the psd=y parent; the domain one
    # label below is the organisational domain; 4.10.1: it has no
    # record, so the PSD's policy applies.
    (["mail.org.dmarc-psd.test"],
     ["dmarc.psd_policy", "dmarc.inherited", "dmarc.org_domain"],
     ["dmarc.missing", "dmarc.no_rua", "dmarc.p_none"],
     {"dmarc_policy": "reject", "dmarc_domain": "dmarc-psd.test",
      "org_domain": "org.dmarc-psd.test"},
     {"dmarc.psd_policy": '_dmarc.org.dmarc-psd.test. TXT "v=DMARC1; '
      'p=none; rua=mailto:dmarc-reports@org.dmarc-psd.test"'}),
    (["sub.own.dmarc-psd.test"], ["dmarc.inherited", "dmarc.org_domain"],
     ["dmarc.psd_policy", "dmarc.missing"],
     {"dmarc_policy": "quarantine", "dmarc_domain": "own.dmarc-psd.test",
      "org_domain": "own.dmarc-psd.test"}, {}),
    (["dmarc-two.test"], ["dmarc.multiple"], ["dmarc.policy"],
     {"dmarc": None}, {}),
    (["a.b.c.d.e.f.g.h.dmarc-reject.test"],
     ["dmarc.inherited", "dmarc.org_domain"], ["dmarc.missing"],
     {"dmarc_policy": "quarantine", "dmarc_domain": "dmarc-reject.test",
      "org_domain": "dmarc-reject.test"}, {}),
    (["nomail.test"], ["dmarc.missing", "spf.none"], [],
     {"spf": None, "spf_lookups": None},
     {"dmarc.missing": '_dmarc.nomail.test. TXT "v=DMARC1; p=none; '
      'rua=mailto:dmarc-reports@nomail.test"',
      "spf.none": "v=spf1 mx ~all"}, "rules.bulk_not_met"),
    (["dkim-good.test"], ["dkim.key_ok"],
     ["dkim.not_found", "dkim.key_weak", "dkim.key_1024"],
     {"dkim_keys_usable": 1}, {}),
    (["dkim-weak.test"], ["dkim.key_weak", "rules.not_met"], ["dkim.key_ok"],
     {"dkim_keys_usable": 0},
     {"dkim.key_weak": 's1._domainkey.dkim-weak.test. TXT "v=DKIM1; k=rsa; '
      'p=<the new public key, base64>"'}),
    (["dkim-1024.test"], ["dkim.key_1024"], ["dkim.key_weak"],
     {"dkim_keys_usable": 1}, {}),
    (["dkim-revoked.test"], ["dkim.revoked"], ["dkim.key_ok"],
     {"dkim_keys_usable": 0}, {}),
    (["dkim-ed.test"], ["dkim.key_ok"], ["dkim.bad_key"],
     {"dkim_keys_usable": 1}, {}),
    (["dkim-testing.test"], ["dkim.testing", "dkim.key_ok"], [], {}, {}),
    (["good.test"], ["dkim.not_found", "dmarc.missing"], [],
     {"dkim_selectors_tried": 40}, {}),
    (["good.test", "--selector", "nosuch"], ["dkim.selector_missing"],
     ["dkim.not_found"], {"dkim_selectors_tried": 1}, {}),
    (["sender.test"], ["dmarc.p_none", "dkim.key_ok", "ptr.ok",
                       "dnsbl.clean"],
     ["ptr.missing", "dnsbl.listed", "spf.none", "spf.ip_not_covered"],
     {"sending_ips": "203.0.113.10", "dnsbl_listed": 0,
      "spf": "v=spf1 ip4:203.0.113.10 -all", "spf_lookups": 0,
      "spf_lookups_strict": 0, "spf_void_lookups": 0}, {}, "rules.met"),
    (["sender.test", "--ip", "203.0.113.66", "--helo", "mail.sender.test"],
     ["dnsbl.listed", "ptr.generic", "ptr.helo_mismatch",
      "spf.ip_not_covered", "spf.fix_record"], ["ptr.missing", "spf.pass"],
     {"dnsbl_listed": 1},
     {"dnsbl.listed": "http://bl.test/lookup",
      "spf.fix_record": "v=spf1 ip4:203.0.113.10 ip4:203.0.113.66 -all"},
     "rules.bulk_not_met"),
    (["sender.test", "--ip", "203.0.113.77"], ["ptr.missing", "dnsbl.clean"],
     ["dnsbl.listed"], {}, {"ptr.missing": "mail.sender.test"}),
    (["sender.test", "--ip", "203.0.113.201"], ["dnsbl.listed_policy"],
     ["dnsbl.listed"], {}, {}),
    # The error code is "refused", never "listed".
    (["sender.test", "--ip", "203.0.113.99"], ["dnsbl.query_refused"],
     ["dnsbl.listed", "dnsbl.listed_policy", "dnsbl.clean"],
     {"dnsbl_listed": 0}, {}),
    (["sender.test", "--ip", "203.0.113.10", "--helo", "mail.sender.test"],
     ["ptr.helo_ok", "rules.met", "spf.pass"],
     ["ptr.helo_mismatch", "spf.ip_not_covered"], {}, {}, "rules.met"),
    # SPF: the record audit and check_host of --ip, per lab zone.
    (["spf-good.test", "--ip", "203.0.113.10"], ["spf.pass"],
     ["spf.ip_not_covered", "spf.fix_record", "spf.none"],
     {"spf": "v=spf1 ip4:203.0.113.10 -all", "spf_lookups": 0,
      "spf_void_lookups": 0, "sending_ips": "203.0.113.10"}, {},
     "rules.met"),
    (["spf-good.test", "--ip", "203.0.113.77"], ["spf.ip_not_covered"],
     ["spf.pass"], {},
     {"spf.fix_record": "v=spf1 ip4:203.0.113.10 ip4:203.0.113.77 -all"},
     "rules.bulk_not_met"),
    (["spf-chain.test"], ["spf.ok"], ["spf.too_many_lookups"],
     {"spf_lookups": 2}, {}, "rules.met"),
    # A clean record without --ip still leaves a finding: SPF was checked.
    (["spf-good.test"], ["spf.ok"], ["spf.pass", "spf.ip_not_covered",
                                     "spf.fix_record"],
     {"spf_lookups": 0}, {}, "rules.met"),
    (["spf-toomany.test"], ["spf.too_many_lookups"], ["spf.pass", "spf.ok"],
     {"spf_lookups": 11, "spf_lookups_strict": 12,
      "sending_ips": "203.0.113.10, 198.51.100.111"}, {},
     "rules.bulk_not_met"),
    # Listed in the record, but check_host stops at the 11th lookup: the
    # record is broken (permerror), the address is not missing from it.
    (["spf-toomany.test", "--ip", "203.0.113.10"],
     ["spf.too_many_lookups", "spf.permerror"],
     ["spf.pass", "spf.ip_not_covered", "spf.ok"], {},
     {"spf.too_many_lookups": "ip4:203.0.113.10"}, "rules.bulk_not_met"),
    (["spf-void.test"], ["spf.too_many_void", "spf.void_lookup"], [],
     {"spf_void_lookups": 3},
     {"spf.fix_record": "v=spf1 ip4:203.0.113.10 -all"},
     "rules.bulk_not_met"),
    (["spf-loop.test"], ["spf.include_loop"], [], {}, {},
     "rules.bulk_not_met"),
    (["spf-multi.test"], ["spf.multiple_records"], [],
     {"spf": None, "spf_lookups": None}, {}, "rules.bulk_not_met"),
    (["spf-plusall.test"], ["spf.plus_all"], [], {},
     {"spf.plus_all": "~all"}, None),
    (["spf-ptr.test"], ["spf.ptr"], [], {}, {}, None),
    (["spf-mxcount.test"], ["spf.lookups_disputed"],
     ["spf.too_many_lookups"],
     {"spf_lookups": 8, "spf_lookups_strict": 11}, {}, "rules.met"),
]

# Text output (no --json): (args, lines that must appear).
TEXT_CASES = [
    (["spf-good.test"],
     ["SPF", "  info: The SPF record of spf-good.test is valid: "
      "0 of 10 DNS lookups"]),
]


def main():
    ns = os.environ.get("MAILWHY_LAB_NS") or "mailwhy-lab"
    if not os.path.exists(f"/run/netns/{ns}"):
        print("SKIP: the lab is not running (mailwhy lab up, as root)")
        return 77
    failures = 0
    for args, want, unwanted, facts, remedies, *rule in CASES:
        out = subprocess.run([MAILWHY, "domain", "--lab", "--json"] + args,
                             capture_output=True, text=True, timeout=60)
        try:
            obj = json.loads(out.stdout)
        except ValueError:
            print(f"FAIL {args}: no JSON; stderr: {out.stderr}")
            failures += 1
            continue
        codes = {f["code"] for f in obj["findings"]}
        errs = [f"missing {c}" for c in want if c not in codes]
        errs += [f"unexpected {c}" for c in unwanted if c in codes]
        errs += [f"{k}={obj.get(k, '<absent>')!r}, want {v!r}"
                 for k, v in facts.items() if obj.get(k, "<absent>") != v]
        for code, text in remedies.items():
            rem = [f["remedy"] for f in obj["findings"] if f["code"] == code]
            if not any(text in r for r in rem):
                errs.append(f"{code} remedy lacks {text!r}: {rem}")
        if rule and rule[0] is not None:
            got = [f["code"] for f in obj["findings"]
                   if f["code"].startswith("rules.")
                   and f["args"][0].startswith(SPF_RULE)]
            if got != [rule[0]]:
                errs.append(f"SPF requirement {got}, want {rule[0]}")
        if obj.get("dns") != "checked":
            errs.append(f"dns={obj.get('dns')!r}")
        if out.returncode != (1 if any(f["severity"] != "info"
                                       for f in obj["findings"]) else 0):
            errs.append(f"exit status {out.returncode}")
        print(f"{'ok  ' if not errs else 'FAIL'} {' '.join(args)}: "
              f"{sorted(c for c in codes if not c.startswith('rules.'))}"
              + (f" -- {'; '.join(errs)}" if errs else ""))
        failures += bool(errs)
    for args, lines in TEXT_CASES:
        out = subprocess.run([MAILWHY, "domain", "--lab"] + args,
                             env=dict(os.environ, LANG="C", LC_ALL="C"),
                             capture_output=True, text=True, timeout=60)
        got = out.stdout.splitlines()
        missing = [ln for ln in lines if ln not in got]
        print(f"{'ok  ' if not missing else 'FAIL'} text {' '.join(args)}"
              + (f" -- missing {missing}" if missing else ""))
        failures += bool(missing)
    total = len(CASES) + len(TEXT_CASES)
    print(f"domain against the lab: {total - failures}/{total} cases right")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
