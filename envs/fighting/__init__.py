"""Fighting game: a 2-player platform fighter with the AI² competition's interface ("WarehouseBrawl").

Two fighters on two rooftops with a moving platform between them try to knock each other past the
blast zones. A PettingZoo Parallel env (`arena.envs.make("fighting")`): both fighters act every
frame, 30 frames a second. Code written for the competition runs after changing its imports to

    from arena.envs.fighting import *

and a whole competition project after replacing `environment.` with `arena.compat.ai2.environment.`
in its imports (the competition's module layout, names and libraries: see `arena.compat.ai2`).
Scripts that step the env themselves as the competition's (`WarehouseBrawl(train_mode=True)`,
fighters keyed 0 and 1, `env.observation_space` a Box) use `arena.compat.ai2.WarehouseBrawl`; the
class here is the PettingZoo env arena's harness plays (seats "player_0" and "player_1").

## Agents
`player_0` and `player_1`. Which one starts on the right (x = +5) is drawn from the seed.

## Units
x grows to the right, y grows DOWN; 1 unit is about a fighter's height (a fighter is a box 0.87
wide, 1.0 tall); speeds are units/s; time is counted in frames of 1/30 s. Gravity is 17.808 units/s².

## Stage
- Two solid grounds 5 units across, their tops at y = 0.85 (x 2 to 7) and y = 2.85 (x -7 to -2):
  the right one stands 2 units higher, a pit 4 units wide between them.
- A platform 2 units wide and 0.2 thick, its centre starting at (0, 1), glides toward (-1, 2), then
  (1, 0), and back, at sin(pi * progress) + 0.03 units/s. It is solid from every side: fighters
  stand and walk on it and are carried, and bump their heads on it from below.
- Blast zones: a fighter whose centre goes past |x| > 14 or |y| > 8 is knocked out (KO): it loses a
  stock and hangs there for 90 frames, then respawns at its starting point (x = ±5, y = 0) in the
  air with no jumps, damage back to 0% and its weapon lost.
- Physics: boxes land and slide with friction (0.49 on the grounds, 0.63 on the platform) and may
  rest up to 0.1 units sunk into a surface; a fast landing settles over a few frames. Contacts turn
  the boxes a little (a fighter's moment of inertia is 1e9): standing fighters tilt by about 1e-8
  radians (`body.angle`, `body.angular_velocity`) and keep velocities of about 1e-9 rather than 0.

## Action space
`Box(0, 1, (10,), float32)`; a value above 0.5 presses the key (0/1 integer arrays, as a
MultiBinary policy gives, work too). `env.act_helper.press_keys(["d", "j"])` builds one.

| index | key | on the ground | in the air |
| --- | --- | --- | --- |
| 0 | w | aim up (attacks count as neutral) | aim up |
| 1 | a | walk left (turning around first if facing right) | drift left (turning first) |
| 2 | s | aim down | aim down; fast fall |
| 3 | d | walk right | drift right |
| 4 | space | jump | air jump (two per airtime, 6 frames apart) |
| 5 | h | pick up a weapon in reach (held, unarmed); drop the weapon held (pressed) | same |
| 6 | l | dash while walking (then sprint), back dash while turning, dodge when standing still | air dodge |
| 7 | j | light attack | light air attack |
| 8 | k | heavy attack (wins over j) | recovery (neutral or side) or ground pound (down) |
| 9 | g | taunt (30 frames) | taunt |

Attacks start while their key is held: holding j attacks again as soon as the last attack ends.
Direction: W or no direction is neutral, else S is down, else A/D is side (the attack turns toward
it; with both A and D held it turns left).

## Moves
Walk 6.75, sprint 8, dash 10 (9 frames), back dash 4 (7 frames), turnaround 1 frame; jump speed
8.9 (2.2 units high), falls cap at 12; in the air, horizontal speed eases toward the held direction
by 0.36 units/s a frame. Releasing a direction on the ground stops the fighter after one frame.
A ground jump leaves two air jumps; walking off a ledge also leaves two. Dodge: 10 frames
invulnerable and still, without gravity; another dodge needs 30 frames (after a ground dodge) or
82 (after an air dodge).

Attacks (`MoveType`) are the competition's move data (`env.load_attacks()`; how they play:
`arena.envs.fighting.powers`): each move is a chain of powers, each power a list of casts with
startup and attack frames, hitboxes (capsules), damage, fixed and variable force, and per-frame
changes to the attacker's speed; heavies charge while the key is held (a longer hold hits later);
some moves go on differently after a hit or on reaching the ground. A hit adds the cast's damage
to the victim's percent (at most 700%) and launches it at (F + V g(X)) * 0.096 units/s, g(X) = X
/ 70 + X² / 12000 for the victim's damage X (this hit included), so the same hit sends a damaged
fighter much farther; a fighter hit on the ground by a downward launch bounces up at 0.7 of it.
The victim is stunned for the power's stun frames (it bounces off floors meanwhile); a hit during
stun is a combo (`hit_during_stun`). Recovery (air heavy neutral or side) is once per airtime.

| move_type | move | input |
| ---: | --- | --- |
| 0 | not attacking | |
| 1 | NONE | |
| 2, 3, 4 | NLIGHT, DLIGHT, SLIGHT | j on the ground: neutral, down, side |
| 5, 6, 7 | NSIG, DSIG, SSIG | k on the ground: neutral, down, side |
| 8, 9, 10 | NAIR, DAIR, SAIR | j in the air: neutral, down, side |
| 11 | RECOVERY | k in the air, neutral or side |
| 12 | GROUNDPOUND | k in the air, down |

## Weapons
Unarmed is "Punch". A spawner over each ground shows a random "Spear" or "Hammer" 2.6 to 6.5 units
from the centre at height 0.7 (right) or 2.7 (left): the first within 350 frames of the start, then
a cooldown drawn around 500 to 700 frames after the last one was taken or vanished; an untaken
weapon vanishes after 350 frames. Hold h while unarmed with your hurtbox touching a weapon to pick
it up (a spawner's once it has been shown for 36 frames); press h while armed to drop it where you
stand (it lies 250 frames; you cannot take a dropped weapon for 15 frames). Each weapon has its own
move data: longer reach, more damage and force. A weapon lying about is a physics box: it settles
on the ground below it, rides the platform, or falls into the pit; its size, and so where it rests,
follows the render resolution as in the competition's game (its picture, 40 x 16 pixels, at that
scale). The observation reports where each weapon appeared, as there; `env.objects` where it is.

## Observation space
`Box(float64, (64,))`: 32 values about the observing fighter (sections `player_*`), then the same
32 about the other (`opponent_*`). `env.obs_helper.get_section(obs, "opponent_pos")` reads one.
float64, as the competition's env hands its agents the values (an agent acting on x > 5.0 sees
4.99999999983 as there, not its float32 rounding 5.0); `observation_dtype="float32"` gives them
rounded to float32, as the single-agent view and the native batch do (what networks train on).
The space declares the ranges below; the competition's env declares the same values with other
bounds (`observation.competition_observation_space()`), and a fighting agent that loads a model
saved there gives the model this space, so it predicts and trains here.

| index | section | size | meaning | range |
| ---: | --- | ---: | --- | --- |
| 0 | `player_pos` | 2 | x, y of the fighter's centre, units, clamped | x ±18, y ±7 |
| 2 | `player_vel` | 2 | x, y speed, units/s, clamped | ±10 |
| 4 | `player_facing` | 1 | 1 facing right, 0 facing left | 0, 1 |
| 5 | `player_grounded` | 1 | 1 standing on a ground or the platform | 0, 1 |
| 6 | `player_aerial` | 1 | 1 - grounded | 0, 1 |
| 7 | `player_jumps_left` | 1 | air jumps left (0 on the ground; 2 after a ground jump) | 0 to 2 |
| 8 | `player_state` | 1 | state number, below | 0 to 12 |
| 9 | `player_recoveries_left` | 1 | recovery moves left this airtime (0 on the ground) | 0, 1 |
| 10 | `player_dodge_timer` | 1 | frames of the dodge under way left (0 unless in DodgeState) | 0 to 10 |
| 11 | `player_stun_frames` | 1 | frames of stun left (0 unless in StunState) | 0 to 17 |
| 12 | `player_damage` | 1 | damage percent / 700 | 0 to 1 |
| 13 | `player_stocks` | 1 | stocks left | 0 to 3 |
| 14 | `player_move_type` | 1 | the attack under way (`MoveType` value, table above), 0 if none | 0 to 12 |
| 15 | `player_weapon_type` | 1 | 0 Punch, 1 Spear, 2 Hammer | 0 to 2 |
| 16 | `player_spawner_1` .. `_4` | 4 x 3 | weapons on the stage: x, y, type (below) | x ±18, y ±7, type 0-3 |
| 28 | `player_moving_platform_pos` | 2 | the platform's centre | x ±18, y ±7 |
| 30 | `player_moving_platform_vel` | 2 | the platform's speed, units/s | ±10 |
| 32-63 | `opponent_*` | 32 | the same about the other fighter (weapons and platform repeat) | |

Weapon slots: 1 the right ground's spawner, 2 the left one's, 3 and 4 dropped weapons (where they
were dropped); type 0 for an empty slot, 1 for a spawned weapon (spear or hammer, unknown until
picked up), 2 a dropped spear, 3 a dropped hammer. The per-state values (jumps_left,
recoveries_left, dodge_timer, stun_frames, move_type) are what the competition reports: the state
object's own value, 0 in states that do not keep one.

States (`player_state`): Walking 0, Standing 1, Turnaround 2, AirTurnaround 3, Sprinting 4, Stun 5,
InAir 6, Dodge 7, Attack 8, Dash 9, BackDash 10, KO 11, Taunt 12 (the classes `WalkingState` ...
`TauntState`; `isinstance(player.state, InAirState)` also holds for AirTurnaround, Stun, Dodge and
Taunt, and `GroundState` covers Walking, Standing, Turnaround, Sprinting, Dash, BackDash and KO).

## Rewards
Without a reward manager: +1 to the winner and -1 to the loser on the frame the match is decided,
0 otherwise (and 0 to both in a draw). With `reward_manager=RewardManager(...)`, each seat gets
that manager's reward computed from its own side (its fighter is `env.objects["player"]`, signal
`agent` labels swapped to match), and `infos[seat]["reward_terms"]` holds each term's total so far
(`env.shape_rewards_of(seat)` before the first reset computes one seat's only, as single-agent
views do). Reward code reads `env.objects["player"]` / `["opponent"]` (see `Fighter`),
`env.objects["platform1"]` (`width`, `height`, `body`), `["SpawnerVFX0"]` and `["SpawnerVFX1"]` (the
spawners' effects: `world_pos`, where each spawner's weapons show), the weapons lying on the stage
(`env.objects["Hammer0"]`, `["Spear1"]`, `["DroppedSpear2"]`, ...: `name`, `body.position`,
`world_pos`, and `vfx` once the competition's weapon object was dropped), each drop's effect, listed just
before its weapon and staying for the rest of the match (`["DroppedVFX2"]`, ...: `world_pos`, where its
weapon appeared and, from the next frame until it goes, where it lies; `flipped`, whether the fighter
faced left; as there, a weapon object dropped again shows its first drop's effect again),
`env.cur_action` (both fighters' keys this frame: `[0]` the player's), `env.observe(0)` (the player's
observation; `1` the opponent's), `env.logger` (after each step a dict per fighter as the competition's
fighters write it: 'transition', its last change of state as 'StandingState -> AttackState', and
'move_type' while it attacks; a reward manager adds 'reward' and 'total_reward' as text),
`env.add_reward(i, r)` and `env.rewards` (what was added this frame; nothing else reads it, as there),
`env.terminated`, `env.dt`, `env.fps`, `env.steps`, `env.stage_width_tiles`,
`env.stage_height_tiles`, `env.get_spawner_info()`, `env.get_stats(i)`, `env.load_attacks()` (the
moves in the competition's data format), and can subscribe to the signals `win_signal`,
`knockout_signal` (agent = who was knocked out), `hit_during_stun` (agent = who was hit),
`weapon_equip_signal`, `weapon_drop_signal`.

## Episode end
Terminated on the frame after a fighter loses its last stock (the other wins; if the other has no stock left
either once that frame is played, a draw, as the competition's `run_match` scores it). Truncated after
`max_timesteps` frames (90 s); the fighter with more stocks wins, equal stocks is a draw.
`run_match` plays 5,400 frames (3 minutes) by default, as the competition's does.

## Differences from the competition's game
The competition's game (UTMIST/UTMIST-AI2) is the specification: tests/test_fighting_fidelity.py
plays recorded key scripts in both and requires positions, speeds, states and damage to agree
within 0.05 units and one frame; tests/test_fighting_weapons.py does the same for weapons falling,
dropped and taken. What still differs, and why:
- Seeding: there, sides, weapon spawns and animations come from Python's global `random`; here,
  by default, from the env's seed, so a seed replays a match exactly and two envs never share a
  stream. `draws_from="random"` (what `arena.compat.ai2` plays) draws as there.
- A move whose cast must be held (`mustBeHeld`) would crash there when released; no move in the
  data uses it, and here it is not supported.
- Gravity cannot be switched off by a move there (its switch sets an attribute the physics never
  reads), and here neither; dodges and knock-outs do switch it off, in both.
- Physics: its physics engine (Chipmunk) is ported for boxes only (all this stage has): the order
  in which it finds touching pairs (`broadphase`), its contact points (`narrowphase`) and its
  solver, in the same floating-point operations, so bodies move and tilt there and here alike to
  the last bit; a frame's weapons there enter and leave the engine spawner by spawner, here all
  leaving before any enters (never seen to change the order).
- Names of dropped weapons in `env.objects`: there, an env used for many matches counts on from its
  earlier matches' drops (`DroppedSpear3` may be the second match's first); here each match numbers its
  drops from 2.

## Arguments
- `render_mode`: "rgb_array" (pictures as (H, W, 3) uint8 arrays) or "human" (a window at 30 fps).
- `resolution`: "low" (720x480, default), "medium" (1280x720), "high" (1920x1080), or a `CameraResolution`;
  as in the competition's game it also sizes the weapons lying about (see Weapons).
- `max_timesteps`: frames in a match (default 2700, 90 s; PettingZoo's `max_cycles`, given to the
  module's `parallel_env`, `raw_env` or `env`, sets it). Setting the env's `max_timesteps` later
  shortens the match under way at once and sets the length of the next.
- `stocks`: stocks per fighter (default 3).
- `platform_pauses`: whether the moving platform stops for a frame at each end of its path, as in
  the competition's env (default True); False moves it as the competition's `run_match` does, the
  function its battles were played with (`arena.compat.ai2`'s `run_match` plays so).
- `reward_manager`: a `RewardManager` that shapes both seats' rewards (default none).
- `subscribe_reward_signals`: whether the env connects the manager's signal terms to its signals at
  the first reset (default True); the competition's self-play env leaves it to its training code.
- `observation_dtype`: "float64" (default, as the competition's env) or "float32" (the single-agent
  Gymnasium view's default).
- `draws_from`: "seed" (default): each reset draws a seed for the match from the env's seed stream
  (`reset(seed=n)` restarts it). "random": as the competition's game, the match draws from Python's
  `random` module what that game draws, when it does and in its order (fighter 0's side and the
  spawners at every reset; weapons shown, taken and dropped, attacks and taunts as it plays,
  including a number for each animation it would pick), whatever seed `reset` is given; so after
  `random.seed(n)` the competition's and this game play the same matches.
- `engine`: "native" (default) or "python". The native engine is the game's rules in C++
  (`arena.envs.fighting.native`), the same engine training steps many games with
  (`arena.envs.fighting.native.make_batch(n, seeds, threads=...)`); the Python engine is the
  reference it is tested against, frame for frame, and plays the same matches several times slower.
  On the native engine `env.game` is a `NativeGame`: fighters, platform and weapons read as on the
  Python engine; writes to fighters' positions, velocities, facing, damage, weapons and stocks, and
  to the spawners' weapons and cooldowns, change the match as there (other writes do not); signals reach their
  handlers after the frame rather than during it.

## Single-agent view
`gymnasium.make("arena/Fighting-v0", opponent=BasedAgent())` learns as player_0 against the given
agent; options above pass through (e.g. `reward_manager=...`).

## Scripted agents
`ConstantAgent`, `RandomAgent`, `BasedAgent` and `ClockworkAgent` decide as the competition's
agents of those names do (results against them compare with results there); `BrawlerAgent` is
arena's stronger scripted fighter (crosses the pit, spaces, finishes with heavies, recovers).

Clock in arena's harness: 0.05 s a frame plus a 5 s bank for the whole game (`arena envs`);
organisers set their own, and an agent is charged only its own time.
"""

from typing import Any

from arena.envs.fighting.camera import CameraResolution, RenderMode
from arena.envs.fighting.env import WarehouseBrawl
from arena.envs.fighting.fighter import Fighter, Player  # noqa: F401
from arena.envs.fighting.stats import MatchStats, PlayerStats, Result
from arena.envs.fighting.moves import MoveType
from arena.envs.fighting.observation import ActHelper, ObsHelper  # noqa: F401
from arena.envs.fighting.rewards import RewardManager, RewTerm, Signal  # noqa: F401
from arena.envs.fighting.rules import Facing  # noqa: F401
from arena.envs.fighting.states import (  # noqa: F401
    AirTurnaroundState, AttackState, BackDashState, DashState, DodgeState, GroundState, InAirState, KOState,
    PlayerObjectState, SprintingState, StandingState, StunState, TauntState, TurnaroundState, WalkingState,
)
from arena.envs.parallel_module import parallel_constructors

# The agents (a layer above the game) and the competition's match runners (above the harness) are
# re-exported here on first use, so `from arena.envs.fighting import *` gives what the
# competition's code expects while importing the game alone loads neither.
_ABOVE = {
    "Agent": "arena.agents",
    **{name: "arena.agents.fighting" for name in (
        "BasedAgent", "BrawlerAgent", "ClockworkAgent", "ConstantAgent", "RandomAgent", "RecurrentPPOAgent",
        "SB3Agent", "UserInputAgent")},
    "run_match": "arena.compat.ai2.match",
    "run_real_time_match": "arena.compat.ai2.realtime",
}


def __getattr__(name: str) -> Any:
    module = _ABOVE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

__all__ = [
    "Agent", "WarehouseBrawl", "CameraResolution", "RenderMode", "MoveType",
    "WalkingState", "StandingState", "TurnaroundState", "AirTurnaroundState", "SprintingState", "StunState",
    "InAirState", "DodgeState", "AttackState", "DashState", "BackDashState", "KOState", "TauntState",
    "Result", "PlayerStats", "MatchStats", "RewTerm", "RewardManager", "run_match",
    "ConstantAgent", "RandomAgent", "BasedAgent", "ClockworkAgent", "UserInputAgent", "SB3Agent", "RecurrentPPOAgent",
    # Names the competition's reward code uses in isinstance checks and type hints.
    "PlayerObjectState", "GroundState", "Player", "Facing",
]
# Also importable by name, though not by `*`: parallel_env, raw_env, env (PettingZoo's module-level
# constructors), Fighter, ObsHelper, ActHelper, Signal and BrawlerAgent (arena's stronger scripted
# fighter; BasedAgent & co. are the competition's).

# PettingZoo's module-level constructors (arena.envs.parallel_module); max_cycles sets max_timesteps.
parallel_env, raw_env, env = parallel_constructors(WarehouseBrawl, "max_timesteps", __name__)
