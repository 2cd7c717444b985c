"""One call to play a match from a script, as the competition's `run_match` did."""

from __future__ import annotations

import os
from typing import Any

from arena.entrants import choose_env, open_entrant
from arena.envs import EnvSpec
from arena.match import MatchResult, play_match
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
    seed: int = 0,
    replay_path: str | os.PathLike | None = None,
    sandbox: bool = True,
    **env_options: Any,
) -> MatchResult:
    """Play `agent_1` (first seat) against `agent_2` and return the result.

    Agents are `Agent` objects, agent handles, or submission folders/zips; submissions run
    sandboxed unless `sandbox` is False. `env` may be left out when the submissions' manifests
    name one game. `max_timesteps` caps the env steps; with `video_path` the match is also
    rendered to an .mp4 or .gif, with `replay_path` saved as a replay.
    """
    players = [load(a) if isinstance(a, (str, os.PathLike)) else a for a in (agent_1, agent_2)]
    env_name = choose_env(env, [p for p in players if isinstance(p, AgentSpec)])
    handles = [open_entrant(p, env_name, name, sandbox=sandbox) for p, name in zip(players, (agent_1_name, agent_2_name))]
    try:
        result = play_match(EnvSpec(env_name, env_options), handles, seed, max_steps=max_timesteps)
    finally:
        for player, handle in zip(players, handles):
            if isinstance(player, AgentSpec):  # opened here, so closed here
                handle.close()
    if replay_path is not None:
        from arena import replay

        replay.save(result, replay_path)
    if video_path is not None:
        from arena import video

        video.record(result, video_path)
    return result
