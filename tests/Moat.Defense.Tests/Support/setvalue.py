# Stores a value of N bytes under KEY over TCP: setvalue.py HOST PORT KEY N
import socket, sys
host, port, key, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
s = socket.create_connection((host, port), timeout=5)
s.sendall(b"set %s 0 0 %d\r\n" % (key.encode(), size) + b"v" * size + b"\r\n")
reply = s.recv(100)
sys.exit(0 if reply.startswith(b"STORED") else 1)
