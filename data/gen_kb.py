#!/usr/bin/env python3
"""gen_kb.py - turn the knowledge-base files in data/ into kb_data.c.

Usage: gen_kb.py OUT.c providers.tsv typosquats.tsv lookalike-legit.txt \
           tld-typos.tsv role-accounts.txt disposable.txt cctld.txt

Nothing is read at run time: every fact becomes a const table in the
library.  The generator is also the data's linter: a bad line (upper case,
bad domain syntax, duplicate, a squat that points nowhere, a "legit" domain
that is also a squat, a TLD typo that is a correct TLD) fails the build
with file:line and the reason.

Emitted (declared in lib/kb/kb_int.h):
  mw__kb_providers[]      providers in rank order (file order)
  mw__kb_targets[]        typo targets sorted by length, with the
                          character-class mask typo.c prefilters on and
                          the built-in cost threshold (threshold())
  mw__kb_target_from[]    first target index of each length
  mw__kb_first/second/third/first_near[class][]
                          bitsets of targets by their first three
                          characters (and first-key neighbours)
  mw__kb_cls[], mw__kb_near[]
                          character classes and QWERTY neighbours
  mw__kb_domains[]        open-addressing hash (FNV-1a, linear probing,
                          load <= 1/2) of every listed domain, suffix typo
                          and ccTLD, with flags
  mw__kb_tld_typos[]      suffix typo -> suffix meant
  mw__kb_roles[]          sorted, for binary search
The hash must match lib/kb/kb_int.h, the classes and masks typo.c.
"""

import re
import sys

from kbfile import cstr, fail, report, rows

TARGET_MAX = 63         # MW_TYPO_TARGET_MAX in lib/util/limits.h
TARGETS_MAX = 512       # MW_TYPO_TARGETS_MAX in lib/util/limits.h
TWORDS = TARGETS_MAX // 64
# QWERTY rows, staggered: a key's neighbours are the keys beside it and
# the two above and below it (typo.c prices those substitutions lower).
KEY_ROWS = ["1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
# Look-alikes typed for each other.
LOOKALIKE_KEYS = [("0", "o"), ("1", "l")]
LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = re.compile(r"^(?:%s\.)+%s$" % (LABEL, LABEL))
SUFFIX_RE = re.compile(r"^(?:%s\.)*%s$" % (LABEL, LABEL))
LOCAL_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*[a-z0-9]$|^[a-z0-9]$")

F_PROVIDER, F_LEGIT, F_SQUAT, F_DISPOSABLE, F_TLDFIX, F_CCTLD = \
    1, 2, 4, 8, 16, 32

def check_domain(where, d, rx=DOMAIN_RE, what="domain"):
    if d != d.lower():
        fail(where, "%s %r is not lower case" % (what, d))
        return False
    if not d.isascii() or not rx.match(d) or len(d) > 253:
        fail(where, "%s %r is not valid LDH syntax" % (what, d))
        return False
    return True


def unique(where, seen, key, what):
    if key in seen:
        fail(where, "duplicate %s %r (first at %s)" % (what, key, seen[key]))
        return False
    seen[key] = where
    return True


def fnv1a(s):
    h = 0x811C9DC5
    for b in s.encode("ascii"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def cls(ch):
    """Character class; must match the table typo.c indexes with bytes."""
    if "a" <= ch <= "z":
        return ord(ch) - ord("a")
    if "0" <= ch <= "9":
        return 26 + ord(ch) - ord("0")
    if ch == "-":
        return 36
    if ch == ".":
        return 37
    return 38


def near_table():
    """Bitset of neighbouring classes for each class."""
    near = [0] * 40
    pos = {}
    for r, row in enumerate(KEY_ROWS):
        for c, ch in enumerate(row):
            pos[ch] = (r, c)

    def link(a, b):
        near[cls(a)] |= 1 << cls(b)
        near[cls(b)] |= 1 << cls(a)

    for ch, (r, c) in pos.items():
        for other, (r2, c2) in pos.items():
            if other == ch:
                continue
            # Same row: beside.  Row below: the rows are shifted right by
            # about half a key, so (r+1, c-1) and (r+1, c) touch (r, c).
            if (r2 == r and abs(c2 - c) == 1) or \
               (r2 == r + 1 and c2 in (c - 1, c)):
                link(ch, other)
    link(".", "l")
    for a, b in LOOKALIKE_KEYS:
        link(a, b)
    return near


def mask(s):
    """Character-class presence bits (1 << cls); must match typo.c."""
    m = 0
    for ch in s:
        m |= 1 << cls(ch)
    return m


def threshold(sld_len):
    """The built-in cost threshold; must match threshold() in typo.c (the
    differential test in tests/unit/kb/test_typo.c holds them equal)."""
    if sld_len <= 3:
        return 5
    if sld_len <= 5:
        return 12
    return 16


def main(argv):
    if len(argv) != 9:
        sys.stderr.write(__doc__)
        return 2
    out, f_prov, f_squat, f_legit, f_tld, f_role, f_disp, f_cc = argv[1:]
    providers, seen = [], {}
    for where, c in rows(f_prov, 4, 4):
        d = c[0]
        if check_domain(where, d) and unique(where, seen, d, "provider"):
            if len(d) > TARGET_MAX:
                fail(where, "provider domain longer than %d" % TARGET_MAX)
            providers.append((d, c[1], c[2], c[3]))
    pidx = {p[0]: i for i, p in enumerate(providers)}

    squats, seen = [], {}
    for where, c in rows(f_squat, 3, 3):
        d, meant = c[0], c[1]
        if not (check_domain(where, d) and check_domain(where, meant)):
            continue
        if not unique(where, seen, d, "typo-squat"):
            continue
        if meant not in pidx:
            fail(where, "%r is not in %s" % (meant, f_prov))
        elif d in pidx:
            fail(where, "%r is a provider, not a squat" % d)
        elif d == meant:
            fail(where, "squat equals its target")
        else:
            squats.append((d, pidx[meant]))
    squat_set = {s[0] for s in squats}

    legit, seen = [], {}
    for where, c in rows(f_legit, 1, 2):
        d = c[0]
        if check_domain(where, d) and unique(where, seen, d, "domain"):
            if d in squat_set:
                fail(where, "%r is also listed as a typo-squat" % d)
            legit.append(d)

    tlds, seen = [], {}
    for where, c in rows(f_tld, 3, 3):
        t, fix = c[0], c[1]
        if not (check_domain(where, t, SUFFIX_RE, "suffix") and
                check_domain(where, fix, SUFFIX_RE, "suffix")):
            continue
        if unique(where, seen, t, "TLD typo"):
            tlds.append((t, fix))
    cctlds, seen = [], {}
    for where, c in rows(f_cc, 1, 1):
        cc = c[0]
        if not re.match(r"^[a-z]{2}$", cc):
            fail(where, "ccTLD %r: want two lower-case letters" % cc)
        elif unique(where, seen, cc, "ccTLD"):
            cctlds.append(cc)
    fixes = {f for _, f in tlds}
    for t, _ in tlds:
        if t in fixes:
            fail(f_tld, "typo %r is also a correct suffix" % t)
        if t in seen:
            fail(f_tld, "typo %r is a delegated ccTLD (%s)" % (t, f_cc))

    roles, seen = [], {}
    for where, c in rows(f_role, 1, 1):
        r = c[0]
        if r != r.lower() or not r.isascii() or not LOCAL_RE.match(r):
            fail(where, "role %r: want lower-case [a-z0-9._-]" % r)
        elif len(r) > 64:
            fail(where, "role longer than a local part (64)")
        elif unique(where, seen, r, "role"):
            roles.append(r)

    disp, seen = [], {}
    for where, c in rows(f_disp, 1, 1):
        d = c[0]
        if check_domain(where, d) and unique(where, seen, d, "domain"):
            if d in pidx or d in legit:
                fail(where, "%r is a provider or legit domain" % d)
            disp.append(d)

    if report("gen_kb", sys.stderr):
        return 1

    # One hash over every domain the lists name.
    entries = {}

    def add(d, flag, prov=0xFFFF, meant=0xFFFF):
        e = entries.setdefault(d, [0, 0xFFFF, 0xFFFF])
        e[0] |= flag
        if prov != 0xFFFF:
            e[1] = prov
        if meant != 0xFFFF:
            e[2] = meant

    for i, p in enumerate(providers):
        add(p[0], F_PROVIDER, prov=i)
    for d in legit:
        add(d, F_LEGIT)
    for d, m in squats:
        add(d, F_SQUAT, meant=m)
    for d in disp:
        add(d, F_DISPOSABLE)
    # Mistyped suffixes share the hash ("meant" indexes mw__kb_tld_typos);
    # none may also be a listed domain.
    tlds_sorted = sorted(tlds)
    for k, (t, _) in enumerate(tlds_sorted):
        if t in entries:
            sys.stderr.write("gen_kb: suffix typo %r is also a listed "
                             "domain\n" % t)
            return 1
        add(t, F_TLDFIX, meant=k)
    for cc in cctlds:
        add(cc, F_CCTLD)
    size = 1
    while size < 2 * len(entries):
        size *= 2
    slots = [None] * size
    for d in sorted(entries):
        h = fnv1a(d) & (size - 1)
        while slots[h] is not None:
            h = (h + 1) & (size - 1)
        slots[h] = d

    targets = sorted(((len(p[0]), i) for i, p in enumerate(providers)))
    if len(targets) > TARGETS_MAX:
        sys.stderr.write("gen_kb: %d providers, the typo index holds %d: "
                         "raise MW_TYPO_TARGETS_MAX\n"
                         % (len(targets), TARGETS_MAX))
        return 1
    # First-positions index: which targets have each class as their
    # first, second and third character.
    first = [[0] * TWORDS for _ in range(40)]
    second = [[0] * TWORDS for _ in range(40)]
    third = [[0] * TWORDS for _ in range(40)]
    for k, (_, i) in enumerate(targets):
        d = providers[i][0]
        first[cls(d[0])][k // 64] |= 1 << (k % 64)
        second[cls(d[1])][k // 64] |= 1 << (k % 64)
        third[cls(d[2])][k // 64] |= 1 << (k % 64)
    target_from = []
    k = 0
    for length in range(TARGET_MAX + 2):
        while k < len(targets) and targets[k][0] < length:
            k += 1
        target_from.append(k)

    o = []
    o.append("/* Generated by data/gen_kb.py from the files in data/: "
             "do not edit. */")
    o.append('#include "kb/kb_int.h"')
    o.append("")
    o.append("const struct mw_kb_provider mw__kb_providers[] = {")
    for p in providers:
        o.append("\t{%s, %s, %s, %s}," % tuple(cstr(x) for x in p))
    o.append("};")
    o.append("const size_t mw__kb_nproviders = %d;" % len(providers))
    o.append("")
    o.append("const struct mw__kb_target mw__kb_targets[] = {")
    for length, i in targets:
        d = providers[i][0]
        o.append("\t{%s, %d, %d, %d, 0x%010xu, %d}," %
                 (cstr(d), length, d.index("."), threshold(d.index(".")),
                  mask(d), i))
    o.append("};")
    o.append("const size_t mw__kb_ntargets = %d;" % len(targets))
    o.append("const uint16_t mw__kb_target_from[MW_TYPO_TARGET_MAX + 2] = {")
    for i in range(0, len(target_from), 12):
        o.append("\t" + ", ".join(str(x) for x in target_from[i:i + 12]) +
                 ",")
    o.append("};")
    o.append("_Static_assert(%d <= MW_TYPO_TARGETS_MAX, "
             "\"raise MW_TYPO_TARGETS_MAX\");" % len(targets))
    near = near_table()
    first_near = [[0] * TWORDS for _ in range(40)]
    for c in range(40):
        for k in range(40):
            if near[c] >> k & 1:
                for w in range(TWORDS):
                    first_near[c][w] |= first[k][w]
    for name, tab in (("first", first), ("second", second),
                      ("third", third), ("first_near", first_near)):
        o.append("const uint64_t mw__kb_%s[40][MW__KB_TWORDS] = {" % name)
        for row in tab:
            o.append("\t{" + ", ".join("0x%016xu" % w for w in row) + "},")
        o.append("};")
    o.append("const uint8_t mw__kb_cls[256] = {")
    vals = [cls(chr(b)) if b < 128 else 38 for b in range(256)]
    for i in range(0, 256, 16):
        o.append("\t" + ", ".join(str(v) for v in vals[i:i + 16]) + ",")
    o.append("};")
    o.append("const uint64_t mw__kb_near[40] = {")
    for v in near_table():
        o.append("\t0x%016xu," % v)
    o.append("};")
    o.append("")
    o.append("const struct mw__kb_entry mw__kb_domains[] = {")
    for d in slots:
        if d is None:
            o.append("\t{NULL, 0, 0, 0, 0},")
        else:
            f, prov, meant = entries[d]
            o.append("\t{%s, %d, %d, %d, %d}," %
                     (cstr(d), len(d), f, prov, meant))
    o.append("};")
    o.append("const size_t mw__kb_domains_size = %d;" % size)
    o.append("")
    o.append("const struct mw__kb_tld_typo mw__kb_tld_typos[] = {")
    for t, fix in tlds_sorted:
        o.append("\t{%s, %s}," % (cstr(t), cstr(fix)))
    o.append("};")
    o.append("const size_t mw__kb_ntld_typos = %d;" % len(tlds))
    o.append("")
    o.append("const char *const mw__kb_roles[] = {")
    for r in sorted(roles):
        o.append("\t%s," % cstr(r))
    o.append("};")
    o.append("const size_t mw__kb_nroles = %d;" % len(roles))
    o.append("")
    o.append("const struct mw__kb_counts mw__kb_counts = {%d, %d, %d, %d, "
             "%d, %d};" % (len(providers), len(squats), len(legit),
                           len(tlds), len(roles), len(disp)))
    with open(out, "w", encoding="ascii") as f:
        f.write("\n".join(o) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
