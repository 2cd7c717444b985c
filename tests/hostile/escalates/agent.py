"""Tries to become root again, leave its namespaces, mount, trace and signal everything, load BPF programs
of its own (socket and seccomp filters, whose compiled code counts against one budget for the whole
machine), have its crashes dumped, count the machine's tasks and take huge pages, then plays legal moves."""
import ctypes
import os
import signal
import socket
import struct

import numpy as np

from arena.agents import Agent

libc = ctypes.CDLL(None, use_errno=True)


def syscall_result(value):
    return "done" if value == 0 else os.strerror(ctypes.get_errno())


class Program(ctypes.Structure):  # struct sock_fprog
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


ACCEPT = ctypes.create_string_buffer(struct.pack("HBBI", 0x06, 0, 0, 0x7FFF0000))  # one "return allow"


def accept_all():
    return Program(1, ctypes.addressof(ACCEPT))


def attach_socket_filter():
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        program = accept_all()
        sock.setsockopt(socket.SOL_SOCKET, 26, bytes(memoryview(program)))  # SO_ATTACH_FILTER
    return "done"


class SubmittedAgent(Agent):
    def _initialize(self):
        attempts = {
            "setuid 0": lambda: syscall_result(libc.setuid(0)),
            "unshare user+mount": lambda: syscall_result(libc.unshare(0x10000000 | 0x00020000)),
            "mount tmpfs": lambda: syscall_result(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
            "ptrace attach 1": lambda: syscall_result(libc.ptrace(16, 1, None, None)),
            "write /proc/sys": lambda: open("/proc/sys/kernel/hostname", "w").write("owned") and "done",
            "sethostname": lambda: syscall_result(libc.sethostname(b"owned", 5)),
            "socket filter": attach_socket_filter,
            "seccomp filter": lambda: syscall_result(libc.prctl(22, 2, ctypes.byref(accept_all()), 0, 0)),
            "seccomp call": lambda: syscall_result(libc.syscall(317, 1, 0, ctypes.byref(accept_all()))),
            "statmount": lambda: syscall_result(libc.syscall(457, None, None, 0, 0)),  # the host's mount table
            "listmount": lambda: syscall_result(libc.syscall(458, None, None, 0, 0)),
            "process_madvise": lambda: syscall_result(libc.syscall(440, -1, None, 0, 21, 0)),  # MADV_PAGEOUT
            # a core limit of 0 (1 starts no dump helper, root, outside), pidfds (numbered by the machine's
            # count of tasks), huge pages (from the host's pool, which no cgroup charges)
            "core limit": lambda: syscall_result(libc.prlimit(0, 4, ctypes.byref((ctypes.c_ulong * 2)(0, 1)), None)),
            "pidfd_open": lambda: syscall_result(0 if libc.syscall(434, os.getpid(), 0) >= 0 else -1),
            "huge pages": lambda: syscall_result(0 if libc.syscall(9, None, 1 << 21, 3, 0x40022, -1, 0) > 0 else -1),
        }
        for what, attempt in attempts.items():
            try:
                print(f"{what}: {attempt()}")
            except OSError as exc:
                print(f"{what}: {type(exc).__name__}")
        os.kill(-1, signal.SIGKILL) if os.fork() == 0 else os.wait()  # a child kills all it can see
        print(f"processes it can see: {sorted(int(p) for p in os.listdir('/proc') if p.isdigit())}")

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
