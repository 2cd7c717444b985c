"""What each snake sees, in one of two layouts, stacked over frames.

- "arena" (the env's): six 0/1 planes in a window around the head, turned so the snake faces up,
  walls beyond the grid. The planes, in order: walls, own head, own body, other heads, other
  bodies, fruit.
- "marlenv" (marlenv's snake): eight planes in a window around the head, not turned: walls, fruit,
  other heads, other bodies, other tails, own head, own body, own tail. The walls are the ring of
  cells around the grid; past that ring the window shows nothing. A dead snake's window is cut
  around the ring's top-left corner.

With `vision_range=None` the window is the whole grid plus its ring of walls, not turned.
"""

from __future__ import annotations

import numpy as np

from arena.envs.snake.engine import DIRECTIONS, SnakeGames

PLANES = ("walls", "own head", "own body", "other heads", "other bodies", "fruit")
MARLENV_PLANES = ("walls", "fruit", "other heads", "other bodies", "other tails", "own head", "own body", "own tail")
LAYOUTS = {"arena": PLANES, "marlenv": MARLENV_PLANES}
WALL = -1


class Vision:
    """Builds the stacked observations of every snake of every game of a `SnakeGames` batch."""

    def __init__(self, games: SnakeGames, vision_range: int | None, frame_stack: int, layout: str = "arena"):
        rules = games.rules
        if vision_range is not None and vision_range < 1:
            raise ValueError(f"snake: vision_range must be at least 1 (or None for the whole grid), got {vision_range}")
        if frame_stack < 1:
            raise ValueError(f"snake: frame_stack must be at least 1, got {frame_stack}")
        if layout not in LAYOUTS:
            raise ValueError(f"snake: layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        self.games = games
        self.frame_stack = frame_stack
        self.layout = layout
        self.planes = LAYOUTS[layout]
        self.egocentric = vision_range is not None
        marlenv = layout == "marlenv"
        # marlenv's window may sit on the ring (a dead snake's), so its board reaches one cell further.
        pad = (vision_range + marlenv) if self.egocentric else 1
        self.pad = pad
        n, s = games.n_games, rules.num_snakes
        self._codes = np.full((n, rules.height + 2 * pad, rules.width + 2 * pad), WALL, np.int8)
        if marlenv:
            self._codes[:] = 0  # nothing past the ring
            self._codes[:, pad - 1:rules.height + pad + 1, pad - 1:rules.width + pad + 1] = WALL
        # Codes: 0 empty, i + 1 body of snake i, num_snakes + i + 1 its head, 2 * num_snakes + 1 fruit,
        # and in marlenv's layout 2 * num_snakes + 2 + i the tail of snake i.
        fruit = 2 * s + 1
        last = fruit + s * marlenv
        codes = np.arange(WALL, last + 1)
        own = np.arange(1, s + 1)[:, None]
        body, head, tail = (codes > 0) & (codes <= s), (codes > s) & (codes < fruit), codes > fruit
        walls, fruits = np.broadcast_to(codes == WALL, (s, codes.size)), np.broadcast_to(codes == fruit, (s, codes.size))
        own_head, own_body, own_tail = codes == own + s, codes == own, codes == own + fruit
        # For each snake and each code (shifted by one past WALL), its planes: one lookup builds a frame.
        if marlenv:
            planes = [walls, fruits, head & ~own_head, body & ~own_body, tail & ~own_tail, own_head, own_body, own_tail]
        else:
            planes = [walls, own_head, own_body, head & ~own_head, body & ~own_body, fruits]
        self._planes = np.stack(planes, -1).astype(np.uint8).reshape(-1, len(self.planes))
        self._code_offsets = (np.arange(s) * codes.size - WALL).reshape(1, s, 1, 1)
        self._fruit_code = fruit
        self._snake_codes = np.arange(s + 1, 2 * s + 1)
        side = self._codes.shape[2]
        if self.egocentric:
            span = np.arange(-vision_range, vision_range + 1)
            back, right_of = np.meshgrid(span, span, indexing="ij")  # window row below centre = behind the head
            if marlenv:  # not turned: the same window whatever the heading
                forward, right = np.array([(-1, 0)] * 4), np.array([(0, 1)] * 4)
            else:
                forward, right = DIRECTIONS, np.roll(DIRECTIONS, -1, 0)
            rows = -back * forward[:, :1, None] + right_of * right[:, :1, None]
            cols = -back * forward[:, 1:, None] + right_of * right[:, 1:, None]
            self._window_offsets = (rows * side + cols).astype(np.int32)
        else:
            self._window_offsets = np.stack([np.arange(self._codes[0].size, dtype=np.int32).reshape(self._codes.shape[1:])] * 4)
        self.window = self._window_offsets.shape[1:]
        self.shape = (*self.window, len(self.planes) * frame_stack)
        self.stack = np.zeros((n, s, *self.shape), np.uint8)
        self._game_offsets = (np.arange(n) * self._codes[0].size)[:, None]
        # Reused for whole-batch frames: fresh arrays this size would cost more to allocate than to fill.
        window = (n, s, *self.window)
        self._buffers = (np.empty(window, np.int32), np.empty(window, np.intp), np.empty(window, np.int8),
                         np.empty(window, np.intp), np.empty((*window, len(self.planes)), np.uint8))

    def frames(self, games: np.ndarray | None = None) -> np.ndarray:
        """The current frame of every snake of the games marked in `games` (bool per game; default all).

        Shape (games, snakes, rows, cols, planes), uint8; the whole-batch result is overwritten by the next call.
        """
        state, pad, codes = self.games, self.pad, self._codes
        inner = codes[:, pad:-pad, pad:-pad]
        np.copyto(inner, state.owner)
        np.copyto(inner, self._fruit_code, where=state.fruit)
        marlenv = self.layout == "marlenv"
        if marlenv:  # tails: the cells with one step left; a head drawn next covers a one-cell snake's
            np.copyto(inner, state.owner + self._fruit_code, where=(state.life == 1) & (state.owner > 0))
        g, i = np.nonzero(state.alive)
        inner[g, state.head[g, i, 0], state.head[g, i, 1]] = self._snake_codes[i]
        head, heading, first = state.head, state.heading, self._game_offsets
        if marlenv and self.egocentric:  # a dead snake looks from the ring's top-left corner
            head = np.where(state.alive[..., None], head, -1)
        offsets, cells, seen, index, planes = self._buffers
        if games is not None:
            head, heading, first = head[games], heading[games], first[games]
            offsets = cells = seen = index = planes = None
        anchor = (head[..., 0] + pad) * codes.shape[2] + head[..., 1] + pad if self.egocentric else 0
        offsets = np.take(self._window_offsets, heading, axis=0, out=offsets)
        cells = np.add((first + anchor)[..., None, None], offsets, out=cells)
        seen = np.take(codes.ravel(), cells, out=seen)
        index = np.add(seen, self._code_offsets, out=index)
        return np.take(self._planes, index, axis=0, out=planes)

    def push(self, restarted: np.ndarray | None = None) -> np.ndarray:
        """Add the current frame to every stack, dropping the oldest; the stacks.

        Games marked in `restarted` (bool per game) fill their whole stack with the frame instead.
        """
        width = len(self.planes)
        stack, frame = self.stack, self.frames()
        stack[..., :-width] = stack[..., width:]
        stack[..., -width:] = frame
        if restarted is not None and restarted.any():
            stack[restarted] = np.tile(frame[restarted], self.frame_stack)
        return stack

    def peek(self, games: np.ndarray) -> np.ndarray:
        """The stacks of the games marked in `games` as a push now would leave them, without pushing."""
        return np.concatenate([self.stack[games][..., len(self.planes):], self.frames(games)], -1)
