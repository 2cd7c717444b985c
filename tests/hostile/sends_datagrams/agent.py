"""Tries every way out to the host's network: UDP over IPv4 and IPv6, TCP, UNIX sockets, netlink (whose
answers would also queue in memory no cgroup charges), and socket families a network namespace does not
hold (vsock reaches a virtual machine's host)."""
import fcntl
import socket
import struct
from pathlib import Path

import numpy as np

from arena.agents import Agent


def attempt(what, action):
    try:
        action()
        print(f"{what}: sent")
    except OSError as exc:
        print(f"{what}: {type(exc).__name__} ({exc.errno})")


class SubmittedAgent(Agent):
    def _initialize(self):
        udp4, udp6, unix_path, abstract = Path("ports.txt").read_text().split()
        attempt("udp4", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"leak", ("127.0.0.1", int(udp4))))
        attempt("udp6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"leak", ("::1", int(udp6))))
        attempt("tcp4", lambda: socket.create_connection(("127.0.0.1", int(udp4)), timeout=0.2))
        attempt("unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"leak", unix_path))
        attempt("abstract", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"leak", "\0" + abstract))
        try:  # glibc lists interfaces through netlink, which is refused (its answers are memory no cgroup charges)
            print("network interfaces in sight:", socket.if_nameindex())
        except OSError as exc:
            print(f"network interfaces: refused ({exc.errno})")

        def own_loopback():  # a TCP pair of its own: its timers (delayed ACKs) would fire while it is frozen
            server = socket.socket()
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            socket.create_connection(server.getsockname(), timeout=0.2)

        attempt("own tcp pair", own_loopback)

        def loopback_up():
            flags = struct.pack("16sH", b"lo", 0x1 | 0x40) + bytes(22)  # IFF_UP | IFF_RUNNING
            fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8914, flags)  # SIOCSIFFLAGS

        attempt("loopback up", loopback_up)
        for family, number in {"vsock": 40, "alg": 38, "bluetooth": 31, "packet": 17}.items():
            try:
                socket.socket(number, socket.SOCK_DGRAM if family == "bluetooth" else socket.SOCK_SEQPACKET if family == "alg" else socket.SOCK_STREAM).close()
                print(f"{family} socket: opened")
            except OSError as exc:
                print(f"{family} socket: refused ({exc.errno})")
        for protocol, number in {"routing": 0, "uevent": 15}.items():  # NETLINK_ROUTE, NETLINK_KOBJECT_UEVENT
            try:
                socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, number).close()
                print(f"{protocol} netlink socket: opened")
            except OSError as exc:
                print(f"{protocol} netlink socket: refused ({exc.errno})")

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
