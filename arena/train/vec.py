"""`GroupedSubprocVecEnv`: `n_envs` envs in a few worker processes, each worker stepping its share in turn.

SB3's `SubprocVecEnv` gives every env its own process. With a cheap game on a few cores that
leaves the learner's per-step overhead (one policy call, one message per env) as the bottleneck;
grouping several envs per worker keeps one process per core while the policy sees batches of
`n_envs` observations. It behaves like `SubprocVecEnv` (auto-reset with `terminal_observation`,
per-env seeds and options, `env_method`, `get_attr`, `set_attr`).
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import threading
from copy import deepcopy
from typing import Any, Callable, Sequence

import gymnasium
import numpy as np
from stable_baselines3.common.env_util import is_wrapped
from stable_baselines3.common.vec_env import CloudpickleWrapper, VecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvIndices


def _step(env: gymnasium.Env, action: Any) -> tuple[Any, float, bool, dict, dict]:
    """One step of one env, reset when its episode ends (the finished episode's last observation in `info`)."""
    obs, reward, terminated, truncated, info = env.step(action)
    done = terminated or truncated
    info["TimeLimit.truncated"] = truncated and not terminated
    reset_info: dict = {}
    if done:
        info["terminal_observation"] = obs
        obs, reset_info = env.reset()
    return obs, reward, done, info, reset_info


def _end_with(pid: int) -> None:
    """End this process once process `pid` has ended: a learner killed outright closes no pipe in time for a
    worker busy in a long step (and a forkserver's children keep it alive, so it cannot be the parent to die with)."""
    try:
        ended = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd here (Linux before 5.3): the closed pipe ends the worker, later
        return

    def wait() -> None:
        select.select([ended], [], [])
        os.kill(os.getpid(), signal.SIGKILL)  # it ignores SIGTERM, and has nothing to save

    threading.Thread(target=wait, daemon=True).start()


def _serve(remote: Any, parent_remote: Any, env_fns: CloudpickleWrapper, learner: int) -> None:
    """A worker: builds its envs, then answers the parent's commands; `local` indices are into its own envs."""
    # Ctrl-C reaches the whole process group, and SIGTERM where a service manager or batch system stops the group:
    # the learner stops, saved, says how to go on and closes its workers (which end as their pipe does).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _end_with(learner)
    parent_remote.close()
    envs = [fn() for fn in env_fns.var]
    while True:
        try:
            command, data = remote.recv()
        except EOFError:
            break
        if command == "step":
            remote.send([_step(env, action) for env, action in zip(envs, data)])
        elif command == "reset":
            remote.send([env.reset(seed=seed, **({"options": options} if options else {}))
                         for env, (seed, options) in zip(envs, data)])
        elif command == "env_method":
            name, args, kwargs, local = data
            remote.send([envs[i].get_wrapper_attr(name)(*args, **kwargs) for i in local])
        elif command == "get_attr":
            name, local = data
            remote.send([envs[i].get_wrapper_attr(name) for i in local])
        elif command == "set_attr":
            name, value, local = data
            for i in local:
                setattr(envs[i], name, value)
            remote.send(None)
        elif command == "is_wrapped":
            wrapper, local = data
            remote.send([is_wrapped(envs[i], wrapper) for i in local])
        elif command == "spaces":
            remote.send((envs[0].observation_space, envs[0].action_space))
        elif command == "close":
            for env in envs:
                env.close()
            remote.close()
            break


class NextReset:
    """What `seed()` and `set_options()` ask of a VecEnv's next reset, env by env (SB3's own VecEnv
    keeps them in private lists); `take_next_reset()` hands them out once."""

    def __init__(self, n_envs: int):
        self.next_seeds: list[int | None] = [None] * n_envs
        self.next_options: list[dict] = [{} for _ in range(n_envs)]

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        self.next_seeds = list(super().seed(seed))
        return self.next_seeds

    def set_options(self, options: list[dict] | dict | None = None) -> None:
        options = {} if options is None else options
        self.next_options = deepcopy([options] * len(self.next_seeds) if isinstance(options, dict) else options)

    def take_next_reset(self) -> tuple[list[int | None], list[dict]]:
        taken = self.next_seeds, self.next_options
        NextReset.__init__(self, len(self.next_seeds))
        return taken


class GroupedSubprocVecEnv(NextReset, VecEnv):
    """`env_fns` spread over `workers` processes (env i in worker i * workers // n_envs)."""

    def __init__(self, env_fns: Sequence[Callable[[], gymnasium.Env]], workers: int = 2):
        n_envs = len(env_fns)
        workers = max(1, min(workers, n_envs))
        self.groups = [list(range(w * n_envs // workers, (w + 1) * n_envs // workers)) for w in range(workers)]
        context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                              else "spawn")
        self.remotes, self.processes = [], []
        for group in self.groups:
            remote, work_remote = context.Pipe()
            process = context.Process(target=_serve, daemon=True,
                                      args=(work_remote, remote, CloudpickleWrapper([env_fns[i] for i in group]),
                                            os.getpid()))
            process.start()
            work_remote.close()
            self.remotes.append(remote)
            self.processes.append(process)
        self.remotes[0].send(("spaces", None))
        observation_space, action_space = self.remotes[0].recv()
        self.closed = False
        VecEnv.__init__(self, n_envs, observation_space, action_space)
        NextReset.__init__(self, n_envs)

    def step_async(self, actions: np.ndarray) -> None:
        for remote, group in zip(self.remotes, self.groups):
            remote.send(("step", [actions[i] for i in group]))

    def step_wait(self) -> Any:
        results = [result for remote in self.remotes for result in remote.recv()]
        obs, rewards, dones, infos, self.reset_infos = zip(*results)
        return np.stack(obs), np.array(rewards, np.float32), np.array(dones), list(infos)

    def reset(self) -> Any:
        seeds, options = self.take_next_reset()
        for remote, group in zip(self.remotes, self.groups):
            remote.send(("reset", [(seeds[i], options[i]) for i in group]))
        results = [result for remote in self.remotes for result in remote.recv()]
        obs, self.reset_infos = zip(*results)
        return np.stack(obs)

    def close(self) -> None:
        if self.closed:
            return
        for remote in self.remotes:
            remote.send(("close", None))
        for process in self.processes:
            process.join()
        self.closed = True

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        return self._ask("env_method", lambda local: (method_name, method_args, method_kwargs, local), indices)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return self._ask("get_attr", lambda local: (attr_name, local), indices)

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        self._ask("set_attr", lambda local: (attr_name, value, local), indices)

    def env_is_wrapped(self, wrapper_class: type[gymnasium.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return self._ask("is_wrapped", lambda local: (wrapper_class, local), indices)

    def _ask(self, command: str, data: Callable[[list[int]], Any], indices: VecEnvIndices) -> list[Any]:
        """Send `command` to the workers holding `indices`; their answers, in the order of `indices`."""
        indices = list(range(self.num_envs) if indices is None else [indices] if isinstance(indices, int) else indices)
        wanted = set(indices)
        asked = []
        for remote, group in zip(self.remotes, self.groups):
            local = [j for j, i in enumerate(group) if i in wanted]
            if local:
                remote.send((command, data(local)))
                asked.append((remote, [group[j] for j in local]))
        answers = {}
        for remote, held in asked:
            answers.update(zip(held, remote.recv() or [None] * len(held)))
        return [answers[i] for i in indices]
