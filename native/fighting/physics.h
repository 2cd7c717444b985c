// Rigid boxes against the stage and capsule hit tests for the fighting game: the C++ form of
// envs/fighting/physics.py and colliders.py, operation for operation in double precision so
// that trajectories agree with the Python engine bit for bit.
#pragma once

#include <cfloat>
#include <cmath>

#include "narrowphase.h"

namespace fighting {

// math.hypot as CPython 3.11 computes it (vector_norm: scaled, compensated sums, one correction
// step), so that comparisons with a radius fall the same way as in the Python engine.
inline double py_hypot(double a, double b) {
  a = std::fabs(a);
  b = std::fabs(b);
  double max = a > b ? a : b;
  if (std::isinf(max)) return max;
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (max == 0.0) return max;
  int max_e;
  std::frexp(max, &max_e);
  if (max_e < -1023) return DBL_MIN * py_hypot(a / DBL_MIN, b / DBL_MIN);
  const double T27 = 134217729.0;
  double scale = std::ldexp(1.0, -max_e);
  double csum = 1.0, frac1 = 0.0, frac2 = 0.0, frac3 = 0.0;
  double vec[2] = {a, b};
  for (double x : vec) {
    x *= scale;
    double t = x * T27;
    double hi = t - (t - x);
    double lo = x - hi;
    x = hi * hi;
    double old = csum;
    csum += x;
    frac1 += (old - csum) + x;
    x = 2.0 * hi * lo;
    old = csum;
    csum += x;
    frac2 += (old - csum) + x;
    frac3 += lo * lo;
  }
  double h = std::sqrt(csum - 1.0 + (frac1 + frac2 + frac3));
  double x = h;
  double t = x * T27;
  double hi = t - (t - x);
  double lo = x - hi;
  x = -hi * hi;
  double old = csum;
  csum += x;
  frac1 += (old - csum) + x;
  x = -2.0 * hi * lo;
  old = csum;
  csum += x;
  frac2 += (old - csum) + x;
  x = -lo * lo;
  old = csum;
  csum += x;
  frac3 += (old - csum) + x;
  x = csum - 1.0 + (frac1 + frac2 + frac3);
  return (h + x / (2.0 * h)) / scale;
}

constexpr double SLOP = 0.100000001490116119384765625;  // physics.SLOP: Chipmunk's 0.1f
// 1.0f - 0.1f, whose 60th power is physics.COLLISION_BIAS
constexpr double COLLISION_BIAS_BASE = 0.89999997615814208984375;
constexpr int ITERATIONS = 10;
constexpr int PERSISTENCE = 3;  // physics.PERSISTENCE

// A box that moves and turns (physics.Body): centre, velocity, angle (with its cosine and sine) and
// angular velocity, separation velocity and spin, half extents (its polygon), friction, inverse mass
// and moment, gravity. The defaults never turn (the bodies of solids keep them).
struct Body {
  double x = 0, y = 0, vx = 0, vy = 0, angle = 0, cos = 1, sin = 0, angular_velocity = 0;
  double bias_x = 0, bias_y = 0, bias_spin = 0;
  double half_width = 0, half_height = 0, friction = 0;
  double inverse_mass = 1.0, inverse_moment = 0.0;
  bool gravity = true;
  Polygon polygon;

  void set_box(double half_width_, double half_height_, double mass, double moment) {
    half_width = half_width_;
    half_height = half_height_;
    polygon = Polygon::box(half_width, half_height);
    inverse_mass = 1.0 / mass;
    inverse_moment = 1.0 / moment;
  }

  Box box() const { return polygon.bounds(x, y, cos, sin); }  // cache_bb

  // Body.move (cpBodyUpdatePosition)
  void move(double dt) {
    x += (vx + bias_x) * dt;
    y += (vy + bias_y) * dt;
    angle += (angular_velocity + bias_spin) * dt;
    cos = std::cos(angle);
    sin = std::sin(angle);
    bias_x = bias_y = bias_spin = 0.0;
  }
};

// A box that bodies cannot enter, spanning left..right and top..bottom around its body's centre, its
// corners in the order the competition's engine keeps them (by default a box's).
struct Solid {
  Body* body = nullptr;
  double left = 0, top = 0, right = 0, bottom = 0;
  Polygon polygon;

  Solid() = default;
  Solid(Body* body_, double l, double t, double r, double b)
      : Solid(body_, l, t, r, b, {{r, t}, {r, b}, {l, b}, {l, t}}) {}
  Solid(Body* body_, double l, double t, double r, double b, const Vec (&corners)[CORNERS])
      : body(body_), left(l), top(t), right(r), bottom(b), polygon(corners) {}

  Box box() const { return polygon.bounds(body->x, body->y, body->cos, body->sin); }  // cache_bb

  bool touches(const Body& b) const { return intersects(box(), b.box()); }
};

// A contact point (physics.Point).
struct Point {
  double rx, ry, solid_rx, solid_ry;
  uint64_t hash;
  double normal_mass, tangent_mass, bias, separation, normal, tangent;
};

// A body's arbiter with a solid in this step (physics.Arbiter): the normal out of the solid, the
// friction, whether the touch begins, and the points.
struct Arbiter {
  int body, solid;
  double nx, ny, friction;
  bool first;
  int count;
  Point points[2];

  // Arbiter.pre_step
  void pre_step(const Body& b, const Body& carrier, double dt, double bias_coef) {
    double dx = b.x - carrier.x, dy = b.y - carrier.y;
    for (int i = 0; i < count; ++i) {
      Point& p = points[i];
      double normal_arm = p.rx * ny - p.ry * nx;
      double tangent_arm = p.rx * nx - p.ry * -ny;
      p.normal_mass = 1.0 / (b.inverse_mass + b.inverse_moment * normal_arm * normal_arm);
      p.tangent_mass = 1.0 / (b.inverse_mass + b.inverse_moment * tangent_arm * tangent_arm);
      double excess = ((p.rx - p.solid_rx) + dx) * nx + ((p.ry - p.solid_ry) + dy) * ny + SLOP;
      p.bias = -bias_coef * (0.0 < excess ? 0.0 : excess) / dt;
      p.separation = 0.0;
    }
  }

  // Arbiter.apply_cached_impulses
  void apply_cached_impulses(Body& b) const {
    if (first) return;
    for (int i = 0; i < count; ++i) {
      const Point& p = points[i];
      double jx = nx * p.normal - ny * p.tangent, jy = nx * p.tangent + ny * p.normal;
      b.vx += jx * b.inverse_mass;
      b.vy += jy * b.inverse_mass;
      b.angular_velocity += b.inverse_moment * (p.rx * jy - p.ry * jx);
    }
  }

  // Arbiter.apply_impulses (the body's velocities kept in locals, as there)
  void apply_impulses(Body& b, const Body& carrier) {
    double inverse_mass = b.inverse_mass, inverse_moment = b.inverse_moment;
    double vx = b.vx, vy = b.vy, spin = b.angular_velocity;
    double bias_x = b.bias_x, bias_y = b.bias_y, bias_spin = b.bias_spin;
    for (int i = 0; i < count; ++i) {
      Point& p = points[i];
      double rx = p.rx, ry = p.ry;
      double separating = (bias_x + -ry * bias_spin) * nx + (bias_y + rx * bias_spin) * ny;
      double ux = (vx + -ry * spin) - carrier.vx, uy = (vy + rx * spin) - carrier.vy;
      double into = ux * nx + uy * ny, along = ux * -ny + uy * nx;

      double old_separation = p.separation;
      double separation = old_separation + (p.bias - separating) * p.normal_mass;
      separation = separation > 0.0 ? separation : 0.0;
      double old_normal = p.normal;
      double normal = old_normal + -into * p.normal_mass;
      normal = normal > 0.0 ? normal : 0.0;
      double limit = friction * normal;
      double old_tangent = p.tangent;
      double tangent = old_tangent + -along * p.tangent_mass;
      tangent = tangent > -limit ? tangent : -limit;  // cpfclamp
      tangent = tangent < limit ? tangent : limit;
      p.separation = separation;
      p.normal = normal;
      p.tangent = tangent;

      double push = separation - old_separation;
      double jx = nx * push, jy = ny * push;
      bias_x += jx * inverse_mass;
      bias_y += jy * inverse_mass;
      bias_spin += inverse_moment * (rx * jy - ry * jx);
      normal -= old_normal;
      tangent -= old_tangent;
      jx = nx * normal - ny * tangent;
      jy = nx * tangent + ny * normal;
      vx += jx * inverse_mass;
      vy += jy * inverse_mass;
      spin += inverse_moment * (rx * jy - ry * jx);
    }
    b.vx = vx;
    b.vy = vy;
    b.angular_velocity = spin;
    b.bias_x = bias_x;
    b.bias_y = bias_y;
    b.bias_spin = bias_spin;
  }
};

// What an arbiter leaves for the steps after (physics.Arbiter's remembered part): when its pair last
// touched, and each point's hash and impulses. Kept PERSISTENCE steps.
struct KeptArbiter {
  bool live = false;
  int touched = 0;  // the world's step in which they last touched
  int count = 0;
  uint64_t hash[2] = {};
  double normal[2] = {}, tangent[2] = {};
};

// A step's arbiters, in the order the broadphase reported their pairs.
template <int BODIES, int SOLIDS>
struct Touching {
  Arbiter arbiters[BODIES * SOLIDS];
  int count = 0;
};

template <int BODIES, int SOLIDS>
struct World {
  double gravity, dt, bias_coef;  // bias_coef: physics.World.bias_coef
  int steps = 0;  // steps taken (physics.World.steps)
  KeptArbiter kept[BODIES][SOLIDS];

  World(double gravity_, double dt_)
      : gravity(gravity_), dt(dt_), bias_coef(1.0 - std::pow(std::pow(COLLISION_BIAS_BASE, 60.0), dt_)) {}

  // The moving solids (the platform) move: the first part of a step.
  void move(const Solid* solids) const {
    for (int s = 0; s < SOLIDS; ++s) {
      Body& sb = *solids[s].body;
      if (sb.vx != 0.0 || sb.vy != 0.0) {
        sb.x += sb.vx * dt;
        sb.y += sb.vy * dt;
      }
    }
  }

  // The bodies move and turn: the second part. The step's arbiters are found next.
  void integrate(Body* const* bodies) {
    ++steps;
    for (int b = 0; b < BODIES; ++b) bodies[b]->move(dt);
  }

  // The narrow phase for body `b` and solid `s`, whose pair the broadphase reported with the body's
  // shape first if `body_first`: if their polygons touch, their arbiter joins `touching`
  // (Arbiter.update). `pair_id` is the pair's cached collision id, null for a pair found afresh.
  void find(Touching<BODIES, SOLIDS>& touching, int b, const Body& body, const Placed& body_shape, int s,
            const Solid& solid, const Placed& solid_shape, bool body_first, uint8_t* pair_id) const {
    const Placed& first = body_first ? body_shape : solid_shape;
    const Placed& second = body_first ? solid_shape : body_shape;
    if (!intersects(first.bb, second.bb)) return;
    Collision c = collide(first, second, pair_id ? unpack_id(*pair_id) : 0);
    if (pair_id) *pair_id = pack_id(c.id);
    if (!c.count) return;
    const KeptArbiter& last = kept[b][s];
    const Body& carrier = *solid.body;
    Arbiter& a = touching.arbiters[touching.count++];
    a.body = b;
    a.solid = s;
    a.friction = body.friction * carrier.friction;
    a.count = c.count;
    for (int i = 0; i < c.count; ++i) {
      const Contact& contact = c.contacts[i];
      const Vec& on_body = body_first ? contact.p1 : contact.p2;
      const Vec& on_solid = body_first ? contact.p2 : contact.p1;
      Point& p = a.points[i];
      p = Point{on_body.x - body.x, on_body.y - body.y, on_solid.x - carrier.x, on_solid.y - carrier.y, contact.hash,
                0, 0, 0, 0, 0, 0};
      for (int j = 0; last.live && j < last.count; ++j) {
        if (last.hash[j] == p.hash) {
          p.normal = last.normal[j];
          p.tangent = last.tangent[j];
        }
      }
    }
    a.nx = body_first ? -c.n.x : c.n.x;
    a.ny = body_first ? -c.n.y : c.n.y;
    a.first = !last.live || steps - last.touched > 1;
  }

  // The last part, once every pair was reported: the arbiters prepared, gravity, the impulses of the
  // step before, then ITERATIONS passes over the arbiters, which are then remembered. Bodies never
  // push each other, so stepping some in one world and others in another is the same as stepping
  // them all in one.
  void solve(Body* const* bodies, const Solid* solids, Touching<BODIES, SOLIDS>& touching) {
    for (int i = 0; i < touching.count; ++i) {
      Arbiter& a = touching.arbiters[i];
      a.pre_step(*bodies[a.body], *solids[a.solid].body, dt, bias_coef);
    }
    for (int b = 0; b < BODIES; ++b)
      if (bodies[b]->gravity) bodies[b]->vy += gravity * dt;
    for (int i = 0; i < touching.count; ++i) {
      Arbiter& a = touching.arbiters[i];
      a.apply_cached_impulses(*bodies[a.body]);
    }
    for (int iteration = 0; iteration < ITERATIONS; ++iteration)
      for (int i = 0; i < touching.count; ++i) {
        Arbiter& a = touching.arbiters[i];
        a.apply_impulses(*bodies[a.body], *solids[a.solid].body);
      }
    remember(touching);
  }

  // Keep this step's arbiters and forget those whose pair has not touched for PERSISTENCE steps
  // (physics.World._remember).
  void remember(const Touching<BODIES, SOLIDS>& touching) {
    for (int i = 0; i < touching.count; ++i) {
      const Arbiter& a = touching.arbiters[i];
      KeptArbiter& k = kept[a.body][a.solid];
      k.live = true;
      k.touched = steps;
      k.count = a.count;
      for (int j = 0; j < a.count; ++j) {
        k.hash[j] = a.points[j].hash;
        k.normal[j] = a.points[j].normal;
        k.tangent[j] = a.points[j].tangent;
      }
    }
    for (int b = 0; b < BODIES; ++b)
      for (int s = 0; s < SOLIDS; ++s)
        if (steps - kept[b][s].touched >= PERSISTENCE) kept[b][s].live = false;
  }
};

// A rectangle whose left, top, width and height are cut toward zero to whole units.
struct WholeRect {
  double left, top, right, bottom;

  WholeRect(double l, double t, double w, double h) {
    left = std::trunc(l);
    top = std::trunc(t);
    right = left + std::trunc(w);
    bottom = top + std::trunc(h);
  }

  bool empty() const { return right <= left || bottom <= top; }

  bool overlaps(const WholeRect& o) const {
    if (empty() || o.empty()) return false;
    return left < o.right && o.left < right && top < o.bottom && o.top < bottom;
  }

  bool near(double x, double y, double radius) const {
    double cx = x < right ? x : right;
    cx = left > cx ? left : cx;
    double cy = y < bottom ? y : bottom;
    cy = top > cy ? top : cy;
    return py_hypot(x - cx, y - cy) < radius;
  }
};

// A capsule width x height centred on (x, y): two circles at the ends of its long side and the
// whole-unit rectangle between them (colliders.CapsuleCollider).
struct Capsule {
  double x, y, width, height, radius;
  bool circle;

  Capsule(double x_, double y_, double w, double h)
      : x(x_), y(y_), width(w), height(h), radius((w < h ? w : h) / 2), circle(w == h) {}

  // The cap centres (one for a circle) and whether there is a rectangle.
  int parts(double caps[2][2], WholeRect* rect) const {
    if (circle) {
      caps[0][0] = x;
      caps[0][1] = y;
      return 1;
    }
    if (width < height) {
      double reach = height / 2 - radius;
      caps[0][0] = x;
      caps[0][1] = y - reach;
      caps[1][0] = x;
      caps[1][1] = y + reach;
      *rect = WholeRect(x - width / 2, y - reach, width, height - 2 * radius);
    } else {
      double reach = width / 2 - radius;
      caps[0][0] = x - reach;
      caps[0][1] = y;
      caps[1][0] = x + reach;
      caps[1][1] = y;
      *rect = WholeRect(x - reach, y - height / 2, width - 2 * radius, height);
    }
    return 2;
  }

  bool intersects(const Capsule& o) const {
    if (std::fabs(x - o.x) > (width + o.width) / 2 + 1 || std::fabs(y - o.y) > (height + o.height) / 2 + 1)
      return false;
    double caps[2][2], other_caps[2][2];
    WholeRect rect(0, 0, 0, 0), other_rect(0, 0, 0, 0);
    int n = parts(caps, &rect), m = o.parts(other_caps, &other_rect);
    bool has_rect = !circle, other_has_rect = !o.circle;
    double reach = radius + o.radius;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < m; ++j)
        if (py_hypot(caps[i][0] - other_caps[j][0], caps[i][1] - other_caps[j][1]) < reach) return true;
    if (has_rect && other_has_rect && rect.overlaps(other_rect)) return true;
    if (other_has_rect)
      for (int i = 0; i < n; ++i)
        if (other_rect.near(caps[i][0], caps[i][1], radius)) return true;
    if (has_rect)
      for (int j = 0; j < m; ++j)
        if (rect.near(other_caps[j][0], other_caps[j][1], o.radius)) return true;
    return false;
  }
};

}  // namespace fighting
