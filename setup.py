"""Builds the native extension arena._native and lists the packages; everything else is in setup.cfg."""
import platform
from glob import glob

from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import find_packages, setup

# The import package `arena` gathers three folders of the repository; each brings its subpackages.
PACKAGE_DIRS = {"arena": "arena", "arena.envs": "envs", "arena.agents": "agents"}
packages = [f"{name}.{sub}" for name, folder in PACKAGE_DIRS.items() for sub in find_packages(folder)]

# No errno or floating-point traps to honour: lets selection's score loops (division, square
# root, select) vectorise; results stay IEEE-exact. Python's own flags make signed overflow wrap
# (-fno-strict-overflow), which keeps the compiler from reasoning about loop counters and costs
# the search about a fifth of its speed; no signed integer here overflows, so that is turned back
# off. Hardware popcount is on every x86-64 CPU of the last fifteen years.
extra_args = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fstrict-overflow"]
if platform.machine() in ("x86_64", "AMD64"):
    extra_args.append("-mpopcnt")

native = Pybind11Extension(
    "arena._native",
    sorted(glob("native/*.cpp")),
    include_dirs=["native"],
    depends=sorted(glob("native/*.h")),
    cxx_std=17,
    extra_compile_args=extra_args,
)

setup(packages=[*PACKAGE_DIRS, *packages], package_dir=PACKAGE_DIRS, ext_modules=[native], cmdclass={"build_ext": build_ext})
