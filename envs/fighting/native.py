"""The fighting game's native engine (`arena._native.FightingBatch`): the same rules in C++, N games at once.

    from arena.envs.fighting.native import make_batch
    batch = make_batch(1024, seeds=range(1024), threads=2)
    batch.step(actions)            # actions: (N, 2, 10) keys, float32 or int8 (> 0.5 presses)
    batch.observations             # (N, 2, 64) float32: each fighter's observation (the env's, rounded)
    batch.rewards                  # (N, 2) float32: +1 / -1 on the frame a game is won, else 0
    batch.terminated, batch.truncated   # (N,) bool

Game i plays exactly as `env.reset(seed=seeds[i])` followed by the same keys in the Python env
(`arena.envs.fighting.game` stays the reference the native engine is tested against). With
`autoreset` (the default) a finished game restarts at once, as the env's next `reset()` would:
its last observation is kept in `terminal_observations` and `observations` show the new game.
The arrays are views of the engine's buffers, rewritten in place by every `step`.

The env plays one game on this engine (its default; `make("fighting", engine="python")` plays the
reference): its `game` is then a `NativeGame`, which gives reward code and rendering the Python game's
objects.
"""

from __future__ import annotations

import math
import random
from typing import Any, Iterable, Mapping

import numpy as np

from arena.envs.fighting import rules as R
from arena.envs.fighting.colliders import hitbox_offset
from arena.envs.fighting.fighter import Fighter
from arena.envs.fighting.game import LABELS, Game
from arena.envs.fighting.inputs import HorizontalState
from arena.envs.fighting.move_data import MOVES
from arena.envs.fighting.moves import MoveType
from arena.envs.fighting.powers import CastData, FrameChange, MoveManager, Power, PowerData
from arena.envs.fighting.states import (STATE_CLASSES, AirTurnaroundState, AttackState, DodgeState, InAirState,
                                         StunState)
from arena.envs.fighting.weapons import SpawnerVFX, WeaponObject, key_number, weapon_size

EVENTS = {"win_signal": 1, "knockout_signal": 2, "hit_during_stun": 4, "weapon_equip_signal": 8,
          "weapon_drop_signal": 16}  # bits of `FightingBatch.events`, per game and fighter
EQUIPPED_FIRST = 32  # the events' bit of a fighter that took its weapon before the other took one that frame


def _xy(change: tuple | None) -> tuple | None:
    return None if change is None else (bool(change[0]), float(change[1]), bool(change[2]), float(change[3]))


def _frame_change(frame: int, change: FrameChange) -> dict[str, Any]:
    entry: dict[str, Any] = {"frame": frame}
    if change.pull is not None:
        dx, dy = hitbox_offset(change.pull[0], change.pull[1])
        entry["pull"] = (dx, dy, float(change.pull[2]))
    if change.velocity_set is not None:
        entry["velocity_set"] = tuple(map(float, change.velocity_set))
    if change.damp is not None:
        on_x, x, on_y, y = change.damp
        entry["damp"] = (bool(on_x), float(x), bool(on_y), float(y))
    for name in ("velocity_set_xy", "velocity_add_xy", "hit_velocity_set_xy", "hit_velocity_add_xy"):
        if getattr(change, name) is not None:
            entry[name] = _xy(getattr(change, name))
    if change.hit_position_set is not None:
        on_x, x, on_y, y = change.hit_position_set
        dx, dy = hitbox_offset(x, y)
        entry["hit_position_set"] = (bool(on_x), dx, bool(on_y), dy)
    return entry


def _cast(cast: CastData, power: PowerData) -> dict[str, Any]:
    # The hit angle as powers.MoveManager.play_cast computes it each frame.
    angle = math.radians(cast.hit_angle_deg if cast.hit_angle_deg != 0.0 else power.hit_angle_deg)
    return {
        "startup_frames": cast.startup_frames, "attack_frames": cast.attack_frames,
        "base_damage": float(cast.base_damage), "variable_force": float(cast.variable_force),
        "fixed_force": float(cast.fixed_force), "hit_cos": math.cos(angle), "hit_sin": -math.sin(angle),
        "hitboxes": [tuple(map(float, box)) for box in cast.hitboxes],
        "check_dy": float(cast.check_points[-1][1]) if cast.check_points else None,
        "changes": [_frame_change(frame, change) for frame, change in cast.changes.items()],
    }


def _power(power: PowerData) -> dict[str, Any]:
    return {
        "casts": [_cast(cast, power) for cast in power.casts],
        "recovery_frames": power.recovery_frames, "min_charge": power.min_charge, "stun_time": power.stun_time,
        "is_charge": bool(power.is_charge), "hit_all_hit_agents": bool(power.hit_all_hit_agents),
        "target_all_hit_agents": bool(power.target_all_hit_agents),
        "transition_on_instant_hit": bool(power.transition_on_instant_hit),
        "allow_left_right_mobility": bool(power.allow_left_right_mobility),
        "enable_floor_drag": bool(power.enable_floor_drag),
        "on_hit_velocity": None if power.on_hit_velocity is None else tuple(map(float, power.on_hit_velocity)),
        "on_hit": power.on_hit, "on_miss": power.on_miss, "on_ground": power.on_ground,
        "last_power": bool(power.last_power),
    }


def move_table() -> list[list[dict[str, Any] | None]]:
    """Every weapon's moves (`move_data.MOVES`) as the native engine reads them: [weapon][MoveType value]."""
    table: list[list[dict[str, Any] | None]] = []
    for weapon in R.WEAPON_NAMES:
        row: list[dict[str, Any] | None] = [None] * 13
        for move_type, move in MOVES[weapon].items():
            row[move_type.value] = {"initial": move.initial, "key": int(R.Key.J if move.key == "j" else R.Key.K),
                                    "powers": [_power(power) for power in move.powers]}
        table.append(row)
    return table


def make_batch(n: int = 1, seeds: Iterable[int] | int | None = None, *, stocks: int = R.STOCKS,
               max_frames: int = R.MATCH_FRAMES, first_on_right: bool | None = None, threads: int = 1,
               autoreset: bool = True, pixels_per_unit: float = 48.0, platform_pauses: bool = True,
               competition_draws: bool = False):
    """`n` native fighting games; `seeds` one per game (an int: seeds, seeds + 1, ...; None: 0, 1, ...).
    `pixels_per_unit` is the render scale that sizes the weapons (`CameraResolution.pixels_per_unit`);
    `platform_pauses` and `competition_draws` as `game.Game`'s."""
    from arena import _native

    if seeds is None:
        seeds = 0
    if isinstance(seeds, (int, np.integer)):
        seeds = range(int(seeds), int(seeds) + n)
    seeds = [abs(int(s)) for s in seeds]  # random.Random(seed) ignores the sign
    if len(seeds) != n:
        raise ValueError(f"make_batch: {n} games need {n} seeds, got {len(seeds)}")
    if any(s >= 2**64 for s in seeds):
        raise ValueError("make_batch: seeds must be below 2**64")
    side = -1 if first_on_right is None else int(bool(first_on_right))
    return _native.FightingBatch(move_table(), np.array(seeds, np.uint64), stocks, max_frames, side, threads, autoreset,
                                 pixels_per_unit, platform_pauses, competition_draws)


class SpawnerView:
    """A spawner of a native match as `weapons.Spawner` shows it: `weapon` (None when empty), `position`,
    `spawned_at`, `last_spawn`, `cooldown`. Setting `weapon`, `position`, `spawned_at` or `cooldown` changes
    the match."""

    def __init__(self, side: int, height: float):
        self.side, self.height = side, height
        self.weapon: str | None = None
        self.position = (side * R.SPAWNER_X_RANGE[0], height)
        self.spawned_at = self.last_spawn = self.cooldown = 0

    def shown(self) -> tuple:
        return self.weapon, tuple(self.position), self.spawned_at, self.cooldown


class NativeArmory:
    """The weapons of a native match, answering as `weapons.Armory` does for rendering and reward code."""

    def __init__(self, game: NativeGame):
        self._game = game
        right, left = R.SPAWNER_Y
        self.spawners = [SpawnerView(1, right), SpawnerView(-1, left)]
        self._size = weapon_size(game.batch.pixels_per_unit)
        self._lying: dict[str, WeaponObject] = {}
        self._lying_at = -1  # the frame `_lying` shows
        self._effects: list[SpawnerVFX] = []  # the engine's effects, by index
        self._effects_at = -1  # the frame `_effects` show

    def lying(self) -> dict[str, WeaponObject]:
        """The weapons lying about by their `env.objects` names (`weapons.Armory.lying`): each the same object
        from frame to frame while it lies there, its body and `world_pos` brought up to date."""
        game = self._game
        if self._lying_at != game.steps:
            self._lying_at = game.steps
            kept = {}
            effects = self._effects_now()
            for entry in game.batch.lying(0):
                key, name, x, y, vx, vy, world_x, world_y, dropped, shown_x, shown_y, shown_on, effect, _ = entry
                item = self._lying.get(key) or WeaponObject(name, shown_x, shown_y, self._size, dropped)
                # a key met again after frames unread may be a new weapon
                item.shown_at, item.spawn_frame = (shown_x, shown_y), shown_on
                item.body.x, item.body.y, item.body.vx, item.body.vy = x, y, vx, vy
                item.world_pos[0], item.world_pos[1] = world_x, world_y
                if effect >= 0:
                    item.vfx = effects[effect]
                elif hasattr(item, "vfx"):
                    del item.vfx  # the competition's weapon object has one only once it was dropped
                kept[key] = item
            self._lying = kept
        return self._lying

    @property
    def drop_log(self) -> list[tuple[int, int, bool, SpawnerVFX]]:
        """(frame, number, flipped, effect) of each drop of the match (`weapons.Armory.drop_log`)."""
        effects = self._effects_now()
        return [(frame, number, flipped, effects[effect]) for frame, number, flipped, effect in self._game.drops]

    def _effects_now(self) -> list[SpawnerVFX]:
        """The engine's effects, each the same object from frame to frame, brought up to date."""
        game = self._game
        if self._effects_at != game.steps:
            self._effects_at = game.steps
            for index, (x, y, flipped, listed) in enumerate(game.batch.effects(0)):
                if index == len(self._effects):
                    self._effects.append(SpawnerVFX())
                effect = self._effects[index]
                effect.world_pos = [x, y] if listed else (x, y)
                effect.flipped = flipped
        return self._effects

    def observation(self) -> list[float]:
        """The four weapon slots as the observation reports them (x, y, type each)."""
        return self._game.batch.observations_of(0)[0, 16:28].tolist()  # float64, as the Python game's


class NativeGame:
    """One match played by the native engine (game 0 of a one-game batch), with the Python game's face.

    `step(action_0, action_1)`, `observations()`, `steps`, `terminated`, `truncated`, `winner` and
    `over` come straight from the engine. Everything else a `game.Game` has (`players`, `objects`,
    `platform`, `grounds`, `armory`, ...) is a Python game made when first read and from then on
    brought up to date from the engine after every step: fighters' bodies, states (with their
    jumps, timers and move), damage, stocks, weapons and keys, the platform and the weapons lying
    about, for reward code and rendering. What is written to fighters' positions, velocities,
    facing, damage, weapons and stocks, and to the spawners' weapons and cooldowns, reaches the
    engine before the next step, as such writes change the Python game; other writes do not change
    the match.
    Signals are emitted after each step (win, knock-outs and hits during stun, drops, then
    pickups); the first three happen within the frame in the Python game, and their handlers see
    the match as there (the frame not yet counted in `steps`, a knocked-out fighter's stock not
    yet taken, the fighters where they stood before the frame's physics step), as do a drop's
    when a fighter took a weapon on that frame (holding none yet).
    `copy.deepcopy` and pickling give an independent match where this one stands.
    With a `generator` (a `random.Random`) the engine draws from it instead of from `game_seed`, as
    `Game(generator, ..., competition_draws=True)` does: its state goes to the engine before the reset
    and each step (when someone drew from it since) and comes back after them (when the engine drew).
    """

    def __init__(self, batch: Any, game_seed: int, signals: Mapping[str, Any], stocks: int = R.STOCKS,
                 max_frames: int = R.MATCH_FRAMES, first_on_right: bool | None = None,
                 generator: random.Random | None = None):
        self.batch = batch
        self._generator = generator
        self._generator_words: tuple | None = None  # the generator's state the engine was last in step with
        self._engine_draws = -1
        if generator is None:
            batch.reset_game(0, game_seed, first_on_right)
        else:
            self._hand_over_generator()
            batch.reset_game(0, None, first_on_right)
            self._take_back_generator()
        self.signals = signals
        self.stocks, self.max_frames = stocks, max_frames  # the batch's: it plays them
        self.steps = 0
        self.terminated = self.truncated = False
        self.winner: int | None = None
        self._observations = batch.observations
        self._rewards, self._terminated, self._truncated = batch.rewards, batch.terminated, batch.truncated
        self._events = batch.events
        self._actions = np.zeros((1, 2, len(R.KEY_NAMES)), np.float64)  # holds float32 and float64 keys exactly
        self._last_actions: tuple[Any, Any] = (np.zeros(len(R.KEY_NAMES)),) * 2  # float64, as a fighter's starts
        self._view: Game | None = None
        self._stale = True
        self.drops: list[tuple[int, int, bool, int]] = []  # (frame, number, flipped, effect index) of each drop
        self._shown: list[tuple] = []  # what the view showed when last brought up to date

    @property
    def over(self) -> bool:
        return self.terminated or self.truncated

    _VIEWS = ("_observations", "_rewards", "_terminated", "_truncated", "_events")  # of the batch's buffers

    def __getstate__(self) -> dict:
        # Copied and pickled without the views: a copy makes them again over its own batch's buffers.
        return {name: value for name, value in vars(self).items() if name not in self._VIEWS}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        batch = self.batch
        self._observations, self._rewards, self._events = batch.observations, batch.rewards, batch.events
        self._terminated, self._truncated = batch.terminated, batch.truncated

    def step(self, action_0: Any, action_1: Any) -> None:
        """Advance one frame; actions are arrays of 10 key values (> 0.5 is pressed)."""
        if not (type(action_0) is np.ndarray and action_0.ndim and type(action_1) is np.ndarray and action_1.ndim):
            _refuse_one_number(action_0)  # what is not an array of values is looked at closer
            _refuse_one_number(action_1)
        if self._view is not None:
            self._write_back()
        actions = self._actions
        actions[0, 0] = action_0
        actions[0, 1] = action_1
        if self._generator is not None:
            self._hand_over_generator()
        self.batch.step(actions)
        if self._generator is not None:
            self._take_back_generator()
        self.steps += 1
        self._last_actions = (action_0, action_1)
        self._stale = True
        self.terminated = bool(self._terminated[0])
        self.truncated = bool(self._truncated[0])
        reward = self._rewards[0, 0]
        self.winner = None if reward == 0 else (0 if reward > 0 else 1)
        if self._view is not None:  # once looked at, kept up to date: code holds on to its fighters
            self._refresh()
        events = self._events[0]
        if events[0] or events[1]:
            if (events[0] | events[1]) & EVENTS["weapon_drop_signal"]:
                self._note_drops()
            self._emit(int(events[0]), int(events[1]))

    def _note_drops(self) -> None:
        """Note the frame's drops: each one's effect (`DroppedVFX<n>`) stays in `objects` from now on."""
        known = self.drops[-1][1] if self.drops else -1
        for key, *_, dropped, _, _, spawned_at, effect, flipped in self.batch.lying(0):
            number = key_number(key) if dropped else -1
            if number > known:
                self.drops.append((spawned_at, number, flipped, effect))

    def _hand_over_generator(self) -> None:
        """The engine draws on from `generator` as it stands (other code may have drawn from it since)."""
        words = self._generator.getstate()[1]
        if words != self._generator_words:
            self.batch.set_rng_state(0, words)
            self._generator_words = words

    def _take_back_generator(self) -> None:
        """`generator` goes on from where the engine's draws left it."""
        draws = self.batch.rng_draws(0)
        if draws == self._engine_draws:
            return
        self._engine_draws = draws
        version, _, gauss_next = self._generator.getstate()
        words = self.batch.rng_state(0)
        self._generator.setstate((version, words, gauss_next))
        self._generator_words = words

    def observations(self, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
        """Both fighters' observations (fighter 0's, fighter 1's): new arrays of 64, float64 as the
        competition's env builds them, or float32 (the batch's own)."""
        if dtype == np.float32:
            both = self._observations[0]
            return both[0].copy(), both[1].copy()
        first, second = self.batch.observations_of(0)
        return first, second

    def state(self) -> dict[str, Any]:
        """The match as the engine reports it (`FightingBatch.state`)."""
        return self.batch.state(0)

    def last_moves_x(self) -> tuple[float, float, float, float]:
        """Each fighter's x and x before the last physics step (fighter 0's, then 1's), as `Game.last_moves_x`:
        from the Python view once it exists (it holds what code wrote to the fighters), else from the engine."""
        if self._view is not None:
            return self._view.last_moves_x()
        numbers = self.batch.state_numbers(0)
        return (float(numbers[X]), float(numbers[PREV_X]), float(numbers[FIGHTER_NUMBERS + X]),
                float(numbers[FIGHTER_NUMBERS + PREV_X]))

    def emit(self, signal: str, agent_id: int) -> None:
        self.signals[signal].emit(agent=LABELS[agent_id])

    def _emit(self, first: int, second: int) -> None:
        both = (first, second)
        for agent_id in (1, 0):  # fighter 0 out of stocks signals fighter 1's win first
            if both[agent_id] & EVENTS["win_signal"]:
                self._emit_within_frame("win_signal", agent_id)
        for agent_id, events in enumerate(both):
            for name in ("knockout_signal", "hit_during_stun"):
                if events & EVENTS[name]:
                    self._emit_within_frame(name, agent_id)
        self._emit_drops(both)
        self._emit_equips(both)

    def _emit_within_frame(self, signal: str, agent_id: int) -> None:
        """Emit `signal`, which the Python game emits within the frame: its handlers see the frame not yet
        counted in `steps`, a knocked-out fighter's stock not yet taken, and the fighters where they stood
        before the frame's physics step moved them (`prev_x`, `prev_y`), as there."""
        if not getattr(self.signals[signal], "listened", True):
            return
        view = self._refresh()
        knocked_out = view.players[agent_id] if signal == "knockout_signal" else None
        self.steps -= 1
        view.steps = self.steps
        if knocked_out is not None:
            knocked_out.stocks += 1
        moved = [(fighter.body.x, fighter.body.y) for fighter in view.players]
        for fighter in view.players:
            fighter.body.x, fighter.body.y = fighter.prev_x, fighter.prev_y
        try:
            self.emit(signal, agent_id)
        finally:  # as the Python game goes on after the handlers: whatever they wrote stands, less the stock
            self.steps += 1
            view.steps = self.steps
            if knocked_out is not None:
                knocked_out.stocks -= 1
            for fighter, (x, y) in zip(view.players, moved):
                if (fighter.body.x, fighter.body.y) == (fighter.prev_x, fighter.prev_y):  # not moved by a handler
                    fighter.body.x, fighter.body.y = x, y

    def _emit_drops(self, both: tuple[int, int]) -> None:
        """Emit the frame's `weapon_drop_signal`s. The Python game makes a frame's drops before its pickups, so
        their handlers see a fighter that takes a weapon on this frame still holding none (`weapon == "Punch"`),
        as there; the pickups' handlers, after them, see the new weapons."""
        dropped = [agent_id for agent_id, events in enumerate(both) if events & EVENTS["weapon_drop_signal"]]
        took = [agent_id for agent_id, events in enumerate(both) if events & EVENTS["weapon_equip_signal"]]
        if dropped and took and getattr(self.signals["weapon_drop_signal"], "listened", True):
            players = self._refresh().players
            taken = {agent_id: players[agent_id].weapon for agent_id in took}
            for agent_id in took:
                players[agent_id].weapon = "Punch"
            try:
                for agent_id in dropped:
                    self.emit("weapon_drop_signal", agent_id)
            finally:  # the pickups that follow there set the weapons, whatever the handlers wrote
                for agent_id, weapon in taken.items():
                    players[agent_id].weapon = weapon
            return
        for agent_id in dropped:
            self.emit("weapon_drop_signal", agent_id)

    def _emit_equips(self, both: tuple[int, int]) -> None:
        """Emit the frame's `weapon_equip_signal`s in the order the fighters took their weapons (the Python game
        goes spawner by spawner); the first one's handlers see the other fighter not yet armed, as there."""
        took = [agent_id for agent_id, events in enumerate(both) if events & EVENTS["weapon_equip_signal"]]
        if len(took) < 2:
            for agent_id in took:
                self.emit("weapon_equip_signal", agent_id)
            return
        first = 0 if both[0] & EQUIPPED_FIRST else 1
        second = 1 - first
        if not getattr(self.signals["weapon_equip_signal"], "listened", True):
            return
        later = self._refresh().players[second]
        weapon, later.weapon = later.weapon, "Punch"
        try:
            self.emit("weapon_equip_signal", first)
        finally:  # the second pickup there sets the weapon, whatever the handlers wrote
            later.weapon = weapon
        self.emit("weapon_equip_signal", second)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._refresh(), name)

    def _refresh(self) -> Game:
        """The Python view, brought up to date if the engine stepped since it was last read."""
        if self._view is not None and not self._stale:
            return self._view
        numbers = self.batch.state_numbers(0).tolist()
        if self._view is None:
            quiet = {name: _Quiet() for name in EVENTS}
            spawn_x = self.state()["fighters"][0]["spawn"][0]
            self._view = Game(random.Random(0), quiet, self.stocks, self.max_frames, first_on_right=spawn_x > 0)
            self._view.armory = NativeArmory(self)  # type: ignore[assignment]
        view = self._view
        view.signals = self.signals
        view.steps, view.winner = self.steps, self.winner
        view.terminated, view.truncated = self.terminated, self.truncated
        first, second = view.players
        _refresh_fighter(first, numbers[:FIGHTER_NUMBERS], self._last_actions[0])
        _refresh_fighter(second, numbers[FIGHTER_NUMBERS:2 * FIGHTER_NUMBERS], self._last_actions[1])
        stage = numbers[2 * FIGHTER_NUMBERS:]
        body = view.platform.body
        body.x, body.y, body.vx, body.vy = stage[:4]
        view.platform.moving_to_w2 = bool(stage[PLATFORM_HEADING])
        for spawner, at in zip(view.armory.spawners, (4, 10)):
            weapon, x, y, spawned_at, last_spawn, cooldown = stage[at:at + 6]
            spawner.weapon = None if weapon < 0 else R.WEAPON_NAMES[int(weapon)]
            spawner.position = (x, y)
            spawner.spawned_at, spawner.last_spawn, spawner.cooldown = int(spawned_at), int(last_spawn), int(cooldown)
        self._shown = self._showing(view)
        self._stale = False
        return view

    @staticmethod
    def _showing(view: Game) -> list[tuple]:
        fighters = [(f.body.x, f.body.y, f.body.vx, f.body.vy, int(f.facing), f.damage, f.weapon, f.stocks)
                    for f in view.players]
        return fighters + [spawner.shown() for spawner in view.armory.spawners]

    def _write_back(self) -> None:
        """Hand the engine what was written to the view since it was brought up to date (as in the Python game,
        where such writes change the match): fighters' positions, velocities, facing, damage, weapons and
        stocks, and the spawners' weapons and cooldowns."""
        view = self._view
        showing = self._showing(view)
        if showing == self._shown:
            return
        for index, (now, was) in enumerate(zip(showing[:2], self._shown[:2])):
            if now != was:
                x, y, vx, vy, facing, damage, weapon, stocks = now
                self.batch.set_fighter(0, index, float(x), float(y), float(vx), float(vy), facing, float(damage),
                                       weapon, int(stocks))
        for index, (now, was) in enumerate(zip(showing[2:], self._shown[2:])):
            if now != was:
                weapon, (x, y), spawned_at, cooldown = now
                self.batch.set_spawner(0, index, weapon, float(x), float(y), int(spawned_at), int(cooldown))
        self._shown = showing


class _Quiet:
    def emit(self, **_: Any) -> None:
        pass


STATE_NAMES = [cls.name for cls in STATE_CLASSES]
STATE_CLASS_NAMES = [cls.__name__ for cls in STATE_CLASSES]  # by state number
FACINGS = {1: R.Facing.RIGHT, -1: R.Facing.LEFT}
HORIZONTAL = tuple(HorizontalState)
MOVE_TYPES = {move.value: move for move in MoveType}
# FightingBatch.state_numbers: per fighter these 46 values, then its keys held, just pressed and just
# released (10 each); after both fighters the platform (x, y, vx, vy), each spawner (weapon index
# or -1, x, y, spawned_at, last_spawn, cooldown), then whether the platform heads for its second
# waypoint (1) or its first (0). NaN stands for None.
FIGHTER_FIELDS = ("x", "y", "vx", "vy", "angle", "angular_velocity", "gravity", "prev_x", "prev_y", "hurt_x",
                  "hurt_y", "facing", "state", "jumps_left", "recoveries_left", "jump_timer", "invincible_timer",
                  "dodge_cooldown", "dodge_timer", "stun_frames", "grounded_dodge", "dash_timer",
                  "turnaround_timer", "backdash_timer", "timer", "taunt_timer", "move_type", "move_weapon", "power",
                  "cast", "cast_frame", "move_frame", "damage", "damage_taken_this_frame",
                  "damage_taken_this_stock", "damage_taken_total", "damage_done", "stocks", "weapon",
                  "just_got_hit", "hitbox_live", "hit_frames", "last_hit_x", "last_hit_y", "horizontal", "left_state")
KEYS = len(R.KEY_NAMES)
FIGHTER_NUMBERS = len(FIGHTER_FIELDS) + 3 * KEYS
X, PREV_X = FIGHTER_FIELDS.index("x"), FIGHTER_FIELDS.index("prev_x")
PLATFORM_HEADING = 4 + 2 * 6  # in the numbers after both fighters': the platform's `moving_to_w2`
# The timers (FIGHTER_FIELDS) each state keeps, by state number.
TIMERS = {0: ("dash_timer",), 1: ("dash_timer",), 2: ("dash_timer", "turnaround_timer"), 3: ("turnaround_timer",),
          4: ("dash_timer",), 8: ("dash_timer",), 9: ("dash_timer",), 10: ("dash_timer", "backdash_timer"),
          11: ("dash_timer", "timer"), 12: ("taunt_timer",)}
_AT = {name: index for index, name in enumerate(FIGHTER_FIELDS)}
# The states an air state under control hands its jump cooldown to (`set_jumps`) as it leaves for them.
FLOAT_TIMERS = frozenset({"dash_timer", "jump_timer"})
HANDED_JUMP_TIMER = (InAirState.number, AirTurnaroundState.number, DodgeState.number)


def _counter(name: str, value: float) -> float:
    """A counter as the Python game holds it: the dash and jump timers start from floats (9.0, 6.0) and are ints
    only at 0 (`max(0, 0.0)`), the others are ints."""
    return float(value) if value and name in FLOAT_TIMERS else int(value)


def _set_or_unset(state: object, name: str, value: float) -> None:
    """The state's `name` as the engine has it: NaN for one never set, which the state then lacks too."""
    if value == value:
        setattr(state, name, _counter(name, value))
    elif name in vars(state):
        delattr(state, name)


def _write_left(left: Any, entered: int, v: list[float]) -> None:
    """The state object the fighter left this frame for state `entered`, as the Python game leaves it (reward
    code may read one that is not the current one: `player.states["in_air"].recoveries_left`): the timers it
    handed over, the jumps an air state spent before handing them over as they were (stun hands over at least
    one), and what leaving KO sets. An air state under control keeps the jump cooldown it handed over to
    another air state; leaving for an attack, which is not handed it, it counted it down first (from a full
    one after a jump that frame)."""
    _write_counters(left, left.number, v, jumps=False)
    if isinstance(left, InAirState) and not isinstance(left, StunState):
        if entered in HANDED_JUMP_TIMER and left.can_control():
            _set_or_unset(left, "jump_timer", v[_AT["jump_timer"]])
        elif entered == AttackState.number and left.can_control():
            jumped = v[_AT["jumps_left"]] < left.jumps_left
            left.jump_timer = max(0, (float(R.JUMP_COOLDOWN) if jumped else left.jump_timer) - 1)
        for name in ("jumps_left", "recoveries_left"):
            if v[_AT[name]] == v[_AT[name]]:
                setattr(left, name, int(v[_AT[name]]))
    elif left.name == "KO":
        left.invincible_timer = R.RESPAWN_INVINCIBLE_FRAMES  # KOState.exit sets it after handing over its own


def _write_counters(state: Any, number: int, v: list[float], jumps: bool = True) -> None:
    """The engine's counters after this frame onto `state`, the object of state `number`: the jumps (if
    `jumps`), the timers every state carries, and its own timers."""
    if jumps:
        for name in ("jumps_left", "recoveries_left", "jump_timer"):
            _set_or_unset(state, name, v[_AT[name]])
    state.invincible_timer, state.dodge_cooldown = int(v[_AT["invincible_timer"]]), int(v[_AT["dodge_cooldown"]])
    for name in TIMERS.get(number, ()):
        setattr(state, name, _counter(name, v[_AT[name]]))
    if number == DodgeState.number:
        state.dodge_timer = int(v[_AT["dodge_timer"]])
    elif number == StunState.number:
        state.stun_frames = int(v[_AT["stun_frames"]])


def _refresh_fighter(fighter: Fighter, v: list[float], action: Any) -> None:
    # The jumps and timers (after `number`) go onto the state objects by name (`_write_counters`).
    (x, y, vx, vy, angle, angular_velocity, gravity, prev_x, prev_y, hurt_x, hurt_y, facing, number, _,
     _, _, _, _, _, _, grounded_dodge, _, _, _,
     _, _, move_type, move_weapon, power, cast, cast_frame, move_frame, damage, damage_taken_this_frame,
     damage_taken_this_stock, damage_taken_total, damage_done, stocks, weapon, just_got_hit, hitbox_live, hit_frames,
     last_hit_x, last_hit_y, horizontal, left_state) = v[:len(FIGHTER_FIELDS)]
    body = fighter.body
    body.x, body.y, body.vx, body.vy, body.gravity = x, y, vx, vy, gravity != 0
    body.angle, body.angular_velocity = angle, angular_velocity
    if fighter.game.steps:  # before the first step they are where it started, in ints (`Fighter.start_position`)
        fighter.prev_x, fighter.prev_y = prev_x, prev_y
    fighter.hurtbox_collider.center = (hurt_x, hurt_y)
    fighter.facing = FACINGS[int(facing)]
    # Whole percent, as the Python game counts it (every move deals int damage)
    fighter.damage, fighter.damage_taken_this_frame = int(damage), int(damage_taken_this_frame)
    fighter.damage_taken_this_stock, fighter.damage_taken_total = int(damage_taken_this_stock), int(damage_taken_total)
    fighter.damage_done, fighter.stocks, fighter.weapon = int(damage_done), int(stocks), R.WEAPON_NAMES[int(weapon)]
    fighter.just_got_hit, fighter.hitbox_live, fighter.hit_frames = just_got_hit != 0, hitbox_live != 0, int(hit_frames)
    fighter.last_hit_point = (last_hit_x, last_hit_y)
    fighter.cur_action = action
    keys = fighter.input
    start = len(FIGHTER_FIELDS)
    held = [value != 0 for value in v[start:start + KEYS]]
    keys.held = fighter.keys = held
    for status, now, pressed, released in zip(keys._statuses, held, v[start + KEYS:start + 2 * KEYS],
                                              v[start + 2 * KEYS:]):
        status.held, status.just_pressed, status.just_released = now, pressed != 0, released != 0
    keys.raw_vertical = float(held[0]) - float(held[2])
    keys.raw_horizontal = float(held[3]) - float(held[1])
    keys.no_horizontal = not (held[3] or held[1])
    keys.horizontal_state = HORIZONTAL[int(horizontal)]
    number = int(number)
    state = fighter.states[STATE_NAMES[number]]
    left = fighter.state
    if left is not state and left is not None:
        _write_left(left, number, v)
    _write_counters(state, number, v)
    if number == DodgeState.number:
        state.grounded = grounded_dodge != 0
    elif number == AttackState.number:
        move = MOVES[R.WEAPON_NAMES[int(move_weapon)]][MOVE_TYPES[int(move_type)]]
        manager = state.move_manager
        if manager is None or manager.move is not move or manager.p is not fighter:
            manager = state.move_manager = MoveManager(fighter, move)
        state.move_type = MOVE_TYPES[int(move_type)]
        current = manager.current_power
        if current.data is not move.powers[int(power)]:
            current = manager.current_power = Power(move.powers[int(power)])
        current.cast_idx = int(cast)
        current.cast_frames[current.cast_idx] = int(cast_frame)
        manager.frame = int(move_frame)
        manager.move_facing_direction = fighter.facing  # as `do_move` sets it each frame
    fighter.state = state
    fighter.state_str = (f"{STATE_CLASS_NAMES[int(left_state)]} -> {STATE_CLASS_NAMES[number]}" if left_state >= 0
                         else "InAirState")


def _refuse_one_number(action: Any) -> None:
    """One number is no action: the engine would spread it over the 10 keys (holding all of them, or none),
    where the competition's game fails on it."""
    if isinstance(action, (int, float, np.number)) or (isinstance(action, np.ndarray) and action.ndim == 0):
        raise ValueError(f"an action is the 10 keys' values ({', '.join(R.KEY_NAMES)}), not one number: got {action!r}")
