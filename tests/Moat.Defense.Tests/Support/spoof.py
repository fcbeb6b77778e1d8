# Spoofed memcached UDP requests for the live-capture test; runs inside the test's network namespace.
# usage: spoof.py SRC SRCPORT DST:PORT[,DST:PORT...] COUNT SECONDS
# Sends COUNT requests to each destination, alternating 'stats' and 'get big', request id 0.
import socket, struct, sys, time

src, sport, targets, count, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
destinations = [(t.rsplit(":", 1)[0], int(t.rsplit(":", 1)[1])) for t in targets.split(",")]
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i in range(count):
    body = b"stats\r\n" if i % 2 == 0 else b"get big\r\n"
    payload = struct.pack("!HHHH", 0, 0, 1, 0) + body
    for dst, dport in destinations:
        udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
        raw.sendto(ip + udp, (dst, 0))
    time.sleep(seconds / count)
