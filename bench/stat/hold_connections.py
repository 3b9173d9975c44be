#!/usr/bin/env python3
"""Opens N established TCP connections over loopback (both ends in this process), prints "ready",
and holds them until stdin closes or a time limit passes; then closes everything. Run it inside the
benchmark's own network namespace so the connections touch nobody else's port range."""
import resource, select, socket, sys, time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
limit = float(sys.argv[2]) if len(sys.argv) > 2 else 300.0
need = 2 * n + 64
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < need and hard >= need:
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, max(hard, need)))
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(4096)
addr = listener.getsockname()
held = []
for i in range(n):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(addr)
    a, _ = listener.accept()
    held.append(c)
    held.append(a)
print(f"ready {n} connections to {addr[0]}:{addr[1]}", flush=True)
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    r, _, _ = select.select([sys.stdin], [], [], 1.0)
    if r and not sys.stdin.readline():
        break
for s in held:
    s.close()
listener.close()
