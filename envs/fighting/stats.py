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


def match_stats(env) -> MatchStats:
    """The summary of the match `env` (a `WarehouseBrawl`) has played so far, seen from player_0."""
    first, second = env.players
    if first.stocks == second.stocks:
        result = Result.DRAW
    else:
        result = Result.WIN if first.stocks > second.stocks else Result.LOSS
    return MatchStats(match_time=env.steps / env.fps, player1=env.get_stats(0), player2=env.get_stats(1),
                      player1_result=result)
