#!/bin/sh
# deps.sh - installs, with apt, the Debian 12 packages mailwhy needs that are
# missing; does nothing when all are there.  Sourced or run:
#   scripts/deps.sh build|lab|test|bench...
set -eu

# What each group needs, and why.
MW_PKGS_BUILD="gcc make meson ninja-build pkg-config gettext python3
 libunbound-dev libevent-dev libssl-dev libjansson-dev libidn2-dev
 libgmime-3.0-dev"
MW_PKGS_TEST="libcmocka-dev"
# The lab: DNS servers, the DNSBL server, netns tools, dns-root-data for the
# default trust anchor, Postfix for the lab's MX and sender (preseeded "No
# configuration": no system Postfix is set up or needed; the lab runs its
# own instances).
MW_PKGS_LAB="iproute2 knot knot-dnsutils unbound dns-root-data rbldnsd postfix"
# Benchmarks compare with peers when these are present (optional).
# pyspf and libspf2 (spfquery) for the SPF benchmark.
MW_PKGS_BENCH="nodejs npm python3-spf spfquery"

mw_missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q '^install ok installed' || printf '%s ' "$p"
	done
}

mw_install() {
	pkgs=
	for g in "$@"; do
		case $g in
		build) pkgs="$pkgs $MW_PKGS_BUILD" ;;
		test) pkgs="$pkgs $MW_PKGS_TEST" ;;
		lab) pkgs="$pkgs $MW_PKGS_LAB" ;;
		bench) pkgs="$pkgs $MW_PKGS_BENCH" ;;
		*) echo "deps.sh: unknown group '$g'" >&2; return 2 ;;
		esac
	done
	# shellcheck disable=SC2086
	missing=$(mw_missing $pkgs)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "mailwhy needs these Debian packages: $missing" >&2
		echo "Run this script as root, or: sudo apt-get install $missing" >&2
		return 1
	fi
	echo "Installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	case " $missing " in
	*" postfix "*)
		echo "postfix postfix/main_mailer_type select No configuration" |
		    debconf-set-selections ;;
	esac
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Optional groups do not stop the run when the packages are unavailable.
mw_install_optional() {
	mw_install "$@" 2>/dev/null || echo "note: optional packages for '$*' not installed"
}

case "${0##*/}" in
deps.sh) [ $# -gt 0 ] && mw_install "$@" ;;
esac
