// Rigid boxes against the stage and capsule hit tests for the fighting game: the C++ form of
// envs/fighting/physics.py and colliders.py, operation for operation in double precision so
// that trajectories agree with the Python engine bit for bit.
#pragma once

#include <cfloat>
#include <cmath>

#include "broadphase.h"

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

constexpr double SLOP = 0.1;
constexpr int ITERATIONS = 10;
constexpr int PERSISTENCE = 3;  // physics.PERSISTENCE
constexpr double GRIP_FRICTION = 1e6;  // physics.GRIP_FRICTION

// An unrotating box: centre, velocity, separation velocity, half extents, friction, gravity.
struct Body {
  double x = 0, y = 0, vx = 0, vy = 0, bias_x = 0, bias_y = 0;
  double half_width = 0, half_height = 0, friction = 0;
  bool gravity = true;

  Box box() const { return {x - half_width, y - half_height, x + half_width, y + half_height}; }  // cache_bb
};

// A box that bodies cannot enter, spanning left..right and top..bottom around its body's centre.
struct Solid {
  Body* body = nullptr;
  double left = 0, top = 0, right = 0, bottom = 0;

  Box box() const { return {body->x + left, body->y + top, body->x + right, body->y + bottom}; }  // cache_bb

  bool touches(const Body& b) const {
    double x = body->x, y = body->y;
    return (x + left <= b.x + b.half_width && b.x - b.half_width <= x + right &&
            y + top <= b.y + b.half_height && b.y - b.half_height <= y + bottom);
  }
};

// A body overlapping a solid: push-out direction, depth bias and two points' impulses.
struct Contact {
  int body = 0, solid = 0;
  double nx = 0, ny = 0, bias = 0, friction = 0;
  double normal[2] = {0, 0}, tangent[2] = {0, 0};
  bool grip = false;  // friction without limit (physics.Contact.grip)
  bool resumed = false;  // touching again after steps apart: impulses not applied again (physics.Contact.resumed)
};

// What a body's contact with a solid left behind when they last touched, kept PERSISTENCE steps.
struct CachedContact {
  bool live = false, grip = false;
  int touched = 0;  // the world's step in which they last touched
  double nx = 0, ny = 0, bias = 0;
  double normal[2] = {0, 0}, tangent[2] = {0, 0};
};

// The solids each body's box meets, in the order the broadphase reported the pairs.
template <int BODIES, int SOLIDS>
struct Touching {
  int solids[BODIES][SOLIDS];
  int count[BODIES] = {};

  void add(int body, int solid) { solids[body][count[body]++] = solid; }
};

template <int BODIES, int SOLIDS>
struct World {
  double gravity, dt, bias_rate;
  int steps = 0;  // steps taken (physics.World.steps)
  CachedContact cache[BODIES][SOLIDS];

  World(double gravity_, double dt_) : gravity(gravity_), dt(dt_) {
    const double collision_bias = std::pow(0.9, 60.0);
    bias_rate = (1.0 - std::pow(collision_bias, dt)) / dt;
  }

  static bool overlap(const Body& b, const Solid& s, double bias_rate, Contact& c) {
    double x = s.body->x, y = s.body->y;
    double out_left = b.x + b.half_width - x - s.left;
    double out_right = x + s.right - b.x + b.half_width;
    if (out_left <= 0.0 || out_right <= 0.0) return false;
    double out_up = b.y + b.half_height - y - s.top;
    double out_down = y + s.bottom - b.y + b.half_height;
    if (out_up <= 0.0 || out_down <= 0.0) return false;
    double depths[4] = {out_left, out_right, out_up, out_down};
    int index = 0;
    for (int i = 1; i < 4; ++i)
      if (depths[i] < depths[index]) index = i;
    static const double outward[4][2] = {{-1.0, 0.0}, {1.0, 0.0}, {0.0, -1.0}, {0.0, 1.0}};
    c.nx = outward[index][0];
    c.ny = outward[index][1];
    double excess = depths[index] - SLOP;
    c.bias = bias_rate * (excess > 0.0 ? excess : 0.0);
    return true;
  }

  static void separate(Body& body, const Contact& c) {
    double missing = c.bias - (body.bias_x * c.nx + body.bias_y * c.ny);
    if (missing > 0.0) {
      body.bias_x += missing * c.nx;
      body.bias_y += missing * c.ny;
    }
  }

  static void warm_start(Body& body, const Contact& c) {
    if (c.resumed) return;
    double normal = c.normal[0] + c.normal[1], tangent = c.tangent[0] + c.tangent[1];
    body.vx += normal * c.nx - tangent * c.ny;
    body.vy += normal * c.ny + tangent * c.nx;
  }

  static bool resolve(Body& body, const Body& carrier, Contact& c) {
    double nx = c.nx, ny = c.ny;
    bool changed = false;
    for (int point = 0; point < 2; ++point) {
      double rel_x = body.vx - carrier.vx, rel_y = body.vy - carrier.vy;
      double into = rel_x * nx + rel_y * ny;
      double along = -rel_x * ny + rel_y * nx;
      double old_normal = c.normal[point], old_tangent = c.tangent[point];
      double normal = old_normal - into;
      if (normal < 0.0) normal = 0.0;
      double limit = c.grip ? INFINITY : c.friction * normal;
      double tangent = old_tangent - along;
      if (tangent > limit)
        tangent = limit;
      else if (tangent < -limit)
        tangent = -limit;
      if (normal != old_normal || tangent != old_tangent) {
        changed = true;
        c.normal[point] = normal;
        c.tangent[point] = tangent;
        normal -= old_normal;
        tangent -= old_tangent;
        body.vx += normal * nx - tangent * ny;
        body.vy += normal * ny + tangent * nx;
      }
    }
    return changed;
  }

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

  // The bodies move, with last step's separation velocity: the second part.
  void integrate(Body* const* bodies) const {
    for (int b = 0; b < BODIES; ++b) {
      Body& body = *bodies[b];
      body.x += (body.vx + body.bias_x) * dt;
      body.y += (body.vy + body.bias_y) * dt;
      body.bias_x = body.bias_y = 0.0;
    }
  }

  // The last part, once everything moved: each body's contacts with the solids `touching` lists
  // for it, made (and so resolved) in that order, gravity, then the contacts resolved. Bodies
  // never push each other, so stepping some in one world and others in another is the same as
  // stepping them all in one.
  void collide(Body* const* bodies, const Solid* solids, const Touching<BODIES, SOLIDS>& touching) {
    ++steps;
    Contact contacts[BODIES * SOLIDS];
    int count = 0;
    for (int b = 0; b < BODIES; ++b) {
      Body& body = *bodies[b];
      for (int k = 0; k < touching.count[b]; ++k) {
        int s = touching.solids[b][k];
        Contact& c = contacts[count];
        if (!overlap(body, solids[s], bias_rate, c)) continue;
        c.body = b;
        c.solid = s;
        c.friction = body.friction * solids[s].body->friction;
        const CachedContact& last = cache[b][s];
        if (last.live && last.nx == c.nx && last.ny == c.ny) {
          c.normal[0] = last.normal[0];
          c.normal[1] = last.normal[1];
          c.tangent[0] = last.tangent[0];
          c.tangent[1] = last.tangent[1];
          c.grip = last.grip || (last.bias > 0.0 && c.nx != 0.0 && c.friction >= GRIP_FRICTION);
          c.resumed = steps - last.touched > 1;
        } else {
          c.normal[0] = c.normal[1] = c.tangent[0] = c.tangent[1] = 0.0;
          c.grip = c.resumed = false;
        }
        ++count;
      }
      if (body.gravity) body.vy += gravity * dt;
    }
    for (int i = 0; i < count; ++i) {
      separate(*bodies[contacts[i].body], contacts[i]);
      warm_start(*bodies[contacts[i].body], contacts[i]);
    }
    for (int iteration = 0; iteration < ITERATIONS; ++iteration) {
      bool changed = false;
      for (int i = 0; i < count; ++i)
        changed = resolve(*bodies[contacts[i].body], *solids[contacts[i].solid].body, contacts[i]) || changed;
      if (!changed) break;
    }
    remember(contacts, count);
  }

  // Cache this step's contacts and forget those whose pair has not touched for PERSISTENCE steps
  // (physics.World._remember).
  void remember(const Contact* contacts, int count) {
    for (int i = 0; i < count; ++i) {
      CachedContact& kept = cache[contacts[i].body][contacts[i].solid];
      const Contact& c = contacts[i];
      kept.live = true;
      kept.touched = steps;
      kept.grip = c.grip;
      kept.nx = c.nx;
      kept.ny = c.ny;
      kept.bias = c.bias;
      kept.normal[0] = c.normal[0];
      kept.normal[1] = c.normal[1];
      kept.tangent[0] = c.tangent[0];
      kept.tangent[1] = c.tangent[1];
    }
    for (int b = 0; b < BODIES; ++b)
      for (int s = 0; s < SOLIDS; ++s)
        if (steps - cache[b][s].touched >= PERSISTENCE) cache[b][s].live = false;
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
