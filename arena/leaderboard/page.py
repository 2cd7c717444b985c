"""The frame every page of the leaderboard site shares: head, header, navigation and styles.

Pages are self-contained: the styles are written once as `style.css` beside them, links are
relative, and nothing is fetched from elsewhere, so a site works from file:// and from any
static web server.
"""

from __future__ import annotations

from html import escape

from arena import __version__

STYLE = """\
:root {
  --ink: #1f2430; --muted: #6b7280; --line: #e5e7eb; --paper: #ffffff; --ground: #f4f6fa;
  --accent: #2563eb; --accent-soft: #bfd4fb; --win: #15803d; --loss: #b91c1c; --draw: #a16207;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--ground); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header { background: #1e293b; color: #f8fafc; padding: 22px 0 0; }
header .wrap, main, footer { max-width: 1080px; margin: 0 auto; padding: 0 20px; }
header h1 { margin: 0; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
header .meta { margin: 4px 0 14px; color: #cbd5e1; }
nav a { display: inline-block; padding: 8px 14px; margin-right: 4px; color: #cbd5e1; text-decoration: none;
  border-radius: 8px 8px 0 0; }
nav a:hover { color: #fff; }
nav a.current { background: var(--ground); color: var(--ink); font-weight: 600; }
main { padding-top: 22px; padding-bottom: 12px; }
section.card { background: var(--paper); border: 1px solid var(--line); border-radius: 12px; padding: 18px 20px;
  margin-bottom: 22px; box-shadow: 0 1px 2px rgba(15, 23, 42, .04); overflow-x: auto; }
h2 { margin: 0 0 12px; font-size: 18px; }
p.note { color: var(--muted); font-size: 13px; margin: 12px 0 0; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 7px 10px; text-align: left; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfd; }
td.num, th.num { text-align: right; }
td.rank { font-weight: 700; width: 2.5em; }
td.outcome { white-space: normal; min-width: 14em; }
tr.top1 td.rank { color: #b7791f; } tr.top2 td.rank { color: #64748b; } tr.top3 td.rank { color: #9a5b2f; }
td.entrant { font-weight: 600; }
.version { color: var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.retired { color: var(--muted); font-size: 12px; font-style: italic; }
.rating { font-weight: 700; }
.margin { color: var(--muted); }
.wins { color: var(--win); } .losses { color: var(--loss); } .draws { color: var(--draw); }
.chip { display: inline-block; padding: 1px 7px; border-radius: 999px; font-size: 12px; margin-right: 3px;
  background: #fee2e2; color: var(--loss); }
.chip.warn { background: #fef3c7; color: var(--draw); }
td.entrant .note { color: var(--muted); font-size: 12px; font-weight: 400; }
.none { color: #c0c4cc; }
.ratings-plot { display: block; max-width: 900px; }
.ratings-plot .grid { stroke: var(--line); }
.ratings-plot .reference { stroke: #94a3b8; stroke-dasharray: 4 4; }
.ratings-plot .tick, .ratings-plot .axis-title { fill: var(--muted); font-size: 12px; }
.ratings-plot .label { fill: var(--ink); font-size: 13px; font-weight: 600; }
.ratings-plot .value { fill: var(--muted); font-size: 12px; }
.ratings-plot .interval { fill: var(--accent-soft); }
.ratings-plot .point { fill: var(--accent); stroke: #fff; stroke-width: 2; }
table.h2h { width: auto; }
table.h2h td.cell { text-align: center; min-width: 58px; font-weight: 600; }
table.h2h td.self { background: #eef0f4; }
table.h2h th.col { text-align: center; }
table.h2h tbody th { text-transform: none; letter-spacing: 0; font-size: 14px; color: var(--ink); padding-right: 16px; }
.seat { font-weight: 600; }
.seat.win { color: var(--win); } .seat.loss { color: var(--ink); font-weight: 400; } .seat.draw { color: var(--draw); }
.place { color: var(--muted); font-size: 11px; vertical-align: super; margin-left: 1px; }
.vs { color: var(--muted); margin: 0 6px; font-size: 12px; }
.watch { font-weight: 600; text-decoration: none; }
video { display: block; width: 100%; max-width: 640px; border-radius: 8px; background: #0f172a; }
pre.command { background: #0f172a; color: #e2e8f0; padding: 10px 14px; border-radius: 8px; overflow-x: auto; }
table.moves { width: auto; }
table.moves td { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; padding: 3px 14px; }
footer { color: var(--muted); font-size: 12px; padding-bottom: 28px; }
"""

SECTIONS = (("index.html", "Leaderboard"), ("matches.html", "Matches"), ("leaderboard.json", "JSON"))


def page(title: str, heading: str, meta: str, body: str, current: str, root: str = "") -> str:
    """A full HTML page; `root` is the relative path from the page to the site's top folder."""
    links = "".join(f'<a href="{root}{href}"{" class=current" if href == current else ""}>{name}</a>'
                    for href, name in SECTIONS)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{root}style.css">
</head>
<body>
<header><div class="wrap">
<h1>{escape(heading)}</h1>
<p class="meta">{meta}</p>
<nav>{links}</nav>
</div></header>
<main>
{body}
</main>
<footer>Made with arena {escape(__version__)}. Every match can be replayed exactly from its replay file.</footer>
</body>
</html>
"""


def section(title: str, body: str, note: str = "", id: str = "") -> str:
    """A titled card."""
    anchor = f' id="{id}"' if id else ""
    note_html = f'<p class="note">{note}</p>' if note else ""
    return f'<section class="card"{anchor}>\n<h2>{escape(title)}</h2>\n{body}\n{note_html}\n</section>'


def ordinal(place: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th'."""
    suffix = "th" if 10 <= place % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    return f"{place}{suffix}"
