# How long does each light attack take? Walk the move data with the game's own MoveManager.

from arena.compat.ai2.environment.environment import *


class AttackProbe:
    def __init__(self):
        WarehouseBrawl.load_attacks(self)

    def frames_of(self, move_type: MoveType, weapon: str = "Punch") -> int:
        table = {"Punch": self.attacks, "Spear": self.spear_attacks, "Hammer": self.hammer_attacks}[weapon]
        manager = MoveManager(FakePlayer(), table[move_type])
        frames = 0
        while not manager.do_move(is_holding_move_type=True, direction=0.0):
            frames += 1
            if frames > 500:
                raise RuntimeError("move never ended")
        return frames + 1


class FakePlayer:
    facing = Facing.RIGHT


def weapon_bookkeeping():
    pool = WeaponPool({"Spear": None, "Hammer": None})
    dropped = DroppedWeaponSpawner(None, 4, None, pool, [1.0, 2.0], "Spear", lifetime_frames=3)
    frames = 0
    while not dropped.done:
        dropped.update(frames, 0)
        frames += 1
    DroppedWeaponSpawner.try_drop(None)
    return frames, len(pool.pool)
