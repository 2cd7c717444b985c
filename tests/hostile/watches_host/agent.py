"""Watches the machine for signs of its opponent thinking (CPU times, run queues, idle time, pressure, swap in use, open terminals,
drivers in use, CPU clock speeds, the work each CPU delivered and its throttling for heat, how often anything synced a file
system, the machine's count of threads that sysinfo tells) and how long it has been up, sizes a table by the machine's
memory (also as a program it starts sees it) and looks where it is (a path naming the harness or the host), then plays
legal moves."""
import ctypes
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from arena.agents import Agent

COUNTERS = ["/proc/stat", "/proc/loadavg", "/proc/uptime", "/proc/schedstat", "/proc/vmstat", "/proc/interrupts",
            "/proc/sys/fs/file-nr", "/proc/sys/fs/inode-state", "/proc/cgroups", "/proc/misc",
            "/proc/consoles", "/proc/swaps", "/proc/sys/kernel/pty/nr", "/proc/modules"]
FOLDERS = ["/proc/pressure", "/proc/fs", "/proc/sys/fs/quota", "/sys/devices/system/cpu/cpu0/cpuidle",
           "/sys/devices/system/cpu/cpu0/acpi_cppc", "/sys/devices/system/cpu/cpu0/thermal_throttle",
           "/sys/devices/system/cpu/cpuidle"]


class SubmittedAgent(Agent):
    def _initialize(self):
        for path in COUNTERS:
            try:
                print(f"{path}: read {Path(path).read_text().splitlines()[:1]!r}")
            except OSError as exc:
                print(f"{path}: {type(exc).__name__}")
        for path in FOLDERS:
            try:
                print(f"{path}: holds {sorted(os.listdir(path))!r}")
            except OSError as exc:
                print(f"{path}: {type(exc).__name__}")
        cpuinfo = os.stat("/proc/cpuinfo")  # the kernel's, written as it is read, or a file that stands still
        print("cpuinfo:", "the kernel's" if cpuinfo.st_dev == os.stat("/proc/self").st_dev else "a still copy",
              sorted({line.split(":")[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("cpu MHz")}))
        memory = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        print("memory available (kB):", memory["MemAvailable"].split()[0], "of", memory["MemTotal"].split()[0])
        print("CPUs in sight:", os.cpu_count())
        libc = ctypes.CDLL(None, use_errno=True)
        print("sysinfo at no address:", "answered" if libc.sysinfo(None) == 0 else f"refused {ctypes.get_errno()}")
        told = (ctypes.c_ulong * 14)()  # struct sysinfo on x86-64, word by word
        if libc.sysinfo(told) == 0:
            unit = told[13] & 0xFFFFFFFF
            print(f"sysinfo: up {told[0]} s, load {list(told[1:4])}, {told[10] & 0xFFFF} threads, "
                  f"{told[4] * unit} bytes, {told[5] * unit} free")
        else:
            print("sysinfo: refused", ctypes.get_errno())
        started = subprocess.run([sys.executable, "-S", "-c", "import os; "
                                  "print(os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE'))"],
                                 capture_output=True, text=True)
        print("memory of a program it starts:", started.stdout.strip() or started.stderr.strip()[-200:])
        print("folder:", os.getcwd(), os.environ["HOME"], os.environ["TMPDIR"], __file__)
        # The clocks that count from the machine's start: how long it has been up, which /proc/uptime keeps.
        print(f"clocks: monotonic {time.clock_gettime(time.CLOCK_MONOTONIC):.1f} s, "
              f"boot {time.clock_gettime(time.CLOCK_BOOTTIME):.1f} s")

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[0])
