"""Tries to leave signs a partner in another sandbox could read in what every sandbox shares (locks
on the same files, their pages evicted from the cache, the machine's kernel AIO contexts), and to read
such signs (cached or not, who opens the files or maps their pages, the AIO count, another process's
memory), then plays legal moves holding whatever it took."""
import ctypes
import fcntl
import os
import struct

import numpy as np

from arena.agents import Agent

SHARED = os.__file__  # the same file in every sandbox, and on the host
libc = ctypes.CDLL(None, use_errno=True)


def attempt(what, action):
    try:
        action()
        print(f"{what}: done")
    except OSError as exc:
        print(f"{what}: refused ({exc.errno})")


class SubmittedAgent(Agent):
    def _initialize(self):
        self.held = [os.open(SHARED, os.O_RDONLY) for _ in range(2)]
        attempt("flock", lambda: fcntl.flock(self.held[0], fcntl.LOCK_EX | fcntl.LOCK_NB))
        read_lock = struct.pack("hhqqi", fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        attempt("fcntl lock", lambda: fcntl.fcntl(self.held[1], fcntl.F_SETLK, read_lock))
        attempt("evict", lambda: os.posix_fadvise(self.held[1], 0, 0, os.POSIX_FADV_DONTNEED))
        attempt("cached?", lambda: os.preadv(self.held[1], [bytearray(4096)], 0, os.RWF_NOWAIT))
        attempt("lease", lambda: fcntl.fcntl(self.held[1], fcntl.F_SETLEASE, fcntl.F_RDLCK))
        # Uncached reads, which wait on the disk off the clock, and who else maps the shared pages (pagemap).
        attempt("direct open", lambda: os.close(os.open(SHARED, os.O_RDONLY | os.O_DIRECT)))
        attempt("direct flag", lambda: fcntl.fcntl(self.held[1], fcntl.F_SETFL, os.O_DIRECT))

        def dumpable():
            if libc.prctl(4, 1, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
                raise OSError(ctypes.get_errno(), "prctl")

        attempt("dumpable", dumpable)
        attempt("pagemap", lambda: open("/proc/self/pagemap", "rb").read(8))

        def populate():  # MADV_POPULATE_READ: reads a whole mapping in, in one call the freezer waits on
            size = 1 << 16
            libc.mmap.restype = ctypes.c_void_p
            address = libc.mmap(None, size, 3, 0x22, -1, 0)
            if libc.madvise(ctypes.c_void_p(address), size, 22) != 0:
                raise OSError(ctypes.get_errno(), "madvise")

        attempt("populate", populate)

        def inotify():
            if libc.inotify_init1(0) < 0:
                raise OSError(ctypes.get_errno(), "inotify_init1")

        attempt("inotify", inotify)

        def aio():
            context = ctypes.c_ulong(0)
            if libc.syscall(206, 1, ctypes.byref(context)) < 0:  # io_setup
                raise OSError(ctypes.get_errno(), "io_setup")

        attempt("aio", aio)
        attempt("dontcache", lambda: os.preadv(self.held[1], [bytearray(4096)], 0, 0x80))  # RWF_DONTCACHE

        def deferred_events():  # timers and signals as file events, which fire while the agent is frozen, and
            # System V message queues and semaphores, whose removal the kernel finishes on the opponent's turn
            for name, call in (("timerfd", lambda: libc.timerfd_create(1, 0)),
                               ("signalfd", lambda: libc.signalfd(-1, ctypes.byref(ctypes.c_uint64(1 << 13)), 0)),
                               ("message queue", lambda: libc.msgget(0, 0o1600)),  # IPC_PRIVATE, IPC_CREAT | 0600
                               ("semaphores", lambda: libc.semget(0, 1, 0o1600))):
                if call() < 0:
                    print(f"{name}: refused ({ctypes.get_errno()})")
                else:
                    print(f"{name}: done")

        deferred_events()

        def timers():  # POSIX timers: as many as its pending signals' limit allows
            made = 0
            timer = ctypes.c_void_p()
            while made < 100_000 and libc.timer_create(1, None, ctypes.byref(timer)) == 0:
                made += 1
            print(f"posix timers: {made}")

        timers()
        attempt("aio count", lambda: print("aio-nr:", open("/proc/sys/fs/aio-nr").read().strip() or "masked"))

        def read_memory():
            local = (ctypes.c_char * 8)()
            iovec = struct.pack("PN", ctypes.addressof(local), 8)
            remote = struct.pack("PN", id(self), 8)
            if libc.process_vm_readv(os.getpid(), iovec, 1, remote, 1, 0) < 0:
                raise OSError(ctypes.get_errno(), "process_vm_readv")

        attempt("process_vm_readv", read_memory)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
