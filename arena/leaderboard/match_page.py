"""One match's page of the leaderboard site: who played, how it ended, and its video or its moves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any, Callable

from arena.errors import ArenaError
from arena.leaderboard.page import ordinal, page, section
from arena.leaderboard.table import Leaderboard
from arena.match import MatchResult
from arena.sandbox.logs import public_detail
from arena.tournament.store import MatchRecord

MOVES_SHOWN = 400  # rows of the move list; the replay file has them all


@dataclass(frozen=True)
class Media:
    """Where a match's replay and video are inside the site (relative paths), or why they are not."""

    replay: str | None
    video: str | None
    problem: str = ""


def match_page(board: Leaderboard, match: MatchRecord, media: Media, folder: Path) -> str:
    """The HTML of `match`'s page, which lives one folder below the site's top (`folder`)."""
    recorded, problem = _load(folder, media)
    seats = "".join(
        f"<tr><td>{escape(recorded.agents[i].seat if recorded else f'seat {i + 1}')}</td>"
        f"<td class=entrant>{escape(board.names[s.entrant_id])}</td>"
        f"<td class=num>{s.score:g}</td><td class=num>{ordinal(s.rank)}</td>"
        f"<td>{escape(s.status.replace('_', ' '))}</td><td>{escape(public_detail(s.detail))}</td><td class=num>{s.moves}</td></tr>"
        for i, s in enumerate(match.seats))
    seats_table = ("<table><thead><tr><th>seat</th><th>entrant</th><th class=num>score</th><th class=num>place</th>"
                   f"<th>status</th><th>detail</th><th class=num>moves</th></tr></thead><tbody>{seats}</tbody></table>")
    body = [section("Result", f"<p><strong>{escape(public_detail(match.outcome))}</strong></p>{seats_table}"),
            section("Watch", _watch(board, match, media, recorded, problem))]
    meta = " · ".join([escape(match.env), f"round {match.round}", f"seed {match.seed}", f"{match.steps} steps",
                       f"{match.duration:.2f} s", f"arena {escape(match.arena_version)}"])
    return page(f"Match {match.match_id}", f"Match {match.match_id}", meta, "\n".join(body), "", "../")


def _load(folder: Path, media: Media) -> tuple[MatchResult | None, str]:
    from arena import replay

    if media.replay is None:
        return None, media.problem
    try:
        return replay.load(folder / media.replay), media.problem
    except ArenaError as exc:
        return None, str(exc)


def _watch(board: Leaderboard, match: MatchRecord, media: Media, recorded: MatchResult | None, problem: str) -> str:
    replay_link = f'<a href="../{media.replay}" download>the replay file</a>' if media.replay else ""
    if media.video:
        return (f'<video controls preload="metadata" src="../{media.video}"></video>'
                f'<p>Download <a href="../{media.video}" download>the video</a>'
                + (f" or {replay_link}" if replay_link else "") + ".</p>")
    why = f'<p class="note">No video: {escape(problem)}</p>' if problem else ""
    if recorded is None:
        return why
    command = f"arena replay {media.replay} --video {match.match_id:06d}.mp4"
    return (f"{why}<p>Make its video from the site's folder with:</p><pre class=command>{escape(command)}</pre>"
            f"<p>Download {replay_link}. The moves:</p>" + _moves_table(board, match, recorded))


def _moves_table(board: Leaderboard, match: MatchRecord, recorded: MatchResult) -> str:
    """Every seat's recorded actions side by side, as the game names them (first MOVES_SHOWN rows)."""
    name = _action_namer(recorded.env, json.dumps(recorded.env_options, sort_keys=True))
    columns = [recorded.actions.get(a.seat, []) for a in recorded.agents]
    longest = max(map(len, columns), default=0)
    head = "<tr><th class=num>#</th>" + "".join(
        f"<th>{escape(a.seat)} · {escape(board.names[s.entrant_id])}</th>"
        for a, s in zip(recorded.agents, match.seats)) + "</tr>"
    lines = []
    for i in range(min(longest, MOVES_SHOWN)):
        cells = "".join(f"<td>{escape(name(moves[i])) if i < len(moves) else ''}</td>" for moves in columns)
        lines.append(f"<tr><td class=num>{i + 1}</td>{cells}</tr>")
    more = (f'<p class="note">The first {MOVES_SHOWN} of {longest}; the replay file has them all.</p>'
            if longest > MOVES_SHOWN else "")
    return f'<table class="moves"><thead>{head}</thead><tbody>\n' + "\n".join(lines) + f"\n</tbody></table>{more}"


@lru_cache(maxsize=None)
def _action_namer(env: str, options: str) -> Callable[[Any], str]:
    """How `env` names an action ('d3 (19)' in Othello), or compact JSON where it has no names."""
    from arena.envs import make_raw

    try:
        raw = make_raw(env, **json.loads(options))
    except ArenaError:
        raw = None
    if raw is not None and hasattr(raw, "action_name"):
        return raw.action_name
    return lambda action: json.dumps(action, separators=(",", ":"))
