"""Agents for the fighting game: scripted opponents, the keyboard, and stable-baselines3 models.

All of them read observations through `self.obs_helper` and build actions with
`self.act_helper`, which `get_env_info` provides, so they also show how a participant's agent
uses the game's interface. `ConstantAgent`, `RandomAgent`, `BasedAgent` and `ClockworkAgent`
decide as the competition's agents of those names do, so results against them compare with
results there; `BrawlerAgent` is arena's stronger scripted fighter. SB3Agent and RecurrentPPOAgent
need the `train` extra (`pip install -e ".[train]"`); they import it when built.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from arena import agents
from arena.agents import RandomAgent
from arena.envs.fighting import rules as R
from arena.agents.checkpoints import adopt_observation_space, resolve_file_path

__all__ = ["BasedAgent", "BrawlerAgent", "ClockworkAgent", "ConstantAgent", "RandomAgent", "RecurrentPPOAgent",
           "SB3Agent", "FightingAgent", "UserInputAgent"]


class FightingAgent(agents.Agent):
    """An agent for the fighting game, with the competition's handling of weights (its `Agent`).

    A `file_path` that does not exist is looked for as its `.zip` twin and in the usual folders,
    then asked of `_gdown()`; if nothing is found the agent starts from a fresh model (with a
    warning) as the competition's agents do. A model saved by the competition's env is given
    this env's observation space, so it predicts and resumes training here.
    """

    def get_env_info(self, env: Any) -> None:
        self.file_path = resolve_file_path(self.file_path, self._gdown)
        super().get_env_info(env)
        model = getattr(self, "model", None)
        if model is not None:
            adopt_observation_space(model, self.observation_space)


class ConstantAgent(FightingAgent):
    """Presses nothing, ever: a punching bag. Its action is a zero of the action space's type (float32), as the
    competition's is."""

    def predict(self, obs: Any) -> np.ndarray:
        return np.zeros(self.action_space.shape, self.action_space.dtype)


class ClockworkAgent(FightingAgent):
    """Plays a timed key script: `action_sheet` is a list of (frames, keys) held in turn.

    The default script is the competition's: walk left, dash, attack, wait, walk right, a run
    of dashes, then five jumps. After the last entry its keys stay held; `reset()` starts the
    script over.
    """

    DEFAULT_SHEET = [
        (10, ["a"]), (1, ["l"]), (20, ["a"]), (3, ["a", "j"]), (30, []), (7, ["d"]), (1, ["a"]),
        *[(4, ["a", "l"]), (1, ["a"])] * 3, (4, ["a", "l"]), (20, []), *[(15, ["space"]), (5, [])] * 5,
    ]

    def __init__(self, action_sheet: list[tuple[int, list[str]]] | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.action_sheet = list(action_sheet if action_sheet is not None else self.DEFAULT_SHEET)
        self.reset()

    def reset(self) -> None:
        self.steps = 0
        self.action_index = 0
        self.current_action_end = 0
        self.current_action_data: list[str] = []

    def predict(self, obs: Any) -> np.ndarray:
        if self.steps >= self.current_action_end and self.action_index < len(self.action_sheet):
            frames, keys = self.action_sheet[self.action_index]
            self.current_action_data = keys
            self.current_action_end = self.steps + frames
            self.action_index += 1
        self.steps += 1
        return self.act_helper.press_keys(self.current_action_data)


class BasedAgent(FightingAgent):
    """The competition's scripted baseline, decision for decision.

    Each frame: past x = ±5.335 (the edges it keeps to) it walks back toward the middle; else
    it walks toward the opponent unless the opponent is stunned or knocked out. On every
    second frame it jumps if it is low (y > 1.6) or below the opponent, and it presses light
    attack whenever the opponent is within 2 units. It reads nothing but the observation.
    """

    EDGE_X = 10.67 / 2
    LOW_Y = 1.6
    REACH = 2.0
    OUT_OF_PLAY = (5, 11)  # the opponent's state: StunState, KOState

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.time = 0

    def reset(self) -> None:
        self.time = 0  # a new match plays as a new agent would

    def predict(self, obs: Any) -> np.ndarray:
        self.time += 1
        x, y = self.obs_helper.get_section(obs, "player_pos")
        ox, oy = self.obs_helper.get_section(obs, "opponent_pos")
        opponent_out = self.obs_helper.get_section(obs, "opponent_state")[0] in self.OUT_OF_PLAY
        keys = []
        if x > self.EDGE_X:
            keys.append("a")
        elif x < -self.EDGE_X:
            keys.append("d")
        elif not opponent_out:
            keys.append("d" if ox > x else "a")
        if (y > self.LOW_Y or y > oy) and self.time % 2 == 0:
            keys.append("space")
        if (x - ox) ** 2 + (y - oy) ** 2 < self.REACH ** 2:
            keys.append("j")
        return self.act_helper.press_keys(keys)


class BrawlerAgent(FightingAgent):
    """arena's rule-based fighter: crosses to the opponent, attacks in reach, finishes with heavies, recovers.

    It keeps off the pit unless crossing it, steps aside rather than stand under or over the
    opponent (where air attacks and uppercuts land), attacks without stepping forward near an
    edge, picks up weapons it touches, holds the middle of its ground while the opponent is off
    stage, and jumps (then uses its recovery move) back toward a ground when knocked off. It
    beats `RandomAgent` and `ConstantAgent` nearly always.
    """

    REACH_X = 1.4
    REACH_Y = 0.9
    AVOID_RANGE = 1.8
    SPACING = 2.4  # how far it stands aside from an opponent stacked above or below it
    EDGE_ROOM = 0.6  # closer than this to an edge, attack without stepping forward
    FINISH_PERCENT = 70.0  # from this damage on, heavy attacks

    def reset(self) -> None:
        self.time = 0

    def _initialize(self) -> None:
        self.reset()

    def predict(self, obs: Any) -> np.ndarray:
        self.time += 1

        def get(section: str) -> np.ndarray:
            return self.obs_helper.get_section(obs, section)

        x, y = get("player_pos")
        ox, oy = get("opponent_pos")
        opponent_state = int(get("opponent_state")[0])
        opponent_ground = ground_under(ox, R.HALF_WIDTH) if opponent_state != 11 else None
        ground = ground_under(x)
        if ground is None:
            home = opponent_ground if opponent_ground is not None and abs(x) < R.GROUNDS[0][0] else nearest_ground(x)
            return self.act_helper.press_keys(self.recover(home, x, y, get("player_vel")[1],
                                                           int(get("player_jumps_left")[0]),
                                                           int(get("player_recoveries_left")[0])))
        grounded = get("player_grounded")[0] > 0.5
        # Stacked above or below the opponent, its air attacks and uppercuts reach us first: step aside.
        threat = abs(oy - y) > 0.6 and abs(ox - x) < self.AVOID_RANGE
        in_reach = abs(ox - x) < self.REACH_X and abs(oy - y) < self.REACH_Y
        if opponent_ground is ground and in_reach and not threat:
            return self.act_helper.press_keys(self.attack(ground, x, ox, get("opponent_damage")[0] * R.MAX_DAMAGE))
        keys: list[str] = []
        if get("player_weapon_type")[0] == 0 and self._weapon_in_reach(get, x, y):
            keys.append("h")  # held: picks up a weapon it touches
        target = ground[0] if opponent_ground is None else ox  # opponent off stage: hold the middle
        if threat:
            target = ox + self.SPACING * (1 if x > ox else -1)  # wait outside its reach
        if opponent_ground is ground:
            target = min(max(target, _edge_toward(ground, -1e9)), _edge_toward(ground, 1e9))  # never walk off
        if opponent_ground is not None and opponent_ground is not ground:
            # Crossing the pit: jump from near the edge; the recovery logic carries it over.
            if grounded and abs(_edge_toward(ground, ox) - x) < 0.6:
                keys.append("space")
        if abs(target - x) > 0.3:
            keys.append("d" if target > x else "a")
        return self.act_helper.press_keys(keys)

    @staticmethod
    def _weapon_in_reach(get, x: float, y: float) -> bool:
        for slot in range(1, 5):
            wx, wy, kind = get(f"player_spawner_{slot}")
            if kind and abs(wx - x) < 1.0 and abs(wy - y) < 1.0:
                return True
        return False

    def attack(self, ground: tuple[float, float, float], x: float, ox: float, opponent_percent: float) -> list[str]:
        """Side attacks toward the opponent, or down attacks (no lunge) near an edge."""
        button = "k" if opponent_percent >= self.FINISH_PERCENT else "j"
        toward = "d" if ox > x else "a"
        if abs(_edge_toward(ground, ox) - x) < self.EDGE_ROOM:
            return [toward, "s", button]  # down beats side: faces the opponent without stepping
        return [toward, button]

    def recover(self, ground: tuple[float, float, float], x: float, y: float, vy: float, jumps: int,
                recoveries: int) -> list[str]:
        """Toward `ground`: hold its direction, jump once level with it, then use the recovery move."""
        keys = ["d" if ground[0] > x else "a"]
        if vy > -2.0 and y > ground[1] - 1.5 and self.time % 2 == 0:
            if jumps > 0:
                keys.append("space")
            elif recoveries > 0:
                keys.append("k")
        return keys


GROUND_SPANS = tuple((x, top, R.GROUND_HALF_WIDTH) for x, top in R.GROUNDS)


def ground_under(x: float, slack: float = 0.0) -> tuple[float, float, float] | None:
    """The ground (centre x, top y, half width) whose surface spans `x` (give or take `slack`), if any."""
    for ground in GROUND_SPANS:
        if abs(x - ground[0]) <= ground[2] + slack:
            return ground
    return None


def nearest_ground(x: float) -> tuple[float, float, float]:
    return min(GROUND_SPANS, key=lambda ground: abs(ground[0] - x))


def _edge_toward(ground: tuple[float, float, float], x: float) -> float:
    """The point just inside `ground`'s edge on the side of `x`."""
    centre, _, half_width = ground
    return centre + (half_width - 0.5) * (1 if x > centre else -1)


class UserInputAgent(FightingAgent):
    """Plays from the keyboard (W A S D, space, H L J K G) in a `human`-mode pygame window."""

    KEYS = {"w": "K_w", "a": "K_a", "s": "K_s", "d": "K_d", "space": "K_SPACE", "h": "K_h", "l": "K_l",
            "j": "K_j", "k": "K_k", "g": "K_g"}

    def predict(self, obs: Any) -> np.ndarray:
        import pygame

        pressed = pygame.key.get_pressed()
        return self.act_helper.press_keys([key for key, code in self.KEYS.items() if pressed[getattr(pygame, code)]])


class SB3Agent(FightingAgent):
    """A stable-baselines3 model (PPO by default): loaded from `file_path`, or new and untrained."""

    def __init__(self, sb3_class: Any = None, file_path: str | None = None):
        if sb3_class is None:
            from stable_baselines3 import PPO

            sb3_class = PPO
        self.sb3_class = sb3_class
        super().__init__(file_path)

    def _initialize(self) -> None:
        if self.file_path is None:
            self.model = self.sb3_class("MlpPolicy", _trainable(self.env), verbose=0, n_steps=30 * 90 * 3,
                                        batch_size=128, ent_coef=0.01)
        else:
            self.model = self.sb3_class.load(self.file_path)

    def predict(self, obs: Any) -> Any:
        action, _ = self.model.predict(obs)
        return action

    def save(self, file_path: str) -> None:
        self.model.save(file_path, include=["num_timesteps"])

    def learn(self, env: Any, total_timesteps: int, log_interval: int = 1, verbose: int = 0) -> None:
        self.model.set_env(env)
        self.model.verbose = verbose
        self.model.learn(total_timesteps=total_timesteps, log_interval=log_interval)


class RecurrentPPOAgent(FightingAgent):
    """An sb3-contrib RecurrentPPO (LSTM) model: loaded from `file_path`, or new and untrained."""

    def __init__(self, file_path: str | None = None):
        super().__init__(file_path)
        self.lstm_states = None
        self.episode_starts = np.ones((1,), dtype=bool)

    def _initialize(self) -> None:
        from sb3_contrib import RecurrentPPO

        if self.file_path is None:
            from torch import nn

            policy_kwargs = {"activation_fn": nn.ReLU, "lstm_hidden_size": 512,
                             "net_arch": dict(pi=[32, 32], vf=[32, 32]), "shared_lstm": True,
                             "enable_critic_lstm": False, "share_features_extractor": True}
            self.model = RecurrentPPO("MlpLstmPolicy", _trainable(self.env), verbose=0, n_steps=30 * 90 * 20,
                                      batch_size=16, ent_coef=0.05, policy_kwargs=policy_kwargs)
        else:
            self.model = RecurrentPPO.load(self.file_path)

    def reset(self) -> None:
        self.lstm_states = None
        self.episode_starts = np.ones((1,), dtype=bool)

    def predict(self, obs: Any) -> Any:
        action, self.lstm_states = self.model.predict(obs, state=self.lstm_states, episode_start=self.episode_starts,
                                                      deterministic=True)
        self.episode_starts = np.zeros((1,), dtype=bool)
        return action

    def save(self, file_path: str) -> None:
        self.model.save(file_path)

    def learn(self, env: Any, total_timesteps: int, log_interval: int = 2, verbose: int = 0) -> None:
        self.model.set_env(env)
        self.model.verbose = verbose
        self.model.learn(total_timesteps=total_timesteps, log_interval=log_interval)


class _SpacesOnly(gymnasium.Env):
    """Just the spaces of a seat, so a new SB3 model can be built outside a training env."""

    def __init__(self, observation_space: gymnasium.Space, action_space: gymnasium.Space):
        self.observation_space = observation_space
        self.action_space = action_space

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        raise RuntimeError("this agent's model has no training env; pass one to learn()")

    def step(self, action: Any):
        raise RuntimeError("this agent's model has no training env; pass one to learn()")


def _trainable(env: Any) -> Any:
    """`env` if SB3 can train on it, else a stand-in carrying its spaces (e.g. a harness seat view)."""
    if isinstance(env, gymnasium.Env) or hasattr(env, "num_envs"):
        return env
    return _SpacesOnly(env.observation_space, env.action_space)
