"""What a fighting-game policy sees and does: key combinations, action repeat, scaled observations, shaped rewards.

PPO learns the game much faster through `Controls` than through the raw 10-key Box: one of a
few useful key combinations (`COMBOS`) per decision, held for `repeat` frames, and the 64
observation values divided by their documented ranges. The same `Controls` turn a trained
policy back into a player (`arena.train.policy.PolicyAgent`), so training and playing agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from arena.envs.fighting import RewardManager, RewTerm
from arena.agents.fighting import ground_under
from arena.envs.fighting.observation import make_act_helper, make_obs_helper

# The key combinations a policy chooses from: stand, move, jump, attacks in each direction (down
# attacks also turned left or right), dodge, pick up (also while moving).
COMBOS: tuple[tuple[str, ...], ...] = (
    (), ("a",), ("d",), ("space",), ("a", "space"), ("d", "space"), ("s",),
    ("j",), ("a", "j"), ("d", "j"), ("s", "j"), ("a", "s", "j"), ("d", "s", "j"),
    ("k",), ("a", "k"), ("d", "k"), ("s", "k"), ("a", "s", "k"), ("d", "s", "k"),
    ("l",), ("a", "l"), ("d", "l"),
    ("h",), ("a", "h"), ("d", "h"),
)


@dataclass(frozen=True)
class Controls:
    """How a policy plays the fighter: `repeat` frames per decision, combos or raw keys, scaled observations."""

    repeat: int = 4
    combos: bool = True

    def observation_space(self) -> spaces.Box:
        return spaces.Box(-1.0, 1.0, (len(_SCALE),), np.float32)

    def action_space(self) -> spaces.Space:
        return spaces.Discrete(len(COMBOS)) if self.combos else spaces.MultiBinary(len(_KEYS))

    def observe(self, obs: np.ndarray) -> np.ndarray:
        """The game's observation scaled into [-1, 1]."""
        return (np.asarray(obs, np.float32) / _SCALE).clip(-1.0, 1.0)

    def keys(self, action: Any) -> np.ndarray:
        """The 10-key game action for a policy action."""
        if self.combos:
            return _COMBO_KEYS[int(action)]
        return np.asarray(action, np.float32).reshape(len(_KEYS))

    def keys_of(self, actions: np.ndarray) -> np.ndarray:
        """The 10-key game actions (n, 10) for n policy actions at once."""
        if self.combos:
            return _COMBO_TABLE[np.asarray(actions, np.int64).reshape(-1)]
        actions = np.asarray(actions, np.float32)
        return actions.reshape(len(actions), len(_KEYS))

    def combo(self, keys: np.ndarray) -> int:
        """The combination closest to a 10-key action (fewest keys differing): how a teacher's keys are imitated."""
        pressed = np.asarray(keys, np.float32).reshape(1, -1) > 0.5
        return int(np.argmin((_COMBO_PRESSED != pressed).sum(axis=1)))

    def to_dict(self) -> dict[str, Any]:
        return {"repeat": self.repeat, "combos": self.combos}


class ControlledFighter(gymnasium.Wrapper):
    """The fighting game's single-agent view played through `Controls`: rewards summed over repeated frames."""

    def __init__(self, env: gymnasium.Env, controls: Controls):
        super().__init__(env)
        self.controls = controls
        self.observation_space = controls.observation_space()
        self.action_space = controls.action_space()
        self.raw_observation: np.ndarray | None = None  # the game's own, unscaled: what scripted agents read

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self.raw_observation = obs
        return self.controls.observe(obs), info

    def step(self, action: Any):
        keys = self.controls.keys(action)
        total = 0.0
        for _ in range(self.controls.repeat):
            obs, reward, terminated, truncated, info = self.env.step(keys)
            total += float(reward)
            if terminated or truncated:
                break
        self.raw_observation = obs
        return self.controls.observe(obs), total, terminated, truncated, info


def _scale() -> np.ndarray:
    box = make_obs_helper(3).get_as_box()
    return np.maximum(np.abs(box.low), np.abs(box.high)).astype(np.float32)


_SCALE = _scale()
_KEYS = make_act_helper()
_COMBO_KEYS = tuple(_KEYS.press_keys(list(combo)) for combo in COMBOS)
_COMBO_TABLE = np.array(_COMBO_KEYS, np.float32)
_COMBO_PRESSED = _COMBO_TABLE > 0.5


# Reward terms of the recipe; each reads the rewarded fighter as env.objects["player"].
def damage_dealt(env: Any) -> float:
    """Damage percent the opponent took this frame."""
    return env.objects["opponent"].damage_taken_this_frame


def damage_taken(env: Any) -> float:
    """Damage percent the fighter took this frame (weigh it negatively)."""
    return env.objects["player"].damage_taken_this_frame


def closing_in(env: Any) -> float:
    """Horizontal speed toward the opponent, units/s, while both are over the same ground (never toward the pit)."""
    player, opponent = env.objects["player"], env.objects["opponent"]
    ground = ground_under(player.body.x)
    if ground is None or ground != ground_under(opponent.body.x):
        return 0.0
    return float(np.sign(opponent.body.x - player.body.x)) * player.body.vx


def off_ground(env: Any) -> float:
    """1 on every frame the fighter is not above a ground: over the pit or past an outer edge (weigh it negatively)."""
    return float(ground_under(env.objects["player"].body.x) is None)


def knockout(env: Any, agent: str) -> float:
    """+1 when the opponent is knocked out, -1 when the fighter is."""
    return 1.0 if agent == "opponent" else -1.0


def win(env: Any, agent: str) -> float:
    """+1 to the winner, -1 to the loser."""
    return 1.0 if agent == "player" else -1.0


def recipe_rewards(approach: float = 0.002, off_stage: float = 0.02) -> RewardManager:
    """The recipe's shaped reward: damage dealt and taken, knockouts, the win, a small pull toward the
    opponent on a shared ground, and a small push back over the ground."""
    return RewardManager(
        {"damage_dealt": RewTerm(damage_dealt, weight=0.05),
         "damage_taken": RewTerm(damage_taken, weight=-0.05),
         "closing_in": RewTerm(closing_in, weight=approach),
         "off_ground": RewTerm(off_ground, weight=-off_stage)},
        {"knockout": ("knockout_signal", RewTerm(knockout, weight=2.0)),
         "win": ("win_signal", RewTerm(win, weight=3.0))},
    )
