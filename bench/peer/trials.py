#!/usr/bin/env python3
"""The timed part of bench/peer/run.sh: starts `sock peer --rendezvous` in site A (alice) and site B (bob) of the
namespaces run.sh built, and stamps what each prints, as it arrives, on one monotonic clock.

  trials.py connect SOCK NS_A NS_B RENDEZVOUS PROTO TRIALS
      Both peers started back to back with nothing to send; per trial: the wall time from the first launch to the
      moment the second of the two printed its path line (`direct via …`), and each side's own "N ms after start".
  trials.py stream SOCK NS_A NS_B RENDEZVOUS PROTO TRIALS BYTES
      alice sends BYTES random bytes to bob; per trial: bob's received bytes over the time from his path line to
      the last byte (so neither start-up nor the closing handshake is in it), in MB/s.
  trials.py direct SOCK NS_A NS_B ADDR_A:PORT ADDR_B:PORT PROTO TRIALS BYTES
      The same transfer between two direct-mode peers (`sock peer -v --bind ADDR_A:PORT --peer ADDR_B:PORT`), timed
      from bob's `Connected to` line to his last byte: run.sh's part 3, across its delay line.

Prints one line per trial and, last, `median NAME VALUE` lines for run.sh. Every process it starts is ended (killed
after 30 s at most)."""
import os, re, statistics, subprocess, sys, threading, time

PATH_LINE = re.compile(r"^(direct|relayed) via .* ([0-9.]+) ms after start")
# Direct mode says it with -v: "sock peer: Connected to … over UDP (direct, 3.1 ms after start)".
DIRECT_LINE = re.compile(r"Connected to .* over [A-Z]+ \((direct|[a-z ]+), ([0-9.]+) ms after start\)")


def peer(sock, ns, rendezvous, proto, me, them, stdin):
    if DIRECT:
        # Direct mode: "rendezvous" is this side's ADDR:PORT, "them" the other's.
        return subprocess.Popen(["ip", "netns", "exec", ns, sock, "peer", "-v", "--bind", rendezvous, "--peer", them,
                                 "--" + proto, "-w", "20s"],
                                stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.Popen(["ip", "netns", "exec", ns, sock, "peer", "--rendezvous", rendezvous, "--name", me,
                             "--to", them, "--" + proto, "-w", "20s"],
                            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def watch_stderr(proc, seen):
    """Stamps the path line; keeps the rest for a failure's report."""
    for raw in proc.stderr:
        line = raw.decode(errors="replace").rstrip()
        seen.setdefault("lines", []).append(line)
        m = PATH_LINE.match(line) or DIRECT_LINE.search(line)
        if m and "path_at" not in seen:
            seen["path_at"] = time.monotonic()
            seen["kind"] = "direct" if DIRECT else m.group(1)
            seen["self_ms"] = float(m.group(2))


def read_stdout(proc, seen, expected):
    total = 0
    while True:
        chunk = proc.stdout.read1(1 << 20)
        if not chunk:
            break
        total += len(chunk)
        if total >= expected and "done_at" not in seen:
            seen["done_at"] = time.monotonic()
    seen["bytes"] = total


def finish(procs, threads):
    deadline = time.monotonic() + LIMIT
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    for t in threads:
        t.join(timeout=5)


def trial(sock, ns_a, ns_b, rendezvous, proto, i, payload):
    a_seen, b_seen = {}, {}
    tag = f"{os.getpid()}-{i}"
    stdin_a = subprocess.PIPE if payload else subprocess.DEVNULL
    start = time.monotonic()
    if DIRECT:
        a = peer(sock, ns_a, ADDR_A, proto, "", ADDR_B, stdin_a)
        b = peer(sock, ns_b, ADDR_B, proto, "", ADDR_A, subprocess.DEVNULL)
    else:
        a = peer(sock, ns_a, rendezvous, proto, f"alice-{tag}", f"bob-{tag}", stdin_a)
        b = peer(sock, ns_b, rendezvous, proto, f"bob-{tag}", f"alice-{tag}", subprocess.DEVNULL)
    threads = [threading.Thread(target=watch_stderr, args=(a, a_seen)), threading.Thread(target=watch_stderr, args=(b, b_seen)),
               threading.Thread(target=read_stdout, args=(b, b_seen, len(payload) if payload else 1 << 62)),
               threading.Thread(target=read_stdout, args=(a, a_seen, 1 << 62))]
    for t in threads:
        t.start()
    if payload:
        try:
            a.stdin.write(payload)
            a.stdin.close()
        except BrokenPipeError:
            pass
    finish([a, b], threads)
    return start, a, b, a_seen, b_seen


DIRECT = False
ADDR_A = ADDR_B = ""
LIMIT = 30


def main():
    global DIRECT, ADDR_A, ADDR_B, LIMIT
    if sys.argv[1] == "direct":
        # Same arguments as stream, with bob's ADDR:PORT inserted after alice's (in the rendezvous' place).
        DIRECT, ADDR_A, ADDR_B, LIMIT = True, sys.argv[5], sys.argv[6], 120
        del sys.argv[6]
        sys.argv[1] = "stream"
    mode, sock, ns_a, ns_b, rendezvous, proto, trials = sys.argv[1:8]
    trials = int(trials)
    size = int(sys.argv[8]) if mode == "stream" else 0
    payload = os.urandom(size) if size else b""
    values, selfs = [], []
    failed = 0
    for i in range(trials):
        start, a, b, a_seen, b_seen = trial(sock, ns_a, ns_b, rendezvous, proto, i, payload)
        ok = a.returncode == 0 and b.returncode == 0 and a_seen.get("kind") == "direct" and b_seen.get("kind") == "direct"
        if mode == "connect":
            if not ok:
                failed += 1
                print(f"trial {i + 1}: failed (exit {a.returncode}/{b.returncode}): {a_seen.get('lines')} | {b_seen.get('lines')}")
                continue
            wall = (max(a_seen["path_at"], b_seen["path_at"]) - start) * 1000
            own = max(a_seen["self_ms"], b_seen["self_ms"])
            values.append(wall)
            selfs.append(own)
            print(f"trial {i + 1}: both direct {wall:.1f} ms after launch (their own count: {a_seen['self_ms']:.1f} / {b_seen['self_ms']:.1f} ms)")
        else:
            if not ok or b_seen.get("bytes") != size or "done_at" not in b_seen:
                failed += 1
                print(f"trial {i + 1}: failed (exit {a.returncode}/{b.returncode}, {b_seen.get('bytes')} of {size} bytes): {a_seen.get('lines')} | {b_seen.get('lines')}")
                continue
            seconds = b_seen["done_at"] - b_seen["path_at"]
            mbps = size / seconds / 1e6
            values.append(mbps)
            print(f"trial {i + 1}: {size} bytes in {seconds * 1000:.0f} ms = {mbps:.2f} MB/s")
    if values:
        print(f"median {mode} {statistics.median(values):.2f}")
        if mode == "connect":
            q = statistics.quantiles(values, n=10) if len(values) >= 2 else values
            print(f"median own {statistics.median(selfs):.2f}")
            print(f"p90 {mode} {q[-1]:.2f}")
    print(f"failed {failed}")


if __name__ == "__main__":
    main()
