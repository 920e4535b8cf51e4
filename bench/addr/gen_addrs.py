#!/usr/bin/env python3
"""gen_addrs.py - writes a deterministic list of realistic addresses for
bench_addr and ev.js, one per line (UTF-8).

Usage: gen_addrs.py OUT [COUNT] [SEED]   (defaults: 1000000, 20261126)

Mix: ~70% valid plain (people's names at providers and at company
domains), ~10% typos (most of a provider's name or TLD, some of a company
domain's TLD), ~5% IDN (Cyrillic domains, UTF-8 local
parts), ~10% garbage, ~5% unusual but valid (quoted, +tags, IP literals,
deep subdomains).
"""
import random
import sys

FIRST = ("ivan anna sergey olga dmitry elena alexey maria john mary james "
         "linda michael sarah david emma pierre julie hans petra marco "
         "giulia wei li yuki kenji ahmed fatima carlos lucia tom kate "
         "nikolai tatiana pavel irina andrey natalia oleg svetlana").split()
LAST = ("ivanov petrova smirnov kuznetsova popov sokolova lebedev kozlova "
        "smith johnson brown taylor miller wilson moore martin bernard "
        "dubois muller schmidt schneider rossi russo wang zhang tanaka "
        "suzuki garcia lopez novak horvat kowalski nowak jensen hansen "
        "volkov morozova orlov egorova").split()
# Providers with rough weights (share of real consumer lists).
PROVIDERS = [("gmail.com", 30), ("yahoo.com", 8), ("hotmail.com", 8),
             ("outlook.com", 5), ("mail.ru", 6), ("yandex.ru", 6),
             ("icloud.com", 3), ("aol.com", 2), ("bk.ru", 2), ("list.ru", 2),
             ("inbox.ru", 2), ("rambler.ru", 2), ("ya.ru", 1),
             ("gmx.de", 2), ("web.de", 2), ("live.com", 2), ("msn.com", 1),
             ("comcast.net", 1), ("qq.com", 2), ("163.com", 1),
             ("naver.com", 1), ("orange.fr", 1), ("free.fr", 1),
             ("libero.it", 1), ("ukr.net", 1), ("proton.me", 1),
             ("protonmail.com", 1), ("me.com", 1), ("btinternet.com", 1),
             ("t-online.de", 1), ("googlemail.com", 1), ("yahoo.co.uk", 1)]
WORDS = ("acme north south east west global tech soft data cloud stroy "
         "invest trade group logistic market media print auto agro med "
         "pharm energo neft gaz bank fin consult design studio build "
         "service systems solutions lab works digital metal plast textil "
         "food water green blue red star sun alpha beta nova prime").split()
TLDS = [("com", 30), ("ru", 20), ("de", 6), ("net", 6), ("org", 5),
        ("io", 2), ("co.uk", 3), ("fr", 3), ("it", 2), ("nl", 2),
        ("com.au", 1), ("ua", 2), ("by", 1), ("kz", 1), ("pl", 2),
        ("su", 1), ("info", 1), ("biz", 1), ("es", 1), ("ca", 1)]
IDN_DOMAINS = ["кириллица.рф", "пример.рф", "почта.рф", "магазин.рус",
               "завод.рф", "школа.рф", "ромашка.рф", "москва.рф",
               "bücher.de", "müller.de", "exämple.com", "café.fr",
               "домен.укр", "сайт.бел", "例子.中国"]
IDN_LOCALS = ["иван", "анна.петрова", "почта", "info", "директор",
              "josé", "müller", "用户", "ivan"]
NEAR = {"q": "wa", "w": "qeas", "e": "wrsd", "r": "etdf", "t": "ryfg",
        "y": "tugh", "u": "yihj", "i": "uojk", "o": "ipkl", "p": "ol",
        "a": "sqwz", "s": "adwezx", "d": "sferxc", "f": "dgrtcv",
        "g": "fhtyvb", "h": "gjyubn", "j": "hkuinm", "k": "jliom",
        "l": "kop", "z": "xas", "x": "zcsd", "c": "xvdf", "v": "cbfg",
        "b": "vngh", "n": "bmhj", "m": "njk"}


def weighted(r, pairs):
    total = sum(w for _, w in pairs)
    x = r.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def local(r):
    f, l = r.choice(FIRST), r.choice(LAST)
    k = r.randrange(8)
    if k == 0:
        return f + "." + l
    if k == 1:
        return f + l
    if k == 2:
        return f[0] + "." + l
    if k == 3:
        return f + "_" + l
    if k == 4:
        return f + str(r.randrange(1, 2000))
    if k == 5:
        return l + str(r.randrange(60, 100))
    if k == 6:
        return f + "." + l + str(r.randrange(1, 99))
    return r.choice(["info", "sales", "office", "support", "admin",
                     "buh", "hr", "contact"]) if r.random() < 0.5 else f


def company(r):
    w = r.choice(WORDS) + r.choice(["", "-", ""]) + r.choice(WORDS)
    if r.random() < 0.2:
        w += str(r.randrange(1, 100))
    return w + "." + weighted(r, TLDS)


def typo(r, d):
    s = list(d)
    dot = d.index(".")
    k = r.randrange(6)
    i = r.randrange(max(1, dot))
    if k == 0 and dot > 1:          # swap
        i = r.randrange(dot - 1)
        s[i], s[i + 1] = s[i + 1], s[i]
    elif k == 1:                    # drop
        del s[i]
    elif k == 2:                    # double
        s.insert(i, s[i])
    elif k == 3 and s[i] in NEAR:   # neighbour key
        s[i] = r.choice(NEAR[s[i]])
    else:                           # TLD slip
        tld = d[dot + 1:]
        m = {"com": ["con", "cmo", "comm", "ocm", "co", "cpm"],
             "ru": ["ry", "ri", "rru"], "net": ["nte", "ner"],
             "de": ["dee", "ed"], "fr": ["frr", "rf"]}
        if tld in m:
            return d[:dot + 1] + r.choice(m[tld])
        s.insert(i, s[i])
    return "".join(s)


def garbage(r):
    k = r.randrange(10)
    ok = local(r) + "@" + r.choice([p for p, _ in PROVIDERS])
    if k == 0:
        return ok.replace("@", "")
    if k == 1:
        return ok.replace("@", "@@")
    if k == 2:
        return ok.replace(".", "..", 1)
    if k == 3:
        return ok.replace("@", " @ ") if r.random() < 0.5 else \
            ok.replace(".", " ", 1)
    if k == 4:
        return "x" * r.randrange(65, 120) + "@" + company(r)
    if k == 5:
        return "." + ok
    if k == 6:
        return ok + "."
    if k == 7:
        return r.choice(["", "@", "foo", "a@b@c", "<>", "@example.com",
                         "name@", "john doe@example.com", "a,b@example.com",
                         "(comment", "user@[300.1.1.1]", "user@-bad-.com"])
    if k == 8:
        return local(r) + "@" + ".".join(["l" * 63] * 5)
    return ok.replace("@", "#")


def unusual(r):
    k = r.randrange(7)
    if k == 0:
        return '"%s %s"@%s' % (r.choice(FIRST), r.choice(LAST), company(r))
    if k == 1:
        return local(r) + "+" + r.choice(["news", "shop", "tag1", "x"]) + \
            "@" + weighted(r, PROVIDERS)
    if k == 2:
        return local(r) + "@[192.0.2.%d]" % r.randrange(1, 255)
    if k == 3:
        return local(r) + "@[IPv6:2001:db8::%x]" % r.randrange(1, 65535)
    if k == 4:
        return local(r) + "@mail." + r.choice(WORDS) + "." + company(r)
    if k == 5:
        return str(r.randrange(100000, 99999999)) + "@" + company(r)
    return r.choice("abcdefghxyz") + "@" + company(r)


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20261126)
    provs = [p for p, _ in PROVIDERS]
    with open(out, "w", encoding="utf-8") as f:
        for _ in range(n):
            x = r.random()
            if x < 0.70:
                d = weighted(r, PROVIDERS) if r.random() < 0.55 else \
                    company(r)
                a = local(r) + "@" + d
            elif x < 0.80:
                if r.random() < 0.85:
                    a = local(r) + "@" + typo(r, r.choice(provs[:14]))
                else:       # a company domain with a TLD slip
                    c = company(r)
                    a = local(r) + "@" + c[:c.index(".") + 1] + r.choice(
                        ["con", "cmo", "comm", "ry", "nte", "ogr", "co.ul"])
            elif x < 0.85:
                a = r.choice(IDN_LOCALS) + "@" + r.choice(IDN_DOMAINS) \
                    if r.random() < 0.5 else \
                    local(r) + "@" + r.choice(IDN_DOMAINS)
            elif x < 0.95:
                a = garbage(r)
            else:
                a = unusual(r)
            f.write(a.replace("\n", " ") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
