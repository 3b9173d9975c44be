#!/usr/bin/env bash
# Start-up benchmark: median wall time of `sock --version` and `sock services 80` against a plain .NET
# hello-world, all published the same way (framework-dependent, ReadyToRun, linux-x64), in the same run; then the
# same two commands from the tool as `dotnet tool install` installs it (the README's way), and from the portable
# package that platforms without a precompiled one install (run through `dotnet sock.dll`).
# Usage: bench/startup/run.sh [RUNS]   (default 30 runs each, after 3 warm-ups). Needs hyperfine.
set -euo pipefail
runs="${1:-30}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/bench/out/startup"
rid="linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')"
rm -rf "$out" && mkdir -p "$out"
dotnet publish "$root/src/Sock" -c Release -r "$rid" --self-contained false -o "$out/sock" -nologo -v q >/dev/null
dotnet publish "$here/hello" -c Release -r "$rid" --self-contained false -o "$out/hello" -nologo -v q >/dev/null
dotnet pack "$root/src/Sock" -c Release -o "$out/pkg" -nologo -v q >/dev/null
dotnet tool install --tool-path "$out/tool" --add-source "$out/pkg" sock >/dev/null
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props")
mkdir -p "$out/any" && (cd "$out/any" && unzip -q "$out/pkg/sock.any.$version.nupkg")
portable="$out/any/tools/net10.0/any/sock.dll"
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }
hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/result.json" \
  -n hello "$out/hello/Hello" \
  -n "sock --version" "$out/sock/sock --version" \
  -n "sock services 80" "$out/sock/sock services 80" \
  -n "installed --version" "$out/tool/sock --version" \
  -n "installed services 80" "$out/tool/sock services 80" \
  -n "portable --version" "dotnet $portable --version" \
  -n "portable services 80" "dotnet $portable services 80" >/dev/null
python3 - "$out/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["hello"]["median"]
print(f"{'command':<22} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'x hello':>8}")
for name, x in r.items():
    print(f"{name:<22} {x['median']*1000:>10.1f} {x['min']*1000:>8.1f} {x['max']*1000:>8.1f} {x['median']/base:>8.2f}")
goal = r["sock --version"]["median"] * 1000
print(f"goal: sock --version <= 80 ms: {'met' if goal <= 80 else 'NOT met'} ({goal:.1f} ms)")
PY
