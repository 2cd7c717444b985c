"""The process that runs one submitted agent, confined, answering the harness over two pipes.

`SandboxedAgent` starts it as `python -s -m arena.sandbox.worker READ_FD WRITE_FD CONFIG` in an
otherwise empty folder holding the submission's private copy. Stage one applies the resource
limits and the process cgroup, forks into a new PID namespace (the first process stays behind
as a supervisor, so killing it kills everything the agent started) and, when running as root,
drops every capability and re-executes itself so none remain. Stage two imports what it needs, shuts itself in with Landlock (read the
software it runs on, write only its own folder), then loads the agent and serves the harness:
START (load, seed and seat the agent), RESET, ACT (an observation, answered with an action),
STOP. Exceptions in the agent's code are reported as FAILED messages, never as tracebacks.
"""

from __future__ import annotations

import json
import os
import random
import sys
import traceback
from pathlib import Path
from typing import Any

from arena.sandbox import confine
from arena.sandbox.protocol import Channel, ChannelClosed, Kind

MAX_TRACEBACK_CHARS = 20_000
SYSTEM_READ_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/opt", "/proc", "/sys", "/dev")


def main(argv: list[str]) -> None:
    read_fd, write_fd, config_text, *flags = argv
    config = json.loads(config_text)
    confine.die_with_parent()
    if "--confined" not in flags:
        if config["cgroup"]:
            confine.ProcessCgroup(Path(config["cgroup"])).join()
        confine.set_resource_limits(config["memory_bytes"], config["file_bytes"], config["nproc"])
        child = confine.new_pid_namespace()
        if child:
            confine.supervise(child)
        confine.die_with_parent()
        if confine.drop_capability_bounding_set():
            # Capabilities leave a root process only at exec: start again without them.
            os.execv(sys.executable, [sys.executable, "-s", "-m", "arena.sandbox.worker", *argv, "--confined"])
    _Worker(Channel(int(read_fd), int(write_fd), config["max_message_bytes"]), config).serve()


class _Worker:
    def __init__(self, channel: Channel, config: dict[str, Any]):
        import numpy as np  # noqa: F401  (loaded before confinement, like everything arena needs)

        from arena.envs import make_raw, seat_view
        from arena.submission import AgentSpec, Manifest

        self.channel = channel
        self.pid = os.getpid()
        self.folder = Path(config["folder"])
        self.manifest = Manifest(**{**config["manifest"], "env": tuple(config["manifest"]["env"])})
        self.spec = AgentSpec(self.manifest.name or self.folder.name, Path(config["source"]), self.folder,
                              self.manifest, config["digest"])
        self._make_raw, self._seat_view = make_raw, seat_view
        if config["landlock"]:
            writable = [self.folder, Path("/dev/null"), *map(Path, config["devices"])]
            confine.landlock(read_paths=_software_paths(), write_paths=writable)
        os.chdir(self.folder)
        sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != self.folder.parent.resolve()]
        os.register_at_fork(after_in_child=self._silence)
        self.agent = None

    def _silence(self) -> None:
        """A process the agent forks must never speak on the harness's pipes."""
        self.channel.close()

    def serve(self) -> None:
        handlers = {Kind.START: self.start, Kind.RESET: self.reset, Kind.ACT: self.act}
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
        from arena.seeding import derive_seed
        from arena.submission import describe_load_error, instantiate

        seed, env = message["seed"], self._make_raw(message["env"], **message["options"])
        view = self._seat_view(env, message["seat"], seed)
        _seed_global_generators(derive_seed(seed, env.unwrapped.possible_agents.index(message["seat"]), 2))
        try:
            if self.agent is None:
                self.agent = instantiate(self.spec)
            self.agent.get_env_info(view)
        except BaseException as exc:  # noqa: BLE001  (anything the agent raises is reported, not fatal)
            self._failed("failed to start", describe_load_error(exc, self.spec).removeprefix(f"{self.spec.source}: "))
            return
        self.channel.send(Kind.READY)

    def reset(self, _: Any) -> None:
        if self._call("reset() failed", self.agent.reset) is not _FAILED:
            self.channel.send(Kind.READY)

    def act(self, observation: Any) -> None:
        action = self._call("predict() failed", lambda: self.agent.predict(observation))
        if action is _FAILED:
            return
        try:
            self.channel.send(Kind.ACTION, _plain(action))
        except TypeError as exc:
            self._failed("returned an action that cannot be sent", str(exc), illegal=True)

    def _call(self, what: str, call) -> Any:
        try:
            return call()
        except BaseException as exc:  # noqa: BLE001
            from arena.faults import describe_exception

            self._failed(what, describe_exception(exc, self.folder))
            return _FAILED

    def _failed(self, what: str, error: str, illegal: bool = False) -> None:
        if os.getpid() != self.pid:
            os._exit(1)
        self.channel.send(Kind.FAILED, {"what": what, "error": error, "illegal": illegal,
                                        "traceback": traceback.format_exc()[-MAX_TRACEBACK_CHARS:]})


_FAILED = object()


def _plain(action: Any) -> Any:
    """Array-likes the codec does not know (torch or jax tensors) as numpy arrays."""
    import numpy as np

    if hasattr(action, "__array__") and not isinstance(action, np.ndarray):
        return np.asarray(action)
    return action


def _seed_global_generators(seed: int) -> None:
    """Agents that draw from the global generators are reproducible too."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def _software_paths() -> list[Path]:
    """Everything the agent may read besides its folder: Python, its packages, arena, the system."""
    import arena
    import arena.agents
    import arena.envs

    paths = {Path(p) for p in sys.path if p}
    paths |= {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    paths |= {Path(m.__file__).parent for m in (arena, arena.envs, arena.agents)}
    paths |= {Path(p) for p in SYSTEM_READ_PATHS}
    return sorted(paths)


if __name__ == "__main__":
    main(sys.argv[1:])
