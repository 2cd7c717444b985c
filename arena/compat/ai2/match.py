"""`run_match`: one match between two agents in this process, with optional video and reward tally.

    stats = run_match(BasedAgent(), my_agent, video_path="match.mp4")
    print(stats.player1_result, stats.player1.lives_left, stats.player2.damage_taken)
"""

from __future__ import annotations

import dataclasses
import functools
import secrets
from typing import Any

import numpy as np

from arena.envs.fighting import rules as R
from arena.agents.fighting import UserInputAgent
from arena.compat.ai2.warehouse import CompetitionView
from arena.envs.fighting.camera import CameraResolution
from arena.envs.fighting.observation import competition_obs_helper, competition_observation_space
from arena.envs.fighting.rewards import RewardManager
from arena.envs.fighting.stats import MatchStats, PlayerStats, Result, match_stats
from arena.envs.seat import SeatView
from arena.errors import ArenaError, HarnessError
from arena.handle import LocalAgent

__all__ = ["MatchStats", "PlayerStats", "Result", "run_match"]

# The competition's video writer is handed pictures at its default input rate, 25 a second, and writes 30.
COMPETITION_PICTURE_RATE = 25


def longest(max_timesteps: int) -> int:
    """`max_timesteps`, or the longest match the game plays if that is shorter.

    The competition's scripts ask for "no limit" as 30 * 99999 frames or more; a match then lasts
    the game's longest (54,000 frames, 30 minutes) unless a fighter runs out of stocks first.
    """
    from arena.envs import entry

    return min(max_timesteps, entry("fighting").bounds["max_timesteps"][-1])


def run_match(agent_1: Any, agent_2: Any, max_timesteps: int = R.RUN_MATCH_FRAMES, video_path: str | None = None,
              agent_1_name: str | None = None, agent_2_name: str | None = None,
              resolution: CameraResolution = CameraResolution.LOW, reward_manager: RewardManager | None = None,
              train_mode: bool = False) -> MatchStats:
    """Play `agent_1` (the "player", seat player_0) against `agent_2`; agents may be instances or factories.

    `video_path` writes an mp4 (or gif) as the competition's does: a picture after each frame played,
    handed to the encoder as 25 a second and re-timed to 30 (its writer's input and output rates), so
    a match of n frames makes a video of about 1.2 n frames; a `UserInputAgent` opens a window and plays from the
    keyboard in real time. `reward_manager`, if given, is fed every frame from agent_1's side
    (read its `total_reward` and `term_totals` after). The match draws from Python's `random` module as
    the competition's `run_match` does (its env's two resets, then the agents' while built from a class or
    a `partial` and seated, then the game's draws as it plays; it never calls an agent's `reset`), so
    `random.seed(n)` before it plays the competition's match; `max_timesteps` beyond the game's longest match plays the longest (see `longest`);
    agents are handed their seat declaring the competition's observation space and `obs_helper` bounds
    (`seat_as_there`); reward terms and signal handlers are handed the game as the competition's env (a
    `CompetitionView`: `env.agents == [0, 1]`, ...), whose `train_mode` is `train_mode` (it changes nothing
    else). An action is read as the competition's fighters read it, each value above 0.5 holding its key, so
    values outside 0..1 play (see `_keys_held`). What an agent's own code raises (in its constructor,
    `get_env_info` or `predict`) is raised from here, as there, once the video is closed; an action the game
    cannot take is an ArenaError.
    The platform turns at the ends of its path without stopping, as in the competition's `run_match`,
    which its battles were played with (the env's default, `platform_pauses=True`, stops it for a frame,
    as the competition's env does).
    """
    from arena.envs import make_raw
    from arena.match import play_match
    from arena.video import VideoWriter

    names = [agent_1_name or "agent_1", agent_2_name or "agent_2"]
    env = make_raw("fighting", platform_pauses=False,  # as its battles
                   resolution=CameraResolution.of(resolution).name.lower(), max_timesteps=longest(max_timesteps),
                   draws_from="random")
    raw = env.unwrapped
    raw.reset()  # the draws of the competition's env's first reset, in its constructor; the match resets again
    if any(issubclass(_agent_class(a), UserInputAgent) for a in (agent_1, agent_2)):
        raw.render_mode = "human"  # a window from the match's reset on
    raw.agent_names = names
    if reward_manager is not None:
        shown = CompetitionView(raw, train_mode=train_mode)  # what the reward terms are handed, as there
        shown.agent_names = names
        reward_manager.reset()
        reward_manager.subscribe_signals(shown)
    writer = VideoWriter(video_path, COMPETITION_PICTURE_RATE, encoded_fps=raw.fps) if video_path else None

    handles = [_SeatedAsThere(a, name) for a, name in zip((agent_1, agent_2), names)]

    def after_step(_: Any) -> None:
        if not raw.steps:  # the match's reset: both agents are handed the env now, agent_1 first, as there
            for handle in handles:
                handle.seat()
            return
        if writer is not None:
            writer.add(raw.rgb_frame())
        if reward_manager is not None:
            for fighter, handle in zip(raw.players, handles):  # as there: what the agent returned, a list a list
                raw.cur_action[fighter.agent_id] = fighter.cur_action = handle.returned
            reward_manager.process(shown, raw.dt)

    try:
        # The agents' own seed, from the system: the competition's agents draw from nothing `random.seed` sets.
        result = play_match(env, handles, seed=secrets.randbelow(2**31), on_step=after_step)
    except HarnessError:
        if not any(handle.raised is not None for handle in handles):
            raise
        result = None  # an agent seated at the match's reset, outside the calls the match records, failed
    finally:
        if writer is not None:
            writer.close()
        env.close()
    if result is None or result.fault is not None:
        _raise_what_an_agent_raised(handles)  # not in an `except`: raised as it was, with nothing chained to it
        raise ArenaError(f"{names[['player_0', 'player_1'].index(result.fault.seat)]} {result.fault.status} "
                         f"in {result.fault.phase}: {result.fault.detail}\n{result.fault.traceback}")
    return match_stats(raw)


def seat_as_there(seat: SeatView) -> SeatView:
    """`seat` declaring what the competition's env declares to the agents it is handed to: its observation
    space and its helper's bounds (arena's own declare the values' ranges; the values are the same)."""
    return dataclasses.replace(seat, observation_space=competition_observation_space(),
                               obs_helper=competition_obs_helper())


def _raise_what_an_agent_raised(handles: list[_SeatedAsThere]) -> None:
    for handle in handles:
        if handle.raised is not None:
            raise handle.raised


def _agent_class(agent: Any) -> type:
    """The class of the agent `agent` is, or builds where that shows without building it (a class, a `partial`)."""
    while isinstance(agent, functools.partial):
        agent = agent.func
    return agent if isinstance(agent, type) else type(agent)


class _SeatedAsThere(LocalAgent):
    """A local agent as the competition's `run_match` has it: built (from a factory) and handed the env
    after the match's reset, both agents before either moves (what they draw from `random` then, and
    what loading a model reseeds, comes after the game's draws and in the competition's order), and
    never reset. Its last action is kept as it returned it: the competition's fighters hold the agent's
    own object, which reward terms read (`(cur_action > 0.5).sum()` fails on a list there), where the
    harness gives the game the action as an array."""

    returned: Any = None
    raised: Exception | None = None  # what its own code raised, which `run_match` raises, as there
    _unseated: Any = None  # its seat, until the match's reset

    def _fault(self, status: Any, what: str, exc: Exception, describe: Any = None) -> Any:
        self.raised = exc
        return super()._fault(status, what, exc, describe)

    def start(self, seat: Any) -> None:
        self._unseated = seat

    def seat(self) -> None:
        """Hand the agent the env (its `get_env_info`), once."""
        if self._unseated is not None:
            seat, self._unseated = self._unseated, None
            super().start(seat_as_there(seat))

    def reset(self) -> None:
        self.time_used = 0.0

    def await_action(self) -> Any:
        self.returned = super().await_action()
        return _keys_held(self.returned)


def _keys_held(action: Any) -> Any:
    """What the competition's fighters make of `action`: each of the 10 values above 0.5 holds its key, and
    its game reads nothing else of them. So values outside 0..1 (key presses added together, a network's
    raw outputs) play there rather than being illegal: they come back as the keys they hold. An action of
    another shape comes back as it is, for the harness to refuse."""
    try:
        values = np.asarray(action, dtype=np.float64)
    except (TypeError, ValueError):
        return action
    if values.shape != (len(R.KEY_NAMES),) or bool(np.all((values >= 0.0) & (values <= 1.0))):
        return action
    return (values > 0.5).astype(np.float64)  # NaN holds nothing, as there
