// Exact Othello endgame solver on 8 x 8 bitboards: the final disc difference
// for the side to move under perfect play (empty squares go to the winner,
// as in the FFO test suite and Edax).
//
// The score comes from a series of searches with windows two wide around a
// guess (scores are even, so each finds the score or moves the guess; the steps
// grow when the score keeps failing the same way), all on one transposition
// table (near the leaves, a small one of each thread's); the first guess is a
// little under a shallow search of the pattern evaluation (othello_eval.h;
// without it, 0 unless a hand-made evaluation foresees a rout). From 18 empties
// selective searches (ProbCut) come first, each surer than the last: they move
// the guess and leave their best moves in the table for the exact search.
// Each is negamax alpha-beta with principal-variation search (null windows for
// all but the first move), the table's score bounds and best moves (the
// costliest results kept), enhanced transposition cutoffs, stability cutoffs and
// fastest-first move ordering (fewest replies for the opponent, corners first,
// few own frontier discs; one reply deeper from 13 empties), from 16 empties
// on with a search of the pattern evaluation added (one ply, up to four near the
// root); below 8 empties moves are ordered by their squares alone (fewest empty
// neighbours first), looking at no position.
// The last two empties are played directly, without the table or move generation. Several threads all search
// the tree on the shared table, each putting off moves another is searching, so
// that they spread over its branches (simplified ABDADA). Move generation is
// othello.h's 8 x 8 board8::legal_moves() and board8::flips(). The module holds
// two compilations of all this, baseline and AVX2 (target.h).
// Nodes are counted as Edax counts them, so that the counts compare: every
// position searched, and every position looked at to order moves (the children
// and, from 13 empties, their replies; the evaluation's searches node by node).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

#include <sys/mman.h>

#include "othello.h"
#include "othello_eval.h"

namespace arena {
inline namespace ARENA_TARGET {
namespace othello::solve {

constexpr int kScoreMax = 64;
constexpr int kInfinity = 127;
constexpr int kPass = 64;
constexpr Bitboard kCorners = 0x8100000000000081ULL;
// X-squares and C-squares: the squares next to a corner.
constexpr Bitboard kNearCorners = 0x42C300000000C342ULL;

// With several threads, a move whose position (this many empties or more) another thread is
// searching waits until the node's other moves are searched.
constexpr int kDeferMinEmpties = 12;
// Below this many empties positions are searched without a table or move generation (the last
// two empties played directly). Since the nodes from kTableMinEmpties to kSquareOrderEmpties
// order their moves without counting a node per move, the table pays from 3 empties: FFO #20-39
// (one thread, nodes counted as Edax counts them) 111.6M nodes from 3, 118.3M from 4, 124.7M from
// 5, 127.9M from 6, 132.9M from 7; FFO #45-47, 303.3M from 3, 316.8M from 4, 395.9M from 6. The
// table costs time: on #45 a quarter more CPU time a node from 3 than from 6 (a tenth more in all).
// (Before the square order, 6 was best: 6% fewer nodes and 6% less time than 4 on #45-47.)
constexpr int kTableMinEmpties = 3;
// Below this many empties each thread keeps its positions in a table of its own, small enough
// to stay in its core's cache: a lookup in the large shared table costs a trip to memory, more
// than most of these searches (FFO #45-52, one thread: to 7 empties in 4 MiB, 4% less time than
// to 6 in 1 MiB for 1% more nodes; to 8 in 8 MiB, 2% less time again for 2% more nodes).
constexpr int kSharedTableMinEmpties = 8;
constexpr int kLocalTableBits = 17;  // 4 MiB
// From this many empties on, children are looked up in the table before searching any (each a
// trip to memory): on FFO #45-52, one thread, from 10 empties 8% less time than from 8 for 3%
// more nodes (from 9: 4% less time, 1% more nodes; from 12: 10% less, 6% more).
constexpr int kEtcMinEmpties = 10;
// From this many empties on, the first window is placed by a shallow search of kGuessDepth plies:
// of the pattern evaluation once it is loaded, else of the hand-made one, and then only when it
// foresees a margin of kGuessMinMargin discs or more.
constexpr int kGuessMinEmpties = 12;
constexpr int kRoughGuessMinEmpties = 20;
constexpr int kGuessDepth = 6;
constexpr int kGuessMinMargin = 40;
// The pattern evaluation's estimate places the first window this many discs below it. A window
// above the score fails low, proving that every move falls short, where one below it fails high
// on the first good move: on FFO #45-52 the searches failing low were most of the nodes, and
// starting 4 below the estimate takes 11% fewer nodes (2 or 6 below: 10%, 8: 8%); an odd guess
// goes a disc further down. The evaluation also rates the mover higher than the score on most
// FFO positions (by 3 discs on average over #40-58: they have more empties than the positions it
// was fitted on).
constexpr int kGuessBelow = 4;
// From this many empties on, with the pattern evaluation loaded, moves are also ordered by a
// search of it from the position they lead to, eval_order_depth() plies, kEvalOrderWeight a disc
// (a reply more for the opponent weighs 64). Measured on FFO #40-53 with the shipped weights:
// from 14 empties or 32 a disc, 6-10% more nodes; 12, 18, 24 or 64, more still.
constexpr int kEvalOrderEmpties = 16;
constexpr int kEvalOrderWeight = 48;
// Deeper near the root, where a better first move saves the most and the searches cost little
// beside the subtrees they order: one ply below 20 empties, then 2, 3 from 24, 4 from 26. On FFO
// #45-52 12% fewer nodes than one ply throughout (2 from 20 alone: 7%).
constexpr int eval_order_depth(int empties) { return 1 + (empties >= 20) + (empties >= 24) + (empties >= 26); }
// After more than this many window searches failing the same way, the guesses stride past the
// bound found (steps of two cost fewer nodes near the score, on FFO #37-47).
constexpr int kStepsBeforeStrides = 8;
// From this many empties on, move ordering looks one reply deeper (each reply a node more): on
// FFO #45-52, one thread, from 13 empties 6% fewer nodes than from 11 in the same time; from 15
// or 17, 4% and 10% more nodes than from 13, and slower. With the table-free search below 6
// empties, 24% fewer nodes and 16% less time than both before (from 4 empties and 9).
constexpr int kLookaheadEmpties = 13;
// Below this many empties (and from kTableMinEmpties) a node orders its moves by their squares
// alone (square_order(), odd quadrants first among equals), without looking at the positions
// they lead to: each position looked at to order moves is a node, and at 6 and 7 empties those
// were a quarter of all nodes (FFO #45). FFO #20-39, one thread: 8% fewer nodes than
// fastest-first there (below 7 empties: 3-4% fewer; below 9: 7-8%, by the squares' weights).
constexpr int kSquareOrderEmpties = 8;

// Selective passes (ProbCut, as Edax does): from kSelectiveMinEmpties on, with the pattern
// evaluation, the exact search is preceded by searches that take a node whose shallow search
// (probcut_depth() plies of the evaluation) lies far enough past its window to fail the same
// way: kProbCutT[level] standard errors of that search (probcut_sigma(); measured against the
// exact scores of 5,178 positions with 11-22 empties) from kProbCutMinEmpties on. Each pass is
// surer than the last; they leave good moves in the table and place the exact search's first
// window. FFO #45-52, one thread: 20% fewer nodes than without; on two threads 27% fewer nodes
// in 15-23% less time; FFO #20-39, 43% fewer nodes (the other settings tried are in
// bench/RESULTS.md).
constexpr int kSelectiveMinEmpties = 18;
constexpr int kProbCutMinEmpties = 8;
constexpr double kProbCutT[] = {1.1, 1.5, 2.0, 2.6};
constexpr int kSelectiveLevels = sizeof(kProbCutT) / sizeof(kProbCutT[0]);
// How sure a search is: the selective passes count up from 0; an exact search's results are kExact.
constexpr int kExact = 7;
static_assert(kSelectiveLevels <= kExact, "a table slot holds levels 0 to 7");
constexpr int probcut_depth(int empties) { return empties >= 22 ? 4 : 2; }
// The standard error of a 2- and a 4-ply search against the exact score, in discs.
constexpr double probcut_sigma(int depth) { return depth >= 4 ? 6.5 : 7.5; }
constexpr int probcut_margin(int level, int depth) { return int(kProbCutT[level] * probcut_sigma(depth) + 0.5); }

// The four 4 x 4 quadrants.
constexpr Bitboard kQuadrant[4] = {0x000000000F0F0F0FULL, 0x00000000F0F0F0F0ULL, 0x0F0F0F0F00000000ULL,
                                   0xF0F0F0F000000000ULL};

// Every square next to each square: a move there needs an opponent disc among them.
struct Neighbours {
  Bitboard of[64];
  constexpr Neighbours() : of{} {
    for (int sq = 0; sq < 64; ++sq) {
      Bitboard b = 0;
      const int r = sq / 8, c = sq % 8;
      for (int dr = -1; dr <= 1; ++dr)
        for (int dc = -1; dc <= 1; ++dc) {
          const int rr = r + dr, cc = c + dc;
          if ((dr || dc) && rr >= 0 && rr < 8 && cc >= 0 && cc < 8) b |= Bitboard{1} << (rr * 8 + cc);
        }
      of[sq] = b;
    }
  }
};
inline constexpr Neighbours kNeighbours{};

// How late to play on square `sq` near the end, judged from the square alone (lower first): the
// fewer empty squares around it the sooner (a move that fills a hole flips few discs that the
// opponent can turn back, and opens no new squares to it), corners first. The nodes below
// kSquareOrderEmpties order their moves by it (with the table from 3 empties: 29% fewer nodes on
// FFO #1-19, 25% on #20-39 and 32% on #45-47 than fastest-first there with the table from 6).
inline int square_order(int sq, Bitboard empty) {
  return 2 * popcount(empty & kNeighbours.of[sq]) - ((bit(sq) & kCorners) ? 1 : 0);
}

// The final score of a finished game for the side owning `own`.
inline int final_score(Bitboard own, Bitboard opp) {
  const int mine = popcount(own), theirs = popcount(opp);
  const int empties = 64 - mine - theirs;
  const int diff = mine - theirs;
  if (diff > 0) return diff + empties;
  if (diff < 0) return diff - empties;
  return 0;
}

// Squares in quadrants holding an odd number of empties.
inline Bitboard odd_quadrants(Bitboard empties) {
  Bitboard odd = 0;
  for (const Bitboard q : kQuadrant)
    if (popcount(empties & q) & 1) odd |= q;
  return odd;
}

// Every diagonal and anti-diagonal of two squares or more, as masks.
struct DiagonalLines {
  Bitboard line[26];
  int count;
  constexpr DiagonalLines() : line{}, count(0) {
    for (int d = -6; d <= 6; ++d) {  // col - row == d
      Bitboard m = 0;
      for (int r = 0; r < 8; ++r)
        if (r + d >= 0 && r + d < 8) m |= Bitboard{1} << (r * 8 + r + d);
      line[count++] = m;
    }
    for (int s = 1; s <= 13; ++s) {  // col + row == s
      Bitboard m = 0;
      for (int r = 0; r < 8; ++r)
        if (s - r >= 0 && s - r < 8) m |= Bitboard{1} << (r * 8 + s - r);
      line[count++] = m;
    }
  }
};
inline constexpr DiagonalLines kDiagonals{};

// A lower bound on the discs of `own` that can never be turned over: a disc
// is stable when, along each of the four lines through it, the line is full or
// a neighbour on that line is a board edge or a stable disc of the same side.
inline int stable_discs(Bitboard own, Bitboard opp) {
  const Bitboard occupied = own | opp;
  Bitboard full_h = 0, full_v, full_d1 = 0, full_d2 = 0;
  for (int r = 0; r < 8; ++r)
    if (((occupied >> (8 * r)) & 0xFF) == 0xFF) full_h |= Bitboard{0xFF} << (8 * r);
  Bitboard columns = occupied;
  columns &= columns >> 32;
  columns &= columns >> 16;
  columns &= columns >> 8;
  full_v = (columns & 0xFF) * 0x0101010101010101ULL;
  for (int i = 0; i < 13; ++i)
    if ((occupied & kDiagonals.line[i]) == kDiagonals.line[i]) full_d1 |= kDiagonals.line[i];
  for (int i = 13; i < 26; ++i)
    if ((occupied & kDiagonals.line[i]) == kDiagonals.line[i]) full_d2 |= kDiagonals.line[i];
  constexpr Bitboard kColA = 0x0101010101010101ULL, kColH = 0x8080808080808080ULL;
  constexpr Bitboard kRow1 = 0xFFULL, kRow8 = 0xFF00000000000000ULL;
  constexpr Bitboard kBorder = kColA | kColH | kRow1 | kRow8;
  // The corners' own single-square lines (a1-a1 diagonals) count as full.
  full_d1 |= 0x0000000000000080ULL | 0x0100000000000000ULL;
  full_d2 |= 0x0000000000000001ULL | 0x8000000000000000ULL;
  Bitboard stable = 0;
  while (true) {
    const Bitboard h = full_h | kColA | kColH | ((stable << 1) & ~kColA) | ((stable >> 1) & ~kColH);
    const Bitboard v = full_v | kRow1 | kRow8 | (stable << 8) | (stable >> 8);
    const Bitboard d1 = full_d1 | kBorder | ((stable << 9) & ~kColA) | ((stable >> 9) & ~kColH);
    const Bitboard d2 = full_d2 | kBorder | ((stable << 7) & ~kColH) | ((stable >> 7) & ~kColA);
    const Bitboard next = own & h & v & d1 & d2;
    if ((next | stable) == stable) return popcount(stable);
    stable |= next;
  }
}

// The squares next to the discs of `b` that are empty: where the other side may one day play.
inline Bitboard neighbours_of(Bitboard b) {
  constexpr Bitboard kNotA = 0xFEFEFEFEFEFEFEFEULL, kNotH = 0x7F7F7F7F7F7F7F7FULL;
  const Bitboard side = ((b << 1) & kNotA) | ((b >> 1) & kNotH);
  const Bitboard row = b | side;
  return side | (row << 8) | (row >> 8);
}

// A rough score of (own, opp) for the side to move, in discs, from what decides endgames
// before the discs are counted: mobility (corners weigh double), potential mobility (empty
// squares next to the other side's discs) and corners held.
inline int evaluate(Bitboard own, Bitboard opp) {
  const Bitboard empty = ~(own | opp);
  const Bitboard mine = board8::legal_moves(own, opp), theirs = board8::legal_moves(opp, own);
  const int mobility = popcount(mine) + popcount(mine & kCorners) - popcount(theirs) - popcount(theirs & kCorners);
  const int potential = popcount(empty & neighbours_of(opp)) - popcount(empty & neighbours_of(own));
  const int corners = popcount(own & kCorners) - popcount(opp & kCorners);
  return std::clamp(3 * mobility + potential + 8 * corners, -kScoreMax + 2, kScoreMax - 2);
}

// A hash of a position: where the table keeps it, and its key among the positions in search.
inline uint64_t position_hash(Bitboard own, Bitboard opp) {
  const uint64_t h = own * 0x9E3779B97F4A7C15ULL ^ (opp + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;
  return h ^ (h >> 29);
}

// A score bound known for a position, as the table holds it, and how sure the search that found
// it was.
struct Bound {
  int lower, upper, move, weight, level;
};

// Score bounds of positions already searched, two slots per bucket: the first keeps the
// heaviest result seen there (weight: the bit length of the node count that found it; the one
// it replaces moves to the second), the second always takes the newest. Slots are read and
// written without locks by every thread of a search: a slot stores its two bitboards XORed
// with its data word, which also holds a check hash of the position, so a slot torn by two
// writers at once does not match a position and reads as empty.
class Table {
 public:
  // 2^bits slots, in memory straight from the kernel: already zeroed (no pass over hundreds of
  // MiB before the search starts) and, where the kernel allows, in 2 MiB pages: in 4 KiB pages
  // nearly every probe of a large table also missed the TLB (the search ran a quarter slower).
  explicit Table(int bits) : mask_((std::size_t{1} << (bits - 1)) - 1), bytes_((mask_ + 1) * sizeof(Bucket)) {
    void* memory = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(memory, bytes_, MADV_HUGEPAGE);
#endif
    buckets_ = static_cast<Bucket*>(memory);
  }
  ~Table() { munmap(buckets_, bytes_); }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  // Starts loading the position's bucket into the cache.
  void prefetch(Bitboard own, Bitboard opp) const { __builtin_prefetch(&buckets_[index(own, opp)]); }

  bool find(Bitboard own, Bitboard opp, Bound* out) const {
    const Slot* slot = buckets_[index(own, opp)].slot;
    for (int k = 0; k < 2; ++k) {
      const uint64_t data = load(slot[k].data);
      if (data && (load(slot[k].own) ^ data) == own && (load(slot[k].opp) ^ data) == opp &&
          (data >> 40) == check(own, opp)) {
        *out = unpack(data);
        return true;
      }
    }
    return false;
  }

  // Records that the position's score lies in [lower, upper] (as sure as `level`), tightening
  // what is known as surely.
  void store(Bitboard own, Bitboard opp, int weight, int lower, int upper, int move, int level) {
    Slot* slot = buckets_[index(own, opp)].slot;
    for (int k = 0; k < 2; ++k) {
      const uint64_t data = load(slot[k].data);
      if (data && (load(slot[k].own) ^ data) == own && (load(slot[k].opp) ^ data) == opp &&
          (data >> 40) == check(own, opp)) {
        const Bound old = unpack(data);
        if (old.level > level) return;  // a surer result stays
        // Bounds of the exact score never contradict each other: keep the tighter of each. A
        // selective search's may: then the newest stand.
        if (old.level == level && std::max(lower, old.lower) <= std::min(upper, old.upper)) {
          lower = std::max(lower, old.lower);
          upper = std::min(upper, old.upper);
        }
        write(slot[k], own, opp, weight, lower, upper, move, level);
        return;
      }
    }
    const uint64_t first = load(slot[0].data);
    if (!first || weight >= unpack(first).weight) {
      if (first) {
        put(slot[1].own, load(slot[0].own));
        put(slot[1].opp, load(slot[0].opp));
        put(slot[1].data, first);
      }
      write(slot[0], own, opp, weight, lower, upper, move, level);
    } else {
      write(slot[1], own, opp, weight, lower, upper, move, level);
    }
  }

 private:
  // Plain words read and written atomically (relaxed): all zeros, as the kernel hands them out, is empty.
  struct Slot {
    uint64_t own, opp, data;
  };
  static uint64_t load(const uint64_t& word) { return __atomic_load_n(&word, __ATOMIC_RELAXED); }
  static void put(uint64_t& word, uint64_t value) { __atomic_store_n(&word, value, __ATOMIC_RELAXED); }
  // A bucket fills one cache line.
  struct alignas(64) Bucket {
    Slot slot[2];
  };

  // 24 bits of a hash of the position other than the index's.
  static uint64_t check(Bitboard own, Bitboard opp) {
    uint64_t h = (own ^ 0xD6E8FEB86659FD93ULL) * 0xFF51AFD7ED558CCDULL ^ opp * 0xC4CEB9FE1A85EC53ULL;
    return (h ^ (h >> 32)) & 0xFFFFFF;
  }
  // lower, upper, move, weight, a 1 (a used slot), the level and the check hash of (own, opp).
  static uint64_t pack(Bitboard own, Bitboard opp, int weight, int lower, int upper, int move, int level) {
    return uint64_t(uint8_t(lower)) | uint64_t(uint8_t(upper)) << 8 | uint64_t(uint8_t(move)) << 16 |
           uint64_t(uint8_t(weight)) << 24 | uint64_t{1} << 32 | uint64_t(level) << 33 | check(own, opp) << 40;
  }
  static Bound unpack(uint64_t d) {
    return {int8_t(d & 0xFF), int8_t((d >> 8) & 0xFF), int((d >> 16) & 0xFF), int((d >> 24) & 0xFF),
            int((d >> 33) & 7)};
  }
  static void write(Slot& s, Bitboard own, Bitboard opp, int weight, int lower, int upper, int move, int level) {
    const uint64_t data = pack(own, opp, weight, lower, upper, move, level);
    put(s.data, data);
    put(s.own, own ^ data);
    put(s.opp, opp ^ data);
  }

  std::size_t index(Bitboard own, Bitboard opp) const {
    return static_cast<std::size_t>(position_hash(own, opp)) & mask_;
  }

  std::size_t mask_;
  std::size_t bytes_;
  Bucket* buckets_;
};

// The search stops early (its time limit, or another thread's answer) by throwing this.
struct Aborted {};

// The positions that threads are searching, by hash, one per slot: a thread that finds a move's
// position here searches its node's other moves first, so that threads sharing a tree spread
// over its branches instead of searching the same one (simplified ABDADA). A position that
// shares a slot with another only has its moves reordered.
class Searching {
 public:
  // Marks (own, opp) as searched; returns the key to pass to `leave`.
  uint64_t enter(Bitboard own, Bitboard opp) {
    const uint64_t key = key_of(own, opp);
    slots_[key % kSlots].store(key, std::memory_order_relaxed);
    return key;
  }
  void leave(uint64_t key) {
    uint64_t expected = key;
    slots_[key % kSlots].compare_exchange_strong(expected, 0, std::memory_order_relaxed);
  }
  bool has(Bitboard own, Bitboard opp) const {
    const uint64_t key = key_of(own, opp);
    return slots_[key % kSlots].load(std::memory_order_relaxed) == key;
  }

 private:
  static constexpr std::size_t kSlots = 4099;  // a prime: keys' low bits are not spread evenly
  static uint64_t key_of(Bitboard own, Bitboard opp) {
    return position_hash(own, opp) | 1;  // never 0, which marks a free slot
  }
  std::atomic<uint64_t> slots_[kSlots] = {};
};

struct MoveScore {
  int move;
  int score;
};

// What the threads of one solve share: the table, the time limit and the stop signal.
struct SharedSearch {
  SharedSearch(int table_bits, double time_limit)
      : table(table_bits), time_limit(time_limit), started(std::chrono::steady_clock::now()) {}

  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

  Table table;
  Searching searching;
  int threads = 1;
  int level = kExact;  // the current search's: a selective pass's, or exact
  double time_limit;
  std::chrono::steady_clock::time_point started;
  std::atomic<bool> answered{false};  // a thread has the current search's answer: the others stop
  const std::atomic<bool>* interrupted = nullptr;  // set by the caller: stop as the time limit does
};

// One thread's search.
class Search {
 public:
  // `local_table` holds this thread's positions with fewer than kSharedTableMinEmpties empties.
  Search(SharedSearch& shared, Table& local_table) : shared_(shared), local_table_(local_table) {}

  uint64_t nodes() const { return nodes_; }

  // Fail-soft score of (own, opp) within (alpha, beta); `best_move` gets the
  // move found best (kPass for a forced pass, -1 when the game is over).
  int root(Bitboard own, Bitboard opp, int alpha, int beta, int* best_move) {
    const int empties = 64 - popcount(own | opp);
    const Bitboard moves = board8::legal_moves(own, opp);
    if (!moves) {
      if (!board8::legal_moves(opp, own)) {
        *best_move = -1;
        return final_score(own, opp);
      }
      *best_move = kPass;
      return -pvs(opp, own, -beta, -alpha, empties);
    }
    return search_moves(own, opp, alpha, beta, empties, moves, best_move, false);
  }

  // Principal-variation search with the table, for positions with kTableMinEmpties or more empties.
  int pvs(Bitboard own, Bitboard opp, int alpha, int beta, int empties) {
    if (empties < kTableMinEmpties) return shallow(own, opp, alpha, beta);
    const Bitboard moves = board8::legal_moves(own, opp);
    if (!moves) {
      ++nodes_;
      if (!board8::legal_moves(opp, own)) return final_score(own, opp);
      return -pvs(opp, own, -beta, -alpha, empties);
    }
    int ignored;
    return search_moves(own, opp, alpha, beta, empties, moves, &ignored, level_ != kExact);
  }

  // A rough score of (own, opp): `depth` plies of alpha-beta on the pattern evaluation (when
  // loaded, else evaluate()), the final score where the game ends within them.
  int estimate(Bitboard own, Bitboard opp, int depth, int alpha, int beta) {
    tick();
    const Bitboard moves = board8::legal_moves(own, opp);
    if (!moves && !board8::legal_moves(opp, own)) return final_score(own, opp);
    if (depth == 0) return leaf_score(own, opp);
    if (!moves) return -estimate(opp, own, depth - 1, -beta, -alpha);
    int best = -kInfinity;
    for (Bitboard rest = moves; rest; rest &= rest - 1) {
      const int sq = lowest_bit(rest);
      const Bitboard f = board8::flips(sq, own, opp);
      const int v = -estimate(opp & ~f, own | f | bit(sq), depth - 1, -beta, -std::max(alpha, best));
      if (v > best) {
        best = v;
        if (best >= beta) break;
      }
    }
    return best;
  }

  struct Candidate {
    int sq;
    int order;
    Bitboard own, opp;  // the position after the move, from the mover's side
  };

  // The children of (own, opp) for its legal `moves`, in square order, unordered; returns how many.
  static int children(Bitboard own, Bitboard opp, Bitboard moves, Candidate* list) {
    int n = 0;
    for (Bitboard rest = moves; rest; rest &= rest - 1) {
      const int sq = lowest_bit(rest);
      const Bitboard f = board8::flips(sq, own, opp);
      list[n++] = Candidate{sq, 0, own | f | bit(sq), opp & ~f};
    }
    return n;
  }

 private:
  // Counts a node searched; at its first node and every kCheckEvery nodes or so after, stops the
  // search when another thread has answered or the time is up.
  void tick() {
    if (++nodes_ > next_check_) {
      next_check_ = nodes_ + kCheckEvery;
      if (shared_.answered.load(std::memory_order_relaxed) ||
          (shared_.time_limit > 0 && shared_.seconds() > shared_.time_limit) ||
          (shared_.interrupted != nullptr && shared_.interrupted->load(std::memory_order_relaxed)))
        throw Aborted{};
    }
  }

  // The node at (own, opp) with its legal `moves` (non-empty), searched with the table; in a
  // selective pass, a `selective` node may be cut off by ProbCut.
  int search_moves(Bitboard own, Bitboard opp, int alpha, int beta, int empties, Bitboard moves, int* best_move,
                   bool selective) {
    tick();
    const uint64_t nodes_before = nodes_, guesses_before = guesses_;
    if (const int cap = stability_cap(own, opp, alpha); cap <= alpha) {
      *best_move = lowest_bit(moves);
      return cap;
    }
    int hash_move = -1;
    Bound known;
    if (table_for(empties).find(own, opp, &known)) {
      hash_move = known.move;
      if (bounds_hold(known)) {
        if (known.lower >= beta || known.upper <= alpha || known.lower == known.upper) {
          *best_move = known.move;
          return known.lower >= beta ? known.lower : known.upper;
        }
        alpha = std::max(alpha, known.lower);
        beta = std::min(beta, known.upper);
      }
    }
    if (selective && empties >= kProbCutMinEmpties) {
      if (const int cut = probable_cut(own, opp, alpha, beta, empties); cut != kInfinity) {
        ++guesses_;
        *best_move = hash_move >= 0 ? hash_move : lowest_bit(moves);
        return cut;
      }
    }

    Candidate list[32];
    const int n = children(own, opp, moves, list);
    if (empties > kTableMinEmpties)
      for (int i = 0; i < n; ++i) table_for(empties - 1).prefetch(list[i].opp, list[i].own);
    // Enhanced transposition cutoff: a child already known to be bad enough for the opponent.
    if (empties >= kEtcMinEmpties) {
      for (int i = 0; i < n; ++i) {
        Bound child;
        if (table_for(empties - 1).find(list[i].opp, list[i].own, &child) && -child.upper >= beta &&
            bounds_hold(child)) {
          *best_move = list[i].sq;
          return -child.upper;
        }
      }
    }
    // The table's move is searched before the others are ordered: it cuts off most of the time,
    // and then they never are (ordering costs nodes: see fast_order()).
    int ordered_from = 0;
    for (int i = 0; i < n; ++i)
      if (list[i].sq == hash_move) {
        std::swap(list[0], list[i]);
        ordered_from = 1;
        break;
      }

    int best = -kInfinity, best_sq = list[0].sq;
    int a = alpha;
    // Searches one child (the first with the whole window, the others with a null window first);
    // true when it cuts off.
    auto cuts = [&](const Candidate& c, bool first) {
      int v;
      if (first) {
        v = -pvs(c.opp, c.own, -beta, -a, empties - 1);
      } else {
        v = -pvs(c.opp, c.own, -a - 1, -a, empties - 1);
        if (v > a && v < beta) v = -pvs(c.opp, c.own, -beta, -v, empties - 1);
      }
      if (v > best) {
        best = v;
        best_sq = c.sq;
        if (v > a) {
          a = v;
          return a >= beta;
        }
      }
      return false;
    };
    // With several threads the first move is searched at once; a later one that another thread
    // is searching waits.
    const bool deferring = shared_.threads > 1 && empties > kDeferMinEmpties;
    auto cuts_marked = [&](const Candidate& c, bool first) {
      if (!deferring) return cuts(c, first);
      const Marked marked(shared_.searching, c.opp, c.own);
      return cuts(c, first);
    };
    bool cut = ordered_from == 1 && cuts_marked(list[0], true);
    if (!cut) {
      if (n - ordered_from > 1) {  // one move needs no order
        if (empties < kSquareOrderEmpties) order_by_squares(list + ordered_from, n - ordered_from, own | opp);
        else order(list + ordered_from, n - ordered_from, empties);
      }
      int waiting[32], n_waiting = 0;
      for (int i = ordered_from; i < n && !cut; ++i) {
        if (deferring && i > 0 && shared_.searching.has(list[i].opp, list[i].own)) waiting[n_waiting++] = i;
        else cut = cuts_marked(list[i], i == 0);
      }
      for (int k = 0; k < n_waiting && !cut; ++k) cut = cuts_marked(list[waiting[k]], false);
    }
    // The table keeps the results that took the most nodes to find. A result of a selective pass
    // that no guess went into is exact.
    const int weight = 64 - __builtin_clzll(nodes_ - nodes_before + 1);
    const int level = guesses_ == guesses_before ? kExact : level_;
    Table& table = table_for(empties);
    if (best >= beta) table.store(own, opp, weight, best, kScoreMax, best_sq, level);
    else if (best <= alpha) table.store(own, opp, weight, -kScoreMax, best, best_sq, level);
    else table.store(own, opp, weight, best, best, best_sq, level);
    *best_move = best_sq;
    return best;
  }

  // Sorts the n children in `list` by square_order(), moves into quadrants with an odd number of
  // empties first among equals: no position is looked at, so no node is counted.
  static void order_by_squares(Candidate* list, int n, Bitboard occupied) {
    const Bitboard empty = ~occupied, odd = odd_quadrants(empty);
    for (int i = 0; i < n; ++i) {
      const int sq = list[i].sq;
      list[i].order = square_order(sq, empty) - ((bit(sq) & odd) ? 1 : 0);
    }
    std::stable_sort(list, list + n, [](const Candidate& a, const Candidate& b) { return a.order < b.order; });
  }

  // Sorts the n children in `list` best first for the mover: a wipeout, then by fast_order()
  // and, from kEvalOrderEmpties, the pattern evaluation's search.
  void order(Candidate* list, int n, int empties) {
    for (int i = 0; i < n; ++i) {
      Candidate& c = list[i];
      if (!c.opp) {
        c.order = -(1 << 29);
        continue;
      }
      c.order = fast_order(c, empties);
      if (weights_ && empties >= kEvalOrderEmpties)
        c.order += kEvalOrderWeight * estimate(c.opp, c.own, eval_order_depth(empties), -kInfinity, kInfinity);
    }
    std::sort(list, list + n, [](const Candidate& a, const Candidate& b) { return a.order < b.order; });
  }

  // Whether a table entry's bounds hold in this search (a less sure pass's are not this one's);
  // using a selective pass's counts as a guess.
  bool bounds_hold(const Bound& known) {
    if (known.level < level_) return false;
    guesses_ += known.level != kExact;
    return true;
  }

  // ProbCut: where a shallow search of the evaluation lies far enough outside the window, the
  // node is taken to fail the same way (beta or alpha returned); kInfinity where it does not.
  // The search is only tried where the evaluation itself lies outside the window.
  int probable_cut(Bitboard own, Bitboard opp, int alpha, int beta, int empties) {
    const int depth = probcut_depth(empties);
    const int margin = probcut_margin(level_, depth);
    const int quick = leaf_score(own, opp);
    if (beta + margin < kScoreMax && quick >= beta) {
      const int bound = beta + margin;
      if (estimate(own, opp, depth, bound - 1, bound) >= bound) return beta;
    }
    if (alpha - margin > -kScoreMax && quick <= alpha) {
      const int bound = alpha - margin;
      if (estimate(own, opp, depth, bound, bound + 1) <= bound) return alpha;
    }
    return kInfinity;
  }

  // Stability: the opponent's stable discs cap the score of (own, opp); a cap at or under alpha
  // proves a fail-low. kInfinity when the opponent has too few discs for that.
  static int stability_cap(Bitboard own, Bitboard opp, int alpha) {
    if (2 * popcount(opp) < kScoreMax - alpha) return kInfinity;
    return kScoreMax - 2 * stable_discs(opp, own);
  }

  // The score estimate() takes at its leaves, in discs.
  int leaf_score(Bitboard own, Bitboard opp) const {
    if (!weights_) return evaluate(own, opp);
    const int empties = 64 - popcount(own | opp);
    return std::clamp(weights_->fine(own, opp, empties) / weights_->scale(), -kScoreMax + 2, kScoreMax - 2);
  }

  // Move order near the end (lower first): fastest first, the fewer replies (corners weigh
  // double) the sooner, one reply deeper from kLookaheadEmpties, few own frontier discs. Each
  // position it looks at counts as a node, as in Edax's counts: the child, and the replies.
  int fast_order(const Candidate& c, int empties) {
    const Bitboard replies = board8::legal_moves(c.opp, c.own);
    ++nodes_;
    int order = (popcount(replies) + popcount(replies & kCorners)) * 64;
    if (empties >= kLookaheadEmpties) {
      nodes_ += popcount(replies);
      order += reply_lookahead(c.own, c.opp, replies) * 96;
    }
    const Bitboard empty_after = ~(c.own | c.opp);
    order += popcount(c.own & neighbours_of(empty_after)) * 64;
    if (bit(c.sq) & kCorners) order -= 256;
    if (bit(c.sq) & kNearCorners) order += 64;
    return order;
  }

  // The best mobility margin the opponent (to move in (own, opp), with `replies`) can reach
  // in one move: its weighted mobility minus ours after its reply.
  static int reply_lookahead(Bitboard own, Bitboard opp, Bitboard replies) {
    int best = -kInfinity;
    for (Bitboard rest = replies; rest; rest &= rest - 1) {
      const int sq = lowest_bit(rest);
      const Bitboard f = board8::flips(sq, opp, own);
      const Bitboard them = opp | f | bit(sq), us = own & ~f;
      const Bitboard ours = board8::legal_moves(us, them);
      const Bitboard theirs = board8::legal_moves(them, us);
      const int margin = popcount(theirs) + popcount(theirs & kCorners) - popcount(ours) -
                         popcount(ours & kCorners) + ((bit(sq) & kCorners) ? 4 : 0);
      best = std::max(best, margin);
    }
    return best == -kInfinity ? -16 : best;
  }

  // The last two empties or fewer, without the table: the empty squares themselves are tried (no
  // move generation).
  int shallow(Bitboard own, Bitboard opp, int alpha, int beta) {
    const Bitboard empty = ~(own | opp);
    if (!empty) return final_score(own, opp);
    const int x = lowest_bit(empty);
    const Bitboard rest = empty & (empty - 1);
    if (!rest) return last(own, opp, x);
    return last_two(own, opp, alpha, beta, x, lowest_bit(rest));
  }

  // Two empty squares left, x and y: each side tries them directly, no move generation.
  int last_two(Bitboard own, Bitboard opp, int alpha, int beta, int x, int y) {
    ++nodes_;
    int best = -kInfinity;
    Bitboard f;
    if ((opp & kNeighbours.of[x]) && (f = board8::flips(x, own, opp))) {
      best = -last(opp & ~f, own | f | bit(x), y);
      if (best >= beta) return best;
    }
    if ((opp & kNeighbours.of[y]) && (f = board8::flips(y, own, opp))) {
      return std::max(best, -last(opp & ~f, own | f | bit(y), x));
    }
    if (best != -kInfinity) return best;
    // We pass: the opponent tries them, minimising our score.
    ++nodes_;
    int worst = kInfinity;
    if ((own & kNeighbours.of[x]) && (f = board8::flips(x, opp, own))) {
      worst = last(own & ~f, opp | f | bit(x), y);
      if (worst <= alpha) return worst;
    }
    if ((own & kNeighbours.of[y]) && (f = board8::flips(y, opp, own))) {
      return std::min(worst, last(own & ~f, opp | f | bit(y), x));
    }
    if (worst != kInfinity) return worst;
    return final_score(own, opp);
  }

  // One empty square left: the side to move plays it if it can, else the opponent does.
  int last(Bitboard own, Bitboard opp, int sq) {
    ++nodes_;
    const int mine = popcount(own);
    if (opp & kNeighbours.of[sq]) {
      const Bitboard f = board8::flips(sq, own, opp);
      if (f) return 2 * (mine + popcount(f) + 1) - 64;
    }
    if (own & kNeighbours.of[sq]) {
      const Bitboard f = board8::flips(sq, opp, own);
      if (f) return 2 * (mine - popcount(f)) - 64;
    }
    // Nobody can play: the empty square goes to the winner (63 discs never tie).
    return 2 * mine - 63 > 0 ? 2 * mine - 62 : 2 * mine - 64;
  }

  // A position marked as searched for as long as this lives (also when the search is aborted).
  struct Marked {
    Marked(Searching& searching, Bitboard own, Bitboard opp) : searching(searching), key(searching.enter(own, opp)) {}
    ~Marked() { searching.leave(key); }
    Searching& searching;
    const uint64_t key;
  };

  Table& table_for(int empties) { return empties < kSharedTableMinEmpties ? local_table_ : shared_.table; }

  SharedSearch& shared_;
  Table& local_table_;
  const eval::Weights* const weights_ = eval::loaded.load();  // none: the hand-made evaluation
  const int level_ = shared_.level;
  uint64_t nodes_ = 0;
  uint64_t next_check_ = 0;  // the limits are checked once nodes_ passes it
  uint64_t guesses_ = 0;  // ProbCut cutoffs taken and selective bounds used: results found with them are not exact
  // A clock read (some 20 ns) every thousand nodes costs nothing measurable, and bounds how far a
  // search runs past its limit while its first touches of a large table's pages cost milliseconds.
  static constexpr uint64_t kCheckEvery = 0x400;
};

// An exact solve on one thread or several. With several, the root's first move is searched
// first, then its other moves are shared out among the threads, each tested against the best
// score found so far by any of them (null window, then re-searched to the exact score when it
// proves better); all threads share one table (each keeps its own near the leaves).
class Solver {
 public:
  // A table of 2^bits entries; a time limit of 0 or less means none.
  explicit Solver(int table_bits = 20, double time_limit = 0.0) : shared_(table_bits, time_limit) {}

  void set_threads(int threads) { shared_.threads = std::max(1, threads); }
  // A flag the caller may set from another thread to stop the search (it ends as at the time limit).
  void set_interrupt(const std::atomic<bool>* interrupted) { shared_.interrupted = interrupted; }

  uint64_t nodes() const { return nodes_; }
  double seconds() const { return shared_.seconds(); }

  // Fail-soft score of (own, opp) within (alpha, beta); `best_move` gets the
  // move found best (kPass for a forced pass, -1 when the game is over).
  int root(Bitboard own, Bitboard opp, int alpha, int beta, int* best_move) {
    auto window = [&](int a, int b, int* move) {
      if (shared_.threads == 1) return single([&](Search& s) { return s.root(own, opp, a, b, move); });
      return shared(own, opp, a, b, move);
    };
    int guess = first_guess(own, opp);
    if (eval::loaded.load() && 64 - popcount(own | opp) >= kSelectiveMinEmpties) {
      for (int level = 0; level < kSelectiveLevels; ++level) {
        shared_.level = level;
        int ignored;
        guess = converge(alpha, beta, guess, &ignored, window);
      }
      shared_.level = kExact;
    }
    return converge(alpha, beta, guess, best_move, window);
  }

  // The exact score of every legal move (kPass alone for a forced pass), best first.
  std::vector<MoveScore> score_moves(Bitboard own, Bitboard opp) {
    std::vector<MoveScore> out;
    const int empties = 64 - popcount(own | opp);
    const Bitboard moves = board8::legal_moves(own, opp);
    if (!moves) {
      if (board8::legal_moves(opp, own))
        out.push_back({kPass, -single([&](Search& s) { return s.pvs(opp, own, -kScoreMax, kScoreMax, empties); })});
      return out;
    }
    for (Bitboard rest = moves; rest; rest &= rest - 1) {
      const int sq = lowest_bit(rest);
      const Bitboard f = board8::flips(sq, own, opp);
      const Bitboard next_own = opp & ~f, next_opp = own | f | bit(sq);
      int ignored;
      auto window = [&](int a, int b, int*) {
        return single([&](Search& s) { return s.pvs(next_own, next_opp, a, b, empties - 1); });
      };
      out.push_back({sq, -converge(-kScoreMax, kScoreMax, first_guess(next_own, next_opp), &ignored, window)});
    }
    std::stable_sort(out.begin(), out.end(), [](const MoveScore& a, const MoveScore& b) { return a.score > b.score; });
    return out;
  }

 private:
  // Where the windows start: a shallow search's estimate of the score (kGuessBelow under it).
  // Without the pattern evaluation only where it foresees a rout, else a draw: the hand-made
  // evaluation is some 10 discs off on the FFO positions, and a first window far on the wrong
  // side of the score costs more than the steps up from 0 to it.
  int first_guess(Bitboard own, Bitboard opp) {
    const int empties = 64 - popcount(own | opp);
    const bool patterns = eval::loaded.load() != nullptr;
    if (empties < (patterns ? kGuessMinEmpties : kRoughGuessMinEmpties)) return 0;
    const int estimate =
        single([&](Search& s) { return s.estimate(own, opp, kGuessDepth, -kInfinity, kInfinity); });
    if (patterns) return estimate - kGuessBelow;
    return std::abs(estimate) >= kGuessMinMargin ? estimate : 0;
  }

  // The fail-soft score within (alpha, beta) by searches with windows two wide, each around a
  // guess (`guess` first, then the last bound found): scores are even, so each search either
  // finds the score or a bound past its guess. Once the bounds have moved the same way more
  // than kStepsBeforeStrides times the next guesses lie further past them (2, 6, 14, ... discs),
  // so that a score far from the first guess takes few searches. They share the table, and
  // search fewer nodes in all than one search with the whole window. `search(a, b, &move)`
  // searches one window.
  template <typename F>
  int converge(int alpha, int beta, int guess, int* best_move, F&& search) {
    if (beta - alpha <= 2) return search(alpha, beta, best_move);
    int lo = -kScoreMax, hi = kScoreMax, proving_move = -1, direction = 0, run = 0, stride = 0;
    while (true) {
      const int bottom = std::max(lo, alpha + 1), top = std::min(hi, beta - 1);
      int g = std::clamp(guess, bottom, top);
      if (g & 1) g = g - 1 >= bottom ? g - 1 : g + 1 <= top ? g + 1 : g;  // down, as kGuessBelow
      int move = -1;
      const int v = search(g - 1, g + 1, &move);
      if (v > g - 1 && v < g + 1) {
        *best_move = move;
        return v;
      }
      const int moved = v >= g + 1 ? 1 : -1;
      if (moved > 0) {
        lo = v;
        proving_move = move;  // a move that scores at least lo
      } else {
        hi = v;
      }
      if (lo >= beta || hi <= alpha) {
        *best_move = move;
        return v;
      }
      if (lo >= hi) {  // a selective pass's bounds may cross
        *best_move = proving_move >= 0 ? proving_move : move;
        return lo;
      }
      run = moved == direction ? run + 1 : 0;
      stride = run < kStepsBeforeStrides ? 0 : (4 << (run - kStepsBeforeStrides)) - 2;
      direction = moved;
      guess = v + moved * stride;
    }
  }

  // `f(search)` on this thread, its nodes counted.
  template <typename F>
  int single(F&& f) {
    Search search(shared_, local_table(0));
    try {
      const int score = f(search);
      nodes_ += search.nodes();
      return score;
    } catch (const Aborted&) {
      nodes_ += search.nodes();
      throw;
    }
  }

  // Every thread searches the whole tree, sharing the table and spreading over the branches
  // (see Searching); the first to finish has the answer and stops the others.
  int shared(Bitboard own, Bitboard opp, int alpha, int beta, int* best_move) {
    std::mutex mutex;
    bool answered = false;
    int score = 0, move = -1;
    std::vector<uint64_t> counts(shared_.threads, 0);
    for (int i = 0; i < shared_.threads; ++i) local_table(i);  // made here, not by the threads at once
    auto work = [&](int index) {
      Search search(shared_, *local_tables_[index]);
      try {
        int m;
        const int v = search.root(own, opp, alpha, beta, &m);
        std::lock_guard<std::mutex> lock(mutex);
        if (!answered) {
          answered = true;
          score = v;
          move = m;
          shared_.answered = true;
        }
      } catch (const Aborted&) {
        // Another thread answered, or a limit ran out (then none answers).
      }
      counts[index] = search.nodes();
    };
    std::vector<std::thread> helpers;
    for (int i = 1; i < shared_.threads; ++i) helpers.emplace_back(work, i);
    work(0);
    for (std::thread& t : helpers) t.join();
    shared_.answered = false;
    for (const uint64_t c : counts) nodes_ += c;
    if (!answered) throw Aborted{};
    *best_move = move;
    return score;
  }

  // Thread `index`'s table of positions near the leaves, kept for every search of the solve:
  // its windows, its first guess and its moves' scores all meet the same positions.
  Table& local_table(int index) {
    if (int(local_tables_.size()) <= index) local_tables_.resize(index + 1);
    if (!local_tables_[index]) local_tables_[index] = std::make_unique<Table>(kLocalTableBits);
    return *local_tables_[index];
  }

  SharedSearch shared_;
  std::vector<std::unique_ptr<Table>> local_tables_;
  uint64_t nodes_ = 0;
};

// Table size for a position with `empties` empties: larger for harder positions (2^24 entries,
// 512 MiB, at most).
inline int table_bits_for(int empties) { return std::clamp(empties, 12, 24); }

}  // namespace othello::solve
}  // namespace ARENA_TARGET
}  // namespace arena
