"""The rules of snake on numpy arrays: any number of independent games stepped at once.

Every body cell stores how many more steps it stays occupied (`life`: the head holds the
snake's length, the tail 1), so moving a snake is one subtraction over the board and its
tail frees itself. Randomness (spawns, fruit) comes from one generator per game, so game `i`
of a batch plays exactly like a lone game given the same generator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from arena.envs.snake.rules import SnakeRules

# Headings clockwise from up, so turning right adds one and turning left subtracts one.
DIRECTIONS = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])
TURNS = np.array([0, -1, 1])  # actions: keep going, turn left, turn right
SPAWN_BATCH = 32  # candidate places drawn at once
SPAWN_TRIES = 100  # batches before giving up


@dataclass
class StepOutcome:
    """What one step did in each game: arrays of shape (games, snakes), or (games,) for game-wide flags."""

    moved: np.ndarray  # the snake was alive before the step and still is
    died: np.ndarray
    ate: np.ndarray
    kills: np.ndarray  # snakes killed by running into this snake's body this step
    won: np.ndarray  # paid `win`: the last snake standing (in the step the others went, or each step alone: rules.end_rule)
    rewards: np.ndarray  # float32
    ended: np.ndarray  # (games,): at most one snake (none in a one-snake game) is left
    truncated: np.ndarray  # (games,): max_steps reached with the game still on


class SnakeGames:
    """`n_games` snake games on (n_games, height, width) arrays; see `help(arena.envs.snake)` for the rules."""

    def __init__(self, n_games: int, rules: SnakeRules):
        n, s, h, w = n_games, rules.num_snakes, rules.height, rules.width
        self.rules = rules
        self.n_games = n
        self.owner = np.zeros((n, h, w), np.int8)  # 0 empty, i + 1 a cell of snake i
        self.life = np.zeros((n, h, w), np.int16)
        self.fruit = np.zeros((n, h, w), bool)
        self.fruit_count = np.zeros(n, np.int64)
        self.head = np.zeros((n, s, 2), np.int64)
        self.heading = np.zeros((n, s), np.int64)
        self.length = np.zeros((n, s), np.int64)
        self.alive = np.zeros((n, s), bool)
        self.kills = np.zeros((n, s), np.int64)
        self.survived = np.zeros((n, s), np.int64)  # steps each snake lived through
        self.steps = np.zeros(n, np.int64)
        self.removed = np.zeros(n, np.int64)  # snakes taken off the board since the last step (`remove`)
        self.rngs = [np.random.default_rng() for _ in range(n)]
        self._weights = np.array([rules.rewards[k] for k in ("fruit", "kill", "lose", "time", "win")], np.float32)
        # Index helpers for flat lookups: each game's first cell, each (game, snake)'s row of pairs.
        self._board_offsets = np.arange(n)[:, None] * rules.cells
        self._snake_index = np.arange(s)
        self._snake_offsets = np.arange(n)[:, None] * s
        self._pair_offsets = (np.arange(n * s) * s).reshape(n, s)
        self._others = ~np.eye(s, dtype=bool)
        self._earlier = np.tri(s, k=-1, dtype=bool)  # [i, j]: j < i
        self._cell_index = np.empty((n, h, w), np.intp)  # reused: a fresh one each step costs more than filling it

    def reset_games(self, games: Iterable[int]) -> None:
        """Start new games in the slots `games`, drawing spawns and fruit from each slot's generator."""
        for g in games:
            self.owner[g] = 0
            self.life[g] = 0
            self.fruit[g] = False
            self.fruit_count[g] = 0
            self.kills[g] = 0
            self.survived[g] = 0
            self.steps[g] = 0
            self.removed[g] = 0
            self._spawn_snakes(g)
            self._add_fruit(g, self.rules.num_fruits)

    def _spawn_snakes(self, g: int) -> None:
        """Each snake straight, at the first random place where it and the two cells ahead of it are free."""
        rules = self.rules
        taken: set[int] = set()
        places = _places(rules, self.rngs[g])
        for i in range(rules.num_snakes):
            try:
                cells, heading = next((cells, heading) for cells, heading in places if taken.isdisjoint(cells))
            except StopIteration:
                raise RuntimeError(f"snake: found no room to spawn snake {i}; the grid is too crowded") from None
            taken.update(cells)
            body = cells[2:]
            self.owner[g].flat[body] = i + 1
            self.life[g].flat[body] = range(rules.snake_length, 0, -1)
            self.head[g, i] = divmod(body[0], rules.width)
            self.heading[g, i] = heading
            self.length[g, i] = rules.snake_length
            self.alive[g, i] = True

    def remove(self, g: int, i: int) -> None:
        """Take snake `i` of game `g` off the board now, as a death between steps (a seat out of its match):
        the next step is played without it, and ends the game if that leaves at most `rules.last_standing`."""
        if not self.alive[g, i]:
            return
        cells = self.owner[g] == i + 1
        self.owner[g][cells] = 0
        self.life[g][cells] = 0
        self.alive[g, i] = False
        self.removed[g] += 1

    def _add_fruit(self, g: int, count: int) -> None:
        free = np.flatnonzero((self.owner[g] == 0) & ~self.fruit[g])
        count = min(count, free.size)
        # The first `count` steps of a Fisher-Yates shuffle: distinct cells from one draw.
        for k, u in enumerate(self.rngs[g].random(count)):
            j = k + int(u * (free.size - k))
            free[k], free[j] = free[j], free[k]
        self.fruit[g].flat[free[:count]] = True
        self.fruit_count[g] += count

    def step(self, actions: np.ndarray) -> StepOutcome:
        """Move every live snake by its action (0 keep, 1 left, 2 right); the dead ignore theirs."""
        rules, alive = self.rules, self.alive
        heading = np.where(alive, (self.heading + TURNS[actions]) % 4, self.heading)
        target = self.head + DIRECTIONS[heading]
        row, col = target[..., 0], target[..., 1]
        inside = (row >= 0) & (row < rules.height) & (col >= 0) & (col < rules.width)
        # Flat indices into the whole batch; an off-grid target reads its game's first cell, then counts as a wall.
        cell = np.where(inside, row * rules.width + col, 0) + self._board_offsets
        owner = self.owner.ravel()[cell]
        ate = alive & inside & self.fruit.ravel()[cell]

        # A tail moves out of the way in the same step unless its snake is reaching a fruit.
        tail_moves = (self.life.ravel()[cell] == 1) & ~_per_cell(ate, owner, False)
        body_hit = inside & (owner > 0) & ~tail_moves
        # Head-on: two heads reach one cell, or swap cells (off-grid cells stay distinct in the padded numbering).
        spot = (row + 1) * (rules.width + 2) + col + 1
        now = (self.head[..., 0] + 1) * (rules.width + 2) + self.head[..., 1] + 1
        into_head = spot[:, :, None] == now[:, None, :]
        swapped = into_head & into_head.transpose(0, 2, 1)
        meets = (spot[:, :, None] == spot[:, None, :]) | swapped
        head_on = (meets & alive[:, None, :] & self._others).any(2)
        died = alive & (~inside | body_hit | head_on)

        killer = owner - 1
        if rules.kill_credit == "marlenv":
            # Each body or head cell run into credits its owner once (the first snake in stands for all);
            # a growing snake's tail, once per snake that runs into it.
            tail = self.life.ravel()[cell] == 1
            first = ~((spot[:, :, None] == spot[:, None, :]) & alive[:, None, :] & self._earlier).any(2)
            credited = body_hit & alive & (first | tail)
        else:  # running into another snake's body credits that snake; two heads meeting credits no one
            swapped_with_owner = swapped.ravel()[self._pair_offsets + killer]
            credited = died & body_hit & (killer != self._snake_index) & ~swapped_with_owner
        kills = np.bincount((self._snake_offsets + killer)[credited], minlength=alive.size).reshape(alive.shape)

        moved = alive & ~died
        ate &= moved
        self._move_bodies(moved, died, ate, cell, target)
        self.heading = heading
        self.kills += kills
        self.survived += moved
        self.steps += 1
        self.fruit_count -= ate.sum(1)
        for g in np.flatnonzero(self.fruit_count < rules.num_fruits):
            self._add_fruit(int(g), rules.num_fruits - int(self.fruit_count[g]))

        survivors = moved.sum(1)
        ended = (survivors <= rules.last_standing) & (alive.sum(1) + self.removed > rules.last_standing)
        self.removed[:] = 0
        if rules.end_rule == "all_dead":
            won = moved & (survivors == 1)[:, None] & (rules.num_snakes > 1)
        else:
            won = moved & ended[:, None] & (rules.num_snakes > 1)
        truncated = ~ended & (self.steps >= rules.max_steps)
        signals = np.stack([ate, kills, died, moved, won], -1).astype(np.float32)
        return StepOutcome(moved, died, ate, kills, won, signals @ self._weights, ended, truncated)

    def _move_bodies(self, moved: np.ndarray, died: np.ndarray, ate: np.ndarray, cell: np.ndarray,
                     target: np.ndarray) -> None:
        # Every snake but the growing ones leaves its tail cell; the dead leave every cell.
        drop = np.where(died, self.rules.cells + 1, ~ate).astype(np.int16)
        self.life -= _per_cell(drop, self.owner, 0, out=self._cell_index)
        kept = self.life > 0
        self.life *= kept
        self.owner *= kept
        self.length += ate
        heads = cell[moved]
        self.fruit.ravel()[heads] = False
        self.owner.ravel()[heads] = (self._snake_index + 1)[np.nonzero(moved)[1]]
        self.life.ravel()[heads] = self.length[moved]
        self.head[moved] = target[moved]
        self.alive = moved


def _per_cell(values: np.ndarray, owner: np.ndarray, empty, out: np.ndarray | None = None) -> np.ndarray:
    """`values[game, owner - 1]` for every cell of `owner` (games first), `empty` where a cell has no owner.

    `out`, if given, is an intp array of owner's shape to build the lookup index in.
    """
    n = values.shape[0]
    table = np.concatenate([np.full((n, 1), empty, values.dtype), values], 1)
    offsets = (np.arange(n) * table.shape[1]).reshape((n,) + (1,) * (owner.ndim - 1))
    return table.ravel().take(np.add(owner, offsets, out=out))

def _places(rules: SnakeRules, rng: np.random.Generator):
    """Random straight placements inside the grid, drawn in batches: (flat cells, heading).

    The cells run from two cells ahead of the head, through the head, to the tail.
    """
    ahead = np.arange(-2, rules.snake_length)
    for _ in range(SPAWN_TRIES):
        drawn = rng.integers(0, rules.cells * 4, size=SPAWN_BATCH)
        heading = drawn % 4
        head = np.stack(np.divmod(drawn // 4, rules.width), -1)
        cells = head[:, None] - ahead[:, None] * DIRECTIONS[heading][:, None]
        rows, cols = cells[..., 0], cells[..., 1]
        inside = ((rows >= 0) & (rows < rules.height) & (cols >= 0) & (cols < rules.width)).all(1)
        flat = rows * rules.width + cols
        yield from zip(flat[inside].tolist(), heading[inside].tolist())
