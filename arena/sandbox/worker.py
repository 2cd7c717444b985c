"""The process that runs one submitted agent, confined, answering the harness over two pipes.

`SandboxedAgent` starts it as `python -s -m arena.sandbox.worker READ_FD WRITE_FD CONFIG`, forked by
its launcher (`arena.sandbox.launcher`), in an otherwise empty folder holding the submission's
private copy. Stage one joins the agent's cgroups (memory, processes and CPU totals), marks itself
the out-of-memory killer's first choice, applies the resource limits and enters new namespaces
(mount, network, IPC, UTS, and PID: the first process stays behind as a supervisor, so killing it
kills everything the agent started). Stage two imports what it needs, builds the agent's filesystem
(its copy in a size-capped tmpfs, the software read-only, nothing else of the host), becomes an
unprivileged id with no capabilities, shuts itself in with Landlock where the kernel has it, then
loads the agent and serves the harness: START (load, seed and seat the agent), RESET, ACT (an
observation, answered with an action), STOP. Exceptions in the agent's code are reported as FAILED
messages, never as tracebacks. Where the kernel refuses namespaces, a root worker instead drops
every capability and re-executes itself, and Landlock is the only wall (`protections()` says so).
"""

from __future__ import annotations

import atexit
import gc
import json
import logging
import os
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
from collections import deque
from pathlib import Path
from typing import Any

from arena.global_seeds import seed_for_building, seed_for_game
from arena.sandbox import confine, isolate, sessions, sysinfo
from arena.sandbox.cgroups import AgentCgroup
from arena.sandbox.protocol import Channel, ChannelClosed, Kind
from arena.sandbox.shared_pages import import_folders, outermost

MAX_TRACEBACK_CHARS = 20_000
SEATS_KEPT = 4  # env copies kept for later games: both seats of a game whose seats swap, say
MAX_GAMES_PER_PROCESS = 256  # agents built in one process before it gives way to a new one (`_Worker._spent`)
SYSTEM_READ_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/opt", "/proc", "/sys", "/dev")


def main(argv: list[str]) -> None:
    read_fd, write_fd, changes_fd, config_text, *flags = argv
    config = json.loads(config_text)
    # The folders of its root are made here, as root, for an agent that runs as another user: the
    # organiser's umask (077, say) must not lock it out of them.
    os.umask(0o022)
    # It catches no signal of its own (Python catches SIGINT): one that catches none is shown idle
    # between its calls without being frozen (`arena.sandbox.idle`). The launcher's session keeps
    # the terminal's Ctrl-C from it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    confine.die_with_parent()
    confine.first_for_the_out_of_memory_killer()
    isolated, sysinfo_to = False, None
    if "--confined" not in flags:
        if config["cgroup"]:
            AgentCgroup.from_config(config["cgroup"]).join()
        confine.set_resource_limits(config["memory_bytes"], config["nproc"], config["open_files"])
        # Its supervisor answers its sysinfo and statfs calls, where it may write the answers into its memory.
        answered = sysinfo.answered_here() and confine.filters_system_calls()
        # ... and tells the harness of each call changing what its idle proof reads, where the filter hands it over.
        told = answered and sysinfo.tells_changes()
        answers = (sysinfo.Answers(config["memory_limit_bytes"], *config["identity"], int(changes_fd) if told else None)
                   if answered else None)
        if not told:
            os.close(int(changes_fd))  # that pipe then ends at once: the harness reads all it needs itself
        child = isolate.enter_namespaces()
        if child:
            isolate.supervise(child, answers)
        confine.die_with_parent()
        isolated = child == 0
        if answers is not None:
            if isolated:
                sysinfo_to = answers.agent_side()
            else:
                answers.close()
        if not isolated and confine.drop_capability_bounding_set():
            # Capabilities leave a root process only at exec: start again without them.
            os.execv(sys.executable, [sys.executable, "-s", "-m", "arena.sandbox.worker", *argv, "--confined"])
    worker = _Worker(Channel(int(read_fd), int(write_fd), config["max_message_bytes"]), config, isolated, sysinfo_to)
    # The agent's code runs below this frame, and the launcher's: nothing it can reach may name the host's
    # folders, cgroups or processes (argv is the list the launcher's frame holds).
    argv.clear()
    del config, config_text
    # Said before any of the agent's code runs, and the harness sends its first call only once it has
    # read it, so it cannot be said falsely, nor taken out of the pipe first: a worker that dies before
    # it is the machine's failure (its confinement refused), not the agent's.
    worker.channel.send(Kind.CONFINED)
    worker.serve()


def load_before_confinement(game: str | None = None) -> None:
    """Import what a worker needs before it shuts itself in, with the module of `game` when one is
    named, and find the software the agent may read. The launcher does it before it forks workers,
    so that each finds all of it done (a game's module alone takes tens of milliseconds to import)."""
    import numpy  # noqa: F401

    import arena.agents  # noqa: F401
    import arena.envs.seat  # noqa: F401
    import arena.seeding  # noqa: F401
    import arena.submission  # noqa: F401

    if game is not None:
        from arena.envs import env_class

        try:
            env_class(game)
        except Exception:  # noqa: BLE001  (an unknown or broken game: the worker reports it when it starts)
            pass
    _software_paths()


class _Worker:
    def __init__(self, channel: Channel, config: dict[str, Any], isolated: bool,
                 sysinfo_to: socket.socket | None = None):
        load_before_confinement()
        from arena.envs import make_raw, seat_view
        from arena.envs.seat import reseed_view
        from arena.manifest import Manifest
        from arena.submission import AgentSpec, agent_factory

        self.channel = channel
        self.pid = os.getpid()
        # In its own root the submission sits at the same place in every run, which names no harness
        # process and no host folder: paths in what the agent prints and does are the same from run to run.
        self.folder = isolate.SUBMISSION_FOLDER if isolated else Path(config["folder"])
        self.manifest = Manifest(**{**config["manifest"], "env": tuple(config["manifest"]["env"])})
        # Its errors name the submission as the harness knows it, which the harness adds to what the worker says.
        self.spec = AgentSpec(self.manifest.name or self.folder.name, self.folder, self.folder, self.manifest,
                              config["digest"])
        self._make_raw, self._seat_view, self._reseed_view = make_raw, seat_view, reseed_view
        self.kept: dict[tuple, tuple] = {}  # (game, options, seat) -> env copy, view: the last games''
        workdir = Path(config["folder"]).parent.resolve()  # the launcher started it there: nothing to import
        sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != workdir]
        software = _software_paths()
        devices = [Path(d) for d in config["devices"]]
        writable = [self.folder, Path("/dev/null"), *devices]
        if isolated:
            identity = isolate.Identity(*config["identity"])
            isolate.build_root(isolate.RootPlan(Path(config["staging"]), config["disk_bytes"], software,
                                                Path(config["origin"]), self.folder, devices, identity,
                                                config["memory_limit_bytes"]))
            # Before the privileges go: the kernel compiles a privileged process's filter whatever BPF code
            # others hold (an agent's socket filters could use up the budget, and sandboxes then fail to start).
            if confine.forbid_escape_syscalls(sysinfo_to, calls_fd=channel.read_fd):
                sessions.emulate_new_sessions()  # the filter does setsid as nothing
            isolate.drop_identity(identity)
            os.environ.update(HOME=str(self.folder), TMPDIR=str(self.folder))
            # Set again: a change of uid clears it, and between its calls the agent may be frozen, so that it
            # cannot even see its pipes close: its supervisor's death must end it.
            confine.die_with_parent()
            writable += [Path("/tmp"), Path("/dev/shm")]  # private to this sandbox
        else:
            shutil.copytree(config["origin"], self.folder, symlinks=True)  # its writable copy, on the host
        confine.limit_file_size(config["file_bytes"])  # what it writes, not the files it was submitted with
        if config["landlock"]:
            confine.landlock(read_paths=[*software, *map(Path, SYSTEM_READ_PATHS)], write_paths=writable)
        os.chdir(self.folder)
        os.register_at_fork(after_in_child=self._silence)
        self.agent = None
        self._build = agent_factory(self.spec, alone=True, set_aside=self._collect_last_games_code)
        self._frozen = False  # what the agent's first game loaded (torch, say) is kept out of collections
        self._builds = 0
        self._left: deque[tuple[int, ...]] = deque(maxlen=3)  # `_leftovers()` as the last builds began
        self.seat, self.frame, self.follow = None, 0, None
        self.clock: list[float] | None = None  # what is left of the bank, told with the next ACT (`tell_clock`)

    def _collect_last_games_code(self) -> None:
        """Free the last game's modules before they run anew: functions and their module's globals hold
        each other, so a model a module loaded (hundreds of megabytes, perhaps) stays until the garbage
        is collected, and a game or two later the agent is over its memory limit. Once the first game's
        leftovers are collected, what is still loaded (the packages it imported) is frozen: every later
        collection looks at the objects of one game, not at all of torch's."""
        gc.collect()
        if not self._frozen:
            gc.freeze()
            self._frozen = True

    def _spent(self) -> bool:
        """Whether this process should end after the game it starts, the last game's agent let go: its
        agent's last two games (its modules run, its agent built and played) each left more behind that stays
        until the process ends (threads, exit or logging handlers) than the game before, as each game after
        them would (up to the limit on its threads, or a log written many times over); or it is to build its
        MAX_GAMES_PER_PROCESS-th agent, a bound on what piles up unseen (a function of an installed package
        wrapped each time). Its first game is not judged: it loads the packages its agent imports, which set
        up their own once; nor is a rise once (a package imported in a later game, threads still ending)."""
        self._builds += 1
        if self._builds > 1:
            self._left.append(_leftovers())
        if self._builds >= MAX_GAMES_PER_PROCESS:
            return True
        return len(self._left) == 3 and any(first < then < now for first, then, now in zip(*self._left))

    def _silence(self) -> None:
        """A process the agent forks must never speak on the harness's pipes."""
        self.channel.close()

    def serve(self) -> None:
        handlers = {Kind.START: self.start, Kind.RESET: self.reset, Kind.ACT: self.act, Kind.CLOCK: self.tell_clock}
        while True:
            try:
                kind, value = self.channel.receive()
            except (ChannelClosed, OSError):
                return
            if kind == Kind.STOP:
                return
            handler = handlers.get(kind)
            if handler is None:
                return
            handler(value)
            if os.getpid() != self.pid:
                os._exit(0)  # a fork of the agent returned into this loop

    def start(self, message: dict[str, Any]) -> None:
        from arena.agents.base import TimeControl
        from arena.submission import describe_load_error

        own_seed, env, view = message["seed"], *self._seat(message)
        # The agent's env is a copy that is never stepped: games that can, show it each observation.
        self.seat, self.frame, self.clock = message["seat"], 0, None  # its clock is this game's, told below
        self.follow = getattr(env.unwrapped, "follow_observation", None)
        try:
            # A new agent every game, built alike in every process whichever game it was started for, as the
            # AI² competition built one for each battle: what its __init__ sets up (a frame count, a plan)
            # starts afresh, so a game plays the same from its seed and seats whatever games came before.
            self.agent = None  # the last game's, which holds its modules
            spent = self._spent()
            seed_for_building()
            building = time.monotonic()
            self.agent = self._build()
            built_in = time.monotonic() - building  # the harness sizes later games' start budgets by it
            # Then seeded for this game, in a new process or one kept from earlier games alike (loading
            # the agent may have imported torch, or drawn from the generators).
            seed_for_game(own_seed)
            self.agent.time_control = TimeControl(*message["clock"])
            self.agent.get_env_info(view)
        except BaseException as exc:  # noqa: BLE001  (anything the agent raises is reported, not fatal)
            why = describe_load_error(exc, self.spec, sandboxed=True).removeprefix(f"{self.spec.source}: ")
            self._failed("failed to start", why)
            return
        _flush_output()
        self.channel.send(Kind.READY, {"built_in": built_in, "spent": spent})

    def _seat(self, message: dict[str, Any]) -> tuple[Any, Any]:
        """The env copy and the seat's view for a game: kept from an earlier game of the same game,
        options and seat (its spaces seeded anew), unless the copy follows the observations."""
        key = (message["env"], repr(sorted(message["options"].items())), message["seat"])
        if key in self.kept:
            env, view = self.kept[key]
            self._reseed_view(view, message["seed"])
            return env, view
        env = self._make_raw(message["env"], **message["options"])
        view = self._seat_view(env, message["seat"])
        self._reseed_view(view, message["seed"])
        if getattr(env.unwrapped, "follow_observation", None) is None:
            if len(self.kept) >= SEATS_KEPT:
                self.kept.pop(next(iter(self.kept)))
            self.kept[key] = (env, view)
        return env, view

    def reset(self, _: Any) -> None:
        self.frame = 0
        if self._call("reset() failed", self.agent.reset) is not _FAILED:
            _flush_output()
            self.channel.send(Kind.READY)

    def tell_clock(self, clock: list[float]) -> None:
        # Set on the agent as the move it comes with begins (`act`): setting it runs the agent's code (a
        # property of its own), whose errors are reported as that move's, not left to end this process.
        self.clock = clock

    def act(self, observation: Any) -> None:
        if self.follow is not None:
            try:
                self.follow(self.seat, observation, self.frame)
            except Exception:  # noqa: BLE001  (the agent still plays, with the view of the last frame)
                sys.stderr.write(f"arena: the env copy could not follow the observation:\n{traceback.format_exc()}")
        self.frame += 1
        try:
            if self.clock is not None:
                from arena.agents.base import TimeControl  # here: most moves tell nothing, and an import costs a call

                clock, self.clock = self.clock, None
                self.agent.time_control = TimeControl(*clock)
            action = self.agent.predict(observation)
        except BaseException as exc:  # noqa: BLE001  (reported, as by _call)
            self._raised("predict() failed", exc)
            return
        _flush_output()
        try:
            self.channel.send(Kind.ACTION, action if type(action) in _SENDABLE else _plain(action))
        except OSError:
            raise  # the harness's end is gone: there is no one to tell
        except Exception as exc:  # noqa: BLE001  (its value, or its own code run as it was read: the agent's doing)
            from arena.faults import describe_exception

            why = str(exc) if isinstance(exc, TypeError) else describe_exception(exc, self.folder)
            self._failed("returned an action that cannot be sent", why, illegal=True)

    def _call(self, what: str, call) -> Any:
        try:
            return call()
        except BaseException as exc:  # noqa: BLE001
            self._raised(what, exc)
            return _FAILED

    def _raised(self, what: str, exc: BaseException) -> None:
        from arena.faults import describe_exception

        self._failed(what, describe_exception(exc, self.folder))

    def _failed(self, what: str, error: str, illegal: bool = False) -> None:
        if os.getpid() != self.pid:
            os._exit(1)
        trace = traceback.format_exc()[-MAX_TRACEBACK_CHARS:]
        _flush_output()
        # Into the agent's log too (its stderr), where the harness points whoever reads the fault.
        sys.stderr.write(f"arena: {what}: {error}\n{trace}")
        sys.stderr.flush()
        self.channel.send(Kind.FAILED, {"what": what, "error": error, "illegal": illegal, "traceback": trace})


_FAILED = object()
_SENDABLE = frozenset({int, float, bool, str, type(None), dict, list, tuple})  # sent as they are


def _leftovers() -> tuple[int, ...]:
    """What an agent's code may set up that stays until its process ends: its threads, exit handlers and
    logging handlers."""
    loggers = [logging.root, *logging.Logger.manager.loggerDict.values()]
    return (threading.active_count(), atexit._ncallbacks(), sum(len(getattr(logger, "handlers", ())) for logger in loggers))


def _plain(action: Any) -> Any:
    """Array-likes the codec does not know (torch or jax tensors) as numpy arrays."""
    import numpy as np

    if hasattr(action, "__array__") and not isinstance(action, np.ndarray):
        return np.asarray(action)
    return action


def _software_paths() -> list[Path]:
    """What the agent may read besides its folder: Python, its packages, and every module loaded so far.

    Found again only when modules were loaded or the search path changed since the last time (in
    the launcher, usually: a forked worker then resolves nothing)."""
    global _software
    key = (len(sys.modules), tuple(p for p in sys.path if p))
    if _software[0] != key:
        _software = (key, _outermost_software())
    return _software[1]


_software: tuple[tuple, list[Path]] = ((), [])


def _outermost_software() -> list[Path]:
    return outermost({*import_folders(), Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)})


def _flush_output() -> None:
    """What the agent printed, into its log before each answer: the harness kills an agent at its fault
    (an illegal answer, a crash), and what it left in its buffer would be lost with it."""
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001  (its stdout closed, broken or replaced by the agent)
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
