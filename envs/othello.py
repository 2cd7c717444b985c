"""Othello (Reversi): two players place discs and turn over the opponent's discs they enclose.

A PettingZoo AEC environment (`arena.envs.make("othello")`) on the native bitboard engine.

## Agents
`player_0` plays black and moves first; `player_1` plays white.

## Action space
`Discrete(N * N + 1)` for an N x N board (N = 8 by default).

| action | meaning |
| --- | --- |
| `row * N + col` | place a disc there; row 0 is rank 1, col 0 is file a (pgx's and OpenSpiel's numbering: d3 is 19) |
| `N * N` | pass; legal only when the mover has no placement and the game is not over |

## Observation space
A dict, as in PettingZoo's classic games:

| key | shape | dtype | meaning |
| --- | --- | --- | --- |
| `observation` | (N, N, 2) | uint8 | `[r, c, 0]` = 1 where the observing agent has a disc, `[r, c, 1]` = 1 for the opponent |
| `action_mask` | (N * N + 1,) | int8 | 1 for each legal action of the agent to move; all 0 for the agent not to move |

## Rewards
When the game ends: +1 to the player with more discs, -1 to the other, 0 to both on a draw.
Every other step gives 0.

## Starting state
d4 and e5 white, d5 and e4 black (on 6 x 6: c3 and d4 white, c4 and d3 black); black to move.

## Episode end
Terminated as soon as neither player can place a disc (board full, a wipe-out, or both blocked).
Never truncated: a game lasts at most N * N - 4 placements plus the passes between them.

## Arguments
- `size`: board side, 8 (default), 6 or 4.
- `render_mode`: `"rgb_array"` (a board picture as an (H, W, 3) uint8 array), `"human"` (a pygame
  window) or `"ansi"` (a text board).

## Native engine
`OthelloBoard` is the bitboard position behind the env (play, undo, copy, legal moves, a
text position format that round-trips); `perft(depth)` counts move-tree leaves with it.
`solve(board)` is an exact endgame solver (8 x 8): the final disc difference under perfect play,
the best move, nodes and time; `solve_moves(board)` scores every legal move, and `read_obf()`
reads positions in OBF form (the FFO test suite's and Edax's). The solver orders its moves by a
pattern evaluation fitted on positions it scored (`othello_eval.bin`, loaded on the first solve;
`tools/fit_othello_eval.py` makes it).

Clock in arena's harness: 1 s a move plus a 5 s bank for the whole game (`arena envs`);
organisers set their own, and an agent is charged only its own time.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pettingzoo import AECEnv

from arena._native import OthelloBoard, othello_load_evaluation, othello_solve, othello_solve_moves
from arena.envs.board_game import COLOR_NAMES, BoardGameEnv, with_standard_checks

__all__ = ["OthelloBoard", "raw_env", "env", "perft", "board_from_observation", "solve", "solve_moves",
           "SolveResult", "ObfPosition", "read_obf", "parse_obf", "format_move_scores"]



def perft(depth: int, position: str | OthelloBoard | None = None) -> int:
    """Leaf positions `depth` plies from `position` (default: the start), passes counted as plies.

    A game that ends before `depth` plies contributes nothing below its end. From the start:
    4, 12, 56, 244, 1396, 8200, 55092, 390216, 3005288, 24571056 for depths 1 to 10.
    """
    if position is None:
        board = OthelloBoard()
    elif isinstance(position, str):
        board = OthelloBoard.from_string(position)
    else:
        board = position
    return board.perft(depth)


@dataclass
class SolveResult:
    """What `solve()` found: the score for the side to move and how it got it.

    `score` is the final disc difference (empty squares to the winner) under perfect play when
    `bound` is "exact"; a search with a narrower window reports "lower" (the score is at least
    `score`) or "upper" (at most). `best_move` is a move of the board's numbering (row * 8 + col,
    64 a forced pass), None when the game is over. `complete` is False when `time_limit` ran out
    first; `score` and `best_move` are then None. `nodes` counts positions as Edax does: every
    position searched and every position looked at to order moves.
    """

    score: int | None
    bound: str
    best_move: int | None
    best_moves: list[int]
    nodes: int
    seconds: float
    complete: bool = True

    @property
    def best_move_name(self) -> str | None:
        return None if self.best_move is None else square_name(self.best_move)


def square_name(move: int) -> str:
    """FFO's name of a move: 'G8', or 'PS' for a pass."""
    return "PS" if move == 64 else "ABCDEFGH"[move % 8] + str(move // 8 + 1)


EVALUATION_WEIGHTS = Path(__file__).with_name("othello_eval.bin")


@functools.cache
def load_evaluation() -> bool:
    """Install the solver's pattern evaluation (`EVALUATION_WEIGHTS`), once; False, with a warning,
    when the file is missing: the solver then orders its moves by its hand-made evaluation alone
    (the same scores, in more nodes)."""
    try:
        weights = EVALUATION_WEIGHTS.read_bytes()
    except FileNotFoundError:
        warnings.warn(f"{EVALUATION_WEIGHTS} is missing: the Othello solver searches without its pattern "
                      "evaluation (exact, but slower); reinstall arena, or make it with tools/fit_othello_eval.py",
                      stacklevel=3)
        return False
    try:
        othello_load_evaluation(weights)
    except ValueError as exc:
        raise ValueError(f"{EVALUATION_WEIGHTS}: {exc}; remake it with tools/fit_othello_eval.py") from None
    return True


def _solvable(board: OthelloBoard | str) -> OthelloBoard:
    board = OthelloBoard.from_string(board) if isinstance(board, str) else board
    if board.size != 8:
        raise ValueError(f"solve: the endgame solver plays 8 x 8 boards, got {board.size} x {board.size}")
    load_evaluation()
    return board


def solve(board: OthelloBoard | str, *, alpha: int = -64, beta: int = 64, threads: int | None = None,
          time_limit: float | None = None, all_best: bool = False) -> SolveResult:
    """The exact final disc difference for the side to move in `board` (an 8 x 8 position).

    Within a window `alpha < beta` (default the full -64..64) the score is exact when it falls
    strictly inside, else a bound: `solve(b, alpha=-1, beta=1)` proves a win (score >= 1), a loss
    (<= -1) or a draw (0) faster than the exact score. `threads` (default one) searches on that
    many threads sharing one table, each putting off the moves another is searching: the same
    score, sooner on as many free cores, but node counts that vary from run to run
    (`os.cpu_count()` for all cores).
    `all_best` scores every move to list all the best ones in `best_moves` (slower, one thread);
    otherwise `best_moves` holds the one found.
    """
    board = _solvable(board)
    if threads is not None and threads < 1:
        raise ValueError(f"solve: threads must be 1 or more (or None for one), got {threads}")
    if all_best and alpha == -64 and beta == 64:
        scored, nodes, seconds, complete = othello_solve_moves(board, time_limit or 0.0)
        if not complete:
            return SolveResult(None, "none", None, [], nodes, seconds, False)
        if not scored:
            score = othello_solve(board)[0]
            return SolveResult(score, "exact", None, [], nodes, seconds)
        best = scored[0][1]
        moves = [move for move, score in scored if score == best]
        return SolveResult(best, "exact", moves[0], moves, nodes, seconds)
    score, move, nodes, seconds, complete = othello_solve(board, alpha, beta, time_limit or 0.0, threads or 1)
    if not complete:
        return SolveResult(None, "none", None, [], nodes, seconds, False)
    bound = "lower" if score >= beta else "upper" if score <= alpha else "exact"
    best = None if move < 0 else move
    return SolveResult(score, bound, best, [] if best is None else [best], nodes, seconds)


def solve_moves(board: OthelloBoard | str, *, time_limit: float | None = None) -> list[tuple[int, int]]:
    """The exact score of every legal move, best first: [(move, score), ...] (score for the side to move).

    A forced pass gives [(64, score)]; a finished game []. TimeoutError when `time_limit` runs out.
    """
    scored, _nodes, seconds, complete = othello_solve_moves(_solvable(board), time_limit or 0.0)
    if not complete:
        raise TimeoutError(f"solve_moves: not finished within {time_limit} s")
    return [(int(move), int(score)) for move, score in scored]


def format_move_scores(scores: list[tuple[int, int]]) -> str:
    """FFO's line of move scores: 'G8:+18; H1:+12; ...'."""
    return " ".join(f"{square_name(move)}:{score:+d};" for move, score in scores)


@dataclass
class ObfPosition:
    """One line of an OBF file: the position and the scores it lists (move name -> score)."""

    position: str  # the board's text format, e.g. '--XXXXX--...-- X'
    scores: dict[str, int] = field(default_factory=dict)

    @property
    def board(self) -> OthelloBoard:
        return OthelloBoard.from_string(self.position)

    @property
    def best_score(self) -> int | None:
        return max(self.scores.values()) if self.scores else None


def parse_obf(line: str) -> ObfPosition:
    """A position in OBF form: 64 squares, the side to move, then optional 'MOVE:SCORE;' items."""
    head, *items = line.strip().split(";")
    text = head.replace(" ", "")
    if len(text) != 65:
        raise ValueError(f"OBF line {line.strip()!r}: expected 64 squares and the side to move before the first ';'")
    position = f"{text[:64]} {text[64]}"
    OthelloBoard.from_string(position)  # checks the characters
    scores = {}
    for item in items:
        item = item.strip()
        if not item:
            continue
        name, _, value = item.partition(":")
        try:
            scores[name.strip().upper()] = int(value)
        except ValueError:
            raise ValueError(f"OBF line {line.strip()!r}: a move score must read like 'G8:+18', got {item!r}") from None
    return ObfPosition(position, scores)


def read_obf(path: str | Path) -> list[ObfPosition]:
    """Every position of an OBF file in order; blank lines and lines starting with '%' or '#' are skipped.
    A line that is not a position raises ValueError naming its number."""
    positions = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if line.strip() and not line.lstrip().startswith(("%", "#")):
            try:
                positions.append(parse_obf(line))
            except ValueError as exc:
                raise ValueError(f"line {number}: {exc}") from None
    return positions


def board_from_observation(observation: dict[str, np.ndarray] | np.ndarray) -> OthelloBoard:
    """The position an observation shows, with the observing agent as 'X' and to move."""
    planes = observation["observation"] if isinstance(observation, dict) else observation
    planes = np.asarray(planes)
    cells = np.full(planes.shape[:2], "-", dtype="<U1")
    cells[planes[..., 0] == 1] = "X"
    cells[planes[..., 1] == 1] = "O"
    return OthelloBoard.from_string("".join(cells.ravel()) + " X")


def env(**kwargs: Any) -> AECEnv:
    """The Othello env with PettingZoo's standard checks (illegal move ends the game, order of calls)."""
    return with_standard_checks(raw_env(**kwargs))


class raw_env(BoardGameEnv):
    """Othello without wrappers; see the module docstring for the full specification."""

    metadata = {
        "name": "othello_v0",
        "render_modes": ["human", "rgb_array", "ansi"],
        "is_parallelizable": False,
        "render_fps": 2,
    }

    def __init__(self, size: int = 8, render_mode: str | None = None):
        if size not in (4, 6, 8):
            raise ValueError(f"othello: size must be 4, 6 or 8, got {size!r}")
        self.size = size
        super().__init__(render_mode)

    def _new_board(self) -> OthelloBoard:
        return OthelloBoard(self.size)

    def _new_renderer(self) -> _BoardPicture:
        return _BoardPicture(self.size)

    def outcome_text(self) -> str:
        """The disc count, e.g. 'black 40 - white 24'."""
        black, white = self.board.score()
        return f"black {black} - white {white}"


class _BoardPicture:
    """Draws an Othello position: green board, coordinates, discs, last move, legal moves, score."""

    BOARD_PIXELS = 448  # divisible by 16 with the margins, as video encoders want
    MARGIN = 32
    STATUS_HEIGHT = 64
    FELT = (30, 110, 60)
    LINE = (15, 60, 30)
    INK = (235, 235, 225)
    DISC_FILL = ((25, 25, 25), (240, 240, 235))
    DISC_EDGE = ((5, 5, 5), (150, 150, 150))
    LAST_MOVE = (220, 50, 50)

    def __init__(self, size: int):
        import pygame

        self.size = size
        self.cell = self.BOARD_PIXELS // size
        side = 2 * self.MARGIN + self.cell * size
        self.surface = pygame.Surface((side, side + self.STATUS_HEIGHT))

    def _center(self, move: int) -> tuple[int, int]:
        row, col = divmod(move, self.size)
        return (self.MARGIN + col * self.cell + self.cell // 2, self.MARGIN + row * self.cell + self.cell // 2)

    def draw(self, board: OthelloBoard, names: list[str]):
        import pygame

        from arena.envs.rendering import draw_disc, draw_player, draw_text

        s, m, c, n = self.surface, self.MARGIN, self.cell, self.size
        s.fill(self.LINE)
        pygame.draw.rect(s, self.FELT, (m, m, c * n, c * n))
        for i in range(n + 1):
            pygame.draw.line(s, self.LINE, (m + i * c, m), (m + i * c, m + n * c), 2)
            pygame.draw.line(s, self.LINE, (m, m + i * c), (m + n * c, m + i * c), 2)
        for i in range(n):
            draw_text(s, chr(ord("a") + i), (m + i * c + c // 2, m // 2), 24, self.INK, "center")
            draw_text(s, str(i + 1), (m // 2, m + i * c + c // 2), 24, self.INK, "center")
        planes = board.observation(0)
        black_plane, white_plane = planes[..., 0], planes[..., 1]
        radius = c // 2 - 5
        for move in range(n * n):
            row, col = divmod(move, n)
            for color, plane in enumerate((black_plane, white_plane)):
                if plane[row, col]:
                    draw_disc(s, self._center(move), radius, self.DISC_FILL[color], self.DISC_EDGE[color])
        over = board.is_game_over()
        if not over:
            hint = self.DISC_FILL[board.to_move]
            for move in board.legal_moves():
                if move != board.pass_move:
                    pygame.draw.circle(s, hint, self._center(move), max(3, c // 12))
        if 0 <= board.last_move < board.pass_move:
            pygame.draw.circle(s, self.LAST_MOVE, self._center(board.last_move), max(4, c // 10))
        top, half = m + n * c + 8, n * c // 2
        for color, count in enumerate(board.score()):
            draw_player(s, (m + color * half, top + 16), half - 8, names[color], self.DISC_FILL[color],
                        self.DISC_EDGE[color], self.INK, score=str(count), size=22)
        draw_text(s, _status_line(board), (m, top + 46), 24, self.INK, "midleft")
        return s


def _status_line(board: OthelloBoard) -> str:
    if board.is_game_over():
        winner = board.winner()
        return "draw" if winner < 0 else f"{COLOR_NAMES[winner]} wins"
    last = "" if board.last_move < 0 else f"{board.move_name(board.last_move)}, "
    return f"{last}{COLOR_NAMES[board.to_move]} to move"
