#!/usr/bin/env bash
# Start-up benchmark for the Native AOT build, all in one run:
#  1. hyperfine, interleaved by hyperfine's own rounds: a Native AOT hello-world (the floor), `sock --version`,
#     `sock services 80`, `sock stat -s` against `ss -s`, and the installed tool (the README's three packs).
#  2. Process start to the first SYN of `sock connect 127.0.0.1 P` against ncat's, in paired rounds: strace -r -f
#     timestamps each connect(2) from the process's execve, so the figure is the program's own start-up to its SYN.
#  3. The native executable's size, and the RSS of an idle `sock listen`.
# Usage: bench/startup/run.sh [RUNS]   (default 30 runs each, after 3 warm-ups). Needs hyperfine, strace, ncat.
set -euo pipefail
runs="${1:-30}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/bench/out/startup"
rm -rf "$out" && mkdir -p "$out"
for tool in hyperfine strace ncat ss; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install $tool)" >&2; exit 1; }
done
dotnet publish "$root/src/Sock" -c Release -r linux-x64 -o "$out/sock" -nologo -v q >/dev/null
dotnet publish "$here/hello" -c Release -r linux-x64 -o "$out/hello" -nologo -v q >/dev/null
for rid in "" linux-x64 any; do dotnet pack "$root/src/Sock" -c Release -o "$out/pkg" -nologo -v q ${rid:+-r $rid} >/dev/null; done
dotnet tool install --tool-path "$out/tool" --add-source "$out/pkg" sock >/dev/null
sock="$out/sock/sock"

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/result.json" \
  -n hello "$out/hello/Hello" \
  -n "sock --version" "$sock --version" \
  -n "sock services 80" "$sock services 80" \
  -n "sock stat -s" "$sock stat -s" \
  -n "ss -s" "ss -s" \
  -n "installed --version" "$out/tool/sock --version" >/dev/null
python3 - "$out/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["hello"]["median"]
print(f"{'command':<22} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'x hello':>8}")
for name, x in r.items():
    print(f"{name:<22} {x['median']*1000:>10.2f} {x['min']*1000:>8.2f} {x['max']*1000:>8.2f} {x['median']/base:>8.2f}")
def goal(label, ratio, limit):
    print(f"goal: {label} <= {limit}x: {'met' if ratio <= limit else 'NOT met'} ({ratio:.2f}x)")
goal("sock --version / AOT hello", r["sock --version"]["median"] / base, 1.2)
goal("sock services 80 / AOT hello", r["sock services 80"]["median"] / base, 2.0)
goal("sock stat -s / ss -s", r["sock stat -s"]["median"] / r["ss -s"]["median"], 3.0)
PY

# Time from execve to connect(2) on the socket, for sock and ncat in paired rounds against one listener that
# accepts and closes. strace stops only at execve and connect (--seccomp-bpf), so the other calls of a start-up cost
# nothing extra; -ttt gives absolute stamps, subtracted.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); s.settimeout(120)
deadline = time.time() + 120
while time.time() < deadline:
    try: c, _ = s.accept()
    except socket.timeout: break
    c.close()
PY
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
sleep 0.3
first_syn() {  # prints ms from execve to the connect() call on an AF_INET socket
  strace -f --seccomp-bpf -ttt -e trace=execve,connect -o "$out/strace.txt" "$@" </dev/null >/dev/null 2>&1 || true
  python3 - "$out/strace.txt" <<'PY'
import re, sys
t0 = None
for line in open(sys.argv[1]):
    m = re.match(r"\d+\s+(\d+\.\d+) (\w+)\((.*)", line)
    if not m: continue
    t, call, rest = float(m.group(1)), m.group(2), m.group(3)
    if call == "execve" and t0 is None: t0 = t
    if call == "connect" and "AF_INET" in rest:
        print(f"{(t - t0) * 1000:.3f}"); break
PY
}
: >"$out/syn.txt"
for i in $(seq 1 "$runs"); do
  s=$(first_syn "$sock" connect -w 2s 127.0.0.1 "$port")
  n=$(first_syn ncat -w 2 127.0.0.1 "$port")
  echo "$s $n" >>"$out/syn.txt"
done
python3 - "$out/syn.txt" <<'PY'
import statistics, sys
pairs = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 2]
s = statistics.median(p[0] for p in pairs); n = statistics.median(p[1] for p in pairs)
ratio = statistics.median(p[0] / p[1] for p in pairs)
print(f"first SYN after execve (strace, {len(pairs)} paired rounds): sock {s:.2f} ms, ncat {n:.2f} ms, median ratio {ratio:.2f}x")
print(f"goal: sock's first SYN <= 1.5x ncat's: {'met' if ratio <= 1.5 else 'NOT met'}")
PY

size=$(stat -c %s "$sock")
echo "native executable: $(python3 -c "print(f'{$size/1048576:.1f}')") MiB ($size bytes)"
"$sock" listen 127.0.0.1 0 </dev/null >/dev/null 2>&1 &
listener=$!
sleep 1
rss=$(awk '/VmRSS/ {print $2}' /proc/$listener/status)
kill $listener 2>/dev/null || true
echo "idle sock listen: RSS $(python3 -c "print(f'{$rss/1024:.1f}')") MiB; goal <= 15 MiB: $([ "$rss" -le 15360 ] && echo met || echo NOT met)"
