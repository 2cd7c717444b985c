"""Playing blocks of scheduled matches, in a pool process or a Ray worker.

A block is a few consecutive games of one pairing. The process that plays it keeps its agents'
sandboxes open between blocks (a few at a time), so a worker process is started once per
agent rather than once per game. Results go back as plain data; the tournament's driver alone
writes replays and the results store.

Nothing an entrant does leaves this module as an exception: a submission that cannot be loaded
or started forfeits, and whatever its handle raises is charged to it (`GuardedHandle`). A match
that fails for a reason no seat caused comes back as a one-line reason instead of a result.
"""

from __future__ import annotations

import atexit
import resource
import tempfile
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Iterator

from arena import tempdirs
from arena.cpus import allowed_cpus
from arena.entrants import submission_handle
from arena.envs import EnvSpec
from arena.errors import ArenaError, HarnessError
from arena.faults import AgentFault, Status, describe_exception
from arena.handle import AgentHandle, ForfeitingAgent, RecentMoves
from arena.match import play_match
from arena.sandbox import Limits
from arena.sandbox.memory import process_share_mb
from arena.submission import load, load_registered

SANDBOXES_KEPT = 8  # per pool process: enough for the pairings it plays in turn
FILES_PER_SANDBOX = 24  # descriptors a process holds for one open sandbox (pipes, its cgroups' files): 21 measured
FILES_KEPT_FREE = 16  # for the rest of the process: its results store, replays and logs
MAX_REASON = 500  # characters of a reason kept for a fault or a failure


@dataclass(frozen=True)
class EntrantPackage:
    """What a worker needs to run an entrant: its registered folder, or its zipped bytes when the
    worker is on another machine."""

    id: int
    label: str
    digest: str
    path: str | None = None
    zipped: bytes | None = None
    problem: str = ""  # why it cannot play, found when it was registered: it forfeits


Played = tuple[int, "dict[str, Any] | str"]  # match id, MatchResult.to_dict() or why it could not be played
Block = list[tuple[int, int, tuple[int, ...]]]  # (match id, seed, seats) of consecutive games of one pairing


def play_block(settings: dict[str, Any], entrants: dict[int, EntrantPackage], block: Block) -> list[Played]:
    """What `play_matches` plays of `block`, all at once."""
    return list(play_matches(settings, entrants, block))


def play_matches(settings: dict[str, Any], entrants: dict[int, EntrantPackage], block: Block) -> Iterator[Played]:
    """Play (match id, seed, seats) matches in order; (match id, MatchResult.to_dict()) for each as it
    ends, or (match id, reason) for a match that failed for no fault of its seats."""
    env = EnvSpec(settings["env"], settings["options"])
    for match_id, seed, seats in block:
        try:
            handles = [GuardedHandle(handle) for handle in _sandboxes.for_match(
                [(entrants[e], seats[:i].count(e)) for i, e in enumerate(seats)], settings)]
            result = play_match(env, handles, seed, max_steps=settings.get("max_steps"))
        except Exception as exc:  # the env or the harness failed: no seat is to blame
            yield match_id, f"the match could not be played: {one_line(exc)}"
            continue
        yield match_id, result.to_dict()


def playing_any(block: Block, entrants: Collection[int]) -> bool:
    """Whether one of `entrants` plays in `block`."""
    return any(e in entrants for _, _, seats in block for e in seats)


def play_while_in_play(settings: dict[str, Any], packages: dict[int, EntrantPackage], block: Block,
                       withdrawn: Collection[int]) -> Iterator[Played]:
    """The matches of `block` played one after the other, as `play_matches` plays them, until one of its
    entrants is in `withdrawn` (which may grow meanwhile): its games after the one under way are not begun."""
    matches = play_matches(settings, packages, block)
    while not playing_any(block, withdrawn):
        played = next(matches, None)
        if played is None:
            return
        yield played


class GuardedHandle(AgentHandle):
    """A handle whose every failure is its agent's: whatever the wrapped handle raises becomes an
    AgentFault (crash). (An action that cannot even be checked is an illegal action in any match:
    `arena.actions.checked_action`.)

    After such a failure the wrapped handle is closed, so what the agent left half-said (a
    message still in its pipe, say) cannot reach its next match, which starts it afresh."""

    def __init__(self, handle: AgentHandle):
        self.handle = handle
        self.name = handle.name
        self.time_per_move = handle.time_per_move

    @property
    def time_used(self) -> float:
        return self.handle.time_used

    @property
    def time_to_start(self) -> float:
        return self.handle.time_to_start

    @property
    def recent_moves(self) -> RecentMoves:
        return self.handle.recent_moves

    @property
    def seats_an_agent_here(self) -> bool:
        return self.handle.seats_an_agent_here

    @property
    def forfeit_reason(self) -> str | None:
        return self.handle.forfeit_reason

    def start(self, seat: Any) -> None:
        self._guard("start", lambda: self.handle.start(seat))

    def request_start(self, seat: Any) -> None:
        self._guard("start", lambda: self.handle.request_start(seat))

    def await_start(self) -> None:
        self._guard("start", self.handle.await_start)

    def reset(self) -> None:
        self._guard("reset()", self.handle.reset)

    def request_reset(self) -> None:
        self._guard("reset()", self.handle.request_reset)

    def await_reset(self) -> None:
        self._guard("reset()", self.handle.await_reset)

    def request_action(self, observation: Any) -> None:
        self._guard("predict()", lambda: self.handle.request_action(observation))

    def await_action(self) -> Any:
        return self._guard("predict()", self.handle.await_action)  # checked by the match (`checked_action`)

    def pending_answer(self) -> tuple[int, float] | None:
        return self.handle.pending_answer()

    def faulted(self) -> None:
        self.handle.faulted()

    def close(self) -> None:
        self.handle.close()

    def _guard(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except (AgentFault, HarnessError):  # the latter: the match could not be played, nobody lost it
            raise
        except Exception as exc:
            fault = AgentFault(Status.CRASH, f"{what}: {one_line(exc)}", traceback.format_exc())
            self._close_quietly()
            raise fault from None

    def _close_quietly(self) -> None:
        try:
            self.handle.close()
        except Exception:
            pass  # it is being given up on already; the fault says why


def one_line(exc: BaseException) -> str:
    """An exception as one bounded line: arena's errors as they read, others with their type."""
    text = str(exc) if isinstance(exc, ArenaError) else describe_exception(exc)
    line = " ".join(text.split())
    return line if len(line) <= MAX_REASON else line[: MAX_REASON - 1] + "…"


def sandboxes_open() -> bool:
    """Whether this process holds sandboxes open for later blocks."""
    return bool(_sandboxes.handles)


def close_sandboxes() -> None:
    """Close the sandboxes this process holds open for later blocks."""
    _sandboxes.close_all()


class _SandboxCache:
    """The most recently used sandboxed agents of this process; the oldest are closed, also as soon as
    what the others hold would leave a match's agents too little of the process's share of memory."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.handles: OrderedDict[tuple, AgentHandle] = OrderedDict()
        # Those closed before: their next load counts as their own time (`AgentHandle.loaded_before`), whoever's
        # memory the room was made for (a rule that let some go free let an entrant steer its loads there).
        self.closed: set[tuple] = set()
        self.moves: dict[tuple, RecentMoves] = {}  # each one's recent moves, kept when it is closed and opened again
        atexit.register(self.close_all)

    def for_match(self, seats: list[tuple[EntrantPackage, int]], settings: dict[str, Any]) -> list[AgentHandle]:
        """The handles of a match's (entrant, copy) seats, with room made for them (`_make_room`)."""
        keys = [(package.digest, copy, repr(sorted(settings.items()))) for package, copy in seats]
        handles = [self._get(key, package, settings) for key, (package, _) in zip(keys, seats)]
        budget_mb = settings.get("process_memory_mb") or process_share_mb(len(allowed_cpus()))
        self._make_room(set(keys), budget_mb << 20, max(len(set(keys)), _sandboxes_files_allow()))
        return handles

    def _get(self, key: tuple, package: EntrantPackage, settings: dict[str, Any]) -> AgentHandle:
        if key in self.handles:
            self.handles.move_to_end(key)
            return self.handles[key]
        handle = self.handles[key] = _open(package, settings)
        handle.loaded_before = key in self.closed
        handle.recent_moves = self.moves.setdefault(key, handle.recent_moves)
        return handle

    def _make_room(self, playing: set[tuple], budget: int, files_allow: int) -> None:
        """Close the least recently used sandboxes not in the match until `capacity` are open, no more than
        the process's open files allow (`files_allow`), and what they hold, with the match's agents at their
        limits, fits in `budget` bytes: a sandbox kept open keeps its memory, and memory the machine runs short
        of gets agents killed within their own limits."""
        capacity = min(self.capacity, files_allow)
        needed = sum(self.handles[key].memory_allowed() for key in playing)
        kept = [key for key in self.handles if key not in playing]  # the least recently used first
        at_their_limits = sum(self.handles[key].memory_allowed() for key in kept)
        if len(self.handles) <= capacity and needed + at_their_limits <= budget:
            return  # all fit even holding all they may: what they hold need not be read
        held = {key: self.handles[key].memory_held() for key in kept}
        for key in kept:
            if len(self.handles) <= capacity and needed + sum(held.values()) <= budget:
                return
            self.handles.pop(key).close()
            self.closed.add(key)
            del held[key]

    def close_all(self) -> None:
        while self.handles:
            self.handles.popitem()[1].close()


def _sandboxes_files_allow() -> int:
    """How many sandboxes this process may hold open within its limit on open files (`ulimit -n`): kept
    past it, a sandbox opened for the next match finds no descriptor left, and the match cannot be played."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return SANDBOXES_KEPT if soft == resource.RLIM_INFINITY else (soft - FILES_KEPT_FREE) // FILES_PER_SANDBOX


def _open(package: EntrantPackage, settings: dict[str, Any]) -> AgentHandle:
    """The entrant's sandboxed handle, or one that forfeits saying why it cannot be had."""
    if package.problem:
        return ForfeitingAgent(package.label, f"its submission cannot be loaded: {package.problem}")
    try:
        spec = load_registered(package.path, package.digest) if package.path else load(_unpacked(package))
        handle = submission_handle(spec, settings["env"], settings.get("time_per_move"),
                                   time_bank=settings.get("time_bank"), limits=Limits(**settings.get("limits", {})),
                                   log_dir=settings.get("log_dir"))
    except HarnessError:
        raise  # the machine's failure: the match waits for the next run
    except Exception as exc:  # whatever the submission holds, only this entrant pays for it
        why = one_line(exc).replace(str(package.path), package.label) if package.path else one_line(exc)
        return ForfeitingAgent(package.label, f"its submission cannot be loaded: {why}")  # not where it is kept
    handle.name = package.label
    return handle


def _unpacked(package: EntrantPackage) -> Path:
    """The zipped entrant written to this machine's temporary folder (once per version).

    Several processes may write the same version at once (pool workers, a Ray worker beside the
    server): each writes a file of its own and renames it into place, so none sees a half-written
    zip or loses its file to another's rename.
    """
    path = tempdirs.private_folder("arena-entrants") / f"{package.digest}.zip"
    if path.exists():
        return path
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f"{package.digest}.", suffix=".part",
                                         delete=False) as partial:
            try:
                partial.write(package.zipped)
                partial.flush()
            except BaseException:
                Path(partial.name).unlink()  # a full disk leaves nothing behind
                raise
        Path(partial.name).replace(path)
    except OSError as exc:  # this machine's folder: not the entrant's doing
        raise HarnessError.short_of(f"write {package.label} to {path.parent}", exc) from exc
    return path


_sandboxes = _SandboxCache(SANDBOXES_KEPT)
