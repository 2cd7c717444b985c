"""The order in which the competition's physics engine finds touching pairs (its broadphase).

Chipmunk (7.0.3, as pymunk 6.2.1 bundles it) solves contacts in the order its broadphase reports the
touching pairs, and when a fighter is squeezed between the moving platform and a ground the contact
solved last wins. That order comes from the engine's bounding-box trees (`cpBBTree.c`): a tree of
the moving shapes (the platform, the fighters, weapons lying about) and one of the static shapes
(the grounds). `BroadPhase` is a line-by-line port of the parts of `cpBBTree.c` and `cpHashSet.c`
that decide that order, so that `World.step` can create (and therefore solve) contacts in it:

* every moving leaf keeps a "fat" box: its box grown by 10% of its size on each side, and further
  along a tenth of its velocity (`GetBB`); the leaf is re-inserted into the tree only when its box
  leaves the fat box (`LeafUpdate`), in the order of the leaves' hash set (the shapes' ids modulo a
  prime table size, newest first in a bucket);
* the tree is then walked children `a` before `b` (`MarkSubtree`); a leaf re-inserted this step
  reports the static leaves its fat box meets, then the leaves of every `a` sibling on its way to
  the root (`MarkLeaf`); any other leaf reports the cached pairs in which it is the second leaf,
  newest first. Pairs are cached per leaf (`PairInsert`, `PairsClear`) and stamped by step; a
  cached pair keeps the collision id the narrow phase returned for it, which starts its next search
  (a pair found afresh starts without one).

The state that carries from step to step is the tree's shape, each leaf's fat box, stamp and
pair list, the pairs' collision ids, the stamp counter, the hash set's table and the next shape id:
everything here.
Boxes are `(left, bottom, right, top)` tuples with bottom < top.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable

# `GetBB` grows boxes by `0.1f`, a single-precision constant: this is its exact double value.
FAT = 0.100000001490116119384765625
PRIMES = (5, 13, 23, 47, 97, 193, 389, 769, 1543, 3079, 6151, 12289, 24593, 49157, 98317)

Box = tuple  # (left, bottom, right, top)


def boxes_meet(a: Box, b: Box) -> bool:
    """cpBBIntersects: the boxes meet (edges included)."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _contains(a: Box, b: Box) -> bool:
    return a[0] <= b[0] and a[2] >= b[2] and a[1] <= b[1] and a[3] >= b[3]


def _min(a: float, b: float) -> float:  # cpfmin
    return a if a < b else b


def _max(a: float, b: float) -> float:  # cpfmax
    return a if a > b else b


def _merge(a: Box, b: Box) -> Box:
    return (_min(a[0], b[0]), _min(a[1], b[1]), _max(a[2], b[2]), _max(a[3], b[3]))


def _area(a: Box) -> float:
    return (a[2] - a[0]) * (a[3] - a[1])


def _merged_area(a: Box, b: Box) -> float:
    return (_max(a[2], b[2]) - _min(a[0], b[0])) * (_max(a[3], b[3]) - _min(a[1], b[1]))


def _proximity(a: Box, b: Box) -> float:
    return abs(a[0] + a[2] - b[0] - b[2]) + abs(a[1] + a[3] - b[1] - b[3])


def fat_box(box: Box, vx: float, vy: float) -> Box:
    """`GetBB`: the box a moving leaf keeps in the tree."""
    x = (box[2] - box[0]) * FAT
    y = (box[3] - box[1]) * FAT
    vx, vy = vx * FAT, vy * FAT
    return (box[0] + _min(-x, vx), box[1] + _min(-y, vy), box[2] + _max(x, vx), box[3] + _max(y, vy))


class _Node:
    """A leaf (`obj` set; `stamp`, `pairs`: newest first) or an inner node (`a`, `b`)."""

    __slots__ = ("obj", "bb", "parent", "a", "b", "stamp", "pairs")

    def __init__(self, obj: Any, bb: Box):
        self.obj, self.bb = obj, bb
        self.parent: _Node | None = None
        self.a = self.b = None
        self.stamp = 0
        self.pairs: list[Pair] = []


class Pair:
    """A cached pair of leaves, and the collision id the narrow phase left on it (0: none yet), which
    starts its next search (see `narrowphase.collide`)."""

    __slots__ = ("a", "b", "id")

    def __init__(self, a: _Node, b: _Node):
        self.a, self.b = a, b
        self.id = 0


def _set_a(node: _Node, value: _Node) -> None:
    node.a = value
    value.parent = node


def _set_b(node: _Node, value: _Node) -> None:
    node.b = value
    value.parent = node


def _node_new(a: _Node, b: _Node) -> _Node:
    node = _Node(None, _merge(a.bb, b.bb))
    _set_a(node, a)
    _set_b(node, b)
    return node


def _other(node: _Node, child: _Node) -> _Node:
    return node.b if node.a is child else node.a


def _subtree_insert(subtree: _Node | None, leaf: _Node) -> _Node:
    if subtree is None:
        return leaf
    if subtree.obj is not None:
        return _node_new(leaf, subtree)
    cost_a = _area(subtree.b.bb) + _merged_area(subtree.a.bb, leaf.bb)
    cost_b = _area(subtree.a.bb) + _merged_area(subtree.b.bb, leaf.bb)
    if cost_a == cost_b:
        cost_a = _proximity(subtree.a.bb, leaf.bb)
        cost_b = _proximity(subtree.b.bb, leaf.bb)
    if cost_b < cost_a:
        _set_b(subtree, _subtree_insert(subtree.b, leaf))
    else:
        _set_a(subtree, _subtree_insert(subtree.a, leaf))
    subtree.bb = _merge(subtree.bb, leaf.bb)
    return subtree


def _subtree_remove(subtree: _Node, leaf: _Node) -> _Node | None:
    if leaf is subtree:
        return None
    parent = leaf.parent
    if parent is subtree:
        other = _other(subtree, leaf)
        other.parent = subtree.parent
        return other
    grand = parent.parent  # NodeReplaceChild(grand, parent, other)
    if grand.a is parent:
        _set_a(grand, _other(parent, leaf))
    else:
        _set_b(grand, _other(parent, leaf))
    node = grand
    while node is not None:
        node.bb = _merge(node.a.bb, node.b.bb)
        node = node.parent
    return subtree


def _pair_insert(a: _Node, b: _Node) -> None:
    pair = Pair(a, b)
    a.pairs.insert(0, pair)
    b.pairs.insert(0, pair)


def _pairs_clear(leaf: _Node) -> None:
    for pair in leaf.pairs:
        other = pair.b if pair.a is leaf else pair.a
        other.pairs.remove(pair)
    leaf.pairs = []


class BroadPhase:
    """Chipmunk's pair of trees: `add_static`, `add` and `remove` shapes as the competition's game
    adds them to its space (the order gives each its id), then `step` once per physics step."""

    def __init__(self) -> None:
        self.stamp = 0  # the dynamic tree's stamp (the static tree stamps with it too)
        self.next_id = 0  # cpSpace's shapeIDCounter
        self.root: _Node | None = None
        self.static_root: _Node | None = None
        self.leaves: dict[Hashable, _Node] = {}
        # cpHashSet of the moving leaves: `table[i]` is a bucket, newest first, of (id, leaf)
        self.table: list[list[tuple[int, _Node]]] = [[] for _ in range(PRIMES[0])]
        self.entries = 0

    # cpBBTreeInsert on the static tree
    def add_static(self, obj: Hashable, box: Box) -> None:
        self.next_id += 1
        leaf = _Node(obj, box)
        self.static_root = _subtree_insert(self.static_root, leaf)
        leaf.stamp = self.stamp
        if self.root is not None:  # LeafAddPairs
            self._mark_query(self.root, leaf, True, None)
        self.stamp += 1

    # cpBBTreeInsert on the dynamic tree
    def add(self, obj: Hashable, box: Box, velocity: tuple[float, float]) -> None:
        leaf = _Node(obj, fat_box(box, *velocity))
        self.leaves[obj] = leaf
        self._set_insert(self.next_id, leaf)
        self.next_id += 1
        self.root = _subtree_insert(self.root, leaf)
        leaf.stamp = self.stamp
        self._mark_leaf(leaf, None)  # LeafAddPairs
        self.stamp += 1

    # cpBBTreeRemove
    def remove(self, obj: Hashable) -> None:
        leaf = self.leaves.pop(obj)
        for bucket in self.table:
            for i, (_, node) in enumerate(bucket):
                if node is leaf:
                    del bucket[i]
                    self.entries -= 1
                    break
        self.root = _subtree_remove(self.root, leaf)
        _pairs_clear(leaf)

    # cpBBTreeReindexQuery
    def step(self, box_of: Callable[[Any], tuple[Box, tuple[float, float]]]) -> list[tuple[Any, Any, Pair | None]]:
        """The touching candidates in the order the engine reports them, each with its cached pair
        (None for a pair found afresh this step, whose collision id the engine does not keep).
        `box_of(obj)` gives each moving shape's box after this step's position update and its
        body's velocity then."""
        if self.root is None:
            return []
        for bucket in self.table:
            for _, leaf in list(bucket):
                box, velocity = box_of(leaf.obj)
                if not _contains(leaf.bb, box):  # LeafUpdate
                    leaf.bb = fat_box(box, *velocity)
                    self.root = _subtree_insert(_subtree_remove(self.root, leaf), leaf)
                    _pairs_clear(leaf)
                    leaf.stamp = self.stamp
        found: list[tuple[Any, Any, Pair | None]] = []
        self._mark_subtree(self.root, found)
        self.stamp += 1
        return found

    def _set_insert(self, hashid: int, leaf: _Node) -> None:
        size = len(self.table)
        self.table[hashid % size].insert(0, (hashid, leaf))
        self.entries += 1
        if self.entries >= size:  # cpHashSetResize: rehash each bucket in order, each to the front
            new_size = next(p for p in PRIMES if p >= size + 1)
            table: list[list[tuple[int, _Node]]] = [[] for _ in range(new_size)]
            for bucket in self.table:
                for entry in bucket:
                    table[entry[0] % new_size].insert(0, entry)
            self.table = table

    def _mark_subtree(self, node: _Node, found: list | None) -> None:
        if node.obj is not None:
            self._mark_leaf(node, found)
        else:
            self._mark_subtree(node.a, found)
            self._mark_subtree(node.b, found)

    def _mark_leaf(self, leaf: _Node, found: list | None) -> None:
        if leaf.stamp == self.stamp:
            if self.static_root is not None:
                self._mark_query(self.static_root, leaf, False, found)
            node = leaf
            while node.parent is not None:
                parent = node.parent
                if node is parent.a:
                    self._mark_query(parent.b, leaf, True, found)
                else:
                    self._mark_query(parent.a, leaf, False, found)
                node = parent
        elif found is not None:
            for pair in leaf.pairs:
                if pair.b is leaf:
                    found.append((pair.a.obj, leaf.obj, pair))

    def _mark_query(self, subtree: _Node, leaf: _Node, left: bool, found: list | None) -> None:
        if boxes_meet(leaf.bb, subtree.bb):
            if subtree.obj is not None:
                if left:
                    _pair_insert(leaf, subtree)
                else:
                    if subtree.stamp < leaf.stamp:
                        _pair_insert(subtree, leaf)
                    if found is not None:
                        found.append((leaf.obj, subtree.obj, None))
            else:
                self._mark_query(subtree.a, leaf, left, found)
                self._mark_query(subtree.b, leaf, left, found)
