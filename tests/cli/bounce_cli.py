#!/usr/bin/env python3
"""`mailwhy bounce` as a user runs it: exit codes, NDJSON records (one per
failed recipient, one per message that is no bounce), the summary object,
mbox and Maildir input, stdin.  Needs no lab and no corpus."""
import json
import os
import subprocess
import sys
import tempfile

MW = os.path.join(os.environ["MW_BUILD_ROOT"], "cli", "mailwhy")

DSN = (
    "From: MAILER-DAEMON@example.org (Mail Delivery System)\n"
    "To: sender@example.org\nSubject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\nContent-Type: multipart/report; "
    "report-type=delivery-status; boundary=\"B\"\n\n"
    "--B\nContent-Type: text/plain\n\n<{rcpt}>: host mx.example.jp"
    "[192.0.2.1] said: 550 5.1.1 <{rcpt}>: Recipient address rejected: "
    "User unknown (in reply to RCPT TO command)\n\n"
    "--B\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; example.org\n\nFinal-Recipient: rfc822; {rcpt}\n"
    "Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx.example.jp\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: Recipient address "
    "rejected: User unknown\n\n--B--\n")
HELLO = "From: friend@example.net\nTo: me@example.org\nSubject: hi\n\nhello\n"

failed = 0
passed = 0


def check(name, cond, detail=""):
    global failed, passed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def run(args, stdin=None):
    p = subprocess.run([MW, "bounce"] + args, input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def records(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


with tempfile.TemporaryDirectory() as d:
    dsn = os.path.join(d, "dsn.eml")
    hello = os.path.join(d, "hello.eml")
    with open(dsn, "w") as f:
        f.write(DSN.format(rcpt="Neko@Example.JP"))
    with open(hello, "w") as f:
        f.write(HELLO)

    rc, out, err = run(["--json", dsn])
    recs = records(out)
    check("a failed recipient exits 1", rc == 1, f"rc={rc} {err}")
    check("one record for one recipient", len(recs) == 1, out)
    r = recs[0] if recs else {}
    check("record fields", r.get("kind") == "bounce" and
          r.get("recipient") == "neko@example.jp" and
          r.get("reason") == "userunknown" and r.get("status") == "5.1.1"
          and r.get("reply_code") == 550 and r.get("hard") is True and
          r.get("remote_mta") == "mx.example.jp" and
          r.get("command") == "RCPT" and r.get("file") == dsn, str(r))
    check("findings: the reason, then what decided it",
          [x["code"] for x in r.get("findings", [])] ==
          ["bounce.userunknown", "bounce.basis"] and
          r.get("basis") == "status" and "phrase" not in r,
          str(r.get("findings")))

    rc, out, err = run(["--json", hello])
    recs = records(out)
    check("no bounce exits 0", rc == 0, f"rc={rc} {err}")
    check("a message that is no bounce still gets a JSON record",
          len(recs) == 1 and recs[0]["findings"][0]["code"] ==
          "bounce.not_bounce" and recs[0]["file"] == hello, out)

    rc, out, err = run(["--json", "--summary", dsn, hello])
    recs = records(out)
    s = recs[-1] if recs else {}
    check("summary object last", s.get("kind") == "bounce-summary" and
          s.get("schema_version") == 1, out)
    check("summary counts failed recipients only",
          s.get("messages") == 2 and s.get("not_bounces") == 1 and
          s.get("recipients") == 1 and s.get("hard") == 1 and
          s.get("reasons") == {"userunknown": 1} and
          s.get("domains") == {"example.jp": 1}, str(s))

    rc, out, err = run([hello])
    check("text: nothing failed says so", rc == 0 and
          "failed recipients: 0" in out, out)

    # an mbox of two bounces and a letter; a Maildir with cur/ and new/
    mbox = os.path.join(d, "box.mbox")
    with open(mbox, "w") as f:
        for rcpt in ("a@example.jp", "b@example.jp"):
            f.write("From MAILER-DAEMON Thu Nov 26 09:00:00 2026\n")
            f.write(DSN.format(rcpt=rcpt) + "\n")
        f.write("From friend Thu Nov 26 09:00:00 2026\n" + HELLO)
    rc, out, err = run(["--json", mbox])
    recs = records(out)
    got = sorted(r.get("recipient", "-") for r in recs
                 if r.get("kind") == "bounce")
    check("mbox: each message read", got == ["-", "a@example.jp",
          "b@example.jp"], str(got))
    check("mbox: FILE#N names the message",
          sorted(r.get("file") for r in recs if r.get("kind") == "bounce")
          == [mbox + "#1", mbox + "#2", mbox + "#3"], out)

    md = os.path.join(d, "Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, sub))
    with open(os.path.join(md, "cur", "1.eml"), "w") as f:
        f.write(DSN.format(rcpt="c@example.jp"))
    with open(os.path.join(md, "new", "2.eml"), "w") as f:
        f.write(DSN.format(rcpt="d@example.jp"))
    with open(os.path.join(md, "tmp", "3.eml"), "w") as f:
        f.write(DSN.format(rcpt="partial@example.jp"))
    os.mkfifo(os.path.join(md, "cur", "fifo"))  # must not block the walk
    rc, out, err = run(["--json", md])
    recs = records(out)
    check("Maildir: cur/ and new/ read, tmp/ and a FIFO skipped",
          sorted(r.get("recipient", "") for r in recs
                 if r.get("kind") == "bounce") ==
          ["c@example.jp", "d@example.jp"], out)

    rc, out, err = run(["--json", "-"], stdin=DSN.format(rcpt="e@example.jp"))
    recs = records(out)
    check("stdin", rc == 1 and len(recs) == 1 and
          recs[0].get("recipient") == "e@example.jp", out)

    rc, out, err = run([os.path.join(d, "missing.eml")])
    check("a missing file exits 2 with a message", rc == 2 and
          "missing.eml" in err, f"rc={rc} {err}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
