#!/usr/bin/env bash
# Runs every test of sock. First installs the peer tools the interop tests talk to (ncat, socat, OpenBSD nc,
# ss, nmap, iperf3, netstat, nft, gcc) from Debian's packages, when any is missing and this runs as root.
# Prints a closing line "tests: N passed, N failed, N skipped" and exits non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")"

# command:package pairs; the command tells whether the package is there.
peers=(ncat:ncat socat:socat nc.openbsd:netcat-openbsd nmap:nmap iperf3:iperf3 ss:iproute2 ip:iproute2
       netstat:net-tools nft:nftables iptables:iptables gcc:gcc setpriv:util-linux rdate:rdate
       snmpget:snmp snmpd:snmpd strace:strace)
# sock stun and sock peer: coturn as the STUN server, stund's client to compare with.
peers+=(turnserver:coturn stun:stun-client)
# sock ping and sock traceroute are compared with iputils' ping and tracepath, Debian's traceroute and fping.
peers+=(ping:iputils-ping tracepath:iputils-tracepath traceroute:traceroute fping:fping tc:iproute2)
# TLS peers make their certificates with openssl (the TLS tests, the line client's --ssl sample test).
peers+=(openssl:openssl)
# sock http, sock bench http and Sock.AspNetCore: curl to compare with and as a client (tcp4, tcp6, --unix-socket),
# Python's http.server and nginx as servers, wrk for the benchmarks.
peers+=(curl:curl python3:python3 nginx:nginx-light wrk:wrk)
# sock proxy and --proxy: dante-server (chained with, and a SOCKS5 server to connect through), microsocks and tinyproxy.
peers+=(danted:dante-server microsocks:microsocks tinyproxy:tinyproxy)
# sock ui's browser test (issue 18): headless Chromium driven through chromedriver by Selenium.
peers+=(chromium:chromium chromedriver:chromium-driver)
# issue 16 (notifications): net-snmp's trap receiver, for sock agent --trap-to and sock snmp trap/inform
peers+=(snmptrapd:snmptrapd)
missing=()
for pair in "${peers[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing peer tools: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # The proxies and web servers (danted, tinyproxy, nginx) would start as system daemons on install and hold their
    # well-known ports; the tests start their own. policy-rc.d tells Debian's scripts not to start them; it is made here
    # only when there is none, and removed again.
    rcd=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then rcd=/usr/sbin/policy-rc.d; printf '#!/bin/sh\nexit 101\n' > "$rcd"; chmod +x "$rcd"; fi
    apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
    if [ -n "$rcd" ]; then rm -f "$rcd"; fi
  else
    echo "test.sh: missing peer tools (${missing[*]}); run as root to install them, or the tests that need them skip" >&2
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build sock.slnx -c Release -nologo -clp:ErrorsOnly

# The tests run the Native AOT executable where one can be built (Linux x86-64), so a failure that only the trimmed,
# precompiled build has cannot hide behind the JIT build; elsewhere they run the JIT build through the dotnet host.
if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
  dotnet publish src/Sock -c Release -r linux-x64 -o artifacts/aot -nologo -clp:ErrorsOnly >/dev/null
  export SOCK_TEST_EXE="$PWD/artifacts/aot/sock"
  echo "test.sh: running the tests against the Native AOT build ($SOCK_TEST_EXE)"
  # The README's three tool packages, made here once (the native one reuses the compile above); the packaging test
  # installs and runs them.
  rm -rf artifacts/pkg
  for rid in "" linux-x64 any; do
    dotnet pack src/Sock -c Release -o artifacts/pkg -nologo -clp:ErrorsOnly ${rid:+-r $rid} >/dev/null
  done
  export SOCK_TEST_PACKAGES="$PWD/artifacts/pkg"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# A hung test must not eat the whole CI run: blame-hang stops it and names it.
dotnet test sock.slnx -c Release --no-build --blame-hang-timeout 10m -- xUnit.MaxParallelThreads=2 2>&1 | tee "$log" || status=$?

summary=$(grep -E '^(Passed|Failed)! +- Failed: ' "$log" | tail -n 1 || true)
if [ -n "$summary" ]; then
  failed=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")
  passed=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
  skipped=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")
  echo "tests: $passed passed, $failed failed, $skipped skipped"
else
  echo "tests: 0 passed, 1 failed (the test run did not report a summary)"
  status=1
fi
exit "$status"
