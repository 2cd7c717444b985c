"""Evaluation during training: matches against fixed benchmarks and the previous snapshot, and a rating curve.

Each evaluation plays `games` matches of the learner's checkpoint against every benchmark (the
scripted agents named in the config) and against the previously evaluated checkpoint, seats
alternating, through `arena.match.play_match`, the harness that tournaments use. Every game joins
one results list; ratings are Elo numbers fitted to all of it (Bradley-Terry), with the first
benchmark fixed at 1000, so successive checkpoints are placed on one scale: the rating curve.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from arena.ratings import bradley_terry
from arena.seeding import derive_seed
from arena.train.config import scripted_agent
from arena.train.controls import Controls
from arena.train.policy import PolicyAgent, load_model

ANCHOR_RATING = 1000.0


class Evaluator:
    """Plays checkpoints against benchmarks and their predecessor; keeps the results and the curve."""

    def __init__(self, benchmarks: list[str], controls: Controls, games: int, seed: int,
                 state: dict[str, Any] | None = None, sample: bool = True):
        self.benchmarks = list(benchmarks)
        self.controls = controls
        self.games = games
        self.seed = seed
        self.sample = sample
        state = state or {}
        self.results: list[tuple[str, str, float]] = [tuple(r) for r in state.get("results", [])]
        self.history: list[dict[str, Any]] = list(state.get("history", []))
        self.previous: str | None = state.get("previous")

    def evaluate(self, checkpoint: str, steps: int) -> dict[str, float]:
        """Play the checkpoint at `steps` against each benchmark and the previous checkpoint: its score rate against each."""
        name = f"step_{steps}"
        learner = partial(loaded_agent, checkpoint, load_model(checkpoint), self.controls, self.sample)
        opponents: dict[str, Any] = {bench: scripted_agent(bench) for bench in self.benchmarks}
        if self.previous is not None:
            label, path = self.previous.split("=", 1)
            opponents[label] = partial(loaded_agent, path, load_model(path), self.controls, self.sample)
        scores = {}
        for index, (opponent_name, opponent) in enumerate(opponents.items()):
            total = 0.0
            for game in range(self.games):
                score = play_scored(learner, opponent, derive_seed(self.seed, steps, index, game), game % 2)
                self.results.append((name, opponent_name, score))
                total += score
            scores[opponent_name] = total / self.games
        self.previous = f"{name}={checkpoint}"
        self.history.append({"steps": steps, "scores": scores, "rating": self.ratings().get(name, ANCHOR_RATING)})
        return scores

    def ratings(self) -> dict[str, float]:
        return elo_ratings(self.results, anchor=self.benchmarks[0] if self.benchmarks else None)

    def state(self) -> dict[str, Any]:
        return {"results": [list(r) for r in self.results], "history": self.history, "previous": self.previous}


def loaded_agent(path: str, model: Any, controls: Controls, sample: bool) -> PolicyAgent:
    """A `PolicyAgent` for the checkpoint at `path` playing `model`, loaded once for all of an evaluation's matches."""
    agent = PolicyAgent(path, controls, sample)
    agent.model = model
    return agent


def play_scored(learner: Any, opponent: Any, seed: int, learner_seat: int) -> float:
    """One fighting match: 1 if the learner wins, 0.5 for a draw, 0 if it loses."""
    from arena.match import play_match

    agents = [learner, opponent] if learner_seat == 0 else [opponent, learner]
    result = play_match("fighting", agents, seed=seed)
    mine, theirs = result.agents[learner_seat], result.agents[1 - learner_seat]
    if mine.rank == theirs.rank:
        return 0.5
    return 1.0 if mine.rank < theirs.rank else 0.0


def elo_ratings(results: list[tuple[str, str, float]], anchor: str | None = None) -> dict[str, float]:
    """Elo ratings fitted to (a, b, score of a) results by the leaderboard's Bradley-Terry fit
    (`arena.ratings.bradley_terry`); `anchor` (if it played) is shifted to exactly 1000."""
    fitted = {player: rating.rating for player, rating in bradley_terry(results).items()}
    shift = ANCHOR_RATING - fitted.get(anchor, 0.0) if anchor in fitted else ANCHOR_RATING
    return {player: rating + shift for player, rating in fitted.items()}
