# One legitimate memcached UDP request from an ordinary socket: udpget.py HOST PORT KEY
# Exits 0 when a reply with the same request id arrives within 2 s (a miss is answered with END).
import random, socket, struct, sys
host, port, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
reqid = random.randrange(1, 65536)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(struct.pack("!HHHH", reqid, 0, 1, 0) + b"get %s\r\n" % key.encode(), (host, port))
try:
    reply = s.recv(2048)
except socket.timeout:
    sys.exit(1)
sys.exit(0 if reply[:2] == struct.pack("!H", reqid) else 1)
