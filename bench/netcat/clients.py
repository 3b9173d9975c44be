#!/usr/bin/env python3
"""Load clients for the netcat benchmarks (loopback only, bounded in count and time).

idle PORT N      open N connections to 127.0.0.1:PORT, wait for SOCK_LISTEN_PID's RSS to be read by run.sh
                 (prints READY), then wait for one line on every connection; prints how many got it.
broker PORT N L  N clients each send L lines to a broker; each counts the lines it receives from the others;
                 prints lines delivered and lines/s.
"""
import os, selectors, socket, sys, time

def idle(port, n, timeout=60):
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        conns.append(s)
    print("READY", len(conns), flush=True)
    sys.stdin.readline()  # run.sh writes a line once it has read the RSS and sent the broadcast
    sel = selectors.DefaultSelector()
    for s in conns:
        sel.register(s, selectors.EVENT_READ)
    got = 0
    deadline = time.time() + timeout
    while got < n and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            data = key.fileobj.recv(4096)
            if b"\n" in data:
                got += 1
            sel.unregister(key.fileobj)
    print("SERVED", got, "of", n, flush=True)
    for s in conns:
        s.close()

def broker(port, n, lines, timeout=120):
    conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    time.sleep(0.5)  # let the broker register every client before anyone talks
    for s in conns:
        s.setblocking(False)
    sel = selectors.DefaultSelector()
    payloads = {}
    for i, s in enumerate(conns):
        payloads[s] = b"".join(b"client %03d line %04d\n" % (i, j) for j in range(lines))
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    received = {s: 0 for s in conns}
    expected = lines * (n - 1)
    start = time.time()
    deadline = start + timeout
    while time.time() < deadline and any(v < expected for v in received.values()):
        for key, ev in sel.select(timeout=1):
            s = key.fileobj
            if ev & selectors.EVENT_READ:
                data = s.recv(1 << 18)
                received[s] += data.count(b"\n")
            if ev & selectors.EVENT_WRITE and payloads[s]:
                sent = s.send(payloads[s][:1 << 16])
                payloads[s] = payloads[s][sent:]
                if not payloads[s]:
                    sel.modify(s, selectors.EVENT_READ)
    elapsed = time.time() - start
    total = sum(received.values())
    print("DELIVERED %d of %d lines in %.3f s: %.0f lines/s" % (total, expected * n, elapsed, total / elapsed), flush=True)
    for s in conns:
        s.close()

if __name__ == "__main__":
    if sys.argv[1] == "idle":
        idle(int(sys.argv[2]), int(sys.argv[3]))
    else:
        broker(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
