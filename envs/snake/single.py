"""One snake game in plain Python, a step at a time: what a match plays.

`SnakeGames` steps a batch of games with a few dozen numpy operations a step, which is cheap per
game for 64 games and dear for one. `SnakeGame` keeps one game's state in Python lists and
bytearrays instead (each snake's cells in a deque, head first), moves it with a handful of integer
operations per snake, keeps the board the snakes see up to date cell by cell, and cuts every
snake's window out of it with three numpy operations. Given the same generator and actions it
plays exactly like game 0 of a `SnakeGames` batch: the same random draws in the same order, the
same collisions, rewards and observations (tests/test_snake.py plays them side by side);
`to_batch()` hands its state over to a one-game batch.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from arena.envs.snake.engine import DIRECTIONS, SnakeGames, _places
from arena.envs.snake.rules import SnakeRules
from arena.envs.snake.vision import PLANES, WALL, Vision  # SnakeGame sees in arena's layout

_STEPS = [tuple(int(x) for x in d) for d in DIRECTIONS]  # (row, col) a step, by heading
_TURNS = (0, -1, 1)  # heading change by action: keep going, turn left, turn right
_SIGNALS = ("fruit", "kill", "lose", "time", "win")  # the order StepOutcome's rewards weigh them in


class SnakeGame:
    """One game with `rules`, observed through windows of `vision_range` stacked `frame_stack` deep.

    `reset(rng)` and `step(actions)` return the stacked observations of every snake, shape
    (num_snakes, *window, 6 * frame_stack) uint8 (a snake dead before the step has a stale row);
    the per-snake figures (`length`, `kills`, `survived`, `alive`, ...) are plain lists.

    Cells are numbered on the grid with a ring of wall cells around it, row by row, so that a step
    is one addition and a snake about to leave the grid still has a place to be (where it dies).
    """

    def __init__(self, rules: SnakeRules, vision_range: int | None, frame_stack: int):
        self.rules = rules
        s, h, w = rules.num_snakes, rules.height, rules.width
        self.num_snakes, self.height, self.width = s, h, w
        self.rng = np.random.default_rng()
        # The window tables are a one-game Vision's; this game keeps its own board of codes.
        self.vision_range = vision_range
        self.vision = Vision(SnakeGames(1, rules), vision_range, frame_stack)
        pad, span = self.vision.pad, w + 2
        self._span = span
        self._steps = [int(row) * span + int(col) for row, col in DIRECTIONS]
        ring = np.full((h + 2, span), False)
        ring[1:-1, 1:-1] = True
        self._inside = ring.ravel().tolist()
        self._ids = (np.arange(1, h + 1)[:, None] * span + np.arange(1, w + 1)).ravel()  # grid cell -> numbered cell
        self._ids_list = self._ids.tolist()
        side = w + 2 * pad
        rows, cols = np.divmod(np.arange((h + 2) * span), span)
        self._code_cell = ((rows - 1 + pad) * side + cols - 1 + pad).tolist()  # numbered cell -> cell of the code board
        self._codes = bytearray(np.full((h + 2 * pad) * side, WALL, np.int8).tobytes())
        self._codes_view = np.frombuffer(self._codes, np.int8)  # shares the bytearray's memory
        self._egocentric = self.vision.egocentric
        self._window_offsets = self.vision._window_offsets
        self._code_offsets = self.vision._code_offsets[0]
        self._planes = self.vision._planes
        self._fruit_code = 2 * s + 1
        self.frame_stack = frame_stack
        self.stack = np.zeros((s, *self.vision.shape), np.uint8)
        weights = [rules.rewards[k] for k in _SIGNALS]
        self._weights = np.array(weights, np.float32)
        # Small whole weights sum exactly in float32 in any order: plain Python arithmetic gives the batch's value.
        self._whole_weights = [int(x) for x in weights] if all(float(x).is_integer() and abs(x) < 1 << 20
                                                                 for x in weights) else None
        self._empty_board = bytes(0 if inside else _RING for inside in self._inside)
        self.owner = bytearray(self._empty_board)  # 0 empty, i + 1 a cell of snake i, _RING on the ring
        self.fruit = bytearray((h + 2) * span)
        self.bodies: list[deque[int]] = [deque() for _ in range(s)]  # numbered cells, head first
        self.head = [0] * s  # each snake's head; a dead snake's where it died
        self.heading = [0] * s
        self.length = [0] * s
        self.alive = [False] * s
        self.kills = [0] * s
        self.survived = [0] * s
        self.steps = 0
        self.fruit_count = 0
        self.removed = 0  # snakes taken off the board since the last step (`remove`)

    # --- playing ---------------------------------------------------------------------------------

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_codes_view"]  # a view of `_codes`: a copy makes it again over its own board
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._codes_view = np.frombuffer(self._codes, np.int8)

    def reset(self, rng: np.random.Generator) -> np.ndarray:
        """A new game drawn from `rng` (kept for the fruit to come); every snake's first observation."""
        self.rng = rng
        rules, s, ids = self.rules, self.num_snakes, self._ids_list
        self.owner[:] = self._empty_board
        self.fruit[:] = bytes(len(self.fruit))
        for body in self.bodies:
            body.clear()
        self.kills, self.survived = [0] * s, [0] * s
        self.heading, self.length, self.alive = [0] * s, [0] * s, [False] * s
        self.steps, self.fruit_count, self.removed = 0, 0, 0
        taken: set[int] = set()
        places = _places(rules, rng)
        for i in range(s):
            try:
                cells, heading = next((cells, heading) for cells, heading in places if taken.isdisjoint(cells))
            except StopIteration:
                raise RuntimeError(f"snake: found no room to spawn snake {i}; the grid is too crowded") from None
            taken.update(cells)
            body = [ids[c] for c in cells[2:]]
            for cell in body:
                self.owner[cell] = i + 1
            self.bodies[i].extend(body)
            self.head[i], self.heading[i], self.length[i], self.alive[i] = body[0], heading, rules.snake_length, True
        self._add_fruit(rules.num_fruits)
        self._redraw(ids)
        frame = self._frames()
        self.stack = np.tile(frame, self.frame_stack) if self.frame_stack > 1 else frame
        return self.stack

    def step(self, actions: list[int]) -> tuple[np.ndarray, list[float], list[bool], bool, bool]:
        """Move every live snake by its action (0 keep, 1 left, 2 right); the dead ignore theirs.

        Returns the observations, each snake's reward, which snakes died, whether the game ended
        (at most one snake left) and whether it was truncated (max_steps reached, still on).
        """
        rules, s = self.rules, self.num_snakes
        owner, fruit, bodies, head, inside = self.owner, self.fruit, self.bodies, self.head, self._inside
        alive, heading, steps = self.alive, self.heading, self._steps
        live = [i for i in range(s) if alive[i]]
        spot = {}  # where each live snake is headed
        ate = [False] * s  # reaching a fruit (before deaths are known)
        heads_at, crowd = {}, {}  # live heads' cells -> snake; targets -> how many snakes head there
        for i in live:
            way = (heading[i] + _TURNS[actions[i]]) % 4
            heading[i] = way
            target = head[i] + steps[way]
            spot[i] = target
            heads_at[head[i]] = i
            crowd[target] = crowd.get(target, 0) + 1
            if inside[target] and fruit[target]:
                ate[i] = True
        died = [False] * s
        kills = [0] * s
        per_cell = rules.kill_credit == "marlenv"
        credited_cells = set()  # under marlenv's credit: the body and head cells already credited this step
        for i in live:
            target = spot[i]
            if not inside[target]:
                died[i] = True
                continue
            holder = owner[target] - 1
            # A tail moves out of the way in the same step unless its snake is reaching a fruit.
            body_hit = holder >= 0 and (bodies[holder][-1] != target or ate[holder])
            # Head-on: two heads reach one cell, or swap cells.
            other = heads_at.get(target)
            swapped = other is not None and other != i and spot[other] == head[i]
            if body_hit or swapped or crowd[target] > 1:
                died[i] = True
                if per_cell:
                    if body_hit and (bodies[holder][-1] == target or target not in credited_cells):
                        credited_cells.add(target)
                        kills[holder] += 1
                # Running into another snake's body credits that snake; two heads meeting credits no one.
                elif body_hit and holder != i and not (head[holder] == target and spot[holder] == head[i]):
                    kills[holder] += 1
        touched = []  # cells whose code on the board may have changed
        survivors = []
        for i in live:
            body = bodies[i]
            if died[i]:
                ate[i] = False
                for c in body:
                    owner[c] = 0
                touched += body
                body.clear()
            else:
                survivors.append(i)
                touched.append(body[0])
                if not ate[i]:
                    tail = body.pop()
                    owner[tail] = 0
                    touched.append(tail)
        length, survived, all_kills = self.length, self.survived, self.kills
        for i in survivors:
            c = spot[i]
            if ate[i]:
                length[i] += 1
                fruit[c] = 0
            owner[c] = i + 1
            bodies[i].appendleft(c)
            head[i] = c
            survived[i] += 1
            touched.append(c)
        for i in live:
            all_kills[i] += kills[i]
        moved = [False] * s
        for i in survivors:
            moved[i] = True
        self.alive = moved
        self.steps += 1
        self.fruit_count -= sum(ate)
        if self.fruit_count < rules.num_fruits:
            touched += self._add_fruit(rules.num_fruits - self.fruit_count)

        ended = len(survivors) <= rules.last_standing < len(live) + self.removed
        self.removed = 0
        truncated = not ended and self.steps >= rules.max_steps
        rewards = self._rewards(live, ate, kills, died, moved, rules.winning(len(survivors), ended))
        self._redraw(touched)
        frame = self._frames()
        if self.frame_stack > 1:
            width_planes = len(PLANES)
            self.stack[..., :-width_planes] = self.stack[..., width_planes:]
            self.stack[..., -width_planes:] = frame
        else:
            self.stack = frame
        return self.stack, rewards, died, ended, truncated

    def remove(self, i: int) -> None:
        """Take snake `i` off the board now, as a death between steps: the next step is played without it,
        and ends the game if that leaves at most `rules.last_standing` snakes (as `SnakeGames.remove`)."""
        if not self.alive[i]:
            return
        body = list(self.bodies[i])
        for c in body:
            self.owner[c] = 0
        self.bodies[i].clear()
        self.alive[i] = False
        self.removed += 1
        self._redraw(body)

    def _rewards(self, live: list[int], ate: list[bool], kills: list[int], died: list[bool], moved: list[bool],
                 winning: bool) -> list[float]:
        """Each snake's reward (those not in `live` get 0): its signals weighed as `SnakeGames` weighs them."""
        rewards = [0.0] * self.num_snakes
        whole = self._whole_weights
        if whole is not None:
            fruit, kill, lose, time, win = whole
            for i in live:
                rewards[i] = float(fruit * ate[i] + kill * kills[i] + lose * died[i] + time * moved[i]
                                   + win * (moved[i] and winning))
            return rewards
        signals = np.array([[[ate[i], kills[i], died[i], moved[i], moved[i] and winning] for i in range(self.num_snakes)]],
                           np.float32)
        weighed = (signals @ self._weights)[0].tolist()
        for i in live:
            rewards[i] = weighed[i]
        return rewards

    def _add_fruit(self, count: int) -> list[int]:
        """Fruit on `count` random free cells, drawn as `SnakeGames` draws them; the cells."""
        free = np.flatnonzero((np.frombuffer(self.owner, np.uint8) == 0) & (np.frombuffer(self.fruit, np.uint8) == 0))
        free = free.tolist()  # in grid order, as the numbering keeps it
        count = min(count, len(free))
        # The first `count` steps of a Fisher-Yates shuffle: distinct cells from one draw.
        for k, u in enumerate(self.rng.random(count)):
            j = k + int(u * (len(free) - k))
            free[k], free[j] = free[j], free[k]
        for c in free[:count]:
            self.fruit[c] = 1
        self.fruit_count += count
        return free[:count]

    # --- what the snakes see ---------------------------------------------------------------------

    def _redraw(self, cells) -> None:
        """Bring the board of codes up to date at `cells`. Codes as `Vision` draws them: heads over fruit over bodies."""
        s = self.num_snakes
        heads = {self.head[i]: i for i in range(s) if self.alive[i]}
        owner, fruit, codes, fruit_code, code_cell = self.owner, self.fruit, self._codes, self._fruit_code, self._code_cell
        for c in cells:
            i = heads.get(c)
            codes[code_cell[c]] = s + i + 1 if i is not None else fruit_code if fruit[c] else owner[c]

    def _frames(self) -> np.ndarray:
        """Every snake's current frame, (num_snakes, *window, 6): its window of the board, turned to face up."""
        cells = self._window_offsets.take(self.heading, axis=0)
        if self._egocentric:
            code_cell = self._code_cell
            cells += np.array([code_cell[c] for c in self.head], np.int32)[:, None, None]
        seen = self._codes_view.take(cells)
        return self._planes.take(seen + self._code_offsets, axis=0)

    # --- handing over ------------------------------------------------------------------------------

    def to_batch(self) -> tuple[SnakeGames, Vision]:
        """A one-game `SnakeGames` (and its `Vision`) in exactly this state, drawing from the same generator."""
        games = SnakeGames(1, self.rules)
        games.rngs[0] = self.rng
        ids = self._ids
        games.owner[0].flat[:] = np.frombuffer(self.owner, np.uint8)[ids]
        games.fruit[0].flat[:] = np.frombuffer(self.fruit, np.uint8)[ids] > 0
        games.fruit_count[0] = self.fruit_count
        for i, body in enumerate(self.bodies):
            for life, c in zip(range(len(body), 0, -1), body):
                games.life[0, c // self._span - 1, c % self._span - 1] = life
            games.head[0, i] = divmod(self.head[i], self._span)
        games.head[0] -= 1
        games.heading[0] = self.heading
        games.length[0] = self.length
        games.alive[0] = self.alive
        games.kills[0] = self.kills
        games.survived[0] = self.survived
        games.steps[0] = self.steps
        games.removed[0] = self.removed
        vision = Vision(games, self.vision_range, self.frame_stack)
        vision.stack[0] = self.stack
        return games, vision


_RING = 255  # what `owner` holds on the ring around the grid: never free, never a snake
