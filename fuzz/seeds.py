#!/usr/bin/env python3
"""seeds.py - write the seed corpora of the fuzz targets into fuzz/corpus/.

Run from the top of the tree when a message layout or a target's input
format changes; the seeds are small and kept in the tree.
"""
import os
import struct

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MAGIC = 0x31445252
VERSION = 6
REPLY = 0x8000


def put(target, name, data):
    d = os.path.join(TOP, "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def name(s, size=64):
    return s.encode().ljust(size, b"\0")


def packet(typ, body, seq=1, nfds=0, version=VERSION):
    hdr = struct.pack("<IHHII", MAGIC, version, typ, 16 + len(body), seq)
    return bytes([nfds]) + hdr + body


def proto():
    params = struct.pack("<IIIIQ", 64, 0, 0, 0, 4096)
    peer = struct.pack("<IIII", 1234, 1000, 1000, 0) + name("client", 16)
    put("proto", "hello", packet(1, struct.pack("<II", VERSION, 0) +
                                 name("ringctl", 16)))
    # ops: noop..read, and 128..130; names for 128..130 in a 128-slot table
    ops = b"\x1f" + b"\0" * 15 + b"\x07" + b"\0" * 15
    opnames = (name("identify", 16) + name("capacity", 16) +
               name("release", 16) + b"\0" * 16 * 125)
    put("proto", "register", packet(2, name("blkdev0") + ops + opnames))
    put("proto", "probe-reply", packet(8 | REPLY, struct.pack("<iI", 0, 0) +
                                       ops + opnames))
    put("proto", "unregister", packet(3, name("ramfile")))
    put("proto", "open", packet(4, name("null") + params))
    put("proto", "open-reply", packet(4 | REPLY,
                                      struct.pack("<iIQ", 0, 0, 7), nfds=3))
    put("proto", "attach", packet(5, struct.pack("<Q", 7) + name("ramfile") +
                                  peer + params, seq=0, nfds=3))
    put("proto", "accept", packet(6, struct.pack("<QiI", 7, 0, 0)))
    put("proto", "close", packet(7, struct.pack("<Q", 7)))
    put("proto", "status", packet(9, b""))
    put("proto", "list-end", packet(11 | REPLY, struct.pack("<iI", 0, 1)))
    put("proto", "phys-alloc", packet(13, struct.pack("<QQII", 1 << 20,
                                                      65536, 0x20005, 0)))
    put("proto", "phys-map-reply", packet(15 | REPLY, struct.pack(
        "<iIQQQ", 0, 1, 0x100000, 0x100000, 3), nfds=1))
    put("proto", "error", packet(0x7fff, struct.pack("<iI", -71, VERSION)))
    put("proto", "old-version", packet(1, struct.pack("<II", 1, 0) +
                                       name("old", 16), version=1))
    put("proto", "fds-split", bytes([0x0b]) + packet(9, b"")[1:])
    # relibc redox_rings: sq 5, cq 0, flags 0, pool 64K, items 32/16
    rparams = struct.pack("<IIIIIIII", 5, 0, 0, 65536, 32, 16, 0, 0)
    made = struct.pack("<IIIIIIII", 8, 16, 0, 65536, 32, 16, 0, 0)
    put("proto", "scheme-set", packet(22, name("logging") +
                                      struct.pack("<II", 1, 0)))
    put("proto", "redox-setup", packet(24, name("logging") + rparams))
    put("proto", "redox-setup-reply", packet(24 | REPLY, struct.pack(
        "<iIQ", 0, 0, 7) + made, nfds=4))
    put("proto", "redox-attach", packet(25, struct.pack("<Q", 7) +
                                        name("logging") + peer + rparams,
                                        seq=0))
    put("proto", "redox-accept", packet(26, struct.pack("<QiI", 7, 0, 0) +
                                        made, nfds=4))
    put("proto", "redox-files", packet(27, struct.pack("<QII", 7, 0, 1),
                                       nfds=1))
    put("proto", "redox-fileset", packet(28, struct.pack("<QII", 7, 9, 1),
                                         seq=0, nfds=1))
    put("proto", "redox-files-done", packet(29, struct.pack("<QIi", 7, 9,
                                                            -18)))
    put("proto", "redox-detach", packet(30, struct.pack("<QiI", 7, -104, 0),
                                        seq=0))


CONFIGS = {
    "example": """# /etc/ringd.conf
socket_mode = 0660
socket_group = root
max_rings_per_client = 64
max_pool_bytes = 16M
log_level = warning
""",
    "limits": """socket = /run/ringd/ringd.sock
max_clients = 1024
max_schemes = 256
max_schemes_per_client = 16
max_rings = 4096
max_entries = 4096
max_pending_bytes = 1M
accept_timeout_ms = 5000
root_takeover = yes
""",
    "phys": """phys_zone32_size = 1G
phys_zone64_size = 4G
phys_allow_users = yes
phys_quota = 256M
phys_max_regions = 1024
phys_max_regions_per_uid = 64
""",
    "policy": """policy_default = deny
seccomp = no
allow register * uid=root
allow open * uid=root
allow submit * uid=root
allow phys uid=root
allow register "usb.*" gid=root
allow open "usb.*" gid=0
allow submit "usb.*" op=write uid=1000
deny submit "usb.*" op=write
allow submit "usb.*" gid=0
allow phys uid=1000 quota=256M regions=64
deny register "sys.*"
deny submit * op=128-255 uid=nobody
""",
    "errors": """max_clients = 0
max_entries = 65536
socket = relative
socket_mode = 999
nonsense
unknown_key = 1
log_level = loud
""",
}


def config():
    for k, v in CONFIGS.items():
        put("config", k, v.encode())


RINGCTL = [
    "status", "-j status", "schemes", "rings -q", "-p rings", "ring 3",
    "clients", "probe null", "submit null write data=hello",
    "submit echo noop user_data=0x2a flags=drain|chain priority=3",
    "submit zero read len=4K --dump --timeout 500ms",
    "submit echo noop --count 100 --batch 32 --window 64",
    "submit null write --data-file /dev/null --bits 32",
    "physalloc --32 --persist 1M", "physalloc --partial --min 64K 2M",
    "physfree 0x100000 1M", "regions", "physmap 3", "monitor -n 1",
    "metrics", "help submit", "-S /nonexistent status",
    "--socket=/x -j status", "-b /dev/null", "--version", "bogus",
]


def ringctl():
    for i, s in enumerate(RINGCTL):
        put("ringctl", "args-%02d" % i, s.replace(" ", "\0").encode())


def ring():
    # op numbers: see fuzz/fuzz-ring.c
    sqe = bytes([4, 0, 1, 0, 0, 0, 16, 0])      # write, user_data 1, len 16
    cqe = bytes([0, 1, 0])                     # status 0, user_data 1
    put("ring", "roundtrip", bytes([0, 3, 4, 5]) + sqe + bytes([9, 11]) +
        cqe + bytes([7]))
    put("ring", "batches", bytes([0, 3, 4, 0x66]) + sqe + sqe +
        bytes([0x6a, 0x6c]) + cqe + cqe + bytes([0x68, 23, 0x97]))
    put("ring", "pool", bytes([2, 3, 4, 14, 64, 0, 16, 0, 0, 64, 0,
                               0x90, 0, 0, 64, 0, 15, 0, 0, 64, 0]))
    put("ring", "takeover", bytes([1, 3, 4, 5]) + sqe + bytes([5]) + sqe +
        bytes([9, 20, 7, 7, 19, 21]))
    put("ring", "hostile-tail", bytes([0, 3, 4, 0]) +
        struct.pack("<HQ", 4096 // 8 + 32, 99) + bytes([9, 23, 0x97]))
    put("ring", "hostile-desc", bytes([3, 0]) + struct.pack("<HQ", 2, 1 << 20)
        + bytes([3, 4, 25]))
    put("ring", "reserve", bytes([0, 3, 4, 0x36, 2, 0xb6, 1, 17, 0x91, 24]))


# fuzz/fuzz-ringd.c: a step is (client << 6 | op) and the op's bytes
(CONNECT, DISCONNECT, HELLO, REGISTER, UNREGISTER, OPEN, ACCEPT, CLOSE, PROBE,
 STATUS, LIST, PHYS_ALLOC, PHYS_FREE, PHYS_MAP, PHYS_GRANT, ADOPT, RAW, TIME,
 DATA, READING, RESTART, PHYS_ADOPT, REDOX) = range(23)
N_NULL, N_ZERO, N_ECHO, N_S0 = 0, 1, 2, 3


def step(client, op, *args):
    return bytes([client << 6 | op] + list(args))


def hello(c, uid=0):
    return step(c, CONNECT, uid) + step(c, HELLO, 0, 0, 0)


def ringd():
    # open(name, sq=64, cq=same, flags 0, pool 4096, reserved 0)
    def open_(c, n):
        return step(c, OPEN, n, 5, 0, 0, 1, 0)
    put("ringd", "builtin", bytes([0]) + hello(0) + open_(0, N_NULL) +
        open_(0, N_ECHO) + step(0, DATA, 0, 0) + step(0, DATA, 0, 1, 3, 0, 0,
                                                      0, 0, 0, 0, 0, 0) +
        step(0, DATA, 0, 2) + step(0, LIST, 1) + step(0, CLOSE, 0) +
        step(0, STATUS))
    put("ringd", "scheme", bytes([0]) + hello(0) + hello(1, 1) +
        step(0, REGISTER, N_S0, 1) + step(1, OPEN, N_S0, 3, 0, 0, 0, 0) +
        step(0, ACCEPT, 0, 0, 0) + step(0, LIST, 0) + step(1, CLOSE, 0) +
        step(1, OPEN, N_S0, 3, 0, 0, 0, 0) + step(0, DISCONNECT, 0))
    put("ringd", "refuse-timeout", bytes([1]) + hello(0, 1) +
        step(0, REGISTER, N_S0, 0) + hello(2, 2) +
        step(2, OPEN, N_S0, 2, 0, 0, 0, 0) + step(2, OPEN, N_S0, 2, 0, 0, 0, 0)
        + step(0, ACCEPT, 1, 2, 0) + step(0, TIME, 2) + step(2, LIST, 2))
    put("ringd", "phys", bytes([2]) + hello(0) + hello(1, 2) +
        step(0, PHYS_ALLOC, 2, 0, 1, 2) + step(1, PHYS_ALLOC, 0, 0, 0, 0) +
        step(0, PHYS_MAP, 0, 0, 1, 0) + step(0, LIST, 5) + step(0, LIST, 4) +
        step(0, PHYS_FREE, 1, 0) + step(0, DISCONNECT, 0) + step(3, CONNECT, 0)
        + step(3, HELLO, 0, 0, 0) + step(3, LIST, 3))
    # adopt(ring id 0, role, scheme, peer pid/uid/gid/comm, reserved, mode)
    put("ringd", "adopt", bytes([0]) + hello(0) + hello(1) +
        step(0, REGISTER, N_S0, 0) +
        step(0, ADOPT, 0xc0, 1, N_S0, 2, 0, 0, 0, 0, 1, 3, 0, 0, 1, 0) +
        step(1, ADOPT, 0xc0, 0, N_S0, 0, 0, 0, 0, 0, 2) +
        step(1, LIST, 1) + step(0, DISCONNECT, 0) + step(1, TIME, 3))
    # a ring between two clients, ringd restarted cleanly, both sides back
    put("ringd", "restart", bytes([0]) + hello(0) + hello(1, 1) +
        step(0, REGISTER, N_S0, 1) + step(1, OPEN, N_S0, 3, 0, 0, 0, 0) +
        step(0, ACCEPT, 0, 0, 0) + step(0, RESTART, 1) + hello(0) +
        hello(1, 1) + step(0, REGISTER, N_S0, 1) +
        step(0, ADOPT, 0, 1, N_S0, 0, 0, 0, 0, 0, 0) +
        step(1, ADOPT, 0, 0, N_S0, 0, 0, 0, 0, 0, 0) + step(1, LIST, 1) +
        step(0, TIME, 3))
    # two regions (the first mapped, the second persistent), ringd
    # restarted cleanly, both handed back: with the memory file and a
    # claim, a claim without a file, a wrong base; then the window ends
    put("ringd", "phys-restart", bytes([0]) + hello(0) +
        step(0, PHYS_ALLOC, 2, 2, 2, 0) + step(0, PHYS_ALLOC, 2, 2, 2, 2) +
        step(0, PHYS_MAP, 0, 0, 1, 0) + step(0, RESTART, 1) + hello(0) +
        step(0, PHYS_ADOPT, 0, 1, 1) + step(0, PHYS_ADOPT, 1, 0, 1) +
        step(0, PHYS_ADOPT, 0, 0x41, 0) + step(0, LIST, 5) +
        step(0, TIME, 3) + step(0, LIST, 5))
    # redox_rings: scheme serves them, a consumer sets one up, the scheme
    # accepts with objects made as asked, a file table there and back,
    # then the consumer closes; a second setup times out, a third is
    # answered by objects that fail the checks, then the scheme leaves
    # with a ring running
    put("ringd", "redox", bytes([0]) + hello(0) + hello(1, 1) +
        step(0, REGISTER, N_S0, 1) + step(0, REDOX, 0, 0, N_S0) +
        step(1, REDOX, 1, 5, N_S0, 0, 0) + step(0, REDOX, 2, 0, 0) +
        step(1, LIST, 1) + step(1, REDOX, 3, 2, 0, 3, 0) +
        step(0, REDOX, 4, 2, 0) + step(1, CLOSE, 0) +
        step(1, REDOX, 1, 3, N_S0, 0, 0) + step(0, TIME, 2) +
        step(1, REDOX, 1, 3, N_S0, 0, 0) + step(0, REDOX, 2, 1, 0) +
        step(1, REDOX, 1, 4, N_S0, 0, 0) + step(0, REDOX, 2, 0, 0) +
        step(0, DISCONNECT, 0) + step(1, LIST, 1) + step(1, CLOSE, 0))
    put("ringd", "backpressure", bytes([8]) + hello(0) + step(0, READING) +
        step(0, LIST, 2) + step(0, STATUS) + step(0, OPEN, N_NULL, 3, 0, 0, 0,
                                                  0) + step(0, READING))


if __name__ == "__main__":
    proto()
    config()
    ringctl()
    ring()
    ringd()
