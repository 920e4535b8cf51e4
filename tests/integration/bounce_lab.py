#!/usr/bin/env python3
"""Integration: real bounces from the lab's Postfix, through `mailwhy bounce`.

The lab's sending Postfix (mail.sender.test) sends one letter per case from
newsletter-<run id>@sender.test; the lab MX (mx.good.test) and the lab DNS
make each fail the way the table says.  The DSNs Postfix returns land in the
sender's catch-all maildir; this run's are copied to a work directory in the
lab state dir (never the source tree) and `mailwhy bounce --json` must give
each failed recipient its reason (sisimai's vocabulary), status, hard/soft
and remote MTA.  The letter to alice@good.test must arrive and not bounce.

The deadmx.test letter is deferred (connection refused) until the queue
lifetime (25 s) runs out: the test takes ~30-35 s.  Needs root (sendmail -C
with the lab's config); skips (exit 77) when the lab or its Postfix is not
up.  Honours MAILWHY_LAB_NS like lab/lab.sh.
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

SRC = os.environ.get("MW_SOURCE_ROOT") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
LAB = os.path.join(SRC, "lab", "lab.sh")
MAILWHY = os.path.join(os.environ.get("MW_BUILD_ROOT", "build"), "cli", "mailwhy")
DEADLINE = 60  # seconds for every DSN to come back

BIG = 2 * 1024 * 1024  # over the MX's 1 MB message_size_limit
# (recipient, body size) -> reason, statuses allowed, hard, remote MTA,
# reply code (None: Postfix decided itself, no SMTP reply)
CASES = {
    ("nosuchuser@good.test", 0): ("userunknown", {"5.1.1"}, True, "mx.good.test", 550),
    ("full@good.test", 0): ("mailboxfull", {"5.2.2"}, False, "mx.good.test", 552),
    ("disabled@good.test", 0): ("suspend", {"5.2.1"}, False, "mx.good.test", 550),
    ("user@nullmx.test", 0): ("notaccept", {"5.1.0", "5.1.10"}, True, "", None),
    ("user@nxdomain.test", 0): ("hostunknown", {"5.4.4", "5.1.2"}, True, "", None),
    ("alice@good.test", BIG): ("mesgtoobig", {"5.3.4"}, False, "", None),
    ("user@deadmx.test", 0): ("expired", {"4.4.1"}, False, "", None),
}
DELIVERED = "alice@good.test"  # a small letter: must arrive, no bounce


def lab_env():
    out = subprocess.run([LAB, "env"], capture_output=True, text=True,
                         check=True).stdout
    env = {}
    for line in out.splitlines():
        if "=" in line and not line.startswith("export"):
            k, v = line.split("=", 1)
            env[k] = shlex.split(v)[0] if v else ""
    return env


def maildir_files(path):
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        if os.path.isdir(d):
            for f in os.listdir(d):
                yield os.path.join(d, f)


def files_mentioning(path, needle):
    hits = []
    for f in maildir_files(path):
        try:
            with open(f, "rb") as fh:
                if needle in fh.read(65536):
                    hits.append(f)
        except OSError:
            pass  # moved from new/ to cur/ meanwhile
    return hits


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root (sendmail -C with the lab's Postfix config)")
        return 77
    ns = os.environ.get("MAILWHY_LAB_NS") or "mailwhy-lab"
    if not os.path.exists(f"/run/netns/{ns}"):
        print(f"SKIP: the lab is not running (lab/lab.sh up, as root; ns {ns})")
        return 77
    st = subprocess.run([LAB, "status"], capture_output=True, text=True)
    if st.returncode != 0:
        print("SKIP: the lab is not fully up (a lab without Postfix? "
              "run lab/lab.sh up):\n" + st.stdout)
        return 77
    env = lab_env()
    dsn_dir, mx_dir = env["MW_LAB_SENDER_MAILDIR"], env["MW_LAB_MX_MAILDIR"]

    t0 = time.monotonic()
    run = f"{int(time.time())}-{os.getpid()}"
    sender = f"newsletter-{run}@sender.test"
    for rcpt, size in list(CASES) + [(DELIVERED, 0)]:
        cmd = [LAB, "send", sender, rcpt] + ([str(size)] if size else [])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL: {' '.join(cmd)}: {r.stderr.strip()}")
            return 1
    print(f"sent {len(CASES) + 1} letters from {sender}")

    # Wait for one DSN per failing case, and for alice's letter.
    needle = sender.encode()
    dsns, delivered = [], []
    while time.monotonic() - t0 < DEADLINE:
        dsns = files_mentioning(dsn_dir, b"To: " + needle)
        delivered = files_mentioning(os.path.join(mx_dir, "alice"), needle)
        if len(dsns) >= len(CASES) and delivered:
            break
        time.sleep(0.5)
    waited = time.monotonic() - t0
    print(f"{len(dsns)} DSNs for {sender} and {len(delivered)} delivered "
          f"letter(s) after {waited:.1f} s")

    # This run's DSNs only, in the lab state dir (other runs share the maildir).
    work = os.path.join(env["MW_LAB_STATE"], "tmp", f"bounce-lab-{run}")
    os.makedirs(os.path.join(work, "new"))
    for f in dsns:
        shutil.copy(f, os.path.join(work, "new"))
    out = subprocess.run([MAILWHY, "bounce", "--json", work],
                         capture_output=True, text=True, timeout=60)
    objs = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    got = {}
    for o in objs:
        if "recipient" in o:
            got.setdefault(o["recipient"].lower(), []).append(o)

    failures = 0
    for (rcpt, size), (reason, statuses, hard, mta, code) in CASES.items():
        errs = []
        objs_r = got.get(rcpt, [])
        o = None
        if rcpt == DELIVERED:  # the big letter's bounce, not the small one's
            objs_r = [x for x in objs_r if x["reason"] == reason] or objs_r
        if len(objs_r) != 1:
            errs.append(f"{len(objs_r)} bounce objects, want 1")
        else:
            o = objs_r[0]
            if o["reason"] != reason:
                errs.append(f"reason {o['reason']}, want {reason}")
            if o["status"] not in statuses:
                errs.append(f"status {o['status']}, want {sorted(statuses)}")
            if o["hard"] is not hard:
                errs.append(f"hard {o['hard']}, want {hard}")
            if (o.get("remote_mta") or "") != mta:
                errs.append(f"remote_mta {o.get('remote_mta')!r}, want {mta!r}")
            if o.get("reply_code") != code:
                errs.append(f"reply_code {o.get('reply_code')}, want {code}")
        desc = (f"{o['reason']} {o['status']} {'hard' if o['hard'] else 'soft'}"
                f" mta={o.get('remote_mta') or '-'} reply={o.get('reply_code')}"
                f" diag={o.get('diagnostic', '')[:70]!r}") if o else "-"
        label = rcpt + (f" ({size // 1048576} MB)" if size else "")
        print(f"{'ok  ' if not errs else 'FAIL'} {label}: {desc}"
              + (f" -- {'; '.join(errs)}" if errs else ""))
        failures += bool(errs)
    small = [x for x in got.get(DELIVERED, []) if x["reason"] != "mesgtoobig"]
    ok = bool(delivered) and not small
    print(f"{'ok  ' if ok else 'FAIL'} {DELIVERED} (small): "
          f"{'delivered to ' + delivered[0] if delivered else 'not delivered'}"
          f"{', but bounced: ' + small[0]['reason'] if small else ''}")
    failures += not ok
    unexpected = set(got) - {r for r, _ in CASES}
    if unexpected:
        print(f"FAIL: bounces for unexpected recipients: {sorted(unexpected)}")
        failures += 1

    total = len(CASES) + 1
    print(f"lab bounces: {total - failures}/{total} right in "
          f"{time.monotonic() - t0:.1f} s")
    if failures:
        print(f"kept for a look: {work}; mailwhy stderr: {out.stderr.strip()}")
        print(f"logs: {env['MW_LAB_SENDER_LOG']} {env['MW_LAB_MX_LOG']}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
