"""The competition's pages: Jinja2 templates (autoescaped) and the leaderboard's small script."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} · {{ env }} competition</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3em .6em; }
tbody tr:nth-child(odd) { background: #f3f3f3; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.refused { color: #a00; } .active { color: #060; } .validating { color: #a60; } .retired { color: #666; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; max-height: 30em; } nav a { margin-right: 1em; }
.error { color: #a00; font-weight: bold; } form.inline { display: inline; }
</style></head><body>
<nav><a href="/">Leaderboard</a>{% if participant %}<a href="/me">{{ participant.name }}</a>
{% if participant.organiser %}<a href="/admin">Organiser</a>{% endif %}
<form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="{{ csrf }}">
<button type="submit">Log out</button></form>{% else %}<a href="/login">Log in</a>{% endif %}</nav>
<h1>{{ title }}</h1>
{% block body %}{% endblock %}
</body></html>
"""

LEADERBOARD = """{% extends "base.html" %}{% block body %}
<p>Game: {{ env }}. <span id="summary">{{ summary }}</span></p>
<table><thead><tr><th>#</th><th>participant</th><th>submission</th><th class="num">rating</th>
<th class="num">±</th><th class="num">games</th><th class="num">won</th><th class="num">drawn</th>
<th class="num">lost</th></tr></thead>
<tbody id="rows">{% for row in rows %}<tr><td>{{ row.rank or "" }}</td><td>{{ row.participant }}</td>
<td>{{ row.name }}</td><td class="num">{{ row.rating_text }}</td><td class="num">{{ row.margin_text }}</td>
<td class="num">{{ row.games }}</td><td class="num">{{ row.wins }}</td><td class="num">{{ row.draws }}</td>
<td class="num">{{ row.losses }}</td></tr>{% endfor %}</tbody></table>
<p><a href="/api/results">All results (JSON)</a></p>
<script src="/static/leaderboard.js"></script>
{% endblock %}"""

LOGIN = """{% extends "base.html" %}{% block body %}
{% if message %}<p class="error">{{ message }}</p>{% endif %}
<form method="post" action="/login"><input type="hidden" name="csrf" value="{{ login_csrf }}">
<label>Token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Log in</button></form>
<p>The organiser gives each participant a token (arena serve users add NAME).</p>
{% endblock %}"""

ME = """{% extends "base.html" %}{% block body %}
{% if message %}<p class="{{ 'error' if failed else 'active' }}">{{ message }}</p>{% endif %}
<h2>Upload</h2>
<form method="post" action="/upload" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{ csrf }}">
<input type="file" name="file" accept=".zip,application/zip" required> <button type="submit">Upload</button></form>
<p>A zip of your agent's folder (agent.py at its top), at most {{ max_mib }} MiB; {{ per_day }} uploads a day;
your {{ max_active }} newest valid submissions play. Or: <code>arena submit FOLDER --server URL --token TOKEN</code>.</p>
<h2>Your submissions</h2>
{% if not submissions %}<p>None yet.</p>{% endif %}
{% for s in submissions %}
<section><h3>#{{ s.id }} {{ s.name }}: <span class="{{ s.status }}">{{ s.status }}</span></h3>
<p>Uploaded {{ s.created }}.{% if s.reason %} {{ s.reason }}{% endif %}</p>
{% if s.log_tail %}<details><summary>What it printed (last lines)</summary><pre>{{ s.log_tail }}</pre></details>{% endif %}
</section>{% endfor %}
{% endblock %}"""

ADMIN = """{% extends "base.html" %}{% block body %}
{% if message %}<p class="active">{{ message }}</p>{% endif %}
<h2>Play</h2>
<form method="post" action="/admin/{{ 'resume' if paused else 'pause' }}"><input type="hidden" name="csrf" value="{{ csrf }}">
Play is <strong>{{ "paused" if paused else "running" }}</strong>.
<button type="submit">{{ "Resume play" if paused else "Pause play" }}</button></form>
<p>{{ summary }} <a href="/api/results">All results (JSON)</a></p>
<h2>Submissions</h2>
<table><thead><tr><th>#</th><th>participant</th><th>submission</th><th>status</th><th>reason</th><th></th></tr></thead>
<tbody>{% for s in submissions %}<tr><td>{{ s.id }}</td><td>{{ s.participant }}</td><td>{{ s.name }}</td>
<td class="{{ s.status }}">{{ s.status }}</td><td>{{ s.reason }}</td><td>
{% if s.status in ("validating", "active") %}<form class="inline" method="post" action="/admin/disqualify">
<input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="submission" value="{{ s.id }}">
<input name="reason" placeholder="reason" maxlength="200"> <button type="submit">Disqualify</button></form>{% endif %}
</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""

MESSAGE = """{% extends "base.html" %}{% block body %}<p class="error">{{ message }}</p>{% endblock %}"""

LEADERBOARD_JS = """// Refreshes the leaderboard table from /api/leaderboard without reloading the page.
(function () {
  "use strict";
  var columns = ["rank", "participant", "name", "rating_text", "margin_text", "games", "wins", "draws", "losses"];
  function cell(row, key, index) {
    var td = document.createElement("td");
    if (index >= 3) td.className = "num";
    var value = row[key];
    td.textContent = value === null || value === undefined ? "" : String(value);
    return td;
  }
  function refresh() {
    fetch("/api/leaderboard", {headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var body = document.createElement("tbody");
        body.id = "rows";
        data.rows.forEach(function (row) {
          var tr = document.createElement("tr");
          columns.forEach(function (key, index) { tr.appendChild(cell(row, key, index)); });
          body.appendChild(tr);
        });
        document.getElementById("rows").replaceWith(body);
        document.getElementById("summary").textContent = data.summary;
      })
      .catch(function () {});
  }
  setInterval(refresh, 5000);
})();
"""

templates = Environment(
    loader=DictLoader({"base.html": BASE, "leaderboard.html": LEADERBOARD, "login.html": LOGIN, "me.html": ME,
                       "admin.html": ADMIN, "message.html": MESSAGE}),
    autoescape=True,
)


def render(name: str, **context) -> str:
    return templates.get_template(name).render(**context)
