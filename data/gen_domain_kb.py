#!/usr/bin/env python3
"""gen_domain_kb.py - turn the domain-audit data in data/ into
kb_domain_data.c (declared in lib/kb/kb_domain.h).

Usage: gen_domain_kb.py OUT.c dkim-selectors.txt generic-ptr.txt \
           dnsbl.tsv provider-rules.tsv

Like gen_kb.py it is also the data's linter: a bad line fails the build
with file:line and the reason (a selector or word that is not one DNS
label, a duplicate, a code outside 127/8 or for an unknown zone, a rule
with an unknown requirement or scope, a file without a sources header).
"""

import ipaddress
import re
import sys

from kbfile import cstr, fail, report, rows

LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$")
ZONE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CATS = ["spam", "exploit", "policy", "domain", "refused", "invalid"]
KINDS = ["ip", "domain"]
USES = ["default", "off", "lab"]
SCOPES = ["all", "bulk"]
# Must match lib/domain/rules.c (its table is checked against this one
# by a _Static_assert on the count).
REQS = ["spf_or_dkim", "spf", "dkim", "spf_and_dkim", "dkim_1024", "ptr",
        "dmarc", "rua", "alignment", "tls", "spam_rate", "rfc5322",
        "no_gmail_from", "arc", "unsubscribe", "unsub_2days", "opt_in",
        "consistent"]
ZONES_MAX = 32          # MW_DNSBL_ZONES_MAX in lib/util/limits.h
SELECTORS_MAX = 64      # MW_DKIM_SELECTORS_MAX

def words(path, what):
    out, seen = [], {}
    for where, c in rows(path, 1, 1):
        w = c[0]
        if not LABEL.match(w):
            fail(where, "%s %r is not one lower-case DNS label" % (what, w))
        elif w in seen:
            fail(where, "duplicate %s %r (first at %s)" % (what, w, seen[w]))
        else:
            seen[w] = where
            out.append(w)
    return out


def ip127(where, s):
    try:
        a = ipaddress.IPv4Address(s)
    except ValueError:
        fail(where, "%r is not an IPv4 address" % s)
        return None
    if not s.startswith("127."):
        fail(where, "%s is outside 127.0.0.0/8 (RFC 5782 2.1)" % s)
        return None
    return int(a)


def main(argv):
    if len(argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    out, f_sel, f_ptr, f_bl, f_rules = argv[1:]
    sels = words(f_sel, "selector")
    if len(sels) > SELECTORS_MAX:
        fail(f_sel, "more than %d selectors" % SELECTORS_MAX)
    ptrw = sorted(words(f_ptr, "word"))

    zones, zidx, codes = [], {}, {}
    for where, c in rows(f_bl, 5, 7):
        if len(c) == 6:
            fail(where, "want 5 (code) or 7 (zone) tab-separated fields")
            continue
        if c[0] == "zone" and len(c) == 7:
            z, name, kind, use, delist, src = c[1:]
            if not ZONE.match(z):
                fail(where, "zone %r is not a domain name" % z)
            if z in zidx:
                fail(where, "duplicate zone %r" % z)
            if kind not in KINDS:
                fail(where, "kind %r: want %s" % (kind, "/".join(KINDS)))
            if use not in USES:
                fail(where, "use %r: want %s" % (use, "/".join(USES)))
            if not re.match(r"^(https?://|lab/)", delist + " ") and \
                    not delist.startswith("http"):
                fail(where, "delisting URL %r is not http(s)" % delist)
            zidx[z] = len(zones)
            zones.append([z, name, kind, use, delist, src])
            codes[z] = []
        elif c[0] == "code" and len(c) == 5:
            z, rng, cat, meaning = c[1:]
            if z not in zidx:
                fail(where, "code for zone %r before its zone line" % z)
                continue
            if cat not in CATS:
                fail(where, "category %r: want %s" % (cat, "/".join(CATS)))
                continue
            lo, _, hi = rng.partition("-")
            a, b = ip127(where, lo), ip127(where, hi or lo)
            if a is None or b is None:
                continue
            if b < a:
                fail(where, "range %s ends before it starts" % rng)
                continue
            for x in codes[z]:
                if not (b < x[0] or a > x[1]):
                    fail(where, "range %s overlaps another of %s" % (rng, z))
            codes[z].append((a, b, CATS.index(cat), meaning))
        else:
            fail(where, "want 'zone' with 7 fields or 'code' with 5")
    if len(zones) > ZONES_MAX:
        fail(f_bl, "more than %d zones" % ZONES_MAX)
    for z in zones:
        if not codes[z[0]]:
            fail(f_bl, "zone %s has no codes" % z[0])

    rules = []
    for where, c in rows(f_rules, 4, 4):
        prov, scope, req, src = c
        if scope not in SCOPES:
            fail(where, "scope %r: want %s" % (scope, "/".join(SCOPES)))
        elif req not in REQS:
            fail(where, "unknown requirement %r" % req)
        elif not src.startswith("https://"):
            fail(where, "source %r is not an https URL" % src)
        else:
            rules.append((prov, scope, REQS.index(req), src))

    if report("gen_domain_kb", sys.stderr):
        return 1

    o = ["/* Generated by data/gen_domain_kb.py from data/: do not edit. */",
         '#include "kb/kb_domain.h"', ""]
    o.append("const char *const mw__kb_dkim_selectors[] = {")
    o += ["\t%s," % cstr(s) for s in sels]
    o.append("};")
    o.append("const size_t mw__kb_ndkim_selectors = %d;" % len(sels))
    o.append("const char *const mw__kb_generic_ptr[] = {")
    o += ["\t%s," % cstr(s) for s in ptrw]
    o.append("};")
    o.append("const size_t mw__kb_ngeneric_ptr = %d;" % len(ptrw))
    o.append("const struct mw__kb_dnsbl_code mw__kb_dnsbl_codes[] = {")
    first = []
    for z in zones:
        first.append(sum(len(codes[y[0]]) for y in zones[:zones.index(z)]))
        for a, b, cat, m in sorted(codes[z[0]]):
            o.append("\t{0x%08xu, 0x%08xu, %d, %s}," % (a, b, cat, cstr(m)))
    o.append("};")
    o.append("const struct mw__kb_dnsbl_zone mw__kb_dnsbl_zones[] = {")
    for z, f in zip(zones, first):
        o.append("\t{%s, %s, %d, %d, %s, %s, %d, %d}," % (
            cstr(z[0]), cstr(z[1]), KINDS.index(z[2]), USES.index(z[3]),
            cstr(z[4]), cstr(z[5]), f, len(codes[z[0]])))
    o.append("};")
    o.append("const size_t mw__kb_ndnsbl_zones = %d;" % len(zones))
    o.append("const struct mw__kb_rule mw__kb_rules[] = {")
    for p, s, r, src in rules:
        o.append("\t{%s, %d, %d, %s}," % (cstr(p), SCOPES.index(s), r,
                                         cstr(src)))
    o.append("};")
    o.append("const size_t mw__kb_nrules = %d;" % len(rules))
    o.append("const size_t mw__kb_nrule_kinds = %d;" % len(REQS))
    with open(out, "w", encoding="ascii") as f:
        f.write("\n".join(o) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
