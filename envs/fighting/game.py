"""One match of the fighting game: two fighters, the stage and the weapons, advanced frame by frame."""

from __future__ import annotations

import random
from typing import Any, Mapping

from arena.envs.fighting import rules as R
from arena.envs.fighting.fighter import Fighter
from arena.envs.fighting.stage import Ground, MovingPlatform
from arena.envs.fighting.states import KOState
from arena.envs.fighting.weapons import Armory

LABELS = ("player", "opponent")  # how signals name fighter 0 and fighter 1


class Game:
    """The match state; `step` advances it one frame given both fighters' actions.

    `signals` maps the signal names (`win_signal`, `knockout_signal`, `hit_during_stun`,
    `weapon_equip_signal`, `weapon_drop_signal`) to objects with `emit(agent=...)`.
    """

    def __init__(self, rng: random.Random, signals: Mapping[str, Any], stocks: int = R.STOCKS,
                 max_frames: int = R.MATCH_FRAMES):
        self.rng = rng
        self.signals = signals
        self.stocks = stocks
        self.max_frames = max_frames
        self.steps = 0
        right = (R.SPAWN_X, R.SPAWN_Y)
        left = (-R.SPAWN_X, R.SPAWN_Y)
        first, second = (right, left) if rng.random() < 0.5 else (left, right)
        self.players = [Fighter(self, 0, first), Fighter(self, 1, second)]
        self.players[0].opponent, self.players[1].opponent = self.players[1], self.players[0]
        self.grounds = [Ground(x, top) for x, top in R.GROUNDS]
        self.platform = MovingPlatform()
        self.armory = Armory(rng, self.emit)
        self.objects = {
            "player": self.players[0], "opponent": self.players[1],
            "ground1": self.grounds[0], "ground2": self.grounds[1], "platform1": self.platform,
        }
        self.terminated = self.truncated = False
        self.winner: int | None = None  # fighter index once decided; None for a draw or while playing

    def emit(self, signal: str, agent_id: int) -> None:
        self.signals[signal].emit(agent=LABELS[agent_id])

    def step(self, action_0: Any, action_1: Any) -> None:
        """Advance one frame; actions are arrays of 10 key values (> 0.5 is pressed)."""
        first, second = self.players
        first.begin_frame(action_0)
        second.begin_frame(action_1)
        platform = self.platform
        platform.advance(self.steps + 1)
        first.update()
        second.update()
        for fighter in self.players:
            fighter.move_through_stage(platform.dx, platform.dy, platform.body.x, platform.body.y)
        # Both hits are decided before either lands, so neither fighter acts first.
        second_hit = second.hurtbox_hit_by(first)
        first_hit = first.hurtbox_hit_by(second)
        if second_hit:
            first.move_hit = True
            second.take_hit(first, first.move)
        if first_hit:
            second.move_hit = True
            first.take_hit(second, second.move)
        self.armory.update(self.players, self.steps, platform)
        for fighter in self.players:
            if fighter.out_of_bounds() and not isinstance(fighter.state, KOState):
                fighter.set_state(KOState)
        self.steps += 1
        self._judge()

    def _judge(self) -> None:
        first, second = self.players
        if first.stocks <= 0 or second.stocks <= 0:
            self.terminated = True
        elif self.steps >= self.max_frames:
            self.truncated = True
        else:
            return
        if first.stocks != second.stocks:
            self.winner = 0 if first.stocks > second.stocks else 1
            self.emit("win_signal", self.winner)

    @property
    def over(self) -> bool:
        return self.terminated or self.truncated
