"""Turning what a user names as a player (a submission path, an Agent, a handle) into an AgentHandle,
and choosing the game, its options and its seating for the submissions that play it.

A game's options decide its seats (snake's `num_snakes`, the relay's `num_players`); a
submission's manifest states the options its policy needs in `[options]`. When two entrants play a
game with more seats than two, they sit in turn (A, B, A, B, ...), each seat held by its own copy.
"""

from __future__ import annotations

import math
import os
from typing import Any, Mapping, Sequence

from arena.envs import EnvSpec, entry, make_raw, names
from arena.errors import ArenaError, UnknownEnvError
from arena.handle import AgentHandle, LocalAgent
from arena.own_modules import OwnModules
from arena.sandbox import Limits, SandboxedAgent
from arena.sandbox.memory import memory_limits
from arena.manifest import MANIFEST_FILE
from arena.submission import AgentSpec, agent_factory, describe_load_error, load


def open_entrant(player: Any, env_name: str, name: str | None = None, time_per_move: float | None = None,
                 sandbox: bool = True) -> AgentHandle:
    """A handle for `player`: a submission folder or zip, an AgentSpec, an Agent or a handle.

    Submissions run sandboxed unless `sandbox` is False; Agent objects always run in this process.
    """
    if isinstance(player, (str, os.PathLike)):
        player = load(player)
    if isinstance(player, AgentSpec):
        handle = submission_handle(player, env_name, time_per_move, sandbox=sandbox)
    elif isinstance(player, AgentHandle):
        handle = player
    else:
        handle = LocalAgent(player, time_per_move=time_per_move)
    if name:
        handle.name = name
    return handle


def submission_handle(spec: AgentSpec, env_name: str, time_per_move: float | None = None, *,
                      time_bank: float | None = None, sandbox: bool = True, limits: Limits | None = None,
                      log_dir: str | os.PathLike | None = None, agents_at_once: int = 2) -> AgentHandle:
    """The handle that plays `spec` in `env_name`: sandboxed (the default) or in this process.

    The clock is the organiser's (`time_per_move`, `time_bank`), else the env's; a manifest's
    `time_per_move` may ask for less, never more (see `move_budget`). In this process too an agent
    gets the bank; sandboxed, also the sandbox `limits`: by default the usual ones, with memory
    enough for `agents_at_once` agents to fit in this machine together (`arena.sandbox.memory`).
    """
    game = entry(env_name)
    budget = move_budget(time_per_move or game.time_per_move, spec.manifest.time_per_move)
    bank = game.time_bank if time_bank is None else time_bank
    if sandbox:
        limits = limits or Limits(**memory_limits(None, agents_at_once))
        return SandboxedAgent(spec, budget, bank, limits, log_dir=log_dir)
    shown = str(spec.source) if spec.source.is_dir() else None  # a folder's files are the user's own to open
    return LocalAgent(agent_factory(spec, alone=True), name=spec.name, time_per_move=budget, time_bank=bank,
                      code_root=str(spec.root), shown_root=shown, workdir=str(spec.root),
                      modules=OwnModules(spec.root), seeded=True,
                      start_error=lambda exc: describe_load_error(exc, spec).removeprefix(f"{spec.source}: "))


def move_budget(allowed: float, asked: float | None) -> float:
    """The per-move budget: what the agent `asked` for when it is a positive number under what is
    `allowed`, else `allowed` (a manifest can make its own clock stricter, never looser)."""
    if asked is not None and math.isfinite(asked) and 0 < asked < allowed:
        return asked
    return allowed


def choose_env(requested: str | None, specs: Sequence[AgentSpec]) -> str:
    """The env to play: `requested` if given, else the one env every submission declares."""
    if requested is not None:
        entry(requested)  # fails with the list of names
        for spec in specs:
            if not spec.manifest.plays(requested):
                declared = spec.manifest.env
                raise ArenaError(
                    f"{spec.source}: declares env {', '.join(declared)} in its {MANIFEST_FILE}, not {requested!r}: "
                    f"play it in {' or '.join(declared)} (--env {declared[0]}), or add {requested} to env there if it "
                    "plays that too"
                )
        return requested
    declared = [set(spec.manifest.env) for spec in specs if spec.manifest.env]
    common = set.intersection(*declared) if declared else set()
    if len(common) == 1:
        return common.pop()
    if declared and not common:  # no --env can help
        plays = "; ".join(f"{spec.name} plays {', '.join(spec.manifest.env)}" for spec in specs if spec.manifest.env)
        raise ArenaError(f"these submissions have no game in common ({plays}, as their manifests say): "
                         "they cannot play each other")
    reason = "they declare no common env" if declared else "none of them declares one in arena.toml"
    raise ArenaError(f"which game? {reason}; name one (--env, or env= in Python) of: {', '.join(names())}")


def choose_options(env_name: str, given: dict[str, Any], specs: Sequence[AgentSpec]) -> dict[str, Any]:
    """The options to play `env_name` with: those the manifests' [options] agree on, each replaced by
    `given` (the command line's) where it names the same option; an ArenaError naming the manifest
    whose options the game does not take."""
    from arena.envs import check_options

    asked = {spec.source: {key: value for key, value in spec.manifest.options.items() if key not in given}
             for spec in specs}
    for spec in specs:
        try:
            check_options(env_name, asked[spec.source])
        except UnknownEnvError as exc:
            raise ArenaError(f"{spec.manifest_shown}: [options]: {exc}") from None
    asked = {source: options for source, options in asked.items() if options}
    distinct = {tuple(sorted(options.items())) for options in asked.values()}
    if len(distinct) > 1:
        wishes = "; ".join(f"{source} asks for {shown_options(options)}" for source, options in asked.items())
        raise ArenaError(f"the manifests ask for different env options ({wishes}): choose with --option KEY=VALUE")
    return {**(dict(distinct.pop()) if distinct else {}), **given}


def options_conflict(asked: Mapping[str, Any], env: str, options: Mapping[str, Any], where: str,
                     organiser: bool = False) -> str | None:
    """Why a submission whose manifest's [options] are `asked` cannot play `env` as `where` ("this
    tournament") builds it, with `options` (they name other values, which its agent was made for, a
    policy's input size say); None if it can. `organiser`: told to the one who chose `options`, who may
    also play the game the submission asks for."""
    from arena.envs import option_defaults

    playing = {**option_defaults(env), **options}
    other = {key: value for key, value in asked.items() if key in playing and playing[key] != value}
    if not other:
        return None
    wished = ", ".join(f"{key} = {value!r}" for key, value in other.items())
    played = ", ".join(f"{key} = {playing[key]!r}" for key in other)
    fix = "remove them from [options] or set them to these values"
    if organiser:  # the -o that plays its game; a stored tournament keeps its options, so a new --db
        fix += f", or play {env} with {' '.join(f'-o {key}={value}' for key, value in other.items())} (a new --db)"
    return f"its arena.toml asks for {wished} in [options]; {where} plays {env} with {played}: {fix}"


def shown_options(options: dict[str, Any]) -> str:
    """Env options as `key=value, ...`."""
    return ", ".join(f"{key}={value}" for key, value in options.items())


def seats_hint(env_name: str, seats: int) -> str | None:
    """The option that gives `env_name` `seats` seats (`-o num_snakes=2`), None for a game of fixed seats."""
    option = entry(env_name).seats_option
    return f"-o {option}={seats}" if option else None


def seat_count(env: EnvSpec) -> int:
    """How many seats `env` has with its options (snake's `num_snakes`, the relay's `num_players`, ...)."""
    return len(make_raw(env.name, **env.options).possible_agents)


def seating(entrants: int, seats: int, game: int = 0) -> list[int]:
    """Which of `entrants` sits in each seat of game number `game`: in turn, the first seat going to
    entrant `game % entrants`, so that with two entrants they swap seats every game.

    >>> seating(2, 2, game=1), seating(2, 4), seating(2, 3, game=1)
    ([1, 0], [0, 1, 0, 1], [1, 0, 1])
    """
    return [(seat + game) % entrants for seat in range(seats)]
