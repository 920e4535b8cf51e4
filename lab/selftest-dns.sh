#!/bin/sh
# lab/selftest-dns.sh - ask the lab resolver about every DNS scenario and
# compare with the outcome lab/README.md promises.  Needs a running lab
# (lab/lab.sh up).  Exit 0 if every case holds, 1 otherwise.
#
#   lab/selftest-dns.sh [--with-timeout]   (timeout.test costs 3 s)
set -eu

LAB_SH=$(cd "$(dirname "$0")" && pwd -P)/lab.sh
if [ -z "${MW_LAB_INSIDE:-}" ]; then
	exec "$LAB_SH" exec env MW_LAB_INSIDE=1 /bin/sh "$0" "$@"
fi

DNS=198.51.100.2
fails=0
total=0

# t NAME TYPE RCODE [ANSWER-REGEX [FLAG [KDIG-OPTION]]]: the answer section
# (RRSIGs left out, one line) must match ANSWER-REGEX ("" = must be empty)
# and the header flags must include FLAG ("-ad" = must not include ad).
t() {
	_out=$(kdig @"$DNS" +noidn +dnssec +time=2 +retry=0 ${6:-} \
		"$1" "$2" 2>&1) || true
	_rc=$(printf '%s\n' "$_out" | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
	_fl=$(printf '%s\n' "$_out" | sed -n 's/^;; Flags: \([a-z ]*\);.*/\1/p')
	_an=$(printf '%s\n' "$_out" | awk '/ANSWER SECTION/ { f = 1; next }
		/^$/ { f = 0 } f && $4 != "RRSIG" { $2 = $3 = ""; print }' |
		tr -s ' \t\n' '   ' | sed 's/ *$//')
	_ok=1
	[ "$_rc" = "$3" ] || _ok=0
	if [ "$#" -ge 4 ]; then
		if [ -z "$4" ]; then
			[ -z "$_an" ] || _ok=0
		else
			printf '%s\n' "$_an" | grep -Eq "$4" || _ok=0
		fi
	fi
	case ${5:-} in
	"") ;;
	-*) case " $_fl " in *" ${5#-} "*) _ok=0 ;; esac ;;
	*) case " $_fl " in *" $5 "*) ;; *) _ok=0 ;; esac ;;
	esac
	total=$((total + 1))
	if [ "$_ok" = 1 ]; then
		printf 'ok    %-34s %-5s %-8s %s\n' "$1" "$2" "$_rc" "$_an"
	else
		fails=$((fails + 1))
		printf 'FAIL  %-34s %-5s got %s [%s] %s; want %s %s %s\n' \
			"$1" "$2" "${_rc:-no answer}" "$_fl" "$_an" "$3" \
			"${4:-}" "${5:-}"
	fi
}

# scenario zones (lab/README.md, "Zones")
t good.test MX NOERROR 'MX 10 mx.good.test\.$' -ad
t good.test A NOERROR 'A 198.51.100.25$'
t mx.good.test A NOERROR 'A 198.51.100.25$'
t nullmx.test MX NOERROR 'MX 0 \.$'
t nullmx.test A NOERROR 'A 198.51.100.25$'
t nomx.test MX NOERROR ''
t nomx.test A NOERROR 'A 198.51.100.25$'
t nomail.test MX NOERROR ''
t nomail.test A NOERROR ''
t nomail.test AAAA NOERROR ''
t nxdomain.test MX NXDOMAIN ''
t nxdomain.test A NXDOMAIN ''
t mx-cname.test MX NOERROR 'MX 10 alias.mx-cname.test\.$'
t alias.mx-cname.test A NOERROR \
	'CNAME mx.good.test\. mx.good.test\. A 198.51.100.25$'
t mx-ip.test MX NOERROR 'MX 10 198.51.100.25\.$'
t 198.51.100.25. A NXDOMAIN ''
t mx-noaddr.test MX NOERROR 'MX 10 mx.mx-noaddr.test\.$'
t mx.mx-noaddr.test A NOERROR ''
t mx.mx-noaddr.test AAAA NOERROR ''
t mx-nxhost.test MX NOERROR 'MX 10 mx.mx-nxhost.test\.$'
t mx.mx-nxhost.test A NXDOMAIN ''
t deadmx.test MX NOERROR 'MX 10 mx.deadmx.test\.$'
t mx.deadmx.test A NOERROR 'A 198.51.100.99$'
t mx-private.test MX NOERROR 'MX 10 mx.mx-private.test\.$'
t mx.mx-private.test A NOERROR 'A 10.20.30.40$'
t mx-loopback.test MX NOERROR 'MX 10 mx.mx-loopback.test\.$'
t mx.mx-loopback.test A NOERROR 'A 127.0.0.1$'
t mx-reserved.test MX NOERROR 'MX 10 mx.mx-reserved.test\.$'
t mx.mx-reserved.test A NOERROR 'A 240.0.0.1$'
t mx.mx-reserved.test AAAA NOERROR 'AAAA 2001:db8::25$'
t lame.test MX SERVFAIL ''
t secure.test MX NOERROR 'MX 10 mx.secure.test\.$' ad
t mx.secure.test A NOERROR 'A 198.51.100.25$' ad
t nx.secure.test A NXDOMAIN '' ad
t bogus.test MX SERVFAIL ''
t mx.bogus.test A SERVFAIL ''
t bogus.test MX NOERROR 'MX 10 mx.bogus.test\.$' cd +cd
t mx.bogus.test A NOERROR 'A 198.51.100.25$' cd +cd
t mail.sender.test A NOERROR 'A 203.0.113.10$'
if [ "${1:-}" = --with-timeout ]; then
	t timeout.test MX '' ''		# no answer within the 2 s timeout
fi

# reverse zones
t 25.100.51.198.in-addr.arpa PTR NOERROR 'PTR mx.good.test\.$'
t 10.113.0.203.in-addr.arpa PTR NOERROR 'PTR mail.sender.test\.$'
t 66.113.0.203.in-addr.arpa PTR NOERROR 'PTR 66.113.0.203.dyn.isp.test\.$'
t 66.113.0.203.dyn.isp.test A NOERROR 'A 203.0.113.66$'
t 77.113.0.203.in-addr.arpa PTR NXDOMAIN ''

# the provider world: real domains, and typos of them
for d in gmail.com googlemail.com outlook.com hotmail.com yahoo.com \
	icloud.com gmx.com yandex.ru ya.ru mail.ru bk.ru list.ru inbox.ru \
	rambler.ru xn--80a1acny.xn--p1ai xn--e1afmkfd.xn--80akhbyknj4f; do
	t "$d" MX NOERROR "^$d\. MX 10 "
done
t mx.gmail.com A NOERROR 'A 198.51.100.25$'
t mxs.mail.ru A NOERROR 'A 198.51.100.25$'
t mx.xn--80a1acny.xn--p1ai A NOERROR 'A 198.51.100.25$'
t gmial.com MX NXDOMAIN ''
t gmail.con MX NXDOMAIN ''
t yandex.ry MX NXDOMAIN ''
t example.org A NXDOMAIN ''	# not in the lab: the lab root says so

echo "$((total - fails))/$total DNS cases as documented"
[ "$fails" -eq 0 ]
