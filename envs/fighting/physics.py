"""Rigid-body stepping for the fighting game: boxes that fall, slide, tilt and rest on the stage.

The competition's game moves its fighters and weapons with a general 2-D physics engine (Chipmunk
7.0.3, as pymunk 6.2.1 bundles it); only a small part of it matters here: boxes of finite mass and
moment against fixed and moving boxes. `World.step` does that part as `cpSpaceStep` does it, in
the same floating-point operations, so that bodies land, slide, settle and tilt where the
competition's do, bit for bit:

1. Every moving body advances by its velocity plus its separation velocity (`bias`) of the last
   step, and turns by its angular velocity plus its separation spin; both are then spent.
2. The broadphase (`broadphase.BroadPhase`) reports the pairs whose boxes may touch, in the
   engine's order. For a body and a solid whose bounding boxes meet, the narrow phase
   (`narrowphase.collide`) finds the contact: the normal along which the solid pushes the body
   out and one or two points (the ends of the shared edge). A touching pair has an `Arbiter`,
   remembered while the pair touched within the last `PERSISTENCE` steps; a point made by the same
   two vertices as a point of the step before starts from that point's impulses.
3. Each point gets its masses along the normal and the tangent (from the body's inverse mass and
   inverse moment and the point's lever arm) and the separation speed that its depth beyond `SLOP`
   asks for: `1 - COLLISION_BIAS ** DT` of the excess over the next step.
4. Gravity adds to the velocity of bodies that feel it.
5. An arbiter that touched in the step before applies its points' impulses again (a new or
   resumed touch does not); then every point is solved in turn, `ITERATIONS` times: a separation
   impulse, a normal impulse that stops motion into the solid, and friction (the product of both
   surfaces' coefficients, times the normal impulse) that brakes sliding along it, each applied at
   the point, so that it turns the body too. Moving solids carry what touches them; nothing moves
   a solid. When a fighter is squeezed between the platform and a ground, the arbiter solved last
   wins.

Fighters and weapons have the competition's moment of inertia, 1e9: resting on an edge, the
impulses at its two ends, solved one after the other, leave them turned by about 1e-8 radians
and their velocities with components of about 1e-9 where an unturning box would have exactly 0;
an agent testing a velocity's sign sees them.
"""

from __future__ import annotations

import math
import struct
from typing import Iterable, NamedTuple, Sequence

from arena.envs.fighting.broadphase import BroadPhase, boxes_meet
from arena.envs.fighting.narrowphase import Contact, Polygon, bounds, box_corners, collide
from arena.envs.fighting.vec2d import Vec2d


def _single(value: float) -> float:
    """`value` rounded to single precision, as Chipmunk's `0.1f`-style constants are."""
    return struct.unpack("f", struct.pack("f", value))[0]


SLOP = _single(0.1)  # overlap left alone, units
COLLISION_BIAS = _single(1.0 - _single(0.1)) ** 60  # fraction of overlap left after one second of pushing out
ITERATIONS = 10
PERSISTENCE = 3  # steps an arbiter is remembered after its pair last touched (pymunk's default)


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
    """A box that moves and turns: centre `x, y`, velocity `vx, vy` (units, units/s, y down),
    `angle` (radians) and `angular_velocity` (radians/s).

    `half_width`/`half_height` give its extent (`polygon`: its box); `friction` its surface's
    coefficient; `mass` and `moment` its inertia (the default moment never lets it turn; the bodies
    of solids, which nothing pushes, keep the defaults); `gravity` whether gravity pulls it.
    `position` and `velocity` read and write the pairs; `cos` and `sin` are the angle's.
    """

    __slots__ = ("x", "y", "vx", "vy", "_angle", "cos", "sin", "angular_velocity", "bias_x", "bias_y", "bias_spin",
                 "half_width", "half_height", "friction", "gravity", "inverse_mass", "inverse_moment", "polygon")
    # What else reward code may read of the competition's bodies, which nothing pushes but contacts.
    torque = 0.0
    force = Vec2d(0.0, 0.0)

    def __init__(self, x: float, y: float, half_width: float = 0.0, half_height: float = 0.0,
                 friction: float = 0.0, mass: float = 1.0, moment: float = math.inf):
        self.x, self.y = float(x), float(y)
        self.vx = self.vy = 0.0
        self.angle = self.angular_velocity = 0.0
        self.bias_x = self.bias_y = self.bias_spin = 0.0  # separation velocity and spin, spent by the next move
        self.half_width, self.half_height = half_width, half_height
        self.friction = friction
        self.gravity = True
        self.inverse_mass = 1.0 / mass
        self.inverse_moment = 1.0 / moment
        self.polygon = Polygon(box_corners(half_width, half_height))

    @property
    def position(self) -> Vec2d:
        return Vec2d(self.x, self.y)

    @position.setter
    def position(self, value: Sequence[float]) -> None:
        self.x, self.y = float(value[0]), float(value[1])

    @property
    def velocity(self) -> Vec2d:
        return Vec2d(self.vx, self.vy)

    @velocity.setter
    def velocity(self, value: Sequence[float]) -> None:
        self.vx, self.vy = float(value[0]), float(value[1])

    @property
    def angle(self) -> float:
        return self._angle

    @angle.setter
    def angle(self, value: float) -> None:
        self._angle = value
        self.cos, self.sin = math.cos(value), math.sin(value)  # the body's rotation follows (cpBodySetAngle)

    def cache_bb(self) -> BB:
        """The box's extent now, turned with the body."""
        return BB(*bounds(self.polygon.corners_at(self.x, self.y, self.cos, self.sin)))

    def place(self) -> tuple[float, float, float, float]:
        """Put the polygon where the body is (`cpShapeUpdate`); returns its bounding box."""
        return self.polygon.place(self.x, self.y, self.cos, self.sin)

    def move(self, dt: float) -> None:
        """cpBodyUpdatePosition: advance and turn by the velocities plus the separation ones, which are spent."""
        self.x += (self.vx + self.bias_x) * dt
        self.y += (self.vy + self.bias_y) * dt
        self.angle = self._angle + (self.angular_velocity + self.bias_spin) * dt
        self.bias_x = self.bias_y = self.bias_spin = 0.0


class Solid:
    """A box that bodies cannot enter: fixed, or moving at its own velocity (nothing pushes it).

    The box spans `left..right` and `top..bottom` around `body`'s position; `corners` lists its
    vertices in the order the competition's engine keeps them (by default a box's, as pymunk's
    `Poly.create_box` makes it).
    """

    __slots__ = ("body", "left", "top", "right", "bottom", "polygon")

    def __init__(self, body: Body, left: float, top: float, right: float, bottom: float,
                 corners: Sequence[tuple[float, float]] | None = None):
        self.body = body
        self.left, self.top, self.right, self.bottom = left, top, right, bottom
        self.polygon = Polygon(corners or [(right, top), (right, bottom), (left, bottom), (left, top)])

    def cache_bb(self) -> BB:
        """The box's extent now."""
        body = self.body
        return BB(*bounds(self.polygon.corners_at(body.x, body.y, body.cos, body.sin)))

    def place(self) -> tuple[float, float, float, float]:
        """Put the polygon where the body is (`cpShapeUpdate`); returns its bounding box."""
        body = self.body
        return self.polygon.place(body.x, body.y, body.cos, body.sin)

    def touches(self, body: Body) -> bool:
        """Whether the bounding boxes meet (edges included)."""
        return self.cache_bb().intersects(body.cache_bb())


class Point:
    """A contact point of an arbiter (`cpContact`): its offsets from the body's centre (`rx, ry`)
    and from the solid's, the hash of the vertices that made it, this step's masses along the
    normal and the tangent and target separation speed, and the impulses accumulated on it."""

    __slots__ = ("rx", "ry", "solid_rx", "solid_ry", "hash", "normal_mass", "tangent_mass", "bias",
                 "separation", "normal", "tangent")

    def __init__(self, rx: float, ry: float, solid_rx: float, solid_ry: float, hash_: int):
        self.rx, self.ry, self.solid_rx, self.solid_ry, self.hash = rx, ry, solid_rx, solid_ry, hash_
        self.normal_mass = self.tangent_mass = self.bias = self.separation = 0.0
        self.normal = self.tangent = 0.0


class Arbiter:
    """A body touching a solid (`cpArbiter`): the normal `nx, ny` along which the solid pushes the
    body out, the friction (the product of both surfaces' coefficients), the contact points, and
    the world's step in which they last touched. `first` is set in the step a touch begins (the
    pair is new, or stopped touching in between), whose impulses are not applied again before
    the solve.

    Chipmunk solves an arbiter between its shapes `a` and `b` in the order its broadphase reported
    them, its normal pointing from `a` to `b`. Seen from the body, with the normal turned to point
    out of the solid, every one of its operations gives the same numbers, so an arbiter is kept
    from the body's side; only the points depend on which shape was `a` (`update`).
    """

    __slots__ = ("body", "solid", "friction", "nx", "ny", "points", "touched", "first")

    def __init__(self, body: Body, solid: Solid):
        self.body, self.solid = body, solid
        self.friction = body.friction * solid.body.friction
        self.nx = self.ny = 0.0
        self.points: list[Point] = []
        self.touched = -PERSISTENCE
        self.first = True

    def update(self, step: int, nx: float, ny: float, contacts: list[Contact], body_first: bool) -> None:
        """`cpArbiterUpdate`: this step's contact, found with the body's polygon first if `body_first`
        (`nx, ny` then points from the body into the solid)."""
        body, carrier = self.body, self.solid.body
        points = []
        for p1, p2, hash_ in contacts:
            (bx, by), (sx, sy) = (p1, p2) if body_first else (p2, p1)
            point = Point(bx - body.x, by - body.y, sx - carrier.x, sy - carrier.y, hash_)
            for kept in self.points:
                if kept.hash == hash_:
                    point.normal, point.tangent = kept.normal, kept.tangent
            points.append(point)
        self.points = points
        self.nx, self.ny = (-nx, -ny) if body_first else (nx, ny)
        self.first = step - self.touched > 1
        self.touched = step

    def pre_step(self, dt: float, bias_coef: float) -> None:
        """`cpArbiterPreStep`: each point's masses and target separation speed. (Every pair here has
        an elasticity product of 0, so the target bounce speed is 0.)"""
        body, carrier = self.body, self.solid.body
        nx, ny = self.nx, self.ny
        inverse_mass, inverse_moment = body.inverse_mass, body.inverse_moment
        dx, dy = body.x - carrier.x, body.y - carrier.y
        for point in self.points:
            rx, ry = point.rx, point.ry
            normal_arm = rx * ny - ry * nx  # cpvcross(r, n)
            tangent_arm = rx * nx - ry * -ny  # cpvcross(r, cpvperp(n))
            point.normal_mass = 1.0 / (inverse_mass + inverse_moment * normal_arm * normal_arm)
            point.tangent_mass = 1.0 / (inverse_mass + inverse_moment * tangent_arm * tangent_arm)
            excess = ((rx - point.solid_rx) + dx) * nx + ((ry - point.solid_ry) + dy) * ny + SLOP
            point.bias = -bias_coef * (0.0 if 0.0 < excess else excess) / dt
            point.separation = 0.0

    def apply_cached_impulses(self) -> None:
        """`cpArbiterApplyCachedImpulse`: the impulses of the step before, again (warm starting)."""
        if self.first:
            return
        body = self.body
        nx, ny = self.nx, self.ny
        inverse_mass, inverse_moment = body.inverse_mass, body.inverse_moment
        for point in self.points:
            normal, tangent = point.normal, point.tangent
            jx, jy = nx * normal - ny * tangent, nx * tangent + ny * normal  # cpvrotate(n, (normal, tangent))
            body.vx += jx * inverse_mass
            body.vy += jy * inverse_mass
            body.angular_velocity += inverse_moment * (point.rx * jy - point.ry * jx)

    def apply_impulses(self) -> None:
        """`cpArbiterApplyImpulse`: one pass over the points."""
        body, carrier = self.body, self.solid.body
        nx, ny, friction = self.nx, self.ny, self.friction
        inverse_mass, inverse_moment = body.inverse_mass, body.inverse_moment
        vx, vy, spin = body.vx, body.vy, body.angular_velocity
        bias_x, bias_y, bias_spin = body.bias_x, body.bias_y, body.bias_spin
        carrier_vx, carrier_vy = carrier.vx, carrier.vy
        for point in self.points:
            rx, ry = point.rx, point.ry
            # the point's separation and ordinary velocities, relative to the solid
            separating = (bias_x + -ry * bias_spin) * nx + (bias_y + rx * bias_spin) * ny
            ux, uy = (vx + -ry * spin) - carrier_vx, (vy + rx * spin) - carrier_vy
            into, along = ux * nx + uy * ny, ux * -ny + uy * nx

            old_separation = point.separation
            separation = old_separation + (point.bias - separating) * point.normal_mass
            separation = separation if separation > 0.0 else 0.0
            old_normal = point.normal
            normal = old_normal + -into * point.normal_mass
            normal = normal if normal > 0.0 else 0.0
            limit = friction * normal
            old_tangent = point.tangent
            tangent = old_tangent + -along * point.tangent_mass
            tangent = tangent if tangent > -limit else -limit  # cpfclamp
            tangent = tangent if tangent < limit else limit
            point.separation, point.normal, point.tangent = separation, normal, tangent

            push = separation - old_separation
            jx, jy = nx * push, ny * push
            bias_x += jx * inverse_mass
            bias_y += jy * inverse_mass
            bias_spin += inverse_moment * (rx * jy - ry * jx)
            normal -= old_normal
            tangent -= old_tangent
            jx, jy = nx * normal - ny * tangent, nx * tangent + ny * normal
            vx += jx * inverse_mass
            vy += jy * inverse_mass
            spin += inverse_moment * (rx * jy - ry * jx)
        body.vx, body.vy, body.angular_velocity = vx, vy, spin
        body.bias_x, body.bias_y, body.bias_spin = bias_x, bias_y, bias_spin


class World:
    """Steps `bodies` against `solids` under `gravity` (units/s², downward) with time step `dt`.

    Contacts are found, and solved, in the order Chipmunk's broadphase reports the touching pairs
    (see `broadphase`); that order depends on when and where each shape entered the engine's space.
    So `add_static` the fixed solids and `add` the moving ones and the bodies as the competition's
    game adds their shapes to its space (its order, before the first step). Shapes that `step` is
    given and that were not added are added then (weapons appear so, between two steps; a solid
    standing still is taken as fixed), and added bodies that `step` is no longer given are
    removed (weapons leave the space before new ones enter it), and their arbiters forgotten.
    """

    def __init__(self, gravity: float, dt: float):
        self.gravity = gravity
        self.dt = dt
        self.bias_coef = 1.0 - COLLISION_BIAS ** dt  # fraction of the excess overlap pushed out per step
        self.steps = 0  # steps taken: the clock by which arbiters are remembered
        self.arbiters: dict[tuple[Body, Solid], Arbiter] = {}  # pairs touched in the last PERSISTENCE steps
        self.broadphase = BroadPhase()
        self.added: dict[Body | Solid, None] = {}  # the moving shapes in the broadphase, in the order added
        self.fixed: set[Solid] = set()  # the fixed solids in it

    def add_static(self, solid: Solid) -> None:
        """A solid that never moves (a ground)."""
        solid.polygon.hashid = self.broadphase.next_id
        self.broadphase.add_static(solid, solid.place())
        self.fixed.add(solid)

    def add(self, shape: Body | Solid) -> None:
        """A body, or a solid that moves (the platform), entering the space where it is now."""
        body = shape.body if isinstance(shape, Solid) else shape
        shape.polygon.hashid = self.broadphase.next_id
        self.broadphase.add(shape, shape.place(), (body.vx, body.vy))
        self.added[shape] = None

    def remove(self, shape: Body | Solid) -> None:
        self.broadphase.remove(shape)
        del self.added[shape]
        self.arbiters = {pair: arbiter for pair, arbiter in self.arbiters.items() if shape not in pair}

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
            body.move(dt)
        for shape in self.added:
            shape.place()

        def box_of(shape: Body | Solid) -> tuple[tuple[float, float, float, float], tuple[float, float]]:
            body = shape.body if isinstance(shape, Solid) else shape
            return shape.polygon.bb, (body.vx, body.vy)  # the velocity before gravity, as there

        touching = []
        for first, second, pair in self.broadphase.step(box_of):
            body, solid = (first, second) if isinstance(second, Solid) else (second, first)
            if not isinstance(body, Body) or not isinstance(solid, Solid):
                continue  # bodies never touch bodies; solids never touch solids
            if not boxes_meet(first.polygon.bb, second.polygon.bb):
                continue
            collision_id, (nx, ny), contacts = collide(first.polygon, second.polygon, pair.id if pair else 0)
            if pair is not None:
                pair.id = collision_id
            if not contacts:
                continue
            arbiter = self.arbiters.get((body, solid)) or Arbiter(body, solid)
            arbiter.update(self.steps, nx, ny, contacts, first is body)
            touching.append(arbiter)
        for arbiter in touching:
            arbiter.pre_step(dt, self.bias_coef)
        for body in bodies:
            if body.gravity:
                body.vy += self.gravity * dt
        for arbiter in touching:
            arbiter.apply_cached_impulses()
        for _ in range(ITERATIONS):
            for arbiter in touching:
                arbiter.apply_impulses()
        self._remember(touching)

    def _remember(self, touching: list[Arbiter]) -> None:
        """Keep this step's arbiters and the earlier ones whose pair touched less than
        `PERSISTENCE` steps ago (Chipmunk's `cpSpaceArbiterSetFilter`)."""
        arbiters = {(arbiter.body, arbiter.solid): arbiter for arbiter in touching}
        for pair, arbiter in self.arbiters.items():
            if pair not in arbiters and self.steps - arbiter.touched < PERSISTENCE:
                arbiters[pair] = arbiter
        self.arbiters = arbiters
