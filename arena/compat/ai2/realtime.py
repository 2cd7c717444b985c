"""`run_real_time_match`: a person at the keyboard against an agent, in a window, at 30 frames a second.

    run_real_time_match(UserInputAgent(), BasedAgent())

W A S D move, space jumps, H picks up or drops a weapon, L dashes or dodges, J and K attack, G
taunts. Closing the window ends the match.
"""

from __future__ import annotations

from typing import Any

from arena.compat.ai2.match import seat_as_there
from arena.envs.fighting import rules as R
from arena.envs.fighting.camera import CameraResolution
from arena.envs.fighting.stats import MatchStats, match_stats

SEATS = ("player_0", "player_1")


def run_real_time_match(agent_1: Any, agent_2: Any, max_timesteps: int = 30 * 90,
                        resolution: CameraResolution = CameraResolution.LOW) -> MatchStats:
    """Play `agent_1` (player_0, usually a `UserInputAgent`) against `agent_2` in a window, in real time.

    Agents may be instances or factories. As the competition's: the match is its env's (drawn from Python's
    `random` at its two resets and as it plays, so `random.seed(n)` replays it), agents are handed the env
    once and never reset, and it ends when a fighter is out of stocks, after `max_timesteps` frames or the
    env's 9,000 (5 minutes), whichever comes first, or when the window is closed: the frame being played then
    is finished. The summary of what was played is returned.
    """
    import pygame

    from arena.envs import make_raw, seat_view

    agents = [a() if (isinstance(a, type) or not hasattr(a, "predict")) else a for a in (agent_1, agent_2)]
    env = make_raw("fighting", render_mode="human", resolution=CameraResolution.of(resolution).name.lower(),
                   max_timesteps=min(max_timesteps, R.COMPETITION_FRAMES), draws_from="random")
    raw = env.unwrapped
    try:
        raw.reset()  # the draws of the competition's env's first reset, in its constructor
        observations, _ = env.reset()  # opens the window: the keyboard is read from it
        for seat, agent in zip(SEATS, agents):
            if not agent.initialized:
                agent.get_env_info(seat_as_there(seat_view(env, seat)))
        closed = False
        while env.agents and not closed:
            closed = bool(pygame.event.get(pygame.QUIT))
            actions = {seat: agent.predict(observations[seat]) for seat, agent in zip(SEATS, agents)}
            observations, *_ = env.step(actions)
    finally:
        env.close()
    return match_stats(raw)
