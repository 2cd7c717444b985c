// The order in which the competition's physics engine (Chipmunk 7.0.3) finds touching pairs: the C++
// form of envs/fighting/broadphase.py (a port of cpBBTree.c and cpHashSet.c), operation for operation
// in double precision. Its docstring tells the rules; the functions here carry the same names.
// Nodes are indices into a fixed pool (no pointers), so that a copied Game needs no rebinding.
#pragma once

#include <cmath>
#include <cstdint>

namespace fighting {

// A bounding box: left, bottom, right, top, with bottom < top.
struct Box {
  double l, b, r, t;
};

inline double cp_min(double a, double b) { return a < b ? a : b; }  // cpfmin
inline double cp_max(double a, double b) { return a > b ? a : b; }  // cpfmax

inline bool intersects(const Box& a, const Box& b) { return a.l <= b.r && b.l <= a.r && a.b <= b.t && b.b <= a.t; }
inline bool contains(const Box& a, const Box& b) { return a.l <= b.l && a.r >= b.r && a.b <= b.b && a.t >= b.t; }
inline Box merge(const Box& a, const Box& b) {
  return {cp_min(a.l, b.l), cp_min(a.b, b.b), cp_max(a.r, b.r), cp_max(a.t, b.t)};
}
inline double area(const Box& a) { return (a.r - a.l) * (a.t - a.b); }
inline double merged_area(const Box& a, const Box& b) {
  return (cp_max(a.r, b.r) - cp_min(a.l, b.l)) * (cp_max(a.t, b.t) - cp_min(a.b, b.b));
}
inline double proximity(const Box& a, const Box& b) {
  return std::fabs(a.l + a.r - b.l - b.r) + std::fabs(a.b + a.t - b.b - b.t);
}

// GetBB grows boxes by `0.1f`, a single-precision constant: this is its exact double value.
constexpr double FAT = 0.100000001490116119384765625;

// GetBB: the box a moving leaf keeps in the tree.
inline Box fat_box(const Box& box, double vx, double vy) {
  double x = (box.r - box.l) * FAT, y = (box.t - box.b) * FAT;
  vx *= FAT;
  vy *= FAT;
  return {box.l + cp_min(-x, vx), box.b + cp_min(-y, vy), box.r + cp_max(x, vx), box.t + cp_max(y, vy)};
}

// Chipmunk's two trees for at most LEAVES shapes: `add_static`, `add` and `remove` them as the
// competition's game adds them to its space (the order gives each its id), then `step` once per
// physics step. Leaves are named by the node index `add` returns.
template <int LEAVES>
class BroadPhase {
 public:
  static constexpr int NODES = 2 * LEAVES;

  BroadPhase() {
    for (int i = 0; i < NODES; ++i) free_[i] = static_cast<Index>(NODES - 1 - i);
    for (Index& bucket : buckets_) bucket = NONE;
  }

  // cpBBTreeInsert on the static tree
  int add_static(const Box& box) {
    int leaf = leaf_new(box);
    nodes_[leaf].hashid = next_id_++;
    static_root_ = subtree_insert(static_root_, leaf);
    nodes_[leaf].stamp = stamp_;
    if (root_ != NONE) mark_query(root_, leaf, true, nowhere);  // LeafAddPairs
    ++stamp_;
    return leaf;
  }

  // cpBBTreeInsert on the dynamic tree: a moving shape with box `box` and velocity (vx, vy).
  int add(const Box& box, double vx, double vy) {
    int leaf = leaf_new(fat_box(box, vx, vy));
    set_insert(next_id_++, leaf);
    root_ = subtree_insert(root_, leaf);
    nodes_[leaf].stamp = stamp_;
    mark_leaf(leaf, nowhere);  // LeafAddPairs
    ++stamp_;
    return leaf;
  }

  // cpBBTreeRemove
  void remove(int leaf) {
    set_remove(leaf);
    root_ = subtree_remove(root_, leaf);
    pairs_clear(leaf);
    node_free(leaf);
  }

  // The number the engine's space gave a leaf's shape (cpShape.hashid).
  uint32_t hashid(int leaf) const { return nodes_[leaf].hashid; }

  // cpBBTreeReindexQuery: `box_of(leaf, box, vx, vy)` gives each moving leaf's box after this step's
  // position update and its body's velocity then; `report(first, second, id)` gets the touching
  // candidates in the order the engine finds them, with the byte where their cached pair keeps its
  // collision id (null for a pair found afresh, whose id the engine does not keep).
  template <typename BoxOf, typename Report>
  void step(BoxOf box_of, Report report) {
    if (root_ == NONE) return;
    for (int i = 0; i < size_; ++i)
      for (int leaf = buckets_[i]; leaf != NONE; leaf = nodes_[leaf].next) leaf_update(leaf, box_of);
    mark_subtree(root_, report);
    ++stamp_;
  }

 private:
  static constexpr int NONE = -1;
  // cpHashSet's table sizes (prime.h): with fewer leaves than the last, the table never outgrows it.
  static constexpr int PRIMES[4] = {5, 13, 23, 47};
  static_assert(LEAVES < PRIMES[3], "more leaves than the hash set's largest table here");

  // A leaf (`a` is NONE) or an inner node. A leaf keeps its stamp, its pairs (newest first: the
  // other leaf's node times 2, plus 1 where this leaf is the pair's `b`) with the collision id of
  // each (kept on the `b` leaf's side, where the pair is reported), and its hash set entry.
  // Small fields keep a node near a cache line: batches step thousands of games.
  using Index = int8_t;
  static_assert(2 * NODES < 128, "node indices (and pair entries) must fit an int8_t");
  struct Node {
    Box bb;
    int stamp;
    uint32_t hashid;
    Index parent, a, b;
    Index next;  // the next leaf in its hash bucket
    Index pair_count;
    Index pairs[LEAVES];
    uint8_t pair_ids[LEAVES];  // narrowphase.h's pack_id
  };

  static void nowhere(int, int, uint8_t*) {}

  Node nodes_[NODES];
  Index free_[NODES];
  int free_count_ = NODES;
  int root_ = NONE, static_root_ = NONE;
  int stamp_ = 0;  // the dynamic tree's stamp (the static tree stamps with it too)
  uint32_t next_id_ = 0;  // cpSpace's shapeIDCounter
  Index buckets_[PRIMES[3]];  // the moving leaves' hash set: each bucket's first leaf, newest first
  int size_ = PRIMES[0];
  int entries_ = 0;

  bool is_leaf(int node) const { return nodes_[node].a == NONE; }

  int node_alloc() { return free_[--free_count_]; }
  void node_free(int node) { free_[free_count_++] = static_cast<Index>(node); }

  int leaf_new(const Box& bb) {
    int leaf = node_alloc();
    Node& n = nodes_[leaf];
    n.bb = bb;
    n.parent = n.a = n.b = NONE;
    n.stamp = 0;
    n.pair_count = 0;
    return leaf;
  }

  void set_a(int node, int value) {
    nodes_[node].a = static_cast<Index>(value);
    nodes_[value].parent = static_cast<Index>(node);
  }
  void set_b(int node, int value) {
    nodes_[node].b = static_cast<Index>(value);
    nodes_[value].parent = static_cast<Index>(node);
  }

  int node_new(int a, int b) {
    int node = node_alloc();
    nodes_[node].bb = merge(nodes_[a].bb, nodes_[b].bb);
    nodes_[node].parent = NONE;
    set_a(node, a);
    set_b(node, b);
    return node;
  }

  int other(int node, int child) const { return nodes_[node].a == child ? nodes_[node].b : nodes_[node].a; }

  int subtree_insert(int subtree, int leaf) {
    if (subtree == NONE) return leaf;
    if (is_leaf(subtree)) return node_new(leaf, subtree);
    Node& s = nodes_[subtree];
    const Box& bb = nodes_[leaf].bb;
    double cost_a = area(nodes_[s.b].bb) + merged_area(nodes_[s.a].bb, bb);
    double cost_b = area(nodes_[s.a].bb) + merged_area(nodes_[s.b].bb, bb);
    if (cost_a == cost_b) {
      cost_a = proximity(nodes_[s.a].bb, bb);
      cost_b = proximity(nodes_[s.b].bb, bb);
    }
    if (cost_b < cost_a)
      set_b(subtree, subtree_insert(s.b, leaf));
    else
      set_a(subtree, subtree_insert(s.a, leaf));
    s.bb = merge(s.bb, bb);
    return subtree;
  }

  int subtree_remove(int subtree, int leaf) {
    if (leaf == subtree) return NONE;
    int parent = nodes_[leaf].parent;
    if (parent == subtree) {
      int kept = other(subtree, leaf);
      nodes_[kept].parent = nodes_[subtree].parent;
      node_free(subtree);
      return kept;
    }
    int grand = nodes_[parent].parent;  // NodeReplaceChild(grand, parent, other)
    if (nodes_[grand].a == parent)
      set_a(grand, other(parent, leaf));
    else
      set_b(grand, other(parent, leaf));
    node_free(parent);
    for (int node = grand; node != NONE; node = nodes_[node].parent)
      nodes_[node].bb = merge(nodes_[nodes_[node].a].bb, nodes_[nodes_[node].b].bb);
    return subtree;
  }

  void pair_push(int leaf, int entry) {
    Node& n = nodes_[leaf];
    for (int i = n.pair_count; i > 0; --i) {
      n.pairs[i] = n.pairs[i - 1];
      n.pair_ids[i] = n.pair_ids[i - 1];
    }
    n.pairs[0] = static_cast<Index>(entry);
    n.pair_ids[0] = 0;
    ++n.pair_count;
  }

  // PairInsert: a new pair (a, b) at the front of both leaves' lists. A pair of leaves is never
  // cached twice (a leaf's pairs are cleared before it pairs again), so lists hold < LEAVES pairs.
  void pair_insert(int a, int b) {
    pair_push(a, 2 * b);
    pair_push(b, 2 * a + 1);
  }

  void pairs_clear(int leaf) {
    Node& n = nodes_[leaf];
    for (int i = 0; i < n.pair_count; ++i) {
      Node& o = nodes_[n.pairs[i] / 2];
      int entry = 2 * leaf + (n.pairs[i] % 2 ? 0 : 1);  // the same pair seen from the other leaf
      int at = 0;
      while (o.pairs[at] != entry) ++at;
      for (--o.pair_count; at < o.pair_count; ++at) {
        o.pairs[at] = o.pairs[at + 1];
        o.pair_ids[at] = o.pair_ids[at + 1];
      }
    }
    n.pair_count = 0;
  }

  // LeafUpdate: a leaf whose box left its fat box is re-inserted with a new one, its pairs dropped.
  template <typename BoxOf>
  void leaf_update(int leaf, BoxOf& box_of) {
    Box box;
    double vx, vy;
    box_of(leaf, box, vx, vy);
    if (contains(nodes_[leaf].bb, box)) return;
    nodes_[leaf].bb = fat_box(box, vx, vy);
    root_ = subtree_insert(subtree_remove(root_, leaf), leaf);
    pairs_clear(leaf);
    nodes_[leaf].stamp = stamp_;
  }

  void set_insert(uint32_t hashid, int leaf) {
    nodes_[leaf].hashid = hashid;
    bucket_push(leaf);
    if (++entries_ >= size_) set_resize();
  }

  void bucket_push(int leaf) {
    Index& bucket = buckets_[nodes_[leaf].hashid % static_cast<uint32_t>(size_)];
    nodes_[leaf].next = bucket;
    bucket = static_cast<Index>(leaf);
  }

  // cpHashSetResize: rehash each bucket in order, each entry to the front of its new bucket.
  void set_resize() {
    Index old[PRIMES[3]];
    int old_size = size_;
    for (int i = 0; i < old_size; ++i) old[i] = buckets_[i];
    int p = 0;
    while (PRIMES[p] < old_size + 1) ++p;
    size_ = PRIMES[p];
    for (int i = 0; i < size_; ++i) buckets_[i] = NONE;
    for (int i = 0; i < old_size; ++i)
      for (int leaf = old[i], next; leaf != NONE; leaf = next) {
        next = nodes_[leaf].next;
        bucket_push(leaf);
      }
  }

  void set_remove(int leaf) {
    Index* link = &buckets_[nodes_[leaf].hashid % static_cast<uint32_t>(size_)];
    while (*link != leaf) link = &nodes_[*link].next;
    *link = nodes_[leaf].next;
    --entries_;
  }

  template <typename Report>
  void mark_subtree(int node, Report& report) {
    if (is_leaf(node)) {
      mark_leaf(node, report);
    } else {
      mark_subtree(nodes_[node].a, report);
      mark_subtree(nodes_[node].b, report);
    }
  }

  // MarkLeaf: a leaf stamped this step finds its pairs (static leaves, then its `a` siblings' leaves
  // on the way up, caching those of its `b` siblings); any other reports its cached pairs where it
  // is `b`.
  template <typename Report>
  void mark_leaf(int leaf, Report& report) {
    Node& n = nodes_[leaf];
    if (n.stamp == stamp_) {
      if (static_root_ != NONE) mark_query(static_root_, leaf, false, report);
      for (int node = leaf; nodes_[node].parent != NONE; node = nodes_[node].parent) {
        int parent = nodes_[node].parent;
        if (node == nodes_[parent].a)
          mark_query(nodes_[parent].b, leaf, true, report);
        else
          mark_query(nodes_[parent].a, leaf, false, report);
      }
    } else {
      for (int i = 0; i < n.pair_count; ++i)
        if (n.pairs[i] % 2) report(n.pairs[i] / 2, leaf, &n.pair_ids[i]);
    }
  }

  template <typename Report>
  void mark_query(int subtree, int leaf, bool left, Report& report) {
    if (!intersects(nodes_[leaf].bb, nodes_[subtree].bb)) return;
    if (!is_leaf(subtree)) {
      mark_query(nodes_[subtree].a, leaf, left, report);
      mark_query(nodes_[subtree].b, leaf, left, report);
    } else if (left) {
      pair_insert(leaf, subtree);
    } else {
      if (nodes_[subtree].stamp < nodes_[leaf].stamp) pair_insert(subtree, leaf);
      report(leaf, subtree, nullptr);
    }
  }
};

}  // namespace fighting
