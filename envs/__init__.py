"""arena's game environments and the registry behind `arena.envs.make`.

    >>> import arena.envs
    >>> env = arena.envs.make("othello")          # a PettingZoo AEC env
    >>> arena.envs.names()
    ['othello']

Every env is deterministic given the seed passed to `reset`, and `make` records the
name and options it was built with (`spec_of(env)`) so a match can be replayed.

Each entry of the registry also gives the game's clock (a per-move budget plus a bank for the
whole game, which `arena envs` lists) and the bounds of its numeric options: `make` refuses a
value outside them, so no option can make the harness allocate without bound.

| env | per move | bank | bounded options |
| --- | ---: | ---: | --- |
| othello | 1 s | 5 s | size 4..8 |
| gomoku | 1 s | 5 s | size 5..19 |
| fighting | 0.05 s a frame | 5 s | max_timesteps 1..54000, stocks 1..99 |
| snake | 0.1 s | 5 s | num_snakes 1..8, height and width 5..100, snake_length 1..97, num_fruits 0..1000, vision_range 1..100, frame_stack 1..16, max_steps 1..100000 |
| cartpole_relay | 0.05 s | 5 s | num_players 1..32, leg_length 1..100000, max_steps 1..100000 |
| pgx:<game> | 1 s | 5 s | |
"""

from __future__ import annotations

import functools
import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Mapping

from arena.envs import option_types
from arena.envs.seat import SeatView, seat_view
from arena.errors import UnknownEnvError, closest

__all__ = ["EnvEntry", "EnvSpec", "OptionError", "SeatView", "check_options", "entry", "env_class", "make", "make_raw",
           "names", "seat_view", "spec_of"]

Bounds = dict[str, range]  # option -> the whole numbers it may be


class OptionError(UnknownEnvError, ValueError):
    """An env option outside its bounds (a ValueError too, as the envs' own checks raise)."""


@dataclass(frozen=True)
class EnvEntry:
    """How to build one registered env and what the harness needs to know about it."""

    name: str
    module: str  # imported lazily: each game pulls in only its own dependencies
    kind: str  # "aec" (turn-based) or "parallel" (simultaneous moves)
    time_per_move: float  # default per-move budget of an agent, in seconds
    summary: str
    time_bank: float = 5.0  # seconds a game an agent may run over its per-move budget in all
    bounds: Bounds = field(default_factory=dict)  # numeric options and the range `make` accepts
    gym_id: str | None = None  # id of its single-agent Gymnasium view
    gym_entry_point: str | None = None  # default: the generic view in arena.envs.single_agent
    gym_options: dict[str, Any] = field(default_factory=dict)  # options its Gymnasium view builds it with
    preset: dict[str, Any] = field(default_factory=dict)  # options the name itself sets ("pgx:chess": game="chess")
    cooperative: bool = False  # the seats play as one team: a shared result, not a winner
    seats_option: str | None = None  # the option that sets how many seats it has, if one does


@dataclass(frozen=True)
class EnvSpec:
    """A registered env name with the options it is built with: enough to build it again."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)

    def make(self, **overrides: Any):
        return make(self.name, **{**self.options, **overrides})


_REGISTRY: dict[str, EnvEntry] = {
    entry.name: entry
    for entry in [
        EnvEntry("othello", "arena.envs.othello", "aec", 1.0, "2-player Othello on 8x8 (or 6x6, 4x4), native bitboards",
                 gym_id="arena/Othello-v0", bounds={"size": range(4, 9, 2)}),
        EnvEntry("gomoku", "arena.envs.gomoku", "aec", 1.0, "2-player gomoku (five in a row) on 15x15 (5x5 to 19x19), native bitboards",
                 gym_id="arena/Gomoku-v0", bounds={"size": range(5, 20)}),
        EnvEntry("fighting", "arena.envs.fighting", "parallel", 0.05,
                 "2-player platform fighter, simultaneous moves at 30 fps, the AI² competition's interface",
                 gym_id="arena/Fighting-v0", gym_options={"observation_dtype": "float32"},
                 bounds={"max_timesteps": range(1, 54_001), "stocks": range(1, 100)}),
        EnvEntry("snake", "arena.envs.snake", "parallel", 0.1,
                 "1-8 snakes moving at once on a grid: fruit, egocentric vision, kills and head-on collisions",
                 gym_id="arena/Snake-v0", bounds={
                     "num_snakes": range(1, 9), "height": range(5, 101), "width": range(5, 101),
                     "snake_length": range(1, 98), "num_fruits": range(1001), "vision_range": range(1, 101),
                     "frame_stack": range(1, 17), "max_steps": range(1, 100_001)},
                 seats_option="num_snakes"),
        EnvEntry("cartpole_relay", "arena.envs.cartpole_relay", "parallel", 0.05,
                 "1-32 players share one cart-pole: a baton passes every leg, or their action logits are combined",
                 gym_id="arena/CartPoleRelay-v0", cooperative=True,
                 bounds={"num_players": range(1, 33), "leg_length": range(1, 100_001), "max_steps": range(1, 100_001)},
                 seats_option="num_players"),
    ]
}


# Families of envs named "<family>:<variant>", e.g. "pgx:connect_four": the variant becomes an option.
_FAMILIES = {
    "pgx": lambda game: EnvEntry(f"pgx:{game}", "arena.envs.pgx_games", "aec", 1.0,
                                 f"pgx's {game} on the CPU (needs the jax extra)", preset={"game": game}),
}


def names() -> list[str]:
    """Names accepted by `make`, sorted (families such as "pgx:<game>" aside)."""
    return sorted(_REGISTRY)


def entry(name: str) -> EnvEntry:
    """The registry entry of `name`; UnknownEnvError listing the valid names otherwise."""
    family, colon, variant = name.partition(":")
    if colon and variant and family in _FAMILIES:
        return _FAMILIES[family](variant)
    try:
        return _REGISTRY[name]
    except KeyError:
        families = ", ".join(f"{f}:<name>" for f in _FAMILIES)
        meant = closest(name, names())
        guess = f"did you mean {meant!r}? " if meant else ""
        raise UnknownEnvError(f"unknown env {name!r}: {guess}choose one of {', '.join(names())}, or {families}") from None


def option_defaults(name: str) -> dict[str, Any]:
    """The options of env `name` with the values `make(name)` plays with when not given."""
    found = entry(name)
    parameters = _parameters(_game_class(found, importlib.import_module(found.module)))
    return {option: parameters[option].default for option in _choices(found, parameters)
            if parameters[option].default is not inspect.Parameter.empty}


def env_class(name: str) -> type:
    """The class `make` builds for `name` (for its metadata), without building an env."""
    found = entry(name)
    return _game_class(found, importlib.import_module(found.module))


def _game_class(found: EnvEntry, module: Any) -> type:
    # A turn-based game's module holds its AEC class as raw_env; a simultaneous game's module
    # follows PettingZoo's Parallel envs (raw_env and env are AEC views), its class behind parallel_env.
    return module.parallel_env.game if found.kind == "parallel" else module.raw_env


def make(name: str, **options: Any):
    """Build the env `name` with `options` (its docstring lists them), wrapped as PettingZoo does."""
    return _build(name, options, wrapped=True)


def make_raw(name: str, **options: Any):
    """Like `make` but without PettingZoo's checking wrappers: the harness checks actions itself."""
    return _build(name, options, wrapped=False)


def check_options(name: str, options: Mapping[str, Any]) -> None:
    """UnknownEnvError naming an option env `name` does not take, OptionError one outside its bounds;
    without building the env."""
    found = entry(name)
    _check_options(found, options, _game_class(found, importlib.import_module(found.module)))


def option_names(name: str) -> list[str]:
    """The options env `name` takes, as its "has no option" error lists them."""
    found = entry(name)
    return _choices(found, _parameters(_game_class(found, importlib.import_module(found.module))))


def _choices(found: EnvEntry, parameters: Mapping[str, inspect.Parameter]) -> list[str]:
    """The options of `found` a player chooses: its game's parameters but those its name presets and the
    render mode (which the harness sets)."""
    return [p for p in parameters if p not in found.preset and p != "render_mode"]


@functools.cache
def _parameters(game: type) -> Mapping[str, inspect.Parameter]:
    """The options `game` takes (its constructor's parameters): read once, not at every game's start."""
    return inspect.signature(game).parameters


def _check_options(found: EnvEntry, options: Mapping[str, Any], game: type) -> None:
    parameters = _parameters(game)
    accepted = [p for p in parameters if p not in found.preset]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        choices = _choices(found, parameters)
        meant = [guess for name in unknown if (guess := closest(name, choices)) is not None]
        hint = f" (did you mean {', '.join(map(repr, meant))}?)" if meant else ""
        raise UnknownEnvError(f"env {found.name!r} has no option {', '.join(map(repr, unknown))}{hint}: "
                              f"its options are {', '.join(choices) or 'none'}")
    _check_bounds(found, options, parameters)
    _check_types(found, options, game)


def _check_types(found: EnvEntry, options: Mapping[str, Any], game: type) -> None:
    """OptionError naming the first option whose value is not of the type the game declares for it."""
    declared = option_types.declared_types(game)
    for key, value in options.items():
        if key in declared and not option_types.fits(value, declared[key]):
            raise OptionError(f"env {found.name!r}: {key} must be {option_types.described(declared[key])}, "
                              f"got {value!r}")


def _build(name: str, options: dict[str, Any], wrapped: bool):
    found = entry(name)
    module = importlib.import_module(found.module)
    game = _game_class(found, module)
    _check_options(found, options, game)
    built = {**found.preset, **options}
    try:
        if found.kind == "parallel":
            env = game(**built)  # PettingZoo has no checking wrappers for Parallel envs; the harness checks actions
        else:
            env = module.env(**built) if wrapped else game(**built)
    except OptionError:
        raise
    except ValueError as exc:  # the game's own check of its options (an othello board of 7, say)
        raise OptionError(str(exc)) from exc
    # How it is drawn is not part of what it is: replays leave render_mode out.
    env.unwrapped.env_spec = EnvSpec(name, {k: v for k, v in options.items() if k != "render_mode"})
    return env


def _check_bounds(found: EnvEntry, options: dict[str, Any], parameters: Mapping[str, inspect.Parameter]) -> None:
    """OptionError naming the first bounded option that is not one of the whole numbers it may be."""
    for key, allowed in found.bounds.items():
        if key not in options:
            continue
        value = options[key]
        if value is None and key in parameters and "None" in str(parameters[key].annotation):
            continue  # an option typed "... | None" takes None (snake's vision_range: the whole grid)
        if not option_types.fits(value, int) or int(value) not in allowed:  # a whole number, numpy's too, no bool
            raise OptionError(f"env {found.name!r}: {key} must be {_described(allowed)}, got {value!r}")


def _described(allowed: range) -> str:
    """'5 to 19 (a whole number)', or '4, 6 or 8' for a range with steps."""
    if allowed.step == 1:
        return f"{allowed[0]} to {allowed[-1]} (a whole number)"
    *most, last = map(str, allowed)
    return f"{', '.join(most)} or {last}"


def rules_version(name: str) -> int:
    """The version of game `name`'s rules: a replay re-simulates only under the version it was played with."""
    return env_class(name).metadata.get("rules_version", 1)


def spec_of(env) -> EnvSpec:
    """The name and options an env was made with; ValueError for envs not built by `make`."""
    try:
        return env.unwrapped.env_spec
    except AttributeError:
        raise ValueError(f"{env!r} was not built by arena.envs.make, so it cannot be rebuilt or replayed") from None


def _register_gymnasium_views() -> None:
    import gymnasium

    # No passive checker wrapped around every step: each view passes gymnasium's check_env in the
    # tests, and the wrapper's call costs the fighting view 4% of its steps a second
    # (make(..., disable_env_checker=False) still adds it).
    for e in _REGISTRY.values():
        if e.gym_id and e.gym_id not in gymnasium.registry:
            if e.gym_entry_point:
                gymnasium.register(e.gym_id, entry_point=e.gym_entry_point, disable_env_checker=True)
            else:
                generic = f"arena.envs.single_agent:SingleAgent_{e.name}"
                gymnasium.register(e.gym_id, entry_point=generic, kwargs={"env_name": e.name, **e.gym_options},
                                   disable_env_checker=True)


_register_gymnasium_views()
