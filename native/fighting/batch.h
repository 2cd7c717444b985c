// N fighting games stepped together on a few threads: actions (N, 2, 10) in, observations
// (N, 2, 64), rewards (N, 2) and done flags out, into buffers the caller reads without copies.
// Each game's seeds follow the env's: game i plays as env.reset(seed=seeds[i]) would, and each
// automatic reset after it as the env's next env.reset() would.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../search_threads.h"
#include "game.h"

namespace fighting {

class Batch {
 public:
  // first_on_right: -1 draws the side from each game's seed (the env's way), 0 or 1 fixes it.
  Batch(const MoveTable& table, const std::vector<uint64_t>& seeds, const Options& options, int first_on_right,
        int threads, bool autoreset)
      : table_(table), options_(options), first_on_right_(first_on_right), autoreset_(autoreset),
        size_(static_cast<int>(seeds.size())), games_(seeds.size()), seeders_(seeds.size()),
        track_(platform_track(options.max_frames, options.platform_pauses)), observations_(seeds.size() * 2 * OBS_SIZE),
        terminal_observations_(seeds.size() * 2 * OBS_SIZE),
        rewards_(seeds.size() * 2), terminated_(seeds.size()), truncated_(seeds.size()), events_(seeds.size() * 2),
        pool_(std::max(1, std::min(threads, std::max(1, static_cast<int>(seeds.size()))))) {
    for (int i = 0; i < size_; ++i) reset(i, true, seeds[static_cast<size_t>(i)]);
  }

  // An independent copy: every game where it stands, its seeds and buffers, the same number of threads.
  Batch(const Batch& other)
      : table_(other.table_), options_(other.options_), first_on_right_(other.first_on_right_),
        autoreset_(other.autoreset_), size_(other.size_), games_(other.games_), seeders_(other.seeders_),
        track_(other.track_), observations_(other.observations_),
        terminal_observations_(other.terminal_observations_), rewards_(other.rewards_),
        terminated_(other.terminated_), truncated_(other.truncated_), events_(other.events_),
        pool_(other.pool_.threads()) {
    for (Game& g : games_) g.rebind(&table_, track_.data(), static_cast<int>(track_.size()));
  }
  Batch& operator=(const Batch&) = delete;

  int size() const { return size_; }
  int threads() const { return pool_.threads(); }
  bool autoreset() const { return autoreset_; }
  int first_on_right() const { return first_on_right_; }
  const Options& options() const { return options_; }
  Game& game(int i) { return games_[static_cast<size_t>(i)]; }
  const Game& game(int i) const { return games_[static_cast<size_t>(i)]; }

  float* observations() { return observations_.data(); }
  float* terminal_observations() { return terminal_observations_.data(); }
  float* rewards() { return rewards_.data(); }
  uint8_t* terminated() { return terminated_.data(); }
  uint8_t* truncated() { return truncated_.data(); }
  int32_t* events() { return events_.data(); }

  // Restart game i: with `reseed`, as env.reset(seed=seed); else as the env's next env.reset().
  void reset(int i, bool reseed = false, uint64_t seed = 0) {
    if (reseed) seeders_[static_cast<size_t>(i)].seed(seed);
    Game& g = game(i);
    g.reset(&table_, seeders_[static_cast<size_t>(i)].getrandbits64(), options_, first_on_right_, track_.data(),
            static_cast<int>(track_.size()));
    g.observe(&observations_[static_cast<size_t>(i) * 2 * OBS_SIZE]);
    terminated_[static_cast<size_t>(i)] = truncated_[static_cast<size_t>(i)] = 0;
    rewards_[2 * static_cast<size_t>(i)] = rewards_[2 * static_cast<size_t>(i) + 1] = 0.0f;
  }

  // Restart game i on the game seed itself, as Game(random.Random(game_seed), first_on_right=...) does
  // (first_on_right < 0: the batch's setting); without `reseed`, drawing on from the game's generator.
  void reset_game(int i, uint64_t game_seed, int first_on_right = -1, bool reseed = true) {
    Game& g = game(i);
    g.reset(&table_, game_seed, options_, first_on_right < 0 ? first_on_right_ : first_on_right, track_.data(),
            static_cast<int>(track_.size()), reseed);
    g.observe(&observations_[static_cast<size_t>(i) * 2 * OBS_SIZE]);
    terminated_[static_cast<size_t>(i)] = truncated_[static_cast<size_t>(i)] = 0;
    rewards_[2 * static_cast<size_t>(i)] = rewards_[2 * static_cast<size_t>(i) + 1] = 0.0f;
  }

  // Every game where it stands, its generators and the buffers the caller reads, as bytes (for pickling):
  // restore() into a batch made with the same size and options gives back this one. The bytes are this
  // build's memory layout: kept from process to process on one machine, not across builds of the engine.
  std::string snapshot() const {
    std::string out;
    out.reserve(snapshot_size());
    each_part(*this, [&](const auto& part) {
      out.append(reinterpret_cast<const char*>(part.data()), part.size() * sizeof(part[0]));
    });
    return out;
  }

  void restore(const std::string& bytes) {
    if (bytes.size() != snapshot_size())
      throw std::invalid_argument("FightingBatch: a state of " + std::to_string(bytes.size()) + " bytes, where " +
                                  std::to_string(snapshot_size()) + " were expected (a batch of another size, or " +
                                  "saved by another build of the engine)");
    const char* at = bytes.data();
    each_part(*this, [&](auto& part) {
      std::memcpy(part.data(), at, part.size() * sizeof(part[0]));
      at += part.size() * sizeof(part[0]);
    });
    for (Game& g : games_) g.rebind(&table_, track_.data(), static_cast<int>(track_.size()));
  }

  // Write game i's observations again (after its state was changed from outside).
  void observe(int i) { game(i).observe(&observations_[static_cast<size_t>(i) * 2 * OBS_SIZE]); }

  // One frame of every game; actions hold N x 2 x 10 key values (> 0.5 presses a key).
  template <typename T>
  void step(const T* actions) {
    // Each thread takes a contiguous share of the games.
    pool_.parallel_for(size_, [&](int i) { step_one(i, actions + static_cast<size_t>(i) * 2 * KEYS); });
  }

 private:
  MoveTable table_;
  Options options_;
  int first_on_right_;
  bool autoreset_;
  int size_;
  std::vector<Game> games_;
  std::vector<PyRandom> seeders_;
  std::vector<PlatformFrame> track_;
  std::vector<float> observations_, terminal_observations_, rewards_;
  std::vector<uint8_t> terminated_, truncated_;
  std::vector<int32_t> events_;
  arena::search::WorkerPool pool_;

  // Games and generators are plain values (pointers aside, which restore() sets again): bytes hold them whole.
  static_assert(std::is_trivially_copyable_v<Game> && std::is_trivially_copyable_v<PyRandom>);

  // `visit` on each part of the state, in the order snapshot() writes them.
  template <typename Self, typename Visit>
  static void each_part(Self& self, Visit&& visit) {
    visit(self.games_);
    visit(self.seeders_);
    visit(self.observations_);
    visit(self.terminal_observations_);
    visit(self.rewards_);
    visit(self.terminated_);
    visit(self.truncated_);
    visit(self.events_);
  }

  size_t snapshot_size() const {
    size_t size = 0;
    each_part(*this, [&](const auto& part) { size += part.size() * sizeof(part[0]); });
    return size;
  }

  template <typename T>
  void step_one(int i, const T* action) {
    size_t at = static_cast<size_t>(i);
    Game& g = games_[at];
    float* obs = &observations_[at * 2 * OBS_SIZE];
    // Without autoreset a finished game goes on being stepped, as the Python game is, until reset.
    g.step(action, action + KEYS);
    float reward = 0.0f;
    if (g.winner >= 0) reward = 1.0f;
    rewards_[2 * at] = g.winner < 0 ? 0.0f : (g.winner == 0 ? reward : -reward);
    rewards_[2 * at + 1] = -rewards_[2 * at];
    terminated_[at] = g.terminated;
    truncated_[at] = g.truncated && !g.terminated;
    events_[2 * at] = g.fighters[0].events;
    events_[2 * at + 1] = g.fighters[1].events;
    g.observe(obs);
    if (g.over() && autoreset_) {
      std::copy(obs, obs + 2 * OBS_SIZE, &terminal_observations_[at * 2 * OBS_SIZE]);
      g.reset(&table_, seeders_[at].getrandbits64(), options_, first_on_right_, track_.data(),
              static_cast<int>(track_.size()));
      g.observe(obs);
    }
  }
};

}  // namespace fighting
