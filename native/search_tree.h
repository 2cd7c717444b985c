// The search tree's storage: a structure of arrays, one of the statistics a
// backup updates (visits and value sum, side by side), one of priors and one
// of the links that place a node in the tree. Selection reads the statistics
// and priors of every child of a node, so the children of a node form one
// contiguous block in each array and the scan over them streams through
// memory in loops the compiler vectorises; stepping down to the chosen child
// then reads its links, all in one place.
// Nodes are addressed by index, so the arrays may grow; clearing keeps the
// memory, so after the first search a tree allocates nothing.
//
// An evaluated leaf may keep its policy instead of children (store_policy):
// most leaves of a search are never visited again, and one row of policy
// weights costs a fraction of the children it would give. The search makes
// the children from the stored row when it first steps through the node.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace arena::search {

class Tree {
 public:
  static constexpr int32_t kRoot = 0;
  // A node's children count and moves are 16-bit: the most moves a position may have.
  static constexpr int kMaxChildren = std::numeric_limits<int16_t>::max();

  // `max_nodes` at most kMaxTreeNodes (SearchConfig::validate checks it): indices are 32-bit.
  explicit Tree(int64_t max_nodes) : max_nodes_(max_nodes) { clear(0); }

  // An empty tree (the root alone) whose stored policies have `policy_width` weights.
  void clear(int policy_width) {
    if (policy_width > kMaxChildren)
      throw std::invalid_argument("search tree: a game of " + std::to_string(policy_width) + " moves has more than " +
                                  std::to_string(kMaxChildren) + ", the most a node can hold");
    nodes_.clear();
    nodes_.grow(1);
    policy_width_ = policy_width;
  }

  int64_t size() const { return static_cast<int64_t>(nodes_.stats.size()); }
  // The memory held, in nodes: the nodes and the stored policies (by their bytes). At most max_nodes.
  int64_t load() const { return size() + static_cast<int64_t>(nodes_.policies.size() * sizeof(float) / kNodeBytes); }
  void set_max_nodes(int64_t max_nodes) { max_nodes_ = max_nodes; }

  // ---- one node

  // The policy's probability of the move into the node.
  float prior(int32_t node) const { return nodes_.prior[node]; }
  void set_prior(int32_t node, float prior) { nodes_.prior[node] = prior; }
  // Summed values, from the view of the player who moved into the node.
  float value_sum(int32_t node) const { return nodes_.stats[node].value_sum; }
  // Simulations through the node (plus pending virtual losses).
  int32_t visits(int32_t node) const { return nodes_.stats[node].visits; }
  // The move from the parent into the node.
  int action(int32_t node) const { return nodes_.links[node].action; }
  int32_t first_child(int32_t node) const { return nodes_.links[node].first_child; }
  int num_children(int32_t node) const { return nodes_.links[node].num_children; }
  bool is_expanded(int32_t node) const { return nodes_.links[node].num_children > 0; }
  bool has_stored_policy(int32_t node) const { return nodes_.links[node].num_children == kPolicyStored; }
  // The policy row kept by store_policy (valid until the next store_policy, reroot or clear).
  const float* stored_policy(int32_t node) const { return stored_policy_row(nodes_.links[node].first_child); }
  float mean_value(int32_t node) const {
    const int32_t n = visits(node);
    return n > 0 ? value_sum(node) / static_cast<float>(n) : 0.0f;
  }

  // Counts `visits` more visits worth `value` in all (negative: takes them back).
  void add(int32_t node, int32_t visits, float value) {
    nodes_.stats[node].visits += visits;
    nodes_.stats[node].value_sum += value;
  }

  // Gives `parent` children for `actions` with `priors`; false (and no
  // change) when that would pass the node limit.
  bool expand(int32_t parent, const int* actions, const float* priors, int count) {
    if (load() + count > max_nodes_) return false;
    const auto first = static_cast<int32_t>(size());
    nodes_.grow(count);
    for (int i = 0; i < count; ++i) {
      nodes_.prior[first + i] = priors[i];
      nodes_.links[first + i].action = static_cast<int16_t>(actions[i]);
    }
    nodes_.links[parent].first_child = first;
    nodes_.links[parent].num_children = static_cast<int16_t>(count);
    return true;
  }

  // Keeps `policy` (policy_width weights) for a leaf that has no children;
  // false (and no change) when that would pass the node limit.
  bool store_policy(int32_t node, const float* policy) {
    if (load() + policy_nodes() > max_nodes_) return false;
    nodes_.links[node].first_child = nodes_.store(policy, policy_width_);
    nodes_.links[node].num_children = kPolicyStored;
    return true;
  }

  // Swaps the moves (and priors) of two children of one parent that have
  // neither visits nor children of their own: reorders untried moves.
  void swap_untried(int32_t a, int32_t b) {
    std::swap(nodes_.prior[a], nodes_.prior[b]);
    std::swap(nodes_.links[a].action, nodes_.links[b].action);
  }

  // Keeps only the subtree under `new_root`, which becomes the root: copied
  // breadth-first into the spare arrays (children blocks stay contiguous),
  // then the arrays swap.
  void reroot(int32_t new_root) {
    spare_.clear();
    spare_.append(nodes_, new_root, 1);
    for (int32_t i = 0; i < static_cast<int32_t>(spare_.stats.size()); ++i) {
      Links& links = spare_.links[i];
      if (links.num_children == kPolicyStored) {
        links.first_child = spare_.store(stored_policy_row(links.first_child), policy_width_);
      } else if (links.num_children > 0) {
        const int32_t first = links.first_child;
        links.first_child = static_cast<int32_t>(spare_.stats.size());
        spare_.append(nodes_, first, links.num_children);
      }
    }
    std::swap(nodes_, spare_);
  }

 private:
  // num_children of a leaf that keeps a policy row (its first_child is the row).
  static constexpr int16_t kPolicyStored = -1;
  // A node's memory (statistics, prior, links): the unit of max_nodes.
  static constexpr int kNodeBytes = 20;

  // Node fields come zeroed (vector::resize value-initialises): these stay
  // trivial types, so that growing the arrays is a memset.
  struct Links {
    int32_t first_child;  // meaningful once num_children > 0, or the policy row
    int16_t num_children;
    int16_t action;
  };

  // What a backup updates, together: one cache line per node on the path.
  struct Stats {
    float value_sum;
    int32_t visits;
  };
  static_assert(sizeof(Stats) + sizeof(float) + sizeof(Links) == kNodeBytes, "a node's columns");

  struct Columns {
    std::vector<Stats> stats;
    std::vector<float> prior;
    std::vector<Links> links;
    std::vector<float> policies;  // stored policy rows, one after another

    void clear() { stats.clear(), prior.clear(), links.clear(), policies.clear(); }
    // Appends a policy row; returns its row number.
    int32_t store(const float* policy, int width) {
      const size_t at = policies.size();
      policies.insert(policies.end(), policy, policy + width);
      return static_cast<int32_t>(at / width);
    }
    // `count` fresh nodes at the end, all fields zero: no visits, no children.
    void grow(int count) {
      const size_t n = stats.size() + count;
      stats.resize(n), prior.resize(n), links.resize(n);
    }
    // Copies nodes [from, from + count) of `other` to the end.
    void append(const Columns& other, int32_t from, int count) {
      auto copy = [&](auto& to, const auto& source) { to.insert(to.end(), source.begin() + from, source.begin() + from + count); };
      copy(stats, other.stats), copy(prior, other.prior), copy(links, other.links);
    }
  };

  const float* stored_policy_row(int32_t row) const { return &nodes_.policies[static_cast<size_t>(row) * policy_width_]; }

  // A policy row's memory, in nodes.
  int64_t policy_nodes() const { return (policy_width_ * static_cast<int64_t>(sizeof(float)) + kNodeBytes - 1) / kNodeBytes; }

  int64_t max_nodes_;
  int policy_width_ = 0;
  Columns nodes_;
  Columns spare_;
};

}  // namespace arena::search
