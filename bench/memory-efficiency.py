#!/usr/bin/env python3
"""Memory efficiency: how many 32-byte-key / 100-byte-value items fit in -m 64 and -m 1024.

memcached (the oracle, /usr/bin/memcached) is started on loopback and filled over a socket with pipelined
`set ... noreply` until `stats` shows evictions > 0; curr_items at that moment and the process RSS are
reported. Moat's store is measured in-process by `Moat.Benchmarks memory-efficiency` (same keys, same values,
same stop rule). Usage: bench/memory-efficiency.py [MiB ...]   (default: 64 1024)
"""
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DLL = os.path.join(ROOT, "bench", "Moat.Benchmarks", "bin", "Release", "net10.0", "Moat.Benchmarks.dll")
MEMCACHED = "/usr/bin/memcached"
VALUE = b"v" * 100


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def stats(sock):
    sock.sendall(b"stats\r\n")
    data = b""
    while not data.endswith(b"END\r\n"):
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("memcached closed the connection")
        data += chunk
    result = {}
    for line in data.decode().split("\r\n"):
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] == "STAT":
            result[parts[1]] = parts[2]
    return result


def measure_memcached(mebibytes):
    port = free_port()
    command = [MEMCACHED, "-m", str(mebibytes), "-p", str(port), "-U", "0", "-l", "127.0.0.1"]
    if os.geteuid() == 0:
        command += ["-u", "nobody"]  # memcached refuses to run as root without a user to drop to
    server = subprocess.Popen(command)
    try:
        sock = None
        for _ in range(100):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                time.sleep(0.05)
        if sock is None:
            raise RuntimeError("memcached did not start")
        with sock:
            i = 0
            items = 0
            batch = 2000
            limit = mebibytes * 1024 * 1024 // 100  # upper bound on items: never loop forever
            while i < limit:
                payload = b"".join(b"set k%030d 0 0 100 noreply\r\n%s\r\n" % (n, VALUE) for n in range(i, i + batch))
                sock.sendall(payload)
                i += batch
                current = stats(sock)
                if int(current["evictions"]) > 0:
                    # curr_items stays at capacity once memcached evicts one item per new item.
                    items = int(current["curr_items"])
                    break
                items = int(current["curr_items"])
                if int(current["limit_maxbytes"]) - int(current["bytes"]) < 4 * 1024 * 1024:
                    batch = 200
            rss = rss_kib(server.pid)
        return items, rss
    finally:
        server.kill()
        server.wait()


def measure_moat(limits):
    if not os.path.exists(BENCH_DLL):
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "bench", "Moat.Benchmarks"), "-c", "Release"], check=True,
                       stdout=subprocess.DEVNULL)
    out = subprocess.run(["dotnet", BENCH_DLL, "memory-efficiency", *map(str, limits)], check=True,
                         capture_output=True, text=True).stdout
    results = {}
    for line in out.splitlines():
        # moat -m 64: curr_items at first eviction 466020, ...
        if line.startswith("moat -m "):
            mebibytes = int(line.split()[2].rstrip(":"))
            items = int(line.split("first eviction ")[1].split(",")[0])
            results[mebibytes] = (items, line)
    return results


def main():
    limits = [int(a) for a in sys.argv[1:]] or [64, 1024]
    if not os.path.exists(MEMCACHED):
        print(f"SKIPPED: {MEMCACHED} is not installed")
        return 0
    moat = measure_moat(limits)
    for mebibytes in limits:
        items, rss = measure_memcached(mebibytes)
        moat_items, moat_line = moat[mebibytes]
        print(f"memcached -m {mebibytes}: curr_items at first eviction {items}, "
              f"{mebibytes * 1048576 / items:.1f} bytes/item, VmRSS {rss / 1024:.1f} MiB")
        print(moat_line)
        print(f"  ratio moat/memcached: {moat_items / items:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
