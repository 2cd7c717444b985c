"""`arena train othello|gomoku --algo alphazero`: the options and what they run.

    arena train othello --algo alphazero --store run/az.sqlite --generations 30        # one process
    arena train othello --algo alphazero --store run/az.sqlite --role selfplay &       # or three
    arena train othello --algo alphazero --store run/az.sqlite --role train &
    arena train othello --algo alphazero --store run/az.sqlite --role evaluate
    arena train othello --algo alphazero --store run/az.sqlite --export submissions/my_az

`add_arguments(parser)` adds the AlphaZero options to a parser that already has the game
(positional), `--seed`, `--config` (a YAML file of AlphaZeroConfig fields), `--run` and
`--save-path`; `run(args)` runs it. Without `--store` the run lives in
SAVE_PATH/RUN/alphazero.sqlite. An existing store resumes: its game and network shape stay,
while the budget and the other settings given here replace the stored ones.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
from pathlib import Path
from typing import Any, Iterator

from arena import run_locks
from arena.alphazero.config import DEFAULT_SIZES, ROLES, AlphaZeroConfig
from arena.db import disk_failed, disk_failure
from arena.errors import ArenaError
from arena.outputs import output_folder
from arena.settings import parse_overrides, read_settings, text_parser

__all__ = ["FLAGS", "add_arguments", "run"]

# Settings common enough for a flag of their own; every other field goes through --setting.
FLAGS = {
    "size": "board side (othello: 6 or 8; gomoku: 5 to 19)",
    "rule": "gomoku rule: freestyle or exact_five",
    "generations": "networks to train, each gated against the best so far",
    "games_per_generation": "self-play games between two networks",
    "simulations": "search simulations per self-play move",
    "bootstrap_games": "rollout-search games (no network) to learn from first",
    "gate_games": "games of each gating match (0: promote every network)",
}

PARTS = tuple(role for role in ROLES if role != "all")  # what --role all runs in one process


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the AlphaZero options (as their own group) to `parser`."""
    group = parser.add_argument_group("AlphaZero (othello, gomoku)", "The defaults are a new run's: a run "
                                      "resumed from its store keeps its own settings, except those given here.")
    group.add_argument("--store", help="the run's SQLite store (default: SAVE_PATH/RUN/alphazero.sqlite)")
    group.add_argument("--role", choices=ROLES, default="all",
                       help="all phases in this process (default), or one of them as its own process")
    group.add_argument("--export", metavar="FOLDER", help="write the best network as a submission folder and stop")
    for name, text in FLAGS.items():
        group.add_argument("--" + name.replace("_", "-"), type=text_parser(AlphaZeroConfig, name),
                           help=f"{text} (default: {_default(name)})")
    group.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE",
                       help="any other AlphaZeroConfig field, e.g. --setting channels=64 (repeatable)")


def _default(name: str) -> str:
    """The value a new run takes for AlphaZeroConfig field `name`, in words."""
    if name == "size":  # None in the config: the game's own
        return ", ".join(f"{game} {size}" for game, size in DEFAULT_SIZES.items())
    return str(AlphaZeroConfig.__dataclass_fields__[name].default)


def run(args: argparse.Namespace) -> int:
    """Run (or resume) the AlphaZero run `args` describe, or export its best network."""
    from arena.alphazero.loop import open_store  # torch: only once a run starts
    from arena.alphazero.loop import run as run_role

    path = _store_path(args)
    if args.export:
        return _export(path, args.export)
    if args.store:
        output_folder(path.parent, f"--store {args.store}", "give --store another path", what="its folder")
    else:
        save_path = getattr(args, "save_path", None) or "checkpoints"
        output_folder(path.parent, f"--save-path {save_path}", "give --save-path another folder", what="the run's folder")
    with contextlib.ExitStack() as held:  # one process for each role: two would each add its generations
        for role in (PARTS if args.role == "all" else (args.role,)):
            held.enter_context(run_locks.held(path.with_name(f"{path.name}.{role}.lock"), f"{path} ({role})"))
        with _disk_failures_named(path):
            try:
                store = open_store(path, **_changes(args))
            except ValueError as exc:  # a bad setting, or one this run's store cannot take
                raise ArenaError(str(exc)) from exc
            print(f"AlphaZero {store.config.game} {store.config.size}x{store.config.size}: store {store.path}, "
                  f"role {args.role}")
            try:
                run_role(store, args.role)
            except KeyboardInterrupt:  # each step is committed whole: nothing the run did is lost
                print(f"{store.path} keeps the run as far as it went (best network {store.best_network_id()}): the "
                      f"same command goes on from there; --export DIR makes a submission of its best network",
                      file=sys.stderr)
                raise
    # Said also when there was nothing left to do (a role started on a finished run returns at once).
    generations = store.config.generations
    print(f"done: {generations} generation{'' if generations == 1 else 's'}; the best network is {store.best_network_id()} "
          f"(arena train {store.config.game} --algo alphazero --store {store.path} --export DIR makes a submission)")
    return 0


@contextlib.contextmanager
def _disk_failures_named(store_path: Path) -> Iterator[None]:
    """A full disk under the store is one line (HarnessError): each step is committed whole, and the run
    goes on from the last when started again."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if not disk_failed(exc):
            raise
        raise disk_failure(store_path, exc) from None


def _export(store_path: Path, folder: str) -> int:
    from arena.alphazero.export import export_submission
    from arena.alphazero.store import Store

    try:
        store = Store(store_path)
    except FileNotFoundError as exc:
        raise ArenaError(str(exc)) from exc
    out = export_submission(store, folder)
    best = store.best_network_id()
    print(f"wrote {out} (network {best}); check it with: arena validate {out}")
    if best == 0:  # the network it started from: no generation has been trained and promoted yet
        print(f"warning: network 0 is untrained (its moves are the search's alone): train more generations "
              f"(arena train {store.config.game} --algo alphazero --store {store_path}) and export again",
              file=sys.stderr)
    return 0


def _store_path(args: argparse.Namespace) -> Path:
    if args.store:
        return Path(args.store)
    run_name = getattr(args, "run_name", None) or f"alphazero_{args.game}"
    return Path(getattr(args, "save_path", None) or "checkpoints") / run_name / "alphazero.sqlite"


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    """Config fields set by the YAML file, then the flags, then --setting (later wins)."""
    changes: dict[str, Any] = {"game": args.game}
    if getattr(args, "config", None):
        changes.update(read_settings(args.config, AlphaZeroConfig))
    if getattr(args, "seed", None) is not None:
        changes["seed"] = args.seed
    changes.update({name: getattr(args, name) for name in FLAGS if getattr(args, name) is not None})
    changes.update(parse_overrides(args.setting, AlphaZeroConfig, flag="--setting", example="channels=64"))
    return changes
