"""`SelfPlayWarehouseBrawl`: the competition's single-agent training env, on arena's league.

    env = SelfPlayWarehouseBrawl(reward_manager=gen_reward_manager(), opponent_cfg=opponent_cfg,
                                 save_handler=save_handler)
    my_agent.get_env_info(env)
    my_agent.learn(env, total_timesteps=100_000)

The learner is player_0, in matches of the competition's length (9,000 frames, 5 minutes); at each reset the
game draws from Python's `random` and then `opponent_cfg.on_env_reset()` draws the episode's opponent, a new
agent (self-play opponents are the save handler's checkpoints), as there; the reward is `reward_manager`'s
(else +1/-1 on the decisive frame), its signal terms counting once the manager is subscribed, as there:
`reward_manager.subscribe_signals(env.raw_env)` (what the competition's `train()` does; subscribing twice
counts them once). `raw_env` is the two-player game as the competition's env (a `CompetitionView`:
`agents == [0, 1]`, Box spaces, `train_mode`, ...), which the reward terms and signal handlers are handed too;
`obs_helper`/`act_helper` its helpers, `opponent_agent` the episode's opponent and `opponent_obs` what it acts
on next. Its observation space is declared as the competition's env declares it
(`competition_observation_space()`), so a model saved there loads onto it (`PPO.load(path, env=env)`).
"""

from __future__ import annotations

from typing import Any

import gymnasium

from arena.compat.ai2.warehouse import CompetitionView
from arena.envs.fighting.camera import CameraResolution
from arena.envs.fighting.observation import competition_observation_space
from arena.envs.fighting.rewards import RewardManager
from arena.train.checkpoints import SaveHandler
from arena.train.league import LeagueEnv, fighting_outcome
from arena.train.selfplay import OpponentsCfg, SelfPlayTraining, competition_game


class SelfPlayWarehouseBrawl(gymnasium.Wrapper):
    """player_0 of the fighting game against opponents drawn every episode; see the module docstring."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(self, reward_manager: RewardManager | None = None, opponent_cfg: OpponentsCfg | None = None,
                 save_handler: SaveHandler | None = None, render_every: int | None = None,
                 resolution: CameraResolution = CameraResolution.LOW):
        self.reward_manager = reward_manager
        self.opponent_cfg = opponent_cfg if opponent_cfg is not None else OpponentsCfg()
        self.save_handler = save_handler
        self.render_every = render_every
        self.resolution = CameraResolution.of(resolution)
        pool = self.opponent_cfg.pool()
        single = competition_game(reward_manager, self.resolution, subscribe_reward_signals=False,
                                  render_mode="rgb_array")
        league = LeagueEnv(single, pool.opponents, fighting_outcome, draw=self.opponent_cfg.draw)
        super().__init__(SelfPlayTraining(league, pool, save_handler))
        self.observation_space = competition_observation_space()
        self._single = single
        self._view = CompetitionView(single.raw, train_mode=True)  # the competition's env, as its code reads it
        self._raw_env: Any = self._view
        self.obs_helper = self._view.obs_helper
        self.act_helper = self._view.act_helper
        self.games_done = 0
        self.opponent_cfg.attach(self, save_handler)

    @property
    def unwrapped(self) -> SelfPlayWarehouseBrawl:
        """This env, as there, where it is a gymnasium.Env of its own: code that wraps it (Monitor, its own
        wrappers) reaches its `raw_env`, helpers and `on_training_start`/`on_training_end` through `unwrapped`."""
        return self

    @property
    def raw_env(self) -> Any:
        """The two-player game as the competition's env (a `CompetitionView`); a script may put a wrapper of it
        here, as in the competition: the game is then stepped through the wrapper's `step`, and the reward
        terms are handed the wrapper."""
        return self._raw_env

    @raw_env.setter
    def raw_env(self, wrapper: Any) -> None:
        self._raw_env = wrapper
        if wrapper is not self._view:
            self._single.step_through(wrapper)
            self._single.raw.show_rewards(wrapper)

    @property
    def opponent_agent(self) -> Any:
        """The episode's opponent, as there: the agent `opponent_cfg.on_env_reset()` gave at the last reset.
        Code may seat another one here; the next reset draws again."""
        (agent,) = self._single.opponents.values()
        return agent

    @opponent_agent.setter
    def opponent_agent(self, agent: Any) -> None:
        (seat,) = self._single.opponents
        self._single.opponents = {seat: agent}

    @property
    def opponent_obs(self) -> Any:
        """What the opponent observed last, as there: the observation it is handed at the next step."""
        (seat,) = self._single.opponents
        return self._single.observation_of(seat)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        """A new episode: the game drawn from Python's `random`, then its opponent, as there (`seed` is
        ignored, as there: `random.seed(n)` before training repeats it)."""
        self.games_done += 1
        return self.env.reset(options=options)

    def on_training_start(self) -> None:
        """Called by training code before learning starts (nothing to prepare here)."""

    def on_training_end(self) -> None:
        """Save the agent a last time, as the competition's env does when training stops."""
        if self.save_handler is not None and self.save_handler.agent is not None:
            self.save_handler.save_agent()
