// Python bindings for the native fighting engine (fighting/batch.h): arena._native.FightingBatch.
// Construct it through arena.envs.fighting.native.make_batch, which passes the move table.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "fighting/batch.h"

namespace py = pybind11;
namespace fg = fighting;

namespace {

template <typename T>
T get(const py::dict& d, const char* key) {
  return d[key].cast<T>();
}

bool present(const py::dict& d, const char* key) { return d.contains(key) && !d[key].is_none(); }

fg::XYChange xy_change(const py::dict& d, const char* key) {
  fg::XYChange change;
  if (!present(d, key)) return change;
  auto t = d[key].cast<py::tuple>();
  change.on = true;
  change.x_on = t[0].cast<bool>();
  change.x = t[1].cast<double>();
  change.y_on = t[2].cast<bool>();
  change.y = t[3].cast<double>();
  return change;
}

fg::FrameChange frame_change(const py::dict& d) {
  fg::FrameChange c;
  c.frame = get<int>(d, "frame");
  if (present(d, "pull")) {
    auto t = d["pull"].cast<py::tuple>();
    c.pull = true;
    c.pull_dx = t[0].cast<double>();
    c.pull_dy = t[1].cast<double>();
    c.pull_strength = t[2].cast<double>();
  }
  if (present(d, "velocity_set")) {
    auto t = d["velocity_set"].cast<py::tuple>();
    c.velocity_set = true;
    c.velocity_set_x = t[0].cast<double>();
    c.velocity_set_y = t[1].cast<double>();
  }
  if (present(d, "damp")) {
    auto t = d["damp"].cast<py::tuple>();
    c.damp = true;
    c.damp_x_on = t[0].cast<bool>();
    c.damp_x = t[1].cast<double>();
    c.damp_y_on = t[2].cast<bool>();
    c.damp_y = t[3].cast<double>();
  }
  c.velocity_set_xy = xy_change(d, "velocity_set_xy");
  c.velocity_add_xy = xy_change(d, "velocity_add_xy");
  c.hit_velocity_set_xy = xy_change(d, "hit_velocity_set_xy");
  c.hit_velocity_add_xy = xy_change(d, "hit_velocity_add_xy");
  if (present(d, "hit_position_set")) {
    auto t = d["hit_position_set"].cast<py::tuple>();
    c.hit_position_set = true;
    c.hit_position_x_on = t[0].cast<bool>();
    c.hit_position_dx = t[1].cast<double>();
    c.hit_position_y_on = t[2].cast<bool>();
    c.hit_position_dy = t[3].cast<double>();
  }
  return c;
}

fg::CastData cast_data(const py::dict& d) {
  fg::CastData c;
  c.startup_frames = get<int>(d, "startup_frames");
  c.attack_frames = get<int>(d, "attack_frames");
  c.base_damage = get<double>(d, "base_damage");
  c.variable_force = get<double>(d, "variable_force");
  c.fixed_force = get<double>(d, "fixed_force");
  c.hit_cos = get<double>(d, "hit_cos");
  c.hit_sin = get<double>(d, "hit_sin");
  for (auto box : d["hitboxes"].cast<py::list>()) {
    auto t = box.cast<py::tuple>();
    c.hitboxes.push_back({t[0].cast<double>(), t[1].cast<double>(), t[2].cast<double>(), t[3].cast<double>()});
  }
  if (present(d, "check_dy")) {
    c.check_point = true;
    c.check_dy = get<double>(d, "check_dy");
  }
  for (auto change : d["changes"].cast<py::list>()) c.changes.push_back(frame_change(change.cast<py::dict>()));
  return c;
}

fg::PowerData power_data(const py::dict& d) {
  fg::PowerData p;
  for (auto cast : d["casts"].cast<py::list>()) p.casts.push_back(cast_data(cast.cast<py::dict>()));
  if (p.casts.empty() || p.casts.size() > static_cast<size_t>(fg::MAX_CASTS))
    throw std::invalid_argument("FightingBatch: a power needs 1 to " + std::to_string(fg::MAX_CASTS) + " casts");
  p.recovery_frames = get<int>(d, "recovery_frames");
  p.min_charge = get<int>(d, "min_charge");
  p.stun_time = get<int>(d, "stun_time");
  p.is_charge = get<bool>(d, "is_charge");
  p.hit_all_hit_agents = get<bool>(d, "hit_all_hit_agents");
  p.target_all_hit_agents = get<bool>(d, "target_all_hit_agents");
  p.transition_on_instant_hit = get<bool>(d, "transition_on_instant_hit");
  p.allow_left_right_mobility = get<bool>(d, "allow_left_right_mobility");
  p.enable_floor_drag = get<bool>(d, "enable_floor_drag");
  if (present(d, "on_hit_velocity")) {
    auto t = d["on_hit_velocity"].cast<py::tuple>();
    p.on_hit_velocity = true;
    p.on_hit_velocity_x = t[0].cast<double>();
    p.on_hit_velocity_y = t[1].cast<double>();
  }
  p.on_hit = get<int>(d, "on_hit");
  p.on_miss = get<int>(d, "on_miss");
  p.on_ground = get<int>(d, "on_ground");
  p.last_power = get<bool>(d, "last_power");
  return p;
}

fg::MoveTable move_table(const py::list& weapons) {
  if (weapons.size() != fg::WEAPONS) throw std::invalid_argument("FightingBatch: the move table needs 3 weapons");
  fg::MoveTable table;
  for (int w = 0; w < fg::WEAPONS; ++w) {
    auto row = weapons[static_cast<size_t>(w)].cast<py::list>();
    for (int m = fg::NLIGHT; m <= fg::GROUNDPOUND; ++m) {
      if (static_cast<int>(row.size()) <= m || row[static_cast<size_t>(m)].is_none())
        throw std::invalid_argument("FightingBatch: the move table lacks weapon " + std::to_string(w) + "'s move " +
                                    std::to_string(m));
      auto d = row[static_cast<size_t>(m)].cast<py::dict>();
      fg::MoveData& move = table.moves[w][m];
      move.initial = get<int>(d, "initial");
      move.key = get<int>(d, "key");
      for (auto power : d["powers"].cast<py::list>()) move.powers.push_back(power_data(power.cast<py::dict>()));
      int count = static_cast<int>(move.powers.size());
      auto valid = [count](int index) { return index >= -1 && index < count; };
      bool ok = move.initial >= 0 && move.initial < count && (move.key == fg::KEY_J || move.key == fg::KEY_K);
      for (const fg::PowerData& p : move.powers) ok = ok && valid(p.on_hit) && valid(p.on_miss) && valid(p.on_ground);
      if (!ok) throw std::invalid_argument("FightingBatch: weapon " + std::to_string(w) + "'s move " +
                                           std::to_string(m) + " names a power it does not have");
    }
  }
  return table;
}

void check_game(const fg::Batch& b, int i) {
  if (i < 0 || i >= b.size())
    throw py::index_error("FightingBatch: game " + std::to_string(i) + " out of range 0.." +
                          std::to_string(b.size() - 1));
}

void check_fighter(int j) {
  if (j != 0 && j != 1) throw py::index_error("FightingBatch: fighter must be 0 or 1, got " + std::to_string(j));
}

template <typename T>
py::array_t<T> view(py::object owner, T* data, std::vector<py::ssize_t> shape) {
  return py::array_t<T>(shape, data, owner);
}

template <typename T>
void step_with(fg::Batch& b, const py::array& actions) {
  auto typed = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(actions);
  if (!typed || typed.ndim() != 3 || typed.shape(0) != b.size() || typed.shape(1) != 2 || typed.shape(2) != fg::KEYS)
    throw std::invalid_argument("FightingBatch.step: actions must have shape (" + std::to_string(b.size()) +
                                ", 2, 10)");
  const T* data = typed.data();
  py::gil_scoped_release release;
  b.step(data);
}

const char* const STATE_NAMES[fg::STATES] = {"walking", "standing",  "turnaround", "air_turnaround", "sprinting",
                                             "stun",    "in_air",    "dodge",      "attack",         "dash",
                                             "backdash", "KO",       "taunt"};
const char* const WEAPON_NAMES[3] = {"Punch", "Spear", "Hammer"};

py::dict fighter_state(const fg::Game& g, int j) {
  const fg::Fighter& f = g.fighters[j];
  const fg::StateData& s = f.current();
  auto optional = [](int value) -> py::object { return value == fg::UNSET ? py::none() : py::object(py::int_(value)); };
  py::dict d;
  d["x"] = f.body.x;
  d["y"] = f.body.y;
  d["vx"] = f.body.vx;
  d["vy"] = f.body.vy;
  d["angle"] = f.body.angle;
  d["angular_velocity"] = f.body.angular_velocity;
  d["prev_x"] = f.prev_x;
  d["prev_y"] = f.prev_y;
  d["hurtbox"] = py::make_tuple(f.hurt_x, f.hurt_y);
  d["gravity"] = f.body.gravity;
  d["facing"] = f.facing;
  d["state"] = f.state;
  d["state_name"] = STATE_NAMES[f.state];
  d["on_floor"] = g.is_on_floor(f);
  d["jumps_left"] = optional(s.jumps_left);
  d["recoveries_left"] = optional(s.recoveries_left);
  d["jump_timer"] = optional(s.jump_timer);
  d["dodge_timer"] = s.dodge_timer;
  d["stun_frames"] = s.stun_frames;
  d["timers"] = py::make_tuple(s.dash_timer, s.turnaround_timer, s.backdash_timer, s.timer, s.taunt_timer);
  d["grounded_dodge"] = f.states[fg::DODGE].grounded;
  d["invincible_timer"] = s.invincible_timer;
  d["dodge_cooldown"] = s.dodge_cooldown;
  d["move_type"] = f.state == fg::ATTACK ? py::object(py::int_(f.move.move_type)) : py::none();
  d["move_weapon"] = WEAPON_NAMES[f.move.weapon];
  d["move_frame"] = f.move.frame;
  d["power"] = f.move.power.index;  // the move's power being played (index into the move's powers)
  d["cast"] = f.move.power.cast_idx;
  d["cast_frame"] = f.move.power.cast_frames[f.move.power.cast_idx];  // frames played of that cast
  const fg::Input& in = f.input;
  d["held"] = std::vector<bool>(in.held, in.held + fg::KEYS);
  d["just_pressed"] = std::vector<bool>(in.just_pressed, in.just_pressed + fg::KEYS);
  d["just_released"] = std::vector<bool>(in.just_released, in.just_released + fg::KEYS);
  d["horizontal"] = in.horizontal;  // inputs.HorizontalState's value
  d["damage"] = f.damage;
  d["damage_taken_this_frame"] = f.damage_taken_this_frame;
  d["damage_taken_this_stock"] = f.damage_taken_this_stock;
  d["damage_taken_total"] = f.damage_taken_total;
  d["damage_done"] = f.damage_done;
  d["stocks"] = f.stocks;
  d["weapon"] = WEAPON_NAMES[f.weapon];
  d["just_got_hit"] = f.just_got_hit;
  d["hitbox_live"] = f.hitbox_live;
  d["hit_frames"] = f.hit_frames;
  d["last_hit_point"] = py::make_tuple(f.last_hit_x, f.last_hit_y);
  d["spawn"] = py::make_tuple(f.spawn_x, f.spawn_y);
  d["events"] = f.events;
  std::vector<float> keys(f.action, f.action + fg::KEYS);
  d["action"] = keys;
  return d;
}

// The weapons lying about, as weapons.Armory.lying() lists them: (key, name, x, y, vx, vy, world_x,
// world_y, dropped, shown_x, shown_y, spawned_at, effect, flipped) each (effect: its index in effects(), -1: none;
// flipped: a dropped one's fighter faced left).
py::list lying(const fg::Game& g) {
  fg::LyingAt found[fg::MAX_ITEMS];
  int count = g.lying(found);
  py::list items;
  for (int i = 0; i < count; ++i) {
    const fg::LyingAt& at = found[i];
    const fg::Item& item = g.item(at);
    const fg::Body& body = item.body;
    bool dropped = at.kind == 1;
    std::string key;
    int weapon;
    double shown_x, shown_y;
    int effect;
    bool flipped = false;
    if (dropped) {
      const fg::Dropped& d = g.dropped[at.index];
      weapon = d.name;
      key = "Dropped" + std::string(WEAPON_NAMES[weapon]) + std::to_string(d.number);
      shown_x = d.x;
      shown_y = d.y;
      effect = d.effect;
      flipped = d.flipped;
    } else {
      const fg::Spawner& s = g.spawners[at.index];
      weapon = s.item_weapon;
      key = WEAPON_NAMES[weapon] + std::to_string(at.index);
      shown_x = s.item_x;
      shown_y = s.item_y;
      effect = s.effect;
    }
    items.append(py::make_tuple(key, WEAPON_NAMES[weapon], body.x, body.y, body.vx, body.vy, item.world_x,
                                item.world_y, dropped, shown_x, shown_y, at.spawned_at, effect, flipped));
  }
  return items;
}

// The dropped weapons' effects (weapons.SpawnerVFX): (x, y, flipped, listed) each.
py::list effects(const fg::Game& g) {
  py::list found;
  for (int k = 0; k < g.effect_count; ++k) {
    const fg::Effect& e = g.effects[k];
    found.append(py::make_tuple(e.x, e.y, e.flipped, e.listed));
  }
  return found;
}

py::dict game_state(const fg::Game& g) {
  py::dict d;
  d["steps"] = g.steps;
  d["max_frames"] = g.max_frames;
  d["terminated"] = g.terminated;
  d["truncated"] = g.truncated;
  d["winner"] = g.winner < 0 ? py::none() : py::object(py::int_(g.winner));
  d["fighters"] = py::make_tuple(fighter_state(g, 0), fighter_state(g, 1));
  const fg::Body& p = g.platform.body;
  d["platform"] = py::make_tuple(p.x, p.y, p.vx, p.vy);
  d["weapons"] = lying(g);
  py::list spawners;  // weapons.Spawner's state: weapon (None when empty), x, y, spawned_at, last_spawn, cooldown
  for (const fg::Spawner& s : g.spawners) {
    py::dict spawner;
    spawner["weapon"] = s.weapon == fg::NO_WEAPON ? py::none() : py::object(py::str(WEAPON_NAMES[s.weapon]));
    spawner["x"] = s.x;
    spawner["y"] = s.y;
    spawner["spawned_at"] = s.spawned_at;
    spawner["last_spawn"] = s.last_spawn;
    spawner["cooldown"] = s.cooldown;
    spawners.append(spawner);
  }
  d["spawners"] = spawners;
  return d;
}

// state_numbers' layout: FIGHTER_NUMBERS values for each fighter, then STAGE_NUMBERS (see
// arena.envs.fighting.native, which names them).
constexpr int FIGHTER_FIELDS = 46;  // then the keys held, just pressed and just released
constexpr int FIGHTER_NUMBERS = FIGHTER_FIELDS + 3 * fg::KEYS, STAGE_NUMBERS = 4 + 2 * 6 + 1;

void fighter_numbers(const fg::Game& g, int j, double* v) {
  const fg::Fighter& f = g.fighters[j];
  const fg::StateData& s = f.current();
  auto optional = [](int value) { return value == fg::UNSET ? NAN : static_cast<double>(value); };
  const double numbers[FIGHTER_FIELDS] = {
      f.body.x, f.body.y, f.body.vx, f.body.vy, f.body.angle, f.body.angular_velocity, double(f.body.gravity),
      f.prev_x, f.prev_y, f.hurt_x, f.hurt_y,
      double(f.facing), double(f.state), optional(s.jumps_left), optional(s.recoveries_left), optional(s.jump_timer),
      double(s.invincible_timer), double(s.dodge_cooldown), double(s.dodge_timer), double(s.stun_frames),
      double(f.states[fg::DODGE].grounded), double(s.dash_timer), double(s.turnaround_timer),
      double(s.backdash_timer), double(s.timer), double(s.taunt_timer), double(f.move.move_type),
      double(f.move.weapon), double(f.move.power.index), double(f.move.power.cast_idx),
      double(f.move.power.cast_frames[f.move.power.cast_idx]), double(f.move.frame), f.damage,
      f.damage_taken_this_frame, f.damage_taken_this_stock, f.damage_taken_total, f.damage_done, double(f.stocks),
      double(f.weapon), double(f.just_got_hit), double(f.hitbox_live), double(f.hit_frames), f.last_hit_x,
      f.last_hit_y, double(f.input.horizontal), double(f.left_state)};
  std::copy(numbers, numbers + FIGHTER_FIELDS, v);
  for (int k = 0; k < fg::KEYS; ++k) {
    v[FIGHTER_FIELDS + k] = f.input.held[k];
    v[FIGHTER_FIELDS + fg::KEYS + k] = f.input.just_pressed[k];
    v[FIGHTER_FIELDS + 2 * fg::KEYS + k] = f.input.just_released[k];
  }
}

py::array_t<double> state_numbers(const fg::Game& g) {
  py::array_t<double> out(2 * FIGHTER_NUMBERS + STAGE_NUMBERS);
  double* v = out.mutable_data();
  fighter_numbers(g, 0, v);
  fighter_numbers(g, 1, v + FIGHTER_NUMBERS);
  double* stage = v + 2 * FIGHTER_NUMBERS;
  const fg::Body& p = g.platform.body;
  stage[0] = p.x;
  stage[1] = p.y;
  stage[2] = p.vx;
  stage[3] = p.vy;
  for (int k = 0; k < 2; ++k) {
    const fg::Spawner& s = g.spawners[k];
    double* at = stage + 4 + 6 * k;
    at[0] = s.weapon;
    at[1] = s.x;
    at[2] = s.y;
    at[3] = s.spawned_at;
    at[4] = s.last_spawn;
    at[5] = s.cooldown;
  }
  stage[4 + 2 * 6] = g.platform.moving_to_w2;
  return out;
}

// What a pickled batch's bytes were laid out by: batches carry over between processes of one build.
std::string snapshot_layout() {
  const uint16_t one = 1;
  const bool little_endian = *reinterpret_cast<const unsigned char*>(&one) == 1;
  return "arena-fighting-batch/1 game=" + std::to_string(sizeof(fg::Game)) + " fighter=" +
         std::to_string(sizeof(fg::Fighter)) + " rng=" + std::to_string(sizeof(fg::PyRandom)) +
         (little_endian ? " little-endian" : " big-endian");
}

py::tuple pickled(const fg::Batch& b) {
  const fg::Options& o = b.options();
  return py::make_tuple(snapshot_layout(), b.size(), o.stocks, o.max_frames, b.first_on_right(), b.threads(),
                        b.autoreset(), o.pixels_per_unit, o.platform_pauses, o.competition_draws,
                        py::bytes(b.snapshot()));
}

fg::Batch* unpickled(const py::tuple& t) {
  std::string layout = t.size() && py::isinstance<py::str>(t[0]) ? t[0].cast<std::string>() : "no layout";
  if (t.size() != 11 || layout != snapshot_layout())
    throw std::invalid_argument("FightingBatch: this pickle was made by another build of arena's native engine (" +
                                layout + "; this build: " + snapshot_layout() +
                                "): games in play carry over only between processes of one build");
  fg::Options options;
  options.stocks = t[2].cast<int>();
  options.max_frames = t[3].cast<int>();
  options.pixels_per_unit = t[7].cast<double>();
  options.platform_pauses = t[8].cast<bool>();
  options.competition_draws = t[9].cast<bool>();
  py::list moves = py::module_::import("arena.envs.fighting.native").attr("move_table")();
  std::vector<uint64_t> seeds(t[1].cast<size_t>(), 0);  // the games' state comes from the snapshot
  auto* batch = new fg::Batch(move_table(moves), seeds, options, t[4].cast<int>(), t[5].cast<int>(),
                              t[6].cast<bool>());
  batch->restore(t[10].cast<std::string>());
  return batch;
}

int weapon_index(const std::string& name, bool allow_none) {
  for (int w = 0; w < 3; ++w)
    if (name == WEAPON_NAMES[w] && (w != fg::PUNCH || !allow_none)) return w;
  throw std::invalid_argument("FightingBatch: weapon must be " +
                              std::string(allow_none ? "None, " : "\"Punch\", ") + "\"Spear\" or \"Hammer\", got \"" +
                              name + "\"");
}

}  // namespace

void bind_fighting(py::module_& m) {
  py::class_<fg::Batch>(m, "FightingBatch",
                        "N fighting games stepped together (see arena.envs.fighting.native.make_batch).")
      .def(py::init([](const py::list& moves, const std::vector<uint64_t>& seeds, int stocks, int max_frames,
                       int first_on_right, int threads, bool autoreset, double pixels_per_unit,
                       bool platform_pauses, bool competition_draws) {
             if (seeds.empty()) throw std::invalid_argument("FightingBatch: needs at least one game (seed)");
             if (stocks < 1 || max_frames < 1)
               throw std::invalid_argument("FightingBatch: stocks and max_frames must be at least 1, got " +
                                           std::to_string(stocks) + " and " + std::to_string(max_frames));
             if (threads < 1) throw std::invalid_argument("FightingBatch: threads must be at least 1");
             if (!(pixels_per_unit > 0))
               throw std::invalid_argument("FightingBatch: pixels_per_unit must be positive, got " +
                                           std::to_string(pixels_per_unit));
             fg::Options options;
             options.stocks = stocks;
             options.max_frames = max_frames;
             options.pixels_per_unit = pixels_per_unit;
             options.platform_pauses = platform_pauses;
             options.competition_draws = competition_draws;
             return new fg::Batch(move_table(moves), seeds, options, first_on_right < 0 ? -1 : (first_on_right ? 1 : 0),
                                  threads, autoreset);
           }),
           py::arg("moves"), py::arg("seeds"), py::arg("stocks") = 3, py::arg("max_frames") = 2700,
           py::arg("first_on_right") = -1, py::arg("threads") = 1, py::arg("autoreset") = true,
           py::arg("pixels_per_unit") = 48.0, py::arg("platform_pauses") = true,
           py::arg("competition_draws") = false)
      .def("__copy__", [](const fg::Batch& b) { return new fg::Batch(b); })
      .def(
          "__deepcopy__", [](const fg::Batch& b, py::dict) { return new fg::Batch(b); }, py::arg("memo"),
          "An independent copy: every game where it stands, seeds, buffers and threads.")
      .def(py::pickle(&pickled, &unpickled))
      .def("__len__", &fg::Batch::size)
      .def_property_readonly("size", &fg::Batch::size)
      .def_property_readonly("threads", &fg::Batch::threads)
      .def_property_readonly("autoreset", &fg::Batch::autoreset)
      .def_property_readonly(
          "pixels_per_unit", [](const fg::Batch& b) { return b.options().pixels_per_unit; },
          "The render scale that sizes its weapons (CameraResolution.pixels_per_unit).")
      .def(
          "step",
          [](fg::Batch& b, const py::array& actions) {
            auto dtype = actions.dtype();
            if (dtype.is(py::dtype::of<int8_t>()) || dtype.is(py::dtype("bool")))
              step_with<int8_t>(b, actions);
            else if (dtype.is(py::dtype::of<uint8_t>()))
              step_with<uint8_t>(b, actions);
            else if (dtype.is(py::dtype::of<double>()))
              step_with<double>(b, actions);
            else
              step_with<float>(b, actions);
          },
          py::arg("actions"),
          "One frame of every game from actions of shape (N, 2, 10) (> 0.5 presses a key; float32, float64, "
          "int8, uint8 and bool are read as they are, other types as float32); the observation, reward and done "
          "arrays are rewritten in place.")
      .def(
          "reset",
          [](fg::Batch& b, py::object index, py::object seed) {
            if (index.is_none()) {
              if (!seed.is_none()) throw std::invalid_argument("FightingBatch.reset: a seed needs a game index");
              for (int i = 0; i < b.size(); ++i) b.reset(i);
              return;
            }
            int i = index.cast<int>();
            check_game(b, i);
            if (seed.is_none())
              b.reset(i);
            else
              b.reset(i, true, seed.cast<uint64_t>());
          },
          py::arg("index") = py::none(), py::arg("seed") = py::none(),
          "Restart game `index` (all games when None): with `seed`, as env.reset(seed=seed); else as the env's "
          "next env.reset().")
      .def(
          "reset_game",
          [](fg::Batch& b, int i, py::object game_seed, py::object first_on_right) {
            check_game(b, i);
            int side = first_on_right.is_none() ? -1 : (first_on_right.cast<bool>() ? 1 : 0);
            if (game_seed.is_none())
              b.reset_game(i, 0, side, false);
            else
              b.reset_game(i, game_seed.cast<uint64_t>(), side);
          },
          py::arg("index"), py::arg("game_seed"), py::arg("first_on_right") = py::none(),
          "Restart game `index` as arena.envs.fighting.game.Game(random.Random(game_seed), "
          "first_on_right=first_on_right) starts (None: the batch's setting); game_seed None draws on from "
          "the game's generator as it stands (set_rng_state).")
      .def(
          "rng_state",
          [](const fg::Batch& b, int i) {
            check_game(b, i);
            uint32_t words[fg::PyRandom::STATE_SIZE];
            b.game(i).rng.get_state(words);
            py::tuple out(fg::PyRandom::STATE_SIZE);
            for (int k = 0; k < fg::PyRandom::STATE_SIZE; ++k) out[k] = py::int_(words[k]);
            return out;
          },
          py::arg("index"),
          "Game `index`'s generator state as random.getstate()[1] holds one (624 words, then the position).")
      .def(
          "set_rng_state",
          [](fg::Batch& b, int i, const py::tuple& state) {
            check_game(b, i);
            if (state.size() != fg::PyRandom::STATE_SIZE)
              throw std::invalid_argument("FightingBatch.set_rng_state: a state has 625 numbers "
                                          "(random.getstate()[1]), got " + std::to_string(state.size()));
            uint32_t words[fg::PyRandom::STATE_SIZE];
            for (int k = 0; k < fg::PyRandom::STATE_SIZE; ++k) words[k] = state[k].cast<uint32_t>();
            if (words[fg::PyRandom::STATE_SIZE - 1] > 624)
              throw std::invalid_argument("FightingBatch.set_rng_state: the position (the last number) is at most 624");
            b.game(i).rng.set_state(words);
          },
          py::arg("index"), py::arg("state"),
          "Set game `index`'s generator to a Python generator's state (random.getstate()[1]).")
      .def(
          "rng_draws",
          [](const fg::Batch& b, int i) {
            check_game(b, i);
            return b.game(i).rng.draws();
          },
          py::arg("index"), "How many 32-bit words game `index`'s generator has drawn: whether a step drew.")
      .def_property_readonly("observations",
                             [](py::object self) {
                               auto& b = self.cast<fg::Batch&>();
                               return view(self, b.observations(), {b.size(), 2, fg::OBS_SIZE});
                             })
      .def(
          "observations_of",
          [](const fg::Batch& b, int i) {
            check_game(b, i);
            py::array_t<double> out({2, fg::OBS_SIZE});
            b.game(i).observe(out.mutable_data());
            return out;
          },
          py::arg("index"),
          "Game `index`'s observations (fighter 0's, fighter 1's) as a new float64 array (2, 64), as the competition's "
          "env hands them (`observations` holds them rounded to float32).")
      .def_property_readonly("terminal_observations",
                             [](py::object self) {
                               auto& b = self.cast<fg::Batch&>();
                               return view(self, b.terminal_observations(), {b.size(), 2, fg::OBS_SIZE});
                             })
      .def_property_readonly("rewards",
                             [](py::object self) {
                               auto& b = self.cast<fg::Batch&>();
                               return view(self, b.rewards(), {b.size(), 2});
                             })
      .def_property_readonly("terminated",
                             [](py::object self) {
                               auto& b = self.cast<fg::Batch&>();
                               return py::array(py::dtype("bool"), {b.size()}, {1}, b.terminated(), self);
                             })
      .def_property_readonly("truncated",
                             [](py::object self) {
                               auto& b = self.cast<fg::Batch&>();
                               return py::array(py::dtype("bool"), {b.size()}, {1}, b.truncated(), self);
                             })
      .def_property_readonly("events",
                             [](py::object self) {
                               auto& b = self.cast<fg::Batch&>();
                               return view(self, b.events(), {b.size(), 2});
                             })
      .def(
          "lying",
          [](const fg::Batch& b, int i) {
            check_game(b, i);
            return lying(b.game(i));
          },
          py::arg("index"),
          "The weapons lying about in game `index`, in the order they appeared: (key, name, x, y, vx, vy, world_x, "
          "world_y, dropped, shown_x, shown_y, spawned_at, effect, flipped) each, keyed as weapons.Armory.lying() keys "
          "them; effect: the weapon's effect's index in effects() (-1: none); flipped: a dropped one's fighter faced "
          "left.")
      .def(
          "effects",
          [](const fg::Batch& b, int i) {
            check_game(b, i);
            return effects(b.game(i));
          },
          py::arg("index"),
          "The effects of the weapons dropped in game `index` (the competition's DroppedVFX<n>), in the order they "
          "were first shown: (x, y, flipped, listed) each; listed: its place follows its weapon's.")
      .def(
          "state",
          [](const fg::Batch& b, int i) {
            check_game(b, i);
            return game_state(b.game(i));
          },
          py::arg("index"),
          "Game `index` as a dict: steps, terminated, truncated, winner, both fighters (position, velocity, "
          "state, damage, stocks, weapon, ...), the platform (x, y, vx, vy) and the weapons on the stage.")
      .def(
          "set_position",
          [](fg::Batch& b, int i, int j, double x, double y) {
            check_game(b, i);
            check_fighter(j);
            b.game(i).fighters[j].body.x = x;
            b.game(i).fighters[j].body.y = y;
            b.observe(i);
          },
          py::arg("index"), py::arg("fighter"), py::arg("x"), py::arg("y"),
          "Place fighter `fighter` of game `index` (as `fighter.body.position = (x, y)` does in the Python game).")
      .def(
          "state_numbers",
          [](const fg::Batch& b, int i) {
            check_game(b, i);
            return state_numbers(b.game(i));
          },
          py::arg("index"),
          "Game `index`'s fighters and stage as one float64 array (what `state` reports, numbered; "
          "arena.envs.fighting.native names the positions).")
      .def(
          "set_fighter",
          [](fg::Batch& b, int i, int j, py::object x, py::object y, py::object vx, py::object vy, py::object facing,
             py::object damage, py::object weapon, py::object stocks) {
            check_game(b, i);
            check_fighter(j);
            fg::Fighter& f = b.game(i).fighters[j];
            if (!x.is_none()) f.body.x = x.cast<double>();
            if (!y.is_none()) f.body.y = y.cast<double>();
            if (!vx.is_none()) f.body.vx = vx.cast<double>();
            if (!vy.is_none()) f.body.vy = vy.cast<double>();
            if (!facing.is_none()) f.facing = facing.cast<int>() > 0 ? 1 : -1;
            if (!damage.is_none()) f.damage = damage.cast<double>();
            if (!weapon.is_none()) f.weapon = weapon_index(weapon.cast<std::string>(), false);
            if (!stocks.is_none()) f.stocks = stocks.cast<int>();
            b.observe(i);
          },
          py::arg("index"), py::arg("fighter"), py::arg("x") = py::none(), py::arg("y") = py::none(),
          py::arg("vx") = py::none(), py::arg("vy") = py::none(), py::arg("facing") = py::none(),
          py::arg("damage") = py::none(), py::arg("weapon") = py::none(), py::arg("stocks") = py::none(),
          "Change fighter `fighter` of game `index` as writing to the Python game's fighter does: its body's "
          "position and velocity, facing (+1 right, -1 left), damage, weapon and stocks (None leaves one as it is).")
      .def(
          "set_spawner",
          [](fg::Batch& b, int i, int slot, py::object weapon, double x, double y, int spawned_at,
             py::object cooldown) {
            check_game(b, i);
            if (slot != 0 && slot != 1)
              throw py::index_error("FightingBatch: spawner must be 0 (right) or 1 (left), got " +
                                    std::to_string(slot));
            fg::Spawner& s = b.game(i).spawners[slot];
            s.weapon = weapon.is_none() ? fg::NO_WEAPON : weapon_index(weapon.cast<std::string>(), true);
            s.x = x;
            s.y = y;
            s.spawned_at = spawned_at;
            if (!cooldown.is_none()) s.cooldown = cooldown.cast<int>();
            b.observe(i);
          },
          py::arg("index"), py::arg("spawner"), py::arg("weapon"), py::arg("x"), py::arg("y"), py::arg("spawned_at"),
          py::arg("cooldown") = py::none(),
          "Show `weapon` (None: nothing) at (x, y) on spawner `spawner` of game `index` since frame `spawned_at` "
          "(a new weapon body there from the next step on), and set its cooldown if given.")
      .def(
          "positions",
          [](const fg::Batch& b) {
            py::array_t<double> out({b.size(), 2, 4});
            auto r = out.mutable_unchecked<3>();
            for (int i = 0; i < b.size(); ++i)
              for (int j = 0; j < 2; ++j) {
                const fg::Body& body = b.game(i).fighters[j].body;
                r(i, j, 0) = body.x;
                r(i, j, 1) = body.y;
                r(i, j, 2) = body.vx;
                r(i, j, 3) = body.vy;
              }
            return out;
          },
          "Every fighter's x, y, vx, vy in double precision, shape (N, 2, 4).")
      .def(
          "damage_this_frame",
          [](const fg::Batch& b) {
            py::array_t<double> out({b.size(), 2});
            auto r = out.mutable_unchecked<2>();
            for (int i = 0; i < b.size(); ++i)
              for (int j = 0; j < 2; ++j) r(i, j) = b.game(i).fighters[j].damage_taken_this_frame;
            return out;
          },
          "Every fighter's damage taken on the last frame (percent, double precision, the reward code's "
          "`damage_taken_this_frame`), shape (N, 2).");
}
