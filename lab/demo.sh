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
echo "The lab stays up for you to try more: $mailwhy addr --lab ADDR..."
echo "Stop it with: $mailwhy lab down"
