"""The settings of a snake game (marlenv's names), checked once, shared by the env and the batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

REWARD_KEYS = ("fruit", "kill", "lose", "win", "time")
DEFAULT_REWARDS = {"fruit": 1.0, "kill": 1.0, "lose": -1.0, "win": 0.0, "time": 0.0}
# Other names for marlenv's keys, accepted too.
REWARD_ALIASES = {"death": "lose", "survival": "time"}
# When a game ends: arena's (at most one snake left, the survivor paid `win` once) or marlenv's
# (every snake dead, the last one paid `win` each step it lives on alone).
END_RULES = ("last_standing", "all_dead")
# Who is credited with a kill. "arena": the owner of the body a snake runs into, once per snake
# killed, never itself, nor between two heads meeting. "marlenv": the owner of every body or head
# cell run into, once per cell, itself and a head swapping with its own included; the tail of a
# growing snake (which stays put) still credits it once per snake run in.
KILL_CREDITS = ("arena", "marlenv")


def reward_weights(reward_dict: Mapping[str, float] | None) -> dict[str, float]:
    """`reward_dict` over the defaults, aliases resolved; ValueError naming any unknown key."""
    weights = dict(DEFAULT_REWARDS)
    for key, value in (reward_dict or {}).items():
        name = REWARD_ALIASES.get(key, key)
        if name not in weights:
            raise ValueError(f"snake: unknown reward {key!r} in reward_dict; the rewards are {', '.join(REWARD_KEYS)}")
        weights[name] = float(value)
    return weights


@dataclass(frozen=True)
class SnakeRules:
    """One game's settings; see `help(arena.envs.snake)` for what each means."""

    num_snakes: int = 4
    height: int = 20
    width: int = 20
    snake_length: int = 3
    num_fruits: int = 4
    max_steps: int = 1000
    rewards: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_REWARDS))
    end_rule: str = "last_standing"
    kill_credit: str = "arena"

    def __post_init__(self):
        if not 1 <= self.num_snakes <= 8:
            raise ValueError(f"snake: num_snakes must be 1 to 8, got {self.num_snakes}")
        if self.height < 5 or self.width < 5:
            raise ValueError(f"snake: the grid must be at least 5 x 5, got {self.height} x {self.width}")
        # A snake starts straight with two free cells ahead of it: snake_length + 2 cells in a row or a column.
        if not 1 <= self.snake_length <= max(self.height, self.width) - 2:
            raise ValueError(f"snake: snake_length must be 1 to {max(self.height, self.width) - 2} on this grid, "
                             f"got {self.snake_length}")
        if self.num_snakes * (self.snake_length + 2) > self.height * self.width // 2:
            raise ValueError(f"snake: {self.num_snakes} snakes of length {self.snake_length} do not fit on "
                             f"{self.height} x {self.width}; use a bigger grid or fewer, shorter snakes")
        if self.num_fruits < 0 or self.max_steps < 1:
            raise ValueError(f"snake: num_fruits must be >= 0 and max_steps >= 1, got {self.num_fruits} and {self.max_steps}")
        if self.kill_credit not in KILL_CREDITS:
            raise ValueError(f"snake: kill_credit must be one of {', '.join(KILL_CREDITS)}, got {self.kill_credit!r}")
        if self.end_rule not in END_RULES:
            raise ValueError(f"snake: end_rule must be one of {', '.join(END_RULES)}, got {self.end_rule!r}")

    @property
    def cells(self) -> int:
        return self.height * self.width

    @property
    def last_standing(self) -> int:
        """The game ends when at most this many snakes live: one, or none in a one-snake game or under "all_dead"."""
        return 1 if self.num_snakes > 1 and self.end_rule == "last_standing" else 0

    def winning(self, survivors: int, ended: bool) -> bool:
        """Whether the snakes alive after a step that leaves `survivors` of them (`ended`: the game is over) earn `win`.

        "last_standing": the one left in the step the game ends; "all_dead": the only one alive, every step.
        """
        if self.num_snakes == 1:
            return False
        return survivors == 1 if self.end_rule == "all_dead" else ended
