"""The fighting game's constants: units, physics, stage geometry, timings and numbering.

Units: 1 unit is about a fighter's height; x grows to the right and y grows DOWN; time is
counted in frames of 1/30 s. Speeds are in units per second, accelerations in units per s².
"""

from __future__ import annotations

from enum import Enum, IntEnum

FPS = 30
DT = 1.0 / FPS
MATCH_FRAMES = FPS * 90  # arena's default match length
RUN_MATCH_FRAMES = FPS * 180  # run_match's default, as in the competition
COMPETITION_FRAMES = FPS * 300  # the competition's env's default, its training episodes' length too
STOCKS = 3

# Movement
GRAVITY = 17.808
WALK_SPEED = 6.75
SPRINT_SPEED = 8.0
DASH_SPEED = 10.0
BACKDASH_SPEED = 4.0
JUMP_SPEED = 8.9
MAX_FALL_SPEED = 12.0
FAST_FALL_ACCEL = 14.25 / FPS  # extra downward speed per frame while S is held
AIR_ACCEL = 10.75 / FPS  # how fast air control and air drag change horizontal speed, per frame
BOUNCE = 0.7  # a stunned fighter hitting the floor keeps this much of its fall speed, upwards

# Timings, in frames
TURNAROUND_FRAMES = 1
DASH_FRAMES = 9
BACKDASH_FRAMES = 7
DODGE_FRAMES = 10
GROUND_DODGE_COOLDOWN = 30
AIR_DODGE_COOLDOWN = 82
JUMP_COOLDOWN = 6
TAUNT_FRAMES = 30
KO_FRAMES = 90
RESPAWN_INVINCIBLE_FRAMES = 90
MAX_STUN_FRAMES = 17  # the longest stun a move deals (its data's stunTime, halved)
AIR_JUMPS = 2  # jumps available in the air after leaving the ground (a ground jump is extra)

# Fighter body: a box for the stage (hits use a capsule: `fighter.HURTBOX_SIZE`)
HALF_WIDTH = 0.435
HALF_HEIGHT = 0.5
FIGHTER_FRICTION = 0.7
FIGHTER_MASS = 1.0
FIGHTER_MOMENT = 1e9  # the competition's: contacts turn a fighter by about 1e-8 radians
MAX_DAMAGE = 700  # damage percent saturates here (whole percent: moves deal ints); observations report damage / 700

# Stage: two solid grounds (reference points 0.15 below their tops' centres) and a platform
# shuttling between two waypoints (its centre)
GROUNDS = ((4.5, 1.0), (-4.5, 3.0))
GROUND_HALF_WIDTH = 2.5
GROUND_TOP_OFFSET = 0.15
GROUND_DEPTH = 4.0  # below the reference point
GROUND_FRICTION = 0.7
PLATFORM_START = (0.0, 1.0)
PLATFORM_WAYPOINTS = ((1.0, 0.0), (-1.0, 2.0))
PLATFORM_HALF_WIDTH = 1.0
PLATFORM_THICKNESS = 0.2
PLATFORM_FRICTION = 0.9
PLATFORM_STAND_REACH = 1.25  # a fighter stands on the platform within this of its centre
BLAST_X = 14.0
BLAST_Y = 8.0
# The stage size the competition's env declares, in units (the blast lines are half of each, rounded down)
STAGE_WIDTH_TILES = 29.8
STAGE_HEIGHT_TILES = 16.8
SPAWN_X = 5.0
SPAWN_Y = 0.0

# Weapons
WEAPON_NAMES = ("Punch", "Spear", "Hammer")  # index = the observation's weapon_type
SPAWNER_X_RANGE = (2.6, 6.5)  # distance from the stage centre, over each ground
SPAWNER_Y = (0.7, 2.7)  # height of the right and left spawners' weapons
SPAWN_DELAY_RANGE = (500, 700)
FIRST_SPAWN_MAX = 350
WEAPON_LIFETIME = 350
DROPPED_LIFETIME = 250
PICKUP_LOCK_FRAMES = 15
SPAWN_SHOW_FRAMES = 36  # a spawner's weapon can be taken once its appearance (this long) has played
# A weapon lying on the stage is a physics box that falls and rests on the grounds and the platform
# (never on fighters). As there, it is its 40 x 16 pixel picture at the render resolution's scale
# (`CameraResolution.pixels_per_unit`), 0.5 taller; its friction keeps it riding the platform.
WEAPON_PICTURE = (40, 16)
WEAPON_BODY_PADDING = 0.5
WEAPON_FRICTION = 1e11
WEAPON_MASS = 100.0
WEAPON_MOMENT = 1e9
PICKUP_WIDTH = 1.5  # the capsule a fighter's hurtbox must touch to take a weapon: 1.5 wide, and as
SPAWNED_PICKUP_HEIGHT = 0.83  # high for a spawner's weapon, as its picture is high for a dropped one

# Observation clamps
OBS_MAX_X = 18.0
OBS_MAX_Y = 7.0
OBS_MAX_SPEED = 10.0


class Facing(Enum):
    """Which way a fighter faces. As in the competition, a plain enum: `int(facing)` is 1 or -1, and
    a facing never equals a number (`facing == 1` is False; compare with `Facing.RIGHT`)."""

    RIGHT = 1
    LEFT = -1

    def __int__(self) -> int:
        return self.value

    # The competition's helpers, for code written against its Facing.
    @staticmethod
    def flip(facing: Facing) -> Facing:
        return Facing.LEFT if facing == Facing.RIGHT else Facing.RIGHT

    @staticmethod
    def get_key(facing: Facing) -> str:
        return "D" if facing == Facing.RIGHT else "A"

    @staticmethod
    def get_int(facing: Facing) -> int:
        return int(facing)

    @staticmethod
    def get_opposite_key(facing: Facing) -> str:
        return Facing.get_key(Facing.flip(facing))

    @staticmethod
    def get_opposite_int(facing: Facing) -> int:
        return -int(facing)

    @staticmethod
    def from_direction(direction: float) -> Facing:
        return Facing.RIGHT if direction > 0 else Facing.LEFT

    @staticmethod
    def turn_check(facing: Facing, direction: float) -> bool:
        """Whether moving in `direction` means turning around."""
        return direction * facing.value < 0


class Key(IntEnum):
    """Index of each key in an action vector."""

    W = 0
    A = 1
    S = 2
    D = 3
    SPACE = 4
    H = 5
    L = 6
    J = 7
    K = 8
    G = 9


KEY_NAMES = ("w", "a", "s", "d", "space", "h", "l", "j", "k", "g")
