#!/usr/bin/env bash
# sock scan against nmap -sT, in the same run.
#  1. Every TCP port (1-65535) of 127.0.0.1: sock scan -p - against nmap -sT -p- (default timing), RUNS times each,
#     interleaved; medians of wall time, and sock's peak RSS (GNU time's %M).
#  2. 1,000 ports of an address where every SYN is dropped (all filtered): sock RUNS times, nmap DROPPED_NMAP_RUNS
#     times (default 1: nmap takes minutes here), and the two verdict lists must be equal.
# Both run inside a network namespace this script creates (its own loopback, and a veth pair with a /30 of
# 10.231.0.0/16) and deletes on exit, so nothing leaves the machine and no one else's listeners are touched.
# Needs root (ip netns), nmap, nft and GNU time. Usage: bench/scan/run.sh [RUNS]; PARTS=1 or PARTS=2 runs one part.
# BASE_SRC=DIR (a source tree, e.g. a git worktree of the commit before a change) adds sock-base to part 1: DIR's
# src/Sock published the same way, run in the same rounds, and sock's speed ratio to it (paired rounds, median).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
dropped_nmap_runs="${DROPPED_NMAP_RUNS:-1}"
parts="${PARTS:-12}"
for tool in nmap nft ip /usr/bin/time; do command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing" >&2; exit 1; }; done
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root for ip netns" >&2; exit 1; }

# Published as the tool ships on linux-x64: the Native AOT executable.
pub="$(mktemp -d)"
dotnet publish src/Sock -c Release -r linux-x64 -o "$pub" -nologo -clp:ErrorsOnly >/dev/null
sock="$pub/sock"
BASE_SRC=${BASE_SRC:-}
if [ -n "$BASE_SRC" ]; then
  pub_base="$pub/base"
  dotnet publish "$BASE_SRC/src/Sock" -c Release -r linux-x64 -o "$pub_base" -nologo -clp:ErrorsOnly >/dev/null
fi

id=$((RANDOM % 16384)); tag="b6$(printf %04x $id)"; ns="sock-bench-$tag"
net="10.231.$((id / 64))"; host_ip="$net.$((id % 64 * 4 + 1))"; ns_ip="$net.$((id % 64 * 4 + 2))"
work="$(mktemp -d)"
cleanup() { kill $(listeners) 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; rm -rf "$work" "$pub"; }
trap cleanup EXIT
ip netns add "$ns"
ip link add "${tag}h" type veth peer name "${tag}n"
ip link set "${tag}n" netns "$ns"
ip addr add "$host_ip/30" dev "${tag}h"; ip link set "${tag}h" up
ip -n "$ns" addr add "$ns_ip/30" dev "${tag}n"; ip -n "$ns" link set "${tag}n" up; ip -n "$ns" link set lo up
ip netns exec "$ns" nft -f - <<'NFT'
table inet bench {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 20000-20999 drop
  }
}
NFT
inns() { ip netns exec "$ns" "$@"; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# Runs a command under GNU time; prints "seconds kilobytes".
timed() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$work/out" 2>"$work/err"; cat "$work/t"; }

if [[ "$parts" == *1* ]]; then
echo "== 1. full TCP range of 127.0.0.1 (inside the namespace), $runs runs each =="
# Something to find: three listeners on the namespace's loopback.
# ip netns exec forks, so each listener writes its own pid (the shell's, which execs socat) for the kill below.
for port in 22 8080 50000; do
  inns sh -c 'echo $$ >"$1"; exec socat TCP-LISTEN:"$2",bind=127.0.0.1,fork,reuseaddr SYSTEM:true' sh "$work/listener.$port" "$port" \
    </dev/null >/dev/null 2>&1 &
done
sleep 0.5
listeners() { cat "$work"/listener.* 2>/dev/null; }
: >"$work/sock.full"; : >"$work/nmap.full"; : >"$work/sock.rss"
for i in $(seq "$runs"); do
  read -r s kb < <(timed ip netns exec "$ns" "$sock" scan 127.0.0.1 -p - --json)
  open_sock=$(grep -c '"state": "open"' "$work/out" || true)
  echo "$s" >>"$work/sock.full"; echo "$kb" >>"$work/sock.rss"
  read -r n _ < <(timed ip netns exec "$ns" nmap -sT -n -Pn -p- 127.0.0.1)
  open_nmap=$(grep -c '/tcp *open' "$work/out" || true)
  echo "$n" >>"$work/nmap.full"
  line="run $i: sock ${s}s (${kb} KiB peak RSS, $open_sock open)  nmap ${n}s ($open_nmap open)"
  if [ -n "$BASE_SRC" ]; then
    read -r b bkb < <(timed ip netns exec "$ns" "$pub_base/sock" scan 127.0.0.1 -p - --json)
    echo "$b $s" >>"$work/base.full"
    line="$line  sock-base ${b}s (${bkb} KiB, $(grep -c '"state": "open"' "$work/out" || true) open)"
  fi
  echo "$line"
done
kill $(listeners) 2>/dev/null || true
ms=$(median <"$work/sock.full"); mn=$(median <"$work/nmap.full"); mr=$(median <"$work/sock.rss")
echo "median: sock ${ms}s, nmap ${mn}s, ratio sock/nmap $(awk -v a="$ms" -v b="$mn" 'BEGIN {printf "%.2f", a/b}'); sock peak RSS median $((mr / 1024)) MiB"
if [ -n "$BASE_SRC" ]; then
  echo "sock/sock-base speed (base time / sock time), paired rounds: $(awk '{printf "%.3f ", $1/$2}' "$work/base.full"); median $(awk '{printf "%.4f\n", $1/$2}' "$work/base.full" | median)"
fi
fi
[[ "$parts" == *2* ]] || exit 0

echo
echo "== 2. 1,000 dropped ports of $ns_ip (namespace behind a veth): sock $runs runs, nmap $dropped_nmap_runs =="
: >"$work/sock.drop"; : >"$work/nmap.drop"
for i in $(seq "$runs"); do
  read -r s _ < <(timed "$sock" scan "$ns_ip" -p 20000-20999 --all --json)
  python3 - "$work/out" >"$work/sock.verdicts" <<'PY' 2>/dev/null || grep -o '"port": [0-9]*' "$work/out" | awk '{print $2, "filtered"}' >"$work/sock.verdicts"
import json, sys
for p in json.load(open(sys.argv[1]))["hosts"][0]["ports"]: print(p["port"], p["state"])
PY
  echo "$s" >>"$work/sock.drop"
  echo "run $i: sock ${s}s ($(grep -c filtered "$work/sock.verdicts") filtered)"
done
for i in $(seq "$dropped_nmap_runs"); do
  read -r n _ < <(timed nmap -sT -n -Pn -p 20000-20999 -oX "$work/nmap.xml" "$ns_ip")
  echo "$n" >>"$work/nmap.drop"
  count=$(sed -n 's/.*extraports state="filtered" count="\([0-9]*\)".*/\1/p' "$work/nmap.xml" | head -n 1)
  echo "run $i: nmap ${n}s ($count filtered)"
done
sock_filtered=$(grep -c ' filtered$' "$work/sock.verdicts")
verdicts=$([ "$sock_filtered" = 1000 ] && [ "${count:-0}" = 1000 ] && echo "equal (1,000 filtered each)" || echo "DIFFERENT: sock $sock_filtered filtered, nmap ${count:-0}")
ms=$(median <"$work/sock.drop"); mn=$(median <"$work/nmap.drop")
echo "median: sock ${ms}s, nmap ${mn}s, ratio sock/nmap $(awk -v a="$ms" -v b="$mn" 'BEGIN {printf "%.3f", a/b}'); verdicts $verdicts"
