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
on next. A wrapper a script puts in `raw_env` (`env.raw_env = MyWrapper(env.raw_env)`) is what the game is
reset and stepped through, as there: handed fighters 0 and 1's actions, it returns what the competition's env
returns, and its observations are the learner's and the opponent's. Its observation space is declared as
the competition's env declares it (`competition_observation_space()`), so a model saved there loads onto it
(`PPO.load(path, env=env)`).
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

    # As there: no rgb_array mode declared, as `render()` returns the picture turned and mirrored (width x height).
    metadata = {"render_modes": ["human"], "render_fps": 30}
    render_mode = None

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
            self._single.step_through(_ThroughCompetitionEnv(wrapper, self._view, self._single.raw.possible_agents))
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

    def render(self) -> Any:
        """The game's picture as `raw_env.render()` draws it, as there: turned and mirrored, width x height x 3
        (`np.fliplr(np.rot90(img, k=-1))` turns it upright, as the competition's run_match does)."""
        return self.raw_env.render()

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        """A new episode: the game drawn from Python's `random`, then its opponent, as there (`seed` is
        ignored, as there: `random.seed(n)` before training repeats it)."""
        self.games_done += 1
        return self.env.reset(options=options)

    def on_training_start(self) -> None:
        """Count on from the steps the agent's model has trained for, as the competition's training code does
        before learning (`SaveHandler.update_info`)."""
        if self.save_handler is not None:
            self.save_handler.update_info()

    def on_training_end(self) -> None:
        """Save the agent a last time, as the competition's env does when training stops: SB3's learn() counted
        this run's steps only, so the agent is told the whole count first and its checkpoint is named on from
        where the run began."""
        handler = self.save_handler
        if handler is None or handler.agent is None:
            return
        if hasattr(handler.agent, "update_num_timesteps"):  # else an SB3 model, saved as it counts
            handler.agent.update_num_timesteps(handler.num_timesteps)
        handler.save_agent()


class _ThroughCompetitionEnv:
    """The game stepped and reset through a wrapper a script put in `raw_env`, as the competition's env
    is: the wrapper is handed fighters 0 and 1's actions and returns what the competition's env returns
    (`CompetitionView.step`, `reset`); the single-agent view is handed it back by seat. The learner's
    reward stays the game's, its reward manager's, as there, where the trainer asks the manager; the
    wrapper's info is added to the game's."""

    def __init__(self, wrapper: Any, view: CompetitionView, seats: list[str]):
        self.wrapper, self.view, self.seats = wrapper, view, seats

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        seats, view = self.seats, self.view
        observations, _, terminated, truncated, info = self.wrapper.step(
            {fighter: actions.get(seat) for fighter, seat in enumerate(seats)})
        infos = {seat: {**game_info, **info} for seat, game_info in zip(seats, view.game_infos)}
        return (self._by_seat(observations), dict(zip(seats, view.game_rewards)),
                dict.fromkeys(seats, bool(terminated)), dict.fromkeys(seats, bool(truncated)), infos)

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        """The wrapper's reset, as the competition's env calls it (with no seed: the game draws from `random`)."""
        observations, info = self.wrapper.reset()
        return self._by_seat(observations), {seat: dict(info) for seat in self.seats}

    def _by_seat(self, observations: dict[int, Any]) -> dict[str, Any]:
        return {seat: observations[fighter] for fighter, seat in enumerate(self.seats)}
