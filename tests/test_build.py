"""Building the native engine (setup.py): a machine that cannot is told what to install."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_a_machine_without_a_cpp_compiler_is_told_to_install_one(tmp_path):
    pytest.importorskip("pybind11", reason="setup.py needs pybind11 (pip install -e \".[test]\")")
    env = {name: value for name, value in os.environ.items() if name not in ("CC", "CXX")}
    env["PATH"] = str(tmp_path)  # no compiler on it
    made_before = sorted(p.name for p in (REPO / "build" / "native").glob("*"))
    built = subprocess.run([sys.executable, "setup.py", "build_ext"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=300)
    assert built.returncode == 1
    # 'g++', or 'gcc' where an older setuptools compiles C++ with the C compiler's command
    assert re.fullmatch(r"error: arena's native engine needs a C\+\+17 compiler, and '(g\+\+|gcc)' is not on PATH: "
                        r"install one \(Debian, Ubuntu: apt install g\+\+; Fedora: dnf install gcc-c\+\+\) or name "
                        r"yours with CXX=\.\.\., then install arena again", built.stderr.strip().splitlines()[-1])
    assert sorted(p.name for p in (REPO / "build" / "native").glob("*")) == made_before  # nothing half-built
