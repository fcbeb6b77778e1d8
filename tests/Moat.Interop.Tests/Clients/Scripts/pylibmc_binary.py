#!/usr/bin/python3
"""pylibmc in binary-protocol mode (libmemcached 1.1.4): set/get/incr/decr/cas/delete/multi-get/append/touch.

Usage: pylibmc_binary.py PORT
Prints "PASS binary" when every round trip matches; on the first failure prints the assertion and exits 1.
"""
import sys
import traceback
import uuid

import pylibmc


def main(port):
    c = pylibmc.Client(["127.0.0.1:%d" % port], binary=True,
                       behaviors={"tcp_nodelay": True, "cas": True, "connect_timeout": 5000})
    p = "bin" + uuid.uuid4().hex[:12] + ":"

    for name, value in (("bytes", b"\x00\x01raw"), ("str", "text"), ("int", 42), ("list", [1, "two"])):
        assert c.set(p + name, value) is True, name
        assert c.get(p + name) == value, (name, c.get(p + name))
    assert c.get(p + "absent") is None

    assert c.set(p + "n", 10) is True
    assert c.incr(p + "n", 5) == 15
    assert c.decr(p + "n", 100) == 0
    try:
        c.incr(p + "missing", 1)
        raise AssertionError("incr of a missing key must fail")
    except pylibmc.NotFound:
        pass

    assert c.set(p + "c", b"1") is True
    value, token = c.gets(p + "c")
    assert value == b"1"
    assert c.cas(p + "c", b"2", token) is True
    assert c.cas(p + "c", b"3", token) is False
    assert c.get(p + "c") == b"2"

    assert c.add(p + "c", b"x") is False
    assert c.replace(p + "c", b"r") is True
    assert c.append(p + "c", b">") is True
    assert c.prepend(p + "c", b"<") is True
    assert c.get(p + "c") == b"<r>"

    values = {"k%d" % i: ("v%d" % i).encode() for i in range(100)}
    assert c.set_multi(values, key_prefix=p) == []
    assert c.get_multi(list(values) + ["nope"], key_prefix=p) == values

    assert c.delete(p + "c") is True
    assert c.delete(p + "c") is False
    assert c.get(p + "c") is None
    assert c.touch(p + "k1", 100) is True

    assert len(c.get_stats()) == 1
    print("PASS binary")


if __name__ == "__main__":
    try:
        main(int(sys.argv[1]))
    except Exception:  # noqa: BLE001 - report any failure to the test
        traceback.print_exc()
        sys.exit(1)
