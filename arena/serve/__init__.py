"""Hosting a competition: `arena serve` takes submissions, validates them, plays them continuously
and shows a live leaderboard.

    arena serve --env othello --db competition.sqlite           # http://127.0.0.1:8000
    arena serve users add alice --db competition.sqlite        # prints alice's token once
    arena submit my_agent/ --server http://127.0.0.1:8000 --token ...

One SQLite file holds everything: the tournament's results store (`arena.tournament.store`:
entrants, the schedule, which is the games queue, and every result) and the competition's own
tables (`store`: participants with hashed tokens, sessions, submissions and their status).
Beside it: the uploaded submissions (`<db>-uploads/`), replays and logs.

- `app`: the web server (Starlette): pages and a JSON API;
- `competition`: what the pages and the API show and change, over the two stores (no HTTP);
- `uploads`: the checks an upload gets at once (a zip, safe to unpack, agent.py present, limits);
- `validation`: `arena validate` on each new submission, in child processes, off the web process;
- `scheduler`: continuous rated play on the tournament's runner and backends;
- `client`: `arena submit`.
"""
