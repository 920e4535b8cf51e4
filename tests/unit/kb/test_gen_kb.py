#!/usr/bin/env python3
"""The knowledge-base generator accepts the shipped data and rejects bad
data (upper case, bad syntax, duplicates, dangling squats, a legit domain
that is also a squat, a TLD typo that is a correct suffix, no header).

Usage: test_gen_kb.py GEN_KB.PY DATA_DIR
"""
import os
import subprocess
import sys
import tempfile

FILES = ["providers.tsv", "typosquats.tsv", "lookalike-legit.txt",
         "tld-typos.tsv", "role-accounts.txt", "disposable.txt",
         "cctld.txt"]
HEADER = "# test data\n# Sources: test\n"


def run(gen, d):
    out = os.path.join(d, "kb_data.c")
    p = subprocess.run([sys.executable, gen, out] +
                       [os.path.join(d, f) for f in FILES],
                       capture_output=True, text=True)
    return p.returncode, p.stderr


def good():
    return {
        "providers.tsv": "gmail.com\tGmail\tworld\tgoogle\n"
                         "mail.ru\tMail.ru\tRU\tvk\n",
        "typosquats.tsv": "gmial.com\tgmail.com\tobserved pattern\n",
        "lookalike-legit.txt": "gmx.com\tGMX\n",
        "tld-typos.tsv": "con\tcom\tn next to m\n",
        "role-accounts.txt": "info\nno-reply\n",
        "disposable.txt": "mailinator.com\n",
        "cctld.txt": "ru\nde\nco\n",
    }


def write(d, files, header=True):
    for name, body in files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write((HEADER if header else "") + body)


BAD = [
    ("upper case", "providers.tsv", "Gmail.com\tGmail\tworld\tgoogle\n",
     "not lower case"),
    ("bad syntax", "disposable.txt", "-bad-.com\n", "not valid LDH"),
    ("no dot", "disposable.txt", "localhost\n", "not valid LDH"),
    ("duplicate", "disposable.txt", "a.com\na.com\n", "duplicate"),
    ("dangling squat", "typosquats.tsv", "gmial.com\tgmil.com\tx\n",
     "is not in"),
    ("legit squat", "lookalike-legit.txt", "gmial.com\tx\n",
     "also listed as a typo-squat"),
    ("tld typo is real", "tld-typos.tsv", "con\tcom\tx\ncom\tnet\tx\n",
     "also a correct suffix"),
    ("missing field", "providers.tsv", "gmail.com\tGmail\n",
     "tab-separated"),
    ("bad role", "role-accounts.txt", "Info\n", "want lower-case"),
    ("disposable provider", "disposable.txt", "gmail.com\n",
     "provider or legit"),
    ("tld typo is a ccTLD", "tld-typos.tsv", "co\tcom\tx\n",
     "delegated ccTLD"),
    ("bad ccTLD", "cctld.txt", "rus\n", "two lower-case letters"),
]


def main():
    gen, data = sys.argv[1], sys.argv[2]
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([sys.executable, gen, os.path.join(d, "o.c")] +
                           [os.path.join(data, f) for f in FILES],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("shipped data rejected:\n" + p.stderr)
            failures += 1
        else:
            print("ok - shipped data accepted")
    with tempfile.TemporaryDirectory() as d:
        write(d, good())
        rc, err = run(gen, d)
        if rc != 0:
            print("good fixture rejected:\n" + err)
            failures += 1
        for name, f, body, want in BAD:
            files = good()
            files[f] = body
            write(d, files)
            rc, err = run(gen, d)
            if rc == 0 or want not in err:
                print("not ok - %s: rc=%d, stderr=%r" % (name, rc, err))
                failures += 1
            else:
                print("ok - %s rejected" % name)
        write(d, good(), header=False)
        rc, err = run(gen, d)
        if rc == 0 or "header comment" not in err:
            print("not ok - missing header accepted")
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
