"""One match of the fighting game: two fighters, the stage and the weapons, advanced frame by frame."""

from __future__ import annotations

import random
from typing import Any, Mapping

from arena.envs.fighting import rules as R
from arena.envs.fighting.fighter import Fighter
from arena.envs.fighting.physics import World
from arena.envs.fighting.stage import Ground, Stage
from arena.envs.fighting.weapons import Armory, SpawnerVFX

LABELS = ("player", "opponent")  # how signals name fighter 0 and fighter 1


class Game:
    """The match state; `step` advances it one frame given both fighters' actions.

    Fighter 0 starts on the right if `first_on_right`, else on the left (None: drawn from `rng`).
    With `competition_draws` the game draws from `rng` what the competition's game draws from Python's
    `random` module, when and in the order it does (the side, each spawner's first place, a number for
    every attack and taunt animation and for every dropped weapon, besides the weapons' draws), so
    that a generator in the same state plays the same match there and here.
    `signals` maps the signal names (`win_signal`, `knockout_signal`, `hit_during_stun`,
    `weapon_equip_signal`, `weapon_drop_signal`) to objects with `emit(agent=...)`. `pixels_per_unit`
    is the render scale that sizes the weapons lying about, as in the competition's game
    (`CameraResolution.pixels_per_unit`; 48: LOW). The platform stops for a frame at each end of its
    path, as in the competition's env, unless `platform_pauses` is False: then it turns at once, as
    in the competition's `run_match` (the one its battles were played with), which works the
    platform's speed out once more before each frame.

    A frame runs as the competition's does: both fighters read their keys; the platform, then
    fighter 0, then fighter 1 act (so fighter 0's hits land on fighter 1 in the same frame, and
    fighter 1's on fighter 0 in the next); then the physics step moves everything (weapons lying
    about too); then weapons are dropped, picked up and spawned. The match ends the frame after a
    fighter's last stock is lost, or after `max_frames` frames.

    Each fighter's `env` is its game, as the competition's fighters' `env` is their env: code reads the
    same through it (`steps`, `objects`, `players`, and the declared stage size, `stage_width_tiles` and
    `stage_height_tiles`, that edges are derived from).
    """

    stage_width_tiles = R.STAGE_WIDTH_TILES
    stage_height_tiles = R.STAGE_HEIGHT_TILES

    def __init__(self, rng: random.Random, signals: Mapping[str, Any], stocks: int = R.STOCKS,
                 max_frames: int = R.MATCH_FRAMES, first_on_right: bool | None = None,
                 pixels_per_unit: float = 48.0, platform_pauses: bool = True, competition_draws: bool = False):
        self.rng = rng
        self.competition_draws = competition_draws
        self.platform_pauses = platform_pauses
        self.signals = signals
        self.stocks = stocks
        self.max_frames = max_frames
        self.steps = 0
        self.world = World(R.GRAVITY, R.DT)
        self.grounds = [Ground(x, y) for x, y in R.GROUNDS]
        self.platform = Stage()
        self.solids = [self.platform.solid] + [ground.solid for ground in self.grounds]
        right = (R.SPAWN_X, R.SPAWN_Y)
        left = (-R.SPAWN_X, R.SPAWN_Y)
        if first_on_right is None:
            first_on_right = bool(rng.getrandbits(1)) if competition_draws else rng.random() < 0.5
        first, second = (right, left) if first_on_right else (left, right)
        self.players = [Fighter(self, 0, first), Fighter(self, 1, second)]
        self.players[0].opponent, self.players[1].opponent = self.players[1], self.players[0]
        # Into the physics in the order the competition's game adds the shapes to its space: which
        # contact is resolved last (and wins when a fighter is squeezed between the platform and a
        # ground) depends on it (see `physics.World`).
        for ground in self.grounds:
            self.world.add_static(ground.solid)
        self.world.add(self.platform.solid)
        for fighter in self.players:
            self.world.add(fighter.body)
        self.armory = Armory(rng, self.emit, pixels_per_unit, competition_draws)
        self.objects = {
            "ground1": self.grounds[0], "ground2": self.grounds[1], "platform1": self.platform,
            "player": self.players[0], "opponent": self.players[1],
            "SpawnerVFX0": SpawnerVFX(self, 0, flipped=True), "SpawnerVFX1": SpawnerVFX(self, 1, flipped=True),
        }
        self.terminated = self.truncated = False
        self.winner: int | None = None  # fighter index once decided; None for a draw or while playing

    def emit(self, signal: str, agent_id: int) -> None:
        self.signals[signal].emit(agent=LABELS[agent_id])

    def draw_unused(self, low: int, high: int) -> None:
        """With `competition_draws`, draw `randint(low, high)` where the competition's game draws a number
        this game has no use for (an animation to show), keeping the draws after it as there."""
        if self.competition_draws:
            self.rng.randint(low, high)

    def step(self, action_0: Any, action_1: Any) -> None:
        """Advance one frame; actions are arrays of 10 key values (> 0.5 is pressed)."""
        first, second = self.players
        first.process(action_0)
        second.process(action_1)
        deciding = not self.over
        self._judge_knockouts()
        self.platform.physics_process()
        if not self.platform_pauses:
            self.platform.physics_process()
        first.physics_process()
        second.physics_process()
        weapons = self.armory.physics_process()
        self.world.step((first.body, second.body, *weapons), self.solids)
        self.steps += 1
        self.armory.update(self.players, self.steps, self.platform)
        if not self.terminated and self.steps >= self.max_frames:
            self.truncated = True
        if deciding and self.over and first.stocks != second.stocks:
            # By the stocks left once the frame is played, as the competition's run_match judges: a fighter
            # may lose its last stock on the frame the other's loss ends the match, and that is a draw.
            self.winner = 0 if first.stocks > second.stocks else 1

    def _judge_knockouts(self) -> None:
        for fighter in self.players:
            if fighter.stocks <= 0:  # each fighter out of stocks signals the other's win (each frame), as there
                self.terminated = True
                self.emit("win_signal", 1 - fighter.agent_id)

    @property
    def over(self) -> bool:
        return self.terminated or self.truncated

    def last_moves_x(self) -> tuple[float, float, float, float]:
        """Each fighter's x and x before the last physics step: fighter 0's, then fighter 1's."""
        first, second = self.players
        return first.body.x, first.prev_x, second.body.x, second.prev_x
