// Monte Carlo tree search over any Game of search_games.h, in two flavours
// sharing one tree:
//
// - rollout search (run_rollouts): UCT selection, a node expanded on its
//   second visit, and one uniformly random playout per simulation;
// - evaluator search (run_with, or select_leaf / finish_leaf driven from
//   outside as BatchedMCTS does): AlphaZero's PUCT with the priors and value
//   of a policy/value evaluator, Dirichlet noise on the root priors, and
//   virtual loss so that several leaves can await one batched evaluation.
//
// A node is expanded with its forced moves when the game names some (a
// gomoku move that wins at once, or the only block of the opponent's five),
// else with every legal move: search then never wastes simulations on moves
// that throw a game away on the spot.
//
// Values are wins (+1), draws (0) and losses (-1). A node stores them from
// the view of the player who moved into it, the view its parent selects by.
// The tree is kept between moves (advance, set_root) and its storage reused.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "search_config.h"
#include "search_rng.h"
#include "search_tree.h"

namespace arena::search {

// 1 / n and 1 / sqrt(n) from tables for the small counts selection meets
// most: a load instead of a division in the loop over a node's children.
class Reciprocals {
 public:
  static constexpr int kSize = 4096;

  static const Reciprocals& get() {
    static const Reciprocals table;
    return table;
  }
  float inverse(int n) const { return n < kSize ? inverse_[n] : 1.0f / static_cast<float>(n); }
  float inverse_sqrt(int n) const { return n < kSize ? inverse_sqrt_[n] : 1.0f / std::sqrt(static_cast<float>(n)); }

 private:
  Reciprocals() {
    inverse_[0] = inverse_sqrt_[0] = 0.0f;
    for (int n = 1; n < kSize; ++n) {
      inverse_[n] = 1.0f / static_cast<float>(n);
      inverse_sqrt_[n] = 1.0f / std::sqrt(static_cast<float>(n));
    }
  }
  float inverse_[kSize];
  float inverse_sqrt_[kSize];
};

template <class Game>
class MCTS {
 public:
  // One simulation's way down the tree, kept while its leaf awaits evaluation.
  struct Leaf {
    Game state;
    std::vector<int32_t> path;  // node indices, root first
  };

  explicit MCTS(const SearchConfig& config) : config_(checked(config)), tree_(config.max_nodes), rng_(config.seed) {}

  const SearchConfig& config() const { return config_; }
  void set_config(const SearchConfig& config) {
    config_ = checked(config);
    tree_.set_max_nodes(config.max_nodes);
  }
  void reseed(uint64_t seed) { rng_.reseed(seed); }

  bool has_root() const { return has_root_; }
  const Game& root() const {
    require_root();
    return root_;
  }
  int64_t tree_size() const { return tree_.size(); }

  // Searches from `state` next, keeping what the tree knows about it: the
  // root itself, or a position one or two plies below it (after the reply).
  void set_root(const Game& state) {
    if (has_root_ && config_.reuse_tree) {
      if (state == root_) return;
      if (reroot_at(state)) return;
    }
    clear(state);
  }

  // Searches from `state` next with an empty tree.
  void clear(const Game& state) {
    tree_.clear();
    root_ = state;
    has_root_ = true;
    noise_added_ = false;
    const int n = state.num_actions();
    actions_.resize(n);
    priors_.resize(n);
  }

  // Plays `action` at the root; its subtree becomes the tree.
  void advance(int action) {
    require_root();
    if (!is_legal_at_root(action))
      throw std::invalid_argument("advance: action " + std::to_string(action) + " is not legal at the root");
    const int32_t child = child_with_action(Tree::kRoot, action);
    Game next = root_;
    next.play(action);
    if (child >= 0 && config_.reuse_tree) {
      tree_.reroot(child);
      root_ = next;
      noise_added_ = false;
    } else {
      clear(next);
    }
  }

  // ---- rollout search

  SearchStats run_rollouts() {
    require_live_root();
    Budget budget(config_);
    int done = 0;
    for (; !budget.exhausted(done); ++done) simulate_rollout();
    return {done, budget.seconds()};
  }

  // ---- evaluator search

  // Runs a search whose leaves `evaluate(inputs, rows, policies, values)`
  // scores, up to `leaves_per_call` leaves per call: inputs are rows x
  // Game::kInputPlanes x N x N floats; it writes rows x num_actions policy
  // entries (any non-negative weights; illegal moves are ignored) and rows
  // values in [-1, 1] for the player to move at each leaf.
  template <class Evaluate>
  SearchStats run_with(Evaluate&& evaluate, int leaves_per_call) {
    require_live_root();
    if (leaves_per_call < 1)
      throw std::invalid_argument("leaves_per_call must be >= 1, got " + std::to_string(leaves_per_call));
    const int input_size = Game::kInputPlanes * root_.size() * root_.size();
    const int actions = root_.num_actions();
    leaves_.resize(leaves_per_call);
    inputs_.resize(static_cast<size_t>(leaves_per_call) * input_size);
    policies_.resize(static_cast<size_t>(leaves_per_call) * actions);
    values_.resize(leaves_per_call);
    Budget budget(config_);
    int done = 0;
    while (!budget.exhausted(done)) {
      int settled = 0;
      const int pending = collect_leaves(leaves_, leaves_per_call, budget.room(done), settled);
      done += settled;
      if (pending == 0) continue;
      for (int i = 0; i < pending; ++i) leaves_[i].state.write_input(&inputs_[static_cast<size_t>(i) * input_size]);
      evaluate(inputs_.data(), pending, policies_.data(), values_.data());
      for (int i = 0; i < pending; ++i) finish_leaf(leaves_[i], &policies_[static_cast<size_t>(i) * actions], values_[i]);
      done += pending;
    }
    return {done, budget.seconds()};
  }

  // Selects up to `max_leaves` distinct leaves that need an evaluation, in
  // at most `max_simulations` simulations (a leaf whose value is known, a
  // finished game, is backed up on the spot and counted in `settled`).
  // Returns how many of leaves[0..] await finish_leaf.
  int collect_leaves(std::vector<Leaf>& leaves, int max_leaves, int max_simulations, int& settled) {
    int pending = 0;
    const int attempts = std::min(max_leaves, max_simulations);
    while (pending + settled < attempts) {
      Leaf& leaf = leaves[pending];
      if (!select_leaf(leaf)) {
        ++settled;
        continue;
      }
      if (is_pending(leaves, pending, leaf.path.back())) {
        abandon_leaf(leaf);  // the tree is too small to spread this many leaves
        break;
      }
      ++pending;
    }
    return pending;
  }

  // Descends by PUCT to a leaf. Returns true when the leaf needs an
  // evaluation (its path then carries a virtual loss until finish_leaf or
  // abandon_leaf); false when it was a finished game, already backed up.
  bool select_leaf(Leaf& leaf) {
    add_root_noise_once();
    leaf.state = root_;
    leaf.path.clear();
    int32_t node = Tree::kRoot;
    leaf.path.push_back(node);
    while (tree_[node].is_expanded()) {
      node = select_puct(node);
      leaf.state.play(tree_[node].action);
      leaf.path.push_back(node);
    }
    if (leaf.state.is_terminal()) {
      backup(leaf.path, outcome_for(leaf.state.winner(), 1 - leaf.state.to_move()));
      return false;
    }
    charge_virtual_loss(leaf.path, config_.virtual_loss);
    return true;
  }

  // Expands the leaf with `policy` (num_actions weights) and backs up
  // `value`, the evaluator's value for the player to move at the leaf.
  void finish_leaf(const Leaf& leaf, const float* policy, float value) {
    const int32_t node = leaf.path.back();
    if (!tree_[node].is_expanded()) expand_with_policy(node, leaf.state, policy);
    charge_virtual_loss(leaf.path, -config_.virtual_loss);
    backup(leaf.path, -value);
    if (node == Tree::kRoot) add_root_noise_once();
  }

  void abandon_leaf(const Leaf& leaf) { charge_virtual_loss(leaf.path, -config_.virtual_loss); }

  // The moves a node is expanded with, written to `out`: the forced ones if
  // any, else all legal ones.
  static int candidate_actions(const Game& state, int* out) {
    const int forced = state.forced_actions(out);
    return forced > 0 ? forced : state.legal_actions(out);
  }

  // ---- results (visits and values of the root's moves)

  int32_t root_visits() const { return tree_[Tree::kRoot].visits; }

  // The root's value for the player to move there, in [-1, 1].
  float root_value() const { return -tree_[Tree::kRoot].mean_value(); }

  void write_visits(int32_t* out) const {
    std::fill(out, out + root_.num_actions(), 0);
    for_each_root_child([&](const Node& c) { out[c.action] = c.visits; });
  }

  // Mean value of each move for the player to move; NaN where never visited.
  void write_values(float* out) const {
    std::fill(out, out + root_.num_actions(), std::numeric_limits<float>::quiet_NaN());
    for_each_root_child([&](const Node& c) {
      if (c.visits > 0) out[c.action] = c.mean_value();
    });
  }

  void write_priors(float* out) const {
    std::fill(out, out + root_.num_actions(), 0.0f);
    for_each_root_child([&](const Node& c) { out[c.action] = c.prior; });
  }

  // The most visited move (ties: the better value, then the lower action);
  // -1 before any search.
  int best_action() const { return best_child_action(Tree::kRoot); }

  // A move drawn with probability proportional to visits^(1 / temperature);
  // the best move at temperature 0.
  int sample_action(double temperature) {
    if (temperature <= 0.0 || root_visits() == 0) return best_action();
    double most = 0.0;
    for_each_root_child([&](const Node& c) { most = std::max(most, static_cast<double>(c.visits)); });
    double total = 0.0;
    for_each_root_child([&](const Node& c) { total += std::pow(c.visits / most, 1.0 / temperature); });
    double pick = rng_.uniform() * total;
    int chosen = best_action();
    for_each_root_child([&](const Node& c) {
      if (pick < 0.0) return;
      pick -= std::pow(c.visits / most, 1.0 / temperature);
      if (pick < 0.0) chosen = c.action;
    });
    return chosen;
  }

  // The most visited line of play from the root, up to `max_length` moves;
  // with `first_action` >= 0, the line that starts with that move.
  std::vector<int> principal_variation(int max_length, int first_action = -1) const {
    std::vector<int> line;
    int32_t node = Tree::kRoot;
    if (first_action >= 0) {
      node = child_with_action(Tree::kRoot, first_action);
      if (node < 0 || max_length < 1) return line;
      line.push_back(first_action);
    }
    while (static_cast<int>(line.size()) < max_length && tree_[node].is_expanded()) {
      const int action = best_child_action(node);
      const int32_t child = child_with_action(node, action);
      if (tree_[child].visits == 0) break;
      line.push_back(action);
      node = child;
    }
    return line;
  }

 private:
  static SearchConfig checked(const SearchConfig& config) {
    config.validate();
    return config;
  }

  void require_root() const {
    if (!has_root_) throw std::logic_error("search has no root position: call set_root first");
  }
  void require_live_root() const {
    require_root();
    if (root_.is_terminal()) throw std::invalid_argument("search: the game is over at the root, there is nothing to search");
  }

  static float reciprocal(int n) { return Reciprocals::get().inverse(n); }
  static float reciprocal_sqrt(int n) { return Reciprocals::get().inverse_sqrt(n); }

  static float outcome_for(int winner, int player) { return winner < 0 ? 0.0f : (winner == player ? 1.0f : -1.0f); }

  template <class F>
  void for_each_root_child(F&& f) const {
    const Node& root = tree_[Tree::kRoot];
    for (int i = 0; i < root.num_children; ++i) f(tree_[root.first_child + i]);
  }

  int32_t child_with_action(int32_t parent, int action) const {
    const Node& p = tree_[parent];
    for (int i = 0; i < p.num_children; ++i)
      if (tree_[p.first_child + i].action == action) return p.first_child + i;
    return -1;
  }

  int best_child_action(int32_t parent) const {
    const Node& p = tree_[parent];
    int best = -1;
    for (int i = 0; i < p.num_children; ++i) {
      const Node& c = tree_[p.first_child + i];
      if (best < 0) {
        best = p.first_child + i;
        continue;
      }
      const Node& b = tree_[best];
      if (c.visits != b.visits ? c.visits > b.visits
                               : (c.mean_value() != b.mean_value() ? c.mean_value() > b.mean_value() : c.action < b.action))
        best = p.first_child + i;
    }
    return best < 0 ? -1 : tree_[best].action;
  }

  bool is_legal_at_root(int action) {
    if (root_.is_terminal()) return false;
    const int n = root_.legal_actions(actions_.data());
    return std::find(actions_.begin(), actions_.begin() + n, action) != actions_.begin() + n;
  }

  // Looks for `state` among the root's children and grandchildren that the
  // search has visited; re-roots there if found.
  bool reroot_at(const Game& state) {
    const Node& root = tree_[Tree::kRoot];
    for (int i = 0; i < root.num_children; ++i) {
      const int32_t child = root.first_child + i;
      if (tree_[child].visits == 0) continue;
      Game one = root_;
      one.play(tree_[child].action);
      if (one == state) return reroot_to(child, one);
      const Node& c = tree_[child];
      for (int j = 0; j < c.num_children; ++j) {
        const int32_t grandchild = c.first_child + j;
        if (tree_[grandchild].visits == 0) continue;
        Game two = one;
        two.play(tree_[grandchild].action);
        if (two == state) return reroot_to(grandchild, two);
      }
    }
    return false;
  }

  bool reroot_to(int32_t node, const Game& state) {
    tree_.reroot(node);
    root_ = state;
    noise_added_ = false;
    return true;
  }

  void simulate_rollout() {
    Game state = root_;
    path_.clear();
    int32_t node = Tree::kRoot;
    path_.push_back(node);
    while (tree_[node].is_expanded()) {
      node = select_uct(node);
      state.play(tree_[node].action);
      path_.push_back(node);
    }
    // A leaf: grow the tree by one node once the leaf has been seen before.
    const bool seen = tree_[node].visits > 0 || node == Tree::kRoot;
    if (seen && !state.is_terminal() && expand_uniform(node, state)) {
      node = select_uct(node);
      state.play(tree_[node].action);
      path_.push_back(node);
    }
    const int leaf_mover = 1 - state.to_move();
    const int winner = state.is_terminal() ? state.winner() : state.playout(rng_);
    backup(path_, outcome_for(winner, leaf_mover));
  }

  // UCT tries every child once before comparing them. Children are tried
  // in their shuffled order, so the visited ones are a prefix and the first
  // unvisited one (found by bisection) is a random untried move.
  int32_t select_uct(int32_t parent) const {
    const Node& p = tree_[parent];
    int32_t lo = p.first_child, hi = p.first_child + p.num_children - 1;
    if (tree_[hi].visits == 0) {
      while (lo < hi) {
        const int32_t mid = lo + (hi - lo) / 2;
        if (tree_[mid].visits == 0) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    }
    const float explore = static_cast<float>(config_.c_uct) * std::sqrt(std::log(static_cast<float>(p.visits)));
    return best_child(p, [&](const Node& c) {
      return c.value_sum * reciprocal(c.visits) + explore * reciprocal_sqrt(c.visits);
    });
  }

  int32_t select_puct(int32_t parent) const {
    const Node& p = tree_[parent];
    const float scale = static_cast<float>(config_.c_puct) * std::sqrt(static_cast<float>(std::max(p.visits, 1)));
    const auto fpu = static_cast<float>(config_.fpu);
    return best_child(p, [&](const Node& c) {
      const float q = c.visits > 0 ? c.value_sum * reciprocal(c.visits) : fpu;
      return q + scale * c.prior * reciprocal(1 + c.visits);
    });
  }

  // The child of `p` with the highest score(child); the first on ties.
  template <class Score>
  int32_t best_child(const Node& p, Score&& score) const {
    int32_t best = p.first_child;
    float best_score = -std::numeric_limits<float>::infinity();
    for (int32_t child = p.first_child, end = child + p.num_children; child < end; ++child) {
      const float s = score(tree_[child]);
      if (s > best_score) {
        best_score = s;
        best = child;
      }
    }
    return best;
  }

  // Children in random order, so UCT's first pass over them is unbiased.
  bool expand_uniform(int32_t node, const Game& state) {
    const int n = candidate_actions(state, actions_.data());
    for (int i = n - 1; i > 0; --i) std::swap(actions_[i], actions_[rng_.below(i + 1)]);
    std::fill(priors_.begin(), priors_.begin() + n, 1.0f / n);
    return tree_.expand(node, actions_.data(), priors_.data(), n);
  }

  // Children in action order, with the policy renormalised over legal moves
  // (uniform if it gives them no weight).
  void expand_with_policy(int32_t node, const Game& state, const float* policy) {
    const int n = candidate_actions(state, actions_.data());
    float total = 0.0f;
    for (int i = 0; i < n; ++i) total += (priors_[i] = policy[actions_[i]] > 0.0f ? policy[actions_[i]] : 0.0f);
    for (int i = 0; i < n; ++i) priors_[i] = total > 0.0f ? priors_[i] / total : 1.0f / n;
    tree_.expand(node, actions_.data(), priors_.data(), n);
  }

  void add_root_noise_once() {
    const Node& root = tree_[Tree::kRoot];
    if (noise_added_ || config_.noise_fraction <= 0.0f || !root.is_expanded()) return;
    noise_.resize(root.num_children);
    rng_.dirichlet(config_.dirichlet_alpha, root.num_children, noise_.data());
    const auto f = static_cast<float>(config_.noise_fraction);
    for (int i = 0; i < root.num_children; ++i) {
      Node& c = tree_[root.first_child + i];
      c.prior = (1.0f - f) * c.prior + f * noise_[i];
    }
    noise_added_ = true;
  }

  // `value` is for the player who moved into the last node of `path`.
  void backup(const std::vector<int32_t>& path, float value) {
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      Node& n = tree_[*it];
      n.visits += 1;
      n.value_sum += value;
      value = -value;
    }
  }

  // Counts `losses` pretend losing visits along the path (negative: takes them back).
  void charge_virtual_loss(const std::vector<int32_t>& path, int losses) {
    if (losses == 0) return;
    for (int32_t index : path) {
      tree_[index].visits += losses;
      tree_[index].value_sum -= static_cast<float>(losses);
    }
  }

  bool is_pending(const std::vector<Leaf>& leaves, int pending, int32_t node) const {
    for (int i = 0; i < pending; ++i)
      if (leaves[i].path.back() == node) return true;
    return false;
  }

  SearchConfig config_;
  Tree tree_;
  Rng rng_;
  Game root_;
  bool has_root_ = false;
  bool noise_added_ = false;
  // Scratch space, kept between simulations so that searching allocates nothing.
  std::vector<int> actions_;
  std::vector<float> priors_;
  std::vector<float> noise_;
  std::vector<int32_t> path_;
  std::vector<Leaf> leaves_;
  std::vector<float> inputs_, policies_, values_;
};

}  // namespace arena::search
