# lab/lib.sh - shared settings and helpers of the mailwhy lab (sourced by
# lab.sh and lab/services/*.sh; POSIX sh, runs under dash).
#
# The lab's whole "internet" is one network namespace with every lab address
# as a /32 on its lo: no other interface, no route out, so nothing started in
# it can reach a real host even by mistake.  Addresses are TEST-NET-2/-3
# (RFC 5737); 192.0.2.0/24 is avoided because the host's eth0 lives there.
# shellcheck shell=sh disable=SC2016,SC2034

LAB_NS=${MAILWHY_LAB_NS:-mailwhy-lab}

# IP plan.  Reserved addresses are assigned even before their service exists,
# so that adding a service never changes the plan.
IP_RESOLVER=198.51.100.2	# unbound: validating recursive resolver
IP_LAME=198.51.100.52		# knot again, refusing every query (lame.test)
IP_AUTH=198.51.100.53		# knot: authoritative for the lab root and below
IP_RBL=198.51.100.54		# reserved: rbldnsd (bl.test)
IP_MX=198.51.100.25		# reserved: Postfix MX (mx.good.test)
IP_IMAP=198.51.100.143		# reserved: Dovecot
IP_DEAD=198.51.100.99		# assigned, nothing listens (timeout.test)
IP_SENDER=203.0.113.10		# reserved: sending Postfix (mail.sender.test)
IP_LISTED=203.0.113.66		# client in the DNSBL, dynamic-looking PTR
IP_CLEAN=203.0.113.77		# clean client, no PTR
LAB_ADDRS="$IP_RESOLVER $IP_LAME $IP_AUTH $IP_RBL $IP_MX $IP_IMAP $IP_DEAD
$IP_SENDER $IP_LISTED $IP_CLEAN"

LAB_STATE=${MAILWHY_LAB_STATE:-/run/$LAB_NS}
case $LAB_STATE in
/*) ;;
*) LAB_STATE=$(pwd)/$LAB_STATE ;;
esac
# Everything under RUN, ETC and LOG is recreated by every `up`; KEYS (knot's
# DNSSEC keys) survives, so trust anchors stay stable between runs.
LAB_RUN=$LAB_STATE/run
LAB_ETC=$LAB_STATE/etc
LAB_LOG=$LAB_STATE/log
LAB_KEYS=$LAB_STATE/keys
LAB_ANCHORS=$LAB_STATE/anchors/lab-anchors.txt
LAB_RESOLV=$LAB_ETC/resolv.conf
LAB_NSID=$LAB_STATE/netns.id	# identity of the namespace we created

say() { printf '%s\n' "$*"; }
warn() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# Milliseconds since the epoch, and a duration printed as seconds.
now_ms() { date +%s%3N; }
secs_since() {
	_d=$(($(now_ms) - $1))
	printf '%d.%03d' $((_d / 1000)) $((_d % 1000))
}

need_root() {
	[ "$(id -u)" = 0 ] || die "must run as root (network namespaces," \
		"bind mounts, port 53); try: sudo $0 $*"
}

# need_bin BINARY DEBIAN-PACKAGE
need_bin() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found: install the Debian package '$2'"
}

need_netns() {
	need_bin ip iproute2
	[ -e /proc/self/ns/net ] ||
		die "this kernel has no network namespaces (/proc/self/ns/net)"
	ip netns list >/dev/null 2>&1 ||
		die "'ip netns' does not work here (iproute2 too old, or" \
			"no CAP_SYS_ADMIN in this container)"
}

# lab_template SRC DST: copy SRC, replacing @NAME@ with the lab setting NAME
# (@STATE@ @RUN@ @ETC@ @LOG@ @KEYS@ @ANCHORS@ and @IP_<ROLE>@).
sed_quote() { printf '%s' "$1" | sed 's/[\\|&]/\\&/g'; }
lab_template() {
	[ -r "$1" ] || die "missing template $1"
	if [ ! -s "$LAB_RUN/template.sed" ]; then
		mkdir -p "$LAB_RUN"
		_val=
		for _v in STATE RUN ETC LOG KEYS ANCHORS; do
			eval "_val=\$LAB_$_v"
			printf 's|@%s@|%s|g\n' "$_v" "$(sed_quote "$_val")"
		done >"$LAB_RUN/template.sed"
		for _v in RESOLVER LAME AUTH RBL MX IMAP DEAD SENDER LISTED \
			CLEAN; do
			eval "_val=\$IP_$_v"
			printf 's|@IP_%s@|%s|g\n' "$_v" "$_val"
		done >>"$LAB_RUN/template.sed"
	fi
	sed -f "$LAB_RUN/template.sed" "$1" >"$2" || die "cannot write $2"
}

# --- the namespace ---------------------------------------------------------

netns_exists() { [ -e "/run/netns/$LAB_NS" ]; }
netns_id() { stat -L -c '%d:%i' "/run/netns/$LAB_NS" 2>/dev/null; }
# The namespace is ours if its identity is the one recorded when we made it.
netns_ours() {
	[ -s "$LAB_NSID" ] && [ "$(netns_id)" = "$(cat "$LAB_NSID")" ]
}

# pid_in_lab PID: PID is alive and its network namespace is the lab's.
pid_in_lab() {
	[ -n "$1" ] && [ -e "/proc/$1" ] && [ -n "$(netns_id)" ] &&
		[ "$(stat -L -c '%d:%i' "/proc/$1/ns/net" 2>/dev/null)" = \
			"$(netns_id)" ]
}

pidfile_pid() { [ -s "$1" ] && head -n 1 "$1" | tr -dc 0-9; }

# kill_pidfile FILE [SIGNAL]: signal the PID in FILE, only if it is in the lab.
kill_pidfile() {
	_p=$(pidfile_pid "$1") || return 0
	if pid_in_lab "$_p"; then
		kill "-${2:-TERM}" "$_p" 2>/dev/null || true
	elif [ -n "$_p" ] && [ -e "/proc/$_p" ]; then
		warn "not killing PID $_p from $1: it is not in $LAB_NS"
	fi
	return 0
}

# labexec CMD...: run CMD in the lab with the lab resolv.conf over
# /etc/resolv.conf.  `ip netns exec` gives every call a private (rslave)
# mount namespace, so the bind mount is never visible on the host, and a
# daemon started this way keeps it for life.  fd 9 (lab.sh's lock) is closed:
# a daemon must not hold the lock after lab.sh exits.
labexec() {
	ip netns exec "$LAB_NS" /bin/sh -c \
		'mount --bind "$0" /etc/resolv.conf && exec "$@"' \
		"$LAB_RESOLV" "$@" 9>&-
}

# bgrun PIDFILE LOGFILE CMD...: start a foreground daemon detached, in its
# own session, recording its real PID (the shell's $$ becomes the daemon).
bgrun() {
	_pf=$1 _log=$2
	shift 2
	# The subshell becomes the daemon (exec all the way down): a shell
	# left waiting for it would hold lab.sh's lock (fd 9) and a caller's
	# pipe (`lab.sh up | tail`) for as long as the daemon lives.
	(
		exec 9>&-
		exec ip netns exec "$LAB_NS" /bin/sh -c \
			'mount --bind "$0" /etc/resolv.conf && exec "$@"' \
			"$LAB_RESOLV" setsid /bin/sh -c 'echo $$ >"$0"; exec "$@"' \
			"$_pf" "$@"
	) >>"$_log" 2>&1 </dev/null &
}

# port_free IP PORT: nothing in the lab listens on IP:PORT (udp or tcp).
port_free() {
	_who=$(ip netns exec "$LAB_NS" ss -Hlntup "( sport = :$2 )" \
		2>/dev/null | awk -v ip="$1" -v port="$2" '
		$5 == ip ":" port || $5 == "0.0.0.0:" port {
			split($NF, w, "\"")
			p = $NF; sub(/.*pid=/, "", p); sub(/[^0-9].*/, "", p)
			print w[2] " (PID " p ")"
		}' | sort -u | tr '\n' ' ')
	[ -z "$_who" ] || die "$1:$2 is already taken in $LAB_NS by $_who"
}

# wait_dns SERVER NAME TYPE [TRIES]: wait (50 ms steps) for an answer.
wait_dns() {
	_i=0
	while [ "$_i" -lt "${4:-100}" ]; do
		ip netns exec "$LAB_NS" kdig +short +time=1 +retry=0 \
			@"$1" "$2" "$3" 2>/dev/null | grep -q . && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# wait_tcp IP PORT [TRIES]: wait for a LISTEN socket (no probe connection,
# which would leave "lost connection" lines in the daemons' logs).
wait_tcp() {
	_i=0
	while [ "$_i" -lt "${3:-100}" ]; do
		ip netns exec "$LAB_NS" ss -Hltn "( sport = :$2 )" |
			grep -q " $1:$2 " && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# Show the end of a log after a failure.
log_tail() {
	[ -s "$1" ] || return 0
	warn "last lines of $1:"
	tail -n "${2:-15}" "$1" | sed 's/^/    /' >&2
}
