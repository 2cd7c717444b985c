"""The competition's capsule hitboxes: `CapsuleCollider` (the game's own: it tests overlap exactly as
the game decides hits) and `Capsule` (converting its move data's hitbox numbers to game units).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from arena.envs.fighting.colliders import CapsuleCollider, hitbox_offset, hitbox_size


class Capsule:
    """Hitbox helpers for the competition's move data (`[x_offset, y_offset, width, height]` in its units)."""

    @staticmethod
    def get_hitbox_offset(x_offset: float, y_offset: float) -> tuple[float, float]:
        return hitbox_offset(x_offset, y_offset)

    @staticmethod
    def get_hitbox_size(width: float, height: float) -> tuple[float, float]:
        return hitbox_size(width, height)

    @staticmethod
    def collider(hitbox: Sequence[float], pos: Sequence[float]) -> CapsuleCollider:
        """The collider of a move-data hitbox placed at `pos` (game units)."""
        x_offset, y_offset, width, height = hitbox
        dx, dy = Capsule.get_hitbox_offset(x_offset, y_offset)
        return CapsuleCollider((pos[0] + dx, pos[1] + dy), *Capsule.get_hitbox_size(width, height))

    @staticmethod
    def check_collision(hitbox_pos: Sequence[float], width: float, height: float,
                        collidables: Iterable[Sequence[float]]) -> list[Sequence[float]]:
        """The boxes `(left, top, width, height)` in `collidables` that the hitbox's bounding box overlaps."""
        w, h = Capsule.get_hitbox_size(width, height)
        left, top = hitbox_pos[0] - w / 2, hitbox_pos[1] - h / 2
        return [box for box in collidables
                if left < box[0] + box[2] and box[0] < left + w and top < box[1] + box[3] and box[1] < top + h]


__all__ = ["Capsule", "CapsuleCollider"]
