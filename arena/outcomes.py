"""Wins, draws and losses: one side's record over a series of games, for every part that counts them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Record:
    """One side's games: wins, draws and losses."""

    wins: int = 0
    draws: int = 0
    losses: int = 0

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses

    @property
    def points(self) -> float:
        """A win 1, a draw 1/2."""
        return self.wins + self.draws / 2

    @property
    def score(self) -> float:
        """Points per game (1/2 before any game)."""
        return self.points / self.games if self.games else 0.5

    def add(self, outcome: float) -> None:
        """Count one game: a positive outcome is a win, a negative one a loss, zero a draw."""
        if outcome > 0:
            self.wins += 1
        elif outcome < 0:
            self.losses += 1
        else:
            self.draws += 1
