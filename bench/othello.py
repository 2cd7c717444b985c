"""Othello speed: native perft beside Edax's move generator, and AEC env steps per second beside
pgx's jitted single-game loop.

    python bench/othello.py                    # print the numbers
    python bench/othello.py --record           # also write them into bench/RESULTS.md
    python bench/othello.py --edax ~/edax      # Edax's sources from elsewhere (a checkout or its src/)

Targets: perft(10) at least as fast as Edax's generator built with the same compiler flags as
arena's extension; AEC env steps/s at least 20x pgx's single-game jitted loop (one game stepped by
a jitted `env.step` on the CPU, random legal moves, as a user would play one match). Everything
runs on one core, one after the other.

The Edax reference is bench/edax_perft.c compiled with Edax's board, flip and bit sources (from
the local mirror of github.com/abulmo/edax-reversi, or --edax), once with setup.py's flags and once
more with -march=native, cached in bench/build/. Without the sources its rows are skipped with the
reason printed. Both perfts count the same way: passes are plies, the last ply is counted in bulk.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np

from arena.envs import make, make_raw
from arena.envs.othello import perft
from results import command_line, record

PERFT_DEPTH = 10
ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(__file__).resolve().parent / "build"  # ignored by git (.gitignore: build/)
EDAX_MIRROR = Path("/work/.mirror/abulmo+edax-reversi/repo")
EDAX_SOURCES = ("board.c", "flip.c", "bit.c", "crc32c.c")


def best_of(repeats: int, work) -> float:
    """Fastest wall time of `repeats` calls of `work()`."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


class RandomMoves:
    """Random legal moves from a precomputed stream, so both loops spend the same, little, time choosing."""

    def __init__(self, seed: int = 0):
        self.uniform = iter(np.random.default_rng(seed).random(1 << 24).tolist())

    def choose(self, mask) -> int:
        legal = mask.nonzero()[0]
        return int(legal[int(next(self.uniform) * len(legal))])


def aec_steps_per_second(env, games: int) -> float:
    """Random legal moves through the standard agent_iter / last / step loop."""
    moves = RandomMoves()
    steps = 0
    started = time.perf_counter()
    for game in range(games):
        env.reset(seed=game)
        for _ in env.agent_iter():
            obs, _, terminated, truncated, _ = env.last()
            env.step(None if terminated or truncated else moves.choose(obs["action_mask"]))
            steps += 1
    return steps / (time.perf_counter() - started)


def pgx_steps_per_second(seconds: float) -> float:
    """pgx Othello: one game at a time, jitted init and step, random legal moves chosen on the host."""
    import jax
    import pgx

    env = pgx.make("othello")
    init, step = jax.jit(env.init), jax.jit(env.step)
    key = jax.random.PRNGKey(0)
    state = step(init(key), 19)  # compile both before timing
    state.terminated.block_until_ready()
    moves = RandomMoves()
    steps = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        key, subkey = jax.random.split(key)
        state = init(subkey)
        while not bool(state.terminated):
            state = step(state, moves.choose(np.asarray(state.legal_action_mask)))
            steps += 1
    return steps / (time.perf_counter() - started)


def extension_flags() -> list[str]:
    """The compile flags setup.py gives arena's extension (its `extra_args`), read from setup.py."""
    flags = []
    for node in ast.walk(ast.parse((ROOT / "setup.py").read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "extra_args" for t in node.targets):
            flags += ast.literal_eval(node.value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
              and getattr(node.func.value, "id", None) == "extra_args"):
            flags.append(ast.literal_eval(node.args[0]))  # -mpopcnt, added on x86-64
    if platform.machine() not in ("x86_64", "AMD64"):
        flags = [f for f in flags if f != "-mpopcnt"]
    return flags


class EdaxUnavailable(Exception):
    """Why the Edax reference could not be built; the bench prints it and skips the Edax rows."""


def edax_sources(given: str | None) -> tuple[Path, str]:
    """Edax's src/ folder and the commit it is at: from `given` (a checkout, its src/ or a git folder), else the mirror."""
    location = Path(given).expanduser() if given else EDAX_MIRROR
    where = f"--edax {given}" if given else f"the mirror {EDAX_MIRROR} (pass --edax PATH for another copy)"
    if not location.exists():
        raise EdaxUnavailable(f"no Edax sources at {where}")
    for src in (location / "src", location):
        if all((src / name).is_file() for name in EDAX_SOURCES):
            commit = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True)
            return src, commit.stdout.strip() if commit.returncode == 0 else "unknown commit"
    # A git folder without a work tree (the mirror): extract src/ at HEAD once per commit.
    commit = subprocess.run(["git", "-C", str(location), "rev-parse", "HEAD"], capture_output=True, text=True)
    if commit.returncode != 0:
        raise EdaxUnavailable(f"{where} holds neither Edax's src/ ({', '.join(EDAX_SOURCES)}) nor a git repository")
    commit = commit.stdout.strip()
    tree = BUILD / f"edax-{commit[:12]}"
    if not (tree / "src" / "board.c").is_file():
        archive = subprocess.run(["git", "-C", str(location), "archive", "HEAD", "src"], capture_output=True)
        if archive.returncode != 0:
            raise EdaxUnavailable(f"git archive of {where} failed: {archive.stderr.decode().strip()}")
        partial = tree.with_name(tree.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(partial, filter="data")
        shutil.rmtree(tree, ignore_errors=True)
        partial.rename(tree)
    return tree / "src", commit


def build_edax_perft(src: Path, commit: str, flags: list[str]) -> Path:
    """bench/edax_perft.c compiled with Edax's sources and `flags`, cached by sources, flags and compiler."""
    compiler = os.environ.get("CC", "gcc")
    if shutil.which(compiler) is None:
        raise EdaxUnavailable(f"no C compiler '{compiler}' (set CC)")
    program = Path(__file__).with_name("edax_perft.c")
    key = hashlib.sha256("\0".join([commit, str(src), program.read_text(), compiler, *flags]).encode()).hexdigest()
    binary = BUILD / f"edax_perft-{key[:16]}"
    if not binary.exists():
        BUILD.mkdir(parents=True, exist_ok=True)
        partial = binary.with_name(binary.name + ".partial")
        command = [compiler, *flags, "-I", str(src), str(program), "-o", str(partial), "-lm"]
        built = subprocess.run(command, capture_output=True, text=True)
        if built.returncode != 0:
            raise EdaxUnavailable(f"compiling {program.name} failed ({' '.join(command)}):\n{built.stderr[-2000:]}")
        partial.rename(binary)
    return binary


def run_edax_perft(binary: Path, depth: int) -> tuple[int, float]:
    """(leaves, CPU seconds) of one perft(depth) by the Edax reference."""
    out = subprocess.run([str(binary), str(depth), "1"], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1])


def cpu_simd() -> str:
    """The instructions arena's perft picks on this CPU: "avx512" (AVX-512 F, VL and CD), "avx2" or "none"."""
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "none"
    if "avx2" not in flags:
        return "none"
    return "avx512" if {"avx512f", "avx512vl", "avx512cd"} <= set(flags) else "avx2"


def capped_perft_seconds(depth: int, simd: str) -> float:
    """CPU seconds of one arena perft(depth) in a child process with ARENA_OTHELLO_SIMD=`simd` ("none", "avx2")."""
    code = (f"import time; from arena.envs.othello import perft; t = time.thread_time(); n = perft({depth}); "
            f"print(n, time.thread_time() - t)")
    env = dict(os.environ, ARENA_OTHELLO_SIMD=simd)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    leaves, seconds = out.split()
    if int(leaves) != perft(depth):
        raise SystemExit(f"arena perft({depth}) with ARENA_OTHELLO_SIMD={simd} counted {int(leaves):,} leaves")
    return float(seconds)


def perft_versus_edax(edax: str | None, repeats: int = 3) -> list[str]:
    """perft(10) by arena and by Edax built two ways, interleaved round by round, best CPU time of `repeats` each."""
    flags = extension_flags()
    references, lines = {}, []
    try:
        src, commit = edax_sources(edax)
        references[f"Edax, same flags (`{' '.join(flags)}`)"] = build_edax_perft(src, commit, flags)
        if platform.machine() in ("x86_64", "AMD64"):
            native = [f for f in flags if f != "-mpopcnt"] + ["-march=native"]
            references["Edax, `-march=native`"] = build_edax_perft(src, commit, native)
        lines.append(f"Edax: github.com/abulmo/edax-reversi at commit {commit}, with the move generator its settings.h "
                     "picks for each build's flags; bench/edax_perft.c counts as arena does.")
    except EdaxUnavailable as why:
        print(f"Skipping the Edax rows: {why}", file=sys.stderr)
        lines.append(f"Edax rows skipped: {why}.")

    expected = perft(PERFT_DEPTH)
    simd = cpu_simd()
    caps = {"avx512": ["avx2", "none"], "avx2": ["none"], "none": []}[simd]
    best = {"arena": float("inf"), **{f"arena {cap}": float("inf") for cap in caps},
            **{name: float("inf") for name in references}}
    for _ in range(repeats):
        started = time.thread_time()
        perft(PERFT_DEPTH)
        best["arena"] = min(best["arena"], time.thread_time() - started)
        for cap in caps:
            best[f"arena {cap}"] = min(best[f"arena {cap}"], capped_perft_seconds(PERFT_DEPTH, cap))
        for name, binary in references.items():
            leaves, seconds = run_edax_perft(binary, PERFT_DEPTH)
            if leaves != expected:
                raise SystemExit(f"{name} counted {leaves:,} leaves for perft({PERFT_DEPTH}), arena {expected:,}")
            best[name] = min(best[name], seconds)

    same_flags = next((name for name in references if "same flags" in name), None)
    paths = {"avx512": "AVX-512", "avx2": "AVX2", "none": "portable code"}
    labels = {"arena": f"arena, same flags ({paths[simd]}: the CPU's best, picked at run time)",
              "arena avx2": "arena, same flags, `ARENA_OTHELLO_SIMD=avx2`",
              "arena none": "arena, same flags, `ARENA_OTHELLO_SIMD=none` (portable code)"}
    rows = []
    for name, seconds in best.items():
        ratio = f"{best[same_flags] / seconds:.2f}x" if same_flags else "n/a"
        rows.append(f"| {labels.get(name, name)} | {seconds * 1000:.1f} ms | {expected / seconds / 1e6:.0f} M | {ratio} |")
    if same_flags:
        met = best["arena"] <= best[same_flags]
        portable = f", {best[same_flags] / best['arena none']:.2f}x with portable code" if "arena none" in best else ""
        verdict = (f"Target (arena's perft({PERFT_DEPTH}) at least as fast as Edax's generator built with the same "
                   f"flags): **{'met' if met else 'not met'}**, {best[same_flags] / best['arena']:.2f}x Edax's "
                   f"speed{portable}.")
    else:
        verdict = "Target (at least as fast as Edax built with the same flags): not checked, no Edax build."
    native = next((name for name in references if "march=native" in name), None)
    if native:
        verdict += (f" Against Edax built for this CPU (`-march=native`): {best[native] / best['arena']:.2f}x its speed"
                    f"{'' if best['arena'] <= best[native] else ' (slower)'}.")
    return [
        f"perft({PERFT_DEPTH}) from the start ({expected:,} leaves), each generator's best of {repeats} runs, interleaved "
        "round by round, in CPU time of its thread (time spent waiting for a core does not count):",
        "",
        "| generator | time | leaves/s | speed vs Edax same flags |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        "",
        verdict,
        *lines,
    ]


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--games", type=int, default=2000, help="games per env measurement (default: 2000)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="perft(10) runs per generator, interleaved; the best counts (default: 3)")
    parser.add_argument("--edax", metavar="PATH",
                        help=f"Edax's sources: a checkout, its src/ folder or a git repository (default: {EDAX_MIRROR})")
    args = parser.parse_args()

    versus = perft_versus_edax(args.edax, args.repeats)

    rows = []
    for depth in range(1, PERFT_DEPTH + 1):
        leaves = perft(depth)
        seconds = best_of(3, lambda: perft(depth))
        rows.append(f"| {depth} | {leaves:,} | {seconds * 1000:.2f} ms | {leaves / seconds / 1e6:.0f} M |")

    raw = aec_steps_per_second(make_raw("othello"), args.games)
    wrapped = aec_steps_per_second(make("othello"), args.games // 4)
    jitted = pgx_steps_per_second(seconds=20.0)

    body = "\n".join([
        f"Load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a shared machine: times",
        "are noisy; the generators' runs are interleaved so that each sees the same load).",
        "",
        "Native perft from the start position (best of 3, leaves per second):",
        "",
        "| depth | leaves | time | leaves/s |",
        "| ---: | ---: | ---: | ---: |",
        *rows,
        "",
        *versus,
        "",
        "AEC env, random legal moves, one core (agent_iter / last / step):",
        "",
        "| loop | steps/s | vs pgx |",
        "| --- | ---: | ---: |",
        f"| arena `make_raw(\"othello\")` (what the harness runs) | {raw:,.0f} | **{raw / jitted:.0f}x** |",
        f"| arena `make(\"othello\")` (with PettingZoo's checking wrappers) | {wrapped:,.0f} | **{wrapped / jitted:.0f}x** |",
        f"| pgx `othello`, jitted `init`/`step`, one game at a time on the CPU | {jitted:,.0f} | 1x |",
        "",
        "Target: at least 20x pgx's single-game jitted loop, met by the env matches and tournaments play",
        "(`make_raw`: the harness checks every action itself). PettingZoo's standard checking wrappers",
        "around `make` cost about ten times the game's own step; use `make_raw` where speed matters.",
    ])
    print(body)
    if args.record:
        record("Othello: perft and env steps", body)


if __name__ == "__main__":
    main()
