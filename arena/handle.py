"""Agent handles: what the match runner drives, whether the agent runs here or in a sandbox.

A handle is started once for a seat, reset before each game and asked for actions. Anything an
agent does wrong surfaces as an `AgentFault` with a status; the runner never sees the agent's
own exceptions. Asking for an action is split in two (`request_action`, then `await_action`) so
simultaneous-move games can let every agent think at once; starting and resetting are split the
same way (`request_start`/`await_start`, `request_reset`/`await_reset`) so that every agent of a
match gets ready at once. A handle that does nothing in the background keeps the defaults: the
request is remembered and the await does the work.
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from abc import ABC, abstractmethod
from bisect import bisect_left, insort
from collections import deque
from typing import Any, Callable, Iterable, Iterator

from arena.errors import ArenaError
from arena.faults import AgentFault, Status, describe_exception
from arena.global_seeds import OwnGenerators, seed_for_building, seed_for_game
from arena.own_modules import OwnModules
from arena.sandbox.clock import Clock, harness_waits


RECENT_MOVES = 128  # the moves of a handle whose times it keeps (`AgentHandle.recent_moves`)


class RecentMoves:
    """The times of a seat's latest `size` moves, in the order they were made, and `ordered`: the same
    times from the quickest to the slowest, kept sorted as they come (a step of a game where all move at
    once reads three of them; sorting them all at each step cost more than the rest of that reading)."""

    def __init__(self, size: int = RECENT_MOVES):
        self._made: deque[float] = deque(maxlen=size)
        self.ordered: list[float] = []

    def append(self, seconds: float) -> None:
        made = self._made
        if len(made) == made.maxlen:
            del self.ordered[bisect_left(self.ordered, made[0])]  # the oldest goes as this one comes
        made.append(seconds)
        insort(self.ordered, seconds)

    def extend(self, times: Iterable[float]) -> None:
        for seconds in times:
            self.append(seconds)

    def __iter__(self) -> Iterator[float]:
        return iter(self._made)

    def __len__(self) -> int:
        return len(self._made)


class AgentHandle(ABC):
    """One agent as the match runner sees it."""

    name: str
    time_per_move: float | None  # seconds; None for no limit
    time_used: float = 0.0  # seconds of thinking charged to it in the current game
    # Seconds its start for the current game took it, off the game's clock, less the first load of its
    # code (a cost paid once, however many games follow).
    time_to_start: float = 0.0
    # Its code was loaded here before, by a handle closed to make room: this load counts in `time_to_start`.
    loaded_before: bool = False
    # Whether `start` hands its seat's view to an agent here, which then needs private seeded spaces;
    # a sandboxed agent's process builds its own.
    seats_an_agent_here: bool = True
    forfeit_reason: str | None = None  # why its submission could not be loaded: it forfeits every match

    @abstractmethod
    def start(self, seat: Any) -> None:
        """Build the agent if needed and hand it its seat (`Agent.get_env_info`)."""

    @abstractmethod
    def reset(self) -> None:
        """Start of a game."""

    @abstractmethod
    def request_action(self, observation: Any) -> None:
        """Give the agent an observation to think about."""

    @abstractmethod
    def await_action(self) -> Any:
        """The action for the last observation, or AgentFault."""

    def act(self, observation: Any) -> Any:
        self.request_action(observation)
        return self.await_action()

    def request_start(self, seat: Any) -> None:
        """Begin `start(seat)`; `await_start()` finishes it."""
        self._seat_to_start = seat

    def await_start(self) -> None:
        self.start(self._seat_to_start)

    def request_reset(self) -> None:
        """Begin `reset()`; `await_reset()` finishes it."""

    def await_reset(self) -> None:
        self.reset()

    @property
    def recent_moves(self) -> RecentMoves:
        """How long its latest RECENT_MOVES moves took from being asked to its answer, kept from game to game:
        in games where all move at once, each seat holds the game as long as its slower recent moves
        (`arena.match`). A handle opened again for the same agent is given the one before's (see
        `tournament.blocks`)."""
        if "_recent_moves" not in self.__dict__:
            self._recent_moves = RecentMoves()
        return self._recent_moves

    @recent_moves.setter
    def recent_moves(self, moves: RecentMoves) -> None:
        self._recent_moves = moves

    def pending_answer(self) -> tuple[int, float] | None:
        """For a handle whose agent works on a request in the background: a descriptor that becomes
        readable as the answer comes, and the time.monotonic() by which it is due; asked again
        each time the descriptor is readable, None once the await call can take the answer without
        waiting. None (here) for a handle that makes its answer in the await call."""
        return None

    def memory_held(self) -> int:
        """Bytes its agent's processes hold now, outside the harness's own process (0 here: none)."""
        return 0

    def memory_allowed(self) -> int:
        """The most bytes its agent's processes may hold (0 here: it has none of its own)."""
        return 0

    def faulted(self) -> None:
        """Its agent faulted in the game being played (the runner judged an action illegal, say): a
        handle that keeps a process for its agent starts a new one for its next game."""

    def close(self) -> None:
        """Release the agent (its process, if any)."""

    def __enter__(self) -> AgentHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class LocalAgent(AgentHandle):
    """An agent run inside this process: fast and easy to debug, but not isolated.

    `agent` is an Agent, or a zero-argument factory that builds one (called by `start`, so
    errors in a submission's import or constructor become a `crash`). Its clock is a sandbox's:
    `time_per_move` a move plus a `time_bank` for the game, its own time charged (not the time its
    thread waited for a CPU); a move over what is left is judged a timeout after the fact, since it
    cannot be interrupted here.

    An agent built from a factory is built and seated anew (`get_env_info`) every game, as a
    sandboxed submission is; an Agent object you pass in is seated only if not yet `initialized`, so
    a model it trained in memory is kept (it still gets each game's seeded spaces). A submission's
    (`arena.entrants.submission_handle`) runs as in a sandbox: with its own `modules` and global
    generators of its own, `seeded` for each game (yours are left as you seeded them).
    """

    def __init__(self, agent: Any, name: str | None = None, time_per_move: float | None = None,
                 code_root: str | None = None, shown_root: str | None = None, workdir: str | None = None,
                 modules: OwnModules | None = None, seeded: bool = False, time_bank: float = 0.0,
                 start_error: Callable[[BaseException], str] | None = None):
        self._factory: Callable[[], Any] | None = agent if _is_factory(agent) else None
        self.agent = None if self._factory else agent
        self.name = name or getattr(agent, "__name__", None) or type(agent).__name__
        self.time_per_move = time_per_move
        self.clock = Clock(time_per_move, time_bank) if time_per_move is not None else None
        self.code_root = code_root  # where the agent's source lives, to point error messages at it
        self.shown_root = shown_root  # the folder its tracebacks name instead (the user's, not a private copy)
        self.workdir = workdir  # the folder its calls run in, as a sandboxed submission's run in its own
        self.modules = modules  # a submission's: under their own names while its calls run, as in a sandbox
        self.seeded = seeded  # a submission's global generators, seeded every game as in a sandbox
        self.start_error = start_error  # what to say of an exception as it is built and seated, if not the usual
        self.generators = OwnGenerators() if seeded else None  # and its own, not its opponent's or yours
        self.time_used = 0.0
        self._bank_told = time_bank  # what the agent was last told is left of its bank
        self._pending: Any = None

    def start(self, seat: Any) -> None:
        started = time.perf_counter()
        first_load = self.agent is None and not self.loaded_before  # paid once: not counted
        try:
            with self._running():
                if self._factory is not None:
                    self.agent = self._built(seat)
                self._seat(seat)
        except Exception as exc:
            raise self._fault(Status.CRASH, "failed to start", exc, self.start_error) from None
        finally:
            self.time_to_start = 0.0 if first_load else time.perf_counter() - started

    def _built(self, seat: Any) -> Any:
        """A new agent from the factory, a submission's built with the global generators seeded as in a
        sandbox (`arena.global_seeds`), then seeded for the game of `seat`."""
        if not self.seeded:
            return self._factory()
        seed_for_building()
        agent = self._factory()
        seed_for_game(seat.seed)
        return agent

    def _seat(self, seat: Any) -> None:
        from arena.agents.base import TimeControl

        if self.clock is not None:
            self.agent.time_control = TimeControl(self.clock.per_move, self.clock.bank)
            self._bank_told = self.clock.bank
        if self._factory is not None or not self.agent.initialized:
            self.agent.get_env_info(seat)
        else:
            agent = self.agent
            agent.observation_space, agent.action_space = seat.observation_space, seat.action_space
            agent.obs_helper, agent.act_helper = seat.obs_helper, seat.act_helper

    def reset(self) -> None:
        self.time_used = 0.0
        if self.clock is not None:
            self.clock.restart()
        self._timed("reset()", self.agent.reset)  # as a move, as in a sandbox: work for the game, on its time

    def request_action(self, observation: Any) -> None:
        self._pending = observation

    def await_action(self) -> Any:
        return self._timed("predict()", self._predict)

    def _predict(self) -> Any:
        clock = self.clock
        # Told as a sandbox tells it, once moves drew on it; on the move's time, as setting it runs the
        # agent's code where it is a property of its own.
        if clock is not None and clock.bank_left != self._bank_told:
            from arena.agents.base import TimeControl  # here: most moves tell nothing, and an import costs a call

            self.agent.time_control = TimeControl(clock.per_move, clock.bank, clock.bank_left)
            self._bank_told = clock.bank_left
        return self.agent.predict(self._pending)

    def _timed(self, what: str, call: Callable[[], Any]) -> Any:
        """What `call` (the agent's `what`) returns, its time charged to the clock as a sandbox charges a call."""
        clock = self.clock
        waited = harness_waits() if clock is not None else 0
        started = time.perf_counter()
        try:
            with self._running():
                answer = call()
        except Exception as exc:
            self._spend(self._own_time(started, waited))  # a failed call is its time too, as in a sandbox
            raise self._fault(Status.CRASH, f"{what} failed", exc) from None
        if clock is None:  # the common case, kept to one subtraction
            self.time_used += time.perf_counter() - started
            return answer
        elapsed = self._own_time(started, waited)
        allowance = clock.allowance()
        if not self._spend(elapsed):
            limit = f"{clock.per_move:g} s"
            if clock.bank:
                limit += f" a move plus {allowance - clock.per_move:.3g} s left of a {clock.bank:g} s bank"
            took = "for a move" if what == "predict()" else f"in {what}"
            raise AgentFault(Status.TIMEOUT, f"took {elapsed:.3f} s {took}; the limit is {limit}")
        return answer

    def _own_time(self, started: float, waited: int) -> float:
        """The time since `started`; on a clock, as in a sandbox, less what it waited for a CPU that other
        work held (`waited`: the harness's waits then), which is not its own."""
        elapsed = time.perf_counter() - started
        return elapsed if self.clock is None else max(elapsed - (harness_waits() - waited) / 1e9, 0.0)

    def _spend(self, elapsed: float) -> bool:
        """Charge `elapsed`; whether it was within the clock's allowance."""
        self.time_used += elapsed
        return self.clock is None or self.clock.spend(elapsed)

    @contextlib.contextmanager
    def _running(self) -> Iterator[None]:
        """Run the agent's code in its `workdir` (relative paths, a model file beside its code, resolve there),
        with its own `modules` and `generators`, and come back."""
        with self.modules or contextlib.nullcontext(), self.generators or contextlib.nullcontext():
            if self.workdir is None:
                yield
                return
            back = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                os.chdir(self.workdir)
                yield
            finally:
                os.fchdir(back)
                os.close(back)

    def _fault(self, status: Status, what: str, exc: Exception,
               describe: Callable[[BaseException], str] | None = None) -> AgentFault:
        if describe is not None:
            why = describe(exc)
        else:  # arena's own errors (a missing entry class, say) already read as one clear line
            why = str(exc) if isinstance(exc, ArenaError) else describe_exception(exc, self.code_root)
        trace = traceback.format_exc()
        if self.code_root and self.shown_root:
            trace = trace.replace(f'"{os.path.join(self.code_root, "")}', f'"{os.path.join(self.shown_root, "")}')
        return AgentFault(status, f"{what}: {why}", trace)


def _is_factory(agent: Any) -> bool:
    """A class or a plain function, as opposed to an agent object."""
    return isinstance(agent, type) or (callable(agent) and not hasattr(agent, "predict"))


class ForfeitingAgent(AgentHandle):
    """Stands in for a submission that cannot be loaded: it forfeits every match it is in."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self.time_per_move = None
        self.forfeit_reason = reason

    def start(self, seat: Any) -> None:
        raise AgentFault(Status.FORFEIT, self.forfeit_reason)

    def reset(self) -> None:
        raise AgentFault(Status.FORFEIT, self.forfeit_reason)

    def request_action(self, observation: Any) -> None:
        raise AgentFault(Status.FORFEIT, self.forfeit_reason)

    def await_action(self) -> Any:
        raise AgentFault(Status.FORFEIT, self.forfeit_reason)
