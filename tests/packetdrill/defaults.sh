#!/bin/bash
# Replaces gtests/net/common/defaults.sh (and tcp/common/defaults.sh) when packetdrill drives libfastsocket.so in
# its shared-object mode. There is no tun0 and the stack under test is not the kernel's; run.sh runs each script in
# its own network namespace (unshare -n), so the sysctls below change only that namespace.
#
# The TCP sysctls the harness follows (run.sh passes sysctls=1: every socket() reads them from the namespace, so a
# script's own sysctl lines reach the stack too) are set here as Linux's defaults.sh sets them:
sysctl -q net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1 net.ipv4.tcp_ecn=0 \
    net.ipv4.tcp_min_tso_segs=2 net.ipv4.tcp_slow_start_after_idle=0 2>/dev/null
#
# The rest reach the stack through --so_flags instead; run.sh passes them (see SO_FLAGS there):
#   net.ipv4.tcp_rmem max 15 MB      -> rmem=15728640 (the window scale Linux derives from it: 8)
#   net.ipv4.tcp_wmem default 256 KB -> wmem=262144
#   net.ipv4.tcp_syn_retries=5       -> syn_retries=5
#   tcp_congestion_control=cubic, tcp_syncookies=1: the stack's defaults.
exit 0
