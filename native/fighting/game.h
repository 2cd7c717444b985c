// One match of the fighting game, a frame at a time: the C++ form of envs/fighting (rules.py,
// inputs.py, states.py, powers.py, fighter.py, stage.py, weapons.py, game.py, observation.py).
// Each function names the Python it follows and keeps its order of floating-point operations,
// so that both engines play the same match from the same seed and keys.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "moves.h"
#include "physics.h"
#include "rng.h"

namespace fighting {

// --- rules.py ---------------------------------------------------------------------------------
constexpr double DT = 1.0 / 30;
constexpr double GRAVITY = 17.808;
constexpr double WALK_SPEED = 6.75, SPRINT_SPEED = 8.0, DASH_SPEED = 10.0, BACKDASH_SPEED = 4.0;
constexpr double JUMP_SPEED = 8.9, MAX_FALL_SPEED = 12.0;
constexpr double FAST_FALL_ACCEL = 14.25 / 30, AIR_ACCEL = 10.75 / 30, BOUNCE = 0.7;
constexpr int TURNAROUND_FRAMES = 1, DASH_FRAMES = 9, BACKDASH_FRAMES = 7, DODGE_FRAMES = 10;
constexpr int GROUND_DODGE_COOLDOWN = 30, AIR_DODGE_COOLDOWN = 82, JUMP_COOLDOWN = 6, TAUNT_FRAMES = 30;
constexpr int KO_FRAMES = 90, RESPAWN_INVINCIBLE_FRAMES = 90, AIR_JUMPS = 2;
constexpr double HALF_WIDTH = 0.435, HALF_HEIGHT = 0.5, FIGHTER_FRICTION = 0.7, MAX_DAMAGE = 700.0;
constexpr double FIGHTER_MASS = 1.0, FIGHTER_MOMENT = 1e9;
constexpr double GROUND_X[2] = {4.5, -4.5}, GROUND_Y[2] = {1.0, 3.0};
constexpr double GROUND_HALF_WIDTH = 2.5, GROUND_TOP_OFFSET = 0.15, GROUND_DEPTH = 4.0, GROUND_FRICTION = 0.7;
constexpr double PLATFORM_START_X = 0.0, PLATFORM_START_Y = 1.0;
constexpr double WAYPOINT1_X = 1.0, WAYPOINT1_Y = 0.0, WAYPOINT2_X = -1.0, WAYPOINT2_Y = 2.0;
constexpr double PLATFORM_HALF_WIDTH = 1.0, PLATFORM_THICKNESS = 0.2, PLATFORM_FRICTION = 0.9;
constexpr double PLATFORM_STAND_REACH = 1.25, BLAST_X = 14.0, BLAST_Y = 8.0, SPAWN_X = 5.0, SPAWN_Y = 0.0;
constexpr double SPAWNER_X_MIN = 2.6, SPAWNER_X_MAX = 6.5, SPAWNER_Y_RIGHT = 0.7, SPAWNER_Y_LEFT = 2.7;
constexpr int SPAWN_DELAY_MIN = 500, SPAWN_DELAY_MAX = 700, FIRST_SPAWN_MAX = 350;
constexpr int WEAPON_LIFETIME = 350, DROPPED_LIFETIME = 250, PICKUP_LOCK_FRAMES = 15, SPAWN_SHOW_FRAMES = 36;
constexpr double WEAPON_PICTURE_WIDTH = 40, WEAPON_PICTURE_HEIGHT = 16, WEAPON_BODY_PADDING = 0.5;
constexpr double WEAPON_FRICTION = 1e11, WEAPON_MASS = 100.0, WEAPON_MOMENT = 1e9;
constexpr int FIRST_DROPPED_ID = 2;
constexpr double OBS_MAX_X = 18.0, OBS_MAX_Y = 7.0, OBS_MAX_SPEED = 10.0;
constexpr double GROUND_CHECK_Y = 1.54;
constexpr double BRAWL_TO_UNITS = 1.024 / 320, DATA_SCALE = 2 * BRAWL_TO_UNITS;
constexpr double HURTBOX_WIDTH = 145 * DATA_SCALE, HURTBOX_HEIGHT = 160 * DATA_SCALE;
constexpr double KNOCKBACK_SCALE = 1.024 / 320 * 30;
constexpr double PICKUP_WIDTH = 1.5, SPAWNED_PICKUP_HEIGHT = 0.83, DROP_OFFSET_X = 0.1, DROP_OFFSET_Y = 0.27;

enum Key { KEY_W, KEY_A, KEY_S, KEY_D, KEY_SPACE, KEY_H, KEY_L, KEY_J, KEY_K, KEY_G, KEYS };
enum StateNumber {
  WALKING, STANDING, TURNAROUND, AIR_TURNAROUND, SPRINTING, STUN, IN_AIR, DODGE, ATTACK, DASH, BACKDASH, KO, TAUNT,
  STATES, STAY = -1
};
enum Weapon { PUNCH, SPEAR, HAMMER, NO_WEAPON = -1 };
enum MoveType { NONE = 1, NLIGHT, DLIGHT, SLIGHT, NSIG, DSIG, SSIG, NAIR, DAIR, SAIR, RECOVERY, GROUNDPOUND };
// Signals a frame emitted, one bit each, per fighter (game.py's emit).
enum Event {
  WIN_SIGNAL = 1, KNOCKOUT_SIGNAL = 2, HIT_DURING_STUN = 4, WEAPON_EQUIP_SIGNAL = 8, WEAPON_DROP_SIGNAL = 16,
  EQUIPPED_FIRST = 32  // took its weapon before the other fighter took one this frame (the equips' order)
};
constexpr int UNSET = -(1 << 30);  // a state's jumps / recoveries / jump timer before anything set them (None)
constexpr int OBS_SIZE = 64, HALF_OBS = 32;

inline double move_toward(double current, double target, double step) {
  if (current < target) {
    double moved = current + step;
    return target < moved ? target : moved;
  }
  double moved = current - step;
  return target > moved ? target : moved;
}

inline int facing_from(double direction) { return direction > 0 ? 1 : -1; }
inline int imax0(int value) { return value > 0 ? value : 0; }
inline double clamp(double value, double bound) {
  return (-bound <= value && value <= bound) ? value : (value > 0 ? bound : -bound);
}

inline bool ground_class(int state) {
  return state == WALKING || state == STANDING || state == TURNAROUND || state == SPRINTING || state == DASH ||
         state == BACKDASH || state == KO;
}
inline bool can_control(int state) {
  return !(state == BACKDASH || state == KO || state == TAUNT || state == STUN || state == DODGE || state == ATTACK);
}
inline bool vulnerable(int state) { return state != DODGE; }

// --- inputs.py --------------------------------------------------------------------------------
enum Horizontal { H_NONE, H_LEFT, H_RIGHT, H_LEFT_RIGHT, H_RIGHT_LEFT };

struct Input {
  bool held[KEYS] = {}, just_pressed[KEYS] = {}, just_released[KEYS] = {};
  double raw_vertical = 0, raw_horizontal = 0;
  bool no_horizontal = true;
  int horizontal = H_NONE;

  static int remove(int state, int facing) {
    if (facing < 0) {
      if (state == H_LEFT) return H_NONE;
      if (state == H_LEFT_RIGHT || state == H_RIGHT_LEFT) return H_RIGHT;
    } else {
      if (state == H_RIGHT) return H_NONE;
      if (state == H_LEFT_RIGHT || state == H_RIGHT_LEFT) return H_LEFT;
    }
    return state;
  }
  static int stack(int state, int facing) {
    if (state == H_NONE) return facing < 0 ? H_LEFT : H_RIGHT;
    if (state == H_LEFT && facing > 0) return H_LEFT_RIGHT;
    if (state == H_RIGHT && facing < 0) return H_RIGHT_LEFT;
    return state;
  }
  int last_int() const {
    static const int last[5] = {0, -1, 1, 1, -1};
    return last[horizontal];
  }

  template <typename T>
  void update(const T* action) {
    bool before_a = held[KEY_A], before_d = held[KEY_D];
    for (int k = 0; k < KEYS; ++k) {
      bool was = held[k], now = static_cast<double>(action[k]) > 0.5;
      held[k] = now;
      just_pressed[k] = now && !was;
      just_released[k] = was && !now;
    }
    bool w = held[KEY_W], a = held[KEY_A], s = held[KEY_S], d = held[KEY_D];
    raw_vertical = double(w) - double(s);
    raw_horizontal = double(d) - double(a);
    no_horizontal = !(d || a);
    if (a != before_a || d != before_d) {
      int state = horizontal;
      if (just_released[KEY_A]) state = remove(state, -1);
      if (just_released[KEY_D]) state = remove(state, 1);
      if (just_pressed[KEY_D]) state = stack(state, 1);
      if (just_pressed[KEY_A]) state = stack(state, -1);
      horizontal = state;
    }
  }
};

// --- states.py: what each state object keeps -----------------------------------------------------
struct StateData {
  int invincible_timer = 0, dodge_cooldown = 0, stun_time_stored = 0;
  int jumps_left = UNSET, recoveries_left = UNSET, jump_timer = UNSET;
  int dash_timer = 0, turnaround_timer = 0, backdash_timer = 0, timer = 0, taunt_timer = 0;
  int stun_frames = 0, dodge_timer = 0;
  bool is_base = true, grounded = false;

  void set_jumps(int timer_, int jumps, int recoveries) {
    jump_timer = timer_;
    jumps_left = jumps;
    recoveries_left = recoveries;
  }
  void refresh() { set_jumps(0, AIR_JUMPS, 1); }
};

// --- powers.py: a move being played --------------------------------------------------------------
struct PowerRun {
  int index = 0, cast_idx = 0, total_frame_count = 0, frames_into_recovery = 0;
  int cast_frames[MAX_CASTS] = {};
  bool hit_anyone = false, hit_opponent = false, is_switching_casts = true;
  bool pull = false;  // this frame of the cast pulls its victims (powers.Power.pull is not None)

  void start(int index_) {
    *this = PowerRun();
    index = index_;
  }
};

struct MoveRun {
  int weapon = PUNCH, move_type = NONE, frame = 0, facing = 1;
  bool hit_agent = false, all_hit = false;  // the opponent is the hit agent / among all hit agents
  PowerRun power;
};

// --- fighter.py -------------------------------------------------------------------------------
struct Fighter {
  Body body;
  double hurt_x = 0, hurt_y = 0;  // the hurtbox's centre: the body's, as of its last state step
  double spawn_x = 0, spawn_y = 0;
  Input input;
  StateData states[STATES];
  int state = IN_AIR, facing = 1;
  int left_state = -1;  // the state its last change of state left (-1: none yet), for the transition's text
  double damage = 0, damage_taken_this_frame = 0, damage_taken_this_stock = 0, damage_taken_total = 0;
  double damage_done = 0;
  int stocks = 3, weapon = PUNCH, pickup_lock = 0;
  double prev_x = 0, prev_y = 0, damage_vx = 0, damage_vy = 0, target_vx = 0, target_vy = 0;
  bool just_got_hit = false, hitbox_live = false;
  int hit_frames = 1000;
  double last_hit_x = 0, last_hit_y = 0;
  MoveRun move;
  float action[KEYS] = {};
  int events = 0;

  void init(double x, double y, int stocks_) {
    *this = Fighter();
    body.x = x;
    body.y = y;
    body.set_box(HALF_WIDTH, HALF_HEIGHT, FIGHTER_MASS, FIGHTER_MOMENT);
    body.friction = FIGHTER_FRICTION;
    hurt_x = spawn_x = prev_x = x;
    hurt_y = spawn_y = prev_y = y;
    states[IN_AIR].set_jumps(0, 0, 0);
    facing = x < 0 ? 1 : -1;
    stocks = stocks_;
  }

  StateData& current() { return states[state]; }
  const StateData& current() const { return states[state]; }
  int jumps_left() const { return current().jumps_left == UNSET ? 0 : current().jumps_left; }
  int recoveries_left() const { return current().recoveries_left == UNSET ? 0 : current().recoveries_left; }
};

struct Platform {
  Body body;
  bool moving_to_w2 = true;

  // stage.Stage.physics_process: this frame's velocity toward the next waypoint.
  void process() {
    double tx = moving_to_w2 ? WAYPOINT2_X : WAYPOINT1_X;
    double ty = moving_to_w2 ? WAYPOINT2_Y : WAYPOINT1_Y;
    double dx = tx - body.x, dy = ty - body.y;
    double distance = std::sqrt(dx * dx + dy * dy);
    if (distance < 0.1) {
      body.vx = body.vy = 0.0;
      moving_to_w2 = !moving_to_w2;
      return;
    }
    double path_x = WAYPOINT2_X - WAYPOINT1_X, path_y = WAYPOINT2_Y - WAYPOINT1_Y;
    double length = std::sqrt(path_x * path_x + path_y * path_y);
    if (length < 0.05) length = 0.05;
    double progress = ((body.x - WAYPOINT1_X) * path_x + (body.y - WAYPOINT1_Y) * path_y) / (length * length);
    double along = progress > 0.0 ? progress : 0.0;
    along = along < 1.0 ? along : 1.0;
    double speed = std::sin(along * M_PI) + 0.03;
    body.vx = dx / distance * speed;
    body.vy = dy / distance * speed;
  }
};

// The platform's velocity and heading at each frame of a match. Nothing pushes the platform, so
// every match moves it the same way: a batch works its path out once and its games look it up.
struct PlatformFrame {
  double vx, vy;
  bool moving_to_w2;
};

inline std::vector<PlatformFrame> platform_track(int frames, bool pauses) {
  std::vector<PlatformFrame> track(static_cast<size_t>(frames));
  Platform platform;
  platform.body.x = PLATFORM_START_X;
  platform.body.y = PLATFORM_START_Y;
  for (PlatformFrame& frame : track) {
    platform.process();
    if (!pauses) platform.process();
    frame = {platform.body.vx, platform.body.vy, platform.moving_to_w2};
    Body& body = platform.body;  // as World::step moves a solid
    if (body.vx != 0.0 || body.vy != 0.0) {
      body.x += body.vx * DT;
      body.y += body.vy * DT;
    }
  }
  return track;
}

// A weapon lying about (weapons.WeaponObject): its body, stepped in a world of its own, where the
// body was before the frame's physics step, and its leaf in the broadphase once it entered it.
// Every weapon that appears is a new Item, so no contact of an earlier one is remembered (as
// physics.World.remove forgets a removed body's).
struct Item {
  Body body;
  World<1, 3> physics{GRAVITY, DT};
  double world_x = 0, world_y = 0;
  int leaf = -1;

  Item() = default;
  Item(double x, double y, double half_width, double half_height) {
    body.x = world_x = x;
    body.y = world_y = y;
    body.set_box(half_width, half_height, WEAPON_MASS, WEAPON_MOMENT);
    body.friction = WEAPON_FRICTION;
  }
};

struct Spawner {
  int side = 1, first_cooldown = 0, cooldown = 0, last_spawn = 0, weapon = NO_WEAPON, spawned_at = 0;
  double height = 0, x = 0, y = 0;
  Item item;  // the weapon shown, when `item_weapon` is one
  int item_weapon = NO_WEAPON;  // what `item` was made for (weapons.Spawner._item_shows)
  double item_x = 0, item_y = 0;
  int effect = -1;  // the effect of the competition's pooled weapon shown (weapons.Spawner.effect), -1: none
};

struct Dropped {
  int weapon = NO_WEAPON, name = NO_WEAPON, spawned_at = 0, number = FIRST_DROPPED_ID;
  double x = 0, y = 0;
  Item item;
  bool flipped = false;  // the fighter faced left
  int effect = -1;  // its effect (taken from the pool after the frame's pickups)
  bool attached = false;  // the effect stands where the weapon does (from the frame after it appeared)
};

// A dropped weapon's effect (weapons.SpawnerVFX): the competition's pooled weapon keeps one from its first
// drop on, so later drops of that weapon share it. `listed`: its place follows the weapon's (a list there).
struct Effect {
  double x = 0, y = 0;
  bool flipped = false, listed = false;
};

constexpr int MAX_DROPPED = 16;
constexpr int MAX_ITEMS = 2 + MAX_DROPPED;  // weapons lying about at once: the spawners' and the dropped ones
constexpr int MAX_POOLED = 2 * MAX_ITEMS;  // the competition's weapon objects of a match: at most so many of each
// The broadphase's shapes: two grounds, the platform, two fighters and the weapons lying about.
using Phase = BroadPhase<5 + MAX_ITEMS>;

// Where a weapon lying about is kept (spawners[index] or dropped[index]) and its place in
// Armory.lying()'s order: the frame it appeared, spawners' (kind 0) before dropped ones (kind 1), then
// the spawner's index or the drop's number.
struct LyingAt {
  int spawned_at, kind, number, index;

  bool operator<(const LyingAt& o) const {
    if (spawned_at != o.spawned_at) return spawned_at < o.spawned_at;
    if (kind != o.kind) return kind < o.kind;
    return number < o.number;
  }
};

struct Options {
  int stocks = 3;
  int max_frames = 30 * 90;
  double pixels_per_unit = 48.0;  // the render scale that sizes the weapons (CameraResolution.pixels_per_unit)
  // The platform stops for a frame at each end of its path, as in the competition's env; false: it
  // turns at once, as in the competition's run_match, which works its speed out again every frame.
  bool platform_pauses = true;
  // Draw what the competition's game draws, when and in the order it does (game.Game's competition_draws).
  bool competition_draws = false;
};

// --- game.py ----------------------------------------------------------------------------------
class Game {
 public:
  Fighter fighters[2];
  Platform platform;
  Body grounds[2];
  Spawner spawners[2];
  Dropped dropped[MAX_DROPPED];
  int dropped_count = 0, drops = 0;
  // The competition's pool of idle weapon objects (weapons.Armory.pool): weapon and effect (-1: none) each.
  int pool_weapon[MAX_POOLED], pool_effect[MAX_POOLED];
  int pool_count = 0;
  Effect effects[MAX_POOLED];
  int effect_count = 0;
  int steps = 0, max_frames = 2700, stocks = 3, winner = -1;
  double weapon_half_width = 0, weapon_half_height = 0, dropped_pickup_height = 0;
  bool terminated = false, truncated = false;
  PyRandom rng;

  Game() : world_(GRAVITY, DT) {}
  Game(const Game& other) = default;  // the copy's solids still point into `other`: rebind() it
  Game& operator=(const Game& other) = default;

  // Game(random.Random(seed), ..., first_on_right): first_on_right < 0 draws it from the seed. `track`
  // (optional) holds the platform's first `track_frames` frames (platform_track). Without `reseed` the
  // game draws on from `rng` as it stands (a generator's state handed over).
  void reset(const MoveTable* table, uint64_t seed, const Options& options, int first_on_right = -1,
             const PlatformFrame* track = nullptr, int track_frames = 0, bool reseed = true) {
    table_ = table;
    track_ = track;
    track_frames_ = track ? track_frames : 0;
    if (reseed) rng.seed(seed);
    competition_draws_ = options.competition_draws;
    steps = 0;
    max_frames = options.max_frames;
    stocks = options.stocks;
    platform_pauses_ = options.platform_pauses;
    weapon_half_width = WEAPON_PICTURE_WIDTH / options.pixels_per_unit / 2;
    weapon_half_height = (WEAPON_PICTURE_HEIGHT / options.pixels_per_unit + WEAPON_BODY_PADDING) / 2;
    dropped_pickup_height = WEAPON_PICTURE_HEIGHT / options.pixels_per_unit;
    winner = -1;
    terminated = truncated = false;
    world_ = World<2, 3>(GRAVITY, DT);
    for (int g = 0; g < 2; ++g) {
      grounds[g] = Body();
      grounds[g].x = GROUND_X[g];
      grounds[g].y = GROUND_Y[g];
      grounds[g].friction = GROUND_FRICTION;
      double l = -GROUND_HALF_WIDTH, t = -GROUND_TOP_OFFSET, r = GROUND_HALF_WIDTH, b = GROUND_DEPTH;
      ground_solids_[g] = Solid(&grounds[g], l, t, r, b, {{l, t}, {r, t}, {r, b}, {l, b}});  // stage.Ground's order
    }
    platform = Platform();
    platform.body.x = PLATFORM_START_X;
    platform.body.y = PLATFORM_START_Y;
    platform.body.friction = PLATFORM_FRICTION;
    double half_thickness = PLATFORM_THICKNESS / 2;
    platform_solid_ = Solid(&platform.body, -PLATFORM_HALF_WIDTH, -half_thickness, PLATFORM_HALF_WIDTH, half_thickness);
    bool on_right = first_on_right >= 0 ? first_on_right != 0
                    : competition_draws_ ? rng.getrandbit() : rng.random() < 0.5;
    fighters[0].init(on_right ? SPAWN_X : -SPAWN_X, SPAWN_Y, stocks);
    fighters[1].init(on_right ? -SPAWN_X : SPAWN_X, SPAWN_Y, stocks);
    register_shapes();
    init_spawner(spawners[0], 1, SPAWNER_Y_RIGHT);
    init_spawner(spawners[1], -1, SPAWNER_Y_LEFT);
    dropped_count = drops = pool_count = effect_count = 0;
  }

  bool over() const { return terminated || truncated; }

  // Point a copied game at its new owner's move table and platform path.
  void rebind(const MoveTable* table, const PlatformFrame* track, int track_frames) {
    table_ = table;
    track_ = track;
    track_frames_ = track ? track_frames : 0;
    for (int g = 0; g < 2; ++g) ground_solids_[g].body = &grounds[g];
    platform_solid_.body = &platform.body;
  }

  // Game.step: keys, knock-outs judged, platform, fighter 0, fighter 1, physics, weapons.
  template <typename T>
  void step(const T* action_0, const T* action_1) {
    process_keys(fighters[0], action_0);
    process_keys(fighters[1], action_1);
    const bool deciding = !over();
    for (int i = 0; i < 2; ++i) {
      if (fighters[i].stocks <= 0) {  // each fighter out of stocks signals the other's win (each frame)
        terminated = true;
        fighters[1 - i].events |= WIN_SIGNAL;
      }
    }
    platform_process();
    fighter_process(0);
    fighter_process(1);
    armory_physics_process();
    physics_step();
    ++steps;
    armory_update();
    if (!terminated && steps >= max_frames) truncated = true;
    // By the stocks left once the frame is played, as run_match judges: a last stock lost on the frame
    // the other's loss ends the match makes a draw.
    if (deciding && over() && fighters[0].stocks != fighters[1].stocks)
      winner = fighters[0].stocks > fighters[1].stocks ? 0 : 1;
  }

  // observation.observations: fighter 0's view, then fighter 1's (its half first), as float32 (the
  // batch's training arrays) or float64 (one game's, as the competition's env hands them).
  template <class Value>
  void observe(Value* out) const {
    double stage[16];
    stage_values(stage);
    Value* first = out;
    Value* second = out + OBS_SIZE;
    for (int i = 0; i < 2; ++i) {
      double values[16];
      fighter_values(fighters[i], values);
      Value* half_first = first + i * HALF_OBS;
      Value* half_second = second + (1 - i) * HALF_OBS;
      for (int k = 0; k < 16; ++k) half_first[k] = half_second[k] = static_cast<Value>(values[k]);
      for (int k = 0; k < 16; ++k) half_first[16 + k] = half_second[16 + k] = static_cast<Value>(stage[k]);
    }
  }

  bool is_on_floor(const Fighter& f) const {
    const Body& body = f.body;
    double x = body.x, y = body.y;
    Box box = body.box();
    for (int g = 0; g < 2; ++g)
      if (y <= grounds[g].y && intersects(box, ground_solids_[g].box())) return true;
    const Body& p = platform.body;
    return y <= p.y - 0.01 && std::fabs(x - p.x) <= PLATFORM_STAND_REACH && intersects(box, platform_solid_.box());
  }

  const Solid& platform_solid() const { return platform_solid_; }

  // Armory.lying(): the weapons lying about, in the order they appeared. Returns how many.
  int lying(LyingAt* out) const {
    int count = 0;
    for (int s = 0; s < 2; ++s)
      if (spawners[s].item_weapon != NO_WEAPON) out[count++] = {spawners[s].spawned_at, 0, s, s};
    for (int k = 0; k < dropped_count; ++k)
      if (dropped[k].weapon != NO_WEAPON) out[count++] = {dropped[k].spawned_at, 1, dropped[k].number, k};
    for (int i = 1; i < count; ++i)  // insertion sort: a handful, mostly in order already
      for (int j = i; j > 0 && out[j] < out[j - 1]; --j) std::swap(out[j], out[j - 1]);
    return count;
  }

  const Item& item(const LyingAt& at) const { return at.kind == 0 ? spawners[at.index].item : dropped[at.index].item; }
  Item& item(const LyingAt& at) { return at.kind == 0 ? spawners[at.index].item : dropped[at.index].item; }

 private:
  World<2, 3> world_;
  Solid ground_solids_[2];
  Solid platform_solid_;
  // Chipmunk's broadphase, which orders the contacts: its leaves for the grounds, the platform and
  // the fighters, and the weapons' leaves in the order they entered it.
  Phase broadphase_;
  int ground_leaves_[2] = {}, platform_leaf_ = 0, fighter_leaves_[2] = {};
  int weapon_leaves_[MAX_ITEMS] = {};
  int weapon_leaf_count_ = 0;
  const MoveTable* table_ = nullptr;
  const PlatformFrame* track_ = nullptr;
  int track_frames_ = 0;
  bool platform_pauses_ = true;
  bool competition_draws_ = false;

  // weapons.Armory._new_spawner
  void init_spawner(Spawner& s, int side, double height) {
    double distance = competition_draws_ ? rng.uniform(SPAWNER_X_MIN, SPAWNER_X_MAX) : SPAWNER_X_MIN;
    int first_cooldown = rng.randint(SPAWN_DELAY_MIN, SPAWN_DELAY_MAX);
    s = Spawner();
    s.side = side;
    s.height = height;
    s.first_cooldown = s.cooldown = first_cooldown;
    s.last_spawn = -(first_cooldown - rng.randint(0, FIRST_SPAWN_MAX));
    s.x = side * distance;
    s.y = height;
  }

  // Game.draw_unused: a number the competition's game draws for an animation.
  void draw_unused(int low, int high) {
    if (competition_draws_) rng.randint(low, high);
  }

  template <typename T>
  void process_keys(Fighter& f, const T* action) {
    for (int k = 0; k < KEYS; ++k) f.action[k] = static_cast<float>(action[k]);
    f.input.update(action);
    f.damage_taken_this_frame = 0.0;
    f.hitbox_live = false;
    f.hit_frames += 1;
    f.events = 0;
  }

  // Game.__init__'s World.add_static / add calls: the shapes where they spawn, in the order the
  // competition's game adds them to its space (which decides the contacts' order).
  void register_shapes() {
    broadphase_ = Phase();
    weapon_leaf_count_ = 0;
    for (int g = 0; g < 2; ++g) ground_leaves_[g] = broadphase_.add_static(ground_solids_[g].box());
    platform_leaf_ = broadphase_.add(platform_solid_.box(), platform.body.vx, platform.body.vy);
    for (int i = 0; i < 2; ++i) {
      const Body& body = fighters[i].body;
      fighter_leaves_[i] = broadphase_.add(body.box(), body.vx, body.vy);
    }
  }

  // World.step's first part: the weapons no longer lying about leave the broadphase, in the order
  // they entered it, then those that appeared enter it, in `lying`'s order.
  void sync_weapons(const LyingAt* lying_at, int count) {
    int kept = 0;
    for (int w = 0; w < weapon_leaf_count_; ++w) {
      int leaf = weapon_leaves_[w];
      bool lies = false;
      for (int i = 0; i < count && !lies; ++i) lies = item(lying_at[i]).leaf == leaf;
      if (lies)
        weapon_leaves_[kept++] = leaf;
      else
        broadphase_.remove(leaf);
    }
    weapon_leaf_count_ = kept;
    for (int i = 0; i < count; ++i) {
      Item& it = item(lying_at[i]);
      if (it.leaf >= 0) continue;
      it.leaf = broadphase_.add(it.body.box(), it.body.vx, it.body.vy);
      weapon_leaves_[weapon_leaf_count_++] = it.leaf;
    }
  }

  // World.step: the weapons' leaves follow the stage, everything moves, then the broadphase reports
  // the pairs that may touch, in the engine's order, and each body's contact with a solid is found
  // as it is reported; then each world solves its bodies' contacts.
  void physics_step() {
    LyingAt lying_at[MAX_ITEMS];
    int count = lying(lying_at);
    sync_weapons(lying_at, count);
    Solid solids[3] = {platform_solid_, ground_solids_[0], ground_solids_[1]};
    world_.move(solids);
    Body* bodies[2 + MAX_ITEMS] = {&fighters[0].body, &fighters[1].body};
    for (int i = 0; i < count; ++i) bodies[2 + i] = &item(lying_at[i]).body;
    world_.integrate(bodies);
    for (int i = 0; i < count; ++i) item(lying_at[i]).physics.integrate(&bodies[2 + i]);
    // Every shape where it now is (cpShapeUpdateFunc), and each leaf's index in `bodies` or `solids`.
    Placed shapes[Phase::NODES];
    int body_at[Phase::NODES], solid_at[Phase::NODES];
    std::fill(body_at, body_at + Phase::NODES, -1);
    std::fill(solid_at, solid_at + Phase::NODES, -1);
    const int solid_leaves[3] = {platform_leaf_, ground_leaves_[0], ground_leaves_[1]};
    for (int s = 0; s < 3; ++s) {
      int leaf = solid_leaves[s];
      const Body& body = *solids[s].body;
      shapes[leaf] = Placed(solids[s].polygon, body.x, body.y, body.cos, body.sin, broadphase_.hashid(leaf));
      solid_at[leaf] = s;
    }
    for (int i = 0; i < 2 + count; ++i) {
      int leaf = i < 2 ? fighter_leaves_[i] : item(lying_at[i - 2]).leaf;
      const Body& body = *bodies[i];
      shapes[leaf] = Placed(body.polygon, body.x, body.y, body.cos, body.sin, broadphase_.hashid(leaf));
      body_at[leaf] = i;
    }
    Touching<2, 3> fighters_touch;
    Touching<1, 3> items_touch[MAX_ITEMS];
    broadphase_.step(
        [&](int leaf, Box& box, double& vx, double& vy) {  // the velocity before gravity, as there
          const Body& body = leaf == platform_leaf_ ? platform.body : *bodies[body_at[leaf]];
          box = shapes[leaf].bb;
          vx = body.vx;
          vy = body.vy;
        },
        [&](int first, int second, uint8_t* pair_id) {  // bodies never touch bodies, solids never touch solids
          bool body_first = body_at[first] >= 0;
          int body_leaf = body_first ? first : second, solid_leaf = body_first ? second : first;
          int b = body_at[body_leaf], s = solid_at[solid_leaf];
          if (b < 0 || s < 0) return;
          if (b < 2)
            world_.find(fighters_touch, b, *bodies[b], shapes[body_leaf], s, solids[s], shapes[solid_leaf], body_first,
                        pair_id);
          else
            item(lying_at[b - 2]).physics.find(items_touch[b - 2], 0, *bodies[b], shapes[body_leaf], s, solids[s],
                                               shapes[solid_leaf], body_first, pair_id);
        });
    world_.solve(bodies, solids, fighters_touch);
    for (int i = 0; i < count; ++i) item(lying_at[i]).physics.solve(&bodies[2 + i], solids, items_touch[i]);
  }

  void platform_process() {
    if (steps < track_frames_) {
      const PlatformFrame& frame = track_[steps];
      platform.body.vx = frame.vx;
      platform.body.vy = frame.vy;
      platform.moving_to_w2 = frame.moving_to_w2;
    } else {
      platform.process();
      if (!platform_pauses_) platform.process();
    }
  }

  // --- fighter.py ---------------------------------------------------------------------------------
  void fighter_process(int i) {
    Fighter& f = fighters[i];
    int following = state_process(i);
    Body& body = f.body;
    f.hurt_x = body.x;
    f.hurt_y = body.y;
    body.vx += f.damage_vx + f.target_vx;
    body.vy += f.damage_vy + f.target_vy;
    if (following != STAY) {
      reset_state(f, following, f.state);
      exit_state(f, f.state);
      f.left_state = f.state;
      f.state = following;
      enter_state(f, following);
    }
    f.prev_x = body.x;
    f.prev_y = body.y;
    f.damage_vx = f.damage_vy = f.target_vx = f.target_vy = 0.0;
  }

  int get_move(const Fighter& f) const {
    const bool* keys = f.input.held;
    bool heavy = keys[KEY_K];
    if (!(heavy || keys[KEY_J])) return NONE;
    int direction;
    if (keys[KEY_W] || !(keys[KEY_A] || keys[KEY_D] || keys[KEY_S]))
      direction = 0;
    else
      direction = keys[KEY_S] ? 1 : 2;
    if (is_on_floor(f)) return (heavy ? NSIG : NLIGHT) + direction;
    if (!heavy) return NAIR + direction;
    return direction == 1 ? GROUNDPOUND : RECOVERY;
  }

  int take_off(Fighter& f) {
    f.states[IN_AIR].refresh();
    return IN_AIR;
  }

  int ground_state(const Fighter& f) const { return std::fabs(f.input.raw_horizontal) > 1e-2 ? WALKING : STANDING; }

  void apply_damage(Fighter& victim, double damage, int stun, double vx, double vy) {
    double total = victim.damage + damage;
    victim.damage = total < MAX_DAMAGE ? total : MAX_DAMAGE;
    victim.damage_taken_this_stock += damage;
    victim.damage_taken_total += damage;
    victim.damage_taken_this_frame += damage;
    victim.current().stun_time_stored = stun;
    if (is_on_floor(victim) && vy > 0) vy = -vy * BOUNCE;
    victim.damage_vx = vx * KNOCKBACK_SCALE;
    victim.damage_vy = vy * KNOCKBACK_SCALE;
    fighters[&victim == &fighters[0] ? 1 : 0].damage_done += damage;
    victim.hit_frames = 0;
  }

  void respawn(Fighter& f) {
    f.body.x = f.spawn_x;
    f.body.y = f.spawn_y;
    f.body.vx = f.body.vy = 0.0;
    f.damage = f.damage_taken_this_stock = 0.0;
    f.weapon = PUNCH;
  }

  // --- states.py: entering, leaving, handing over ------------------------------------------------
  static void reset_state(Fighter& f, int state, int old) {
    StateData& s = f.states[state];
    const StateData& o = f.states[old];
    s.stun_time_stored = 0;
    s.invincible_timer = o.invincible_timer;
    s.dodge_cooldown = o.dodge_cooldown;
    if (ground_class(state)) s.dash_timer = (ground_class(old) || old == ATTACK) ? o.dash_timer : 0;
  }

  void enter_state(Fighter& f, int state) {
    StateData& s = f.states[state];
    Body& body = f.body;
    switch (state) {
      case TURNAROUND:
        s.turnaround_timer = TURNAROUND_FRAMES;
        break;
      case AIR_TURNAROUND:
        s.turnaround_timer = TURNAROUND_FRAMES;
        body.vx /= 3;
        s.is_base = false;
        break;
      case STUN:
      case IN_AIR:
        s.is_base = true;
        break;
      case DODGE:
        s.dodge_timer = DODGE_FRAMES;
        body.gravity = false;
        body.vx = body.vy = 0.0;
        break;
      case ATTACK:
        s.dash_timer = DASH_FRAMES;
        if (!f.input.no_horizontal) f.facing = facing_from(f.input.raw_horizontal);
        draw_unused(1, 12);
        break;
      case DASH:
        s.dash_timer = DASH_FRAMES;
        break;
      case BACKDASH:
        s.backdash_timer = BACKDASH_FRAMES;
        break;
      case KO:
        f.events |= KNOCKOUT_SIGNAL;
        s.timer = KO_FRAMES;
        f.stocks -= 1;
        body.gravity = false;
        body.vx = body.vy = 0.0;
        break;
      case TAUNT:
        s.taunt_timer = TAUNT_FRAMES;
        draw_unused(0, 2);
        break;
      default:
        break;
    }
  }

  static void exit_state(Fighter& f, int state) {
    if (state == DODGE) {
      f.body.gravity = true;
      f.body.vx = f.body.vy = 0.0;
    } else if (state == KO) {
      f.states[KO].invincible_timer = RESPAWN_INVINCIBLE_FRAMES;
      f.body.gravity = true;
      f.body.vx = f.body.vy = 0.0;
    }
  }

  // --- states.py: one frame of each state --------------------------------------------------------
  int state_process(int i) {
    Fighter& f = fighters[i];
    switch (f.state) {
      case WALKING:
        return running_process(i, WALK_SPEED, true);
      case SPRINTING:
        return running_process(i, SPRINT_SPEED, false);
      case STANDING:
        return standing_process(i);
      case TURNAROUND:
        return turnaround_process(i);
      case DASH:
        return dash_process(i);
      case BACKDASH:
        return backdash_process(i);
      case KO:
        return ko_process(i);
      case IN_AIR:
        return in_air_process(i);
      case AIR_TURNAROUND:
        return air_turnaround_process(i);
      case TAUNT:
        return taunt_process(i);
      case STUN:
        return stun_process(i);
      case DODGE:
        return dodge_process(i);
      case ATTACK:
        return attack_process(i);
    }
    return STAY;
  }

  // PlayerObjectState.physics_process: knock-outs and stuns first, then the timers.
  int base_process(Fighter& f) {
    StateData& s = f.current();
    if (std::fabs(f.body.x) > BLAST_X || std::fabs(f.body.y) > BLAST_Y) return KO;
    if (s.stun_time_stored > 0) {
      StateData& stun = f.states[STUN];
      if (f.state == STUN) f.events |= HIT_DURING_STUN;
      stun.stun_frames = s.stun_time_stored;
      s.stun_time_stored = 0;
      if (s.jumps_left != UNSET) stun.jumps_left = s.jumps_left;
      return STUN;
    }
    s.invincible_timer = imax0(s.invincible_timer - 1);
    s.dodge_cooldown = imax0(s.dodge_cooldown - 1);
    return STAY;
  }

  int ground_process(Fighter& f) {
    int following = base_process(f);
    if (following != STAY || !can_control(f.state)) return following;
    const Input& in = f.input;
    double direction = in.raw_horizontal;
    bool still = std::fabs(direction) < 1e-2;
    if (in.just_pressed[KEY_SPACE] && is_on_floor(f)) {
      f.body.vy = -JUMP_SPEED;
      if (!still) f.facing = facing_from(direction);
      return take_off(f);
    }
    if (!is_on_floor(f)) return take_off(f);
    StateData& s = f.current();
    if (still && in.just_pressed[KEY_L] && s.dodge_cooldown <= 0) {
      s.dodge_cooldown = GROUND_DODGE_COOLDOWN;
      f.states[DODGE].grounded = true;
      return DODGE;
    }
    int move_type = get_move(f);
    if (move_type != NONE) {
      f.states[ATTACK].refresh();
      give_move(f, move_type);
      return ATTACK;
    }
    if (in.just_pressed[KEY_G]) return TAUNT;
    return STAY;
  }

  bool carried_by_platform(const Fighter& f) const {
    return platform_solid_.touches(f.body) && !f.input.held[KEY_S] && is_on_floor(f);
  }

  int running_process(int i, double speed, bool walking) {
    Fighter& f = fighters[i];
    int following = ground_process(f);
    if (following != STAY) return following;
    const Input& in = f.input;
    int forward = f.facing == 1 ? KEY_D : KEY_A, backward = f.facing == 1 ? KEY_A : KEY_D;
    if (in.just_pressed[backward] || (!in.held[forward] && in.held[backward]))
      return in.just_pressed[KEY_L] ? BACKDASH : TURNAROUND;
    if (in.no_horizontal) return STANDING;
    if (in.just_pressed[KEY_L]) return DASH;
    if (walking && carried_by_platform(f)) {
      f.body.vx = f.facing * speed + platform.body.vx;
      f.body.vy += platform.body.vy;
    } else {
      f.body.vx = f.facing * speed;
    }
    return STAY;
  }

  int standing_process(int i) {
    Fighter& f = fighters[i];
    int following = ground_process(f);
    if (following != STAY) return following;
    double direction = f.input.raw_horizontal;
    if (direction * f.facing < 0) return f.input.just_pressed[KEY_L] ? BACKDASH : TURNAROUND;
    if (std::fabs(direction) > 1e-2) {
      f.facing = facing_from(direction);
      return WALKING;
    }
    if (carried_by_platform(f)) {
      f.body.vx = platform.body.vx;
      f.body.vy = platform.body.vy;
    } else {
      f.body.vx = move_toward(f.body.vx, 0.0, WALK_SPEED);
    }
    return STAY;
  }

  int turnaround_process(int i) {
    Fighter& f = fighters[i];
    int following = ground_process(f);
    if (following != STAY) return following;
    StateData& s = f.current();
    if (s.turnaround_timer <= 0) {
      int last = f.input.last_int();
      int old = f.facing;
      f.facing = -old;
      if (last == -old) return WALKING;
      if (last == old) return TURNAROUND;
      return STANDING;
    }
    if (f.input.just_pressed[KEY_L]) return BACKDASH;
    s.turnaround_timer = imax0(s.turnaround_timer - 1);
    return STAY;
  }

  int dash_process(int i) {
    Fighter& f = fighters[i];
    int following = ground_process(f);
    if (following != STAY) return following;
    StateData& s = f.current();
    f.body.vx = f.facing * DASH_SPEED;
    s.dash_timer = imax0(s.dash_timer - 1);
    return s.dash_timer <= 0 ? SPRINTING : STAY;
  }

  int backdash_process(int i) {
    Fighter& f = fighters[i];
    int following = ground_process(f);
    if (following != STAY) return following;
    StateData& s = f.current();
    f.body.vx = -f.facing * BACKDASH_SPEED;
    s.backdash_timer = imax0(s.backdash_timer - 1);
    return s.backdash_timer <= 0 ? ground_state(f) : STAY;
  }

  int ko_process(int i) {
    Fighter& f = fighters[i];
    ground_process(f);
    StateData& s = f.current();
    s.timer -= 1;
    if (s.timer > 0) return STAY;
    respawn(f);
    f.states[IN_AIR].jumps_left = f.states[IN_AIR].recoveries_left = 0;
    return IN_AIR;
  }

  int in_air_process(int i) {
    Fighter& f = fighters[i];
    int following = base_process(f);
    if (following != STAY || !can_control(f.state)) return following;
    StateData& s = f.current();
    Body& body = f.body;
    const Input& in = f.input;
    double direction = in.raw_horizontal;
    if (s.is_base && direction * f.facing < 0) {
      f.states[AIR_TURNAROUND].set_jumps(s.jump_timer, s.jumps_left, s.recoveries_left);
      return AIR_TURNAROUND;
    }
    if (in.raw_vertical < -0.5 && body.vy > 0)
      body.vy = move_toward(body.vy, MAX_FALL_SPEED, FAST_FALL_ACCEL);
    else
      body.vy = MAX_FALL_SPEED < body.vy ? MAX_FALL_SPEED : body.vy;
    body.vx = move_toward(body.vx, direction * WALK_SPEED, AIR_ACCEL);
    if (is_on_floor(f)) return ground_state(f);
    if (in.just_pressed[KEY_SPACE] && s.jump_timer <= 0 && s.jumps_left > 0) {
      body.vy = -JUMP_SPEED;
      f.facing = facing_from(direction);
      s.jump_timer = JUMP_COOLDOWN;
      s.jumps_left -= 1;
    }
    s.jump_timer = imax0(s.jump_timer - 1);
    if (in.just_pressed[KEY_L] && s.dodge_cooldown <= 0) {
      s.dodge_cooldown = AIR_DODGE_COOLDOWN;
      StateData& dodge = f.states[DODGE];
      dodge.set_jumps(s.jump_timer, s.jumps_left, s.recoveries_left);
      dodge.grounded = false;
      return DODGE;
    }
    int move_type = get_move(f);
    if (move_type == NONE) return STAY;
    if (move_type == RECOVERY) {
      if (s.recoveries_left <= 0) return STAY;
      s.recoveries_left -= 1;
    }
    StateData& attack = f.states[ATTACK];
    attack.jumps_left = s.jumps_left;
    attack.recoveries_left = s.recoveries_left;
    give_move(f, move_type);
    return ATTACK;
  }

  int land_or_fall(Fighter& f) { return is_on_floor(f) ? ground_state(f) : fall(f); }

  int fall(Fighter& f) {
    const StateData& s = f.current();
    if (s.jumps_left != UNSET) f.states[IN_AIR].set_jumps(0, s.jumps_left, s.recoveries_left);
    return IN_AIR;
  }

  int air_turnaround_process(int i) {
    Fighter& f = fighters[i];
    int following = in_air_process(i);
    if (following != STAY) return following;
    StateData& s = f.current();
    if (s.turnaround_timer > 0) {
      s.turnaround_timer = imax0(s.turnaround_timer - 1);
      return STAY;
    }
    int old = f.facing;
    f.facing = -old;
    int next = f.input.last_int() == old ? AIR_TURNAROUND : IN_AIR;
    f.states[next].set_jumps(s.jump_timer, s.jumps_left, s.recoveries_left);
    return next;
  }

  int taunt_process(int i) {
    Fighter& f = fighters[i];
    int following = in_air_process(i);
    if (following != STAY) return following;
    StateData& s = f.current();
    s.taunt_timer = imax0(s.taunt_timer - 1);
    return s.taunt_timer <= 0 ? ground_state(f) : STAY;
  }

  int stun_process(int i) {
    Fighter& f = fighters[i];
    int following = in_air_process(i);
    if (following != STAY) return following;
    StateData& s = f.current();
    Body& body = f.body;
    s.stun_frames = imax0(s.stun_frames - 1);
    body.vx = move_toward(body.vx, 0.0, AIR_ACCEL / 1.5);
    if (s.stun_frames > 0) {
      if (is_on_floor(f) && body.vy > 0) body.vy = -body.vy * BOUNCE;
      return STAY;
    }
    if (is_on_floor(f)) return ground_state(f);
    StateData& in_air = f.states[IN_AIR];
    in_air.jumps_left = s.jumps_left == UNSET ? 1 : (s.jumps_left > 1 ? s.jumps_left : 1);
    return IN_AIR;
  }

  int dodge_process(int i) {
    Fighter& f = fighters[i];
    int following = in_air_process(i);
    if (following != STAY) return following;
    StateData& s = f.current();
    s.dodge_timer = imax0(s.dodge_timer - 1);
    if (s.dodge_timer > 0) return STAY;
    return s.grounded ? ground_state(f) : fall(f);  // states.DodgeState: an air dodge ends in the air
  }

  int attack_process(int i) {
    Fighter& f = fighters[i];
    int following = base_process(f);
    if (following != STAY) return following;
    if (!do_move(i, f.input.raw_horizontal)) return STAY;
    return land_or_fall(f);
  }

  // --- powers.py: MoveManager ------------------------------------------------------------------
  void give_move(Fighter& f, int move_type) {
    MoveRun& run = f.move;
    run = MoveRun();
    run.weapon = f.weapon;
    run.move_type = move_type;
    run.facing = f.facing;
    run.power.start(table_->moves[f.weapon][move_type].initial);
  }

  const MoveData& move_data(const Fighter& f) const { return table_->moves[f.move.weapon][f.move.move_type]; }

  static int after(int first, int fallback) { return first != -1 ? first : fallback; }

  bool do_move(int i, double direction) {
    Fighter& f = fighters[i];
    MoveRun& run = f.move;
    run.facing = f.facing;
    const MoveData& move = move_data(f);
    bool holding = f.input.held[move.key];
    PowerRun& power = run.power;
    const PowerData& data = move.powers[power.index];
    int following = -1;
    bool done = false;
    if (data.is_charge && ((!holding && power.total_frame_count > data.min_charge) ||
                           power.total_frame_count > data.casts.back().startup_frames)) {
      following = after(data.on_miss, -1);
    } else {
      play_cast(i, data, direction, following, done);
    }
    power.total_frame_count += 1;
    if (following != -1) power.start(following);
    run.frame += 1;
    return done;
  }

  void play_cast(int i, const PowerData& data, double direction, int& following, bool& done) {
    Fighter& f = fighters[i];
    Fighter& victim = fighters[1 - i];
    MoveRun& run = f.move;
    PowerRun& power = run.power;
    const CastData& cast = data.casts[power.cast_idx];
    int frame = power.cast_frames[power.cast_idx];
    const FrameChange* change = cast.change_at(frame);
    int facing = run.facing;
    power.pull = change != nullptr && change->pull;
    double hit_x, hit_y;
    if (!power.pull) {
      hit_x = cast.hit_cos * facing;
      hit_y = cast.hit_sin;
    } else {
      hit_x = hit_y = 0.0;
    }
    bool in_startup = frame < cast.startup_frames;
    bool in_attack = !in_startup && frame < cast.startup_frames + cast.attack_frames;
    if (data.hit_all_hit_agents && run.all_hit && vulnerable(victim.state) && !power.hit_opponent) {
      power.hit_opponent = true;
      strike(f, victim, cast, data, hit_x, hit_y);
    }
    if (data.allow_left_right_mobility) f.body.vx = move_toward(f.body.vx, direction * WALK_SPEED, AIR_ACCEL);
    apply_change(f, victim, change, data, facing);
    bool switching = false;
    if (in_attack) {
      f.hitbox_live = true;
      if (power.is_switching_casts) {
        power.is_switching_casts = false;
      } else if (cast.check_point) {
        if (f.body.y + cast.check_dy > GROUND_CHECK_Y) {
          switching = true;
          following = after(data.on_ground, data.on_miss);
        }
      }
      bool hit = check_hitboxes(f, victim, cast, data, hit_x, hit_y);
      if (hit && data.transition_on_instant_hit) following = after(data.on_hit, data.on_miss);
      if (power.cast_idx == static_cast<int>(data.casts.size()) - 1 && data.last_power) power.frames_into_recovery += 1;
    }
    power.cast_frames[power.cast_idx] += 1;
    if (!(switching || in_attack || in_startup)) {
      if (power.cast_idx < static_cast<int>(data.casts.size()) - 1) {
        power.cast_idx += 1;
        power.is_switching_casts = true;
      } else if (power.frames_into_recovery < data.recovery_frames) {
        power.frames_into_recovery += 1;
      } else if (data.last_power) {
        done = true;
      } else if (power.hit_anyone) {
        following = after(data.on_hit, data.on_miss);
      } else {
        following = after(data.on_miss, -1);
      }
    }
  }

  bool check_hitboxes(Fighter& f, Fighter& victim, const CastData& cast, const PowerData& data, double hit_x,
                      double hit_y) {
    MoveRun& run = f.move;
    PowerRun& power = run.power;
    int facing = run.facing;
    double x = f.body.x, y = f.body.y;
    Capsule hurtbox(victim.hurt_x, victim.hurt_y, HURTBOX_WIDTH, HURTBOX_HEIGHT);
    bool hit = false;
    for (const Hitbox& box : cast.hitboxes) {
      if (!(hurtbox.intersects(Capsule(x + box.dx * facing, y + box.dy, box.width, box.height)) &&
            vulnerable(victim.state)))
        continue;
      hit = true;
      if (!power.hit_anyone && data.on_hit_velocity) {
        f.body.vx = data.on_hit_velocity_x;
        f.body.vy = data.on_hit_velocity_y;
      }
      power.hit_anyone = true;
      if (!power.hit_opponent) {
        run.hit_agent = true;
        strike(f, victim, cast, data, hit_x, hit_y);
        power.hit_opponent = true;
      }
      if (!run.all_hit) {
        victim.just_got_hit = true;
        run.all_hit = true;
      }
    }
    return hit;
  }

  void strike(Fighter& f, Fighter& victim, const CastData& cast, const PowerData& data, double hit_x, double hit_y) {
    double percent = victim.damage + cast.base_damage;
    double growth = percent / 70.0 + percent * percent / 12000.0;
    double force = cast.fixed_force + cast.variable_force * growth;
    apply_damage(victim, cast.base_damage, data.stun_time, hit_x * force, hit_y * force);
    f.last_hit_x = victim.body.x;
    f.last_hit_y = victim.body.y;
  }

  static void set_velocity(Body& body, const XYChange& change, int facing) {
    if (!change.on) return;
    if (change.x_on) body.vx = change.x * facing;
    if (change.y_on) body.vy = change.y;
  }

  static void add_velocity(Body& body, const XYChange& change, int facing) {
    if (!change.on) return;
    if (change.x_on) body.vx += change.x * facing;
    if (change.y_on) body.vy += change.y;
  }

  void apply_change(Fighter& f, Fighter& victim, const FrameChange* change, const PowerData& data, int facing) {
    Body& body = f.body;
    MoveRun& run = f.move;
    if (data.enable_floor_drag) body.vx = move_toward(body.vx, 0.0, AIR_ACCEL);
    if (change == nullptr) return;
    if (run.power.pull) {
      bool targeted = data.target_all_hit_agents ? run.all_hit : run.hit_agent;
      if (targeted) {
        double strength = change->pull_strength;
        victim.target_vx = strength * (body.x + change->pull_dx * facing - victim.body.x);
        victim.target_vy = strength * (body.y + change->pull_dy - victim.body.y);
      }
    }
    if (change->velocity_set) {
      body.vx = change->velocity_set_x * facing;
      body.vy = change->velocity_set_y;
    }
    if (change->damp) {
      body.vx *= change->damp_x_on ? change->damp_x : 1.0;
      body.vy *= change->damp_y_on ? change->damp_y : 1.0;
    }
    set_velocity(body, change->velocity_set_xy, facing);
    add_velocity(body, change->velocity_add_xy, facing);
    if (run.all_hit) {
      set_velocity(victim.body, change->hit_velocity_set_xy, facing);
      add_velocity(victim.body, change->hit_velocity_add_xy, facing);
    }
    if (change->hit_position_set && run.all_hit) {
      if (change->hit_position_x_on) victim.body.x = body.x + change->hit_position_dx * facing;
      if (change->hit_position_y_on) victim.body.y = body.y + change->hit_position_dy;
    }
  }

  // --- weapons.py ----------------------------------------------------------------------------
  bool touches(const Fighter& f, double x, double y, double height) const {
    return Capsule(f.hurt_x, f.hurt_y, HURTBOX_WIDTH, HURTBOX_HEIGHT).intersects(Capsule(x, y, PICKUP_WIDTH, height));
  }

  // Spawner.place_item
  void place_item(Spawner& s) {
    if (s.weapon == s.item_weapon && s.x == s.item_x && s.y == s.item_y) return;
    s.item_weapon = s.weapon;
    s.item_x = s.x;
    s.item_y = s.y;
    if (s.weapon != NO_WEAPON) s.item = Item(s.x, s.y, weapon_half_width, weapon_half_height);
  }

  // Armory.physics_process
  void armory_physics_process() {
    for (int s = 0; s < 2; ++s) place_item(spawners[s]);
    for (int s = 0; s < 2; ++s) {
      Item& item = spawners[s].item;
      if (spawners[s].item_weapon != NO_WEAPON) item.world_x = item.body.x, item.world_y = item.body.y;
    }
    for (int k = 0; k < dropped_count; ++k) {
      Dropped& d = dropped[k];
      Item& item = d.item;
      if (d.weapon == NO_WEAPON) continue;
      item.world_x = item.body.x, item.world_y = item.body.y;
      if (d.attached) effects[d.effect].x = item.world_x, effects[d.effect].y = item.world_y;
    }
  }

  // WeaponPool.get_weapon: the first idle weapon object of that weapon, or a new one (the effect it keeps, -1: none).
  int take_pooled(int weapon) {
    for (int k = 0; k < pool_count; ++k) {
      if (pool_weapon[k] != weapon) continue;
      int effect = pool_effect[k];
      for (int j = k + 1; j < pool_count; ++j) pool_weapon[j - 1] = pool_weapon[j], pool_effect[j - 1] = pool_effect[j];
      --pool_count;
      return effect;
    }
    return -1;
  }

  // WeaponPool.return_weapon
  void give_back(int weapon, int effect) {
    if (pool_count == MAX_POOLED) return;  // more than a match can have: only written spawners get here
    pool_weapon[pool_count] = weapon;
    pool_effect[pool_count++] = effect;
  }

  // A dropped weapon leaves the stage: its effect stays where the weapon last was.
  void remove_dropped(Dropped& d) {
    give_back(d.name, d.effect);
    d.weapon = NO_WEAPON;
    d.attached = false;
  }

  void empty_spawner(Spawner& s) {
    give_back(s.weapon, s.effect);
    s.effect = -1;
    s.weapon = NO_WEAPON;
    s.cooldown = rng.randint(s.first_cooldown / 2, static_cast<int>(s.first_cooldown * 1.5));
  }

  void pick_up(Fighter& f, int weapon) {
    const Fighter& other = &f == &fighters[0] ? fighters[1] : fighters[0];
    f.weapon = weapon;
    if (!(other.events & WEAPON_EQUIP_SIGNAL)) f.events |= EQUIPPED_FIRST;
    f.events |= WEAPON_EQUIP_SIGNAL;
  }

  void armory_update() {
    int frame = steps;
    bool reaching[2];
    bool any = false;
    for (int i = 0; i < 2; ++i) {
      reaching[i] = fighters[i].input.held[KEY_H] && fighters[i].state != ATTACK;
      any = any || reaching[i];
    }
    for (int i = 0; i < 2; ++i) {
      Fighter& f = fighters[i];
      if (reaching[i] && f.weapon != PUNCH && f.input.just_pressed[KEY_H] && dropped_count < MAX_DROPPED) {
        Dropped& d = dropped[dropped_count++];
        d.weapon = d.name = f.weapon;
        d.x = f.body.x + DROP_OFFSET_X * f.facing;
        d.y = f.body.y + DROP_OFFSET_Y;
        d.spawned_at = frame;
        d.number = FIRST_DROPPED_ID + drops++;
        d.item = Item(d.x, d.y, weapon_half_width, weapon_half_height);
        d.flipped = f.facing < 0;
        d.effect = -1;
        d.attached = false;
        f.weapon = PUNCH;
        f.pickup_lock = frame + PICKUP_LOCK_FRAMES;
        f.events |= WEAPON_DROP_SIGNAL;
        if (competition_draws_) rng.randint(0, FIRST_SPAWN_MAX);  // the dropped weapon's spawner's unused delay
      }
    }
    if (any) {
      for (int s = 0; s < 2; ++s) {
        Spawner& spawner = spawners[s];
        for (int i = 0; i < 2; ++i) {
          Fighter& f = fighters[i];
          if (!reaching[i] || spawner.weapon == NO_WEAPON || spawner.item_weapon == NO_WEAPON || f.weapon != PUNCH)
            continue;
          if (!f.input.held[KEY_H] || frame - spawner.spawned_at <= SPAWN_SHOW_FRAMES) continue;
          if (!touches(f, spawner.item.world_x, spawner.item.world_y, SPAWNED_PICKUP_HEIGHT)) continue;
          pick_up(f, spawner.weapon);
          spawner.last_spawn = frame;
          empty_spawner(spawner);  // its weapon leaves the stage as the spawners' items are placed below
        }
      }
      int count = dropped_count;
      for (int k = 0; k < count; ++k) {
        Dropped& d = dropped[k];
        for (int i = 0; i < 2; ++i) {
          Fighter& f = fighters[i];
          // One dropped this frame is not there to take until the next (the competition's dropped weapon is a
          // spawner that makes its weapon after the frame's pickups).
          if (!reaching[i] || d.weapon == NO_WEAPON || f.weapon != PUNCH || d.spawned_at == frame) continue;
          if (frame < f.pickup_lock || !f.input.just_pressed[KEY_H]) continue;
          if (!touches(f, d.item.world_x, d.item.world_y, dropped_pickup_height)) continue;
          pick_up(f, d.weapon);
          remove_dropped(d);
        }
      }
    }
    bool room = dropped_count == 0;
    for (int s = 0; s < 2; ++s) {
      Spawner& spawner = spawners[s];
      if (spawner.weapon != NO_WEAPON) {
        if (frame - spawner.spawned_at > WEAPON_LIFETIME) empty_spawner(spawner);
      } else if (frame - spawner.last_spawn >= spawner.cooldown && room) {
        spawner.x = spawner.side * rng.uniform(SPAWNER_X_MIN, SPAWNER_X_MAX);
        spawner.y = spawner.height;
        spawner.weapon = rng.randint(0, 1) == 0 ? SPEAR : HAMMER;
        spawner.spawned_at = spawner.last_spawn = frame;
        spawner.effect = take_pooled(spawner.weapon);
      }
      place_item(spawner);
    }
    int kept = 0;
    for (int k = 0; k < dropped_count; ++k) {
      Dropped& d = dropped[k];
      if (d.weapon != NO_WEAPON && d.spawned_at == frame) {
        show_effect(d);
      } else if (d.weapon != NO_WEAPON && d.effect >= 0) {
        Effect& effect = effects[d.effect];
        effect.x = d.item.world_x, effect.y = d.item.world_y, effect.listed = true;
        effect.flipped = d.flipped;
        d.attached = true;
      }
      if (d.weapon != NO_WEAPON && frame - d.spawned_at >= DROPPED_LIFETIME) remove_dropped(d);
      if (d.weapon != NO_WEAPON) dropped[kept++] = d;
    }
    dropped_count = kept;
  }

  // A weapon dropped this frame takes its weapon object from the pool, and with it the object's effect (a new one,
  // unflipped, if it has none), shown where the weapon appeared.
  void show_effect(Dropped& d) {
    d.effect = take_pooled(d.name);
    if (d.effect < 0) {
      if (effect_count == MAX_POOLED) return;  // more than a match can have
      d.effect = effect_count++;
      effects[d.effect] = Effect();
    }
    Effect& effect = effects[d.effect];
    effect.x = d.x, effect.y = d.y, effect.listed = false;
  }

  // --- observation.py ----------------------------------------------------------------------------
  void fighter_values(const Fighter& f, double* v) const {
    const Body& body = f.body;
    const StateData& s = f.current();
    bool grounded = is_on_floor(f);
    v[0] = clamp(body.x, OBS_MAX_X);
    v[1] = clamp(body.y, OBS_MAX_Y);
    v[2] = clamp(body.vx, OBS_MAX_SPEED);
    v[3] = clamp(body.vy, OBS_MAX_SPEED);
    v[4] = f.facing > 0 ? 1.0 : 0.0;
    v[5] = grounded ? 1.0 : 0.0;
    v[6] = grounded ? 0.0 : 1.0;
    v[7] = s.jumps_left == UNSET ? 0.0 : s.jumps_left;
    v[8] = f.state;
    v[9] = s.recoveries_left == UNSET ? 0.0 : s.recoveries_left;
    v[10] = f.state == DODGE ? s.dodge_timer : 0.0;
    v[11] = f.state == STUN ? s.stun_frames : 0.0;
    v[12] = f.damage / MAX_DAMAGE;
    v[13] = f.stocks;
    v[14] = f.state == ATTACK ? f.move.move_type : 0.0;
    v[15] = f.weapon;
  }

  void stage_values(double* v) const {
    int slot = 0;
    for (int s = 0; s < 2; ++s, ++slot) {
      const Spawner& spawner = spawners[s];
      bool shown = spawner.weapon != NO_WEAPON;
      v[3 * slot] = shown ? spawner.x : 0.0;
      v[3 * slot + 1] = shown ? spawner.y : 0.0;
      v[3 * slot + 2] = shown ? 1.0 : 0.0;
    }
    for (int k = 0; k < dropped_count && slot < 4; ++k, ++slot) {
      const Dropped& d = dropped[k];
      bool shown = d.weapon != NO_WEAPON;
      v[3 * slot] = shown ? clamp(d.x, OBS_MAX_X) : 0.0;
      v[3 * slot + 1] = shown ? clamp(d.y, OBS_MAX_Y) : 0.0;
      v[3 * slot + 2] = shown ? (d.name == SPEAR ? 2.0 : 3.0) : 0.0;
    }
    for (; slot < 4; ++slot) v[3 * slot] = v[3 * slot + 1] = v[3 * slot + 2] = 0.0;
    const Body& p = platform.body;
    v[12] = clamp(p.x, OBS_MAX_X);
    v[13] = clamp(p.y, OBS_MAX_Y);
    v[14] = clamp(p.vx, OBS_MAX_SPEED);
    v[15] = clamp(p.vy, OBS_MAX_SPEED);
  }
};

}  // namespace fighting
