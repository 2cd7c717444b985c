// What bounds and steers a search: its settings and its budget.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace arena::search {

// Node indices are 32-bit (search_tree.h): the largest max_nodes a search takes.
inline constexpr int64_t kMaxTreeNodes = std::numeric_limits<int32_t>::max();
// The most losses virtual_loss may charge a pending leaf: visit counts are 32-bit, and a
// path may carry a virtual loss for every leaf of a round.
inline constexpr int kMaxVirtualLoss = 1000;

// Settings of a search. A search stops at `simulations` new simulations or
// after `time_limit` seconds, whichever comes first (0 turns either off).
struct SearchConfig {
  int simulations = 1000;
  double time_limit = 0.0;
  double c_uct = 2.0;            // UCT exploration (rollout search)
  double c_puct = 1.5;           // PUCT exploration (evaluator search)
  double fpu = 0.0;              // value PUCT assumes for an unvisited child
  double dirichlet_alpha = 0.3;  // concentration of the root noise
  double noise_fraction = 0.0;   // share of noise in the root priors; 0: no noise
  int virtual_loss = 1;          // losses charged to a path while its leaf awaits evaluation
  bool reuse_tree = true;        // keep the subtree of the move played
  int64_t max_nodes = 1 << 24;   // the tree stops growing here (a node is 20 bytes; see Tree::load)
  // Values of evaluated leaves: 0, the evaluator's; k > 0, the mean result of k random playouts
  // from the leaf, the evaluator giving the priors alone (a policy network without a value head).
  int leaf_playouts = 0;
  uint64_t seed = 0;

  void validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("search config: " + what); };
    const std::pair<const char*, double> reals[] = {{"time_limit", time_limit}, {"c_uct", c_uct}, {"c_puct", c_puct},
                                                    {"fpu", fpu}, {"dirichlet_alpha", dirichlet_alpha},
                                                    {"noise_fraction", noise_fraction}};
    for (const auto& [name, value] : reals)
      if (!std::isfinite(value)) fail(std::string(name) + " must be a finite number, got " + std::to_string(value));
    if (simulations < 0) fail("simulations must be >= 0, got " + std::to_string(simulations));
    if (time_limit < 0) fail("time_limit must be >= 0 seconds, got " + std::to_string(time_limit));
    if (simulations == 0 && time_limit == 0) fail("set simulations or time_limit (or both); both are 0");
    if (c_uct < 0 || c_puct < 0) fail("c_uct and c_puct must be >= 0");
    if (dirichlet_alpha <= 0) fail("dirichlet_alpha must be > 0, got " + std::to_string(dirichlet_alpha));
    if (noise_fraction < 0 || noise_fraction > 1)
      fail("noise_fraction must be between 0 and 1, got " + std::to_string(noise_fraction));
    if (virtual_loss < 0 || virtual_loss > kMaxVirtualLoss)
      fail("virtual_loss must be between 0 and " + std::to_string(kMaxVirtualLoss) + ", got " + std::to_string(virtual_loss));
    if (leaf_playouts < 0) fail("leaf_playouts must be >= 0, got " + std::to_string(leaf_playouts));
    if (max_nodes < 1000 || max_nodes > kMaxTreeNodes)
      fail("max_nodes must be between 1000 and " + std::to_string(kMaxTreeNodes) + " (node indices are 32-bit), got " +
           std::to_string(max_nodes));
  }
};

struct SearchStats {
  int simulations = 0;
  double seconds = 0.0;
};

// The simulation and time budget of one search.
class Budget {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Budget(const SearchConfig& config)
      : simulations_(config.simulations), time_limit_(config.time_limit), start_(Clock::now()) {}

  // A search always runs one simulation at least, so that the root is expanded and has a best
  // move even when its time was up before it started (a tiny limit, or a preempted thread).
  bool exhausted(int done) const {
    if (done == 0) return false;
    if (simulations_ > 0 && done >= simulations_) return true;
    return time_limit_ > 0 && seconds() >= time_limit_;
  }
  // Simulations still allowed (a large number under a time budget alone).
  int room(int done) const { return simulations_ > 0 ? simulations_ - done : std::numeric_limits<int>::max(); }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  int simulations_;
  double time_limit_;
  Clock::time_point start_;
};

}  // namespace arena::search
