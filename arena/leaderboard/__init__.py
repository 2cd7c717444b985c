"""Leaderboards of tournaments: a terminal table, JSON, and a static website with replays.

    from arena.leaderboard import build, to_json, write_site
    board = build(ResultsStore("results.sqlite"))          # active entrants; all_versions=True for all
    write_site(board, "site/", videos=10)

The command is `arena leaderboard --db results.sqlite [--json] [--html site/] [--all] [--videos N]`.
Ratings come from `arena.ratings` (Bradley-Terry on the Elo scale for two-player games, openskill
for more seats); `table` turns a store into rows, `site` writes the website, `plot` draws its SVG
ratings plot and `cli` is the command.

## JSON (`--json`, and `leaderboard.json` in the website): schema "arena-leaderboard/1"

Fields are only ever added to this schema, never renamed or removed; a breaking change gets a
new schema name.

    {
      "schema": "arena-leaderboard/1",
      "env": "othello",                      # the game
      "settings": {...},                     # the tournament's stored settings (format, seed, ...); the
                                             # website's and `arena serve`'s have seed null: it is secret
      "rating_method": "bradley-terry",      # or "plackett-luce"
      "rating_scale": "elo",                 # or "openskill"
      "interval": 0.95,                      # the confidence of low..high
      "matches": 30,                         # finished matches (rated but for those every seat faulted)
      "entrants": [                          # best first
        {"rank": 1,                          # 1 is best, equal ratings share a rank; null: no games yet
         "id": 3, "name": "greedy", "label": "greedy@1f0c3a9e", "digest": "1f0c3a9e...",
         "active": true,                     # false for a version replaced by a newer one (--all)
         "rating": 151.2, "low": 60.4, "high": 242.0,   # null when unrated
         "games": 10, "wins": 7, "draws": 1, "losses": 2,  # win: first alone; draw: a shared first place; a fault: a loss
         "score": 0.5,                       # mean of its match scores in the game's own points
         "faults": {"crash": 0, "timeout": 1, "illegal_action": 0, "forfeit": 0},
         "problem": null,                    # why its submission cannot play (it forfeits), if so
         "name_warning": null},              # e.g. "looks like greedy" or "mixes scripts"
        ...
      ],
      "head_to_head": [                      # every ordered pair of listed entrants that met
        {"row": 3, "column": 1, "games": 4, "points": 3.5}, ...   # row's points: 1 ahead, 0.5 level
      ]
    }
"""

from arena.leaderboard.site import write_site
from arena.leaderboard.table import SCHEMA, Leaderboard, Row, build, to_json

__all__ = ["SCHEMA", "Leaderboard", "Row", "build", "to_json", "write_site"]
