// The competition's move data as the fighting engine plays it (envs/fighting/powers.py): moves
// made of powers, powers made of casts, casts with hitboxes and per-frame velocity changes.
// The numbers come from Python (arena.envs.fighting.native.move_table()), already in game units
// and 30 frames a second, so both engines read the same move_table.json.
#pragma once

#include <vector>

namespace fighting {

constexpr int WEAPONS = 3;      // Punch, Spear, Hammer
constexpr int MOVE_TYPES = 13;  // indexed by MoveType's value (2..12 are attacks)
constexpr int MAX_CASTS = 12;

// (set/add x?, x, set/add y?, y), y already pointing down; `on` false when the data has none.
struct XYChange {
  bool on = false, x_on = false, y_on = false;
  double x = 0, y = 0;
};

struct FrameChange {
  int frame = 0;
  bool pull = false;
  double pull_dx = 0, pull_dy = 0, pull_strength = 0;  // game units, strength per second
  bool velocity_set = false;
  double velocity_set_x = 0, velocity_set_y = 0;
  bool damp = false, damp_x_on = false, damp_y_on = false;
  double damp_x = 1, damp_y = 1;
  XYChange velocity_set_xy, velocity_add_xy, hit_velocity_set_xy, hit_velocity_add_xy;
  bool hit_position_set = false, hit_position_x_on = false, hit_position_y_on = false;
  double hit_position_dx = 0, hit_position_dy = 0;  // game units
};

struct Hitbox {
  double dx, dy, width, height;
};

struct CastData {
  int startup_frames = 0, attack_frames = 0;
  double base_damage = 0, variable_force = 0, fixed_force = 0;
  double hit_cos = 1, hit_sin = 0;  // cos and -sin of the hit angle (the cast's, else its power's)
  std::vector<Hitbox> hitboxes;
  bool check_point = false;
  double check_dy = 0;  // the last collision check point's height offset
  std::vector<FrameChange> changes;

  const FrameChange* change_at(int frame) const {
    for (const FrameChange& change : changes)
      if (change.frame == frame) return &change;
    return nullptr;
  }
};

struct PowerData {
  std::vector<CastData> casts;
  int recovery_frames = 0, min_charge = 0, stun_time = 0;
  bool is_charge = false, hit_all_hit_agents = false, target_all_hit_agents = false;
  bool transition_on_instant_hit = false, allow_left_right_mobility = false, enable_floor_drag = false;
  bool on_hit_velocity = false;
  double on_hit_velocity_x = 0, on_hit_velocity_y = 0;
  int on_hit = -1, on_miss = -1, on_ground = -1;
  bool last_power = true;
};

struct MoveData {
  std::vector<PowerData> powers;
  int initial = 0;
  int key = 7;  // the action index that drives it: j (7) or k (8)
};

struct MoveTable {
  MoveData moves[WEAPONS][MOVE_TYPES];
};

}  // namespace fighting
