#!/usr/bin/python3
"""pymemcache (Debian python3-pymemcache 3.5.2) scenarios against a memcached-compatible server.

Usage: pymemcache_scenarios.py PORT SCENARIO [SCENARIO...]   (or "list" to print the scenario names)
Prints "PASS <name>" per scenario; on the first failure prints the assertion and exits 1.
Every scenario uses its own random key prefix so runs never see each other's data.
"""
import sys
import uuid

from pymemcache.client.base import Client
from pymemcache.exceptions import (
    MemcacheClientError,
    MemcacheIllegalInputError,
    MemcacheServerError,
    MemcacheUnknownCommandError,
)

from scenario_runner import registry, run

SCENARIOS, scenario = registry()


class FlagsSerde:
    """Passes bytes through and exposes the client flags: get() returns (value, flags)."""

    def serialize(self, key, value):
        data, flags = value
        return data, flags

    def deserialize(self, key, value, flags):
        return value, flags


def client(port, **kw):
    kw.setdefault("default_noreply", False)
    return Client(("127.0.0.1", port), connect_timeout=5, timeout=10, **kw)


def prefix():
    return "py" + uuid.uuid4().hex[:12] + ":"


def expect_raises(exc_type, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc_type:
        return
    raise AssertionError("expected %s from %s%r" % (exc_type.__name__, fn.__name__, args))


@scenario
def set_get(port):
    c, p = client(port), prefix()
    assert c.set(p + "a", b"hello") is True
    assert c.get(p + "a") == b"hello"
    assert c.get(p + "missing") is None
    assert c.set(p + "a", b"") is True
    assert c.get(p + "a") == b""
    assert c.set(p + "bin", bytes(range(256))) is True
    assert c.get(p + "bin") == bytes(range(256))
    assert c.set(p + "crlf", b"a\r\nEND\r\nb") is True
    assert c.get(p + "crlf") == b"a\r\nEND\r\nb"


@scenario
def flags_roundtrip(port):
    c, p = client(port, serde=FlagsSerde()), prefix()
    for flags in (0, 1, 123, 65535, 4294967295):
        assert c.set(p + "f", (b"v", flags)) is True
        assert c.get(p + "f") == (b"v", flags), c.get(p + "f")


@scenario
def get_many(port):
    c, p = client(port), prefix()
    values = {p + str(i): ("value-%d" % i).encode() for i in range(200)}
    assert c.set_many(values) == []
    keys = list(values) + [p + "absent1", p + "absent2"]
    got = c.get_many(keys)
    assert got == values, (len(got), len(values))
    assert c.get_many([p + "absent3"]) == {}


@scenario
def gets_cas(port):
    c, p = client(port), prefix()
    assert c.set(p + "k", b"one") is True
    value, token = c.gets(p + "k")
    assert value == b"one" and int(token) > 0
    assert c.cas(p + "k", b"two", token) is True
    assert c.get(p + "k") == b"two"
    assert c.cas(p + "k", b"three", token) is False  # EXISTS: token is stale
    assert c.get(p + "k") == b"two"
    assert c.cas(p + "nokey", b"x", token) is None  # NOT_FOUND
    value2, token2 = c.gets(p + "k")
    assert value2 == b"two" and token2 != token
    many = c.gets_many([p + "k", p + "nokey"])
    assert list(many) == [p + "k"] and many[p + "k"][0] == b"two"
    assert c.gets(p + "nokey") == (None, None)


@scenario
def incr_decr(port):
    c, p = client(port), prefix()
    assert c.set(p + "n", b"10") is True
    assert c.incr(p + "n", 5) == 15
    assert c.decr(p + "n", 3) == 12
    assert c.decr(p + "n", 100) == 0  # decr saturates at 0
    assert c.incr(p + "missing", 1) is None
    assert c.decr(p + "missing", 1) is None
    assert c.set(p + "max", b"18446744073709551615") is True
    assert c.incr(p + "max", 1) == 0  # incr wraps at 2^64
    assert c.set(p + "text", b"abc") is True
    expect_raises(MemcacheClientError, c.incr, p + "text", 1)
    assert c.set(p + "grow", b"99") is True
    assert c.incr(p + "grow", 1) == 100
    assert c.get(p + "grow") == b"100"


@scenario
def append_prepend(port):
    c, p = client(port), prefix()
    assert c.set(p + "s", b"mid") is True
    assert c.append(p + "s", b"-end") is True
    assert c.prepend(p + "s", b"start-") is True
    assert c.get(p + "s") == b"start-mid-end"
    assert c.append(p + "none", b"x") is False
    assert c.prepend(p + "none", b"x") is False
    assert c.get(p + "none") is None


@scenario
def add_replace(port):
    c, p = client(port), prefix()
    assert c.add(p + "k", b"first") is True
    assert c.add(p + "k", b"second") is False
    assert c.get(p + "k") == b"first"
    assert c.replace(p + "k", b"third") is True
    assert c.get(p + "k") == b"third"
    assert c.replace(p + "none", b"x") is False
    assert c.get(p + "none") is None


@scenario
def delete(port):
    c, p = client(port), prefix()
    assert c.set(p + "d", b"x") is True
    assert c.delete(p + "d") is True
    assert c.get(p + "d") is None
    assert c.delete(p + "d") is False
    assert c.set_many({p + "m1": b"1", p + "m2": b"2"}) == []
    assert c.delete_many([p + "m1", p + "m2", p + "m3"]) is True
    assert c.get_many([p + "m1", p + "m2"]) == {}


@scenario
def touch_and_expiry(port):
    c, p = client(port), prefix()
    assert c.set(p + "t", b"x", expire=3600) is True
    assert c.touch(p + "t", 7200) is True
    assert c.get(p + "t") == b"x"
    assert c.touch(p + "none", 10) is False
    assert c.set(p + "gone", b"x", expire=-1) is True  # negative exptime: stored already expired
    assert c.get(p + "gone") is None
    assert c.set(p + "t2", b"y") is True
    assert c.touch(p + "t2", -1) is True  # touching into the past expires it
    assert c.get(p + "t2") is None


@scenario
def noreply(port):
    c, p = client(port, default_noreply=True), prefix()
    for i in range(100):
        assert c.set(p + str(i), str(i).encode()) is True
    assert c.add(p + "a", b"1") is True
    assert c.replace(p + "a", b"2") is True
    assert c.append(p + "a", b"3") is True
    assert c.prepend(p + "a", b"0") is True
    assert c.incr(p + "5", 10, noreply=True) is None
    assert c.decr(p + "6", 1, noreply=True) is None
    assert c.delete(p + "7") is True
    assert c.touch(p + "8", 100) is True
    # A reply on the same connection proves the server has processed every silent command before it; only then
    # may another connection look at the results.
    assert c.version()
    check = client(port)
    assert check.get(p + "a") == b"023"
    assert check.get(p + "5") == b"15"
    assert check.get(p + "6") == b"5"
    assert check.get(p + "7") is None
    assert check.get(p + "99") == b"99"


@scenario
def flush_all(port):
    c, p = client(port), prefix()
    assert c.set_many({p + "1": b"a", p + "2": b"b"}) == []
    assert c.flush_all() is True
    assert c.get_many([p + "1", p + "2"]) == {}
    assert c.set(p + "3", b"c") is True  # storing works again right after the flush
    assert c.get(p + "3") == b"c"
    assert c.flush_all(noreply=True) is True
    assert c.get(p + "3") is None


@scenario
def stats(port):
    c, p = client(port), prefix()
    before = c.stats()
    for name in (b"pid", b"uptime", b"time", b"version", b"curr_connections", b"cmd_get", b"cmd_set",
                 b"get_hits", b"get_misses", b"curr_items", b"total_items", b"limit_maxbytes", b"threads"):
        assert name in before, "stat %r missing" % name
    c.set(p + "s", b"v")
    c.get(p + "s")
    c.get(p + "absent")
    after = c.stats()
    assert after[b"cmd_get"] >= before[b"cmd_get"] + 2, (before[b"cmd_get"], after[b"cmd_get"])
    assert after[b"cmd_set"] >= before[b"cmd_set"] + 1
    assert after[b"get_hits"] >= before[b"get_hits"] + 1
    assert after[b"get_misses"] >= before[b"get_misses"] + 1


@scenario
def version(port):
    v = client(port).version()
    assert isinstance(v, bytes) and len(v) > 0 and b" " not in v, v


@scenario
def large_values(port):
    c, p = client(port), prefix()
    for size in (1024, 65536, 500 * 1024, 1000 * 1000):
        data = bytes((i * 7) % 251 for i in range(size))
        assert c.set(p + str(size), data) is True, size
        assert c.get(p + str(size)) == data, size
    expect_raises(MemcacheServerError, c.set, p + "huge", b"x" * (2 * 1024 * 1024))
    assert c.get(p + "huge") is None
    assert c.set(p + "after", b"ok") is True  # the connection survives the refused value
    assert c.get(p + "after") == b"ok"


@scenario
def unicode_keys(port):
    strict = client(port)
    expect_raises(MemcacheIllegalInputError, strict.set, "ключ-" + uuid.uuid4().hex, b"x")
    expect_raises(MemcacheIllegalInputError, strict.set, "has space", b"x")
    expect_raises(MemcacheIllegalInputError, strict.set, "k" * 251, b"x")
    # Keys are bytes to the server: UTF-8 is fine as long as it has no space or control byte.
    relaxed = client(port, allow_unicode_keys=True, encoding="utf-8")
    key = "ключ-" + uuid.uuid4().hex
    assert relaxed.set(key, b"unicode") is True
    assert relaxed.get(key) == b"unicode"
    assert relaxed.set("k" * 250, b"longest") is True
    assert relaxed.get("k" * 250) == b"longest"


@scenario
def unknown_command(port):
    c = client(port)
    expect_raises(MemcacheUnknownCommandError, c._misc_cmd, [b"bogus_command\r\n"], b"bogus_command", False)
    assert c.version()


if __name__ == "__main__":
    sys.exit(run(SCENARIOS, __doc__))
