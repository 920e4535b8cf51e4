#!/bin/sh
# lab/lab.sh - start, stop and use the mailwhy lab, an offline mail world
# of real servers in the network namespace "mailwhy-lab" (lab/README.md).
#
#   lab.sh up              start everything (idempotent)
#   lab.sh down [--force]  stop everything, delete the namespace (idempotent)
#   lab.sh status          one line per service; exit 0 if all up, 3 if not
#   lab.sh exec CMD...     run CMD in the lab, with the lab's resolv.conf
#   lab.sh env             shell assignments (MW_LAB_*) for eval
#   lab.sh send FROM TO [SIZE]  inject a letter (SIZE bytes of body, default
#                          small) into the lab's sending Postfix
#
# State (configs, keys, pids, logs) lives in ${MAILWHY_LAB_STATE:-/run/
# mailwhy-lab}; nothing is written into the source tree or /etc.
set -eu

LAB_SRC=$(cd "$(dirname "$0")" && pwd -P)
. "$LAB_SRC/lib.sh"

# Services in start order; they stop in reverse.  lab/services/NAME.sh
# defines NAME_need (check binaries), NAME_prepare (write configs),
# NAME_start (start, wait until ready), NAME_check (healthy now?),
# NAME_pidfile and NAME_desc (one line for the summary); in function names
# a "-" of NAME is "_".  A service that also defines NAME_launch is started
# in the background by it, and NAME_start, called once every other service
# is started, only waits for it: such services start in parallel.
LAB_SERVICES="knot rbldnsd unbound postfix-mx postfix-sender"
for _s in $LAB_SERVICES; do
	# shellcheck disable=SC1090
	. "$LAB_SRC/services/$_s.sh"
done

# svc NAME HOOK [ARG...]: call NAME's HOOK function.
svc() {
	_fn="$(printf '%s' "$1" | tr - _)_$2"
	shift 2
	"$_fn" "$@"
}
svc_has() { command -v "$(printf '%s' "$1" | tr - _)_$2" >/dev/null; }

usage() {
	echo "usage: $0 up | down [--force] | status | exec CMD... | env |" \
		"send FROM TO [SIZE]" >&2
	exit 2
}

lab_lock() {
	[ ! -e "$LAB_STATE" ] || [ -d "$LAB_STATE" ] ||
		die "$LAB_STATE is in the way: it is not a directory"
	mkdir -p "$LAB_STATE"
	need_bin flock util-linux
	exec 9>"$LAB_STATE/lock"
	flock -w 60 9 || die "another lab.sh still holds $LAB_STATE/lock"
}

need_all() {
	need_netns
	need_bin ss iproute2
	need_bin mount mount
	need_bin setsid util-linux
	need_bin sha256sum coreutils
	for _s in $LAB_SERVICES; do
		svc "$_s" need
	done
	[ -e /etc/resolv.conf ] || die "/etc/resolv.conf does not exist;" \
		"the lab mounts its own over it, inside the namespace only"
}

# Everything the running lab was made from (README aside): `up` restarts
# the lab when this changed, so a test never runs against stale zones.
sources_hash() {
	find "$LAB_SRC" -type f ! -name '*.md' ! -name 'selftest*' |
		LC_ALL=C sort |
		while read -r _f; do
			printf '%s\n' "$_f"
			cat "$_f"
		done | sha256sum | cut -d ' ' -f 1
}

lab_healthy() {
	for _s in $LAB_SERVICES; do
		svc "$_s" check || return 1
	done
}

lab_down_services() {
	_rev=
	for _s in $LAB_SERVICES; do
		_rev="$_s ${_rev:-}"
	done
	echo "${_rev:-}"
}

do_down() {	# do_down [--force]
	if ! netns_exists; then
		say "lab is already down"
		return 0
	fi
	if ! netns_ours; then
		[ "${1:-}" = --force ] || die "network namespace $LAB_NS" \
			"exists but was not created with state $LAB_STATE;" \
			"if it is a leftover, run: $0 down --force"
		warn "namespace $LAB_NS is not ours: removing it anyway" \
			"(--force)"
	fi
	_t0=$(now_ms)
	for _s in $(lab_down_services); do
		kill_pidfile "$(svc "$_s" pidfile)"
	done
	# Anything still in the namespace was put there by the lab: give it
	# 3 s to exit, then SIGKILL.
	_i=0
	while [ -n "$(ip netns pids "$LAB_NS" 2>/dev/null)" ] &&
		[ "$_i" -lt 60 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	_left=$(ip netns pids "$LAB_NS" 2>/dev/null || true)
	if [ -n "$_left" ]; then
		for _p in $_left; do
			pid_in_lab "$_p" || continue
			warn "killing leftover PID $_p ($(cat "/proc/$_p/comm" \
				2>/dev/null)) in $LAB_NS"
			kill -KILL "$_p" 2>/dev/null || true
		done
		_i=0
		while [ -n "$(ip netns pids "$LAB_NS" 2>/dev/null)" ] &&
			[ "$_i" -lt 20 ]; do
			sleep 0.05
			_i=$((_i + 1))
		done
	fi
	ip netns del "$LAB_NS" || die "cannot delete namespace $LAB_NS"
	rm -rf "$LAB_RUN" "$LAB_NSID"
	say "lab down in $(secs_since "$_t0") s (logs kept in $LAB_LOG)"
}

# Daemons of ours whose namespace vanished (someone ran `ip netns del`) are
# recognised by their config path on the command line, and stopped.
kill_orphans() {
	for _s in $LAB_SERVICES; do
		_pf=$(svc "$_s" pidfile)
		_p=$(pidfile_pid "$_pf") || continue
		[ -n "$_p" ] && [ -r "/proc/$_p/cmdline" ] || continue
		# (Postfix's master has its config dir in its environment)
		{ tr '\0' ' ' <"/proc/$_p/cmdline"
		  tr '\0' '\n' <"/proc/$_p/environ"; } 2>/dev/null |
			grep -qF "$LAB_ETC/" || continue
		warn "stopping orphaned $_s (PID $_p), its namespace is gone"
		kill -TERM "$_p" 2>/dev/null || true
		_i=0
		# (a zombie counts as gone: PID 1 may reap it late)
		while [ -e "/proc/$_p" ] && ! grep -qs '^State:.*Z' \
			"/proc/$_p/status" && [ "$_i" -lt 40 ]; do
			sleep 0.05
			_i=$((_i + 1))
		done
	done
}

up_failed() {
	_rc=$?
	trap - EXIT
	if [ "$_rc" -ne 0 ]; then
		warn "up failed; cleaning up (logs kept in $LAB_LOG)"
		do_down >/dev/null 2>&1 || true
	fi
	exit "$_rc"
}

do_up() {
	need_root up
	need_all
	lab_lock
	_hash=$(sources_hash)
	if netns_exists; then
		netns_ours || die "network namespace $LAB_NS exists but was" \
			"not created with state $LAB_STATE; if it is a" \
			"leftover, run: $0 down --force"
		if [ "$(cat "$LAB_STATE/sources.sha256" 2>/dev/null)" != \
			"$_hash" ]; then
			say "lab sources changed since the lab started:" \
				"restarting"
			do_down
		elif lab_healthy; then
			say "lab is already up (state $LAB_STATE)"
			return 0
		else
			_bad=
			for _s in $LAB_SERVICES; do
				svc "$_s" check || _bad="$_bad $_s"
			done
			say "lab is half up (down:$_bad): restarting"
			do_down
		fi
	else
		kill_orphans
	fi

	_t0=$(now_ms)
	trap up_failed EXIT
	trap 'exit 130' INT TERM HUP	# so that EXIT cleans up after ^C
	rm -rf "$LAB_RUN" "$LAB_ETC" "$LAB_LOG" "$LAB_NSID" \
		"$LAB_STATE/sources.sha256"
	mkdir -p "$LAB_RUN" "$LAB_ETC" "$LAB_LOG" "$LAB_KEYS"
	lab_template "$LAB_SRC/etc/resolv.conf.in" "$LAB_RESOLV"

	ip netns add "$LAB_NS" 2>"$LAB_LOG/netns.log" || {
		log_tail "$LAB_LOG/netns.log"
		die "cannot create network namespace $LAB_NS"
	}
	netns_id >"$LAB_NSID"
	ip -n "$LAB_NS" link set lo up
	_n=0
	for _a in $LAB_ADDRS; do
		ip -n "$LAB_NS" addr add "$_a/32" dev lo
		_n=$((_n + 1))
	done
	_sum=$(printf '  %-14s %-40s %s s' netns \
		"$_n addresses on lo, no route out" "$(secs_since "$_t0")")

	_later=
	for _s in $LAB_SERVICES; do
		_ts=$(now_ms)
		svc "$_s" prepare
		if svc_has "$_s" launch; then
			svc "$_s" launch
			_later="$_later $_s:$_ts"
			continue
		fi
		svc "$_s" start
		_sum=$(printf '%s\n  %-14s %-40s %s s' "$_sum" "$_s" \
			"$(svc "$_s" desc)" "$(secs_since "$_ts")")
	done
	for _st in $_later; do
		_s=${_st%%:*}
		svc "$_s" start
		_sum=$(printf '%s\n  %-14s %-40s %s s' "$_sum" "$_s" \
			"$(svc "$_s" desc)" "$(secs_since "${_st#*:}")")
	done
	printf '%s\n' "$_hash" >"$LAB_STATE/sources.sha256"
	trap - EXIT INT TERM HUP

	say "lab up in $(secs_since "$_t0") s (namespace $LAB_NS," \
		"state $LAB_STATE)"
	say "$_sum"
	say "  resolver $IP_RESOLVER, trust anchors $LAB_ANCHORS"
	say "  try: $0 exec kdig +dnssec @$IP_RESOLVER secure.test MX"
}

do_status() {
	need_root status
	need_netns
	_rc=3
	if ! netns_exists; then
		printf '%-14s down\n' netns
	elif ! netns_ours; then
		printf '%-14s foreign (%s exists, not created with state %s)\n' \
			netns "$LAB_NS" "$LAB_STATE"
	else
		printf '%-14s up    %s\n' netns "$LAB_NS"
		_rc=0
	fi
	_nsok=$_rc
	for _s in $LAB_SERVICES; do
		if [ "$_nsok" -eq 0 ] && svc "$_s" check; then
			printf '%-14s up    pid %s, %s\n' "$_s" \
				"$(pidfile_pid "$(svc "$_s" pidfile)")" \
				"$(svc "$_s" desc)"
		else
			printf '%-14s down\n' "$_s"
			_rc=3
		fi
	done
	return "$_rc"
}

do_exec() {
	[ "$#" -gt 0 ] || usage
	need_root exec
	need_netns
	netns_exists && [ -r "$LAB_RESOLV" ] ||
		die "the lab is not up (run: $0 up)"
	# labexec, but replacing this shell so that CMD's exit code is ours
	exec ip netns exec "$LAB_NS" /bin/sh -c \
		'mount --bind "$0" /etc/resolv.conf && exec "$@"' \
		"$LAB_RESOLV" "$@"
}

shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

do_env() {
	for _v in \
		"MW_LAB_NS=$LAB_NS" \
		"MW_LAB_STATE=$LAB_STATE" \
		"MW_LAB_DNS=$IP_RESOLVER" \
		"MW_LAB_ANCHORS=$LAB_ANCHORS" \
		"MW_LAB_RESOLV_CONF=$LAB_RESOLV" \
		"MW_LAB_LIBUNBOUND_CONF=$LAB_LIBUNBOUND_CONF" \
		"MW_LAB_AUTH=$IP_AUTH" \
		"MW_LAB_LAME=$IP_LAME" \
		"MW_LAB_RBL=$IP_RBL" \
		"MW_LAB_MX=$IP_MX" \
		"MW_LAB_IMAP=$IP_IMAP" \
		"MW_LAB_DEAD=$IP_DEAD" \
		"MW_LAB_SENDER=$IP_SENDER" \
		"MW_LAB_LISTED=$IP_LISTED" \
		"MW_LAB_CLEAN=$IP_CLEAN" \
		"MW_LAB_SENDER_CFG=$LAB_SENDER_CFG" \
		"MW_LAB_SENDER_LOG=$LAB_SENDER_LOG" \
		"MW_LAB_SENDER_MAILDIR=$LAB_SENDER_MAILDIR" \
		"MW_LAB_MX_LOG=$LAB_MX_LOG" \
		"MW_LAB_MX_MAILDIR=$LAB_MX_MAILDIR"; do
		printf '%s=%s\n' "${_v%%=*}" "$(shq "${_v#*=}")"
		_names="${_names:-export} ${_v%%=*}"
	done
	say "$_names"
}

# do_send FROM TO [SIZE]: one letter, through `sendmail -C` in the lab (as
# root; without root, submit over SMTP to 203.0.113.10:25).  SIZE pads the
# body with lines of text up to about SIZE bytes.
do_send() {
	[ "$#" -ge 2 ] && [ "$#" -le 3 ] || usage
	case ${3:-0} in *[!0-9]*) die "SIZE must be a number of bytes" ;; esac
	need_root send
	need_netns
	netns_exists && [ -r "$LAB_RESOLV" ] ||
		die "the lab is not up (run: $0 up)"
	svc postfix-sender check || die "the sending Postfix is not running"
	{
		printf 'From: <%s>\nTo: <%s>\n' "$1" "$2"
		printf 'Subject: lab letter to %s\n' "$2"
		printf 'Date: %s\n' "$(LC_ALL=C date -R)"
		printf 'Message-ID: <%s.%s@sender.test>\n' "$(date +%s%N)" "$$"
		printf '\nA letter from the mailwhy lab (lab/lab.sh send).\n'
		if [ "${3:-0}" -gt 0 ]; then
			# 76 characters a line, 77 bytes with the newline
			awk -v n="$(( ${3} / 77 + 1 ))" 'BEGIN {
				l = sprintf("%076d", 0); gsub(/0/, "x", l)
				for (i = 0; i < n; i++) print l }'
		fi
	} | labexec sendmail -C "$LAB_SENDER_CFG" -f "$1" -- "$2" ||
		die "sendmail -C $LAB_SENDER_CFG failed"
}

[ "$#" -gt 0 ] || usage
_cmd=$1
shift
case $_cmd in
up) [ "$#" -eq 0 ] || usage; do_up ;;
down)
	[ "$#" -eq 0 ] || [ "$*" = --force ] || usage
	need_root down
	need_netns
	lab_lock
	do_down "$@"
	;;
status) [ "$#" -eq 0 ] || usage; do_status ;;
exec) do_exec "$@" ;;
env) [ "$#" -eq 0 ] || usage; do_env ;;
send) do_send "$@" ;;
*) usage ;;
esac
