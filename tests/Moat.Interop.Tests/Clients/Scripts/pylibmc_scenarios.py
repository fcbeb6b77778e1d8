#!/usr/bin/python3
"""pylibmc (Debian python3-pylibmc 1.6.3 over libmemcached 1.1.4, text protocol) scenarios.

Usage: pylibmc_scenarios.py PORT SCENARIO [SCENARIO...]   (or "list" to print the scenario names)
Prints "PASS <name>" per scenario; on the first failure prints the assertion and exits 1.
"""
import sys
import uuid

import pylibmc

from scenario_runner import registry, run

SCENARIOS, scenario = registry()


def client(port, **behaviors):
    b = {"tcp_nodelay": True, "connect_timeout": 5000, "send_timeout": 10_000_000, "receive_timeout": 10_000_000}
    b.update(behaviors)
    return pylibmc.Client(["127.0.0.1:%d" % port], binary=False, behaviors=b)


def prefix():
    return "pl" + uuid.uuid4().hex[:12] + ":"


@scenario
def typed_values(port):
    c, p = client(port), prefix()
    # pylibmc keeps the Python type in the client flags: these round trips check flags and data together.
    for name, value in (("bytes", b"\x00\x01raw"), ("str", "text"), ("int", 42), ("bool", True),
                        ("list", [1, "two", 3.0]), ("dict", {"a": 1})):
        assert c.set(p + name, value) is True, name
        assert c.get(p + name) == value, (name, c.get(p + name))
    assert c.get(p + "absent") is None


@scenario
def multi(port):
    c, p = client(port), prefix()
    values = {"k%d" % i: ("v%d" % i).encode() for i in range(150)}
    assert c.set_multi(values, key_prefix=p) == []
    got = c.get_multi(list(values) + ["missing"], key_prefix=p)
    assert got == values, len(got)
    assert c.delete_multi(["k0", "k1", "nope"], key_prefix=p) is False  # one of them was absent
    assert c.get_multi(["k0", "k1", "k2"], key_prefix=p) == {"k2": b"v2"}


@scenario
def cas(port):
    c, p = client(port, cas=True), prefix()
    assert c.set(p + "c", b"1") is True
    value, token = c.gets(p + "c")
    assert value == b"1"
    assert c.cas(p + "c", b"2", token) is True
    assert c.cas(p + "c", b"3", token) is False
    assert c.get(p + "c") == b"2"


@scenario
def arithmetic(port):
    c, p = client(port), prefix()
    assert c.set(p + "n", 5) is True  # stored as the text "5"
    assert c.incr(p + "n", 10) == 15
    assert c.decr(p + "n", 20) == 0
    assert c.get(p + "n") == 0
    try:
        c.incr(p + "missing")
        raise AssertionError("incr of a missing key must raise NotFound")
    except pylibmc.NotFound:
        pass


@scenario
def storage_modes(port):
    c, p = client(port), prefix()
    assert c.add(p + "a", b"x") is True
    assert c.add(p + "a", b"y") is False
    assert c.replace(p + "a", b"z") is True
    assert c.replace(p + "none", b"z") is False
    assert c.append(p + "a", b"!") is True
    assert c.prepend(p + "a", b"<") is True
    assert c.get(p + "a") == b"<z!"
    assert c.append(p + "none", b"!") is False
    assert c.delete(p + "a") is True
    assert c.delete(p + "a") is False


@scenario
def touch_and_stats(port):
    c, p = client(port), prefix()
    assert c.set(p + "t", b"x", time=100) is True
    assert c.touch(p + "t", 1000) is True
    assert c.touch(p + "none", 1000) is False
    (server, stats), = c.get_stats()
    assert server.startswith(b"127.0.0.1:%d" % port), server
    for name in ("pid", "uptime", "curr_items", "cmd_get", "get_hits"):
        assert name in stats, (name, sorted(stats))


@scenario
def large_value(port):
    c, p = client(port), prefix()
    data = bytes(range(256)) * 3000
    assert c.set(p + "big", data, min_compress_len=0) is True
    assert c.get(p + "big") == data
    try:
        c.set(p + "huge", b"x" * (2 * 1024 * 1024))
        raise AssertionError("a 2 MiB value must be refused")
    except pylibmc.TooBig:
        pass
    except pylibmc.Error as e:  # libmemcached reports SERVER_ERROR "object too large" as a server error
        assert "too large" in str(e).lower() or "SERVER_ERROR" in str(e), e
    assert c.get(p + "huge") is None
    assert c.set(p + "after", b"ok") is True


if __name__ == "__main__":
    sys.exit(run(SCENARIOS, __doc__))
