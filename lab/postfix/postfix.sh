# lab/postfix/postfix.sh - what the two lab Postfix instances share (sourced
# by services/postfix-mx.sh and services/postfix-sender.sh).
#
# An instance X has its config in ETC/X (main.cf = main-common.cf.in + X's
# part, master.cf, lookup tables), its queue in RUN/X/spool, its data in
# RUN/X/data, its log in LOG/X.log and its mail in STATE/mail/<role>/ (kept
# after `down`, emptied by `up`).  Only `postfix -c ETC/X` and `sendmail -C
# ETC/X` are used, as root: the system's /etc/postfix/main.cf is never read
# and no system Postfix is needed (the package must merely be installed).
# shellcheck shell=sh

pf_need() {
	need_bin postfix postfix
	need_bin postconf postfix
	need_bin sendmail postfix
	id postfix >/dev/null 2>&1 ||
		die "user 'postfix' missing: reinstall the Debian package postfix"
}

pf_cfg() { echo "$LAB_ETC/$1"; }
pf_pidfile() { echo "$LAB_RUN/$1/spool/pid/master.pid"; }

# pf_prepare X ROLE: write ETC/X from lab/postfix/{main-common,ROLE}.cf.in,
# master.cf and ROLE.* tables; empty STATE/mail/ROLE.
pf_prepare() {
	_cfg=$(pf_cfg "$1")
	mkdir -p "$_cfg" "$LAB_RUN/$1/spool" "$LAB_RUN/$1/data"
	chown postfix "$LAB_RUN/$1/data"
	lab_template "$LAB_SRC/postfix/main-common.cf.in" "$_cfg/main.cf"
	cat >>"$_cfg/main.cf" <<EOT
queue_directory = $LAB_RUN/$1/spool
data_directory = $LAB_RUN/$1/data
syslog_name = $1
maillog_file = $LAB_LOG/$1.log
EOT
	lab_template "$LAB_SRC/postfix/$2.cf.in" "$_cfg/main.cf.part"
	cat "$_cfg/main.cf.part" >>"$_cfg/main.cf"
	rm -f "$_cfg/main.cf.part"
	cp "$LAB_SRC/postfix/master.cf" "$_cfg/master.cf"
	for _t in "$LAB_SRC/postfix/$2".*; do
		case $_t in
		*.cf.in) ;;
		*) lab_template "$_t" "$_cfg/${_t##*/"$2".}" ;;
		esac
	done
	# Postfix sleeps until a config file or table is ~2 s old before it
	# reads it (dict_load_file): backdate the fresh ones, or every command
	# below and `postfix start` would wait.
	touch -d '1 minute ago' "$_cfg"/*
	rm -rf "$LAB_STATE/mail/$2"
	mkdir -p "$LAB_STATE/mail/$2"
	chown mail:mail "$LAB_STATE/mail/$2"
	# postconf -n reports unknown parameters and syntax errors now
	_err=$(postconf -c "$_cfg" -n 2>&1 >/dev/null) || true
	[ -z "$_err" ] || die "postfix configuration $_cfg/main.cf: $_err"
}

# pf_launch X IP: start X in the background (`postfix start` spends ~0.5 s
# in its checks; both instances do that at once); pf_wait waits for it.
pf_launch() {
	port_free "$2" 25
	labexec postfix -c "$(pf_cfg "$1")" start \
		>>"$LAB_LOG/$1.start.log" 2>&1 &
	eval "PF_JOB_$(printf '%s' "$1" | tr -c 'a-z0-9\n' _)=\$!"
}

pf_wait() {
	eval "_job=\${PF_JOB_$(printf '%s' "$1" | tr -c 'a-z0-9\n' _):-}"
	if [ -n "$_job" ] && ! wait "$_job"; then
		log_tail "$LAB_LOG/$1.start.log"
		log_tail "$LAB_LOG/$1.log"
		die "$1 did not start (postfix -c $(pf_cfg "$1") start)"
	fi
	wait_tcp "$2" 25 || {
		log_tail "$LAB_LOG/$1.log"
		die "$1 does not listen on $2:25 within 5 s"
	}
}

pf_check() {
	pid_in_lab "$(pidfile_pid "$(pf_pidfile "$1")")" && wait_tcp "$2" 25 1
}
