"""Replay files: a match's seed, env options and every action, enough to re-simulate it exactly.

A replay is the JSON form of a `MatchResult`. `resimulate` plays the recorded actions through a
fresh env and checks that the outcome is the recorded one, so videos can be made after the fact
(`arena replay FILE --video out.mp4`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

from arena import __version__
from arena.envs import make_raw
from arena.errors import ReplayError
from arena.faults import AgentFault
from arena.handle import AgentHandle
from arena.match import MatchResult, play_match

FORMAT = "arena-replay/1"


def file_stem(text: str) -> str:
    """`text` made safe for a file name on any system ("pgx:chess" -> "pgx-chess")."""
    return "".join(c if c.isalnum() or c in "_." else "-" for c in text)


def save(result: MatchResult, path: str | os.PathLike) -> Path:
    """Write `result` as a replay file (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": FORMAT, "arena_version": __version__, **result.to_dict()}
    data["fault"] = data["fault"] and {k: v for k, v in data["fault"].items() if k != "traceback"}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # never leave a half-written replay behind
    return path


def load(path: str | os.PathLike) -> MatchResult:
    """Read a replay file; ReplayError naming the file if it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(f"{path}: no such replay file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReplayError(f"{path}: not a replay file (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReplayError(f"{path}: not an arena replay (expected format {FORMAT!r})")
    data.pop("format")
    data.pop("arena_version", None)
    try:
        return MatchResult.from_dict(data)
    except (TypeError, KeyError, ValueError) as exc:
        raise ReplayError(f"{path}: damaged replay ({exc})") from None


def resimulate(recorded: MatchResult, on_step: Callable[[Any], None] | None = None,
               render_mode: str | None = None) -> MatchResult:
    """Play `recorded`'s actions again; ReplayError if the result differs from the recorded one.

    With a `render_mode`, `on_step(env)` can call `env.render()` after every step.
    """
    options = dict(recorded.env_options, **({"render_mode": render_mode} if render_mode else {}))
    env = make_raw(recorded.env, **options)
    handles = [_RecordedAgent(a.name, recorded.actions[a.seat], recorded.fault, a.seat) for a in recorded.agents]
    again = play_match(env, handles, recorded.seed, max_steps=recorded.max_steps, on_step=on_step)
    for was, now in zip(recorded.agents, again.agents):
        if (was.score, was.rank, was.status) != (now.score, now.rank, now.status):
            raise ReplayError(
                f"replay of {recorded.env} seed {recorded.seed} does not reproduce: {was.name} recorded "
                f"score {was.score} ({was.status}), re-simulated {now.score} ({now.status})"
            )
    return again


class _RecordedAgent(AgentHandle):
    """Plays back one seat's recorded actions, and its recorded fault when they run out."""

    def __init__(self, name: str, actions: list[Any], fault, seat: str):
        self.name = name
        self.time_per_move = None
        self._actions = iter(actions)
        self._fault = fault if fault is not None and fault.seat == seat else None

    def _raise_fault(self, phase: str) -> None:
        if self._fault is not None and self._fault.phase == phase:
            raise AgentFault(self._fault.status, self._fault.detail)

    def start(self, seat: Any) -> None:
        self._raise_fault("start")

    def reset(self) -> None:
        self._raise_fault("reset")

    def request_action(self, observation: Any) -> None:
        pass

    def await_action(self) -> Any:
        try:
            return next(self._actions)
        except StopIteration:
            self._raise_fault("move")
            raise ReplayError(f"the replay has no more actions for {self.name}") from None
