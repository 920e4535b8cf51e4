#!/bin/sh
# demo.sh MAILWHY - starts the lab and diagnoses a set of lab addresses,
# one per scenario, in the reader's language (--lang, or the locale).
set -eu
mailwhy=${1:-build/cli/mailwhy}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "The demo starts the lab in a network namespace, which needs root." >&2
	echo "Run: sudo ./demo" >&2
	exit 1
fi
sh "$here/lab.sh" up
echo
echo "== mailwhy addr --lab: one address per lab scenario =="
echo
# Each line: an address and what it shows.
set -- \
	alice@good.test          "a domain whose mail setup is right" \
	user@gmial.com           "a typo of gmail.com (a known look-alike, no such domain)" \
	user@gmail.con           "a TLD typo, judged by DNS: .con does not exist" \
	user@gmx.com             "a real domain that only looks like a typo: left alone" \
	ivan@почта.рф            "an internationalised domain" \
	'"john smith"@good.test' "valid but unwise: a quoted local part" \
	user@@good.test          "invalid syntax, with the position of the error" \
	user@nxdomain.test       "a domain that does not exist" \
	user@nullmx.test         "a null MX: the domain accepts no mail (RFC 7505)" \
	user@nomx.test           "no MX: mail goes to the domain's address (implicit MX)" \
	user@mx-cname.test       "an MX that is an alias (CNAME)" \
	user@mx-ip.test          "an MX written as an IP address" \
	user@mx-private.test     "an MX at a private address" \
	user@bogus.test          "a broken DNSSEC chain" \
	user@secure.test         "a DNSSEC-signed domain that validates"
while [ $# -ge 2 ]; do
	printf '# %s\n' "$2"
	"$mailwhy" addr --lab "$1" || true
	echo
	shift 2
done
echo "== in Russian (mailwhy addr --lab --lang ru) =="
"$mailwhy" addr --lab --lang ru user@gmail.con user@nullmx.test || true
echo
echo "== as JSON for scripts (mailwhy addr --lab --json) =="
"$mailwhy" addr --lab --json user@gmial.com || true
echo
echo
echo "== a sending domain's audit (mailwhy domain --lab) =="
echo "# sender.test sending from 203.0.113.66: listed, generic PTR, not in SPF"
"$mailwhy" domain --lab sender.test --ip 203.0.113.66 || true
echo
echo "== one SPF question (mailwhy spf --lab) =="
"$mailwhy" spf --lab 203.0.113.77 user@spf-chain.test || true
echo
echo "== a real bounce (mailwhy bounce) =="
echo "# the lab's sending Postfix writes to nosuchuser@good.test; the lab's MX"
echo "# refuses it, and the bounce comes back to the sender's mailbox"
eval "$(sh "$here/lab.sh" env)"
run=demo-$(date +%s)
sh "$here/lab.sh" send "$run@sender.test" nosuchuser@good.test
i=0
while [ $i -lt 60 ] && ! grep -rlq "$run@sender.test" \
    "$MW_LAB_SENDER_MAILDIR/new" 2>/dev/null; do
	sleep 0.5
	i=$((i + 1))
done
dsn=$(grep -rl "$run@sender.test" "$MW_LAB_SENDER_MAILDIR/new" 2>/dev/null |
    head -n 1)
if [ -n "$dsn" ]; then
	"$mailwhy" bounce "$dsn" || true
else
	echo "(no bounce arrived within 30 s; see $MW_LAB_SENDER_LOG)"
fi
echo
echo "The lab stays up for you to try more: $mailwhy addr --lab ADDR..."
echo "Stop it with: $mailwhy lab down"
