"""A match's summary: each fighter's damage and stocks, and the first player's result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Result(Enum):
    WIN = 1
    LOSS = 0
    DRAW = 0.5


@dataclass
class PlayerStats:
    damage_taken: float
    damage_done: float
    lives_left: int


@dataclass
class MatchStats:
    match_time: float  # seconds of game time played
    player1: PlayerStats
    player2: PlayerStats
    player1_result: Result  # by stocks left
