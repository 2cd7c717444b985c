"""Matches played after seeding as a participant does, in the competition's game or in arena's.

Each function takes the competition's `environment.agent` module, or arena's
`arena.compat.ai2.environment.agent`, calls `random.seed(seed)` and `np.random.seed(seed)` and plays:

- `env_match`: `WarehouseBrawl(train_mode=True)`, `reset()`, then `frames` steps;
- `run_match_match`: `run_match` between two scripted agents for `frames` frames;
- `run_match_factories`: the same, its agents handed over as a class and a `partial` whose agents draw
  from `random` as they are built and seated (and would as they were reset);
- `selfplay_episodes`: the training env, `SelfPlayWarehouseBrawl`, over 12 episodes against opponents
  drawn every reset.

The fighters' keys follow a script that reads their observations: each walks to the weapon over its
own ground when one shows, takes it (holding h), drops it 40 frames later (pressing h), and in between
attacks and taunts on a timer. So the match draws from `random` for everything the competition's game
draws for (sides, spawners, pickups, drops, attack and taunt animations). What comes back is plain
data: where the fighters are every 10 frames, each change of the weapon slots, the stats at the end
and the next number `random` gives. tools/record_ai2_seeded.py records it from the competition's game
(tests/fixtures/ai2/seeded.json); tests/test_ai2_seeded.py plays the same in arena's.
"""

from __future__ import annotations

import contextlib
import functools
import io
import random
from typing import Any

import numpy as np

KEYS = ("w", "a", "s", "d", "space", "h", "l", "j", "k", "g")
EVERY = 10  # frames between position records


def press(*keys: str) -> np.ndarray:
    action = np.zeros(len(KEYS), np.float32)
    for key in keys:
        action[KEYS.index(key)] = 1.0
    return action


class Script:
    """One fighter's keys, frame by frame, from what it observes."""

    def __init__(self) -> None:
        self.frame = 0
        self.armed_for = 0

    def keys(self, obs: np.ndarray) -> np.ndarray:
        self.frame += 1
        x, grounded, weapon = obs[0], obs[5] > 0.5, obs[15]
        slot = 16 if x > 0 else 19  # the spawner over its own ground
        if weapon > 0:
            self.armed_for += 1
            if self.armed_for == 40:
                return press("h")  # drop it
        else:
            self.armed_for = 0
            if obs[slot + 2] == 1 and grounded:
                gap = obs[slot] - x
                if abs(gap) < 0.4:
                    return press("h")
                return press("d" if gap > 0 else "a")
        if self.frame % 150 == 0 and grounded:
            return press("g")
        if self.frame % 25 == 0:
            return press("j")
        if self.frame % 90 == 45:
            return press("s", "k")
        return press()


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)


def record(trace: dict[str, Any], frame: int, obs: np.ndarray) -> None:
    """Positions every EVERY frames, and the weapon slots whenever they change."""
    if frame % EVERY == 0:
        trace["positions"].append([round(float(v), 9) for v in (obs[0], obs[1], obs[32], obs[33], obs[12], obs[44])])
    slots = [round(float(v), 9) for v in obs[16:28]]
    if not trace["slots"] or trace["slots"][-1][1] != slots:
        trace["slots"].append([frame, slots])


def stats(players: list) -> list:
    """Each `PlayerStats` as [type of damage_taken, damage_taken, damage_done, lives_left]."""
    return [[type(p.damage_taken).__name__, p.damage_taken, p.damage_done, p.lives_left] for p in players]


SPAWNER_FIELDS = ("id", "flag", "last_spawn_frame", "cooldown_frames", "despawn_frames")


def spawners(env: Any) -> list:
    """`env.weapon_controller.spawners` as reward and replay code reads them: each one's class name, fields
    (None where it has none), `world_pos`, and its active weapon's name and `frames_alive` (or None)."""
    rows = []
    for spawner in env.weapon_controller.spawners:
        weapon = spawner.active_weapon
        rows.append([type(spawner).__name__, *(getattr(spawner, name, None) for name in SPAWNER_FIELDS),
                     [round(float(v), 9) for v in spawner.world_pos],
                     None if weapon is None else [weapon.name, weapon.frames_alive(env.steps)]])
    return rows


def env_match(agent_module: Any, seed: int, frames: int) -> dict[str, Any]:
    seed_all(seed)
    env = agent_module.WarehouseBrawl(train_mode=True)
    observations, _ = env.reset()
    scripts = (Script(), Script())
    trace: dict[str, Any] = {"positions": [], "slots": [], "spawners": []}
    record(trace, 0, observations[0])
    for frame in range(1, frames + 1):
        actions = {i: scripts[i].keys(observations[i]) for i in (0, 1)}
        observations, *_ = env.step(actions)
        record(trace, frame, observations[0])
        shown = spawners(env)
        if not trace["spawners"] or trace["spawners"][-1][1] != shown:
            trace["spawners"].append([frame, shown])
    return {**trace, "stats": stats([env.get_stats(0), env.get_stats(1)]), "next_random": random.random()}


def run_match_match(agent_module: Any, seed: int, frames: int) -> dict[str, Any]:
    seed_all(seed)
    trace: dict[str, Any] = {"positions": [], "slots": []}
    seen = [0]

    class Scripted(agent_module.ConstantAgent):
        def __init__(self, watch: bool) -> None:
            super().__init__()
            self.script, self.watch = Script(), watch

        def predict(self, obs: np.ndarray) -> np.ndarray:
            if self.watch:
                record(trace, seen[0], obs)
                seen[0] += 1
            return self.script.keys(obs)

    result = agent_module.run_match(Scripted(True), Scripted(False), max_timesteps=frames)
    return {**trace, "stats": stats([result.player1, result.player2]), "next_random": random.random()}


def run_match_factories(agent_module: Any, seed: int, frames: int) -> dict[str, Any]:
    seed_all(seed)
    trace: dict[str, Any] = {"positions": [], "slots": []}
    seen = [0]

    class Moody(agent_module.ConstantAgent):
        """Draws from `random` when built, seated and reset: where each falls among the game's draws
        decides where the weapons spawn."""

        def __init__(self, watch: bool = False) -> None:
            super().__init__()
            self.script, self.watch, self.mood = Script(), watch, random.random()

        def _initialize(self) -> None:
            self.mood += random.random()

        def reset(self) -> None:
            self.mood += random.random()

        def predict(self, obs: np.ndarray) -> np.ndarray:
            if self.watch:
                record(trace, seen[0], obs)
                seen[0] += 1
            return self.script.keys(obs)

    result = agent_module.run_match(functools.partial(Moody, True), Moody, max_timesteps=frames)
    return {**trace, "stats": stats([result.player1, result.player2]), "next_random": random.random()}


def selfplay_episodes(agent_module: Any, seed: int, frames: int) -> dict[str, Any]:
    """`SelfPlayWarehouseBrawl` with two scripted opponents: 12 episodes cut `frames` // 12 frames in, each
    reset drawing the game's sides and spawners, then the opponent (its name printed), as training does."""
    seed_all(seed)
    printed = io.StringIO()

    class Scripted(agent_module.ConstantAgent):
        def __init__(self) -> None:
            super().__init__()
            self.script = Script()

        def predict(self, obs: np.ndarray) -> np.ndarray:
            return self.script.keys(obs)

    class Idle(agent_module.ConstantAgent):
        pass

    opponents = agent_module.OpponentsCfg(opponents={"scripted": (0.6, Scripted), "idle": (0.4, Idle)})
    trace: dict[str, Any] = {"positions": [], "slots": []}
    with contextlib.redirect_stdout(printed):
        env = agent_module.SelfPlayWarehouseBrawl(reward_manager=agent_module.RewardManager({}, {}),
                                                  opponent_cfg=opponents)
        learner, frame = Script(), 0
        for _ in range(12):
            obs, _ = env.reset()
            for _ in range(frames // 12):
                obs, *_ = env.step(learner.keys(obs))
                record(trace, frame, obs)
                frame += 1
    selected = [line.split()[1] for line in printed.getvalue().splitlines() if line.startswith("Selected ")]
    return {**trace, "selected": selected, "stats": [], "next_random": random.random()}


SCENARIOS = {"env": env_match, "run_match": run_match_match, "run_match_factories": run_match_factories,
             "selfplay": selfplay_episodes}
CASES = [("env", 1, 1500), ("env", 7, 1500), ("run_match", 3, 1500), ("run_match_factories", 4, 1500),
         ("selfplay", 5, 1800)]  # scenario, seed, frames
