#!/bin/bash
# Replaces gtests/net/common/defaults.sh (and tcp/common/defaults.sh) when packetdrill drives libfastsocket.so in
# its shared-object mode. There is no tun0 and the stack under test is not the kernel's, so sysctls and tc would
# only change the host (run.sh runs each script in its own network namespace anyway). The knobs that Linux's
# defaults.sh sets reach the stack through --so_flags instead; run.sh passes them (see SO_FLAGS there):
#   net.ipv4.tcp_rmem max 15 MB      -> rmem=15728640 (the window scale Linux derives from it: 8)
#   net.ipv4.tcp_wmem default 256 KB -> wmem=262144
#   net.ipv4.tcp_syn_retries=5       -> syn_retries=5
#   tcp_timestamps=1, tcp_sack=1, tcp_congestion_control=cubic, tcp_ecn=0, tcp_syncookies=1: the stack's defaults.
exit 0
