"""What the search thinks of a position: its best moves with visit counts, values and lines.

    arena analyse "---------------------------OX------XO--------------------------- X" --env othello

    >>> from arena.analyse import analyse
    >>> print(analyse(position, env="othello", simulations=20000))

The position is written in the board's text format (`OthelloBoard.to_string()` or
`GomokuBoard.to_string()`): the squares row by row from a1 (`-` empty, `X` black, `O` white),
a space, then the side to move. Values are for the side to move: +1 a sure win, -1 a sure loss.

Othello endgames can be solved exactly instead (`arena analyse POSITION --solve`, or
`--obf FILE` for every position of an OBF file): each legal move with the final disc difference
it leads to under perfect play, in the FFO test suite's line format (`G8:+18; H1:+12; ...`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from arena.errors import ArenaError, missing_path_hint

LINE_LENGTH = 8
# The FFO suite's largest endgame (#59, 34 empty squares) takes seconds; past it an exact solve may
# not end in a lifetime, so it needs a time limit.
MAX_UNTIMED_EMPTIES = 34


@dataclass
class MoveAnalysis:
    """One candidate move: how much the search looked at it and what it found."""

    move: int
    name: str
    visits: int
    share: float  # of the root's visits
    value: float  # for the side to move, in [-1, 1]
    line: list[str] = field(default_factory=list)  # the expected continuation, this move first


@dataclass
class Analysis:
    """A search's view of one position; `str()` gives the table `arena analyse` prints."""

    env: str
    position: str
    board: str  # the board drawn for people
    simulations: int
    seconds: float
    value: float  # of the position, for the side to move
    moves: list[MoveAnalysis]

    def __str__(self) -> str:
        rows = [f"{'move':<6} {'visits':>8} {'share':>6} {'value':>7}  line"]
        for m in self.moves:
            rows.append(f"{m.name:<6} {m.visits:>8} {m.share:>6.1%} {m.value:>+7.3f}  {' '.join(m.line)}")
        speed = self.simulations / self.seconds if self.seconds > 0 else float("inf")
        summary = (f"{self.simulations} simulations in {self.seconds:.2f} s ({speed:,.0f}/s); "
                   f"value for the side to move {self.value:+.3f}")
        return "\n".join([self.board, "", *rows, "", summary])


def analyse(position: str, env: str = "othello", simulations: int = 20000, seed: int = 0,
            time_limit: float | None = None, top: int = 5, rule: str = "freestyle") -> Analysis:
    """Search `position` (the board's text format) with rollout MCTS and report its `top` moves.

    `env` is "othello" or "gomoku" (with gomoku's `rule`); the search stops after `simulations`
    or `time_limit` seconds, whichever comes first.
    """
    from arena.search import GAMES, make_search

    if env not in GAMES:
        raise ArenaError(f"analyse plays {', '.join(GAMES)}; got --env {env!r}")
    board = _parse(position, env, rule)
    if board.is_game_over():
        raise ArenaError(f"position {position!r}: the game is over, there is nothing to analyse")
    search = make_search(env, simulations=simulations, time_limit=time_limit or 0.0, seed=seed)
    stats = search.search(board)
    visits, values = search.visits(), search.values()
    total = max(int(visits.sum()), 1)
    ranked = [int(a) for a in np.argsort(-visits, kind="stable") if visits[a] > 0][:top]
    moves = [
        MoveAnalysis(
            move=action,
            name=board.move_name(action),
            visits=int(visits[action]),
            share=visits[action] / total,
            value=float(values[action]),
            line=_line_names(board, search.principal_variation(LINE_LENGTH, action)),
        )
        for action in ranked
    ]
    return Analysis(env, board.to_string(), str(board), stats.simulations, stats.seconds, search.root_value, moves)


@dataclass
class Solution:
    """The exact score of every legal move of an Othello position; `str()` gives FFO's line."""

    position: str
    board: str  # the board drawn for people
    moves: list[tuple[int, int]]  # (move, final disc difference for the side to move), best first
    nodes: int
    seconds: float
    final_score: int | None = None  # of a finished game (no moves), for the side to move

    @property
    def score(self) -> int | None:
        return self.moves[0][1] if self.moves else self.final_score

    def line(self) -> str:
        from arena.envs.othello import format_move_scores

        return format_move_scores(self.moves)

    def obf(self) -> str:
        """The position and its move scores as one OBF line."""
        return f"{self.position}; {self.line()}".rstrip()

    def __str__(self) -> str:
        side = "X (black)" if self.position.endswith("X") else "O (white)"
        if not self.moves:
            return f"{self.board}\n\nthe game is over: final score {self.final_score:+d} for {side}"
        summary = (f"exact score {self.score:+d} for {side} to move; {self.nodes:,} nodes in "
                   f"{self.seconds:.2f} s")
        return "\n".join([self.board, "", self.line(), "", summary])


def solve_position(position: str, time_limit: float | None = None) -> Solution:
    """Solve an 8 x 8 Othello position exactly: every legal move with its score (see `Solution`)."""
    from arena.envs.othello import load_evaluation, othello_solve_moves, solve

    load_evaluation()
    board = _parse(position, "othello", "freestyle")
    if board.size != 8:
        raise ArenaError(f"position {position!r}: the endgame solver plays 8 x 8 boards, this one is "
                         f"{board.size} x {board.size}")
    if time_limit is None and board.empties > MAX_UNTIMED_EMPTIES:
        raise ArenaError(f"position {position!r}: {board.empties} empty squares; an exact solve of more than "
                         f"{MAX_UNTIMED_EMPTIES} can take hours or years: give --time SECONDS to try within a limit")
    scored, nodes, seconds, complete = othello_solve_moves(board, time_limit or 0.0)
    if not complete:
        raise ArenaError(f"position {position!r}: not solved within {time_limit:g} s; give more --time "
                         "or a position with fewer empty squares")
    final = solve(board).score if board.is_game_over() else None  # the discs, empties to the winner
    return Solution(board.to_string(), str(board), [(int(m), int(v)) for m, v in scored], nodes, seconds, final)


def read_positions(path: str) -> list[str]:
    """The positions of an OBF file (Edax's and the FFO suite's form), in the board's text format."""
    from arena.envs.othello import OthelloBoard, read_obf

    try:
        positions = [problem.position for problem in read_obf(path)]
    except FileNotFoundError:
        raise ArenaError(f"--obf {path}: no such file{missing_path_hint(path)}") from None
    except OSError as exc:
        raise ArenaError(f"--obf {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ArenaError(f"--obf {path}: {exc}") from None
    if not positions:
        raise ArenaError(f"--obf {path}: no position in it (one a line: the 64 squares from a1 row by row, "
                         f"'-' empty, 'X' black, 'O' white, then the side to move, e.g. "
                         f"'{OthelloBoard().to_string()}'; lines starting with '%' or '#' are comments)")
    return positions


def _parse(position: str, env: str, rule: str):
    try:
        if env == "othello":
            from arena.envs.othello import OthelloBoard

            return OthelloBoard.from_string(position)
        from arena.envs.gomoku import GomokuBoard

        return GomokuBoard.from_string(position, rule)
    except ValueError as exc:
        raise ArenaError(str(exc)) from None


def _line_names(board, line: list[int]) -> list[str]:
    """Move names along `line`, played out on a copy of `board`."""
    names, walk = [], board.copy()
    for action in line:
        names.append(walk.move_name(action))
        walk.play(action)
    return names
