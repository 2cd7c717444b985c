"""Replay files: a match's seed, env options and every action, enough to re-simulate it exactly.

A replay is the JSON form of a `MatchResult`. `resimulate` plays the recorded actions through a
fresh env and checks that the outcome is the recorded one, so videos can be made after the fact
(`arena replay FILE --video out.mp4`).

Turn-based games record one int per move, kept as a readable JSON list. Games whose actions are
arrays (the fighting game's 10 keys, 30 times a second) would spend megabytes of JSON on them, so
a seat's array actions are stored packed: `{"dtype", "shape", "zlib_base64"}`, the stacked array's
bytes (little-endian) compressed. float32 is used where it holds every value exactly, as it does for
actions checked against a float32 action space; the values read back are the ones recorded.
"""

from __future__ import annotations

import base64
import json
import os
import re
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from arena import __version__
from arena.envs import make_raw, rules_version
from arena.errors import ReplayError, missing_path_hint
from arena.faults import AgentFault
from arena.handle import AgentHandle
from arena.match import AgentResult, Fault, MatchResult, play_match

FORMAT = "arena-replay/2"
READABLE_FORMATS = ("arena-replay/1", FORMAT)  # version 1 kept every action as a JSON list


def file_stem(text: str) -> str:
    """`text` made safe for a file name on any system ("pgx:chess" -> "pgx-chess")."""
    return "".join(c if c.isalnum() or c in "_." else "-" for c in text)


def save(result: MatchResult, path: str | os.PathLike) -> Path:
    """Write `result` as a replay file (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": FORMAT, **result.to_dict()}
    data["rules_version"] = data["rules_version"] or rules_version(result.env)
    data["arena_version"] = data["arena_version"] or __version__
    data["fault"] = data["fault"] and _without_traceback(data["fault"])
    data["eliminated"] = [_without_traceback(fault) for fault in data["eliminated"]]
    data["failed_too"] = [_without_traceback(fault) for fault in data["failed_too"]]
    data["actions"] = {seat: _packed(actions) for seat, actions in data["actions"].items()}
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(_readable_json(data), encoding="utf-8")
        os.replace(tmp, path)  # never leave a half-written replay behind
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk, say: nor its part
        raise
    return path


def _without_traceback(fault: dict[str, Any]) -> dict[str, Any]:
    """A fault as a replay keeps it: the traceback, which may quote the agent's code and files, stays out."""
    return {key: value for key, value in fault.items() if key != "traceback"}


def _readable_json(data: dict[str, Any]) -> str:
    """`data` as JSON with a line for each field: readable, and written by the C encoder, which
    `json.dumps(indent=...)` does not use (4x slower on a tournament's every match)."""
    fields = ",\n".join(f" {json.dumps(key)}: {json.dumps(value)}" for key, value in data.items())
    return "{\n" + fields + "\n}\n"


def load(path: str | os.PathLike) -> MatchResult:
    """Read a replay file; ReplayError naming the file if it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(f"{path}: no such replay file{missing_path_hint(path)}") from None
    except IsADirectoryError:
        example = min(path.glob("*.json"), default=None)
        raise ReplayError(f"{path}: a folder, not a replay file"
                          + (f"; give one of the files in it, e.g. {example}" if example else "")) from None
    except OSError as exc:
        raise ReplayError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReplayError(f"{path}: not a replay file (invalid JSON: {exc})") from None
    except RecursionError:
        raise ReplayError(f"{path}: not a replay file (JSON nested too deeply)") from None
    if not isinstance(data, dict) or data.get("format") not in READABLE_FORMATS:
        raise ReplayError(f"{path}: not an arena replay (expected format {FORMAT!r})")
    data.pop("format")
    data.setdefault("rules_version", 1)  # files from before rules were versioned
    data.setdefault("eliminated", [])  # and from before seats could be taken out of a game
    data.setdefault("failed_too", [])  # and from before every seat that failed to start was told
    try:
        _check_fields(data)
        data["actions"] = {seat: _unpacked(actions) for seat, actions in data["actions"].items()}
        return MatchResult.from_dict(data)
    except (TypeError, KeyError, ValueError, zlib.error) as exc:
        raise ReplayError(f"{path}: damaged replay ({exc})") from None


_FIELD_TYPES = {"env": str, "env_options": dict, "seed": int, "agents": list, "outcome": str, "actions": dict,
                "steps": int, "max_steps": (int, type(None)), "fault": (dict, type(None)),
                "eliminated": list, "failed_too": list}


def _check_fields(data: dict[str, Any]) -> None:
    """ValueError naming the first field of a replay that no match could have written."""
    for name, kind in _FIELD_TYPES.items():
        if not isinstance(data.get(name), kind) or isinstance(data.get(name), bool):
            raise ValueError(f"field {name!r} is {type(data.get(name)).__name__}")
    if not 0 <= data["seed"] < 1 << 64 or data["steps"] < 0 or (data["max_steps"] or 0) < 0:
        raise ValueError("a negative or too large seed or step count")
    if not data["agents"] or not all(isinstance(a, dict) and a.get("seat") in data["actions"] for a in data["agents"]):
        raise ValueError("its agents' seats are not those of its actions")


def resimulate(recorded: MatchResult, on_step: Callable[[Any], None] | None = None,
               render_mode: str | None = None) -> MatchResult:
    """Play `recorded`'s actions again; ReplayError if the result differs from the recorded one.

    With a `render_mode`, `on_step(env)` can call `env.render()` after every step.
    """
    playing = rules_version(recorded.env)
    if recorded.rules_version is not None and recorded.rules_version != playing:
        raise ReplayError(_other_rules(recorded, playing))
    options = dict(recorded.env_options, **({"render_mode": render_mode} if render_mode else {}))
    env = make_raw(recorded.env, **options)
    handles = [_RecordedAgent(a.name, recorded.actions[a.seat], recorded.fault_of(a.seat)) for a in recorded.agents]
    # A match that ended at a fault in a game that takes seats out was played before arena could take them
    # out (it records the faults of such games as seats taken out): it ends at that fault again.
    again = play_match(env, handles, recorded.seed, max_steps=recorded.max_steps, on_step=on_step,
                       eliminate=recorded.fault is None)
    for was, now in zip(recorded.agents, again.agents):
        if (was.score, was.rank, was.status, was.moves) != (now.score, now.rank, now.status, now.moves):
            raise ReplayError(
                f"replay of {recorded.env} seed {recorded.seed} does not reproduce: {was.name} recorded "
                f"{_standing(was)}, re-simulated {_standing(now)}"
            )
    left_over = {seat: len(actions) - len(again.actions.get(seat, [])) for seat, actions in recorded.actions.items()}
    if again.steps != recorded.steps or any(left_over.values()):
        unplayed = "".join(f", {count} of {seat}'s actions unplayed" for seat, count in left_over.items() if count)
        raise ReplayError(
            f"replay of {recorded.env} seed {recorded.seed} does not reproduce: recorded {recorded.steps} steps, "
            f"re-simulated {again.steps}{unplayed}"
        )
    return again


def same_outcome_text(recorded: MatchResult, again: MatchResult) -> bool:
    """Whether `recorded`'s own outcome text says what re-simulating it gave, `again.outcome`: word for word, or
    as arenas wrote it before outcomes named the players (the fighting, snake and relay games named each by its
    seat, 'player_0 2 stocks 34% - player_1 ...'). Every figure must be the same. Where a player's name reads as
    a seat, the text cannot tell seats from players: it must be word for word."""
    if recorded.outcome == again.outcome:
        return True
    names = {agent.seat: agent.name for agent in recorded.agents}
    seats = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")
    if not names or any(seats.search(name) for name in names.values()):
        return False
    game, sep, faults = recorded.outcome.partition("; ")  # the faults that follow named the players already
    return seats.sub(lambda seat: names[seat.group()], game) + sep + faults == again.outcome


def _other_rules(recorded: MatchResult, playing: int) -> str:
    """Why a replay recorded under another version of its game's rules cannot be replayed, and what to do."""
    env, was = recorded.env, recorded.rules_version
    said = (f"replay of {env} seed {recorded.seed} was recorded under version {was} of the {env} rules; this arena "
            f"plays version {playing}, where its moves make another game, so it cannot replay it")
    if was > playing:
        return f"{said}; a newer arena recorded it: update arena"
    # A replay names no commit, and the arena version it names has stayed the same while rules changed.
    if recorded.arena_version is None:
        named = "it names no arena version"
    elif recorded.arena_version == __version__:
        named = f"it names arena {recorded.arena_version}, as this arena calls itself too"
    else:
        named = f"it names arena {recorded.arena_version}"
    return (f"{said}. Play the match again to record it under today's rules, or, to see this very game, replay the "
            f"file with an arena whose {env} rules are version {was}: the file does not say which arena commit "
            f"recorded it ({named})")


def _standing(agent: AgentResult) -> str:
    return f"score {agent.score}, rank {agent.rank} ({agent.status}) in {agent.moves} moves"


class _RecordedAgent(AgentHandle):
    """Plays back one seat's recorded actions, and its recorded fault when they run out."""

    def __init__(self, name: str, actions: list[Any], fault: Fault | None):
        self.name = name
        self.time_per_move = None
        self._actions = iter(actions)
        self._fault = fault

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


def _packed(actions: list[Any]) -> list[Any] | dict[str, Any]:
    """A seat's actions for the file: array actions packed (see the module docstring), others as they are."""
    if not actions or not all(isinstance(a, list) for a in actions):
        return actions
    try:
        array = np.asarray(actions, dtype=np.float64)
    except (TypeError, ValueError):  # ragged or not numbers: keep the JSON list
        return actions
    dtype = "float32" if np.array_equal(array.astype(np.float32), array) else "float64"
    raw = array.astype(_LITTLE_ENDIAN[dtype]).tobytes()
    return {"dtype": dtype, "shape": list(array.shape), "zlib_base64": base64.b64encode(zlib.compress(raw, 9)).decode()}


def _unpacked(actions: list[Any] | dict[str, Any]) -> list[Any]:
    if isinstance(actions, list):
        return actions
    dtype = np.dtype(_LITTLE_ENDIAN[actions["dtype"]])
    shape = [int(n) for n in actions["shape"]]
    values = np.prod(shape, dtype=np.int64) if all(0 <= n < MAX_PACKED_VALUES for n in shape) else -1
    if not 0 <= values <= MAX_PACKED_VALUES:
        raise ValueError(f"packed actions of shape {shape}: more than {MAX_PACKED_VALUES} values")
    raw = zlib.decompressobj().decompress(base64.b64decode(actions["zlib_base64"]), int(values) * dtype.itemsize)
    return np.frombuffer(raw, dtype=dtype).reshape(shape).tolist()


MAX_PACKED_VALUES = 1 << 22  # of one seat's array actions: a fighting game of 30 minutes is 540,000


_LITTLE_ENDIAN = {"float32": "<f4", "float64": "<f8"}  # the byte order of packed actions on every machine
