"""The fighting game as a PettingZoo Parallel env (see the package docstring for the spec)."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from arena.envs.fighting import rules as R
from arena.envs.fighting.camera import CameraResolution
from arena.envs.fighting.game import Game
from arena.envs.fighting.move_data import MOVE_NAMES, weapon_move_data
from arena.envs.fighting.native import NativeGame, make_batch
from arena.envs.fighting.observation import make_act_helper, make_obs_helper, observations
from arena.envs.fighting.rewards import SIGNAL_NAMES, RewardManager, Signal, perspective
from arena.envs.fighting.states import STATE_CLASSES
from arena.envs.fighting.stats import PlayerStats
from arena.envs.fighting.weapons import WeaponObject, on_stage
from arena.envs.render_modes import RenderModes
from arena.envs.wrapper_random import WrapperRandom

AGENTS = ("player_0", "player_1")
_SEATS = frozenset(AGENTS)  # what `step` takes actions for
ENGINES = ("native", "python")  # the rules in C++ (the default), or the game's Python engine (the reference)
# Where a match's randomness comes from: a seed of its own, drawn from the env's seed stream (arena's: `reset(seed=n)`
# replays), or Python's `random` module, drawn as the competition's game draws (`random.seed(n)` replays its matches)
DRAW_SOURCES = ("seed", "random")
# float64: the values as the competition's env hands them to agents (matches play with these);
# float32: what networks train on (the single-agent Gymnasium view's)
OBSERVATION_DTYPES = ("float64", "float32")
SLOT_NAMES = {1: "Random", 2: "Spear", 3: "Hammer"}  # a weapon slot's type -> get_spawner_info's name


class WarehouseBrawl(WrapperRandom, RenderModes, ParallelEnv):
    """Two fighters, simultaneous moves, 30 frames a second; see `help(arena.envs.fighting)`."""

    metadata = {"name": "fighting_v0", "render_modes": ["human", "rgb_array"], "render_fps": R.FPS,
                "is_parallelizable": True,
                # 2: the competition's own rules (state machine, move data, physics); 3: weapons lying
                # about fall and ride the platform, a spawner's can be taken once shown for 36 frames;
                # 4: contacts solved in the competition's order and remembered 3 steps after parting;
                # 5: bodies turn (moment 1e9) and contacts are found and solved as its engine does, bit
                # for bit; the platform's speed to the last bit; an air dodge ends in the air; 6: a weapon dropped
                # is not there to take until the next frame; 7: both fighters out of stocks on one frame is a draw
                "rules_version": 7}
    # The stage size the competition's env declares, in units; reward code derives edges from it.
    stage_width_tiles = R.STAGE_WIDTH_TILES
    stage_height_tiles = R.STAGE_HEIGHT_TILES

    def __init__(self, render_mode: str | None = None, resolution: CameraResolution | str = "low",
                 max_timesteps: int = R.MATCH_FRAMES, stocks: int = R.STOCKS,
                 reward_manager: RewardManager | None = None, engine: str = "native",
                 observation_dtype: str = "float64", subscribe_reward_signals: bool = True,
                 platform_pauses: bool = True, draws_from: str = "seed"):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"fighting: render_mode must be one of {self.metadata['render_modes']}, "
                             f"got {render_mode!r}")
        if engine not in ENGINES:
            raise ValueError(f"fighting: engine must be one of {ENGINES}, got {engine!r}")
        if draws_from not in DRAW_SOURCES:
            raise ValueError(f"fighting: draws_from must be one of {DRAW_SOURCES}, got {draws_from!r}")
        if observation_dtype not in OBSERVATION_DTYPES:
            raise ValueError(f"fighting: observation_dtype must be one of {OBSERVATION_DTYPES}, got {observation_dtype!r}")
        if max_timesteps < 1 or stocks < 1:
            raise ValueError(f"fighting: max_timesteps and stocks must be at least 1, got {max_timesteps} and {stocks}")
        self.render_mode = render_mode
        self.engine = engine
        self._batch = None  # the native engine's one-game batch, made at the first native reset
        self._batch_frames = 0  # the match length it was made for
        self.resolution = CameraResolution.of(resolution)
        self.max_timesteps = max_timesteps
        self.stocks = stocks
        self.platform_pauses = platform_pauses
        self.draws_from = draws_from
        self.fps = R.FPS
        self.dt = R.DT
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self.obs_helper = make_obs_helper(stocks)
        self.act_helper = make_act_helper()
        self.observation_dtype = np.dtype(observation_dtype).type
        box = self.obs_helper.get_as_box()
        low, high = box.low.astype(self.observation_dtype), box.high.astype(self.observation_dtype)
        self.observation_spaces = {a: gymnasium.spaces.Box(low, high, dtype=self.observation_dtype)
                                   for a in AGENTS}
        self.action_spaces = {a: self.act_helper.get_as_box() for a in AGENTS}
        for name in SIGNAL_NAMES:
            setattr(self, name, Signal(self))
        self._signals = {name: getattr(self, name) for name in SIGNAL_NAMES}
        self._reward_manager = reward_manager
        self._subscribe_reward_signals = subscribe_reward_signals
        self._reward_seats = (0, 1)
        self.reward_managers: list[tuple[RewardManager, Any] | None] | None = None  # made at the first reset
        self._first_seat_view: Any = self  # what the first seat's reward terms are handed (`show_rewards`)
        # Whether each step notes the fighters' x as the frame starts (`frame_start_x`), from which the
        # competition's env view adds what its fighters add to `rewards` themselves (see `moves_to_middle`).
        self.notes_frame_start_x = False
        self.frame_start_x: tuple[float, float, float, float] | None = None  # None: no frame since the reset
        self._seeds = random.Random()
        self._observed_weapons: list[float] | None = None  # set by follow_observation
        self._followed: _FollowedSections | None = None  # where follow_observation reads, once asked
        self._objects_of: Any = None  # the game whose weapons `objects` last listed, and those weapons
        self._lying: dict[str, Any] = {}
        self._on_stage: dict[str, Any] = {}  # what of `objects` was the weapons and the drops' effects (`on_stage`)
        self._logger: list[Any] | None = ["", ""]
        self.game = Game(random.Random(0), self._signals, stocks, max_timesteps,
                         pixels_per_unit=self.resolution.pixels_per_unit, platform_pauses=platform_pauses)
        self._renderer = None

    def shape_rewards_of(self, seat: str) -> None:
        """Have the reward manager reward `seat` only (the other seat's reward is then 0), before the
        first reset: a single-agent view reads no other, and reward terms then run once a frame."""
        if self.reward_managers is not None:
            raise RuntimeError("shape_rewards_of() must come before the env's first reset()")
        self._reward_seats = (AGENTS.index(seat),)

    def show_rewards(self, view: Any) -> None:
        """Hand the first seat's reward terms `view` (a wrapper of this env, as a competition script puts in
        `SelfPlayWarehouseBrawl.raw_env`) instead of the env itself."""
        self._first_seat_view = view
        if self.reward_managers and self.reward_managers[0] is not None:
            self.reward_managers[0] = (self.reward_managers[0][0], view)

    def _seat_reward_managers(self) -> list[tuple[RewardManager, Any] | None]:
        """A manager for each rewarded seat (the second a copy), each seeing its own fighter as "player"."""
        manager = self._reward_manager
        if manager is None:
            return []
        seats: list[tuple[RewardManager, Any] | None] = [None, None]
        for seat in self._reward_seats:
            seat_manager = manager if seat == self._reward_seats[0] else copy.deepcopy(manager)
            view = self._first_seat_view if seat == 0 else perspective(self, seat)
            if self._subscribe_reward_signals:
                seat_manager.subscribe_signals(view)
            seats[seat] = (seat_manager, view)
        return seats

    def observation_space(self, agent: str) -> gymnasium.spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gymnasium.spaces.Space:
        return self.action_spaces[agent]

    # What reward code reads, as in the competition's env.
    @property
    def objects(self) -> dict[str, Any]:
        """The game's objects by name, with the weapons lying on the stage and the dropped weapons' effects
        among them (`weapons.on_stage`)."""
        game = self.game
        lying = game.armory.lying()
        # A new match, or weapons came or went (a drop's effect comes with its weapon): reward code reads
        # `objects` many times a frame, and the effects' order is worked out only then.
        if game is not self._objects_of or lying != self._lying:
            shown = on_stage(lying, game.armory.drop_log)
            kept = {name: item for name, item in game.objects.items()
                    if not isinstance(item, WeaponObject) and name not in self._on_stage}
            self._objects_of, self._lying, self._on_stage = game, lying, shown
            game.objects = {**kept, **shown}  # a new dict: views re-read it
        return game.objects

    @property
    def players(self) -> list[Any]:
        return self.game.players

    @property
    def logger(self) -> list[Any]:
        """What each fighter's frame wrote, as in the competition's env: after a step a dict each, its
        last change of state under 'transition' ('StandingState -> AttackState'; 'InAirState' before any)
        and, while it attacks, its move under 'move_type'; reward code may add to them (a RewardManager
        writes 'reward' and 'total_reward' in its fighter's). '' each in a new env, and within a step
        (a signal's handler); a reset keeps the last frame's."""
        if self._logger is None:  # made when first read in a frame: most frames nothing reads it
            self._logger = [_log_line(fighter) for fighter in self.game.players]
        return self._logger

    @logger.setter
    def logger(self, lines: list[Any]) -> None:
        self._logger = lines

    @property
    def steps(self) -> int:
        return self.game.steps

    @property
    def terminated(self) -> bool:
        """Whether the match is decided (what the last step returned)."""
        return bool(self.game.terminated)

    def get_spawner_info(self) -> list[list[Any]]:
        """The weapons on the stage as [name, [x, y]], where each appeared: "Random" for a spawner's (the
        spawners first), the weapon's name for one dropped, in the order they were dropped.

        An agent's copy of the env (see `follow_observation`) answers from the observation's four
        weapon slots, all it was shown (positions within the observation's bounds).
        """
        if self._observed_weapons is not None:
            slots = self._observed_weapons
            return [[SLOT_NAMES[int(kind)], [x, y]]
                    for x, y, kind in zip(slots[0::3], slots[1::3], slots[2::3]) if kind]
        armory = self.game.armory
        shown = [["Random", list(spawner.position)] for spawner in armory.spawners if spawner.weapon is not None]
        return shown + [[item.name, list(item.shown_at)] for item in armory.lying().values() if item.dropped]

    def follow_observation(self, agent: str, observation: np.ndarray, steps: int) -> None:
        """Make this copy of the env show what `agent` observed on frame `steps` of a match played elsewhere.

        A sandboxed agent's env is never stepped: its worker calls this before each `predict`, so
        what the agent reads through `self.env` (`objects["player"].body.position`, `.velocity`,
        `.facing`, `.state`, `.damage`, `.stocks`, `.weapon`, the opponent's likewise, the
        platform, `get_spawner_info()`, `steps`) is the live match's, to the observation's
        precision. Nothing beyond the observation is shown.
        """
        game = self.game
        layout = self._followed_sections()
        values = observation.tolist()  # Python floats, each as its section's own `tolist()` or `float()` gives it
        index = self.possible_agents.index(agent)
        game.steps = steps
        for sections, fighter in zip(layout.fighters, (game.players[index], game.players[1 - index])):
            (pos, pos_end), (vel, vel_end), facing, damage, stocks, weapon, state = sections
            fighter.body.position = values[pos:pos_end]
            fighter.body.velocity = values[vel:vel_end]
            fighter.facing = R.Facing.RIGHT if values[facing] > 0.5 else R.Facing.LEFT
            fighter.damage = values[damage] * R.MAX_DAMAGE
            fighter.stocks = int(values[stocks])
            fighter.weapon = R.WEAPON_NAMES[int(values[weapon])]
            fighter.state = fighter.states.get(_STATE_NAMES.get(int(values[state])), fighter.state)
        platform = game.platform.body
        (pos, pos_end), (vel, vel_end) = layout.platform
        platform.position = values[pos:pos_end]
        platform.velocity = values[vel:vel_end]
        self._observed_weapons = [value for start, end in layout.spawners for value in values[start:end]]

    def _followed_sections(self) -> _FollowedSections:
        """Where `follow_observation` finds what it reads, for the observation helper as it is now."""
        sections = self.obs_helper.sections
        if self._followed is None or self._followed.sections is not sections:
            self._followed = _FollowedSections.of(sections)
        return self._followed

    def load_attacks(self) -> None:
        """Set `attacks`, `spear_attacks`, `hammer_attacks` and `keys`, as the competition's env does.

        The first three map MoveType to the move in the competition's data format (see `move_data`),
        `keys` the data's move names to MoveType. Competition code also calls it on its own objects
        (`WarehouseBrawl.load_attacks(agent)`).
        """
        self.keys = dict(MOVE_NAMES)
        self.attacks = weapon_move_data("Punch")
        self.spear_attacks = weapon_move_data("Spear")
        self.hammer_attacks = weapon_move_data("Hammer")

    def get_stats(self, agent_id: int) -> PlayerStats:
        fighter = self.game.players[agent_id]
        return PlayerStats(damage_taken=fighter.damage_taken_total, damage_done=fighter.damage_done,
                           lives_left=fighter.stocks)

    def reset(self, seed: int | None = None, options: dict | None = None):
        self._seed_wrapper_random(seed)
        generator = self.generator(seed)
        game_seed = 0
        if generator is None:
            if seed is not None:
                self._seeds = random.Random(seed)
            game_seed = self._seeds.getrandbits(64)
        self._logger = self.logger  # the last frame's lines stay, as there (a new env starts with '' each)
        competition_draws = self.draws_from == "random"
        if self.engine == "native":
            if self._batch is None or self._batch_frames != self.max_timesteps:  # the length set since
                self._batch_frames = self.max_timesteps
                self._batch = make_batch(1, stocks=self.stocks, max_frames=self.max_timesteps, autoreset=False,
                                         pixels_per_unit=self.resolution.pixels_per_unit,
                                         platform_pauses=self.platform_pauses, competition_draws=competition_draws)
            self.game = NativeGame(self._batch, game_seed, self._signals, self.stocks, self.max_timesteps,
                                   generator=generator)
        else:
            self.game = Game(generator or random.Random(game_seed), self._signals, self.stocks, self.max_timesteps,
                             pixels_per_unit=self.resolution.pixels_per_unit, platform_pauses=self.platform_pauses,
                             competition_draws=competition_draws)
        self.agents = list(AGENTS)
        self.cur_action = {0: np.zeros(len(R.KEY_NAMES), np.float32), 1: np.zeros(len(R.KEY_NAMES), np.float32)}
        self.rewards = {0: 0.0, 1: 0.0}
        self.frame_start_x = None
        if self.reward_managers is None:
            self.reward_managers = self._seat_reward_managers()
        for seat in self.reward_managers:
            if seat is not None:
                seat[0].reset()
        if self._renderer is not None:
            self._renderer.reset()
        if self.render_mode == "human":
            self.render()
        return self._observations(), {a: {} for a in AGENTS}

    def generator(self, seed: int | None) -> random.Random | None:
        """What the match a reset with `seed` starts draws from: None for a game seed of its own
        (`draws_from="seed"`), else the generator behind Python's `random` functions, whatever the seed
        (the competition's env ignores it too)."""
        return None if self.draws_from == "seed" else random._inst  # type: ignore[attr-defined]

    def get_keys_to_action(self) -> dict[tuple[str, ...], np.ndarray]:
        """Every combination of the game's keys, as `gymnasium.utils.play` reads the keyboard (space is " "),
        to the action pressing them: `play(env, noop=np.zeros(10, np.float32))` plays a fighter by hand."""
        keys = [" " if name == "space" else name for name in R.KEY_NAMES]
        return {tuple(key for bit, key in enumerate(keys) if pressed >> bit & 1):
                np.array([pressed >> bit & 1 for bit in range(len(keys))], np.float32)
                for pressed in range(1, 1 << len(keys))}

    def step(self, actions: dict[str, Any]):
        if not actions.keys() <= _SEATS:  # else the fighters it names press nothing, silently
            raise ValueError(f"actions are keyed by seat, {AGENTS[0]!r} and {AGENTS[1]!r}; got {sorted(map(repr, actions))} "
                             "(to step with fighters 0 and 1 as the competition's env does, use "
                             "arena.compat.ai2.WarehouseBrawl)")
        if not self.agents:  # the game is over: as PettingZoo's Parallel envs, stepping it changes nothing
            return {}, {}, {}, {}, {}
        seen, rewards, infos, terminated, truncated = self.step_both(actions.get(AGENTS[0]), actions.get(AGENTS[1]))
        first, second = AGENTS
        return ({first: seen[0], second: seen[1]}, {first: rewards[0], second: rewards[1]},
                {first: terminated, second: terminated}, {first: truncated, second: truncated},
                {first: infos[0], second: infos[1]})

    def step_both(self, action_0: Any, action_1: Any) -> tuple[tuple, tuple, tuple, bool, bool]:
        """`step` with both fighters' actions and results by fighter number instead of in per-seat dicts:
        (observations, rewards, infos, terminated, truncated), the last two the same for both (truncated
        only when not terminated). The single-agent view steps the game through it."""
        game = self.game
        # What reward code reads of the frame, as in the competition's env: both fighters' keys, what each
        # fighter's frame logged, and rewards it may add (which, as there, nothing else reads).
        self.cur_action, self._logger, self.rewards = {0: action_0, 1: action_1}, ["", ""], {0: 0.0, 1: 0.0}
        if self.notes_frame_start_x:  # the moves are made into rewards only when read: most frames nothing does
            self.frame_start_x = game.last_moves_x()
        game.step(_keys(action_0), _keys(action_1))
        self._logger = None  # each line made from the frame when first read, not from a signal's moment within it
        both = self._both_observations()
        if self.reward_managers:
            rewards = tuple(seat[0].process(seat[1], self.dt) if seat else 0.0 for seat in self.reward_managers)
            infos = tuple({"reward_terms": dict(seat[0].term_totals)} if seat else {} for seat in self.reward_managers)
        else:
            winner = game.winner
            rewards = (0.0, 0.0) if winner is None else (1.0, -1.0) if winner == 0 else (-1.0, 1.0)
            infos = ({}, {})
        terminated = game.terminated
        # `max_timesteps` set during a match applies at once, as in the competition's env (its training
        # scripts shorten the matches of an env already made and reset, through `raw_env.max_timesteps`).
        truncated = (game.truncated or game.steps >= self.max_timesteps) and not terminated
        if terminated or truncated:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return both, rewards, infos, terminated, truncated

    def observe(self, agent: int) -> np.ndarray:
        """Fighter `agent`'s (0 or 1) observation now, as the competition's env gives it to reward code."""
        return self._both_observations()[agent]

    def add_reward(self, agent: int, reward: float) -> None:
        """Add to `rewards[agent]` this frame, as the competition's env lets reward code do."""
        self.rewards[agent] += reward

    def moves_to_middle(self, moves_x: tuple[float, float, float, float] | None = None) -> dict[int, float]:
        """What each competition fighter adds to its own reward as a frame starts (its `Player.process`, a
        reward it marks "TO DELETE" but adds): its move along x in the last physics step, positive towards
        the middle (x = 0), added to 0 as there. From the fighters now, or from `moves_x` (fighter 0's x and
        x before the physics step, then fighter 1's: `frame_start_x`)."""
        x_0, prev_x_0, x_1, prev_x_1 = self.game.last_moves_x() if moves_x is None else moves_x
        return {0: 0 + (1 if x_0 < 0 else -1) * (x_0 - prev_x_0), 1: 0 + (1 if x_1 < 0 else -1) * (x_1 - prev_x_1)}

    def _observations(self) -> dict[str, np.ndarray]:
        first, second = self._both_observations()
        return {AGENTS[0]: first, AGENTS[1]: second}

    def _both_observations(self) -> tuple[np.ndarray, np.ndarray]:
        game = self.game
        dtype = self.observation_dtype
        return game.observations(dtype) if isinstance(game, NativeGame) else observations(game, dtype)

    def outcome_text(self) -> str:
        """Stocks and damage of both fighters, e.g. 'player_0 2 stocks 34% - player_1 0 stocks 120%' (players named
        by `player_names`, as a match names them)."""
        return " - ".join(f"{self.shown_name(AGENTS[i])} {f.stocks} stocks {f.damage:.0f}%" for i, f in enumerate(self.game.players))

    @property
    def agent_names(self) -> list[str]:
        """The fighters' names on the HUD, in seat order (`player_names` by seat; the seats by default)."""
        return [self.shown_name(a) for a in AGENTS]

    @agent_names.setter
    def agent_names(self, names: list[str]) -> None:
        self.player_names = dict(zip(AGENTS, names))

    def _picture(self):
        if self._renderer is None:
            from arena.envs.fighting.render import Renderer

            self._renderer = Renderer(self.resolution)
        return self._renderer.draw(self.game, self.agent_names)


# The name of the first of a fighter's states (in their order) that an observation's state value names.
_STATE_NAMES = {state.number: state.name for state in reversed(STATE_CLASSES)}


@dataclass(frozen=True)
class _FollowedSections:
    """Where in an observation `follow_observation` reads each value: (start, end) of a position or
    velocity, the start of a value alone; the player's then the opponent's, for `sections`."""

    sections: dict[str, tuple[int, int]]
    fighters: tuple[tuple, tuple]  # pos, vel, facing, damage, stocks, weapon_type, state
    platform: tuple[tuple[int, int], tuple[int, int]]  # its position and velocity
    spawners: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, sections: dict[str, tuple[int, int]]) -> _FollowedSections:
        def fighter(side: str) -> tuple:
            pairs = tuple(sections[f"{side}_{name}"] for name in ("pos", "vel"))
            return (*pairs, *(sections[f"{side}_{name}"][0]
                              for name in ("facing", "damage", "stocks", "weapon_type", "state")))

        return cls(sections, (fighter("player"), fighter("opponent")),
                   (sections["player_moving_platform_pos"], sections["player_moving_platform_vel"]),
                   tuple(sections[f"player_spawner_{slot}"] for slot in range(1, 5)))


def _keys(action: Any) -> Any:
    """An action as the game takes it: an array or a list of 10 key values as the agent gave it (its
    fighter keeps the agent's own object, as the competition's does, and reward code reads it there:
    a list stays a list), anything else as a float array; a missing action presses nothing. Values
    stay float64: 0.5000000001 presses its key, as the competition's game reads it."""
    if action is None:
        return np.zeros(len(R.KEY_NAMES), np.float32)
    return action if isinstance(action, (np.ndarray, list)) else np.asarray(action, np.float64)


def _log_line(fighter: Any) -> dict[str, Any]:
    """A fighter's line of `logger` for the frame just played."""
    line: dict[str, Any] = {"transition": fighter.state_str}
    state = fighter.state
    if state is fighter.states["attack"]:
        line["move_type"] = state.move_type
    return line
