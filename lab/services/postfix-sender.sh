# lab/services/postfix-sender.sh - the sending Postfix, mail.sender.test on
# 203.0.113.10: delivers through the lab resolver, gives up after ~25 s, and
# puts every DSN for sender.test in one maildir (STATE/mail/sender/catchall).
# Inject with `lab/lab.sh send FROM TO [SIZE]`.  Sourced by lab.sh.
# shellcheck shell=sh

. "$LAB_SRC/postfix/postfix.sh"

LAB_SENDER_CFG=$LAB_ETC/postfix-sender
LAB_SENDER_LOG=$LAB_LOG/postfix-sender.log
LAB_SENDER_MAILDIR=$LAB_STATE/mail/sender/catchall

postfix_sender_pidfile() { pf_pidfile postfix-sender; }
postfix_sender_desc() { echo "$IP_SENDER mail.sender.test"; }
postfix_sender_need() { pf_need; }
postfix_sender_prepare() { pf_prepare postfix-sender sender; }
postfix_sender_launch() { pf_launch postfix-sender "$IP_SENDER"; }
postfix_sender_start() { pf_wait postfix-sender "$IP_SENDER"; }
postfix_sender_check() { pf_check postfix-sender "$IP_SENDER"; }
