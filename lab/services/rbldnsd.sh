# lab/services/rbldnsd.sh - rbldnsd: the lab's DNS blocklist bl.test on
# 198.51.100.54, delegated from test. (zones/test.zone, with glue).
# Sourced by lab.sh (see the service interface there).
#
#   203.0.113.66       127.0.0.2 + TXT   listed (the "listed client")
#   203.0.113.200/29   127.0.0.4         a listed range
#   203.0.113.99       127.255.255.254   the error code lists give public
#                                        resolvers: "refused", never listed
#   127.0.0.2          127.0.0.2         the RFC 5782 test point
# Everything else: NXDOMAIN.  Recipe: shared/lab-notes/RECIPES.md section 3.

RBL_DIR=$LAB_RUN/rbldnsd

rbldnsd_pidfile() { echo "$RBL_DIR/rbldnsd.pid"; }
rbldnsd_desc() { echo "$IP_RBL (bl.test)"; }

rbldnsd_need() {
	need_bin rbldnsd rbldnsd
	id rbldns >/dev/null 2>&1 ||
		die "user rbldns missing: reinstall the Debian package rbldnsd"
}

rbldnsd_prepare() {
	mkdir -p "$RBL_DIR"
	cat >"$RBL_DIR/bl.test.ip4set" <<EOT
\$SOA 60 ns.bl.test. hostmaster.test. 1 3600 600 86400 60
\$NS 60 ns.bl.test.
:127.0.0.2:Listed in lab DNSBL - see http://bl.test/lookup?ip=\$
127.0.0.2
$IP_LISTED
203.0.113.200/29 :127.0.0.4:Listed range (lab DNSBL, code 127.0.0.4)
203.0.113.99 :127.255.255.254:Query refused (lab: public resolver)
EOT
	# Names in a generic dataset are relative to the zone.
	printf 'ns A %s\n' "$IP_RBL" >"$RBL_DIR/bl.test.generic"
	# -r chroots into the directory: rbldns must be able to read it.
	chown -R rbldns "$RBL_DIR"
}

rbldnsd_start() {
	port_free "$IP_RBL" 53
	bgrun "$(rbldnsd_pidfile)" "$LAB_LOG/rbldnsd.log" \
		rbldnsd -n -r "$RBL_DIR" -u rbldns -b "$IP_RBL/53" -t 60 \
		-c 2 bl.test:ip4set:bl.test.ip4set \
		bl.test:generic:bl.test.generic
	wait_dns "$IP_RBL" 66.113.0.203.bl.test A || {
		log_tail "$LAB_LOG/rbldnsd.log"
		die "rbldnsd does not answer on $IP_RBL within 5 s"
	}
}

rbldnsd_check() {
	pid_in_lab "$(pidfile_pid "$(rbldnsd_pidfile)")" &&
		wait_dns "$IP_RBL" 66.113.0.203.bl.test A 1
}
