"""The competition's pages: Jinja2 templates (autoescaped) and the leaderboard's small script."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} · {{ env }} competition</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3em .6em; }
tbody tr:nth-child(odd) { background: #f3f3f3; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.refused { color: #a00; } .active { color: #060; } .validating { color: #a60; } .retired { color: #666; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; max-height: 30em; } nav a { margin-right: 1em; }
.error { color: #a00; font-weight: bold; } form.inline { display: inline; }
.scroll { overflow-x: auto; } .rating-history, video, canvas { max-width: 100%; height: auto; }
#player { margin-top: 1em; }
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
<div class="scroll"><table><thead><tr><th>#</th><th>participant</th><th>submission</th><th class="num">rating</th>
<th class="num">±</th><th class="num">games</th><th class="num">won</th><th class="num">drawn</th>
<th class="num">lost</th></tr></thead>
<tbody id="rows">{% for row in rows %}<tr><td>{{ row.rank or "" }}</td><td>{% if row.participant_id %}<a href="/participants/{{ row.participant_id }}">{{ row.participant }}</a>{% else %}{{ row.participant }}{% endif %}</td>
<td>{% if row.submission %}<a href="/submissions/{{ row.submission }}">{{ row.name }}</a>{% else %}{{ row.name }}{% endif %}</td><td class="num">{{ row.rating_text }}</td><td class="num">{{ row.margin_text }}</td>
<td class="num">{{ row.games }}</td><td class="num">{{ row.wins }}</td><td class="num">{{ row.draws }}</td>
<td class="num">{{ row.losses }}</td></tr>{% endfor %}</tbody></table></div>
<p><a href="/api/results">All results (JSON)</a></p>
<script src="/static/leaderboard.js"></script>
{% endblock %}"""

LOGIN = """{% extends "base.html" %}{% block body %}
{% if message %}<p class="error">{{ message }}</p>{% endif %}
<form method="post" action="/login"><input type="hidden" name="csrf" value="{{ login_csrf }}">
<label>Token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Log in</button></form>
<p>The organiser gives each participant a token (arena serve users add NAME){% if open_registration %},
or <a href="/register">register</a> to get one{% endif %}.</p>
{% endblock %}"""

ME = """{% extends "base.html" %}{% block body %}
{% if message %}<p class="{{ 'error' if failed else 'active' }}">{{ message }}</p>{% endif %}
<h2>Upload</h2>
<form method="post" action="/upload" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{ csrf }}">
<label>Your agent's zip <input type="file" name="file" accept=".zip,application/zip" required></label>
<button type="submit">Upload</button></form>
<p>A zip of your agent's folder (agent.py at its top), at most {{ max_mib }} MiB; {{ per_day }} uploads a day;
your {{ max_active }} newest valid submissions play. Or: <code>arena submit FOLDER --server URL --token TOKEN</code>.</p>
<h2>Your submissions</h2>
{% if not submissions %}<p>None yet.</p>{% endif %}
{% for s in submissions %}
<section><h3><a href="/submissions/{{ s.id }}">#{{ s.id }} {{ s.name }}</a>: <span class="{{ s.status }}">{{ s.status }}</span></h3>
<p>Uploaded {{ s.created }}.{% if s.reason %} {{ s.reason }}{% endif %}</p>
{% if s.log_tail %}<details><summary>What it printed (last lines)</summary><pre>{{ s.log_tail }}</pre></details>{% endif %}
</section>{% endfor %}
{% endblock %}"""

ADMIN = """{% extends "base.html" %}{% block body %}
{% if message %}<p class="{{ 'error' if failed else 'active' }}">{{ message }}</p>{% endif %}
<h2>Play</h2>
<form method="post" action="/admin/{{ 'resume' if paused else 'pause' }}"><input type="hidden" name="csrf" value="{{ csrf }}">
Play is <strong>{{ "paused" if paused else "running" }}</strong>.
<button type="submit">{{ "Resume play" if paused else "Pause play" }}</button></form>
<p>{{ summary }} <a href="/api/results">All results (JSON)</a></p>
<h2>Submissions</h2>
<div class="scroll"><table><thead><tr><th>#</th><th>participant</th><th>submission</th><th>status</th><th>reason</th><th></th></tr></thead>
<tbody>{% for s in submissions %}<tr><td>{{ s.id }}</td><td>{{ s.participant }}</td><td><a href="/submissions/{{ s.id }}">{{ s.name }}</a></td>
<td class="{{ s.status }}">{{ s.status }}</td><td>{{ s.reason }}</td><td>
{% if s.status in ("validating", "active") %}<form class="inline" method="post" action="/admin/disqualify">
<input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="submission" value="{{ s.id }}">
<input name="reason" placeholder="reason" maxlength="200" aria-label="why submission {{ s.id }} is disqualified"> <button type="submit">Disqualify</button></form>{% endif %}
</td></tr>{% endfor %}</tbody></table></div>
{% endblock %}"""

SUBMISSION = """{% extends "base.html" %}{% block body %}
<p>By {% if owner_id %}<a href="/participants/{{ owner_id }}">{{ owner }}</a>{% else %}{{ owner }}{% endif %} · <span class="{{ submission.status }}">{{ submission.status }}</span>
{% if row and row.rating_text %} · rating {{ row.rating_text }} ± {{ row.margin_text }} ·
{{ row.wins }} won, {{ row.draws }} drawn, {{ row.losses }} lost{% endif %}</p>
{% if row and row.slowness %}<p>It takes about {{ row.slowness }} times as much time a game as most entrants
(its clock and its starts), so it plays in about one batch of games in {{ row.slowness }}: no entrant takes much
more of the play than the others.</p>{% endif %}
{% if rating_plot %}<h2>Rating history</h2>
{{ rating_plot }}{% endif %}
<h2>Latest games</h2>
{% if not games %}<p>None yet.</p>{% else %}
<div class="scroll"><table><thead><tr><th>game</th><th>seats</th><th>result</th></tr></thead><tbody>
{% for g in games %}<tr><td><a href="/games/{{ g.id }}">#{{ g.id }}</a></td><td>{{ g.seats }}</td><td>{{ g.result }}</td></tr>
{% endfor %}</tbody></table></div>{% endif %}
{% endblock %}"""

PARTICIPANT = """{% extends "base.html" %}{% block body %}
<h2>Submissions</h2>
{% if not submissions %}<p>None yet.</p>{% else %}
<div class="scroll"><table><thead><tr><th>submission</th><th>status</th><th class="num">rating</th><th class="num">±</th>
<th class="num">games</th></tr></thead><tbody>
{% for s in submissions %}<tr><td><a href="/submissions/{{ s.id }}">{{ s.name }}</a></td>
<td><span class="{{ s.status }}">{{ s.status }}</span></td>
<td class="num">{{ s.row.rating_text if s.row else "" }}</td><td class="num">{{ s.row.margin_text if s.row else "" }}</td>
<td class="num">{{ s.row.games if s.row else 0 }}</td></tr>
{% endfor %}</tbody></table></div>{% endif %}
{% endblock %}"""

GAME = """{% extends "base.html" %}{% block body %}
<p>{{ game.outcome }} · seed {{ game.seed }} · {{ game.steps }} steps</p>
<div class="scroll"><table><thead><tr><th>seat</th><th>participant</th><th>submission</th><th class="num">score</th><th>status</th>
<th>detail</th></tr></thead><tbody>{% for s in seats %}<tr><td>{{ s.seat }}</td><td>{% if s.participant_id %}<a href="/participants/{{ s.participant_id }}">{{ s.participant }}</a>{% else %}{{ s.participant }}{% endif %}</td>
<td>{% if s.submission %}<a href="/submissions/{{ s.submission }}">{{ s.name }}</a>{% else %}{{ s.name }}{% endif %}</td>
<td class="num">{{ s.score }}</td><td>{{ s.status }}</td><td>{{ s.detail }}</td></tr>{% endfor %}</tbody></table></div>
{% if player in ("board", "snake", "relay") %}
<div id="player" data-frames="/api/games/{{ game.match_id }}/frames">
<div id="board" role="img" aria-label="the game"></div>
<p><button type="button" id="first">&#9664;&#9664; first</button> <button type="button" id="back">&#9664; step</button>
<button type="button" id="play">play</button> <button type="button" id="forward">step &#9654;</button>
<button type="button" id="last">last &#9654;&#9654;</button>
<input type="range" id="scrub" min="0" max="0" value="0" aria-label="position">
<span id="position" aria-live="polite"></span></p>
<p><small>Keys: &larr; and &rarr; step, Home and End go to the first and last position, space plays and pauses.</small></p></div>
<script src="/static/replay.js"></script>
{% elif player == "video" %}
{% if video_problem %}<p class="error" id="video-problem">No video of this game: {{ video_problem }}.</p>
{% else %}<video id="video" controls preload="metadata" width="640" src="/games/{{ game.match_id }}/video.mp4">
<a href="/games/{{ game.match_id }}/video.mp4">Download the video</a></video>
<p>The video is made the first time someone watches it: that can take a minute.</p>{% endif %}
{% endif %}
<p><a href="/games/{{ game.match_id }}/replay.json" download>Download the replay</a>
(<code>arena replay FILE --video game.mp4</code> makes its video).</p>
{% endblock %}"""

REPLAY_JS = """// Plays a game's replay: the server re-simulates it and sends one drawable state a step
// (/api/games/N/frames); one set of controls (play, pause, step, first, last, scrub, the arrow keys,
// Home, End and space, #position-N links) and a
// drawing for each kind of game: a grid of stones for board games, a canvas for snake and the relay.
(function () {
  "use strict";
  var root = document.getElementById("player");
  var view = document.getElementById("board");
  var scrub = document.getElementById("scrub");
  var position = document.getElementById("position");
  var playButton = document.getElementById("play");
  var data = null, frames = [], index = 0, timer = null, painter = null;
  var COLORS = ["#50c85a", "#468ceb", "#f09632", "#aa64e1", "#ebd746", "#3ccdcd", "#eb69a0", "#d7d7d7"];
  var RELAY_COLORS = ["#468ceb", "#f09632", "#50b95a", "#aa64e1", "#dcbe28", "#32b9b9", "#eb69a0", "#8c8c8c"];

  function show(element) { element.id = "board"; view.replaceWith(element); view = element; }
  function canvas(width, height) {  // the view as a canvas of this size, made once
    if (view.tagName !== "CANVAS" || view.width !== width || view.height !== height) {
      var made = document.createElement("canvas");
      made.width = width; made.height = height; made.style.maxWidth = "100%";
      made.setAttribute("role", "img"); made.setAttribute("aria-label", view.getAttribute("aria-label") || "");
      show(made);
    }
    return view.getContext("2d");
  }
  function label(context, text, x, y, size, color, align, bold) {
    context.font = (bold ? "bold " : "") + size + "px system-ui, sans-serif";
    context.fillStyle = color; context.textAlign = align || "left"; context.textBaseline = "top";
    context.fillText(text, x, y);
  }
  function name(seat) { return data.players[seat] ? data.players[seat].name : "player_" + seat; }
  var FAULTS = {crash: "crashed", timeout: "ran out of time", illegal_action: "played an illegal move",
                forfeit: "forfeited"};
  function ending() {  // the last position's caption: who faulted, if anyone, rather than whose move it was
    var faults = data.players.filter(function (p) { return FAULTS[p.status]; })
      .map(function (p) { return p.name + " " + FAULTS[p.status]; });
    return " \\u00b7 the end" + (faults.length ? ": " + faults.join(", ") : "");
  }

  var painters = {
    board: {unit: "position", interval: 500, draw: function (frame) {
      var cells = frame.split(" ")[0], side = {"X": 0, "O": 1}[frame.split(" ")[1]];
      var stones = {"X": "\\u25CF", "O": "\\u25CB"};
      var grid = document.createElement("div");
      // Tracks and cells measured in one font size (the grid's), borders inside the cells: square cells.
      // As large as fits the window's width, up to 1.4em: a 15 x 15 gomoku board fits a phone too.
      grid.style.cssText = "display:grid;font-size:min(1.4em, calc((100vw - 2.5em) / " + 2 * data.size + "));" +
        "grid-template-columns:repeat(" + data.size + ", 2em);" +
        "grid-auto-rows:2em;background:#2e7d32;width:max-content";
      grid.setAttribute("role", "img"); grid.setAttribute("aria-label", "the board");
      for (var i = 0; i < cells.length; i++) {
        var cell = document.createElement("div");
        cell.className = "cell";
        cell.dataset.square = String(i);
        cell.style.cssText = "box-sizing:border-box;line-height:2em;text-align:center;" +
          "border:1px solid #1b5e20;color:" + (cells[i] === "X" ? "#000" : "#fff");
        cell.textContent = stones[cells[i]] || "";
        grid.appendChild(cell);
      }
      show(grid);
      return side === undefined ? "" : " \\u00b7 " + ["black", "white"][side] + " to move: " + name(side);
    }},
    snake: {unit: "step", interval: 125, draw: function (frame) {
      var width = data.width, height = data.height, margin = 16, panel = 240;
      var size = Math.max(8, Math.min(32, Math.floor(480 / Math.max(width, height))));
      var c = canvas(2 * margin + width * size + panel, Math.max(2 * margin + height * size, 56 + 40 * frame.snakes.length));
      function at(cell) { return [margin + (cell % width) * size, margin + Math.floor(cell / width) * size]; }
      c.fillStyle = "#161a21"; c.fillRect(0, 0, c.canvas.width, c.canvas.height);
      c.fillStyle = "#222832"; c.fillRect(margin, margin, width * size, height * size);
      c.strokeStyle = "#5f6978"; c.lineWidth = 3;  // the walls
      c.strokeRect(margin - 2, margin - 2, width * size + 4, height * size + 4);
      frame.fruit.forEach(function (cell) {
        var p = at(cell);
        c.fillStyle = "#e13c3c"; c.beginPath();
        c.arc(p[0] + size / 2, p[1] + size / 2, Math.max(3, size / 2 - 3), 0, 2 * Math.PI); c.fill();
      });
      frame.snakes.forEach(function (body, seat) {
        c.strokeStyle = COLORS[seat]; c.lineWidth = size * 0.7; c.lineCap = "round"; c.lineJoin = "round";
        c.globalAlpha = 0.8; c.beginPath();
        body.forEach(function (cell, k) {
          var p = at(cell);
          if (k === 0) c.moveTo(p[0] + size / 2, p[1] + size / 2); else c.lineTo(p[0] + size / 2, p[1] + size / 2);
        });
        if (body.length === 1) { var q = at(body[0]); c.lineTo(q[0] + size / 2 + 0.1, q[1] + size / 2); }
        c.stroke(); c.globalAlpha = 1;
        if (!frame.alive[seat] || !body.length) return;
        var head = at(body[0]), ahead = [[0, -1], [1, 0], [0, 1], [-1, 0]][frame.heading[seat]];
        c.fillStyle = COLORS[seat]; c.fillRect(head[0] + 1, head[1] + 1, size - 2, size - 2);
        [-1, 1].forEach(function (sign) {  // eyes, looking ahead
          var x = head[0] + size / 2 + ahead[0] * size * 0.18 - ahead[1] * sign * size * 0.2;
          var y = head[1] + size / 2 + ahead[1] * size * 0.18 + ahead[0] * sign * size * 0.2;
          c.fillStyle = "#fafafa"; c.beginPath(); c.arc(x, y, Math.max(2, size / 7), 0, 2 * Math.PI); c.fill();
        });
      });
      var left = 2 * margin + width * size;
      label(c, "snake", left, margin, 18, "#787f8c");
      frame.snakes.forEach(function (body, seat) {
        var y = margin + 32 + 40 * seat;
        c.fillStyle = COLORS[seat]; c.fillRect(left, y + 2, 14, 14);
        label(c, name(seat).slice(0, 24), left + 22, y, 16, frame.alive[seat] ? "#e6e8ec" : "#787f8c");
        label(c, "length " + frame.length[seat] + (frame.alive[seat] ? "" : ", out"), left + 22, y + 18, 13, "#787f8c");
      });
      var living = frame.alive.filter(Boolean).length;
      return " \\u00b7 " + living + " of " + frame.alive.length + " snakes left";
    }},
    relay: {unit: "step", interval: 20, draw: function (frame) {
      var width = 640, track = 272, rows = frame.credits.length;
      var c = canvas(width, track + 48 + 30 * rows);
      var scale = width / (2 * data.track + 1.2), ground = track - 40;
      c.fillStyle = "#ecf0f5"; c.fillRect(0, 0, width, c.canvas.height);
      c.fillStyle = "#5a626e"; c.fillRect(0, ground, width, 4);
      c.strokeStyle = "#c84646"; c.lineWidth = 3;
      [-data.track, data.track].forEach(function (edge) {
        c.beginPath(); c.moveTo(width / 2 + edge * scale, ground - 12); c.lineTo(width / 2 + edge * scale, ground + 10); c.stroke();
      });
      var x = width / 2 + frame.x * scale, y = ground - 18;
      c.fillStyle = frame.baton === null ? "#46505f" : RELAY_COLORS[frame.baton];
      c.fillRect(x - 32, y - 16, 64, 32);
      c.strokeStyle = "#cda064"; c.lineWidth = 10; c.lineCap = "butt"; c.beginPath(); c.moveTo(x, y);
      c.lineTo(x + Math.sin(frame.angle) * data.pole * scale, y - Math.cos(frame.angle) * data.pole * scale); c.stroke();
      c.fillStyle = "#6e7887"; c.beginPath(); c.arc(x, y, 6, 0, 2 * Math.PI); c.fill();
      if (frame.action !== null) label(c, frame.action === 1 ? "push right" : "push left", x, ground + 14, 15, "#78808c", "center");
      label(c, data.mode === "relay" ? "relay: legs of " + data.leg_length + " steps" : "vote", width - 16, 12, 16, "#78808c", "right");
      label(c, "player", 40, track + 8, 15, "#78808c");
      label(c, "steps survived in control", width - 16, track + 8, 15, "#78808c", "right");
      frame.credits.forEach(function (steps, seat) {
        var top = track + 34 + 30 * seat, holding = frame.baton === seat;
        c.fillStyle = RELAY_COLORS[seat]; c.fillRect(16, top + 2, 16, 16);
        label(c, name(seat).slice(0, 40) + (holding ? "  (baton)" : ""), 40, top, 16, "#1e2228", "left", holding);
        label(c, String(steps), width - 16, top, 16, "#1e2228", "right");
      });
      var fell = Math.abs(frame.angle) > data.fall_angle || Math.abs(frame.x) > data.track;
      return fell ? " \\u00b7 the pole fell" : "";
    }}
  };

  function draw() {
    var caption = painter.draw(frames[index]);
    if (index === frames.length - 1 && frames.length > 1) caption = ending();
    scrub.value = String(index);
    position.textContent = painter.unit + " " + index + " of " + (frames.length - 1) + caption;
  }
  function go(to) { index = Math.max(0, Math.min(frames.length - 1, to)); draw(); }
  function stop() { if (timer) { clearInterval(timer); timer = null; } playButton.textContent = "play"; }
  function play() {
    if (timer) { stop(); return; }
    if (index >= frames.length - 1) go(0);
    playButton.textContent = "pause";
    timer = setInterval(function () { if (index >= frames.length - 1) stop(); else go(index + 1); }, painter.interval);
  }
  document.getElementById("back").addEventListener("click", function () { stop(); go(index - 1); });
  document.getElementById("forward").addEventListener("click", function () { stop(); go(index + 1); });
  document.getElementById("first").addEventListener("click", function () { stop(); go(0); });
  document.getElementById("last").addEventListener("click", function () { stop(); go(frames.length - 1); });
  var KEYS = {ArrowLeft: function () { go(index - 1); }, ArrowRight: function () { go(index + 1); },
              Home: function () { go(0); }, End: function () { go(frames.length - 1); }};
  document.addEventListener("keydown", function (event) {
    // Left to the slider and fields with the focus (and space to a focused button), and to the browser's shortcuts.
    if (!painter || event.altKey || event.ctrlKey || event.metaKey || event.target.closest("input, textarea, select")) {
      return;
    }
    if (event.key === " ") { if (!event.target.closest("button")) { event.preventDefault(); play(); } return; }
    if (!KEYS[event.key]) return;
    event.preventDefault(); stop(); KEYS[event.key]();
  });
  playButton.addEventListener("click", function () { if (painter) play(); });
  scrub.addEventListener("input", function () { stop(); go(parseInt(scrub.value, 10) || 0); });
  fetch(root.dataset.frames, {headers: {"Accept": "application/json"}})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (answer) {
      painter = answer && painters[answer.player];
      if (!painter || !answer.frames.length) { painter = null; position.textContent = "this replay cannot be shown"; return; }
      data = answer; frames = answer.frames;
      scrub.max = String(frames.length - 1);
      var start = /^#position-(\\d+)$/.exec(window.location.hash);  // a link to one position
      go(start ? parseInt(start[1], 10) : 0);
    });
})();
"""

REGISTER = """{% extends "base.html" %}{% block body %}
{% if token %}
<p>Welcome, {{ name }}. Your token, shown only now: keep it safe, it is your password here and for
<code>arena submit</code>.</p><pre id="token">{{ token }}</pre><p><a href="/login">Log in</a></p>
{% else %}
{% if message %}<p class="error">{{ message }}</p>{% endif %}
<form method="post" action="/register"><input type="hidden" name="csrf" value="{{ login_csrf }}">
<label>Name <input name="name" maxlength="40" required></label> <button type="submit">Register</button></form>
<p>The name is shown on the leaderboard.</p>
{% endif %}
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
    var text = value === null || value === undefined ? "" : String(value);
    var target = key === "name" ? row.submission : key === "participant" ? row.participant_id : null;
    if (typeof target === "number") {
      var link = document.createElement("a");
      link.href = (key === "name" ? "/submissions/" : "/participants/") + target;
      link.textContent = text;
      td.appendChild(link);
    } else {
      td.textContent = text;
    }
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
                       "admin.html": ADMIN, "message.html": MESSAGE,
                       "submission.html": SUBMISSION, "game.html": GAME, "participant.html": PARTICIPANT,
                       "register.html": REGISTER}),
    autoescape=True,
)


def render(template: str, **context) -> str:
    return templates.get_template(template).render(**context)
