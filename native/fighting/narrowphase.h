// Where two of the competition's boxes touch, and at which points: the C++ form of
// envs/fighting/narrowphase.py (a port of Chipmunk 7.0.3's polygon collision, cpCollision.c),
// operation for operation in double precision. Its docstring tells the method; the functions here
// carry the same names. Polygons here are boxes: four vertices.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <utility>

#include "broadphase.h"

namespace fighting {

struct Vec {
  double x, y;
};

constexpr int CORNERS = 4;
constexpr uint64_t HASH_COEF = 3344921057ull;  // CP_HASH_COEF
constexpr int MAX_GJK_ITERATIONS = 30;
constexpr int MAX_EPA_ITERATIONS = 30;

inline uint64_t hash_pair(uint64_t a, uint64_t b) { return a * HASH_COEF ^ b * HASH_COEF; }  // CP_HASH_PAIR

// cpvnormalize
inline Vec normalize(double x, double y) {
  double scale = 1.0 / (std::sqrt(x * x + y * y) + DBL_MIN);
  return {x * scale, y * scale};
}

// A box on a body (narrowphase.Polygon): its corners relative to the body's position, in the order
// Chipmunk keeps them, each with the normal of the edge that ends at it.
struct Polygon {
  Vec corners[CORNERS];
  Vec edge_normals[CORNERS];

  Polygon() = default;
  explicit Polygon(const Vec (&c)[CORNERS]) {
    for (int i = 0; i < CORNERS; ++i) {
      corners[i] = c[i];
      const Vec& a = c[(i - 1 + CORNERS) % CORNERS];
      edge_normals[i] = normalize(c[i].y - a.y, -(c[i].x - a.x));  // cpvrperp of the edge
    }
  }

  // narrowphase.box_corners: a box of the given half extents, as cpBoxShapeNew lists its vertices.
  static Polygon box(double half_width, double half_height) {
    const Vec c[CORNERS] = {{half_width, -half_height}, {half_width, half_height}, {-half_width, half_height},
                            {-half_width, -half_height}};
    return Polygon(c);
  }

  // The bounding box of the polygon on a body at (x, y) turned by the angle of cosine `cos` and sine
  // `sin` (Body.cache_bb).
  Box bounds(double x, double y, double cos, double sin) const {
    Vec verts[CORNERS];
    return transform(x, y, cos, sin, verts, nullptr);
  }

  // cpPolyShapeCacheData: the vertices and normals moved with the body; returns their bounding box.
  Box transform(double x, double y, double cos, double sin, Vec* verts, Vec* normals) const {
    Box bb{INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (int i = 0; i < CORNERS; ++i) {
      const Vec& c = corners[i];
      Vec v{cos * c.x + -sin * c.y + x, sin * c.x + cos * c.y + y};
      verts[i] = v;
      if (normals) {
        const Vec& n = edge_normals[i];
        normals[i] = {cos * n.x + -sin * n.y, sin * n.x + cos * n.y};
      }
      bb.l = cp_min(bb.l, v.x);
      bb.r = cp_max(bb.r, v.x);
      bb.b = cp_min(bb.b, v.y);
      bb.t = cp_max(bb.t, v.y);
    }
    return bb;
  }
};

// A polygon where a step put it (Polygon.place's verts, normals and bb), and the number the
// engine's space gave its shape.
struct Placed {
  Vec verts[CORNERS];
  Vec normals[CORNERS];
  Box bb;
  uint64_t hashid;

  Placed() = default;
  Placed(const Polygon& polygon, double x, double y, double cos, double sin, uint64_t hashid_) : hashid(hashid_) {
    bb = polygon.transform(x, y, cos, sin, verts, normals);
  }
};

// narrowphase.Contact
struct Contact {
  Vec p1, p2;
  uint64_t hash;
};

// What narrowphase.collide returns: the next collision id, the normal, and 0 to 2 points.
struct Collision {
  uint32_t id;
  Vec n;
  int count;
  Contact contacts[2];
};

// A pair's collision id kept in a byte: its four vertex indices, each below CORNERS, two bits each
// (0, "none yet", stays 0).
inline uint8_t pack_id(uint32_t id) {
  return static_cast<uint8_t>((id >> 24 & 3) << 6 | (id >> 16 & 3) << 4 | (id >> 8 & 3) << 2 | (id & 3));
}
inline uint32_t unpack_id(uint8_t packed) {
  return (packed >> 6 & 3u) << 24 | (packed >> 4 & 3u) << 16 | (packed >> 2 & 3u) << 8 | (packed & 3u);
}

namespace narrow {

// PolySupportPointIndex
inline int support_index(const Vec* verts, double nx, double ny) {
  double best = -INFINITY;
  int index = 0;
  for (int i = 0; i < CORNERS; ++i) {
    double d = verts[i].x * nx + verts[i].y * ny;
    if (d > best) {
      best = d;
      index = i;
    }
  }
  return index;
}

// MinkowskiPoint: the support points on both polygons, b - a, and both vertex indices.
struct Minkowski {
  Vec a, b, ab;
  uint32_t id;
};

inline Minkowski minkowski_point(const Placed& a, int i, const Placed& b, int j) {
  const Vec& pa = a.verts[i];
  const Vec& pb = b.verts[j];
  return {pa, pb, {pb.x - pa.x, pb.y - pa.y}, static_cast<uint32_t>((i & 0xFF) << 8 | (j & 0xFF))};
}

// Support
inline Minkowski support(const Placed& a, const Placed& b, double nx, double ny) {
  return minkowski_point(a, support_index(a.verts, -nx, -ny), b, support_index(b.verts, nx, ny));
}

// cpCheckPointGreater
inline bool point_greater(const Vec& a, const Vec& b, const Vec& c) {
  return (b.y - a.y) * (a.x + b.x - 2 * c.x) > (b.x - a.x) * (a.y + b.y - 2 * c.y);
}

// ClosestT
inline double closest_t(const Vec& a, const Vec& b) {
  double dx = b.x - a.x, dy = b.y - a.y;
  double d2 = dx * dx + dy * dy;
  if (!d2) return 0.0;
  double t = (dx * (a.x + b.x) + dy * (a.y + b.y)) / d2;
  t = t > -1.0 ? t : -1.0;  // cpfclamp
  t = t < 1.0 ? t : 1.0;
  return -t;
}

// LerpT
inline Vec lerp_t(const Vec& a, const Vec& b, double t) {
  double ht = 0.5 * t;
  return {a.x * (0.5 - ht) + b.x * (0.5 + ht), a.y * (0.5 - ht) + b.y * (0.5 + ht)};
}

// ClosestDist
inline double closest_dist(const Vec& a, const Vec& b) {
  Vec p = lerp_t(a, b, closest_t(a, b));
  return p.x * p.x + p.y * p.y;
}

struct ClosestPoints {
  Vec n;
  double d;
  uint32_t id;
};

// ClosestPointsNew (the closest points themselves are not used by the polygon path)
inline ClosestPoints closest_points(const Minkowski& v0, const Minkowski& v1) {
  double t = closest_t(v0.ab, v1.ab);
  Vec p = lerp_t(v0.ab, v1.ab, t);
  uint32_t id = (v0.id & 0xFFFF) << 16 | (v1.id & 0xFFFF);
  Vec n = normalize(v1.ab.y - v0.ab.y, -(v1.ab.x - v0.ab.x));
  double d = n.x * p.x + n.y * p.y;
  if (d <= 0.0 || (-1.0 < t && t < 1.0)) return {n, d, id};
  double d2 = std::sqrt(p.x * p.x + p.y * p.y);  // a vertex against a vertex
  double scale = 1.0 / (d2 + DBL_MIN);
  return {{p.x * scale, p.y * scale}, d2, id};
}

// EPA (EPARecurse as a loop). A hull gains at most one point per iteration.
inline ClosestPoints epa(const Placed& a, const Placed& b, const Minkowski& first, const Minkowski& second,
                         const Minkowski& third) {
  Minkowski hulls[2][3 + MAX_EPA_ITERATIONS];
  Minkowski* hull = hulls[0];
  hull[0] = first;
  hull[1] = second;
  hull[2] = third;
  int count = 3;
  for (int iteration = 1;; ++iteration) {
    int mini = 0;
    double min_dist = INFINITY;
    for (int j = 0, i = count - 1; j < count; i = j, ++j) {
      double d = closest_dist(hull[i].ab, hull[j].ab);
      if (d < min_dist) {
        min_dist = d;
        mini = i;
      }
    }
    const Minkowski& v0 = hull[mini];
    const Minkowski& v1 = hull[(mini + 1) % count];
    Minkowski p = support(a, b, -(v1.ab.y - v0.ab.y), v1.ab.x - v0.ab.x);
    bool duplicate = p.id == v0.id || p.id == v1.id;
    if (duplicate || !point_greater(v0.ab, v1.ab, p.ab) || iteration >= MAX_EPA_ITERATIONS)
      return closest_points(v0, v1);
    Minkowski* grown = hull == hulls[0] ? hulls[1] : hulls[0];
    int grown_count = 1;
    grown[0] = p;
    for (int i = 0; i < count; ++i) {
      int index = (mini + 1 + i) % count;
      const Vec& h2 = i + 1 < count ? hull[(index + 1) % count].ab : p.ab;
      if (point_greater(grown[grown_count - 1].ab, h2, hull[index].ab)) grown[grown_count++] = hull[index];
    }
    hull = grown;
    count = grown_count;
  }
}

// ShapePoint's index: a cached index past the polygon's vertices falls back to the first.
inline int vertex(uint32_t i) { return i < CORNERS ? static_cast<int>(i) : 0; }

// GJK (GJKRecurse as a loop)
inline ClosestPoints gjk(const Placed& a, const Placed& b, uint32_t id) {
  Minkowski v0, v1;
  if (id) {
    v0 = minkowski_point(a, vertex((id >> 24) & 0xFF), b, vertex((id >> 16) & 0xFF));
    v1 = minkowski_point(a, vertex((id >> 8) & 0xFF), b, vertex(id & 0xFF));
  } else {
    // cpvperp(cpBBCenter(a) - cpBBCenter(b)), cpBBCenter being cpvlerp(min, max, 0.5)
    double dx = (a.bb.l * 0.5 + a.bb.r * 0.5) - (b.bb.l * 0.5 + b.bb.r * 0.5);
    double dy = (a.bb.b * 0.5 + a.bb.t * 0.5) - (b.bb.b * 0.5 + b.bb.t * 0.5);
    v0 = support(a, b, -dy, dx);
    v1 = support(a, b, dy, -dx);
  }
  const Vec origin{0.0, 0.0};
  for (int iteration = 1;;) {
    if (iteration > MAX_GJK_ITERATIONS) return closest_points(v0, v1);
    if (point_greater(v1.ab, v0.ab, origin)) {
      std::swap(v0, v1);  // the origin is behind the axis: flip it
      continue;
    }
    double t = closest_t(v0.ab, v1.ab);
    Vec n;
    if (-1.0 < t && t < 1.0) {
      n = {-(v1.ab.y - v0.ab.y), v1.ab.x - v0.ab.x};
    } else {
      Vec l = lerp_t(v0.ab, v1.ab, t);
      n = {-l.x, -l.y};
    }
    Minkowski p = support(a, b, n.x, n.y);
    if (point_greater(p.ab, v0.ab, origin) && point_greater(v1.ab, p.ab, origin))
      return epa(a, b, v0, p, v1);  // the triangle v0, p, v1 holds the origin
    // cpCheckAxis: p is no closer than the edge we have
    double d0 = v0.ab.x * n.x + v0.ab.y * n.y, d1 = v1.ab.x * n.x + v1.ab.y * n.y;
    if (p.ab.x * n.x + p.ab.y * n.y <= (d0 > d1 ? d0 : d1)) return closest_points(v0, v1);
    if (closest_dist(v0.ab, p.ab) < closest_dist(p.ab, v1.ab))
      v1 = p;
    else
      v0 = p;
    ++iteration;
  }
}

// SupportEdgeForPoly: the polygon's edge facing along (nx, ny).
struct Edge {
  Vec a, b;
  uint64_t a_hash, b_hash;
};

inline Edge support_edge(const Placed& polygon, double nx, double ny) {
  int i1 = support_index(polygon.verts, nx, ny);
  int i0 = (i1 - 1 + CORNERS) % CORNERS;
  int i2 = (i1 + 1) % CORNERS;
  const Vec& n1 = polygon.normals[i1];
  const Vec& n2 = polygon.normals[i2];
  uint64_t hashid = polygon.hashid;
  if (nx * n1.x + ny * n1.y > nx * n2.x + ny * n2.y)
    return {polygon.verts[i0], polygon.verts[i1], hash_pair(hashid, i0), hash_pair(hashid, i1)};
  return {polygon.verts[i1], polygon.verts[i2], hash_pair(hashid, i1), hash_pair(hashid, i2)};
}

inline double clamp01(double f) {
  f = f < 1.0 ? f : 1.0;
  return 0.0 > f ? 0.0 : f;
}

// cpvlerp
inline Vec lerp(const Vec& a, const Vec& b, double t) {
  return {a.x * (1.0 - t) + b.x * t, a.y * (1.0 - t) + b.y * t};
}

// ContactPoints: clip the two polygons' facing edges against each other.
inline void contact_points(const ClosestPoints& points, const Placed& first, const Placed& second, Collision& out) {
  double nx = points.n.x, ny = points.n.y;
  Edge e1 = support_edge(first, nx, ny);
  Edge e2 = support_edge(second, -nx, -ny);
  double d_e1_a = e1.a.x * ny - e1.a.y * nx;
  double d_e1_b = e1.b.x * ny - e1.b.y * nx;
  double d_e2_a = e2.a.x * ny - e2.a.y * nx;
  double d_e2_b = e2.b.x * ny - e2.b.y * nx;
  double e1_denom = 1.0 / (d_e1_b - d_e1_a + DBL_MIN);
  double e2_denom = 1.0 / (d_e2_b - d_e2_a + DBL_MIN);
  const double e1_t[2] = {(d_e2_b - d_e1_a) * e1_denom, (d_e2_a - d_e1_a) * e1_denom};
  const double e2_t[2] = {(d_e1_a - d_e2_a) * e2_denom, (d_e1_b - d_e2_a) * e2_denom};
  const uint64_t hashes[2] = {hash_pair(e1.a_hash, e2.b_hash), hash_pair(e1.b_hash, e2.a_hash)};
  for (int k = 0; k < 2; ++k) {
    Vec p1 = lerp(e1.a, e1.b, clamp01(e1_t[k]));
    Vec p2 = lerp(e2.a, e2.b, clamp01(e2_t[k]));
    if ((p2.x - p1.x) * nx + (p2.y - p1.y) * ny <= 0.0) out.contacts[out.count++] = {p1, p2, hashes[k]};
  }
}

}  // namespace narrow

// PolyToPoly: the collision id for the next step, the normal from `first` toward `second`, and the
// contact points (none when the polygons are apart).
inline Collision collide(const Placed& first, const Placed& second, uint32_t id) {
  narrow::ClosestPoints points = narrow::gjk(first, second, id);
  Collision out{points.id, points.n, 0, {}};
  if (points.d <= 0.0) narrow::contact_points(points, first, second, out);
  return out;
}

}  // namespace fighting
