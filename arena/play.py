"""One call to play a match from a script, as the competition's `run_match` did."""

from __future__ import annotations

import atexit
import os
from collections import OrderedDict
from typing import Any

from arena.entrants import choose_env, open_entrant
from arena.envs import EnvSpec
from arena.handle import AgentHandle
from arena.match import MatchResult, play_match
from arena.seeding import match_seed
from arena.submission import AgentSpec, load


def run_match(
    agent_1: Any,
    agent_2: Any,
    max_timesteps: int | None = None,
    video_path: str | os.PathLike | None = None,
    agent_1_name: str | None = None,
    agent_2_name: str | None = None,
    *,
    env: str | None = None,
    seed: int | None = None,
    replay_path: str | os.PathLike | None = None,
    sandbox: bool = True,
    **env_options: Any,
) -> MatchResult:
    """Play `agent_1` (first seat) against `agent_2` and return the result.

    Agents are `Agent` objects, agent handles, or submission folders/zips; submissions run
    sandboxed unless `sandbox` is False. `env` may be left out when the submissions' manifests
    name one game. `max_timesteps` caps the env steps; with `video_path` the match is also
    rendered to a video (.mp4, .avi, .mkv, .mov or .gif), with `replay_path` saved as a replay. Without a `seed`, one is drawn
    at random (too large for an agent to find by trying seeds) and kept in the result.

    Submissions stay ready for the next call (the last few, until `close_players()` or the end of
    Python), so calling it in a loop starts each sandbox once.
    """
    players = [load(a) if isinstance(a, (str, os.PathLike)) else a for a in (agent_1, agent_2)]
    env_name = choose_env(env, [p for p in players if isinstance(p, AgentSpec)])
    handles = []
    for index, (player, name) in enumerate(zip(players, (agent_1_name, agent_2_name))):
        if isinstance(player, AgentSpec):
            copy = sum(isinstance(p, AgentSpec) and p.digest == player.digest for p in players[:index])
            handles.append(_kept.get(player, env_name, sandbox, copy, name))
        else:
            handles.append(open_entrant(player, env_name, name, sandbox=sandbox))
    if seed is None:
        seed = match_seed()
    result = play_match(EnvSpec(env_name, env_options), handles, seed, max_steps=max_timesteps)
    if replay_path is not None:
        from arena import replay

        replay.save(result, replay_path)
    if video_path is not None:
        from arena import video

        video.record(result, video_path)
    return result


def close_players() -> None:
    """Stop the submissions `run_match` keeps ready (their sandboxes); they also stop when Python exits."""
    _kept.close_all()


class _KeptPlayers:
    """The submissions `run_match` played last, kept ready for the next call: a loop of calls starts
    each sandbox once, not once a game. A sandbox whose agent faulted is replaced by the next game
    (`SandboxedAgent`); what an agent keeps between games is its own (`Agent.reset` starts each),
    and nothing of its opponents is in its process. The least recently used are stopped."""

    CAPACITY = 4

    def __init__(self):
        self.handles: OrderedDict[tuple, AgentHandle] = OrderedDict()
        atexit.register(self.close_all)

    def get(self, spec: AgentSpec, env_name: str, sandbox: bool, copy: int, name: str | None) -> AgentHandle:
        key = (spec.digest, env_name, sandbox, copy)
        handle = self.handles.pop(key, None) or open_entrant(spec, env_name, sandbox=sandbox)
        handle.name = name or spec.name
        self.handles[key] = handle
        while len(self.handles) > self.CAPACITY:
            self.handles.popitem(last=False)[1].close()
        return handle

    def close_all(self) -> None:
        while self.handles:
            self.handles.popitem()[1].close()


_kept = _KeptPlayers()
