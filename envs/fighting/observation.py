"""The 64-float observation and the 10-key action, with named access to both.

    pos = env.obs_helper.get_section(obs, "player_pos")        # array([x, y])
    action = env.act_helper.press_keys(["d", "j"])             # walk right and jab
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from gymnasium import spaces

from arena.envs.fighting import rules as R
from arena.envs.fighting.fighter import Fighter
from arena.envs.fighting.states import AttackState, DodgeState, StunState


@dataclass
class Bounds:
    """The per-value bounds a helper builds up section by section, as arrays or as a Box.

    As the competition's helpers: `zeros()` (and so `press_keys` on a fresh action) gives float64 values,
    while the Box they declare is float32.
    """

    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)

    def get_as_np(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.low), np.array(self.high)

    def get_as_box(self) -> spaces.Box:
        return spaces.Box(np.array(self.low, np.float32), np.array(self.high, np.float32), dtype=np.float32)


@dataclass
class ObsHelper(Bounds):
    """Names of the observation's sections: `sections[name] = (start, end)`, with their bounds."""

    sections: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add_section(self, low: list[float], high: list[float], name: str) -> None:
        start = len(self.low)
        self.low += low
        self.high += high
        self.sections[name.lower()] = (start, len(self.low))

    def get_section(self, obs: np.ndarray, name: str) -> np.ndarray:
        """The values of section `name` in `obs`; KeyError listing the names if there is none."""
        try:
            start, end = self.sections[name]
        except KeyError:
            raise KeyError(f"no observation section {name!r}; the sections are {', '.join(self.sections)}") from None
        return obs[start:end]

    def zeros(self) -> np.ndarray:
        return np.zeros(len(self.low))

    def print_all_sections(self) -> None:
        """Each section's name and size, one a line ("player_pos: 2"), as the competition's helper prints them."""
        for name, (start, end) in self.sections.items():
            print(f"{name}: {end - start}")


@dataclass
class ActHelper(Bounds):
    """Names of the action's keys: `sections[key] = index`."""

    sections: dict[str, int] = field(default_factory=dict)

    def add_key(self, name: str) -> None:
        self.sections[name.lower()] = len(self.low)
        self.low.append(0.0)
        self.high.append(1.0)

    def zeros(self) -> np.ndarray:
        return np.zeros(len(self.low))

    def press_keys(self, keys: str | list[str] | None, action: np.ndarray | None = None) -> np.ndarray:
        """`action` (or a fresh zero action) with `keys` (a name or a list, any case) set to 1."""
        if action is None:
            action = self.zeros()
        for key in [keys] if isinstance(keys, str) else (keys or []):
            index = self.sections.get(key.lower())
            if index is None:
                raise KeyError(f"no key {key!r}; the keys are {', '.join(self.sections)}")
            action[index] = 1
        return action

    def print_all_sections(self) -> None:
        for name, index in self.sections.items():
            print(f"{name}: {index}")


def make_act_helper() -> ActHelper:
    helper = ActHelper()
    for key in R.KEY_NAMES:
        helper.add_key(key)
    return helper


def make_obs_helper(stocks: int = R.STOCKS) -> ObsHelper:
    """The competition's layout: 32 values for the observing fighter (`player_*`), then 32 for the other."""
    x, y, v = R.OBS_MAX_X, R.OBS_MAX_Y, R.OBS_MAX_SPEED
    helper = ObsHelper()
    for side in ("player", "opponent"):
        for name, low, high in (
            ("pos", [-x, -y], [x, y]),
            ("vel", [-v, -v], [v, v]),
            ("facing", [0], [1]),
            ("grounded", [0], [1]),
            ("aerial", [0], [1]),
            ("jumps_left", [0], [R.AIR_JUMPS]),
            ("state", [0], [12]),
            ("recoveries_left", [0], [1]),
            ("dodge_timer", [0], [R.DODGE_FRAMES]),
            ("stun_frames", [0], [R.MAX_STUN_FRAMES]),
            ("damage", [0], [1]),
            ("stocks", [0], [stocks]),
            ("move_type", [0], [12]),
            ("weapon_type", [0], [2]),
            *((f"spawner_{i}", [-x, -y, 0], [x, y, 3]) for i in range(1, 5)),
            ("moving_platform_pos", [-x, -y], [x, y]),
            ("moving_platform_vel", [-v, -v], [v, v]),
        ):
            helper.add_section([float(a) for a in low], [float(b) for b in high], f"{side}_{name}")
    return helper


# Where the competition's env declares other bounds than the values' real ranges: positions and
# speeds within [-1, 1], timers within [0, 1], move_type up to 11 (its values are not normalised).
_COMPETITION_BOUNDS = {
    "pos": ([-1, -1], [1, 1]), "vel": ([-1, -1], [1, 1]), "dodge_timer": ([0], [1]), "stun_frames": ([0], [1]),
    "move_type": ([0], [11]), "moving_platform_pos": ([-1, -1], [1, 1]), "moving_platform_vel": ([-1, -1], [1, 1]),
    **{f"spawner_{i}": ([-1, -1, 0], [1, 1, 3]) for i in range(1, 5)},
}


def competition_observation_space(stocks: int = R.STOCKS) -> spaces.Box:
    """The observation space exactly as the competition's env declares it (same layout, other bounds).

    Models trained there carry this space; SB3 compares spaces before it trains or predicts on
    an env, so code that resumes such a model declares (or adopts) this one.
    """
    helper = make_obs_helper(stocks)
    low, high = np.array(helper.low, np.float32), np.array(helper.high, np.float32)
    for name, (start, end) in helper.sections.items():
        bounds = _COMPETITION_BOUNDS.get(name.split("_", 1)[1])
        if bounds is not None:
            low[start:end], high[start:end] = bounds
    return spaces.Box(low, high, dtype=np.float32)


def competition_obs_helper(stocks: int = R.STOCKS) -> ObsHelper:
    """The observation's sections with the bounds the competition's env declares (its `obs_helper`)."""
    declared = competition_observation_space(stocks)
    helper = ObsHelper()
    for name, (start, end) in make_obs_helper(stocks).sections.items():
        helper.add_section(declared.low[start:end].tolist(), declared.high[start:end].tolist(), name)
    return helper


WEAPON_TYPE = {name: float(index) for index, name in enumerate(R.WEAPON_NAMES)}


def clamp(value: float, bound: float) -> float:
    return value if -bound <= value <= bound else (bound if value > 0 else -bound)


def fighter_values(f: Fighter) -> list[float]:
    """The first 16 values of a fighter's half of the observation (pos ... weapon_type)."""
    body = f.body
    state = f.state
    state_class = state.__class__
    grounded = f.is_on_floor()
    x, y, vx, vy = body.x, body.y, body.vx, body.vy
    return [
        x if -R.OBS_MAX_X <= x <= R.OBS_MAX_X else clamp(x, R.OBS_MAX_X),
        y if -R.OBS_MAX_Y <= y <= R.OBS_MAX_Y else clamp(y, R.OBS_MAX_Y),
        vx if -R.OBS_MAX_SPEED <= vx <= R.OBS_MAX_SPEED else clamp(vx, R.OBS_MAX_SPEED),
        vy if -R.OBS_MAX_SPEED <= vy <= R.OBS_MAX_SPEED else clamp(vy, R.OBS_MAX_SPEED),
        1.0 if f.facing == R.Facing.RIGHT else 0.0,
        1.0 if grounded else 0.0,
        0.0 if grounded else 1.0,
        getattr(state, "jumps_left", 0.0),
        state_class.number,
        getattr(state, "recoveries_left", 0.0),
        state.dodge_timer if state_class is DodgeState else 0.0,
        state.stun_frames if state_class is StunState else 0.0,
        f.damage / R.MAX_DAMAGE,
        f.stocks,
        state.move_type.value if state_class is AttackState else 0.0,
        WEAPON_TYPE[f.weapon],
    ]


def stage_values(game) -> list[float]:
    """The last 16 values of each half: weapon slots and the moving platform (centre and velocity)."""
    body = game.platform.body
    return game.armory.observation() + [clamp(body.x, R.OBS_MAX_X), clamp(body.y, R.OBS_MAX_Y),
                                        clamp(body.vx, R.OBS_MAX_SPEED), clamp(body.vy, R.OBS_MAX_SPEED)]


def listed_as_there(values: list[float]) -> list[float]:
    """A fighter's 32 values as the competition's `Player.get_obs()` lists them: floats, but ints where its
    code writes them (the held weapon's number, a weapon slot's type, an empty slot's three zeros, and a
    position clamped to its bound, which `max(-18, min(18, x))` gives as the int)."""
    def place(x: float, y: float) -> list[float]:
        return [int(x) if abs(x) == R.OBS_MAX_X else float(x), int(y) if abs(y) == R.OBS_MAX_Y else float(y)]

    listed = place(*values[0:2]) + [float(v) for v in values[2:15]] + [int(values[15])]
    for start in range(16, 28, 3):
        x, y, kind = values[start:start + 3]
        listed += [*place(x, y), int(kind)] if kind else [0, 0, 0]
    return listed + place(*values[28:30]) + [float(v) for v in values[30:32]]


HALF = 32
SWAP_HALVES = np.r_[HALF:2 * HALF, 0:HALF]  # the other fighter's view: its half first


def observations(game, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Both fighters' observations (fighter 0's, fighter 1's) as arrays of 64: float64 as the
    competition's env builds them (code acting on a value near a threshold sees the same side as
    there), or float32."""
    first, second = game.players
    stage = stage_values(game)
    values = fighter_values(first) + stage + fighter_values(second) + stage
    first_view = np.fromiter(values, dtype, 2 * HALF)
    return first_view, first_view[SWAP_HALVES]
