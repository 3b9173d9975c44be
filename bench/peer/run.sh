#!/usr/bin/env bash
# sock peer through two NATs, in namespaces this script creates (the topology of tests/Sock.Tests/Peer/TwoSiteNat.cs:
# a public bridge 203.0.113.0/24 with `sock rendezvous`, two sites 10.1.0.2 and 10.2.0.2 each behind its own nft
# `masquerade` NAT — endpoint-independent mapping — that drops what arrives unasked) and deletes on exit. Needs root.
#  1. Time to a working direct path: alice and bob started back to back with nothing to send, TRIALS times over UDP
#     and over TCP: the wall time from the first launch until both have printed `direct via …`, p50 and p90 (goal:
#     p50 <= 100 ms UDP, <= 200 ms TCP), and each side's own "N ms after start" (which leaves out process start-up).
#  2. Throughput with 1 % loss: nft `numgen random mod 100 < 1 drop` in NAT A's forward path (both directions; this
#     is how the tests inject loss where the kernel has no netem), alice sends BYTES to bob over the reliable UDP
#     stream and over TCP (sock peer --tcp: the kernel's TCP on the same punched path), STREAMS times each,
#     interleaved; MB/s from bob's path line to his last byte, medians and the ratio UDP/TCP (goal >= 0.5). The same
#     without loss first, for scale.
#  3. The issue's own path: 20 ms RTT and 1 % loss. This kernel has no sch_netem, so two more namespaces are joined by
#     a user-space delay line (bench/peer/delayline.c, compiled here with cc): a TUN device in each, every packet
#     carried across DELAY_MS (10) later each way and LOSS3 per mille (10) dropped each way by a seeded generator.
#     `ping -c 20` across shows the RTT; then alice sends BYTES3 (16 MiB) to bob over the reliable UDP stream and over
#     TCP (`sock peer --tcp`: the kernel's TCP with its default congestion control), direct mode, STREAMS times each,
#     interleaved; MB/s, medians, ratio. Then, for scale, iperf3 -n BYTES3 across the same line once per algorithm in
#     TCPCC (default "bbr cubic", set per socket with -C): CUBIC is loss-bound here (Mathis: MSS/RTT x 1.22/sqrt(p)),
#     BBR is not.
# Run it alone: the caller wraps it in `flock /tmp/sock-bench.lock`. Usage: bench/peer/run.sh [TRIALS] (default 50);
# STREAMS (5), BYTES (8388608), LOSS (1), SOCK=path/to/sock to skip the publish, PARTS=12 (3 on request: PARTS=123).
set -euo pipefail
cd "$(dirname "$0")/../.."
trials="${1:-50}"
streams="${STREAMS:-5}"
bytes="${BYTES:-8388608}"
loss="${LOSS:-1}"
parts="${PARTS:-12}"
for tool in ip nft python3; do command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing" >&2; exit 1; }; done
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (ip netns, nft)" >&2; exit 1; }

pub=""
if [ -n "${SOCK:-}" ]; then sock="$SOCK"; else
  pub="$(mktemp -d)"
  dotnet publish src/Sock -c Release -r linux-x64 -o "$pub" -nologo -clp:ErrorsOnly >/dev/null
  sock="$pub/sock"
fi
tag="$$"
pubns="pbp-$tag"; nata="pbna-$tag"; hosta="pba-$tag"; natb="pbnb-$tag"; hostb="pbb-$tag"
dla="pbda-$tag"; dlb="pbdb-$tag"
rendezvous_pid=""; delay_pid=""; dlwork=""
cleanup() {
  [ -n "$rendezvous_pid" ] && kill "$rendezvous_pid" 2>/dev/null || true
  [ -n "$delay_pid" ] && kill "$delay_pid" 2>/dev/null || true
  for ns in "$pubns" "$nata" "$hosta" "$natb" "$hostb" "$dla" "$dlb"; do ip netns del "$ns" 2>/dev/null || true; done
  [ -n "$pub" ] && rm -rf "$pub"
  [ -n "$dlwork" ] && rm -rf "$dlwork"
  return 0
}
trap cleanup EXIT

for ns in "$pubns" "$nata" "$hosta" "$natb" "$hostb"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n "$pubns" link add br0 type bridge
ip -n "$pubns" addr add 203.0.113.1/24 dev br0
ip -n "$pubns" link set br0 up
site() { # NAT HOST BRIDGE-PORT NAT-PUBLIC PRIVATE GATEWAY
  local nat=$1 host=$2 port=$3 public=$4 private=$5 gateway=$6
  # Every veth is made inside a namespace with its far end moved straight into another: nothing on the host.
  ip -n "$nat" link add wan type veth peer name "$port" netns "$pubns"
  ip -n "$nat" link add lan type veth peer name eth0 netns "$host"
  ip -n "$pubns" link set "$port" master br0 up
  ip -n "$nat" addr add "$public/24" dev wan
  ip -n "$nat" addr add "$gateway/24" dev lan
  ip -n "$host" addr add "$private/24" dev eth0
  ip -n "$nat" link set wan up; ip -n "$nat" link set lan up; ip -n "$host" link set eth0 up
  ip -n "$host" route add default via "$gateway"
  ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1
  ip netns exec "$nat" nft -f - <<NFT
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade
  }
}
table inet wall {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state established,related accept
    iifname "wan" drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct state established,related accept
    iifname "wan" drop
  }
}
NFT
}
site "$nata" "$hosta" a0 203.0.113.10 10.1.0.2 10.1.0.1
site "$natb" "$hostb" b0 203.0.113.20 10.2.0.2 10.2.0.1
ip netns exec "$pubns" "$sock" rendezvous 203.0.113.1:3479 >/dev/null 2>&1 &
rendezvous_pid=$!
for _ in $(seq 50); do ip netns exec "$pubns" ss -Huln 'sport = :3479' | grep -q . && break; sleep 0.1; done
trials_py="$(dirname "$0")/trials.py"
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

if [[ "$parts" == *1* ]]; then
for proto in udp tcp; do
  echo "== 1. time to a direct path over ${proto^^}, $trials trials =="
  python3 "$trials_py" connect "$sock" "$hosta" "$hostb" 203.0.113.1:3479 "$proto" "$trials" | tee "/tmp/pb-$tag-$proto" | grep -v '^trial' || true
done
fi

ratio() { # LABEL FILE
  local u t
  u=$(grep "^$1 udp [0-9]" "$2" | awk '{print $3}' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
  t=$(grep "^$1 tcp [0-9]" "$2" | awk '{print $3}' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
  printf '%s: reliable UDP %.2f MB/s, TCP %.2f MB/s, ratio %.2f (goal >= 0.5)\n' "$1" "$u" "$t" "$(echo "$u / $t" | bc -l)"
  # Each pair met the same load: their ratios' median beside the medians' ratio.
  paste <(grep "^$1 udp run" "$2" | sed -E 's/.* = ([0-9.]+) MB\/s/\1/') <(grep "^$1 tcp run" "$2" | sed -E 's/.* = ([0-9.]+) MB\/s/\1/') \
    | awk '$2 > 0 {print $1 / $2}' | sort -g | awk '{a[NR]=$1; s = s sprintf(" %.2f", $1)} END {if (NR) printf "  pairs:%s, median %.2f\n", s, (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

if [[ "$parts" == *2* ]]; then
stream() { # LABEL
  for i in $(seq "$streams"); do
    for proto in udp tcp; do
      python3 "$trials_py" stream "$sock" "$hosta" "$hostb" 203.0.113.1:3479 "$proto" 1 "$bytes" | sed -n "s/^trial 1: /$1 $proto run $i: /p; s/^median stream /$1 $proto /p"
    done
  done
}
echo "== 2. $bytes bytes alice -> bob, $streams runs each, interleaved =="
stream "no-loss" | tee "/tmp/pb-$tag-stream"
ip netns exec "$nata" nft -f - <<NFT
table inet loss {
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    numgen random mod 100 < $loss drop
  }
}
NFT
stream "loss-$loss%" | tee -a "/tmp/pb-$tag-stream"
ratio "no-loss" "/tmp/pb-$tag-stream"
ratio "loss-$loss%" "/tmp/pb-$tag-stream"
rm -f "/tmp/pb-$tag-stream"
fi

if [[ "$parts" == *3* ]]; then
delay="${DELAY_MS:-10}"; loss3="${LOSS3:-10}"; bytes3="${BYTES3:-16777216}"
command -v cc >/dev/null || { echo "run.sh: cc is missing (part 3 compiles its delay line)" >&2; exit 1; }
dlwork="$(mktemp -d)"
cc -O2 -o "$dlwork/delayline" "$(dirname "$0")/delayline.c"
for ns in "$dla" "$dlb"; do
  ip netns add "$ns"; ip -n "$ns" link set lo up
  ip -n "$ns" tuntap add dev dl0 mode tun
  # The device's queue is only the hand-off to the delay line: as deep as netem's own limit (1000 packets), so a
  # delay-line process not scheduled for a moment on a busy machine adds no loss of its own.
  ip -n "$ns" link set dl0 txqueuelen 1000
done
ip -n "$dla" addr add 10.77.0.1 peer 10.77.0.2 dev dl0
ip -n "$dlb" addr add 10.77.0.2 peer 10.77.0.1 dev dl0
# Bounded: the delay line ends itself after an hour whatever happens to this script.
"$dlwork/delayline" "$dla" dl0 "$dlb" dl0 "$delay" "$loss3" 17 3600 >"$dlwork/delayline.out" 2>&1 &
delay_pid=$!
for _ in $(seq 50); do grep -q READY "$dlwork/delayline.out" && break; sleep 0.1; done
ip -n "$dla" link set dl0 up; ip -n "$dlb" link set dl0 up
echo "== 3. across the delay line: ${delay} ms each way, ${loss3} per mille lost each way =="
ip netns exec "$dla" ping -c 20 -i 0.05 10.77.0.2 | tail -2
label="path-$(ip netns exec "$dla" sysctl -n net.ipv4.tcp_congestion_control)"
for i in $(seq "$streams"); do
  for proto in udp tcp; do
    python3 "$trials_py" direct "$sock" "$dla" "$dlb" 10.77.0.1:4001 10.77.0.2:4002 "$proto" 1 "$bytes3" \
      | sed -n "s/^trial 1: /$label $proto run $i: /p; s/^median stream /$label $proto /p"
  done
done | tee "/tmp/pb-$tag-path"
ratio "$label" "/tmp/pb-$tag-path"
if command -v iperf3 >/dev/null; then
  ip netns exec "$dlb" timeout 600 iperf3 -s -B 10.77.0.2 -p 5201 >/dev/null 2>&1 &
  iperf_pid=$!
  for _ in $(seq 50); do ip netns exec "$dlb" ss -Htln 'sport = :5201' | grep -q . && break; sleep 0.1; done
  for cc in ${TCPCC:-bbr cubic}; do
    for i in $(seq "$streams"); do
      ip netns exec "$dla" timeout 120 iperf3 -c 10.77.0.2 -p 5201 -n "$bytes3" -C "$cc" -f m 2>&1 \
        | awk -v cc="$cc" -v i="$i" '/receiver/ {for (k = 1; k <= NF; k++) if ($k == "Mbits/sec") printf "iperf3 %s run %s: %.2f MB/s (%s retransmitted)\n", cc, i, $(k-1) / 8, r} /sender/ {for (k = 1; k <= NF; k++) if ($k == "Mbits/sec") r = $(k+1)}'
    done
  done
  kill "$iperf_pid" 2>/dev/null || true
fi
rm -f "/tmp/pb-$tag-path"
fi
rm -f "/tmp/pb-$tag-udp" "/tmp/pb-$tag-tcp"
