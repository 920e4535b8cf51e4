# lab/services/postfix-mx.sh - the receiving MX, mx.good.test on
# 198.51.100.25: mailboxes of good.test in maildirs under STATE/mail/mx/,
# realistic refusals (lab/README.md, "Mail").  Sourced by lab.sh.
# shellcheck shell=sh

. "$LAB_SRC/postfix/postfix.sh"

LAB_MX_LOG=$LAB_LOG/postfix-mx.log
LAB_MX_MAILDIR=$LAB_STATE/mail/mx

postfix_mx_pidfile() { pf_pidfile postfix-mx; }
postfix_mx_desc() { echo "$IP_MX mx.good.test"; }
postfix_mx_need() { pf_need; }
postfix_mx_prepare() { pf_prepare postfix-mx mx; }
postfix_mx_launch() { pf_launch postfix-mx "$IP_MX"; }
postfix_mx_start() { pf_wait postfix-mx "$IP_MX"; }
postfix_mx_check() { pf_check postfix-mx "$IP_MX"; }
