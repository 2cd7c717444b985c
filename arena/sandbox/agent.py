"""The harness side of a sandboxed agent: a worker process per agent, clocks, and recorded faults."""

from __future__ import annotations

import ctypes
import functools
import glob
import itertools
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, NoReturn, TypeVar

from arena import tempdirs
from arena.cpus import allowed_cpus, current_cpu
from arena.errors import HarnessError
from arena.faults import AgentFault, Status, shown
from arena.handle import AgentHandle
from arena.names import file_name
from arena.sandbox import confine, file_table, isolate, launcher
from arena.sandbox.cgroups import AgentCgroup, CgroupLimits, Freezer, sweep_stale_groups
from arena.sandbox.clock import Clock, MoveTimer
from arena.sandbox.deferred_frees import DeferredFrees
from arena.sandbox.idle import IdleProof
from arena.sandbox.last_ran import LateReadings
from arena.sandbox.logs import LogCapture, new_log, release_log
from arena.sandbox.protections import namespaces_work
from arena.sandbox.protocol import Channel, ChannelClosed, ChannelTimeout, Kind, ProtocolError
from arena.submission import AgentSpec

# Accelerators an agent may open read-write when the machine has them and `Limits.accelerators` allows.
DEVICE_PATTERNS = ("/dev/nvidia*", "/dev/dri", "/dev/tenstorrent")
LATER_START = "a later game's start (its modules run anew, get_env_info())"  # the call, as faults name it
REBUILD_MARGIN = 1.5  # a later game's start may take this times its first build, beyond `game_start_seconds`


@dataclass(frozen=True)
class Limits:
    """What one agent's process may use; the organiser's settings."""

    startup_seconds: float = 60.0  # import, _gdown, _initialize
    # A later game's start in the same process (its own modules run anew, a new agent built and handed
    # that game's seat, so _initialize again): off the game's clock, so short, that no agent thinks a
    # minute a game on nobody's time; more by REBUILD_MARGIN times what running its modules and building
    # its agent took in its first start (a model loaded as a module runs), up to `startup_seconds`.
    game_start_seconds: float = 10.0
    memory_mb: int = 4096  # for all its processes together, unless the manifest asks for another amount
    max_memory_mb: int = 16384  # the most a manifest may ask for
    max_processes: int = 256  # processes and threads, all together
    # Files open at once in each of its processes: with max_processes, a bound on its share of the
    # host's table of open files (256 x 1024, about a tenth of a small machine's).
    max_open_files: int = 1024
    cpu_cores: float = 1.0  # CPU time a second for all its processes together
    disk_mb: int = 512  # what it may write (its folder and /tmp), beyond its submission's own size
    max_file_mb: int = 256  # largest single file it may write
    log_kb: int = 1024  # stdout and stderr kept per agent, over all its processes
    max_message_kb: int = 8192  # largest answer accepted from it
    landlock: bool = True  # confine file access, TCP and signals where the kernel allows
    # Open the machine's GPUs and Tenstorrent cards to the agent (DEVICE_PATTERNS). Off unless the
    # organiser trusts the agents: no freeze stops work already queued on a card, which then runs on
    # while the opponent thinks (and slows it where they share the card), and a card's memory is
    # outside every limit here.
    accelerators: bool = False
    # Keep the agent on the CPU the harness is on once both are ready: they take turns (in every
    # game the seats are asked one after another), and waking a process on another CPU can cost
    # more than the turn itself. Where the host has a cpuset, the agent cannot leave that CPU: more
    # `cpu_cores` than one then need this off.
    share_cpu_in_turns: bool = True


class SandboxedAgent(AgentHandle):
    """A submission run in its own confined worker process (see `arena.sandbox.worker`).

    The worker gets a private copy of the submission folder as its working directory, the
    limits of `limits`, and no way to reach the harness but its two pipes. Whatever the agent
    does (raise, hang, exit, segfault, exhaust memory, fork, print without end), the harness
    gets an `AgentFault` with a status and goes on; the worker and all it spawned are killed.
    Its clock charges it only the time it used, not the time it waited for a CPU. Between its
    calls every process of the agent is frozen, where the host has a cgroup freezer: nothing it
    started works on its opponent's time (see `arena.sandbox.cgroups`); an agent shown to be
    asleep on its pipe with nothing that could wake it is left so (`arena.sandbox.idle`). A
    process stops only once it leaves the kernel, so after a move the next seat's turn waits for
    that, on this agent's clock; CPU it uses after its other calls is charged to its next call.
    """

    seats_an_agent_here = False  # the worker builds the agent's view from the seat's name and seed

    def __init__(self, spec: AgentSpec, time_per_move: float, time_bank: float = 0.0, limits: Limits | None = None,
                 name: str | None = None, log_dir: str | os.PathLike | None = None):
        self.spec = spec
        self.name = name or spec.name
        self.time_per_move = time_per_move
        self.clock = Clock(time_per_move, time_bank)
        self._bank_told = time_bank  # what its worker was last told is left of the bank
        self.limits = limits or Limits()
        log_dir = Path(log_dir) if log_dir is not None else tempdirs.private_folder("arena-logs")
        self.log_path = new_log(log_dir, file_name(self.spec.name), self.spec.digest)
        self._process: launcher.LaunchedProcess | None = None
        self._channel: Channel | None = None
        self._cgroup: AgentCgroup | None = None
        self._grouped = False  # its worker's processes were all in a cgroup of ours, killed through it
        self._freezer: Freezer | None = None
        self._idle: IdleProof | None = None  # shows it cannot run between calls, where it need not be frozen
        self._changes: int | None = None  # the pipe its supervisor tells of changes the idle proof would read on
        self._timer: MoveTimer | None = None
        self._late: LateReadings | None = None  # for answers read late, where the kernel shows it
        self._frees: DeferredFrees | None = None  # what it leaves the kernel to free later, where it is frozen
        self._agent_pid: int | None = None
        self._log: LogCapture | None = None
        self._workdir: Path | None = None
        self._outstanding: str | None = None  # the call sent to the worker and not yet answered
        self._pinned: int | None = None  # the CPU the agent's process is kept on, if any
        self._faulted = False  # its agent faulted: the process is replaced before its next game
        self._confining = False  # its process has not yet said it is shut in (Kind.CONFINED)
        self._held: tuple[Kind, Any] | None = None  # the call sent only once it has said so
        self._seated = False  # its process has been seated in a game: later starts have a short budget
        self._slot: int | None = None  # the sandbox slot of this process it holds (`_take_slot`)
        self._files_bytes = 0  # its submission's files, copied into its sandbox
        self._starting = "start"  # the call that starts the game being started
        self.processes_started = 0  # worker processes started for this handle, over all its games
        self._first_load = False  # the start under way loads its code for the first time
        self._built_in = 0.0  # what running its modules and building its agent took in its first start
        self._spent = False  # its process asked to end after this game (`worker._Worker._spent`)

    @property
    def memory_mb(self) -> int:
        """The memory cap: the manifest's request up to the organiser's ceiling, else the default."""
        asked = self.spec.manifest.memory_mb
        return min(asked, self.limits.max_memory_mb) if asked else self.limits.memory_mb

    # --- AgentHandle ---------------------------------------------------------------------

    def start(self, seat: Any) -> None:
        self.request_start(seat)
        self.await_start()

    def request_start(self, seat: Any) -> None:
        self.time_to_start = 0.0
        self._first_load = self.processes_started == 0 and not self.loaded_before
        self._settle()
        ended_on_its_own = False
        if self._process is not None and (self._faulted or self._spent or self._process.poll() is not None):
            # Its agent faulted (raised, answered late, broke the protocol) or its process died or was
            # killed in an earlier game: a new process, never one in a state the fault left behind. So
            # too where its process asked to end, having set up what would pile up.
            ended_on_its_own = not self._faulted
            self.close()
        if self._process is None:
            self._spawn(seat.env_name)
            # A process that ended between games without a fault starts again on a later game's
            # budget: ending itself must not buy a first start-up's minute off the clock.
            self._seated = ended_on_its_own
        if not self.limits.share_cpu_in_turns:  # else kept where it is until `await_start` moves it to the harness's CPU
            self._place(None)
        self.clock.restart()
        self._bank_told = self.clock.bank
        self._starting = LATER_START if self._seated else "start"
        self._request(self._starting, Kind.START, {"env": seat.env_name, "options": seat.options,
                                                   "seat": seat.agent_id, "seed": seat.seed,
                                                   "clock": [self.clock.per_move, self.clock.bank]})

    def await_start(self) -> None:
        budget = self._budget(self._starting)
        try:
            report = self._expect(Kind.READY, self._starting, budget)
            self._wait_stopped(self._starting, budget)
        except AgentFault:
            self.time_to_start = self._timer.elapsed()  # all of it: it ended the match
            raise
        # Not on a game's clock, but its own time (what it runs after its answer too), by which `arena
        # serve` shares play: all of it but the first load of its code, a cost paid once.
        charged = self._timer.stop()
        self.time_to_start = 0.0 if self._first_load else charged
        report = report if isinstance(report, dict) else {}  # its process's own word: checked, and at most
        built_in = report.get("built_in")                     # the whole start it is part of took
        if self._starting == "start" and isinstance(built_in, float) and 0.0 <= built_in:
            self._built_in = min(built_in, charged)
        self._spent = report.get("spent") is True
        self._seated = True
        if self.limits.share_cpu_in_turns:
            self._place(current_cpu())

    @property
    def time_used(self) -> float:
        return self.clock.used

    def reset(self) -> None:
        self.request_reset()
        self.await_reset()

    def request_reset(self) -> None:
        self._settle()
        self._request("reset", Kind.RESET)

    def await_reset(self) -> None:
        allowance = self.clock.allowance()
        self._expect(Kind.READY, "reset()", allowance)
        self._wait_stopped("reset()", allowance)
        self._charge("reset()", allowance)  # as a move: it is work for the game, done on the game's time

    def request_action(self, observation: Any) -> None:
        if self._outstanding is not None:
            self._settle()
        clock = self.clock
        if clock.bank_left != self._bank_told:  # told only once a move drew on it: most moves send nothing more
            self._channel.post(Kind.CLOCK, [clock.per_move, clock.bank, clock.bank_left])
            self._bank_told = clock.bank_left
        self._request("predict()", Kind.ACT, observation)

    def await_action(self) -> Any:
        allowance = self.clock.allowance()
        action = self._expect(Kind.ACTION, "predict()", allowance)
        self._wait_stopped("predict()", allowance)
        self._charge("predict()", allowance)
        return action

    def _charge(self, what: str, allowance: float) -> None:
        """Take the call's time off the clock, with any wait for what it left the kernel to free; a TIMEOUT
        fault if it took more than `allowance`."""
        charged = self._timer.stop() + (self._frees.call_ended() if self._frees is not None else 0.0)
        if not self.clock.spend(charged):
            self._faulted = True
            self._kill()
            raise AgentFault(Status.TIMEOUT, self._over_time(what, allowance, charged))

    def _charge_fault(self, what: str) -> None:
        """Take a game's call that ends in a fault (out of time, its process dead, the protocol broken) off
        the clock as an answered one is, before its processes are killed: it was the agent's time all the
        same, by which `arena serve` shares play."""
        if what in ("predict()", "reset()") and self._timer is not None and not self._timer.stopped:
            self.clock.spend(self._timer.stop())

    def pending_answer(self) -> tuple[int, float] | None:
        if self._outstanding is None:
            return None
        # Only a whole answer counts: a worker that sends the start of one early must not have the
        # harness wait on it alone while the other seats' answers wait unread.
        self._channel.take_in()
        if self._confining and self._channel.next_kind() == Kind.CONFINED:
            # Shut in: its call goes out now, and its start is waited on with the others', not alone
            # (another's long start must not run down its clock while its call waits unsent).
            self._channel.receive()
            try:
                self._shut_in(self._outstanding)
            except AgentFault:
                return None  # its await call takes the fault in: its process is gone, or reads nothing
            self._channel.take_in()
        if self._channel.can_receive():
            return None
        return self._channel.read_fd, self._timer.started + self._budget(self._outstanding)

    def faulted(self) -> None:
        # Its processes go at once: work a fault left running in the kernel (copies queued behind a lock,
        # which no freeze stops) must not run on through the other seats' moves, or the next match's.
        self._faulted = True
        self._kill()

    def close(self) -> None:
        # Also after a start interrupted half-way (Ctrl-C, SIGTERM): whatever was made is undone.
        if self._process is not None and self._process.poll() is None and self._channel is not None:
            try:
                self._thaw()
                self._channel.post(Kind.STOP)
                self._channel.flush(time.monotonic() + STOP_SECONDS)
                self._process.wait(timeout=STOP_SECONDS)
            except (OSError, ChannelTimeout, subprocess.TimeoutExpired):
                pass
        self._kill()
        for part in (self._channel, self._log, self._timer, self._late, self._frees):
            if part is not None:
                part.close()
        if self._changes is not None:
            os.close(self._changes)
            self._changes = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._process = self._channel = self._log = self._timer = self._late = self._frees = self._workdir = None
        self._faulted = False
        _slots_held.discard(self._slot)
        self._slot = None
        release_log(self.log_path)

    # --- the worker process --------------------------------------------------------------

    def _spawn(self, game: str) -> None:
        try:
            self._start_worker(game)
        except OSError as exc:  # before the agent's code ran: the machine failed, not the agent
            self.close()
            raise HarnessError.short_of(f"start a sandbox for {self.name}", exc) from exc

    def _start_worker(self, game: str) -> None:
        _sweep_stale_groups_once()
        file_table.widen()  # its memory limit bounds the files it may keep open, not the machine's table
        self._workdir = tempdirs.make(WORKDIR_PREFIX)
        folder = self._workdir / "submission"  # made by the worker: in its own root, or here without one
        (self._workdir / "root").mkdir()
        self._cgroup = AgentCgroup.create(CgroupLimits(self.memory_mb << 20, self.limits.max_processes,
                                                       self.limits.cpu_cores))
        self._grouped = self._cgroup is not None
        self._slot = _take_slot()
        identity = isolate.sandbox_identity(os.getpid(), self._slot)
        self._files_bytes = _pages_taken(self.spec.root)
        config = {
            "folder": str(folder),
            "origin": str(self.spec.root),
            "source": str(self.spec.source),
            "digest": self.spec.digest,
            "manifest": {**asdict(self.spec.manifest), "env": list(self.spec.manifest.env)},
            "cgroup": self._cgroup.to_config() if self._cgroup else None,
            "memory_bytes": None if self._cgroup else self.memory_mb << 20,  # an address-space limit without a cgroup
            "memory_limit_bytes": self.memory_mb << 20,  # what its /proc/meminfo shows
            "file_bytes": self.limits.max_file_mb << 20,
            "open_files": self.limits.max_open_files,
            "nproc": None if self._cgroup else confine.process_budget(self.limits.max_processes),
            "staging": str(self._workdir / "root"),
            "disk_bytes": self._files_bytes + (self.limits.disk_mb << 20),
            "identity": [identity.uid, identity.gid],
            "landlock": self.limits.landlock,
            "devices": sorted(p for pattern in DEVICE_PATTERNS for p in glob.glob(pattern))
            if self.limits.accelerators else [],
            "max_message_bytes": 1 << 30,  # what the harness sends is trusted
        }
        pipes = _pipes(4)
        (to_worker_read, to_worker_write), (from_worker_read, from_worker_write), (log_read, log_write) = pipes[:3]
        changes_read, changes_write = pipes[3]  # its supervisor tells of changes the idle proof would read (`IdleProof`)
        for fd in pipes[3]:
            os.set_blocking(fd, False)
        try:
            self._process = launcher.start_worker([json.dumps(config)], self._workdir, _worker_environment(folder),
                                                  (to_worker_read, from_worker_write, changes_write), log_write, game)
        except BaseException:
            for fd in (to_worker_write, from_worker_read, log_read, changes_read):
                os.close(fd)
            raise
        finally:
            for fd in (to_worker_read, from_worker_write, log_write, changes_write):
                os.close(fd)
        self._changes = changes_read
        os.set_blocking(to_worker_write, False)  # writes wait with a deadline (`Channel.flush`)
        os.set_blocking(from_worker_read, False)  # an answer already in is read without a poll first (`Channel`)
        self._channel = Channel(from_worker_read, to_worker_write, self.limits.max_message_kb << 10, MAX_ANSWER_ITEMS)
        self._log = LogCapture(log_read, self.log_path, self.limits.log_kb << 10,
                               after_earlier=self.processes_started > 0)
        self._timer = MoveTimer(self._cgroup)
        self._timer.watch(self._process.pid)
        self._freezer = self._cgroup.freezer() if self._cgroup else None
        self._late = _late_readings(self._cgroup) if self._freezer is not None else None
        self._frees = DeferredFrees(*self._cgroup.kernel_memory_readers()) if self._freezer is not None else None
        self._agent_pid = None
        self._pinned = None
        self.processes_started += 1
        self._seated = self._spent = False
        self._confining, self._held = True, None

    def _request(self, what: str, kind: Kind, value: Any = None) -> None:
        """Send the worker a call, starting its clock; `_expect` takes the answer."""
        self._channel.take_in()  # while it is still frozen: what is in its pipe is all it sent between calls
        if self._channel.holds_data() and not self._confining:  # a new one's first word is its own (`_answer`)
            self._broke_protocol(what, "sent a message it was not asked for")
        if self._freezer is not None and self._freezer.frozen:  # (not frozen: shown idle, one task ever)
            if self._agent_pid is not None:  # its threads' waits for a CPU count off, its supervisor's not
                others = [task for task in self._cgroup.threads() if task not in (self._process.pid, self._agent_pid)]
                self._timer.follow([self._agent_pid, *others[:FOLLOWED_THREADS - 1]])
            if self._late is not None:
                self._late.call_begins(self._timer.group_cpu())
        if self._frees is not None:  # frozen, or asleep on its pipe: whatever of it was freed since, it left
            self._frees.call_begins()
        try:
            self._thaw()
        except OSError as exc:  # the host took its cgroup away: it cannot run, through no fault of its own
            raise HarnessError.short_of(f"resume the sandbox of {self.name}", exc) from exc
        if self._confining:  # sent once it says it is shut in: no agent code runs before that is read
            self._timer.start()
            self._held = (kind, value)
        else:
            self._send(what, kind, value)
        self._outstanding = what

    def _send(self, what: str, kind: Kind, value: Any) -> None:
        """Write the call, its clock started as it goes: until it is written the agent can do nothing with it,
        and a harness kept off a busy CPU while it made the call (or slow to encode it) is not the agent's time."""
        self._channel.post(kind, value)
        self._timer.start()
        try:
            # Most calls fit the pipe at once. A worker that does not read what it is sent runs down its own
            # clock, as a slow answer would.
            if not self._channel.flush_now():
                self._in_time(what, self._budget(what), self._channel.flush)
        except OSError:
            self._faulted = True
            self._charge_fault(what)
            raise AgentFault(Status.CRASH, f"{what}: {self._death()}") from None
        except AgentFault as fault:
            self._faulted = True
            raise AgentFault(fault.status, f"{fault.detail}; its process stopped reading what it was sent") from None

    def _budget(self, what: str) -> float:
        """The most the call `what` may take of the agent's own time."""
        if what == "start":
            return self.limits.startup_seconds
        if what == LATER_START:
            return min(self.limits.game_start_seconds + REBUILD_MARGIN * self._built_in, self.limits.startup_seconds)
        return self.clock.allowance()

    def _settle(self) -> None:
        """Take the answer to a call whose match ended without it (another agent's fault ended it).

        Its time and its faults belong to that match; a worker that does not answer within the
        call's budget is stopped, and the next start begins a new one.
        """
        what = self._outstanding
        if what is None or self._process is None:
            self._outstanding = None
            return
        try:
            self._expect(Kind.ACTION if what == "predict()" else Kind.READY, what, self._budget(what))
        except AgentFault:
            pass

    def _expect(self, kind: Kind, what: str, budget: float) -> Any:
        """The worker's answer to the call begun at the timer's start, within `budget` of its own time."""
        try:
            return self._answer(kind, what, budget)
        except AgentFault:
            self._faulted = True
            raise

    def _answer(self, kind: Kind, what: str, budget: float) -> Any:
        try:
            got, value = self._in_time(what, budget, self._channel.receive)
            if self._confining and got == Kind.CONFINED:
                self._shut_in(what)
                got, value = self._in_time(what, budget, self._channel.receive)
        except (ChannelClosed, OSError):
            if self._confining:
                self._died_confining(what)
            self._charge_fault(what)
            raise AgentFault(Status.CRASH, f"{what}: {self._death()}") from None
        except ProtocolError as exc:
            self._broke_protocol(what, str(exc))
        # Its process's CPU counters once its answer is in, then the time: if `_rest` shows it asleep and
        # the counters unchanged, it has been asleep since before that time.
        seen = self._idle.look() if self._idle is not None else None
        answered_at = time.monotonic()
        if self._channel.holds_data():
            self._broke_protocol(what, "sent more than its answer")
        self._outstanding = None
        late = self._late is not None and self._timer.elapsed() > self.clock.per_move
        if late:
            # Perhaps read late (the harness was stopped, or kept off a CPU): its time ends when it fell asleep.
            self._timer.read_late = min(self._asleep_for(), self._timer.elapsed())
        if self._rest(seen):
            # Shown asleep on its pipe, nothing of it able to run before its next call: its call is
            # over. Where it has not run since its answer came in, it was over by then: reading the
            # answer and looking at it are the harness's work, not the agent's time (and slower on a
            # CPU left cold by the other seat's long turn).
            over = answered_at if seen is not None and self._idle.shown == seen else time.monotonic()
            if self._late is not None and (late or over - self._timer.started > self.clock.per_move):
                # A long move, perhaps the harness's doing (kept off a busy CPU as it read the answer, or as it
                # looked): it was over when the agent last ran, as the scheduler tells (its clock leaves out
                # time stolen by a virtual machine's host: never earlier than that). Where not shown, a move
                # read late runs on until charged, less what was read late before.
                asleep = self._asleep_for()
                if asleep > 0:
                    over, self._timer.read_late = min(over, time.monotonic() - asleep), 0.0
                elif late:
                    over = None
            if over is not None:
                self._timer.fell_asleep(over, self._agent_pid, self._idle.shown)
        if got == Kind.FAILED:
            report = value if isinstance(value, dict) else {}
            status = Status.ILLEGAL_ACTION if report.get("illegal") is True else Status.CRASH
            detail = f"{_text(report.get('what'), 200)}: {_text(report.get('error'), 2000)}"
            self.clock.spend(self._timer.stop())  # a failed call is its time too (`arena serve` shares play by it)
            raise AgentFault(status, detail, _text(report.get("traceback"), 20_000))
        if got != kind:
            self._charge_fault(what)
            self._kill()
            raise AgentFault(Status.CRASH, f"{what}: the agent's process sent {got.name} instead of {kind.name}")
        return value

    def _shut_in(self, what: str) -> None:
        """Its worker said it is shut in: send the call held until then, its clock started as it goes
        (shutting itself in is the harness's work, and its call may have waited on another's start)."""
        self._confining = False
        if self._held is not None:
            self._watch_agent_process()  # its waits for a CPU count from here, not from its birth
            self._send(what, *self._held)
            self._held = None

    def _wait_stopped(self, what: str, budget: float) -> None:
        """Wait, on the call's time, until the freezer has stopped every process of the agent."""
        if self._freezer is None or not self._freezer.frozen:
            return
        self._timer.answered()
        try:
            self._in_time(what, budget, self._until_stopped)
        except AgentFault as fault:
            self._faulted = True
            raise AgentFault(fault.status, f"{fault.detail}; its processes went on working after its answer") from None
        except OSError:
            return  # its group is gone with it: nothing of it runs either way
        try:
            # Stopped: nothing of it may run while the opponent thinks, but a process ended by a fatal signal,
            # which no freeze stops, tears itself down; it does so only on a CPU nothing else wants.
            self._freezer.rest()
        except OSError:
            pass  # its group is gone with it
        asleep = 0.0
        if self._late is not None and self._timer.answered_ago() > STOPS_SEEN_LATE_SECONDS:
            # Perhaps seen stopped late (the harness kept off a CPU, or waiting for the interpreter): its
            # processes stopped when the last of them fell asleep, which the scheduler tells.
            asleep = self._asleep_for()
        self._timer.stopped_for(asleep)

    def _asleep_for(self) -> float:
        """Seconds the last of its processes has been asleep, as the scheduler tells (`LateReadings`)."""
        supervisor = self._process.pid if self._agent_pid is not None else -1  # none without namespaces
        return self._late.asleep_for(supervisor, self._timer.group_cpu())

    def _until_stopped(self, deadline: float) -> None:
        freezer = self._freezer
        tries, pause = 0, STOP_POLL_SECONDS
        while not freezer.stopped():
            if time.monotonic() >= deadline:
                raise ChannelTimeout
            # A yield lets its processes, on the harness's CPU, stop at once when they are due to run;
            # when they have had more than their share of it lately, only this thread's sleep does.
            # Sleeps double: one that woke every microsecond would take the CPU back from processes with
            # work left to finish first, and a wait of 0.1 ms would last milliseconds.
            if tries < STOP_YIELDS:
                os.sched_yield()
            else:
                if tries == STOP_YIELDS:  # sleeps as short as asked, not 50 µs longer (the kernel's default slack)
                    _LIBC.prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)
                time.sleep(pause)
                pause = min(2 * pause, STOP_POLL_MAX_SECONDS)
            tries += 1

    def _broke_protocol(self, what: str, how: str) -> NoReturn:
        self._faulted = True
        self._charge_fault(what)
        self._kill()
        raise AgentFault(Status.CRASH, f"{what}: the agent's process broke the protocol ({how})") from None

    def _in_time(self, what: str, budget: float, attempt: Callable[[float], T]) -> T:
        """`attempt(deadline)` (a pipe read or write that raises ChannelTimeout at `deadline`),
        tried until done within `budget` of the agent's own time, then a TIMEOUT fault.

        The wall-clock deadline moves on by the time the agent spent waiting for a CPU, up to a
        hard limit that bounds how long any call can hold a match.
        """
        hard_limit = budget * WAIT_FACTOR + WAIT_GRACE
        waited = 0.0  # read only once the budget has passed: calls within it cost no reads
        while True:
            self._watch_agent_process()
            try:
                return attempt(self._timer.started + min(budget - self._timer.owed + waited, hard_limit))
            except ChannelTimeout:
                charged, waited = self._timer.charged(), self._timer.not_counted()
                if charged >= budget or self._timer.elapsed() >= hard_limit:
                    self._charge_fault(what)
                    self._kill()
                    raise AgentFault(Status.TIMEOUT, self._over_time(what, budget, charged, stopped=True)) from None

    def _rest(self, seen: bytes | None = None) -> bool:
        """Its call is over: until the next one, nothing of it runs. It is frozen, unless it is shown
        to be asleep on its pipe with nothing that could wake it before the next call (`IdleProof`):
        a freeze and a thaw cost as much again as the rest of a round trip. True where it was so shown.
        `seen`: its schedstat line (`IdleProof.look`) read once its answer was in, where the first look begins."""
        if self._freezer is None:
            return False
        if self._idle is not None:
            # Its answer woke the harness, which may run before the agent is back in its read (on the CPU they
            # share, it takes the CPU over): while it is still on its way there, let it, a little (what it
            # runs is its own time), and look again.
            until = time.monotonic() + SETTLE_SECONDS
            since = seen
            while not self._idle.holds(since):
                since = None  # it ran since: look afresh
                if not self._idle.on_its_way() or time.monotonic() >= until:
                    break
                os.sched_yield()
            else:
                return True
        try:
            self._freezer.freeze()
        except OSError:
            pass  # its group is gone with it: it runs no more either way
        return False

    def _thaw(self) -> None:
        if self._freezer is not None:
            self._freezer.thaw()  # its processes run as usual again, resting no more (`_wait_stopped`)

    def _place(self, cpu: int | None) -> None:
        """Keep the agent's processes and its supervisor on `cpu`, or let them run on any CPU the harness
        may use (None): through its cpuset where the host has one (an agent cannot leave it, so it
        cannot run beside another match), else through their affinity (which it may change).

        Its limits and its clock are the same anywhere. The supervisor goes along because freezing
        wakes it too: on another CPU, waking it there would make every wait for a stopped agent an
        inter-CPU wake-up, on the agent's clock.
        """
        if cpu == self._pinned or self._agent_pid is None:
            return
        cpus = {cpu} if cpu is not None else allowed_cpus()
        if self._cgroup is not None:
            try:
                self._cgroup.hold_to(cpus)
            except OSError:
                pass  # its group is gone with it, or the host refuses: its affinity still places it
        try:
            for pid in (self._agent_pid, self._process.pid):
                os.sched_setaffinity(pid, cpus)
        except OSError:
            return  # the process is gone, or this host does not let us choose
        self._pinned = cpu

    def _watch_agent_process(self) -> None:
        """Have the timer follow the agent's own process, once its namespace has one, instead of the supervisor."""
        if self._agent_pid is not None:
            return
        self._agent_pid = isolate.namespace_init(self._process.pid)
        if self._agent_pid is not None:
            self._timer.watch(self._agent_pid)
            self._timer.unwatch(self._process.pid)
            if self._freezer is not None:
                try:
                    # In its namespaces, its worker has confined itself, seccomp filter included where there is one.
                    self._idle = IdleProof(self._agent_pid, self._channel.write_fd, self._cgroup.task_peak_file(),
                                           len({self._agent_pid, self._process.pid}),
                                           realtime_handlers_refused=confine.filters_system_calls(),
                                           supervisor=self._process.pid, changes=self._changes,
                                           calls_fd=launcher.CALLS_FD)
                except OSError:
                    pass  # frozen between its calls, as on kernels without pids.peak or /proc's wait channels

    def _over_time(self, what: str, budget: float, charged: float, stopped: bool = False) -> str:
        """Why a call ran out of time: what it cost the agent (before it was `stopped`, when it had
        not answered), what it had, what was not counted."""
        took = f"{what} {'was stopped after' if stopped else 'took'} {charged:.3g} s of its own time"
        owed = self._timer.owed
        if owed >= 0.001:
            took += f" ({owed:.3g} s of it CPU its processes used after its last call had ended)"
        waited = self._timer.waited()
        if waited >= 0.001:
            took += f" (it also waited {waited:.3g} s for a CPU, not counted)"
        if what != "predict()":
            return f"{took}; the limit is {budget:.3g} s"
        if self.clock.bank == 0:
            return f"{took}; the limit is {self.clock.per_move:g} s a move, with no bank"
        bank_left = budget - self.clock.per_move
        return f"{took}; the limit is {self.clock.per_move:g} s a move plus {bank_left:.3g} s left of a {self.clock.bank:g} s bank"

    def _death(self) -> str:
        """Why the worker is gone, once it is (killing it if it lingers)."""
        try:
            code = self._process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self._kill()
            return "the agent's process stopped answering"
        memory_kills = self._cgroup.memory_kills() if self._cgroup else 0
        within_its_memory = memory_kills > 0 and not self._cgroup.reached_memory_limit()
        self._kill()  # children it left behind
        if within_its_memory:
            raise HarnessError(f"this machine ran out of memory and the kernel killed a process of {self.name}, "
                               f"which was within its own limit ({self.memory_mb} MiB): not the agent's doing; "
                               f"play fewer games at once, or lower the memory the agents may take (--memory-mb)")
        see = self._see_log()
        if memory_kills:
            files = self._files_bytes >> 20
            in_its_root = namespaces_work()  # its own root, in memory, holds its files
            large = in_its_root and files >= self.memory_mb // 4
            held = f"; its files ({files} MiB) are held in that memory" if large else ""
            return (f"the agent's processes went over their memory limit ({self.memory_mb} MiB in all) "
                    f"and were killed{held} (memory_mb in arena.toml asks for more, within the organiser's limit){see}")
        if code < 0:
            cause = signal.strsignal(-code) or f"signal {-code}"
            hint = " (often the memory limit)" if -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT) else ""
            return f"the agent's process was killed: {cause}{hint}{see}"
        return f"the agent's process exited with code {code}{see}"

    def _died_confining(self, what: str) -> NoReturn:
        """The worker died before it was shut in, before any of the agent's code ran: the machine's
        failure (a seccomp filter or Landlock refused, say), unless its own files outgrew its memory."""
        killed_for_memory = self._cgroup is not None and self._cgroup.memory_kills() > 0
        why = self._death()
        if killed_for_memory:
            raise AgentFault(Status.CRASH, f"{what}: {why}")
        raise HarnessError(f"the sandbox of {self.name} could not be shut in before its agent ran ({why}); "
                           f"not the agent's doing: this machine refused part of the isolation")

    def _see_log(self) -> str:
        """Where its output is, once its processes are gone, if it printed anything."""
        if self._log is not None:
            self._log.close(timeout=0.5)
        return f"; see {self.output_file}" if self.output_file is not None else ""

    def memory_held(self) -> int:
        return self._cgroup.memory_used() if self._cgroup is not None else 0

    def memory_allowed(self) -> int:
        return self.memory_mb << 20

    @property
    def output_file(self) -> Path | None:
        """The file holding what the agent printed (and its tracebacks), if it printed anything yet."""
        if self._log is not None:
            self._log.catch_up()
        return self.log_path if self.log_path.exists() else None

    def _kill(self) -> None:
        self._outstanding = None
        if self._cgroup is not None:
            self._cgroup.kill_all()
            self._cgroup = None
            _collect_socket_cycles()
        if self._freezer is not None:
            self._freezer.close()
            self._freezer = None
        if self._idle is not None:
            self._idle.close()
            self._idle = None
        if self._process is not None:
            reaped = self._process.poll() is not None
            # Once its worker is reaped, its process group's number may name a newer process, another
            # sandbox's worker even: where its cgroup took every process of it, there is nothing to reach.
            if not (reaped and self._grouped):
                confine.kill_process_tree(self._process.pid, reaped=reaped)
            self._process.wait()


def _collect_socket_cycles() -> None:
    """Have the kernel free the UNIX sockets that only hold each other: files an agent sent in such a cycle
    (memfds of gigabytes, say) outlive its processes and its memory limit until the machine next releases a
    UNIX socket, which sets the collector going."""
    for end in socket.socketpair():
        end.close()


WORKDIR_PREFIX = "arena-sandbox-"
# A call may run past its budget by the time it waited for a CPU, but never past this in wall time.
WAIT_FACTOR, WAIT_GRACE = 10.0, 5.0
STOP_SECONDS = 0.5  # how long a closing worker gets to take its STOP and exit before it is killed
# The most threads of an agent whose waits for a CPU are taken off its time (each holds a descriptor of the
# harness's open): a thread pool's worth; the waits of any more stay on its clock.
FOLLOWED_THREADS = 16
STOP_YIELDS, STOP_POLL_SECONDS, STOP_POLL_MAX_SECONDS = 2, 0.000001, 0.0001  # how the harness waits for a frozen agent to stop
# Items of lists, tuples and dicts in one message from an agent: far more than any action holds, and
# far fewer than the millions of empty ones its largest message could make the harness build.
MAX_ANSWER_ITEMS = 1 << 16
STOPS_SEEN_LATE_SECONDS = 0.001  # a wait for its processes to stop after which the scheduler is asked when they did
# How long an agent that has answered may take to be back in its read (`_rest`) before it is frozen.
SETTLE_SECONDS = 0.00005
PR_SET_TIMERSLACK = 29  # from <linux/prctl.h>
_LIBC = ctypes.CDLL(None, use_errno=True)
T = TypeVar("T")
_slots_held: set[int] = set()  # the slots of this process's open sandboxes (`isolate.sandbox_identity`)
os.register_at_fork(after_in_child=_slots_held.clear)  # a new process: slots of its own


def _take_slot() -> int:
    """The lowest slot no open sandbox of this process holds (past the last slot, ids are shared)."""
    slot = next(slot for slot in itertools.count() if slot not in _slots_held)
    _slots_held.add(slot)
    return slot


@functools.cache
def _sweep_stale_groups_once() -> None:
    """Remove the cgroups of harnesses killed before they could clean up (SIGKILL)."""
    sweep_stale_groups()


def _late_readings(group: AgentCgroup) -> LateReadings | None:
    """What telling a late reading needs of `group`, or None where this kernel does not show it."""
    try:
        return LateReadings(group)
    except OSError:
        return None


def _pipes(count: int) -> list[tuple[int, int]]:
    """`count` pipes, or none (those made closed again) when the process runs out of files."""
    made: list[tuple[int, int]] = []
    try:
        for _ in range(count):
            made.append(os.pipe())
    except OSError:
        for pipe in made:
            for fd in pipe:
                os.close(fd)
        raise
    return made


def _pages_taken(folder: Path) -> int:
    """The bytes the files under `folder` take on the sandbox's disk, which is in memory: a whole page each
    started (a submission of thousands of one-byte files takes megabytes there)."""
    page = os.sysconf("SC_PAGESIZE")
    total = 0
    for path in folder.rglob("*"):
        try:
            found = path.lstat()
        except OSError:  # gone while counted: its copy will not be there either
            continue
        if stat.S_ISREG(found.st_mode):
            total += -(-found.st_size // page) * page
    return total


def _worker_environment(folder: Path) -> dict[str, str]:
    """The fixed environment, with the agent's own folder as its home."""
    return {**launcher.WORKER_ENVIRONMENT, "HOME": str(folder), "TMPDIR": str(folder)}


def _text(value: Any, limit: int) -> str:
    """A field of a worker's report as bounded text, whatever type it arrived as (the agent may write the
    report itself, an array of millions of elements for its text)."""
    return (value if isinstance(value, str) else "" if value is None else shown(value))[:limit]
