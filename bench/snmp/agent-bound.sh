#!/usr/bin/env bash
# How fast can an agent make snmpbulkwalk's walk? The issue's agent goal is a wall time ≤ 0.5× the same walk of snmpd.
# A bulk walk is strictly serial (one GetBulk in flight), so its wall time is at least the manager's own CPU time plus
# the agent's. This runs snmpbulkwalk of tcpConnectionTable (N connections open, default 10000) against snmpd and
# `sock agent` in alternating order for ROUNDS rounds, and prints per walk: wall seconds, snmpbulkwalk's CPU
# (user+system, /usr/bin/time) and the agent's CPU over the walk (/proc/PID/stat). The last line is the floor: the ratio
# a sock agent costing no CPU at all would reach, snmpbulkwalk's own CPU ÷ the snmpd walk's wall time.
# SOCK (default: the JIT build) may point at the Native AOT executable; BASE=path/to/another/sock adds that build's
# agent as a third, walked in the same rounds ("base"). Run under flock /tmp/sock-bench.lock.
N=${1:-10000}
ROUNDS=${2:-5}
source "$(dirname "$0")/lib.sh"
choose_sock
hold_connections "$N"
port_snmpd=$(free_udp_port)
start_snmpd "$port_snmpd"; pid_snmpd=${pids[-1]}
start_sock_agent -c "$community" --cache 60s; pid_sock=${pids[-1]}
agents="snmpd sock"
if [ -n "${BASE:-}" ]; then
  port_own=$port_sock; sock_own=("${sock[@]}"); sock=("$BASE")
  start_sock_agent -c "$community" --cache 60s; pid_base=${pids[-1]}; port_base=$port_sock
  port_sock=$port_own; sock=("${sock_own[@]}"); agents="snmpd sock base"
fi
port_of() { case $1 in snmpd) echo "$port_snmpd";; sock) echo "$port_sock";; base) echo "$port_base";; esac; }
pid_of() { case $1 in snmpd) echo "$pid_snmpd";; sock) echo "$pid_sock";; base) echo "$pid_base";; esac; }
table=1.3.6.1.2.1.6.19
ticks=$(getconf CLK_TCK)
cpu_of() { awk -v t="$ticks" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
# walk NAME PORT PID: appends "wall manager_cpu agent_cpu" to $work/NAME
walk() {
  local a0 a1
  a0=$(cpu_of "$3")
  /usr/bin/time -f "%e %U %S" -o "$work/t" snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$2" $table > "$work/out" 2>/dev/null
  a1=$(cpu_of "$3")
  awk -v a0="$a0" -v a1="$a1" '{printf "%s %.3f %.3f\n", $1, $2 + $3, a1 - a0}' "$work/t" >> "$work/$1"
  wc -l < "$work/out" > "$work/$1.rows"
}
for name in $agents; do walk "$name" "$(port_of $name)" "$(pid_of $name)"; : > "$work/$name"; done  # warm-up, not counted
for r in $(seq 1 "$ROUNDS"); do
  order=$agents; [ $((r % 2)) = 0 ] && order=$(echo $agents | tr ' ' '\n' | tac | tr '\n' ' ')
  for name in $order; do walk "$name" "$(port_of $name)" "$(pid_of $name)"; done
done
col() { awk -v c="$2" '{print $c}' "$work/$1" | median; }
echo "connections: $N; rows: snmpd $(cat "$work/snmpd.rows"), sock agent $(cat "$work/sock.rows"); $ROUNDS rounds (order alternating), medians; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %8s %18s %12s\n' agent "wall s" "snmpbulkwalk CPU s" "agent CPU s"
for name in $agents; do printf '%-12s %8s %18s %12s\n' "$name" "$(col $name 1)" "$(col $name 2)" "$(col $name 3)"; done
echo "ratio sock/snmpd (wall): $(echo "scale=2; $(col sock 1) / $(col snmpd 1)" | bc)"
[ -n "${BASE:-}" ] && echo "ratio base/snmpd (wall): $(echo "scale=2; $(col base 1) / $(col snmpd 1)" | bc)"
echo "floor (snmpbulkwalk's CPU in the sock walk / snmpd walk's wall): $(echo "scale=2; $(col sock 2) / $(col snmpd 1)" | bc)"
