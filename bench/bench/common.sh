# Shared by bench/bench/run.sh and pipeline_cpu.sh (sourced, from the repository root): the pipeline job's shape,
# where builds go, and the clean-up that stops every process a script started (append their pids to PIDS).
RUNS=${RUNS:-3}
CONNS=${CONNS:-4}
SIZE=${SIZE:-32}
INFLIGHT=${INFLIGHT:-64}
OUT=${OUT:-bench/out/bench}
mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
