"""A submission's rating history, and its plot as inline SVG for the submission's page.

The rating after a game is the fit over every game recorded up to it (in match id order, as
the leaderboard rates them): `arena.ratings.rate` on that prefix, so the last point is the
leaderboard's rating. An entrant with many games gets at most `POINTS` of them, evenly spaced
and always including its first and last: one fit each, so a history costs at most `POINTS` fits;
`remembered_history` keeps it, computes one at a time (those never drawn first), and while games
are being recorded makes a kept one again at most once a minute.

The plot is drawn on the server (no script): the rating, its 95% interval as a band, a dot per
point with a tooltip naming the game. Every piece of text in it is escaped.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from html import escape
from typing import Callable, Hashable, Sequence

from arena.consoles import tell
from arena.envs import entry
from arena.errors import ArenaError
from arena.ratings import BRADLEY_TERRY, Rating, rate
from arena.tournament.blocks import one_line
from arena.tournament.store import MatchRecord

POINTS = 100  # most points in a history
# Games fitted, over all its points, for one history: fewer points where games are many (a fit over 92,000
# games takes seconds, and each point is one).
FIT_BUDGET = 1_000_000
REMEMBERED = 256  # histories kept by remembered_history, the least recently shown dropped first
FRESH_SECONDS = 60.0  # a history kept is shown this long after games were recorded since it was made...
COST_SHARE = 100  # ... or this many times as long as it took to make, if longer: at most ~1% of a core each
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 36  # room for the axes' labels


@dataclass(frozen=True)
class Point:
    """The rating of an entrant after its `game`-th game (match `match_id`)."""

    game: int  # 1 for its first game
    match_id: int
    rating: Rating


@dataclass(frozen=True)
class History:
    method: str  # arena.ratings.BRADLEY_TERRY (Elo scale) or PLACKETT_LUCE (openskill's)
    points: list[Point]
    games: int  # all of its games, of which `points` are a sample when there are more than POINTS

    @property
    def digits(self) -> int:
        return 0 if self.method == BRADLEY_TERRY else 1


def rating_history(results: Sequence[MatchRecord], entrant_id: int, env: str, points: int = POINTS) -> History:
    """The rating of `entrant_id` after each of its games of `env` in `results` (at most `points` of them)."""
    try:
        cooperative = entry(env).cooperative
    except ArenaError:  # a game this installation does not know: rated as a competitive one, as the leaderboard does
        cooperative = False
    mine = [i for i, match in enumerate(results) if any(s.entrant_id == entrant_id for s in match.seats)]
    points = max(2, min(points, FIT_BUDGET // max(len(results), 1)))
    chosen = sorted({round(k * (len(mine) - 1) / (points - 1)) for k in range(points)}) if len(mine) > points \
        else range(len(mine))
    method, shown = BRADLEY_TERRY, []
    for k in chosen:
        ratings = rate(results[:mine[k] + 1], cooperative)
        method = ratings.method
        rating = ratings.by_player.get(entrant_id)
        if rating is not None:  # a cooperative game rates nobody until its round can be compared
            shown.append(Point(k + 1, results[mine[k]].match_id, rating))
    return History(method, shown, len(mine))


_remembered: OrderedDict[tuple, tuple[History, int, float]] = OrderedDict()  # -> (history, results, fresh until)
_remembered_lock = threading.Lock()  # guards `_remembered`, the two queues below and `_drawer`
_drawing = threading.Lock()  # held while a history is computed: one at a time, whoever asks
# Histories asked for while another was being computed, drawn in turn by `_drawer`: first those never
# drawn (a visitor sees nothing until then), then those drawn before (a visitor sees the last one).
_never_drawn: OrderedDict[tuple, Callable[[], History]] = OrderedDict()
_to_redraw: OrderedDict[tuple, Callable[[], History]] = OrderedDict()
_drawer: threading.Thread | None = None


def remembered_history(source: Hashable, every_result: Callable[[], Sequence[MatchRecord]], recorded: int,
                       entrant_id: int, env: str) -> History | None:
    """`rating_history` over `every_result()` of `source` (a results store holding `recorded` games),
    computed again only once games were recorded since and `FRESH_SECONDS` have passed (or `COST_SHARE`
    times what it took to make, if longer: a competition of many games pays little for them), and one at a
    time: a history costs up to `POINTS` fits over every result, so visitors asking while games are
    being played would otherwise each pay for a new one. The caller computes it when no other is
    being computed nor waits; otherwise it is drawn in turn on a thread of its own (those never drawn
    first, so a visitor cycling through many pages cannot keep another's plot from being drawn) and
    the caller gets the last one made, or None if there is none yet."""
    key = (source, entrant_id, env)

    def draw() -> History:
        started = time.perf_counter()
        results = every_result()
        history = rating_history(results, entrant_id, env)
        fresh_for = max(FRESH_SECONDS, COST_SHARE * (time.perf_counter() - started))
        with _remembered_lock:
            _remembered[key] = (history, len(results), time.monotonic() + fresh_for)
            _remembered.move_to_end(key)
            while len(_remembered) > REMEMBERED:
                _remembered.popitem(last=False)
        return history

    with _remembered_lock:
        kept = _remembered.get(key)
        if kept is not None:
            _remembered.move_to_end(key)
            history, counted, fresh_until = kept
            if counted == recorded or time.monotonic() < fresh_until:
                return history
        if _never_drawn or _to_redraw or not _drawing.acquire(blocking=False):
            (_never_drawn if kept is None else _to_redraw)[key] = draw
            _start_drawer()
            return kept[0] if kept is not None else None
    try:
        return draw()
    finally:
        _drawing.release()


def _start_drawer() -> None:
    """Start the thread that draws the histories asked for, unless it runs (`_remembered_lock` held)."""
    global _drawer
    if _drawer is None:
        _drawer = threading.Thread(target=_draw_asked, name="arena-rating-histories", daemon=True)
        _drawer.start()


def _draw_asked() -> None:
    global _drawer
    try:
        while True:
            with _drawing:  # before choosing: what is asked for meanwhile may come first
                with _remembered_lock:
                    asked = _never_drawn or _to_redraw
                    if not asked:  # said here, so that what is asked for from now on starts another
                        _drawer = None
                        return
                    _, draw = asked.popitem(last=False)
                try:
                    draw()
                except Exception as exc:  # noqa: BLE001  (the store busy, say): asked for again by the next visitor
                    tell(f"arena serve: a rating history could not be drawn: {one_line(exc)}")
    finally:  # should it end otherwise, the next one asked for starts another all the same
        with _remembered_lock:
            if _drawer is threading.current_thread():
                _drawer = None


def rating_svg(history: History, name: str) -> str:
    """The history as an <svg> element (a string of safe markup); empty when there is no point."""
    points = history.points
    if not points:
        return ""
    low = min(p.rating.low for p in points)
    high = max(p.rating.high for p in points)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    last = max(points[-1].game, 2)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(game: int) -> float:
        return LEFT + (game - 1) / (last - 1) * inner_w

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * inner_h

    def number(value: float) -> str:
        text = f"{value:.{history.digits}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text

    scale = "Elo" if history.method == BRADLEY_TERRY else "openskill"
    title = f"Rating of {name} after each of its games ({scale} scale, 95% interval shaded)"
    if len(points) < history.games:
        title += f": {len(points)} of its {history.games} games shown"
    band = " ".join([f"{x(p.game):.1f},{y(p.rating.high):.1f}" for p in points]
                    + [f"{x(p.game):.1f},{y(p.rating.low):.1f}" for p in reversed(points)])
    line = " ".join(f"{x(p.game):.1f},{y(p.rating.rating):.1f}" for p in points)
    parts = [
        f'<svg class="rating-history" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{inner_w}" height="{inner_h}" fill="#fafafa" stroke="#ccc"/>',
        f'<polygon points="{band}" fill="#cfe0f5"/>',
        f'<polyline points="{line}" fill="none" stroke="#2a62b0" stroke-width="2"/>',
    ]
    for value, anchor in ((high, "hanging"), (low, "auto")):
        parts.append(f'<text x="{LEFT - 6}" y="{y(value):.1f}" text-anchor="end" dominant-baseline="{anchor}" '
                     f'font-size="12">{escape(number(value))}</text>')
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="12">game 1</text>')
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end" font-size="12">'
                 f'game {points[-1].game}</text>')
    parts.append(f'<text x="{LEFT}" y="16" font-size="12">rating ({scale})</text>')
    for p in points:
        tip = (f"after game {p.game} (#{p.match_id}): {number(p.rating.rating)} "
               f"\u00b1 {number(p.rating.margin)}")
        parts.append(f'<circle cx="{x(p.game):.1f}" cy="{y(p.rating.rating):.1f}" r="3" fill="#2a62b0">'
                     f"<title>{escape(tip)}</title></circle>")
    parts.append("</svg>")
    return "\n".join(parts)
