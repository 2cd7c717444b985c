"""Playing one match: the game loop, action checks, scores, ranks and the action log.

    result = play_match("othello", [RandomAgent(), GreedyOthelloAgent()], seed=0)
    print(result.winner, result.outcome)

`agents` are given in seat order (`player_0` first) or as a mapping seat -> agent; each is an
`Agent` (run in this process) or an `AgentHandle` (for example a sandboxed submission). An agent's
score is the sum of its rewards, unless the env ranks its games itself through `final_scores()`
(snake: survival order, then length); ranks follow the scores. A fault (crash, timeout, illegal
action, forfeit) ends the match at once: the faulting agent scores -1 and ranks last (with every other
whose submission could not be loaded), every other agent scores +1 and shares first place. In a game of
more than two seats that can take one out (`env.eliminate(seat)`: snake), a fault takes only the
faulting seat out and the others play on: it scores -1 and ranks below every seat that played on, a
seat out later above one out earlier (`MatchResult.eliminated`). In games where all move at once the
seats are still asked one after another, on the same observations, so that no agent thinks while
another does; each holds the game as long as its slower recent moves took it, so that none can time
another's move (`_Game._hold`).
"""

from __future__ import annotations

import copy
import math
import select
import time
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping, Sequence

from arena import __version__
from arena.actions import checked_action, loggable
from arena.arguments import MAX_SEED
from arena.cpus import kept_on_current_cpu
from arena.envs import EnvSpec, make_raw, seat_view, spec_of
from arena.errors import HarnessError
from arena.faults import AgentFault, Status
from arena.handle import AgentHandle, LocalAgent

# In games where all move at once each seat holds the game, each move, as long as the HOLD_RANK-th slowest of
# its recent moves took it (`AgentHandle.recent_moves`), but past HOLD_CAP times their median only as far as
# the slowest of its usual moves (all but its slowest SLOW_SHARE), never past its time a move, less
# UNHIDDEN_SECONDS (a difference the harness's own jitter hides): other seats cannot time its moves, however
# far apart its quick and slow ones, unless the slow ones are rarer than SLOW_SHARE; an agent whose moves
# take alike but for a rare outlier (a garbage collection, a wait for a page) is held for none (`_Game._hold`).
HOLD_RANK, HOLD_CAP, SLOW_SHARE, UNHIDDEN_SECONDS = 3, 2.0, 0.1, 0.0001
SPIN_SECONDS = 0.002  # the end of a wait spun, not slept


@dataclass
class AgentResult:
    """How one agent did in a match."""

    name: str
    seat: str
    score: float
    rank: int  # 1 is best; tied scores share a rank
    status: Status = Status.OK
    detail: str = ""  # why, when status is not ok
    moves: int = 0
    # Seconds its clock charged it (waiting for a CPU not counted): a measurement, not an outcome.
    time_used: float = field(default=0.0, compare=False)
    # Seconds its start took it, off its clock (not counting the first load of its code), and seconds it held
    # the game where all move at once (`_Game._hold`): with time_used, its own time in the game, by which
    # `arena serve` shares play.
    time_to_start: float = field(default=0.0, compare=False)
    time_held: float = field(default=0.0, compare=False)


@dataclass
class Fault:
    """A fault that ended a match early, or took a seat out of it: whose, what, and in which phase (start,
    reset or move)."""

    seat: str
    status: Status
    detail: str
    phase: str
    traceback: str = field(default="", compare=False)


@dataclass
class MatchResult:
    """Everything about a finished match; with `actions` it is also its replay (see arena.replay)."""

    env: str
    env_options: dict[str, Any]
    seed: int
    agents: list[AgentResult]  # in seat order
    outcome: str  # one line for people, e.g. "black 40 - white 24"
    actions: dict[str, list[Any]]  # every action of every seat, in order
    steps: int
    max_steps: int | None = None
    cut_short: bool = field(default=False, compare=False)  # stopped at max_steps, the game not over: scored as it stood
    fault: Fault | None = None  # the fault that ended the match
    eliminated: list[Fault] = field(default_factory=list)  # the faults that took seats out of a game played on
    failed_too: list[Fault] = field(default_factory=list)  # other seats' that failed to start beside `fault`'s
    duration: float = field(default=0.0, compare=False)
    # What played it: the game's rules version (a replay re-simulates only under the same) and arena's.
    rules_version: int | None = field(default=None, compare=False)
    arena_version: str | None = field(default=None, compare=False)

    @property
    def winner(self) -> str | None:
        """Name of the single first-ranked agent; None for a draw."""
        first = [a for a in self.agents if a.rank == 1]
        return first[0].name if len(first) == 1 else None

    @property
    def shown_outcome(self) -> str:
        """`outcome`, saying so where the game was cut short at `max_steps` (a draw in many games, whatever
        the score shows)."""
        if not self.cut_short:
            return self.outcome
        return (f"{self.outcome} (cut short at --max-steps {self.max_steps}: unfinished, scored by the rewards given "
                "so far)")

    def agent(self, name_or_seat: str) -> AgentResult:
        return next(a for a in self.agents if name_or_seat in (a.name, a.seat))

    @property
    def faults(self) -> list[Fault]:
        """Every fault of the match, in the order they happened."""
        return [*self.eliminated, *([self.fault] if self.fault else []), *self.failed_too]

    def fault_of(self, seat: str) -> Fault | None:
        """`seat`'s fault, None if it had none."""
        return next((fault for fault in self.faults if fault.seat == seat), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as `dataclasses.asdict` gives it, without deep-copying every action."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["env_options"] = copy.deepcopy(self.env_options)
        data["agents"] = [_fields_of(a) for a in self.agents]
        data["actions"] = {seat: [a if isinstance(a, (int, float, str)) else copy.deepcopy(a) for a in actions]
                           for seat, actions in self.actions.items()}
        data["fault"] = self.fault and _fields_of(self.fault)
        data["eliminated"] = [_fields_of(fault) for fault in self.eliminated]
        data["failed_too"] = [_fields_of(fault) for fault in self.failed_too]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatchResult:
        data = dict(data)
        data["agents"] = [AgentResult(**{**a, "status": Status(a["status"])}) for a in data["agents"]]
        if data.get("fault"):
            data["fault"] = _fault_from(data["fault"])
        data["eliminated"] = [_fault_from(fault) for fault in data.get("eliminated", [])]
        data["failed_too"] = [_fault_from(fault) for fault in data.get("failed_too", [])]
        return cls(**data)


def _fault_from(data: dict[str, Any]) -> Fault:
    return Fault(**{**data, "status": Status(data["status"])})


def _fields_of(flat: AgentResult | Fault) -> dict[str, Any]:
    """`dataclasses.asdict` of a dataclass whose fields are all plain values, without its deep copies."""
    return {f.name: getattr(flat, f.name) for f in fields(flat)}


def play_match(
    env: Any,
    agents: Sequence[Any] | Mapping[str, Any],
    seed: int = 0,
    *,
    max_steps: int | None = None,
    on_step: Callable[[Any], None] | None = None,
    eliminate: bool = True,
) -> MatchResult:
    """Play one game of `env` (a registered name or an env from `arena.envs.make`) between `agents`.

    `max_steps` caps the number of env steps (the game is then cut short and scored as it stands);
    `on_step(env)` is called after the reset and after every step, e.g. to render frames. With
    `eliminate` False a fault ends the match even where it could take only the faulting seat out, as
    arena played every game before it could (its replays play so).
    """
    if not 0 <= seed <= MAX_SEED:  # agents seed numpy with it
        raise ValueError(f"seed must be a whole number from 0 to 2**63 - 1, got {seed!r}")
    if isinstance(env, (str, EnvSpec)):
        spec = env if isinstance(env, EnvSpec) else EnvSpec(env)
        env = make_raw(spec.name, **spec.options)
    spec = spec_of(env)
    seats = list(env.unwrapped.possible_agents)
    handles = _handles_by_seat(agents, seats)
    if hasattr(env.unwrapped, "player_names"):  # the outcome (and any picture) names the players, not their seats
        env.unwrapped.player_names = {seat: handle.name for seat, handle in handles.items()}
    game = _Game(env, handles, seed, max_steps, on_step, eliminate)
    started = time.perf_counter()
    # Sandboxed agents that take turns with this thread are kept on its CPU: keep it there too.
    with kept_on_current_cpu():
        try:
            game.all_at_once("start", lambda seat: handles[seat].request_start(
                                 seat_view(env, seat, seed, private=handles[seat].seats_an_agent_here)),
                             lambda seat: handles[seat].await_start())
            game.one_by_one("reset", lambda handle: handle.reset())
            game.play()
        except AgentFault as fault:
            if game.fault is None:  # else the game would end as if nothing had happened, every seat ok
                raise HarnessError(f"a fault ended the game before any seat's call recorded it ({fault.detail}); "
                                   "the game is not recorded, to be played again") from fault
            # recorded by game.phase; the match ends here
    return game.result(spec, time.perf_counter() - started, env.unwrapped.metadata.get("rules_version", 1))


def rank(scores: Sequence[Any]) -> list[int]:
    """Competition ranks for scores (numbers, or tuples compared in order), highest first: [3, 5, 3] -> [2, 1, 2]."""
    return [1 + sum(other > score for other in scores) for score in scores]


class _Game:
    """State of one match in progress."""

    def __init__(self, env: Any, handles: dict[str, AgentHandle], seed: int, max_steps: int | None, on_step,
                 eliminate: bool):
        self.env = env
        self.raw = env.unwrapped
        self.handles = handles
        self.seed = seed
        self.max_steps = max_steps
        self.on_step = on_step or (lambda env: None)
        self.scores = dict.fromkeys(handles, 0.0)
        self.actions: dict[str, list[Any]] = {seat: [] for seat in handles}
        self.steps = 0
        self.cut_short = False  # stopped at max_steps with the game still on
        self.fault: Fault | None = None
        # Games of more than two seats that can take one out go on without a seat that faults (`phase`).
        self.eliminating = (eliminate and len(handles) > 2 and hasattr(self.raw, "eliminate")
                            and not hasattr(env, "agent_iter"))
        self.eliminated: list[Fault] = []
        self.under_way = False  # the env is reset: a seat out leaves it at once
        self.forfeits: dict[str, str] = {}  # seats whose submissions could not be loaded, and why
        self.failed_too: list[Fault] = []  # seats that failed to start beside the one whose fault is recorded
        self.held = dict.fromkeys(handles, 0.0)  # seconds each seat held the game (`_hold`)
        # The seats another seat could time: one running elsewhere, a sandbox, sees only when it is asked.
        self.timed = {seat for seat in handles
                      if any(not other.seats_an_agent_here for name, other in handles.items() if name != seat)}

    def phase(self, seat: str, name: str, call: Callable[[], Any]) -> Any:
        """Run one of `seat`'s calls, recording the fault if it fails: one that ends the match (AgentFault
        raised on), or in an eliminating game one that takes the seat out of it (_SeatOut raised)."""
        try:
            return call()
        except AgentFault as fault:
            recorded = Fault(seat, fault.status, fault.detail, name, fault.traceback)
            self.handles[seat].faulted()
            if not self.eliminating:
                self.fault = recorded
                raise
            self.eliminated.append(recorded)
            if self.under_way:
                self.raw.eliminate(seat)
            raise _SeatOut from fault

    def one_by_one(self, phase: str, call: Callable[[AgentHandle], Any]) -> None:
        """`call(handle)` for every seat in play, one after another: on the game's clocks, as moves."""
        for seat, handle in self.in_play():
            try:
                self.phase(seat, phase, lambda: call(handle))
            except _SeatOut:
                pass

    def in_play(self) -> list[tuple[str, AgentHandle]]:
        """The seats not taken out of the game, with their handles, in seat order."""
        out = {fault.seat for fault in self.eliminated}
        return [(seat, handle) for seat, handle in self.handles.items() if seat not in out]

    def all_at_once(self, phase: str, request: Callable[[str], None], finish: Callable[[str], None]) -> None:
        """Every seat's `phase` (their start, off the game's clocks), the agents working in parallel.

        A submission that could not be loaded loses, whatever its seat: the first such ends the match.
        Else the fault recorded is the one the seats would give one after another: the first seat's
        in seat order, and no seat after a seat whose request failed is asked at all. Every other
        seat whose start is seen to fail loses too (`failed_too`), beside those that could not be
        loaded as well: one broken submission wins nothing against another for its seat. In an
        eliminating game every seat is asked but those that could not be loaded, and each fault
        takes its seat out.
        """
        self.forfeits = {seat: handle.forfeit_reason for seat, handle in self.handles.items()
                         if handle.forfeit_reason is not None}
        forfeited = {seat: (False, AgentFault(Status.FORFEIT, reason)) for seat, reason in self.forfeits.items()}
        if self.eliminating:
            self.judge(phase, forfeited)
        requested: list[str] = []
        refused: dict[str, Outcome] = {}
        for seat, _ in self.in_play():
            if seat in self.forfeits:
                continue
            try:
                request(seat)
            except AgentFault as fault:
                refused[seat] = (False, fault)
                if not self.eliminating:
                    break
                continue
            requested.append(seat)
        outcomes = {**({} if self.eliminating else forfeited), **self.gather(requested, finish, every_seat=True),
                    **refused}  # forfeits first, then in seat order
        if not self.eliminating:
            for seat in [seat for seat, (ok, _) in outcomes.items() if not ok][1:]:
                fault = outcomes.pop(seat)[1]
                if seat not in self.forfeits:  # those are told as forfeits
                    self.failed_too.append(Fault(seat, fault.status, fault.detail, phase, fault.traceback))
                    self.handles[seat].faulted()
        self.judge(phase, outcomes)

    def gather(self, seats: list[str], answer: Callable[[str], Any], every_seat: bool = False) -> dict[str, Outcome]:
        """Each seat's `answer(seat)` (its await call), or its fault, for calls the agents work on at once.

        Answers are taken as they arrive, so that no agent's clock runs on while the harness waits
        for another's: first, in seat order, those of handles that make their answer in the await
        call itself (stopping at the first fault, no seat after it judged, unless `every_seat`), then the others as
        their whole answers come (`pending_answer` is None once one can be taken without waiting).
        One whose answer is overdue is awaited alone: its handle decides whether it has run out
        of time.
        """
        outcomes: dict[str, Outcome] = {}
        background: dict[str, tuple[int, float]] = {}
        for seat in seats:
            pending = self.handles[seat].pending_answer()
            if pending is not None:
                background[seat] = pending
                continue
            outcomes[seat] = _outcome(lambda: answer(seat))
            if not outcomes[seat][0] and not (self.eliminating or every_seat):
                break
        poller = select.poll()
        seat_of = {}
        for seat, (fd, _) in background.items():
            poller.register(fd, select.POLLIN)
            seat_of[fd] = seat
        while background:
            first_due = min(background, key=lambda seat: background[seat][1])
            timeout = max(background[first_due][1] - time.monotonic(), 0.0)
            ready = [seat_of[fd] for fd, _ in poller.poll(timeout * 1000)]
            # A pipe that holds only part of an answer is read, and waited on again.
            answered = [seat for seat in ready if self.handles[seat].pending_answer() is None]
            for seat in answered if ready else [first_due]:
                poller.unregister(background.pop(seat)[0])
                outcomes[seat] = _outcome(lambda: answer(seat))
        return {seat: outcomes[seat] for seat in seats if seat in outcomes}

    def judge(self, name: str, outcomes: dict[str, Outcome],
              check: Callable[[str, Any], Any] = lambda seat, value: value) -> dict[str, Any]:
        """Each seat's value passed through `check`, in seat order; the first fault is recorded
        (`phase`) and ends the match, or in an eliminating game each takes its seat out."""
        judged = {}
        for seat, (ok, value) in outcomes.items():
            try:
                judged[seat] = self.phase(seat, name, lambda: check(seat, value) if ok else _raise(value))
            except _SeatOut:
                pass
        return judged

    def play(self) -> None:
        if hasattr(self.env, "agent_iter"):
            self._play_turns()
        else:
            self._play_simultaneous()

    def _play_turns(self) -> None:
        env = self.env
        env.reset(seed=self.seed)
        self.on_step(env)
        limit = 1 << 62 if self.max_steps is None else self.max_steps
        for seat in env.agent_iter():
            observation, reward, terminated, truncated, _ = env.last()
            self.scores[seat] += reward
            if terminated or truncated:
                env.step(None)
                continue
            if self.steps >= limit:
                # Cut short: count the rewards the others have not collected yet.
                self.cut_short = True
                for other in env.agents:
                    if other != seat:
                        self.scores[other] += self.raw._cumulative_rewards[other]
                return
            action = self.phase(seat, "move", lambda: self._checked(seat, self.handles[seat].act(observation), observation))
            env.step(action)
            self.steps += 1
            self.on_step(env)

    def _play_simultaneous(self) -> None:
        env = self.env
        observations, _ = env.reset(seed=self.seed)
        self.under_way = True
        for fault in self.eliminated:  # seats out before the game began: they leave before its first move
            self.raw.eliminate(fault.seat)
        self.on_step(env)
        while env.agents and (self.max_steps is None or self.steps < self.max_steps):
            # The seats think one after another, on the same observations: none runs while another
            # does, so none can slow another's thinking (caches, memory bandwidth) or watch it happen;
            # each holds the game as long as its slower recent moves took it, so none can time another's.
            actions = {}
            seats = list(env.agents)
            for seat in seats:
                asked = time.perf_counter()
                try:
                    actions[seat] = self.phase(seat, "move", lambda: self._checked(
                        seat, self.handles[seat].act(observations[seat]), observations[seat]))
                except _SeatOut:
                    continue
                if seat != seats[-1]:  # the last one's move is played at once: none is asked before it shows
                    self._hold(seat, time.perf_counter() - asked)
            observations, rewards, _, _, _ = env.step(actions)
            for seat, reward in rewards.items():
                self.scores[seat] += reward
            self.steps += 1
            self.on_step(env)
        self.cut_short = bool(env.agents)

    def _hold(self, seat: str, thought: float) -> None:
        """Wait, `seat` having answered a move `thought` seconds after it was asked, as long as one of
        its slower recent moves took it beyond that (see HOLD_RANK). Times from asking to answer, not
        its clock's: what a seat asked after it sees, waits for a CPU included (on a busy machine they
        stretch its slow moves, which a hold made of its clock's times would leave showing).

        A seat asked after it sees when it is asked: were that as soon as this one answered, it would
        know how long this one thought about the same step, and so its move wherever its thinking time
        depends on it (a search cut short on a forced move, a branch taken to attack). Held, its quick
        and slow moves look alike; only a move slower than nearly all its recent ones, or slower than all
        but a few of them (SLOW_SHARE) and than twice their median, shows, as slower. Its time, though not
        on its clock (`AgentResult.time_held`).
        """
        if seat not in self.timed:
            return
        handle = self.handles[seat]
        handle.recent_moves.append(thought)
        hold = seconds_to_hold(handle.recent_moves.ordered, thought, handle.time_per_move)
        if hold > 0:
            _wait(hold)
            self.held[seat] += hold

    def _checked(self, seat: str, action: Any, observation: Any) -> Any:
        mask = observation.get("action_mask") if isinstance(observation, dict) else None
        action = checked_action(action, self.raw.action_space(seat), mask, getattr(self.raw, "action_name", None))
        self.actions[seat].append(loggable(action))
        return action

    def result(self, spec: EnvSpec, duration: float, rules: int) -> MatchResult:
        seats = list(self.handles)
        out = {fault.seat: fault for fault in self.eliminated}
        if self.fault is None:
            final = self.raw.final_scores() if hasattr(self.raw, "final_scores") else self.scores
            scores = [-1.0 if seat in out else float(final[seat]) for seat in seats]
            outcome = self.raw.outcome_text() if hasattr(self.raw, "outcome_text") else _score_text(seats, scores)
            outcome += "".join(f"; {self.handles[seat].name} out by {fault.status}: {fault.detail}"
                               for seat, fault in out.items())
            # A seat out ranks below every seat that played on, one out later above one out earlier.
            places = rank([(0, len(self.actions[seat])) if seat in out else (1, score)
                           for seat, score in zip(seats, scores)])
        else:
            # No one wins against a submission that could not play either.
            losers = {self.fault.seat, *self.forfeits, *(fault.seat for fault in self.failed_too)}
            scores = [-1.0 if seat in losers else 1.0 for seat in seats]
            outcome = "; ".join(f"{self.handles[fault.seat].name} lost by {fault.status}: {fault.detail}"
                                for fault in [self.fault, *self.failed_too])
            places = rank(scores)
        faults = {seat: (Status.FORFEIT, reason) for seat, reason in self.forfeits.items()}
        for fault in [*self.eliminated, *self.failed_too, *([self.fault] if self.fault else [])]:
            faults[fault.seat] = (fault.status, fault.detail)
        agents = [
            AgentResult(
                name=self.handles[seat].name,
                seat=seat,
                score=score,
                rank=place,
                status=faults.get(seat, (Status.OK, ""))[0],
                detail=faults.get(seat, (Status.OK, ""))[1],
                moves=len(self.actions[seat]),
                time_used=round(self.handles[seat].time_used, 6),
                time_to_start=round(self.handles[seat].time_to_start, 6),
                time_held=round(self.held[seat], 6),
            )
            for seat, score, place in zip(seats, scores, places)
        ]
        return MatchResult(
            env=spec.name,
            env_options=dict(spec.options),
            seed=self.seed,
            agents=agents,
            outcome=outcome,
            actions=self.actions,
            steps=self.steps,
            max_steps=self.max_steps,
            cut_short=self.cut_short and self.fault is None,
            fault=self.fault,
            eliminated=self.eliminated,
            failed_too=self.failed_too,
            duration=duration,
            rules_version=rules,
            arena_version=__version__,
        )


def seconds_to_hold(ordered: Sequence[float], thought: float, per_move: float | None) -> float:
    """How long a seat whose latest move took `thought` seconds (one of its recent moves' times, `ordered`
    from the quickest to the slowest) holds the game: up to its HOLD_RANK-th slowest recent move, at most
    HOLD_CAP times their median or the slowest of all but its slowest SLOW_SHARE if more, and at most its
    time a move `per_move`, less UNHIDDEN_SECONDS; 0 while it has made too few moves to tell."""
    if len(ordered) < HOLD_RANK:
        return 0.0
    usual = max(HOLD_CAP * ordered[len(ordered) // 2], ordered[math.ceil((1 - SLOW_SHARE) * len(ordered)) - 1])
    target = min(ordered[-HOLD_RANK], usual, per_move or math.inf)
    return max(target - thought - UNHIDDEN_SECONDS, 0.0)


def _wait(seconds: float) -> None:
    """Return `seconds` from now, to a few microseconds. The last SPIN_SECONDS of a wait are spun (no
    agent runs meanwhile: the seats take turns): a sleep wakes up to 50 us late, and leaves the CPU to
    other work that cools its caches, which makes the seats' next moves slower, and the next waits longer."""
    until = time.perf_counter() + seconds
    if seconds > SPIN_SECONDS:
        time.sleep(seconds - SPIN_SECONDS)
    while time.perf_counter() < until:
        pass


def _raise(fault: AgentFault) -> None:
    raise fault


class _SeatOut(Exception):
    """A seat's fault took it out of an eliminating game, which goes on without it (`_Game.phase`)."""


Outcome = tuple[bool, Any]  # (True, what a call returned) or (False, the AgentFault it raised)


def _outcome(call: Callable[[], Any]) -> Outcome:
    try:
        return True, call()
    except AgentFault as fault:
        return False, fault


def _handles_by_seat(agents: Sequence[Any] | Mapping[str, Any], seats: list[str]) -> dict[str, AgentHandle]:
    if isinstance(agents, Mapping):
        missing = [seat for seat in seats if seat not in agents]
        if missing or len(agents) != len(seats):
            raise ValueError(f"agents must fill exactly the seats {seats}; got {sorted(agents)}")
        chosen = [agents[seat] for seat in seats]
    else:
        if len(agents) != len(seats):
            raise ValueError(f"this env has {len(seats)} seats ({', '.join(seats)}) but {len(agents)} agents were given")
        chosen = list(agents)
    handles = [a if isinstance(a, AgentHandle) else LocalAgent(a) for a in chosen]
    _make_names_unique(handles)
    return dict(zip(seats, handles))


def _make_names_unique(handles: list[AgentHandle]) -> None:
    """Two agents called 'random' become 'random' and 'random-2', so results can tell them apart."""
    for handle, name in zip(handles, unique_names([h.name for h in handles])):
        handle.name = name


def unique_names(names: Sequence[str]) -> list[str]:
    """`names` with repeats numbered in order: ['random', 'random', 'x'] -> ['random', 'random-2', 'x'];
    a numbered name already taken moves on to the next free number."""
    taken: list[str] = []
    for name in names:
        shown, count = name, 1
        while shown in taken:
            count += 1
            shown = f"{name}-{count}"
        taken.append(shown)
    return taken


def _score_text(seats: list[str], scores: list[float]) -> str:
    return ", ".join(f"{seat} {score:g}" for seat, score in zip(seats, scores))
