# lab/services/unbound.sh - unbound, the lab's validating recursive
# resolver at 198.51.100.2; also writes a libunbound config for programs
# that resolve through it.  Sourced by lab.sh; needs lab_zones (knot.sh).
# shellcheck shell=sh

UNBOUND_CONF=$LAB_ETC/unbound.conf
LAB_LIBUNBOUND_CONF=$LAB_ETC/libunbound.conf

unbound_pidfile() { echo "$LAB_RUN/unbound/unbound.pid"; }
unbound_desc() { echo "$IP_RESOLVER"; }

unbound_need() {
	need_bin unbound unbound
	need_bin unbound-checkconf unbound
	need_bin kdig knot-dnsutils
}

# unbound (and libunbound) answer test. and the RFC 5737 reverse zones
# themselves (RFC 6761, RFC 6303): make every lab zone transparent, so that a
# zone added later under another built-in default works too.
unbound_local_zones() {
	echo "server:"
	while read -r _z _m _f; do
		[ "$_z" = . ] ||
			printf '    local-zone: "%s." transparent\n' "$_z"
	done <<EOF
$(lab_zones)
EOF
}

unbound_prepare() {
	mkdir -p "$LAB_RUN/unbound"
	lab_template "$LAB_SRC/unbound/unbound.conf.in" "$UNBOUND_CONF"
	unbound_local_zones >>"$UNBOUND_CONF"
	lab_template "$LAB_SRC/unbound/libunbound.conf.in" \
		"$LAB_LIBUNBOUND_CONF"
	unbound_local_zones >>"$LAB_LIBUNBOUND_CONF"
	_err=$(unbound-checkconf "$UNBOUND_CONF" 2>&1) ||
		die "unbound configuration $UNBOUND_CONF: $_err"
}

unbound_start() {
	port_free "$IP_RESOLVER" 53
	labexec unbound -c "$UNBOUND_CONF" >>"$LAB_LOG/unbound.start.log" \
		2>&1 || {
		log_tail "$LAB_LOG/unbound.start.log"
		log_tail "$LAB_LOG/unbound.log"
		die "unbound did not start"
	}
	wait_dns "$IP_RESOLVER" . SOA || {
		log_tail "$LAB_LOG/unbound.log"
		die "unbound does not answer on $IP_RESOLVER within 5 s"
	}
	unbound_selftest
}

# Prove the anchors are right now, not in a test later: every "anchor" zone
# validates (AD), every "wrong-anchor" zone is bogus (SERVFAIL).
unbound_selftest() {
	while read -r _z _m _f; do
		case $_m in
		anchor) _want='flags:.* ad[ ;]' ;;
		wrong-anchor) _want='status: SERVFAIL' ;;
		*) continue ;;
		esac
		ip netns exec "$LAB_NS" kdig @"$IP_RESOLVER" +dnssec +time=2 \
			+retry=0 "$_z" SOA 2>&1 | grep -qi "$_want" || {
			log_tail "$LAB_LOG/unbound.log"
			die "unbound: $_z ($_m) does not validate as" \
				"expected (want /$_want/)"
		}
	done <<EOF
$(lab_zones)
EOF
}

unbound_check() {
	pid_in_lab "$(pidfile_pid "$(unbound_pidfile)")" &&
		wait_dns "$IP_RESOLVER" . SOA 1
}
