// Monte Carlo tree search over any Game of search_games.h, in two flavours
// sharing one tree:
//
// - rollout search (run_rollouts): UCT selection, a node expanded on its
//   second visit, and one uniformly random playout per simulation;
// - evaluator search (run_with, or select_leaf / finish_leaf driven from
//   outside as BatchedMCTS does): AlphaZero's PUCT with the priors and value
//   of a policy/value evaluator, Dirichlet noise on the root priors, and
//   virtual loss so that several leaves can await one batched evaluation.
//   With leaf_playouts set, a leaf takes the evaluator's priors and the mean
//   of that many random playouts as its value (for a policy network without
//   a value head).
//
// A node is expanded with its forced moves when the game names some (a
// gomoku move that wins at once, or the only block of the opponent's five),
// else with every legal move: search then never wastes simulations on moves
// that throw a game away on the spot. An evaluated leaf keeps its policy and
// gets its children only when a simulation first steps through it (most
// leaves never are); the root always has its children.
//
// Values are wins (+1), draws (0) and losses (-1). A node stores them from
// the view of the player who moved into it, the view its parent selects by.
// The tree is kept between moves (advance, set_root) and its storage reused.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "search_config.h"
#include "search_rng.h"
#include "search_tree.h"

namespace arena::search {

// 1 / n and sqrt(1 / n) for visit counts, two ways that give the same
// floats: computed (what a vectorised loop does best) or, for the small
// counts selection meets most, looked up (a load instead of a division).
struct ComputedInverses {
  float inverse(int n) const { return 1.0f / static_cast<float>(n); }
  float sqrt_inverse(int n) const { return std::sqrt(1.0f / static_cast<float>(n)); }
};

class TabledInverses {
 public:
  static constexpr int kSize = 4096;

  static const TabledInverses& get() {
    static const TabledInverses table;
    return table;
  }
  float inverse(int n) const { return n < kSize ? inverse_[n] : ComputedInverses().inverse(n); }
  float sqrt_inverse(int n) const { return n < kSize ? sqrt_inverse_[n] : ComputedInverses().sqrt_inverse(n); }

 private:
  TabledInverses() {
    for (int n = 0; n < kSize; ++n) {
      inverse_[n] = ComputedInverses().inverse(n);
      sqrt_inverse_[n] = ComputedInverses().sqrt_inverse(n);
    }
  }
  float inverse_[kSize];
  float sqrt_inverse_[kSize];
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
  int64_t tree_size() const { return tree_.load(); }

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
    tree_.clear(state.num_actions());
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
    if (child >= 0 && config_.reuse_tree) reroot_to(child, next);
    else clear(next);
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
  // values in [-1, 1] for the player to move at each leaf. It may throw to
  // refuse its own output (search_python.h's Evaluator does for NaN): the
  // leaves it was given are then taken back and the exception goes on.
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
      try {
        evaluate(inputs_.data(), pending, policies_.data(), values_.data());
      } catch (...) {  // a failed or refused evaluation leaves the tree as it was
        for (int i = 0; i < pending; ++i) abandon_leaf(leaves_[i]);
        throw;
      }
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
    while (ensure_children(node, leaf.state)) {
      node = select_puct(node);
      leaf.state.play(tree_.action(node));
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
  // `value`, the evaluator's value for the player to move at the leaf; with
  // leaf_playouts set, the mean of that many random playouts replaces it.
  void finish_leaf(const Leaf& leaf, const float* policy, float value) {
    if (config_.leaf_playouts > 0) value = playout_value(leaf.state, config_.leaf_playouts, rng_);
    settle_leaf(leaf, policy, value);
  }

  // finish_leaf with `value` backed up as given (rollout search's own playouts).
  void settle_leaf(const Leaf& leaf, const float* policy, float value) {
    const int32_t node = leaf.path.back();
    if (!tree_.is_expanded(node) && !tree_.has_stored_policy(node)) {
      if (node == Tree::kRoot) expand_with_policy(node, leaf.state, policy);  // the root always has its children
      else tree_.store_policy(node, policy);
    }
    charge_virtual_loss(leaf.path, -config_.virtual_loss);
    backup(leaf.path, -value);
    if (node == Tree::kRoot) add_root_noise_once();
  }

  // The mean result of `playouts` random playouts from `state` (not over),
  // for the player to move there.
  static float playout_value(const Game& state, int playouts, Rng& rng) {
    float total = 0.0f;
    for (int i = 0; i < playouts; ++i) {
      Game end = state;
      total += outcome_for(end.playout(rng), state.to_move());
    }
    return total / static_cast<float>(playouts);
  }

  void abandon_leaf(const Leaf& leaf) { charge_virtual_loss(leaf.path, -config_.virtual_loss); }

  // The moves a node is expanded with, written to `out`: the forced ones if
  // any, else all legal ones.
  static int candidate_actions(const Game& state, int* out) {
    const int forced = state.forced_actions(out);
    return forced > 0 ? forced : state.legal_actions(out);
  }

  // ---- results (visits and values of the root's moves)

  int32_t root_visits() const { return tree_.visits(Tree::kRoot); }

  // The root's value for the player to move there, in [-1, 1].
  float root_value() const { return -tree_.mean_value(Tree::kRoot); }

  void write_visits(int32_t* out) const {
    std::fill(out, out + root_.num_actions(), 0);
    for_each_root_child([&](int32_t c) { out[tree_.action(c)] = tree_.visits(c); });
  }

  // Mean value of each move for the player to move; NaN where never visited.
  void write_values(float* out) const {
    std::fill(out, out + root_.num_actions(), std::numeric_limits<float>::quiet_NaN());
    for_each_root_child([&](int32_t c) {
      if (tree_.visits(c) > 0) out[tree_.action(c)] = tree_.mean_value(c);
    });
  }

  void write_priors(float* out) const {
    std::fill(out, out + root_.num_actions(), 0.0f);
    for_each_root_child([&](int32_t c) { out[tree_.action(c)] = tree_.prior(c); });
  }

  // The most visited move (ties: the better value, then the lower action);
  // -1 before any search.
  int best_action() const { return best_child_action(Tree::kRoot); }

  // A move drawn with probability proportional to visits^(1 / temperature);
  // the best move at temperature 0.
  int sample_action(double temperature) {
    if (temperature <= 0.0 || root_visits() == 0) return best_action();
    double most = 0.0;
    for_each_root_child([&](int32_t c) { most = std::max(most, static_cast<double>(tree_.visits(c))); });
    const double exponent = 1.0 / temperature;
    auto weight = [&](int32_t c) {  // pow(x, 1) is x: temperature 1, the common case, skips the pow
      const double share = tree_.visits(c) / most;
      return exponent == 1.0 ? share : std::pow(share, exponent);
    };
    double total = 0.0;
    for_each_root_child([&](int32_t c) { total += weight(c); });
    double pick = rng_.uniform() * total;
    int chosen = best_action();
    for_each_root_child([&](int32_t c) {
      if (pick < 0.0) return;
      pick -= weight(c);
      if (pick < 0.0) chosen = tree_.action(c);
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
    while (static_cast<int>(line.size()) < max_length && tree_.is_expanded(node)) {
      const int action = best_child_action(node);
      const int32_t child = child_with_action(node, action);
      if (tree_.visits(child) == 0) break;
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

  static float outcome_for(int winner, int player) { return winner < 0 ? 0.0f : (winner == player ? 1.0f : -1.0f); }

  // f(child) for every child of the root.
  template <class F>
  void for_each_root_child(F&& f) const {
    const int32_t first = tree_.first_child(Tree::kRoot);
    for (int i = 0; i < tree_.num_children(Tree::kRoot); ++i) f(first + i);
  }

  int32_t child_with_action(int32_t parent, int action) const {
    const int32_t first = tree_.first_child(parent);
    for (int i = 0; i < tree_.num_children(parent); ++i)
      if (tree_.action(first + i) == action) return first + i;
    return -1;
  }

  int best_child_action(int32_t parent) const {
    if (!tree_.is_expanded(parent)) return -1;
    int32_t best = tree_.first_child(parent);
    for (int32_t c = best + 1, end = best + tree_.num_children(parent); c < end; ++c) {
      const int32_t cv = tree_.visits(c), bv = tree_.visits(best);
      const float cq = tree_.mean_value(c), bq = tree_.mean_value(best);
      if (cv != bv ? cv > bv : (cq != bq ? cq > bq : tree_.action(c) < tree_.action(best))) best = c;
    }
    return tree_.action(best);
  }

  bool is_legal_at_root(int action) {
    if (root_.is_terminal()) return false;
    const int n = root_.legal_actions(actions_.data());
    return std::find(actions_.begin(), actions_.begin() + n, action) != actions_.begin() + n;
  }

  // Looks for `state` among the root's children and grandchildren that the
  // search has visited; re-roots there if found.
  bool reroot_at(const Game& state) {
    for (int i = 0; i < tree_.num_children(Tree::kRoot); ++i) {
      const int32_t child = tree_.first_child(Tree::kRoot) + i;
      if (tree_.visits(child) == 0) continue;
      Game one = root_;
      one.play(tree_.action(child));
      if (one == state) return reroot_to(child, one);
      for (int j = 0; j < tree_.num_children(child); ++j) {
        const int32_t grandchild = tree_.first_child(child) + j;
        if (tree_.visits(grandchild) == 0) continue;
        Game two = one;
        two.play(tree_.action(grandchild));
        if (two == state) return reroot_to(grandchild, two);
      }
    }
    return false;
  }

  bool reroot_to(int32_t node, const Game& state) {
    tree_.reroot(node);
    root_ = state;
    noise_added_ = false;
    ensure_children(Tree::kRoot, root_);  // the root always has its children
    return true;
  }

  // Whether selection can step down from `node` (at `state`): it has
  // children, or gets them now from its stored policy.
  bool ensure_children(int32_t node, const Game& state) {
    if (tree_.is_expanded(node)) return true;
    return tree_.has_stored_policy(node) && expand_with_policy(node, state, tree_.stored_policy(node));
  }

  void simulate_rollout() {
    Game state = root_;
    path_.clear();
    int32_t node = Tree::kRoot;
    path_.push_back(node);
    while (tree_.is_expanded(node)) {
      node = select_uct(node);
      state.play(tree_.action(node));
      path_.push_back(node);
    }
    // A leaf: grow the tree by one node once the leaf has been seen before.
    const bool seen = tree_.visits(node) > 0 || node == Tree::kRoot;
    if (seen && !state.is_terminal() && expand_uniform(node, state)) {
      node = select_uct(node);
      state.play(tree_.action(node));
      path_.push_back(node);
    }
    const int leaf_mover = 1 - state.to_move();
    const int winner = state.is_terminal() ? state.winner() : state.playout(rng_);
    backup(path_, outcome_for(winner, leaf_mover));
  }

  // UCT tries every child once before comparing them, in random order: the
  // tried children are a prefix of the block (found by bisection), and the
  // next one tried is drawn from the rest and swapped to the prefix's end.
  int32_t select_uct(int32_t parent) {
    const int32_t first = tree_.first_child(parent);
    const int n = tree_.num_children(parent);
    if (tree_.visits(first + n - 1) == 0) {
      int32_t lo = first, hi = first + n - 1;
      while (lo < hi) {
        const int32_t mid = lo + (hi - lo) / 2;
        if (tree_.visits(mid) == 0) hi = mid;
        else lo = mid + 1;
      }
      tree_.swap_untried(lo, lo + static_cast<int32_t>(rng_.below(static_cast<uint32_t>(first + n - lo))));
      return lo;
    }
    const float explore = static_cast<float>(config_.c_uct) * std::sqrt(std::log(static_cast<float>(tree_.visits(parent))));
    return first + best_child(n, [&](int i, const auto& inverses) {
      const int32_t visits = tree_.visits(first + i);
      return tree_.value_sum(first + i) * inverses.inverse(visits) + explore * inverses.sqrt_inverse(visits);
    });
  }

  int32_t select_puct(int32_t parent) {
    const int32_t first = tree_.first_child(parent);
    const float scale = static_cast<float>(config_.c_puct) * std::sqrt(static_cast<float>(std::max(tree_.visits(parent), 1)));
    const auto fpu = static_cast<float>(config_.fpu);
    return first + best_child(tree_.num_children(parent), [&](int i, const auto& inverses) {
      // Branch-free (the mean of every child, then a select), so that the loop vectorises.
      const int32_t visits = tree_.visits(first + i);
      const float mean = tree_.value_sum(first + i) * inverses.inverse(std::max(visits, 1));
      return (visits > 0 ? mean : fpu) + scale * tree_.prior(first + i) * inverses.inverse(1 + visits);
    });
  }

  // The i in [0, n) of the highest score(i, inverses); the first on ties.
  // A few children are compared as they are scored, with tabled inverses;
  // many are scored in one vectorised pass into scratch space, then
  // compared four at a time. Both ways give the same scores.
  template <class Score>
  int best_child(int n, Score&& score) {
    if (n < kScoredInBulk) {
      const TabledInverses& inverses = TabledInverses::get();
      int best = 0;
      float top = score(0, inverses);
      for (int i = 1; i < n; ++i) {
        const float s = score(i, inverses);
        if (s > top) top = s, best = i;
      }
      return best;
    }
    if (static_cast<int>(scores_.size()) < n) scores_.resize(n);
    float* scores = scores_.data();
    for (int i = 0; i < n; ++i) scores[i] = score(i, ComputedInverses());
    return first_max(scores, n);
  }
  static constexpr int kScoredInBulk = 16;

  // Four lanes of floats (or of ints, the masks comparing them give): the
  // compiler's vector extension, SSE on x86 and NEON on ARM.
  using Floats = float __attribute__((vector_size(16)));
  using Ints = int32_t __attribute__((vector_size(16)));

  // The index of the highest of scores[0..n); the first on ties. Four lanes
  // keep the first maximum each of their quarter of the scores, then the
  // lanes compare: same answer as one pass in order, without its branches.
  static int first_max(const float* scores, int n) {
    int best = 0, i = 1;
    if (n >= 8) {
      Floats top;
      std::memcpy(&top, scores, sizeof top);
      Ints at = {0, 1, 2, 3}, where = at;
      for (i = 4; i + 4 <= n; i += 4) {
        Floats next;
        std::memcpy(&next, scores + i, sizeof next);
        at += 4;
        const Ints better = next > top;
        top = reinterpret_cast<Floats>((reinterpret_cast<Ints>(next) & better) | (reinterpret_cast<Ints>(top) & ~better));
        where = (at & better) | (where & ~better);
      }
      best = where[0];
      for (int lane = 1; lane < 4; ++lane)
        if (top[lane] > scores[best] || (top[lane] == scores[best] && where[lane] < best)) best = where[lane];
    }
    for (; i < n; ++i)
      if (scores[i] > scores[best]) best = i;
    return best;
  }

  // Sum of values[0..n) in four interleaved running sums, so that the
  // additions need not wait for one another.
  static float sum(const float* values, int n) {
    Floats lanes = {0.0f, 0.0f, 0.0f, 0.0f};
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      Floats next;
      std::memcpy(&next, values + i, sizeof next);
      lanes += next;
    }
    float total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (; i < n; ++i) total += values[i];
    return total;
  }

  // Children in action order; select_uct tries them in random order.
  bool expand_uniform(int32_t node, const Game& state) {
    const int n = candidate_actions(state, actions_.data());
    std::fill(priors_.begin(), priors_.begin() + n, 1.0f / n);
    return tree_.expand(node, actions_.data(), priors_.data(), n);
  }

  // Children in action order, with the policy renormalised over legal moves
  // (uniform if it gives them no weight); false when the tree is full.
  bool expand_with_policy(int32_t node, const Game& state, const float* policy) {
    const int n = candidate_actions(state, actions_.data());
    for (int i = 0; i < n; ++i) priors_[i] = std::max(policy[actions_[i]], 0.0f);
    const float total = sum(priors_.data(), n);
    for (int i = 0; i < n; ++i) priors_[i] = total > 0.0f ? priors_[i] / total : 1.0f / n;
    return tree_.expand(node, actions_.data(), priors_.data(), n);
  }

  void add_root_noise_once() {
    if (noise_added_ || config_.noise_fraction <= 0.0f || !tree_.is_expanded(Tree::kRoot)) return;
    const int n = tree_.num_children(Tree::kRoot);
    noise_.resize(n);
    rng_.dirichlet(config_.dirichlet_alpha, n, noise_.data());
    const auto f = static_cast<float>(config_.noise_fraction);
    int i = 0;
    for_each_root_child([&](int32_t c) { tree_.set_prior(c, (1.0f - f) * tree_.prior(c) + f * noise_[i++]); });
    noise_added_ = true;
  }

  // `value` is for the player who moved into the last node of `path`.
  void backup(const std::vector<int32_t>& path, float value) {
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      tree_.add(*it, 1, value);
      value = -value;
    }
  }

  // Counts `losses` pretend losing visits along the path (negative: takes them back).
  void charge_virtual_loss(const std::vector<int32_t>& path, int losses) {
    if (losses == 0) return;
    for (int32_t index : path) tree_.add(index, losses, -static_cast<float>(losses));
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
  std::vector<float> scores_;
  std::vector<int32_t> path_;
  std::vector<Leaf> leaves_;
  std::vector<float> inputs_, policies_, values_;
};

}  // namespace arena::search
