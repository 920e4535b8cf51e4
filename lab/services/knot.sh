# lab/services/knot.sh - Knot DNS: authoritative for the lab root, test. and
# every scenario zone; signs the zones marked for DNSSEC and publishes the
# trust anchor file.  Sourced by lab.sh (see the service interface there).
#
# A zone is one file, lab/zones/NAME.zone (root.zone is "."), templated with
# @...@ like the configs.  A line "; lab-dnssec: anchor" has knot sign it and
# puts its live DNSKEY in the trust anchor file; "; lab-dnssec: wrong-anchor"
# signs it too but anchors a deliberately wrong DS, so it validates as bogus.
# shellcheck shell=sh disable=SC2046

KNOT_CONF=$LAB_ETC/knot.conf
KNOT_ZONES=$LAB_ETC/zones

# lab_zones: one line per zone: NAME DNSSEC-MARK ("-" if unsigned) FILE.
LAB_ZONE_LIST=$(awk '
	function out() { if (f != "") print z, m, f }
	FNR == 1 {
		out(); f = FILENAME; m = "-"
		z = f; sub(/.*\//, "", z); sub(/\.zone$/, "", z)
		if (z == "root") z = "."
	}
	m == "-" && /^; *lab-dnssec:/ {
		m = $0; sub(/^; *lab-dnssec: */, "", m); sub(/[^a-z-].*/, "", m)
	}
	END { out() }' "$LAB_SRC"/zones/*.zone)
lab_zones() { printf '%s\n' "$LAB_ZONE_LIST"; }

knot_pidfile() { echo "$LAB_RUN/knot/knot.pid"; }
knot_desc() { echo "$IP_AUTH (lame: $IP_LAME)"; }

knot_need() {
	need_bin knotd knot
	need_bin knotc knot
	need_bin kdig knot-dnsutils
}

knot_prepare() {
	mkdir -p "$LAB_RUN/knot" "$LAB_KEYS/knot" "$KNOT_ZONES"
	lab_template "$LAB_SRC/knot/knot.conf.in" "$KNOT_CONF"
	while read -r _z _m _f; do
		_out=$KNOT_ZONES/${_f##*/}
		lab_template "$_f" "$_out"
		printf '  - domain: "%s"\n    file: "%s"\n' "$_z" "$_out"
		case $_m in
		anchor | wrong-anchor)
			printf '    dnssec-signing: on\n'
			printf '    dnssec-policy: lab\n'
			;;
		-) ;;
		*) die "${_f##*/}: unknown lab-dnssec mark '$_m'" ;;
		esac
	done >>"$KNOT_CONF" <<EOF
$(lab_zones)
EOF
	_err=$(knotc -c "$KNOT_CONF" conf-check 2>&1) ||
		die "knot configuration $KNOT_CONF: $_err"
}

# All zones answer their SOA: loaded, and signed if marked.  Over TCP: a
# UDP query that reaches knotd while it starts can be dropped (a 1 s wait).
knot_zones_ready() {
	_got=$(ip netns exec "$LAB_NS" kdig @"$IP_AUTH" +tcp +norec +short \
		+time=1 +retry=0 "$@" 2>/dev/null | grep -vc '^;' || true)
	[ "$_got" -ge "$(($# / 2))" ]
}

knot_start() {
	port_free "$IP_AUTH" 53
	port_free "$IP_LAME" 53
	labexec knotd -c "$KNOT_CONF" -d >>"$LAB_LOG/knot.start.log" 2>&1 || {
		log_tail "$LAB_LOG/knot.start.log"
		log_tail "$LAB_LOG/knot.log"
		die "knotd did not start"
	}
	set -- $(lab_zones | awk '{ print $1, "SOA" }')
	_i=0
	until knot_zones_ready "$@"; do
		# A zone with an error never loads: say so now, not in 5 s.
		if grep -qs ' error: ' "$LAB_LOG/knot.log"; then
			grep ' error: ' "$LAB_LOG/knot.log" >&2
			die "knot: a zone did not load (see $LAB_LOG/knot.log)"
		fi
		_i=$((_i + 1))
		if [ "$_i" -ge 100 ]; then
			log_tail "$LAB_LOG/knot.log"
			die "knot: not every zone loaded within 5 s" \
				"(see $LAB_LOG/knot.log)"
		fi
		sleep 0.05
	done
	knot_write_anchors
}

knot_check() {
	pid_in_lab "$(pidfile_pid "$(knot_pidfile)")" &&
		ip netns exec "$LAB_NS" kdig @"$IP_AUTH" +norec +short \
			+time=1 +retry=0 . SOA 2>/dev/null | grep -q .
}

# The trust anchor file, in zone-file syntax (unbound trust-anchor-file,
# libunbound ub_ctx_add_ta_file): the live DNSKEY of every "anchor" zone, as
# served now (keys persist in $LAB_KEYS, but never trust a stale copy), and a
# DS that matches no key for every "wrong-anchor" zone.
knot_write_anchors() {
	mkdir -p "${LAB_ANCHORS%/*}"
	while read -r _z _m _f; do
		case $_m in
		anchor)
			_k=$(ip netns exec "$LAB_NS" kdig @"$IP_AUTH" +tcp \
				+norec +short +time=1 "$_z" DNSKEY |
				awk '$1 == 257')
			[ -n "$_k" ] || die "knot serves no DNSKEY for $_z"
			printf '%s\n' "$_k" | sed "s/^/$_z. IN DNSKEY /"
			;;
		wrong-anchor)
			printf '%s. IN DS 4711 13 2 %s\n' "$_z" "$(printf \
				'wrong anchor for %s' "$_z" | sha256sum |
				cut -c 1-64)"
			;;
		esac
	done >"$LAB_ANCHORS.new" <<EOF
$(lab_zones)
EOF
	mv "$LAB_ANCHORS.new" "$LAB_ANCHORS"
}
