// The search tree's storage: nodes in one array, the children of a node in
// one contiguous block, addressed by index so the array may grow. Clearing
// keeps the memory, so after the first search a tree allocates nothing.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace arena::search {

struct Node {
  float prior = 0.0f;      // the policy's probability of the move into this node
  float value_sum = 0.0f;  // summed values, from the view of the player who moved into this node
  int32_t visits = 0;      // simulations through this node (plus pending virtual losses)
  int32_t first_child = -1;  // index of the first child; -1 until expanded
  int16_t num_children = 0;
  int16_t action = -1;       // the move from the parent into this node

  bool is_expanded() const { return first_child >= 0; }
  float mean_value() const { return visits > 0 ? value_sum / static_cast<float>(visits) : 0.0f; }
};

class Tree {
 public:
  static constexpr int32_t kRoot = 0;

  explicit Tree(int64_t max_nodes) : max_nodes_(max_nodes) { clear(); }

  void clear() {
    nodes_.clear();
    nodes_.emplace_back();
  }

  Node& operator[](int32_t index) { return nodes_[index]; }
  const Node& operator[](int32_t index) const { return nodes_[index]; }
  int64_t size() const { return static_cast<int64_t>(nodes_.size()); }
  void set_max_nodes(int64_t max_nodes) { max_nodes_ = max_nodes; }

  // Gives `parent` children for `actions` with `priors`; false (and no
  // change) when that would pass the node limit.
  bool expand(int32_t parent, const int* actions, const float* priors, int count) {
    if (size() + count > max_nodes_) return false;
    const auto first = static_cast<int32_t>(nodes_.size());
    for (int i = 0; i < count; ++i) {
      Node child;
      child.prior = priors[i];
      child.action = static_cast<int16_t>(actions[i]);
      nodes_.push_back(child);
    }
    nodes_[parent].first_child = first;
    nodes_[parent].num_children = static_cast<int16_t>(count);
    return true;
  }

  // Keeps only the subtree under `new_root`, which becomes the root: copied
  // breadth-first into the spare array (children blocks stay contiguous),
  // then the arrays swap.
  void reroot(int32_t new_root) {
    spare_.clear();
    spare_.push_back(nodes_[new_root]);
    for (size_t i = 0; i < spare_.size(); ++i) {
      const Node node = spare_[i];
      if (!node.is_expanded()) continue;
      spare_[i].first_child = static_cast<int32_t>(spare_.size());
      spare_.insert(spare_.end(), nodes_.begin() + node.first_child,
                    nodes_.begin() + node.first_child + node.num_children);
    }
    std::swap(nodes_, spare_);
  }

 private:
  int64_t max_nodes_;
  std::vector<Node> nodes_;
  std::vector<Node> spare_;
};

}  // namespace arena::search
