#!/usr/bin/env python3
"""Back-pressure through a forwarder: a target that accepts and never reads, a client that writes for SECS seconds.
A forwarder with back-pressure lets the client write only what the socket buffers on the way hold (a few MiB); one
without it takes whatever the client sends and holds it in memory. Prints, per forwarder, the MiB the client got to
write and how far the machine's MemAvailable fell. Loopback only; each forwarder is stopped after its row.
Usage: slow_target.py SECS NAME=COMMAND... where COMMAND has {listen} and {target} for the two ports, e.g.
  slow_target.py 5 "sock=sock forward --nodelay 127.0.0.1:{listen} 127.0.0.1:{target}" "floor=./floor_fwd {listen} {target}"
"""
import os, shlex, socket, subprocess, sys, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def mem_available_mib():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024

def row(name, command, secs):
    target = socket.socket(); target.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    target.bind(("127.0.0.1", 0)); target.listen(8); tport = target.getsockname()[1]
    lport = free_port()
    proc = subprocess.Popen(shlex.split(command.format(listen=lport, target=tport)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try: client = socket.create_connection(("127.0.0.1", lport), timeout=1); break
            except OSError:
                if time.time() > deadline: raise
                time.sleep(0.1)
        held, _ = target.accept()            # accepted, never read
        before = mem_available_mib()
        client.setblocking(False); sent = 0; chunk = b"x" * 65536; start = time.time()
        while time.time() - start < secs and sent < (8 << 30):
            try: sent += client.send(chunk)
            except BlockingIOError: time.sleep(0.005)
        print(f"{name:10} client wrote {sent / 2**20:9.1f} MiB in {secs} s; MemAvailable fell {before - mem_available_mib():7} MiB", flush=True)
        client.close(); held.close()
    finally:
        proc.terminate()
        try: proc.wait(5)
        except subprocess.TimeoutExpired: proc.kill()
        target.close()

secs = float(sys.argv[1])
for spec in sys.argv[2:]:
    name, command = spec.split("=", 1)
    row(name, command, secs)
