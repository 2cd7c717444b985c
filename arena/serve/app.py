"""The competition's web server: a Starlette app over `arena.serve.competition`, which reads and writes
the competition store and the results store.

Pages (HTML, autoescaped): the leaderboard (`/`, refreshing itself from `/api/leaderboard`),
logging in with a token (`/login`), a participant's own submissions with their status, reason
and log tail, and the upload form (`/me`). Forms carry a CSRF token (the session's; before
logging in, a cookie's copy) and are refused without it.

A submission's page (`/submissions/ID`) shows its games and its rating after each of them (an
inline SVG plot); a game's page (`/games/ID`) plays its replay in the browser from the states the
server re-simulates (`/api/games/ID/frames`: Othello, gomoku, snake, the cart-pole relay) or, for
the fighting game, shows its video (`/games/ID/video.mp4`, rendered on its first request and
cached beside the replay).

API (JSON, `Authorization: Bearer TOKEN`):
    POST /api/submissions       the zip as the body (Content-Type: application/zip); ?filename=NAME.zip
    GET  /api/submissions       the caller's submissions
    GET  /api/submissions/ID    one of the caller's submissions (another's is "not found")
    GET  /api/leaderboard       the table the leaderboard page shows
    GET  /api/results           every result, as `arena leaderboard --json` writes it

Organisers (participants added with --organiser) also have `/admin` (pause and resume play,
disqualify a submission) and the same as API: POST /api/admin/pause, /api/admin/resume,
/api/admin/submissions/ID/disqualify (JSON body {"reason": ...}, optional), and GET
/api/admin/submissions.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import FormData, UploadFile
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Message

from arena.errors import ArenaError
from arena.sandbox.logs import public_detail
from arena.serve.competition import Competition, RegistrationRefused, ServeConfig, submission_json
from arena.serve.pages import LEADERBOARD_JS, REPLAY_JS, render
from arena.serve.store import Participant, Submission, TokenChecksBusy
from arena.serve.uploads import UploadRefused, take_upload, too_large

SESSION_COOKIE = "arena_session"
LOGIN_CSRF_COOKIE = "arena_login_csrf"
FORM_OVERHEAD = 64 << 10  # what a multipart form adds around the file
SMALL_FORM_BYTES = 16 << 10  # the body of a form of a few short fields (logging in or out, the organiser's)
REFUSED_BODY_READ = 256 << 20  # of a body refused for its size, what is read and dropped for its client to see why
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class _IdConvertor(Convertor):
    """A row id in a path: digits, few enough for the databases' 64-bit ids (a longer one names nothing: 404)."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", _IdConvertor())


def create_app(config: ServeConfig, on_upload: Callable[[], None] = lambda: None,
               on_withdraw: Callable[[int], None] = lambda entrant_id: None) -> Starlette:
    """The web app of the competition in `config.db`; `on_upload` is called after each taken upload,
    `on_withdraw` with the entrant of each submission the organiser disqualifies, once out of play."""
    competition = Competition(config, on_upload, on_withdraw)
    routes = [
        Route("/", _leaderboard_page),
        Route("/static/leaderboard.js", _leaderboard_js),
        Route("/static/replay.js", _replay_js),
        Route("/participants/{participant_id:id}", _participant_page),
        Route("/submissions/{submission_id:id}", _submission_page),
        Route("/games/{match_id:id}", _game_page),
        Route("/games/{match_id:id}/replay.json", _game_replay),
        Route("/games/{match_id:id}/video.mp4", _game_video),
        Route("/api/games/{match_id:id}/frames", _api_game_frames),
        Route("/login", _login_page, methods=["GET"]),
        Route("/login", _login, methods=["POST"]),
        Route("/logout", _logout, methods=["POST"]),
        Route("/register", _register_page, methods=["GET"]),
        Route("/register", _register, methods=["POST"]),
        Route("/me", _me_page),
        Route("/upload", _upload_form, methods=["POST"]),
        Route("/api/leaderboard", _api_leaderboard),
        Route("/api/results", _api_results),
        Route("/api/submissions", _api_upload, methods=["POST"]),
        Route("/api/submissions", _api_submissions, methods=["GET"]),
        Route("/api/submissions/{submission_id:id}", _api_submission),
        Route("/admin", _admin_page),
        Route("/admin/pause", _admin_form, methods=["POST"]),
        Route("/admin/resume", _admin_form, methods=["POST"]),
        Route("/admin/disqualify", _admin_form, methods=["POST"]),
        Route("/api/admin/submissions", _api_admin_submissions),
        Route("/api/admin/pause", _api_admin_pause, methods=["POST"]),
        Route("/api/admin/resume", _api_admin_pause, methods=["POST"]),
        Route("/api/admin/submissions/{submission_id:id}/disqualify", _api_admin_disqualify, methods=["POST"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=_security_headers)],
                    exception_handlers={ClientDisconnect: _client_gone, 404: _no_such_page})
    app.state.competition = competition
    return app


async def _client_gone(request: Request, exc: Exception) -> Response:
    """A client that hung up in the middle of its request: routine, answered to no one, and not a
    traceback on the organiser's console."""
    return Response(status_code=400)


async def _security_headers(request: Request, call_next):
    response = await call_next(request)
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    # Pages for a logged-in participant hold its name and its session's form token: no cache may keep them.
    if _cookie(request, SESSION_COOKIE) in request.cookies or request.url.path.startswith(
            ("/me", "/login", "/register", "/admin", "/api/submissions", "/api/admin")):
        response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Cookie"  # the same address shows a participant's page or everyone's
    return response


async def _no_such_page(request: Request, exc: Exception) -> Response:
    """An address that names nothing: the site's own page, with its links, rather than a bare "Not Found"."""
    if request.url.path.startswith("/api/"):
        return _api_error("no such address in the API", 404)
    return await _not_found(request, "such page: follow the links above")


def _competition(request: Request) -> Competition:
    return request.app.state.competition


# --- who is asking ----------------------------------------------------------------------------

async def _session(request: Request) -> tuple[Participant, str] | None:
    cookie = request.cookies.get(_cookie(request, SESSION_COOKIE))
    if not cookie:
        return None
    return await run_in_threadpool(_competition(request).store.session, cookie)


async def _bearer(request: Request) -> Participant | JSONResponse:
    """The participant whose token the request carries, or the 401 response to send."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _api_error("this needs your token: send the header Authorization: Bearer TOKEN", 401)
    try:
        return await _token_holder(request, token)
    except TokenRefused as refused:
        return _api_error(refused.message, refused.status)


class TokenRefused(Exception):
    """A token that names no participant here, or is not checked now; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


async def _token_holder(request: Request, token: str) -> Participant:
    """The participant whose token this is; TokenRefused (401 unknown, 429 a token not checked before
    from an address guessing tokens, 503 every check busy) otherwise."""
    competition = _competition(request)
    address = request.client.host if request.client else None
    counted = False  # whether this token was counted as a guess before its check (`AddressLimit.take`)

    def unless_guessing() -> None:  # a token checked before passes even so: others behind the same address
        nonlocal counted
        # Counted before the check, not after it: guesses sent together must not all pass before one counts.
        wait = competition.guesses.take(address)
        if wait > 0:
            raise TokenRefused(f"too many unknown tokens came from your address; try again in {wait:.0f} s", 429)
        counted = True

    try:
        participant = await run_in_threadpool(competition.store.participant_for_token, token.strip(), unless_guessing)
    except TokenChecksBusy as busy:
        if counted:  # never checked: no guess
            competition.guesses.forgive(address)
        raise TokenRefused(str(busy), 503) from None
    if participant is None:
        raise TokenRefused("unknown token: check it, or ask the organiser for a new one", 401)
    if counted:  # a participant's own token is no guess
        competition.guesses.forgive(address)
    return participant


def _api_error(message: str, status: int) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _same_origin(request: Request) -> bool:
    """False when the browser says the form came from another site."""
    # Sec-Fetch-Site is the browser's own verdict; Origin is compared with the Host the server was sent, which a
    # proxy in front may have rewritten (nginx's proxy_pass sends 127.0.0.1:PORT).
    fetched_from = request.headers.get("sec-fetch-site")
    if fetched_from is not None:
        return fetched_from in ("same-origin", "none")  # none: the user's own doing, such as a reload
    origin = request.headers.get("origin")
    if origin is None:  # an old browser, or not a browser: the CSRF token is the check
        return True
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def _csrf_ok(request: Request, form, expected: str | None) -> bool:
    sent = form.get("csrf")
    return (isinstance(sent, str) and bool(expected) and secrets.compare_digest(sent, expected)
            and _same_origin(request))


def _csrf_refused() -> HTMLResponse:
    return _page("message.html", 403, title="Refused", message="The form's security check failed (CSRF): "
                 "reload the page and send the form again.")


async def _public_page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """A page anyone may see, showing who is logged in (if anyone) in its header."""
    session = await _session(request)
    return _page(template, status, env=_competition(request).config.env, participant=session[0] if session else None,
                 csrf=session[1] if session else "", **context)


def _page(template: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("participant", None)
    context.setdefault("csrf", "")
    context.setdefault("env", "")
    return HTMLResponse(render(template, **context), status_code=status)


# --- pages ------------------------------------------------------------------------------------

async def _leaderboard_page(request: Request) -> Response:
    competition = _competition(request)
    board = await run_in_threadpool(competition.leaderboard)
    return await _public_page(request, "leaderboard.html", title="Leaderboard", rows=board["rows"],
                              summary=board["summary"])


async def _leaderboard_js(request: Request) -> Response:
    return Response(LEADERBOARD_JS, media_type="text/javascript")


async def _replay_js(request: Request) -> Response:
    return Response(REPLAY_JS, media_type="text/javascript")


async def _not_found(request: Request, what: str) -> Response:
    return await _public_page(request, "message.html", 404, title="Not found", message=f"There is no {what} here.")


async def _submission_page(request: Request) -> Response:
    competition = _competition(request)
    shown = await run_in_threadpool(competition.submission_page, request.path_params["submission_id"])
    if shown is None:
        return await _not_found(request, "such submission")
    submission = shown["submission"]
    plot = await run_in_threadpool(_rating_plot, competition, submission)
    return await _public_page(request, "submission.html", title=f"Submission #{submission.id}: {submission.name}",
                              rating_plot=plot, **shown)


def _rating_plot(competition: Competition, submission: Submission) -> Markup:
    """The submission's rating after each of its games, as inline SVG (empty before its first game)."""
    from arena.serve.history import rating_svg

    if submission.entrant_id is None:
        return Markup("")
    history = competition.rating_history(submission)
    if history is None:
        return Markup("<p>Being drawn: reload the page in a moment.</p>")
    return Markup(rating_svg(history, submission.name))


async def _participant_page(request: Request) -> Response:
    competition = _competition(request)
    shown = await run_in_threadpool(competition.participant_page, request.path_params["participant_id"])
    if shown is None:
        return await _not_found(request, "such participant")
    return await _public_page(request, "participant.html", title=shown["participant"].name,
                              shown=shown["participant"], submissions=shown["submissions"])


async def _game_page(request: Request) -> Response:
    from arena.serve.games import player_of, video_problem

    competition = _competition(request)
    shown = await run_in_threadpool(competition.game, request.path_params["match_id"])
    if shown is None:
        return await _not_found(request, "such game")
    match = shown["match"]
    player = player_of(match.env)
    return await _public_page(request, "game.html", title=f"Game #{match.match_id}", game=match, seats=shown["seats"],
                              player=player, video_problem=video_problem() if player == "video" else None)


async def _recorded_game(request: Request) -> dict[str, Any] | None:
    """The game the address names, as its page shows it (`Competition.game`), where its replay is kept; else None."""
    shown = await run_in_threadpool(_competition(request).game, request.path_params["match_id"])
    if shown is None or not shown["match"].replay or not Path(shown["match"].replay).is_file():
        return None
    return shown


async def _game_replay(request: Request) -> Response:
    game = await _recorded_game(request)
    if game is None:
        return await _not_found(request, "replay of such a game")
    shown = public_detail(await run_in_threadpool(Path(game["match"].replay).read_text, encoding="utf-8"))
    number = request.path_params["match_id"]
    return Response(shown, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="game-{number:06d}.json"'})


async def _game_video(request: Request) -> Response:
    from arena.serve.games import VideoUnavailable, game_video, player_of

    number = request.path_params["match_id"]
    game = await _recorded_game(request)
    if game is None:
        return await _not_found(request, "replay of such a game")
    match = game["match"]
    if player_of(match.env) != "video":
        return await _not_found(request, "video of this game: its page plays the replay")
    try:
        video = await run_in_threadpool(game_video, match.replay)
    except VideoUnavailable as exc:
        return _page("message.html", 503, title="No video", message=f"No video of this game: {exc}.")
    except ArenaError as exc:
        return _page("message.html", 500, title="No video", message=f"The replay cannot be shown: {exc}")
    return FileResponse(video, media_type="video/mp4", filename=f"game-{number:06d}.mp4",
                        content_disposition_type="inline")


async def _api_game_frames(request: Request) -> Response:
    from arena.serve.games import replay_frames

    game = await _recorded_game(request)
    if game is None:
        return _api_error("no replay of such a game", 404)
    try:
        frames = await run_in_threadpool(replay_frames, game["match"].replay)
    except ArenaError as exc:
        return _api_error(f"the replay cannot be shown: {exc}", 500)
    if frames is None:
        return _api_error("this game's page has no player to draw it; download its replay", 404)
    # The player names each seat as the game's page does (name and participant), not by the replay's name@hash.
    seats = game["seats"]
    players = [{**player, "name": seats[i]["shown"]} if i < len(seats) else player
               for i, player in enumerate(frames["players"])]
    return JSONResponse({**frames, "players": players})


async def _login_page(request: Request, message: str = "", status: int = 200) -> Response:
    token = request.cookies.get(_cookie(request, LOGIN_CSRF_COOKIE)) or secrets.token_urlsafe(32)
    config = _competition(request).config
    response = _page("login.html", status, title="Log in", env=config.env, login_csrf=token, message=message,
                     open_registration=config.open_registration)
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


async def _login(request: Request) -> Response:
    form = await _small_form(request)
    if isinstance(form, Response):
        return form
    if not _csrf_ok(request, form, request.cookies.get(_cookie(request, LOGIN_CSRF_COOKIE))):
        return _csrf_refused()
    token = form.get("token")
    competition = _competition(request)
    try:
        participant = await _token_holder(request, token if isinstance(token, str) else "")
    except TokenRefused as refused:
        return await _login_page(request, f"{refused.message[0].upper()}{refused.message[1:]}.", refused.status)
    session, _ = await run_in_threadpool(competition.store.open_session, participant.id)
    response = RedirectResponse("/me", status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, session, max_age=7 * 24 * 3600)
    _delete_cookie(request, response, LOGIN_CSRF_COOKIE)
    return response


async def _register_page(request: Request, message: str = "", status: int = 200) -> Response:
    competition = _competition(request)
    if not competition.config.open_registration:
        return await _not_found(request, "registration: the organiser adds participants")
    token = request.cookies.get(_cookie(request, LOGIN_CSRF_COOKIE)) or secrets.token_urlsafe(32)
    response = _page("register.html", status, title="Register", env=competition.config.env, login_csrf=token,
                     message=message)
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


async def _register(request: Request) -> Response:
    competition = _competition(request)
    if not competition.config.open_registration:
        return await _not_found(request, "registration: the organiser adds participants")
    form = await _small_form(request)
    if isinstance(form, Response):
        return form
    if not _csrf_ok(request, form, request.cookies.get(_cookie(request, LOGIN_CSRF_COOKIE))):
        return _csrf_refused()
    name = form.get("name")
    name = name.strip() if isinstance(name, str) else ""
    address = request.client.host if request.client else None
    try:
        participant, token = await run_in_threadpool(competition.register, name, address)
    except RegistrationRefused as refused:
        return await _register_page(request, refused.message, refused.status)
    return _page("register.html", title="Registered", env=competition.config.env, name=participant.name, token=token)


async def _logout(request: Request) -> Response:
    session = await _session(request)
    form = await _small_form(request)
    if isinstance(form, Response):
        return form
    if session is None:
        return RedirectResponse("/", status_code=303)
    if not _csrf_ok(request, form, session[1]):
        return _csrf_refused()
    await run_in_threadpool(_competition(request).store.close_session,
                            request.cookies[_cookie(request, SESSION_COOKIE)])
    response = RedirectResponse("/", status_code=303)
    _delete_cookie(request, response, SESSION_COOKIE)
    return response


async def _me_page(request: Request, message: str = "", failed: bool = False, status: int = 200) -> Response:
    session = await _session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    participant, csrf = session
    received = request.query_params.get("received", "")
    if not message and received.isdigit():  # where a taken upload is sent, so that a reload does not upload again
        message = f"Submission #{received} received; it is being validated: reload this page to see its status."
    competition = _competition(request)
    submissions = await run_in_threadpool(competition.store.submissions, participant.id)
    limits = competition.config.limits
    return _page("me.html", status, title=participant.name, env=competition.config.env, participant=participant,
                 csrf=csrf, message=message, failed=failed, submissions=[_shown(s) for s in reversed(submissions)],
                 max_mib=f"{limits.max_bytes / (1 << 20):g}", per_day=limits.per_day, max_active=limits.max_active)


async def _upload_form(request: Request) -> Response:
    session = await _session(request)
    if session is None:
        return _page("message.html", 401, title="Log in first", message="Log in with your token to upload.")
    competition = _competition(request)
    limit = competition.config.limits.max_bytes
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return await _me_page(request, "The upload did not say its size (Content-Length); send it from the form.",
                              True, 411)
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != "multipart/form-data":
        # Another kind of form of that size (megabytes of "&") would keep the event loop parsing it for seconds.
        return await _me_page(request, "The upload was not sent as a file (multipart/form-data); send it from the "
                                       "form.", True, 415)
    if int(length) > limit + FORM_OVERHEAD:
        await _read_away(request.stream(), 0)
        return await _me_page(request, f"Upload refused: {too_large(int(length), limit)}", True, 413)
    try:
        with competition.upload_gate.entered(session[0].id):  # before the body: one at a time is read
            form = await request.form(max_files=1, max_fields=4, max_part_size=4096)
            if not _csrf_ok(request, form, session[1]):
                return _csrf_refused()
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return await _me_page(request, "Choose a zip file to upload.", True, 400)
            submission = await _take(competition, session[0], await upload.read(limit + 1), upload.filename or "")
    except UploadRefused as exc:
        return await _me_page(request, f"Upload refused: {exc}", True, exc.status)
    competition.on_upload()
    return RedirectResponse(f"/me?received={submission.id}", status_code=303)


async def _small_form(request: Request, max_fields: int = 4) -> FormData | Response:
    """The fields of a form of a few short ones, or the 413 to answer where its body is larger than
    SMALL_FORM_BYTES. The body is read whole before it is parsed, since parsing runs on the event loop:
    anyone may post megabytes of "&" to /login, which would keep every other request waiting."""
    body = await _small_body(request)
    if body is None:
        return _page("message.html", 413, title="Too large", message="This form holds a few short fields; "
                     "send it from its page.")

    async def whole_body() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, whole_body).form(max_files=0, max_fields=max_fields, max_part_size=4096)


async def _small_body(request: Request) -> bytes | None:
    """The body of a request that carries a few short fields, or None where it is larger than SMALL_FORM_BYTES
    (what came of it is not kept)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > SMALL_FORM_BYTES:
            return None
    return bytes(body)


async def _read_away(chunks: AsyncIterator[bytes], read: int) -> None:
    """Read and drop the rest of a body refused for its size (`read` bytes of it read so far), up to
    REFUSED_BODY_READ: a client sends its whole body before it reads the answer (arena submit, browsers),
    and one whose connection closed under it sees a reset, not why. A longer one is cut off."""
    async for chunk in chunks:
        read += len(chunk)
        if read > REFUSED_BODY_READ:
            return


async def _take(competition: Competition, participant: Participant, data: bytes, filename: str) -> Submission:
    """Check and store an upload; the caller holds the participant's place in the upload gate."""
    config = competition.config
    return await run_in_threadpool(take_upload, competition.store, participant, data, config.env,
                                   config.uploads_dir, config.limits, filename, config.options)


# --- API --------------------------------------------------------------------------------------

async def _api_leaderboard(request: Request) -> Response:
    return JSONResponse(await run_in_threadpool(_competition(request).leaderboard))


async def _api_results(request: Request) -> Response:
    return JSONResponse(await run_in_threadpool(_competition(request).results_json))


async def _api_upload(request: Request) -> Response:
    participant = await _bearer(request)
    if isinstance(participant, Response):
        return participant
    competition = _competition(request)
    limit = competition.config.limits.max_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        await _read_away(request.stream(), 0)
        return _api_error(too_large(int(length), limit), 413)
    try:
        with competition.upload_gate.entered(participant.id):  # before the body: one at a time is read
            body = bytearray()
            chunks = request.stream()
            async for chunk in chunks:
                body += chunk
                if len(body) > limit:
                    await _read_away(chunks, len(body))
                    raise UploadRefused(too_large(len(body), limit), 413)
            submission = await _take(competition, participant, bytes(body), request.query_params.get("filename", ""))
    except UploadRefused as exc:
        return _api_error(str(exc), exc.status)
    competition.on_upload()
    return JSONResponse(submission_json(submission), status_code=201)


async def _api_submissions(request: Request) -> Response:
    participant = await _bearer(request)
    if isinstance(participant, Response):
        return participant
    submissions = await run_in_threadpool(_competition(request).store.submissions, participant.id)
    return JSONResponse({"submissions": [submission_json(s) for s in submissions]})


async def _api_submission(request: Request) -> Response:
    participant = await _bearer(request)
    if isinstance(participant, Response):
        return participant
    submission = await run_in_threadpool(_competition(request).store.submission, request.path_params["submission_id"])
    if submission is None or submission.participant_id != participant.id:
        return _api_error("no such submission of yours", 404)
    return JSONResponse(submission_json(submission))


def _shown(submission: Submission) -> dict[str, Any]:
    created = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(submission.created_at))
    return {**submission_json(submission), "created": created}


def _cookie(request: Request, key: str) -> str:
    """The name the server's cookie `key` goes by for `request`: over HTTPS with the __Host- prefix, which
    a browser takes only from this very site (Secure, Path=/, no Domain), so that another site of the same
    parent domain cannot set one for it (a session of its own participant's, say)."""
    return f"__Host-{key}" if request.url.scheme == "https" else key


def _set_cookie(request: Request, response: Response, key: str, value: str, max_age: int) -> None:
    response.set_cookie(_cookie(request, key), value, max_age=max_age, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")


def _delete_cookie(request: Request, response: Response, key: str) -> None:
    # With the attributes it was set with: a browser ignores a __Host- cookie's deletion that is not Secure.
    response.delete_cookie(_cookie(request, key), httponly=True, samesite="strict", path="/",
                           secure=request.url.scheme == "https")


# --- the organiser ----------------------------------------------------------------------------

ADMIN_DONE = {"paused": "Play paused.", "resumed": "Play resumed."}


async def _admin_page(request: Request, message: str = "", status: int = 200) -> Response:
    """The organiser's page; `message` says what a form did, or (with an error `status`) why it did nothing."""
    session = await _session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    participant, csrf = session
    if not participant.organiser:
        return _page("message.html", 403, title="Organisers only", participant=participant, csrf=csrf,
                     message="This page is for the competition's organisers.")
    # Where a done form is sent, so that a reload does not send it again.
    done, disqualified = request.query_params.get("done", ""), request.query_params.get("disqualified", "")
    if not message and done in ADMIN_DONE:
        message = ADMIN_DONE[done]
    elif not message and disqualified.isdigit():
        message = f"Submission {disqualified} disqualified."
    competition = _competition(request)
    board = await run_in_threadpool(competition.leaderboard)
    submissions = await run_in_threadpool(competition.all_submissions)
    paused = await run_in_threadpool(competition.store.paused)
    return _page("admin.html", status, title="Organiser", env=competition.config.env, participant=participant,
                 csrf=csrf, paused=paused, summary=board["progress"], submissions=submissions, message=message,
                 failed=status >= 400)


async def _admin_form(request: Request) -> Response:
    session = await _session(request)
    form = await _small_form(request, max_fields=8)
    if isinstance(form, Response):
        return form
    if session is None or not session[0].organiser:
        return _page("message.html", 403, title="Organisers only", message="This is for the competition's organisers.")
    if not _csrf_ok(request, form, session[1]):
        return _csrf_refused()
    competition = _competition(request)
    action = request.url.path.rsplit("/", 1)[1]
    if action in ("pause", "resume"):
        await run_in_threadpool(competition.store.set_paused, action == "pause")
        return RedirectResponse(f"/admin?done={'paused' if action == 'pause' else 'resumed'}", status_code=303)
    number = form.get("submission")
    reason = form.get("reason")
    if not isinstance(number, str) or not number.isdigit():
        return await _admin_page(request, "Say which submission to disqualify.", 400)
    done = await run_in_threadpool(competition.disqualify, int(number), reason if isinstance(reason, str) else "")
    if done is None:
        return await _admin_page(request, f"No submission {number}.", 404)
    return RedirectResponse(f"/admin?disqualified={done.id}", status_code=303)


async def _organiser(request: Request) -> Participant | Response:
    participant = await _bearer(request)
    if isinstance(participant, Response):
        return participant
    if not participant.organiser:
        return _api_error("this is for the competition's organisers", 403)
    return participant


async def _api_admin_submissions(request: Request) -> Response:
    organiser = await _organiser(request)
    if isinstance(organiser, Response):
        return organiser
    return JSONResponse({"submissions": await run_in_threadpool(_competition(request).all_submissions)})


async def _api_admin_pause(request: Request) -> Response:
    organiser = await _organiser(request)
    if isinstance(organiser, Response):
        return organiser
    paused = request.url.path.endswith("/pause")
    await run_in_threadpool(_competition(request).store.set_paused, paused)
    return JSONResponse({"paused": paused})


async def _api_admin_disqualify(request: Request) -> Response:
    organiser = await _organiser(request)
    if isinstance(organiser, Response):
        return organiser
    body = await _small_body(request)
    if body is None:
        return _api_error(f'send the reason as JSON of at most {SMALL_FORM_BYTES} bytes: {{"reason": "..."}}', 413)
    reason = ""
    if body:
        try:
            reason = str(json.loads(body).get("reason", ""))
        except (ValueError, AttributeError, RecursionError):
            return _api_error('send the reason as JSON: {"reason": "..."}', 400)
    done = await run_in_threadpool(_competition(request).disqualify, request.path_params["submission_id"], reason)
    if done is None:
        return _api_error("no such submission", 404)
    return JSONResponse(submission_json(done))
