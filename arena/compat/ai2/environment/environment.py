"""The competition's `environment.environment` on arena's fighting game.

    from arena.compat.ai2.environment.environment import *

gives the names the competition's module gives: the game (`WarehouseBrawl`, `Player`, the states,
`MoveType`, `ObsHelper`, ...), its helpers, and the libraries it imports (`np`, `torch`, `spaces`,
`partial`, ...; see `arena.compat.ai2.libraries`). Its renderer, physics-engine and move-script
internals (`Animation`, `AnimationSprite2D`, `KeyIconPanel`, `Particle`, `SpawnerVFX`, `Target`,
`UIHandler`, `MoveManager`, `WeaponPool`, `DroppedWeaponSpawner`) have no counterpart in arena's
game and are not offered.
"""

from arena.compat.ai2.colliders import Capsule, CapsuleCollider
from arena.compat.ai2.environment.constants import ALL_CATS, GROUND_CAT, PLAYER_CAT, WEAPON_CAT
from arena.compat.ai2.frame_changes import (
    CasterPositionChange, CasterVelocityAddXY, CasterVelocityDampXY, CasterVelocitySet, CasterVelocitySetXY,
    CastFrameChangeHolder, DealtPositionTarget, HitPosSetXY, HitVelocityAddXY, HitVelocitySetXY,
    HurtboxPositionChange,
)
from arena.compat.ai2.libraries import *  # noqa: F403  (the competition's module imports these)
from arena.compat.ai2.libraries import ENVIRONMENT_NAMES
from arena.compat.ai2.moves import Cast, CompactMoveState, Power, m_state_to_move
from arena.compat.ai2.objects import (
    GROUND, PLATFORM, PLAYER, ActType, AgentID, GameMode, GameObject, MalachiteEnv, ObsType, hex_to_rgb,
)
from arena.envs.fighting.camera import Camera, CameraResolution, RenderMode
from arena.envs.fighting.env import WarehouseBrawl
from arena.envs.fighting.fighter import Player
from arena.envs.fighting.inputs import HorizontalState, KeyStatus, PlayerInputHandler
from arena.envs.fighting.moves import MoveType
from arena.envs.fighting.observation import ActHelper, ObsHelper
from arena.envs.fighting.rewards import Signal
from arena.envs.fighting.rules import Facing
from arena.envs.fighting.stage import Ground
from arena.envs.fighting.stage import MovingPlatform as Stage
from arena.envs.fighting.states import (
    AirTurnaroundState, AttackState, BackDashState, DashState, DodgeState, GroundState, InAirState, KOState,
    PlayerObjectState, SprintingState, StandingState, StunState, TauntState, TurnaroundState, WalkingState,
)
from arena.envs.fighting.stats import MatchStats, PlayerStats, Result
from arena.envs.fighting.weapons import Armory as WeaponSpawnController
from arena.envs.fighting.weapons import Spawner as WeaponSpawner
from arena.envs.fighting.weapons import WeaponItem as WeaponGO

GAME_NAMES = [
    "PLAYER_CAT", "GROUND_CAT", "WEAPON_CAT", "ALL_CATS", "ObsType", "ActType", "AgentID", "GameMode", "MalachiteEnv",
    "ActHelper", "ObsHelper", "CameraResolution", "RenderMode", "Camera", "Signal", "Result", "PlayerStats",
    "MatchStats", "MoveType", "CompactMoveState", "m_state_to_move", "Facing", "WarehouseBrawl", "GameObject",
    "GROUND", "PLAYER", "PLATFORM", "Ground", "Stage", "KeyStatus", "HorizontalState", "PlayerInputHandler",
    "PlayerObjectState", "GroundState", "InAirState", "TauntState", "WalkingState", "SprintingState", "StandingState",
    "TurnaroundState", "AirTurnaroundState", "StunState", "KOState", "DashState", "BackDashState", "DodgeState",
    "AttackState", "HurtboxPositionChange", "CasterPositionChange", "DealtPositionTarget", "CasterVelocitySet",
    "CasterVelocityAddXY", "CasterVelocitySetXY", "HitVelocitySetXY", "HitVelocityAddXY", "HitPosSetXY",
    "CasterVelocityDampXY", "CastFrameChangeHolder", "Cast", "Power", "hex_to_rgb", "Player", "WeaponGO",
    "WeaponSpawner", "WeaponSpawnController", "Capsule", "CapsuleCollider",
]
__all__ = [*ENVIRONMENT_NAMES, *GAME_NAMES]
