"""`run_real_time_match`: a person at the keyboard against an agent, in a window, at 30 frames a second.

    run_real_time_match(UserInputAgent(), BasedAgent())

W A S D move, space jumps, H picks up or drops a weapon, L dashes or dodges, J and K attack, G
taunts. Closing the window ends the match.
"""

from __future__ import annotations

import random
from typing import Any

from arena.envs.fighting.camera import CameraResolution
from arena.compat.ai2.match import longest
from arena.envs.fighting.stats import MatchStats, match_stats

SEATS = ("player_0", "player_1")


def run_real_time_match(agent_1: Any, agent_2: Any, max_timesteps: int = 30 * 90,
                        resolution: CameraResolution = CameraResolution.LOW) -> MatchStats:
    """Play `agent_1` (player_0, usually a `UserInputAgent`) against `agent_2` in a window, in real time.

    Agents may be instances or factories. The match ends when a fighter is out of stocks, after
    `max_timesteps` frames (at most the game's longest match, see `longest`), or when the window is
    closed; the summary of what was played is returned.
    """
    import pygame

    from arena.envs import make_raw, seat_view

    agents = [a() if (isinstance(a, type) or not hasattr(a, "predict")) else a for a in (agent_1, agent_2)]
    env = make_raw("fighting", render_mode="human", resolution=CameraResolution.of(resolution).name.lower(),
                   max_timesteps=longest(max_timesteps))
    raw = env.unwrapped
    seed = random.randrange(2**31)
    try:
        observations, _ = env.reset(seed=seed)  # opens the window: the keyboard is read from it
        for seat, agent in zip(SEATS, agents):
            if not agent.initialized:
                agent.get_env_info(seat_view(env, seat, seed))
            agent.reset()
        while env.agents and not pygame.event.get(pygame.QUIT):
            actions = {seat: agent.predict(observations[seat]) for seat, agent in zip(SEATS, agents)}
            observations, *_ = env.step(actions)
    finally:
        env.close()
    return match_stats(raw)
