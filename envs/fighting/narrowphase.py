"""Where two of the competition's boxes touch, and at which points: Chipmunk's polygon collision.

The competition's physics engine (Chipmunk 7.0.3, as pymunk 6.2.1 bundles it) finds the contact
between two polygons with GJK, and with EPA once they overlap (`cpCollision.c`): it walks the
polygons' Minkowski difference to its edge nearest the origin, which gives the contact's normal,
then clips the two polygons' edges facing each other into at most two contact points. Its fighters
turn by about 1e-8 radians, so those points sit a hair off the middle of an edge and the normal a
hair off an axis; the solver's impulses at those points then turn the fighters further and give
their velocities components of about 1e-9 that an agent testing a velocity's sign can see. This
module is a line-by-line port of the polygon-to-polygon path (`PolyToPoly`), in the same
floating-point operations, so that those hairs come out bit for bit as there. The shapes here have
no rounding radius (pymunk's default), so its terms are left out.

A polygon's vertices are counter-clockwise in the engine's frame (y up; the game's y points down,
so they run clockwise on screen), each with the normal of the edge that ends at it (`SetVerts`).
`Polygon.place` moves them with their body (`cpPolyShapeCacheData`). `collide` returns the
contact's normal (from the first polygon toward the second) and its points, with the collision id
that starts the next step's search for this pair.
"""

from __future__ import annotations

import math
import sys
from typing import NamedTuple, Sequence

DBL_MIN = sys.float_info.min  # CPFLOAT_MIN: keeps divisions by a zero length finite
HASH_COEF = 3344921057  # CP_HASH_COEF
HASH_MASK = (1 << 64) - 1  # cpHashValue is a 64-bit unsigned integer
MAX_GJK_ITERATIONS = 30
MAX_EPA_ITERATIONS = 30


def hash_pair(a: int, b: int) -> int:
    """CP_HASH_PAIR."""
    return ((a * HASH_COEF) ^ (b * HASH_COEF)) & HASH_MASK


def box_corners(half_width: float, half_height: float) -> list[tuple[float, float]]:
    """A box's vertices in the order Chipmunk's `cpBoxShapeNew` lists them (pymunk's `Poly.create_box`)."""
    return [(half_width, -half_height), (half_width, half_height), (-half_width, half_height),
            (-half_width, -half_height)]


class Polygon:
    """A convex polygon on a body: `corners` relative to the body's position, in Chipmunk's order.

    `verts`, `normals` and `bb` (left, bottom, right, top) are where `place` last put it; `hashid`
    is the number the engine's space gave the shape (it names the contact points' features). A body
    turned by an angle is placed with that angle's cosine and sine.
    """

    __slots__ = ("corners", "edge_normals", "verts", "normals", "bb", "hashid")

    def __init__(self, corners: Sequence[tuple[float, float]]):
        self.corners = [(float(x), float(y)) for x, y in corners]
        self.edge_normals = []
        count = len(self.corners)
        for i, (bx, by) in enumerate(self.corners):
            ax, ay = self.corners[(i - 1 + count) % count]
            self.edge_normals.append(_normalize(by - ay, -(bx - ax)))  # cpvrperp of the edge
        self.verts = self.corners
        self.normals = self.edge_normals
        self.bb = (0.0, 0.0, 0.0, 0.0)
        self.hashid = 0

    def place(self, x: float, y: float, cos: float, sin: float) -> tuple[float, float, float, float]:
        """Move the polygon to a body at (`x`, `y`) turned by the angle of cosine `cos` and sine `sin`
        (`cpPolyShapeCacheData`); returns the new bounding box."""
        self.verts = self.corners_at(x, y, cos, sin)
        self.normals = [(cos * nx + -sin * ny, sin * nx + cos * ny) for nx, ny in self.edge_normals]
        self.bb = bounds(self.verts)
        return self.bb

    def corners_at(self, x: float, y: float, cos: float, sin: float) -> list[tuple[float, float]]:
        """The corners on a body there (cpTransformPoint: the rotation (cos, -sin; sin, cos), then the position)."""
        return [(cos * cx + -sin * cy + x, sin * cx + cos * cy + y) for cx, cy in self.corners]


def bounds(verts: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The bounding box (left, bottom, right, top) of the vertices, as cpfmin and cpfmax find it."""
    left = bottom = math.inf
    right = top = -math.inf
    for vx, vy in verts:
        left = left if left < vx else vx
        right = right if right > vx else vx
        bottom = bottom if bottom < vy else vy
        top = top if top > vy else vy
    return left, bottom, right, top


class Contact(NamedTuple):
    """A contact point: `p1` on the first polygon, `p2` on the second, and the hash of the pair of
    features (vertices) that made it, by which the next step recognises the same point."""

    p1: tuple[float, float]
    p2: tuple[float, float]
    hash: int


def _normalize(x: float, y: float) -> tuple[float, float]:
    """cpvnormalize."""
    scale = 1.0 / (math.sqrt(x * x + y * y) + DBL_MIN)
    return x * scale, y * scale


def _support_index(verts: list[tuple[float, float]], nx: float, ny: float) -> int:
    """PolySupportPointIndex: the first vertex farthest along (nx, ny)."""
    best = -math.inf
    index = 0
    for i, (x, y) in enumerate(verts):
        d = x * nx + y * ny
        if d > best:
            best = d
            index = i
    return index


# A point of the Minkowski difference: (ax, ay, bx, by, abx, aby, id), the support points on both
# polygons, their difference b - a, and both vertex indices packed (MinkowskiPoint).
MinkowskiPoint = tuple


def _minkowski_point(a: Polygon, i: int, b: Polygon, j: int) -> MinkowskiPoint:
    ax, ay = a.verts[i]
    bx, by = b.verts[j]
    return (ax, ay, bx, by, bx - ax, by - ay, (i & 0xFF) << 8 | (j & 0xFF))


def _support(a: Polygon, b: Polygon, nx: float, ny: float) -> MinkowskiPoint:
    """Support: the Minkowski difference's farthest point along (nx, ny)."""
    return _minkowski_point(a, _support_index(a.verts, -nx, -ny), b, _support_index(b.verts, nx, ny))


def _point_greater(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> bool:
    """cpCheckPointGreater: c is to the left of the segment a-b."""
    return (by - ay) * (ax + bx - 2 * cx) > (bx - ax) * (ay + by - 2 * cy)


def _closest_t(ax: float, ay: float, bx: float, by: float) -> float:
    """ClosestT: where on the segment a-b (-1 at a, 1 at b) the point nearest the origin lies."""
    dx, dy = bx - ax, by - ay
    d2 = dx * dx + dy * dy
    if not d2:
        return 0.0
    t = (dx * (ax + bx) + dy * (ay + by)) / d2
    t = t if t > -1.0 else -1.0  # cpfclamp
    t = t if t < 1.0 else 1.0
    return -t


def _lerp_t(ax: float, ay: float, bx: float, by: float, t: float) -> tuple[float, float]:
    """LerpT."""
    ht = 0.5 * t
    return ax * (0.5 - ht) + bx * (0.5 + ht), ay * (0.5 - ht) + by * (0.5 + ht)


def _closest_dist(ax: float, ay: float, bx: float, by: float) -> float:
    """ClosestDist: the squared distance from the origin to the segment a-b."""
    x, y = _lerp_t(ax, ay, bx, by, _closest_t(ax, ay, bx, by))
    return x * x + y * y


class ClosestPoints(NamedTuple):
    a: tuple[float, float]
    b: tuple[float, float]
    n: tuple[float, float]  # the minimum separating axis, from the first polygon toward the second
    d: float  # signed distance: negative when overlapping
    id: int


def _closest_points(v0: MinkowskiPoint, v1: MinkowskiPoint) -> ClosestPoints:
    """ClosestPointsNew: the closest points given the Minkowski difference's edge v0-v1 nearest
    the origin."""
    t = _closest_t(v0[4], v0[5], v1[4], v1[5])
    px, py = _lerp_t(v0[4], v0[5], v1[4], v1[5], t)
    pa = _lerp_t(v0[0], v0[1], v1[0], v1[1], t)
    pb = _lerp_t(v0[2], v0[3], v1[2], v1[3], t)
    id_ = (v0[6] & 0xFFFF) << 16 | (v1[6] & 0xFFFF)
    dx, dy = v1[4] - v0[4], v1[5] - v0[5]
    nx, ny = _normalize(dy, -dx)
    d = nx * px + ny * py
    if d <= 0.0 or -1.0 < t < 1.0:
        return ClosestPoints(pa, pb, (nx, ny), d, id_)
    d2 = math.sqrt(px * px + py * py)  # a vertex against a vertex
    scale = 1.0 / (d2 + DBL_MIN)
    return ClosestPoints(pa, pb, (px * scale, py * scale), d2, id_)


def _epa(a: Polygon, b: Polygon, hull: list[MinkowskiPoint]) -> ClosestPoints:
    """EPA (EPARecurse as a loop): grow the hull inside the Minkowski difference until the edge
    nearest the origin is one of the difference's own."""
    iteration = 1
    while True:
        count = len(hull)
        mini = 0
        min_dist = math.inf
        i = count - 1
        for j in range(count):
            d = _closest_dist(hull[i][4], hull[i][5], hull[j][4], hull[j][5])
            if d < min_dist:
                min_dist = d
                mini = i
            i = j
        v0, v1 = hull[mini], hull[(mini + 1) % count]
        p = _support(a, b, -(v1[5] - v0[5]), v1[4] - v0[4])  # cpvperp of the edge
        duplicate = p[6] == v0[6] or p[6] == v1[6]
        if duplicate or not _point_greater(v0[4], v0[5], v1[4], v1[5], p[4], p[5]) \
                or iteration >= MAX_EPA_ITERATIONS:
            return _closest_points(v0, v1)
        grown = [p]
        for i in range(count):
            index = (mini + 1 + i) % count
            h0 = grown[-1]
            h1 = hull[index]
            h2 = hull[(index + 1) % count] if i + 1 < count else p
            if _point_greater(h0[4], h0[5], h2[4], h2[5], h1[4], h1[5]):
                grown.append(h1)
        hull = grown
        iteration += 1


def _gjk(a: Polygon, b: Polygon, collision_id: int) -> ClosestPoints:
    """GJK (GJKRecurse as a loop), starting from the vertices `collision_id` names (the last
    step's answer for this pair) or, for 0, from the bounding boxes' centres."""
    if collision_id:
        v0 = _minkowski_point(a, _vertex(a, (collision_id >> 24) & 0xFF), b, _vertex(b, (collision_id >> 16) & 0xFF))
        v1 = _minkowski_point(a, _vertex(a, (collision_id >> 8) & 0xFF), b, _vertex(b, collision_id & 0xFF))
    else:
        abb, bbb = a.bb, b.bb
        # cpvperp(cpBBCenter(a) - cpBBCenter(b)), cpBBCenter being cpvlerp(min, max, 0.5)
        dx = (abb[0] * 0.5 + abb[2] * 0.5) - (bbb[0] * 0.5 + bbb[2] * 0.5)
        dy = (abb[1] * 0.5 + abb[3] * 0.5) - (bbb[1] * 0.5 + bbb[3] * 0.5)
        v0 = _support(a, b, -dy, dx)
        v1 = _support(a, b, dy, -dx)
    iteration = 1
    while True:
        if iteration > MAX_GJK_ITERATIONS:
            return _closest_points(v0, v1)
        if _point_greater(v1[4], v1[5], v0[4], v0[5], 0.0, 0.0):
            v0, v1 = v1, v0  # the origin is behind the axis: flip it
            continue
        t = _closest_t(v0[4], v0[5], v1[4], v1[5])
        if -1.0 < t < 1.0:
            nx, ny = -(v1[5] - v0[5]), v1[4] - v0[4]
        else:
            lx, ly = _lerp_t(v0[4], v0[5], v1[4], v1[5], t)
            nx, ny = -lx, -ly
        p = _support(a, b, nx, ny)
        if _point_greater(p[4], p[5], v0[4], v0[5], 0.0, 0.0) and _point_greater(v1[4], v1[5], p[4], p[5], 0.0, 0.0):
            return _epa(a, b, [v0, p, v1])  # the triangle v0, p, v1 holds the origin
        # cpCheckAxis: p is no closer than the edge we have
        d0, d1 = v0[4] * nx + v0[5] * ny, v1[4] * nx + v1[5] * ny
        if p[4] * nx + p[5] * ny <= (d0 if d0 > d1 else d1):
            return _closest_points(v0, v1)
        if _closest_dist(v0[4], v0[5], p[4], p[5]) < _closest_dist(p[4], p[5], v1[4], v1[5]):
            v1 = p
        else:
            v0 = p
        iteration += 1


def _vertex(polygon: Polygon, i: int) -> int:
    """ShapePoint's index: a cached index past the polygon's vertices falls back to the first."""
    return i if i < len(polygon.verts) else 0


def _support_edge(polygon: Polygon, nx: float, ny: float) -> tuple:
    """SupportEdgeForPoly: the polygon's edge facing along (nx, ny), as (a, a's hash, b, b's hash)."""
    verts, normals = polygon.verts, polygon.normals
    count = len(verts)
    i1 = _support_index(verts, nx, ny)
    i0 = (i1 - 1 + count) % count
    i2 = (i1 + 1) % count
    hashid = polygon.hashid
    n1, n2 = normals[i1], normals[i2]
    if nx * n1[0] + ny * n1[1] > nx * n2[0] + ny * n2[1]:
        return verts[i0], hash_pair(hashid, i0), verts[i1], hash_pair(hashid, i1)
    return verts[i1], hash_pair(hashid, i1), verts[i2], hash_pair(hashid, i2)


def _clamp01(f: float) -> float:
    f = f if f < 1.0 else 1.0
    return 0.0 if 0.0 > f else f


def _lerp(a: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    """cpvlerp."""
    return a[0] * (1.0 - t) + b[0] * t, a[1] * (1.0 - t) + b[1] * t


def _contact_points(points: ClosestPoints, first: Polygon, second: Polygon) -> list[Contact]:
    """ContactPoints: clip the two polygons' facing edges against each other."""
    nx, ny = points.n
    e1a, e1a_hash, e1b, e1b_hash = _support_edge(first, nx, ny)
    e2a, e2a_hash, e2b, e2b_hash = _support_edge(second, -nx, -ny)
    # distances along the edges (cpvcross with the normal)
    d_e1_a = e1a[0] * ny - e1a[1] * nx
    d_e1_b = e1b[0] * ny - e1b[1] * nx
    d_e2_a = e2a[0] * ny - e2a[1] * nx
    d_e2_b = e2b[0] * ny - e2b[1] * nx
    e1_denom = 1.0 / (d_e1_b - d_e1_a + DBL_MIN)
    e2_denom = 1.0 / (d_e2_b - d_e2_a + DBL_MIN)
    contacts = []
    clips = (((d_e2_b - d_e1_a) * e1_denom, (d_e1_a - d_e2_a) * e2_denom, hash_pair(e1a_hash, e2b_hash)),
             ((d_e2_a - d_e1_a) * e1_denom, (d_e1_b - d_e2_a) * e2_denom, hash_pair(e1b_hash, e2a_hash)))
    for e1_t, e2_t, hash_ in clips:
        p1 = _lerp(e1a, e1b, _clamp01(e1_t))
        p2 = _lerp(e2a, e2b, _clamp01(e2_t))
        if (p2[0] - p1[0]) * nx + (p2[1] - p1[1]) * ny <= 0.0:
            contacts.append(Contact(p1, p2, hash_))
    return contacts


def collide(first: Polygon, second: Polygon, collision_id: int) -> tuple[int, tuple[float, float], list[Contact]]:
    """PolyToPoly: the collision id for the next step, the normal from `first` toward `second`, and
    the contact points (none when the polygons are apart)."""
    points = _gjk(first, second, collision_id)
    contacts = _contact_points(points, first, second) if points.d <= 0.0 else []
    return points.id, points.n, contacts
