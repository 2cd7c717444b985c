"""Builds the native extension arena._native and lists the packages; everything else is in setup.cfg.

The C++ sources compile in parallel (one job per core; ARENA_BUILD_JOBS=N sets another number)
into build/native/, which is kept between installs: a source is compiled again only when it or a
header in native/ changed, so `pip install -e ".[test]"` after `pip install -e .` only relinks.
A change of compiler, flags, Python or pybind11 compiles into a folder of its own. Each compiled
file is reported on the terminal as it finishes, also under pip, which otherwise hides a build's
output; `rm -rf build` forces a build from scratch.
"""
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import time
from glob import glob
from multiprocessing.pool import ThreadPool
from pathlib import Path

import pybind11
from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import find_packages, setup
from setuptools.errors import CompileError

HERE = Path(__file__).resolve().parent

# The import package `arena` gathers three folders of the repository; each brings its subpackages.
PACKAGE_DIRS = {"arena": "arena", "arena.envs": "envs", "arena.agents": "agents"}
packages = [f"{name}.{sub}" for name, folder in PACKAGE_DIRS.items() for sub in find_packages(folder)]

# No errno or floating-point traps to honour: lets selection's score loops (division, square
# root, select) vectorise; results stay IEEE-exact. Python's own flags make signed overflow wrap
# (-fno-strict-overflow), which keeps the compiler from reasoning about loop counters and costs
# the search about a fifth of its speed; no signed integer here overflows, so that is turned back
# off. Hardware popcount is on every x86-64 CPU of the last fifteen years.
extra_args = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fstrict-overflow"]
# Files named *_avx2.cpp are also compiled for AVX2, BMI1/2 and LZCNT (the endgame solver's fast
# build, used at run time only on CPUs that have them; see native/target.h).
avx2_args = []
if platform.machine() in ("x86_64", "AMD64"):
    extra_args.append("-mpopcnt")
    avx2_args = ["-mavx2", "-mbmi", "-mbmi2", "-mlzcnt"]

# Largest first: the longest compile starts at once instead of last.
sources = sorted(glob("native/*.cpp"), key=lambda path: (-os.path.getsize(path), path))
native = Pybind11Extension(
    "arena._native",
    sources,
    include_dirs=["native"],
    depends=sorted(glob("native/**/*.h", recursive=True)),
    cxx_std=17,
    extra_compile_args=extra_args,
)


def report(line: str) -> None:
    """One line of build progress, on the terminal even when pip captures the build's output."""
    if not sys.stderr.isatty():
        try:
            with open("/dev/tty", "w") as terminal:
                terminal.write(f"\r\033[K  {line}\n")
            return
        except OSError:
            pass  # no terminal (CI): pip shows stderr with -v
    print(f"  {line}", file=sys.stderr, flush=True)


def build_jobs() -> int:
    if os.environ.get("ARENA_BUILD_JOBS"):
        return max(1, int(os.environ["ARENA_BUILD_JOBS"]))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class BuildNative(build_ext):
    """pybind11's build_ext with a parallel, incremental compile in a build folder kept between installs.

    The compile step follows pybind11's ParallelCompile, with a staleness check that also looks at
    the headers, objects written whole (a killed compile leaves none behind) and progress reports.
    """

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "unix":  # gcc or clang; other compilers build as setuptools does
            self._check_compiler()
            self.build_temp = str(HERE / "build" / "native" / self._configuration())
            self.compiler.compile = self._compile_in_parallel
        super().build_extensions()

    def _command(self) -> list:
        """The command that compiles the C++ sources (older setuptools compiles them with the C compiler's)."""
        return getattr(self.compiler, "compiler_so_cxx", None) or self.compiler.compiler_so

    def _check_compiler(self) -> None:
        """A missing compiler, the usual failure on a fresh machine, said with what to install."""
        name = self._command()[0]
        if shutil.which(name) is None:
            raise CompileError(f"arena's native engine needs a C++17 compiler, and {name!r} is not on PATH: install "
                               "one (Debian, Ubuntu: apt install g++; Fedora: dnf install gcc-c++) or name yours "
                               "with CXX=..., then install arena again")

    def _configuration(self) -> str:
        """A name for everything that makes objects incompatible: compiler and its version, flags, Python, pybind11."""
        command = self._command()
        try:
            version = subprocess.run([command[0], "--version"], capture_output=True, text=True).stdout
        except OSError:
            version = ""
        parts = [self.compiler.compiler_so, command, version, extra_args, avx2_args,
                 sysconfig.get_paths()["include"], sysconfig.get_config_var("EXT_SUFFIX"), pybind11.__version__,
                 [(ext.extra_compile_args, ext.define_macros, ext.include_dirs) for ext in self.extensions]]
        # pybind11's headers sit in a new temporary folder at each isolated build: its version stands for them.
        text = repr(parts).replace(pybind11.get_include(), "pybind11")
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        return f"{sys.implementation.cache_tag}-{digest}"

    def _compile_in_parallel(self, sources, output_dir=None, macros=None, include_dirs=None, debug=False,
                             extra_preargs=None, extra_postargs=None, depends=None):
        compiler = self.compiler
        macros, objects, extra_postargs, pp_opts, build = compiler._setup_compile(
            output_dir, macros, include_dirs, sources, depends, extra_postargs)
        cc_args = compiler._get_cc_args(pp_opts, debug, extra_preargs)
        newest_input = {obj: max(os.path.getmtime(path) for path in [src, *(depends or [])])
                        for obj, (src, _) in build.items()}
        stale = [obj for obj in objects if obj in build
                 and (not os.path.exists(obj) or os.path.getmtime(obj) < newest_input[obj])]
        if not stale:
            report(f"arena._native: {len(objects)} compiled sources are up to date in {output_dir}")
            return objects
        jobs = min(build_jobs(), len(stale))
        report(f"arena._native: compiling {len(stale)} of {len(objects)} C++ sources, {jobs} at a time")
        started, done = time.monotonic(), []

        def compile_one(obj: str) -> None:
            src, ext = build[obj]
            t0 = time.monotonic()
            partial = obj + ".partial"
            postargs = [*extra_postargs, *avx2_args] if src.endswith("_avx2.cpp") else extra_postargs
            compiler._compile(partial, src, ext, cc_args, postargs, pp_opts)
            os.replace(partial, obj)
            done.append(obj)
            report(f"[{len(done)}/{len(stale)}] {src} ({time.monotonic() - t0:.0f} s)")

        with ThreadPool(jobs) as pool:
            pool.map(compile_one, stale, chunksize=1)
        report(f"arena._native: compiled in {time.monotonic() - started:.0f} s; linking")
        return objects


setup(packages=[*PACKAGE_DIRS, *packages], package_dir=PACKAGE_DIRS, ext_modules=[native],
      package_data={"arena.envs": ["othello_eval.bin"], "arena.envs.fighting": ["move_table.json"]},
      cmdclass={"build_ext": BuildNative})
