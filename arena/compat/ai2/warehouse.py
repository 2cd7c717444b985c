"""The competition's `WarehouseBrawl`: arena's fighting game behind the competition's env interface.

    env = WarehouseBrawl(resolution=CameraResolution.LOW, train_mode=True)
    env.max_timesteps = 30 * 90
    observations, info = env.reset()
    my_agent.get_env_info(env)                     # env.observation_space is a Box, as there
    observations, rewards, terminated, truncated, info = env.step({0: my_agent.predict(observations[0]),
                                                                   1: opponent.predict(observations[1])})

The fighters are 0 and 1 (`env.agents == [0, 1]`): observations, actions and rewards are dicts
keyed by them, and `terminated`/`truncated` are single booleans. `observation_space` and
`action_space` are the spaces themselves (the competition's env sets them as attributes), and
the observation space is declared with the competition's bounds
(`observation.competition_observation_space()`), so models made on it load there and back.
What reward code reads (`objects`, `players`, `steps`, `terminated`, `get_spawner_info()`, `get_stats()`,
the signals, `stage_width_tiles`, ...) is arena's game, as in `arena.envs.fighting`; so are
`weapon_controller.spawners` and `weapon_spawners` (`arena.compat.ai2.weapons`).

As there: a new env is already reset; a match lasts `max_timesteps` frames (9,000 by default,
5 minutes; changing it takes effect at once); `rewards` hold what the competition's fighters add
themselves each frame (the last physics step's move along x, towards the middle positive: see
`moves_to_middle`) and what `add_reward` adds;
stepping on after the match is decided is allowed; `render()` returns the picture as the
competition's camera does, turned a quarter and mirrored (width x height x 3: undo with
`np.fliplr(np.rot90(img, k=-1))`, as its `run_match` does before writing video). The match draws
its randomness from Python's `random` module, what and when the competition's game draws (at every
reset, including the one in the constructor, and during play), so a script that calls
`random.seed(n)` plays the competition's matches; as there, `reset(seed=...)` keeps the seed in
`env.seed` and draws from `random` all the same. `mode` does not open a window (the competition's env
never draws into one either).

arena's harness and PettingZoo code use `arena.envs.fighting.WarehouseBrawl` (seats "player_0"
and "player_1"); this class is for code written against the competition's env.

Where arena plays the match itself (`SelfPlayWarehouseBrawl`, `run_match`), the game stepped is arena's
PettingZoo env, which its single-agent view, league and harness drive by seat; what competition code is
handed there (reward terms, signal handlers, `raw_env`) is a `CompetitionView` of it: a view rather than
this class under the trainer, so the match, its draws and its rewards are the same objects and values as
before (nothing recorded changes) while the code reads the competition's attributes, the same as this
class's (`CompetitionInterface` sets both), and its `step` and `reset` take and return what this class's do.
The view keeps those attributes and passes every other read and write to the game, the ones reward code
reads every frame through properties (tens of nanoseconds).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import numpy as np
from gymnasium import spaces

from arena.compat.ai2.objects import GameMode
from arena.compat.ai2.rendering import Camera, draw_frame_text
from arena.compat.ai2.weapons import WeaponSpawnController, WeaponSpawner
from arena.envs.fighting import rules as R
from arena.envs.fighting.camera import CameraResolution, RenderMode
from arena.envs.fighting.env import WarehouseBrawl as FightingEnv
from arena.envs.fighting.observation import ActHelper, ObsHelper, competition_observation_space, make_obs_helper
from arena.envs.fighting.observation import observations as game_observations
from arena.envs.fighting.rewards import SIGNAL_NAMES

AGENTS = [0, 1]


class CompetitionInterface:
    """What the competition's env has beyond arena's game: its modes, fighter keys, spaces as attributes,
    move data, team names and camera. `WarehouseBrawl` is such a game; `CompetitionView` shows one."""

    BRAWL_TO_UNITS = 1.024 / 320  # game units per unit of the competition's move data

    def take_competition_interface(self, mode: RenderMode, train_mode: bool) -> None:
        """Set the attributes the competition's env sets in its constructor, as it sets them."""
        self.game_mode = GameMode.STANDARD
        self.number_of_platforms = 2
        self.mode = mode
        self.train_mode = train_mode
        self.agents = list(AGENTS)
        self.seed = None
        self.agent_names = ["Team 1", "Team 2"]
        self.observation_space = self.get_observation_space()
        self.camera = Camera()
        self.action_space = self.get_action_space()
        self.observation_spaces = {agent: self.observation_space for agent in AGENTS}
        self.action_spaces = {agent: self.action_space for agent in AGENTS}
        self.weapon_spawners = [WeaponSpawner(self, 0), WeaponSpawner(self, 1)]
        self.weapon_controller = WeaponSpawnController(self, self.weapon_spawners)
        FightingEnv.load_attacks(self)

    # The spaces, built as the competition's env builds them.
    def get_observation_space(self) -> spaces.Box:
        """The competition's declared space; also sets `obs_helper` (the same sections and bounds)."""
        helper = ObsHelper()
        self.add_player_obs(helper, "player")
        self.add_player_obs(helper, "opponent")
        self.obs_helper = helper
        return helper.get_as_box()

    def add_player_obs(self, obs_helper: ObsHelper, name: str = "player") -> None:
        """Add the 32 values about one fighter, sections named `{name}_pos` ... `{name}_moving_platform_vel`."""
        declared = competition_observation_space()
        for section, (start, end) in make_obs_helper().sections.items():
            if section.startswith("player_"):
                obs_helper.add_section(declared.low[start:end].tolist(), declared.high[start:end].tolist(),
                                       f"{name}_{section.removeprefix('player_')}")

    def get_action_space(self) -> spaces.Box:
        """The 10 keys as a Box(0, 1, (10,)); also sets `act_helper`."""
        helper = ActHelper()
        for key in ("w", "a", "s", "d", "space", "h", "l", "j", "k", "g"):
            helper.add_key(key)
        self.act_helper = helper
        return helper.get_as_box()

    # The team names the picture shows.
    @property
    def agent_1_name(self) -> str:
        return self.agent_names[0]

    @agent_1_name.setter
    def agent_1_name(self, name: str) -> None:
        self.agent_names = [name, self.agent_names[1]]

    @property
    def agent_2_name(self) -> str:
        return self.agent_names[1]

    @agent_2_name.setter
    def agent_2_name(self, name: str) -> None:
        self.agent_names = [self.agent_names[0], name]

    def render(self) -> np.ndarray:
        """The picture as the competition's camera returns it: (width, height, 3), see the module docstring."""
        return np.rot90(self.rgb_frame()[:, ::-1], k=1)

    def handle_ui(self, canvas: Any) -> None:
        """Write the competition's text overlay on the pygame surface `canvas`, as its env does: the frame count,
        each fighter's last change of state and move, and its rewards (`logger`)."""
        draw_frame_text(canvas, self)


class WarehouseBrawl(CompetitionInterface, FightingEnv):
    """The fighting game with the competition's env interface; see the module docstring."""

    def __init__(self, mode: RenderMode = RenderMode.RGB_ARRAY,
                 resolution: CameraResolution = CameraResolution.LOW, train_mode: bool = False):
        self._max_timesteps = R.COMPETITION_FRAMES
        super().__init__(render_mode="rgb_array", resolution=resolution, max_timesteps=R.COMPETITION_FRAMES,
                         draws_from="random")
        self.take_competition_interface(mode, train_mode)
        self.rewards = {agent: 0 for agent in AGENTS}
        self.reset()

    # The match length: set any time, it applies to the match under way.
    @property
    def max_timesteps(self) -> int:
        return self._max_timesteps

    @max_timesteps.setter
    def max_timesteps(self, frames: int) -> None:
        self._max_timesteps = int(frames)
        game = self.__dict__.get("game")
        if game is not None:
            game.max_frames = self._max_timesteps

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict[int, np.ndarray], dict]:
        self.seed = seed
        super().reset(seed=seed, options=options)
        self.agents = list(AGENTS)
        self.rewards = {agent: 0 for agent in AGENTS}
        self.camera.reset(self)
        return self._observe_both(), {}

    def step(self, action: dict[int, Any]):
        """One frame: `action[0]` and `action[1]` are the fighters' keys (10 values, > 0.5 pressed)."""
        self.cur_action = action
        self.rewards = self.moves_to_middle()  # first in the frame, as its fighters add it, before reward code
        self.logger = ["", ""]
        self.camera.process()
        game = self.game
        # Each fighter's cur_action is the agent's own object, as there (a list stays a list); keys read > 0.5 exactly.
        game.step(*(action[agent] for agent in AGENTS))
        self._logger = None  # each fighter's line, made from the frame when first read
        return self._observe_both(), self.rewards, self.terminated, game.steps >= self.max_timesteps, {}

    def observe(self, agent: int) -> np.ndarray:
        """Fighter `agent`'s observation: its own 32 values, then the other's."""
        return game_observations(self.game)[agent]

    def _observe_both(self) -> dict[int, np.ndarray]:
        return dict(zip(AGENTS, game_observations(self.game)))

    def add_reward(self, agent: int, reward: float) -> None:
        self.rewards[agent] += reward


class CompetitionView(CompetitionInterface):
    """An arena fighting game as code written for the competition's env sees it; see the module docstring.

    Reads and writes go to `game` but for the competition's own attributes (`agents == [0, 1]`, the
    spaces, modes, team names, camera, move data), kept here. Made over a game, it hands the game's reward
    terms of the first seat and its signals' handlers this view, and has the game's `rewards` start each
    frame with the fighters' moves to the middle, as in the competition's env.
    """

    OWN = frozenset({"_game", "_moved", "game_rewards", "game_infos", "game_mode", "number_of_platforms", "mode",
                     "train_mode", "agents", "seed", "agent_names", "observation_space", "camera", "action_space",
                     "observation_spaces", "action_spaces", "obs_helper", "act_helper", "keys", "attacks",
                     "spear_attacks", "hammer_attacks", "weapon_spawners", "weapon_controller"})

    def __init__(self, game: FightingEnv, train_mode: bool = False, mode: RenderMode = RenderMode.RGB_ARRAY):
        self._game = game
        self._moved: dict[int, float] | None = None  # the game's `rewards` dict the moves were added to
        # What the game's own `step_both` gave each fighter at the last `step`: its reward managers' rewards.
        self.game_rewards: tuple[float, float] = (0.0, 0.0)
        self.game_infos: tuple[dict, dict] = ({}, {})
        self.take_competition_interface(mode, train_mode)
        self.camera.reset(self)
        game.notes_frame_start_x = True
        game.show_rewards(self)
        for name in SIGNAL_NAMES:
            getattr(game, name).env = self  # what its handlers are handed, as there: the env, whoever connected

    @property
    def rewards(self) -> dict[int, float]:
        """The game's `rewards` of the frame, the fighters' moves to the middle added first (when first read
        or added to in a frame, from where they stood as it started), as the competition's fighters add them."""
        game = self._game
        rewards = game.rewards
        if rewards is not self._moved:
            self._moved = rewards
            if game.frame_start_x is not None:
                moves = game.moves_to_middle(game.frame_start_x)
                for agent in AGENTS:
                    rewards[agent] = moves[agent] + rewards[agent]
        return rewards

    @rewards.setter
    def rewards(self, rewards: dict[int, float]) -> None:
        self._game.rewards = rewards

    def add_reward(self, agent: int, reward: float) -> None:
        self.rewards[agent] += reward

    def step(self, action: dict[int, Any]) -> tuple[dict[int, np.ndarray], dict[int, float], bool, bool, dict]:
        """One frame, as the competition's env steps: fighters 0 and 1's keys in, and out their observations
        and `rewards` keyed by fighter, `terminated` and `truncated` as booleans, and an empty info."""
        seen, self.game_rewards, self.game_infos, terminated, truncated = self._game.step_both(*map(action.get, AGENTS))
        return dict(zip(AGENTS, seen)), self.rewards, terminated, truncated, {}

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict[int, np.ndarray], dict]:
        """A new match, as the competition's env resets: the fighters' observations keyed 0 and 1, and an
        empty info."""
        observations, _ = self._game.reset(seed=seed, options=options)
        return dict(zip(AGENTS, (observations[seat] for seat in self._game.possible_agents))), {}

    def __getattr__(self, name: str) -> Any:
        game = self.__dict__.get("_game")
        if game is None:  # a copy being made, before its attributes are restored
            raise AttributeError(name)
        return getattr(game, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.OWN:
            object.__setattr__(self, name, value)
        else:  # `max_timesteps`, and whatever else a script sets, is the game's
            setattr(self._game, name, value)


def _passed_on(name: str) -> property:
    return property(attrgetter(f"_game.{name}"), lambda view, value: setattr(view._game, name, value))


# What reward code reads every frame, passed on by properties rather than after `__getattr__`'s failed lookup
# (about ten times faster: a reward term reads a few of these a frame, and training runs millions of frames).
for _name in ("objects", "players", "steps", "terminated", "logger", "cur_action", "dt", "fps", "max_timesteps",
              "stage_width_tiles", "stage_height_tiles", "resolution", "observe", "get_stats", "get_spawner_info"):
    setattr(CompetitionView, _name, _passed_on(_name))
del _name
