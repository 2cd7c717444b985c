"""The competition's `environment.environment` on arena's fighting game.

    from arena.compat.ai2.environment.environment import *

gives every name the competition's module gives: the env (`WarehouseBrawl`, with the
competition's constructor, spaces and fighter keys 0 and 1: see `arena.compat.ai2.warehouse`),
the game's objects and states (`Player`, `Stage`, `Ground`, `StandingState`, ..., `MoveType`,
`Facing`), its helpers (`ObsHelper`, `ActHelper`, `Signal`, `MatchStats`, ...), the move-data
classes (`Power`, `Cast`, `Capsule`, `MoveManager`, ...), the drawing helpers (`Camera`,
`UIHandler`, `KeyIconPanel`, `Animation`, `Particle`, ...: small, see
`arena.compat.ai2.rendering`), and the libraries the module imports (`np`, `torch`, `spaces`,
`partial`, `Enum`, ...; see `arena.compat.ai2.libraries`). The libraries load when first used or
when a star import asks for everything, so importing a single name stays light.
"""

from arena.compat.ai2.colliders import Capsule, CapsuleCollider  # noqa: F401
from arena.compat.ai2.environment.constants import ALL_CATS, GROUND_CAT, PLAYER_CAT, WEAPON_CAT  # noqa: F401
from arena.compat.ai2.frame_changes import (  # noqa: F401  (re-exported)
    CasterPositionChange, CasterVelocityAddXY, CasterVelocityDampXY, CasterVelocitySet, CasterVelocitySetXY,
    CastFrameChangeHolder, DealtPositionTarget, HitPosSetXY, HitVelocityAddXY, HitVelocitySetXY,
    HurtboxPositionChange,
)
from arena.compat.ai2.libraries import ENVIRONMENT_IMPORTS, lazy_module
from arena.compat.ai2.moves import Cast, CompactMoveState, MoveManager, Power, m_state_to_move  # noqa: F401
from arena.compat.ai2.objects import (  # noqa: F401  (re-exported)
    GROUND, PLATFORM, PLAYER, ActType, AgentID, GameMode, GameObject, MalachiteEnv, ObsType, hex_to_rgb,
)
from arena.compat.ai2.rendering import (  # noqa: F401  (re-exported)
    Animation, AnimationSprite2D, Camera, KeyIconPanel, Particle, SpawnerVFX, Target, UIHandler,
)
from arena.compat.ai2.warehouse import WarehouseBrawl  # noqa: F401
from arena.compat.ai2.weapons import (  # noqa: F401  (re-exported)
    DroppedWeaponSpawner, WeaponPool, WeaponSpawnController, WeaponSpawner,
)
from arena.envs.fighting.camera import CameraResolution, RenderMode  # noqa: F401
from arena.envs.fighting.fighter import Player  # noqa: F401
from arena.envs.fighting.inputs import HorizontalState, KeyStatus, PlayerInputHandler  # noqa: F401
from arena.envs.fighting.moves import MoveType  # noqa: F401
from arena.envs.fighting.observation import ActHelper, ObsHelper  # noqa: F401
from arena.envs.fighting.rewards import Signal  # noqa: F401
from arena.envs.fighting.rules import Facing  # noqa: F401
from arena.envs.fighting.stage import Ground  # noqa: F401
from arena.envs.fighting.stage import Stage  # noqa: F401
from arena.envs.fighting.states import (  # noqa: F401  (re-exported)
    AirTurnaroundState, AttackState, BackDashState, DashState, DodgeState, GroundState, InAirState, KOState,
    PlayerObjectState, SprintingState, StandingState, StunState, TauntState, TurnaroundState, WalkingState,
)
from arena.envs.fighting.stats import MatchStats, PlayerStats, Result  # noqa: F401
from arena.envs.fighting.weapons import WeaponGO  # noqa: F401

# The competition's own names, in the order its module defines them.
GAME_NAMES = [
    "PLAYER_CAT", "GROUND_CAT", "WEAPON_CAT", "ALL_CATS", "ObsType", "ActType", "AgentID", "GameMode", "MalachiteEnv",
    "ActHelper", "ObsHelper", "KeyIconPanel", "UIHandler", "CameraResolution", "RenderMode", "Camera", "Signal",
    "Result", "PlayerStats", "MatchStats", "MoveType", "CompactMoveState", "m_state_to_move", "Facing",
    "WarehouseBrawl", "GameObject", "GROUND", "PLAYER", "PLATFORM", "Ground", "Stage", "Target", "KeyStatus",
    "HorizontalState", "PlayerInputHandler", "PlayerObjectState", "GroundState", "InAirState", "TauntState",
    "WalkingState", "SprintingState", "StandingState", "TurnaroundState", "AirTurnaroundState", "StunState",
    "KOState", "DashState", "BackDashState", "DodgeState", "MoveManager", "HurtboxPositionChange",
    "CasterPositionChange", "DealtPositionTarget", "CasterVelocitySet", "CasterVelocityAddXY", "CasterVelocitySetXY",
    "HitVelocitySetXY", "HitVelocityAddXY", "HitPosSetXY", "CasterVelocityDampXY", "CastFrameChangeHolder", "Cast",
    "Power", "AttackState", "hex_to_rgb", "Animation", "AnimationSprite2D", "Player", "SpawnerVFX", "WeaponGO",
    "WeaponPool", "WeaponSpawner", "WeaponSpawnController", "DroppedWeaponSpawner", "Capsule", "CapsuleCollider",
    "Particle",
]
# `__all__` (the game's names and the installed libraries) and the libraries, on first use.
__getattr__ = lazy_module(globals(), ENVIRONMENT_IMPORTS, GAME_NAMES)
