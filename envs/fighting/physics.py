"""Rigid-body stepping for the fighting game: boxes that fall, slide and rest on the stage.

The competition's game moves its fighters with a general 2-D physics engine (Chipmunk); only a
small part of it matters here: unrotating boxes against fixed and moving boxes. `World.step`
does that part the same way, so bodies land, slide and settle where the competition's do:

1. Every moving body advances by its velocity plus its separation velocity (`bias`) of the last
   step; the separation velocity is then spent.
2. Boxes that overlap a solid get a contact; a contact deeper than `SLOP` will push the body out
   by `1 - COLLISION_BIAS ** DT` of the excess over the next step (so deep landings settle over
   several frames, and bodies rest `SLOP` deep at most).
3. Gravity adds to the velocity of bodies that feel it.
4. Each contact removes the body's velocity into the solid, and friction (the product of both
   surfaces' coefficients, times that normal impulse) brakes sliding along it; moving solids
   carry what touches them. Contacts are resolved in turn, `ITERATIONS` times, in the order the
   competition's physics finds them (`broadphase.BroadPhase`): when a fighter is squeezed between
   the platform and a ground, the contact resolved last wins.
   A pair that stops touching is remembered for `PERSISTENCE` steps (the engine's
   `collision_persistence`): touching again within them, its contact starts from the impulses it
   last had without applying them first, as on a first touch; their friction limit still holds,
   so a fighter landing a frame after leaving a surface is braked harder than on a first landing.
5. A body of boundless friction (`GRIP_FRICTION`: the weapons) pushed out of a solid's side grips
   it from the contact's next step on and slides no more: there the physics engine finds that
   contact's direction a hair off the horizontal, and the hair times such a friction holds it.

Bodies never rotate (the fighters' moment of inertia is effectively infinite there too).
"""

from __future__ import annotations

import math
from typing import Iterable, NamedTuple, Sequence

from arena.envs.fighting.broadphase import BroadPhase

SLOP = 0.1  # overlap left alone, units
COLLISION_BIAS = 0.9 ** 60  # fraction of overlap left after one second of pushing out
ITERATIONS = 10
PERSISTENCE = 3  # steps a contact is remembered after its pair last touched (pymunk's default)
GRIP_FRICTION = 1e6  # a contact's friction from which a body grips a side it was pushed out of


class Vec2(NamedTuple):
    """A 2-D vector with `.x` and `.y`, as the competition's physics engine gives positions and
    velocities (pymunk's `Vec2d`): a pair that adds, subtracts and scales, with `length`,
    `get_distance`, `normalized` and `dot`."""

    x: float
    y: float

    def __add__(self, other: Sequence[float]) -> Vec2:  # type: ignore[override]
        return Vec2(self.x + other[0], self.y + other[1])

    __radd__ = __add__

    def __sub__(self, other: Sequence[float]) -> Vec2:
        return Vec2(self.x - other[0], self.y - other[1])

    def __rsub__(self, other: Sequence[float]) -> Vec2:
        return Vec2(other[0] - self.x, other[1] - self.y)

    def __mul__(self, scale: float) -> Vec2:  # type: ignore[override]
        return Vec2(self.x * scale, self.y * scale)

    __rmul__ = __mul__

    def __truediv__(self, scale: float) -> Vec2:
        return Vec2(self.x / scale, self.y / scale)

    def __floordiv__(self, scale: float) -> Vec2:
        return Vec2(self.x // scale, self.y // scale)

    def __neg__(self) -> Vec2:
        return Vec2(-self.x, -self.y)

    def __pos__(self) -> Vec2:
        return self

    def __abs__(self) -> float:
        return self.length

    @property
    def length(self) -> float:
        return math.hypot(self.x, self.y)

    def get_length_sqrd(self) -> float:
        return self.x * self.x + self.y * self.y

    def get_distance(self, other: Sequence[float]) -> float:
        return math.hypot(self.x - other[0], self.y - other[1])

    def get_dist_sqrd(self, other: Sequence[float]) -> float:
        return (self.x - other[0]) ** 2 + (self.y - other[1]) ** 2

    def dot(self, other: Sequence[float]) -> float:
        return self.x * other[0] + self.y * other[1]

    def normalized(self) -> Vec2:
        length = self.length
        return self / length if length != 0 else Vec2(0.0, 0.0)

    @property
    def int_tuple(self) -> tuple[int, int]:
        return round(self.x), round(self.y)

    def __repr__(self) -> str:
        return f"Vec2d({self.x!r}, {self.y!r})"


class BB(NamedTuple):
    """A bounding box with the competition's physics engine's field names: `bottom` is the smaller
    y and `top` the larger (that engine's y points up; the game's points down, so `top` is the
    lower edge on screen)."""

    left: float
    bottom: float
    right: float
    top: float

    def intersects(self, other: BB) -> bool:
        """Whether the boxes meet (edges included)."""
        return (self.left <= other.right and other.left <= self.right
                and self.bottom <= other.top and other.bottom <= self.top)


class Body:
    """An unrotating box: centre `x, y`, velocity `vx, vy` (units, units/s, y down).

    `half_width`/`half_height` give its extent; `friction` its surface's coefficient; `gravity`
    whether gravity pulls it. `position` and `velocity` read and write the pairs.
    """

    __slots__ = ("x", "y", "vx", "vy", "bias_x", "bias_y", "half_width", "half_height", "friction", "gravity")
    # What reward code may read of the competition's bodies, which never turn either.
    angle = 0.0
    angular_velocity = 0.0
    torque = 0.0
    force = Vec2(0.0, 0.0)

    def __init__(self, x: float, y: float, half_width: float = 0.0, half_height: float = 0.0,
                 friction: float = 0.0):
        self.x, self.y = float(x), float(y)
        self.vx = self.vy = 0.0
        self.bias_x = self.bias_y = 0.0
        self.half_width, self.half_height = half_width, half_height
        self.friction = friction
        self.gravity = True

    @property
    def position(self) -> Vec2:
        return Vec2(self.x, self.y)

    @position.setter
    def position(self, value: Sequence[float]) -> None:
        self.x, self.y = float(value[0]), float(value[1])

    @property
    def velocity(self) -> Vec2:
        return Vec2(self.vx, self.vy)

    @velocity.setter
    def velocity(self, value: Sequence[float]) -> None:
        self.vx, self.vy = float(value[0]), float(value[1])

    def cache_bb(self) -> BB:
        """The box's extent now."""
        return BB(self.x - self.half_width, self.y - self.half_height, self.x + self.half_width,
                  self.y + self.half_height)


class Solid:
    """A box that bodies cannot enter: fixed, or moving at its own velocity (nothing pushes it).

    The box spans `left..right` and `top..bottom` around `body`'s position.
    """

    __slots__ = ("body", "left", "top", "right", "bottom")

    def __init__(self, body: Body, left: float, top: float, right: float, bottom: float):
        self.body = body
        self.left, self.top, self.right, self.bottom = left, top, right, bottom

    def cache_bb(self) -> BB:
        """The box's extent now."""
        x, y = self.body.x, self.body.y
        return BB(x + self.left, y + self.top, x + self.right, y + self.bottom)

    def touches(self, body: Body) -> bool:
        """Whether the bounding boxes meet (edges included)."""
        x, y = self.body.x, self.body.y
        bx, by, half_width, half_height = body.x, body.y, body.half_width, body.half_height
        return (x + self.left <= bx + half_width and bx - half_width <= x + self.right
                and y + self.top <= by + half_height and by - half_height <= y + self.bottom)


class Contact:
    """A body overlapping a solid: the push-out direction `nx, ny`, the depth, and the impulses.

    Like the competition's physics, a box resting on a box touches at two points (the ends of
    the shared edge), each with its own accumulated normal and friction impulse; both carry over
    to the next step while the contact lasts (warm starting), which decides how squeezes and
    landings end. `touched` is the world's step in which the pair last touched.
    """

    __slots__ = ("body", "solid", "nx", "ny", "bias", "friction", "normal", "tangent", "grip", "touched", "resumed")

    def __init__(self, body: Body, solid: Solid, nx: float, ny: float, bias: float, touched: int):
        self.body, self.solid = body, solid
        self.nx, self.ny, self.bias = nx, ny, bias
        self.friction = body.friction * solid.body.friction
        self.normal = [0.0, 0.0]  # accumulated impulse at each contact point
        self.tangent = [0.0, 0.0]
        self.grip = False  # friction without limit: the body grips a side (see the module's step 5)
        self.touched = touched
        self.resumed = False  # touching again after steps apart: its impulses are not applied again

    def carry_over(self, last: Contact) -> None:
        """Continue `last`, the same contact when it last touched: its impulses, and its grip."""
        self.normal, self.tangent = last.normal, last.tangent
        self.grip = last.grip or (last.bias > 0.0 and self.nx != 0.0 and self.friction >= GRIP_FRICTION)
        self.resumed = self.touched - last.touched > 1

    def warm_start(self) -> None:
        """Apply the impulses carried over from the last step (none after steps apart: Chipmunk skips
        an arbiter's cached impulses on its first collision)."""
        if self.resumed:
            return
        normal, tangent = self.normal[0] + self.normal[1], self.tangent[0] + self.tangent[1]
        body, nx, ny = self.body, self.nx, self.ny
        body.vx += normal * nx - tangent * ny
        body.vy += normal * ny + tangent * nx

    def separate(self) -> None:
        """Give the body the separation velocity this contact's excess depth asks for."""
        body, nx, ny = self.body, self.nx, self.ny
        missing = self.bias - (body.bias_x * nx + body.bias_y * ny)
        if missing > 0.0:
            body.bias_x += missing * nx
            body.bias_y += missing * ny

    def resolve(self) -> bool:
        """One pass over both points: stop motion into the solid, then brake sliding along it.

        Returns whether any impulse changed.
        """
        body, carrier = self.body, self.solid.body
        nx, ny = self.nx, self.ny
        normals, tangents = self.normal, self.tangent
        changed = False
        for point in (0, 1):
            rel_x, rel_y = body.vx - carrier.vx, body.vy - carrier.vy
            into = rel_x * nx + rel_y * ny  # negative: moving into the solid
            along = -rel_x * ny + rel_y * nx  # along the tangent (-ny, nx)
            old_normal, old_tangent = normals[point], tangents[point]
            normal = old_normal - into
            if normal < 0.0:
                normal = 0.0
            limit = math.inf if self.grip else self.friction * normal
            tangent = old_tangent - along
            if tangent > limit:
                tangent = limit
            elif tangent < -limit:
                tangent = -limit
            if normal != old_normal or tangent != old_tangent:
                changed = True
                normals[point], tangents[point] = normal, tangent
                normal -= old_normal
                tangent -= old_tangent
                body.vx += normal * nx - tangent * ny
                body.vy += normal * ny + tangent * nx
        return changed


OUTWARD = ((-1.0, 0.0), (1.0, 0.0), (0.0, -1.0), (0.0, 1.0))  # push-out directions: left, right, up, down


def overlap(body: Body, solid: Solid, bias_rate: float, step: int) -> Contact | None:
    """The contact between `body` and `solid` in the world's step `step`, pushing out along the axis
    of least overlap."""
    x, y = solid.body.x, solid.body.y
    bx, by, half_width, half_height = body.x, body.y, body.half_width, body.half_height
    out_left = bx + half_width - x - solid.left
    out_right = x + solid.right - bx + half_width
    if out_left <= 0.0 or out_right <= 0.0:
        return None
    out_up = by + half_height - y - solid.top
    out_down = y + solid.bottom - by + half_height
    if out_up <= 0.0 or out_down <= 0.0:
        return None
    depths = (out_left, out_right, out_up, out_down)
    depth = min(depths)
    nx, ny = OUTWARD[depths.index(depth)]
    return Contact(body, solid, nx, ny, bias_rate * max(0.0, depth - SLOP), step)


class World:
    """Steps `bodies` against `solids` under `gravity` (units/s², downward) with time step `dt`.

    Contacts are made, and resolved, in the order Chipmunk's broadphase reports the touching pairs
    (see `broadphase`); that order depends on when and where each shape entered the engine's space.
    So `add_static` the fixed solids and `add` the moving ones and the bodies as the competition's
    game adds their shapes to its space (its order, before the first step). Shapes that `step` is
    given and that were not added are added then (weapons appear so, between two steps; a solid
    standing still is taken as fixed), and added bodies that `step` is no longer given are
    removed (weapons leave the space before new ones enter it), and their contacts forgotten.
    """

    def __init__(self, gravity: float, dt: float):
        self.gravity = gravity
        self.dt = dt
        self.bias_rate = (1.0 - COLLISION_BIAS ** dt) / dt  # separation speed per unit of excess overlap
        self.steps = 0  # steps taken: the clock by which contacts are remembered
        self.cache: dict[tuple[Body, Solid], Contact] = {}  # contacts touched in the last PERSISTENCE steps
        self.broadphase = BroadPhase()
        self.added: dict[Body | Solid, None] = {}  # the moving shapes in the broadphase, in the order added
        self.fixed: set[Solid] = set()  # the fixed solids in it

    def add_static(self, solid: Solid) -> None:
        """A solid that never moves (a ground)."""
        self.broadphase.add_static(solid, solid.cache_bb())
        self.fixed.add(solid)

    def add(self, shape: Body | Solid) -> None:
        """A body, or a solid that moves (the platform), entering the space where it is now."""
        body = shape.body if isinstance(shape, Solid) else shape
        self.broadphase.add(shape, shape.cache_bb(), (body.vx, body.vy))
        self.added[shape] = None

    def remove(self, shape: Body | Solid) -> None:
        self.broadphase.remove(shape)
        del self.added[shape]
        self.cache = {pair: contact for pair, contact in self.cache.items() if shape not in pair}

    def step(self, bodies: Iterable[Body], solids: Sequence[Solid]) -> None:
        dt = self.dt
        self.steps += 1
        bodies = list(bodies)
        stepped = set(bodies)
        for shape in [shape for shape in self.added if isinstance(shape, Body) and shape not in stepped]:
            self.remove(shape)
        for shape in [*solids, *bodies]:
            if shape in self.added or shape in self.fixed:
                continue
            if isinstance(shape, Solid) and not (shape.body.vx or shape.body.vy):
                self.add_static(shape)
            else:
                self.add(shape)
        for solid in solids:
            solid_body = solid.body
            if solid_body.vx or solid_body.vy:
                solid_body.x += solid_body.vx * dt
                solid_body.y += solid_body.vy * dt
        for body in bodies:
            body.x += (body.vx + body.bias_x) * dt
            body.y += (body.vy + body.bias_y) * dt
            body.bias_x = body.bias_y = 0.0

        def box_of(shape: Body | Solid) -> tuple[BB, tuple[float, float]]:
            body = shape.body if isinstance(shape, Solid) else shape
            return shape.cache_bb(), (body.vx, body.vy)  # the velocity before gravity, as there

        contacts = []
        cache = self.cache
        for first, second in self.broadphase.step(box_of):
            body, solid = (first, second) if isinstance(second, Solid) else (second, first)
            if not isinstance(body, Body) or not isinstance(solid, Solid):
                continue  # bodies never touch bodies; solids never touch solids
            contact = overlap(body, solid, self.bias_rate, self.steps)
            if contact is None:
                continue
            last = cache.get((body, solid))
            if last is not None and (last.nx, last.ny) == (contact.nx, contact.ny):
                contact.carry_over(last)
            contacts.append(contact)
        for body in bodies:
            if body.gravity:
                body.vy += self.gravity * dt
        for contact in contacts:
            contact.separate()
            contact.warm_start()
        for _ in range(ITERATIONS):
            changed = False
            for contact in contacts:
                changed = contact.resolve() or changed
            if not changed:
                break
        self._remember(contacts)

    def _remember(self, contacts: list[Contact]) -> None:
        """Cache this step's contacts, in the order resolved, and keep the earlier ones whose pair
        touched less than `PERSISTENCE` steps ago (Chipmunk's `cpSpaceArbiterSetFilter`)."""
        cache = {(contact.body, contact.solid): contact for contact in contacts}
        for pair, contact in self.cache.items():
            if pair not in cache and self.steps - contact.touched < PERSISTENCE:
                cache[pair] = contact
        self.cache = cache
