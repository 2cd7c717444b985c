"""Checkpoints of a run: `SaveHandler` and `SaveHandlerMode`, with the seed's names and behaviour.

A run's folder `save_path/run_name/` holds, for every checkpoint at N policy steps,

    rl_model_N_steps.zip           the SB3 model (weights, optimizer state, step count)
    league-rl_model_N_steps.json   the league state then: snapshots, results, ratings, evaluations
    resume-rl_model_N_steps.pkl    (snake and relay runs) the rest of the run's state then, to go on exactly:
                                   its games in play, its random generators, its best model so far

(the state's name begins otherwise than the models': scripts written for the competition, whose handler
writes only the zip, take the newest `rl_model*` file of the folder for the newest model)

and at most `max_saved` of them (-1: all). `SaveHandlerMode.FORCE` starts the run afresh (clearing
the folder, asking on stdin first if it holds files), `RESUME` keeps it and goes on adding to it: its
checkpoints stay the run's history and self-play snapshots (`get_latest_model_path`,
`get_random_model_path`), and, as in the competition, `train()` starts from the agent as the script
built it (its own file_path), naming checkpoints on from that model's step count; `arena train
fighting --resume` (and `snake`, `relay`) loads the newest checkpoint itself.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import re
import shutil
import zipfile
from enum import Enum
from pathlib import Path
from typing import Any, Callable

from arena.consoles import counted
from arena.errors import ArenaError, closest
from arena.outputs import write_failure, write_whole

CHECKPOINT = re.compile(r"_(\d+)_steps\.zip$")

# Said as Ctrl-C or SIGTERM comes in a run that stops between rollouts, where it is whole to save, and as a second
# one stops it at once (a checkpoint being written is finished first: never half written).
STOPPING = "stopping at the end of the rollout under way, where the run is saved (Ctrl-C again: at once)"
STOPPED_NOW = "stopping now, without the steps since the last checkpoint"


class SaveHandlerMode(Enum):
    FORCE = 0  # start over: clear the run's folder
    RESUME = 1  # keep the run's folder and its checkpoints (its history and self-play snapshots)


class SaveHandler:
    """Saves `agent` (an Agent or SB3 model: anything with `save(path)`) in the run's folder every
    `save_freq` + 1 steps (every step where `save_freq` is 0 or less, as the competition's handler does:
    a script working it out as `train_timesteps // 40` may give 0). `quiet`: without the competition's "Best model
    is" line on RESUME (its newest checkpoint, which `arena train` runs name as what they resume from)."""

    def __init__(self, agent: Any = None, save_freq: int = 10_000, max_saved: int = 20, run_name: str = "experiment_1",
                 save_path: str = "checkpoints", name_prefix: str = "rl_model",
                 mode: SaveHandlerMode = SaveHandlerMode.FORCE, *, quiet: bool = False):
        self.agent = agent
        self.save_freq = save_freq
        self.max_saved = max_saved
        self.run_name = run_name
        self.save_path = save_path
        self.name_prefix = name_prefix
        self.mode = mode
        if mode is SaveHandlerMode.FORCE and _holds_files(self.run_dir):
            _confirm_clearing(self.run_dir)
            shutil.rmtree(self.run_dir)
        if mode is SaveHandlerMode.RESUME and self.run_dir.is_dir() and not any(self.run_dir.glob("*.zip")):
            # as the competition's handler: a folder is there but nothing to go on from (a new folder is fine)
            raise FileNotFoundError(f"{self.run_dir}: no checkpoint to resume from; SaveHandlerMode.FORCE starts "
                                    f"the run")
        if mode is SaveHandlerMode.FORCE:  # a resumed run's folder is made at its first save, as there: a script
            self.run_dir.mkdir(parents=True, exist_ok=True)  # stopped before leaves none to refuse the next start
        self.history: list[str] = self._saved()
        if mode is SaveHandlerMode.RESUME and self.history and not quiet:
            print(f"Best model is {self.history[-1]}")  # as the competition's handler says
        # Steps trained so far: names the next checkpoint; a resumed run counts on from its newest one.
        self.num_timesteps = checkpoint_steps(self.history[-1]) if self.history else 0
        # Steps `process` counts before the one that saves, counted down as the competition's handler does
        # (a save_freq changed later takes effect after the next save, as there).
        self.steps_until_save = save_freq
        self.league_state: Callable[[], dict[str, Any]] | None = None  # what save_agent records by default

    def update_info(self) -> None:
        """Count on from the steps the agent's model has trained for (at the start of `train`, as in
        the competition: a run of a model loaded from an earlier one names its checkpoints on from it)."""
        model_steps = getattr(self.agent, "get_num_timesteps", None)
        self.num_timesteps = model_steps() if model_steps else int(getattr(self.agent, "num_timesteps", 0))

    @property
    def run_dir(self) -> Path:
        return Path(self.save_path) / self.run_name

    def _experiment_path(self) -> str:
        """The run's folder (`run_dir`) as the competition's training code asks for it."""
        return str(self.run_dir)

    def _checkpoint_path(self, extension: str = "") -> str:
        """The checkpoint at `num_timesteps` with `extension`, as the competition's handler names it."""
        return str(self.run_dir / f"{self.name_prefix}_{self.num_timesteps}_steps.{extension}")

    def checkpoint_path(self, num_timesteps: int) -> Path:
        return self.run_dir / f"{self.name_prefix}_{num_timesteps}_steps.zip"

    def save_agent(self, league: dict[str, Any] | None = None) -> str:
        """Save the agent and league state as the checkpoint at `num_timesteps`; drop the oldest past `max_saved`.
        Called as the competition's code calls it (without `league`), it says where, as the competition's does."""
        path = self.checkpoint_path(self.num_timesteps)
        competitions_call = league is None
        if competitions_call:
            print(f"Saving agent to {self._checkpoint_path()}")  # the competition's words, its path without extension
            league = self.league_state() if self.league_state is not None else {}
        _save_whole(path, lambda saving: self.agent.save(str(saving)), league)
        # The competition's handler adds a model to its history at every save, one saved again too (its train()
        # saves the last one twice): the repeat counts against max_saved, and self-play draws it twice as often.
        if competitions_call or str(path) not in self.history:
            self.history.append(str(path))
        while self.max_saved > 0 and len(self.history) > self.max_saved:
            old = Path(self.history.pop(0))
            if str(old) in self.history:  # still named: there it is deleted, and the next deletion of it fails
                continue
            for part in (old, league_path(old), state_path(old), old.with_suffix(".json")):  # (.json: a run's from before)
                part.unlink(missing_ok=True)
        return str(path)

    def process(self) -> bool:
        """Count one step; save on the step after `save_freq` more have passed since the last save (the
        competition's cadence: a run with `save_freq=4000` saves at 4001, 8002, ...). True if it saved."""
        self.num_timesteps += 1
        if self.steps_until_save > 0:
            self.steps_until_save -= 1
            return False
        self.steps_until_save = self.save_freq
        self.save_agent()
        return True

    def latest(self) -> tuple[str, dict[str, Any]] | None:
        """The newest checkpoint's zip and league state, or None before the first."""
        return (self.history[-1], league_state_of(self.history[-1])) if self.history else None

    def get_latest_model_path(self) -> str | None:
        return self.history[-1] if self.history else None

    def get_random_model_path(self) -> str | None:
        return random.choice(self.history) if self.history else None

    def _saved(self) -> list[str]:
        return [str(path) for path in saved_checkpoints(self.run_dir, self.name_prefix)]


# A model's update count, which its zip holds and SB3 offers no public way to set (as it does num_timesteps).
UPDATES = "_n_updates"

SAVING = ".saving"  # the folder of a run where a checkpoint is written before it takes its place


def _save_whole(path: Path, save: Callable[[Path], Any], league: dict[str, Any]) -> None:
    """The checkpoint `path`, written by `save(where)`, with its league state: each written whole under
    its own name in the run's SAVING folder, then moved into place, the zip last, so that a run killed or out
    of disk mid-save leaves no half-written checkpoint for --resume and export to take as its newest. Files
    an agent's own save writes beside its zip (a normaliser's statistics, say) are moved beside it too."""
    saving = path.parent / SAVING
    try:
        saving.mkdir(parents=True, exist_ok=True)
        (saving / league_path(path).name).write_text(json.dumps(league, indent=1))
        save(saving / path.name)  # named as the checkpoint: an agent's own save may name its files by it
        for written in sorted(saving.iterdir(), key=lambda written: written.name == path.name):  # the zip last
            os.replace(written, path.parent / written.name)
    except OSError as exc:
        raise write_failure("the checkpoint", path, exc) from None
    finally:
        shutil.rmtree(saving, ignore_errors=True)  # what a failed save left


def make_way_for_run(run_dir: Path, overwrite: bool) -> str | None:
    """Before a new run in `run_dir`: delete an earlier run there if `overwrite`, else refuse to start,
    saying how to go on; nothing a run trained is deleted unasked. A run stopped before it saved any
    model (its settings and logs only) is cleared: what it returns says so."""
    if not _holds_files(run_dir):
        return None
    trained = any(run_dir.glob("*.zip"))
    if trained and not overwrite:
        raise ArenaError(f"{run_dir} holds an earlier run ({_checkpoints_shown(saved_checkpoints(run_dir))}): --resume "
                         f"to go on from it, --overwrite to start afresh and delete it, or --run NAME for a new one")
    shutil.rmtree(run_dir)
    return None if trained or overwrite else f"{run_dir} held a run stopped before its first checkpoint: started afresh"


def kept_by(run_dir: Path) -> str:
    """What an interrupted run left in `run_dir`: its checkpoints, to go on from or export."""
    saved = saved_checkpoints(run_dir)
    if not saved:
        return f"{run_dir}: no checkpoint yet (the same command starts the run again)"
    learners = _learners(saved)
    export = (f"arena export --prefix {learners[0]} makes a submission of {learners[0]}'s policy" if len(learners) > 1
              else "arena export makes a submission of it")
    return f"{run_dir} keeps {_checkpoints_shown(saved)}: --resume goes on from it, {export}"


def _learners(saved: list[Path]) -> list[str]:
    """The learners whose checkpoints `saved` holds: one, or a snake run's several."""
    return sorted({path.name.rsplit("_", 2)[0] for path in saved}, key=lambda name: (len(name), name))


def _checkpoints_shown(saved: list[Path]) -> str:
    """How many checkpoints the files `saved` (the oldest first) make, and the newest: a snake run's
    checkpoint is every learner's zip at one step."""
    learners = _learners(saved)
    if len(learners) == 1:
        return f"{counted(len(saved), 'checkpoint')}, the newest {saved[-1].name}"
    steps = sorted({checkpoint_steps(path) for path in saved})
    return (f"{counted(len(steps), 'checkpoint')} of its {len(learners)} learners, {learners[0]} to {learners[-1]}, "
            f"the newest at step {steps[-1]:,}")


def check_not_past(run_dir: Path, resumed_at: int, timesteps: int) -> None:
    """ArenaError where a run resumed at step `resumed_at` is past the `timesteps` asked."""
    if resumed_at > timesteps:
        raise ArenaError(f"{run_dir} is at step {resumed_at:,} already, past the {timesteps:,} asked: "
                         "give a larger --timesteps to train on")


def load_checkpoint(model: Any, checkpoint: str | Path, steps: int) -> None:
    """Put the weights and optimizer state of the SB3 `checkpoint` into `model`, trained `steps` steps, and count
    its updates (train/n_updates) on from the checkpoint's: `set_parameters` leaves them at 0."""
    model.set_parameters(str(checkpoint), exact_match=True, device="cpu")
    model.num_timesteps = steps
    with zipfile.ZipFile(checkpoint) as saved:
        setattr(model, UPDATES, int(json.loads(saved.read("data")).get(UPDATES, 0)))


def state_path(checkpoint: Path) -> Path:
    """Where the rest of the training state of `checkpoint` (a run's `..._N_steps.zip`) is kept, beside it."""
    return checkpoint.with_name(f"resume-{checkpoint.stem}.pkl")


def save_training_state(checkpoint: Path, state: dict[str, Any]) -> None:
    """Write `checkpoint`'s training state (any picklable values), whole or not at all."""
    write_whole(state_path(checkpoint), pickle.dumps(state), "the training state")


def training_state_of(checkpoint: str | Path) -> dict[str, Any] | None:
    """The training state saved with `checkpoint`, or None where none was (a run's own files: trusted)."""
    saved = state_path(Path(checkpoint))
    return pickle.loads(saved.read_bytes()) if saved.is_file() else None


def generators() -> dict[str, Any]:
    """The states of the random generators training draws from: torch's, numpy's global one, Python's."""
    import numpy as np
    import torch

    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "random": random.getstate()}


def restore_generators(states: dict[str, Any]) -> None:
    """Put the random generators back in the `states` that `generators()` gave."""
    import numpy as np
    import torch

    torch.set_rng_state(states["torch"])
    np.random.set_state(states["numpy"])
    random.setstate(states["random"])


def _confirm_clearing(run_dir: Path) -> None:
    """Ask before FORCE deletes an earlier run's files, as the competition's handler does: "n" stops with
    a ValueError, and with no one to answer (no stdin) `input` stops with EOFError; the files stay."""
    question = f"{run_dir} holds an earlier run's files. Clear it (SaveHandlerMode.FORCE)? yes (y) or no (n): "
    answer = input(question).strip().lower()
    while answer not in ("y", "n"):
        answer = input("Please answer y or n: ").strip().lower()
    if answer == "n":
        raise ValueError(f"{run_dir} kept: use SaveHandlerMode.RESUME to go on from it, or another run_name")


def league_path(checkpoint: Path) -> Path:
    """Where the league state of `checkpoint` (a run's `..._N_steps.zip`) is kept, beside it."""
    return checkpoint.with_name(f"league-{checkpoint.stem}.json")


def update_league_state(checkpoint: Path, league: dict[str, Any]) -> None:
    """Write `checkpoint`'s league state anew (after its evaluation, say), whole or not at all."""
    write_whole(league_path(checkpoint), json.dumps(league, indent=1).encode(), "the league state")


def newest_checkpoint(run_dir: Path, prefix: str = "*") -> tuple[str, dict[str, Any]] | None:
    """The newest checkpoint in `run_dir` and its league state, or None before the first (what a RESUME
    handler's `latest` gives, without the competition's words the handler prints)."""
    saved = saved_checkpoints(run_dir, prefix)
    return (str(saved[-1]), league_state_of(saved[-1])) if saved else None


def league_state_of(checkpoint: str | Path) -> dict[str, Any]:
    """The league state saved with `checkpoint` ({} where none was)."""
    for league in (league_path(Path(checkpoint)), Path(checkpoint).with_suffix(".json")):  # (.json: a run's from before)
        if league.is_file():
            return json.loads(league.read_text())
    return {}


def saved_checkpoints(run_dir: Path, prefix: str = "*") -> list[Path]:
    """The checkpoints `<prefix>_<steps>_steps.zip` in `run_dir`, the oldest first (any prefix by default)."""
    found = [(checkpoint_steps(path), path) for path in run_dir.glob(f"{prefix}_*_steps.zip")
             if CHECKPOINT.search(path.name)]
    return [path for _, path in sorted(found)]


def run_meant(run_dir: Path) -> str | None:
    """For a run folder that is not there, the run of a close name beside it (a mistyped --run), if one is."""
    if run_dir.exists() or not run_dir.parent.is_dir():
        return None
    return closest(run_dir.name, [path.name for path in run_dir.parent.iterdir() if path.is_dir()])


def _holds_files(run_dir: Path) -> bool:
    """Whether `run_dir` is a folder with anything in it (an earlier run's)."""
    return run_dir.is_dir() and any(run_dir.iterdir())


def checkpoint_steps(path: str | Path) -> int:
    """The step count in a checkpoint's name: 1000 for `rl_model_1000_steps.zip`."""
    found = CHECKPOINT.search(Path(path).name)
    if found is None:
        raise ValueError(f"{path}: not a checkpoint name (expected <prefix>_<steps>_steps.zip)")
    return int(found.group(1))

