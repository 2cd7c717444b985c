"""Fighting game: a 2-player platform fighter with the AI² competition's interface ("WarehouseBrawl").

Two fighters on two rooftops with a moving platform between them try to knock each other past the
blast zones. A PettingZoo Parallel env (`arena.envs.make("fighting")`): both fighters act every
frame, 30 frames a second. Code written for the competition runs after changing its imports to

    from arena.envs.fighting import *

and a whole competition project after replacing `environment.` with `arena.compat.ai2.environment.`
in its imports (the competition's module layout, names and libraries: see `arena.compat.ai2`).

## Agents
`player_0` and `player_1`. Which one starts on the right (x = +5) is drawn from the seed.

## Units
x grows to the right, y grows DOWN; 1 unit is about a fighter's height (a fighter is 0.87 wide,
1.0 tall); speeds are units/s; time is counted in frames of 1/30 s. Gravity is 17.8 units/s².

## Stage
- Two solid grounds, 5 units across and 4 deep, with their top surfaces centred at (4.5, 1) and
  (-4.5, 3): the right one stands 2 units higher. A pit 4 units wide separates them.
- A one-way moving platform 2 units wide glides between (1, 0) and (-1, 2) (top-surface centres),
  4 s each way, easing in and out. Fighters land on it from above and ride it; holding S while
  standing on it drops through.
- Blast zones: a fighter whose centre goes past |x| > 14 or |y| > 8 is knocked out (KO): it loses a
  stock, stays out for 90 frames, then respawns at its starting point (x = ±5, y = 0) in the air,
  invulnerable for 90 frames, with damage back to 0% and its weapon lost.

## Action space
`Box(0, 1, (10,), float32)`; a value above 0.5 presses the key (0/1 integer arrays, as a
MultiBinary policy gives, work too). `env.act_helper.press_keys(["d", "j"])` builds one.

| index | key | on the ground | in the air |
| --- | --- | --- | --- |
| 0 | w | aim up (attacks count as neutral) | aim up |
| 1 | a | walk left (turning around first if facing right) | drift left |
| 2 | s | aim down; drop through the platform | aim down; fast fall |
| 3 | d | walk right | drift right |
| 4 | space | jump | double jump (two jumps per airtime, 6 frames apart) |
| 5 | h | pick up a weapon in reach (held, unarmed); drop the weapon held (pressed) | same |
| 6 | l | dash while walking (then sprint), back dash while turning, dodge when standing still | air dodge |
| 7 | j | light attack | light air attack |
| 8 | k | heavy attack (wins over j) | recovery (neutral or side) or ground pound (down) |
| 9 | g | taunt (30 frames) | taunt |

Attacks start while their key is held: holding j attacks again as soon as the last attack ends.
Direction: W or no direction is neutral, else S is down, else A/D is side (the attack turns toward it).

## Moves
Walk 6.75, sprint 8, dash 10 (9 frames), back dash 4 (7 frames); jump speed 8.9; falls cap at 12.
Dodge: 10 frames invulnerable and still, then 30 frames (on the ground) or 82 frames (in the air)
before the next. Attacks (`MoveType`) have startup, active and recovery frames; while active their
hitbox hits once. A hit adds the move's damage to the victim's damage percent (at most 700%) and
launches it at `knockback + growth * g(X)` units/s, g(X) = X / 70 + X² / 12000 for the victim's
damage X (this hit included), so the same hit sends a damaged fighter much farther. The victim is
stunned (no control, bounces off floors) for the move's stun plus 0.8 frames per unit/s of launch,
at most 80 frames; a hit during stun is a combo (`hit_during_stun`). Recovery (air heavy neutral or
side) rises 10 units/s and can be used once per airtime; ground pound (air heavy down) hangs, then
plunges until it lands.

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
Unarmed is "Punch". A spawner over each ground (x 2.6 to 6.5 units from the centre, 0.7 above the
surface) shows a random "Spear" or "Hammer" 500 to 700 frames after its last one went (the first
within 350 frames of the start); an untaken weapon vanishes after 350 frames. Hold h in reach while
unarmed to pick one up; press h while armed to drop it (it lies 300 frames). A spear adds 0.5 units
of reach, x1.15 damage, x1.1 knockback, 1 frame slower; a hammer adds 0.25 reach, x1.5 damage, x1.3
knockback, 3 frames slower.

## Observation space
`Box(float32, (64,))`: 32 values about the observing fighter (sections `player_*`), then the same
32 about the other (`opponent_*`). `env.obs_helper.get_section(obs, "opponent_pos")` reads one.
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
| 7 | `player_jumps_left` | 1 | jumps left (2 on landing; a ground jump spends one) | 0 to 2 |
| 8 | `player_state` | 1 | state number, below | 0 to 12 |
| 9 | `player_recoveries_left` | 1 | recovery moves left this airtime | 0, 1 |
| 10 | `player_dodge_timer` | 1 | frames until it can dodge again | 0 to 82 |
| 11 | `player_stun_frames` | 1 | frames of stun left (0 unless in StunState) | 0 to 80 |
| 12 | `player_damage` | 1 | damage percent / 700 | 0 to 1 |
| 13 | `player_stocks` | 1 | stocks left | 0 to 3 |
| 14 | `player_move_type` | 1 | the attack under way (`MoveType` value, table above), 0 if none | 0 to 12 |
| 15 | `player_weapon_type` | 1 | 0 Punch, 1 Spear, 2 Hammer | 0 to 2 |
| 16 | `player_spawner_1` .. `_4` | 4 x 3 | weapons on the stage: x, y, type (below) | x ±18, y ±7, type 0-3 |
| 28 | `player_moving_platform_pos` | 2 | the platform's top-surface centre | x ±18, y ±7 |
| 30 | `player_moving_platform_vel` | 2 | the platform's speed, units/s | ±10 |
| 32-63 | `opponent_*` | 32 | the same about the other fighter (weapons and platform repeat) | |

Weapon slots: 1 the right ground's spawner, 2 the left one's, 3 and 4 dropped weapons; type 0 for an
empty slot, 1 for a spawned weapon (spear or hammer, unknown until picked up), 2 a dropped spear,
3 a dropped hammer.

States (`player_state`): Walking 0, Standing 1, Turnaround 2, AirTurnaround 3, Sprinting 4, Stun 5,
InAir 6, Dodge 7, Attack 8, Dash 9, BackDash 10, KO 11, Taunt 12 (the classes `WalkingState` ...
`TauntState`; `isinstance(player.state, InAirState)` also holds for AirTurnaround, Stun, Dodge and
Taunt, and `GroundState` covers Walking, Standing, Turnaround, Sprinting, Dash, BackDash and KO).

## Rewards
Without a reward manager: +1 to the winner and -1 to the loser on the frame the match is decided,
0 otherwise (and 0 to both in a draw). With `reward_manager=RewardManager(...)`, each seat gets
that manager's reward computed from its own side (its fighter is `env.objects["player"]`, signal
`agent` labels swapped to match), and `infos[seat]["reward_terms"]` holds each term's total so far.
Reward code reads `env.objects["player"]` / `["opponent"]` (see `Fighter`), `env.objects["platform1"]`
(`width`, `height`, `body`), `env.dt`, `env.fps`, `env.steps`, `env.stage_width_tiles`,
`env.stage_height_tiles`, `env.get_spawner_info()`, `env.get_stats(i)`, `env.load_attacks()` (the
moves in the competition's data format), and can subscribe to the signals `win_signal`,
`knockout_signal` (agent = who was knocked out), `hit_during_stun` (agent = who was hit),
`weapon_equip_signal`, `weapon_drop_signal`.

## Episode end
Terminated when a fighter has no stocks left (the other wins). Truncated after `max_timesteps`
frames (90 s); the fighter with more stocks wins, equal stocks is a draw.

## Arguments
- `render_mode`: "rgb_array" (pictures as (H, W, 3) uint8 arrays) or "human" (a window at 30 fps).
- `resolution`: "low" (720x480, default), "medium" (1280x720), "high" (1920x1080), or a `CameraResolution`.
- `max_timesteps`: frames in a match (default 2700, 90 s).
- `stocks`: stocks per fighter (default 3).
- `reward_manager`: a `RewardManager` that shapes both seats' rewards (default none).

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

from arena.agents import Agent
from arena.envs.fighting.agents import (  # noqa: F401  (BrawlerAgent: arena's own, by name)
    BasedAgent, BrawlerAgent, ClockworkAgent, ConstantAgent, RandomAgent, RecurrentPPOAgent, SB3Agent, UserInputAgent,
)
from arena.envs.fighting.camera import CameraResolution, RenderMode
from arena.envs.fighting.env import WarehouseBrawl, env, raw_env  # noqa: F401  (env, raw_env: for the registry)
from arena.envs.fighting.fighter import Fighter, Player  # noqa: F401
from arena.envs.fighting.match import MatchStats, PlayerStats, Result, run_match
from arena.envs.fighting.moves import MoveType
from arena.envs.fighting.observation import ActHelper, ObsHelper  # noqa: F401
from arena.envs.fighting.rewards import RewardManager, RewTerm, Signal  # noqa: F401
from arena.envs.fighting.rules import Facing  # noqa: F401
from arena.envs.fighting.states import (  # noqa: F401
    AirTurnaroundState, AttackState, BackDashState, DashState, DodgeState, GroundState, InAirState, KOState,
    PlayerObjectState, SprintingState, StandingState, StunState, TauntState, TurnaroundState, WalkingState,
)

__all__ = [
    "Agent", "WarehouseBrawl", "CameraResolution", "RenderMode", "MoveType",
    "WalkingState", "StandingState", "TurnaroundState", "AirTurnaroundState", "SprintingState", "StunState",
    "InAirState", "DodgeState", "AttackState", "DashState", "BackDashState", "KOState", "TauntState",
    "Result", "PlayerStats", "MatchStats", "RewTerm", "RewardManager", "run_match",
    "ConstantAgent", "RandomAgent", "BasedAgent", "ClockworkAgent", "UserInputAgent", "SB3Agent", "RecurrentPPOAgent",
    # Names the competition's reward code uses in isinstance checks and type hints.
    "PlayerObjectState", "GroundState", "Player", "Facing",
]
# Also importable by name, though not by `*`: raw_env, env, Fighter, ObsHelper, ActHelper, Signal and
# BrawlerAgent (arena's stronger scripted fighter; BasedAgent & co. are the competition's).
