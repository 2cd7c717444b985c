// Exact Othello endgame solver on 8 x 8 bitboards: the final disc difference
// for the side to move under perfect play (empty squares go to the winner,
// as in the FFO test suite and Edax).
//
// Negamax alpha-beta with principal-variation search (null windows for all
// but the first move), a transposition table of score bounds with enhanced
// transposition cutoffs, stability cutoffs, fastest-first move ordering
// (fewest replies for the opponent, corners first; one reply deeper far from
// the end) and quadrant-parity ordering for the last six empties, with the
// last square played directly. Move generation is othello.h's legal_moves()
// and flips().
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "othello.h"

namespace arena::othello::solve {

inline const ShiftMasks& masks8() {
  static const ShiftMasks m(8);
  return m;
}

constexpr int kScoreMax = 64;
constexpr int kInfinity = 127;
constexpr int kPass = 64;
constexpr Bitboard kCorners = 0x8100000000000081ULL;
// X-squares and C-squares: the squares next to a corner.
constexpr Bitboard kNearCorners = 0x42C300000000C342ULL;

// Below this many empties positions are searched without the table, by parity alone.
constexpr int kTableMinEmpties = 7;
// From this many empties on, children are looked up in the table before searching any.
constexpr int kEtcMinEmpties = 10;
// From this many empties on, move ordering looks one reply deeper.
constexpr int kLookaheadEmpties = 12;

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

struct Entry {
  Bitboard own = 0, opp = 0;
  int8_t lower = -kScoreMax, upper = kScoreMax;
  uint8_t move = kPass;
  uint8_t empties = 0;
};

// Score bounds of positions already searched, two entries per bucket (the
// deeper one kept), looked up by both bitboards.
class Table {
 public:
  explicit Table(int bits) : mask_((std::size_t{1} << bits) - 2), entries_(std::size_t{1} << bits) {}

  const Entry* find(Bitboard own, Bitboard opp) const {
    const std::size_t i = index(own, opp);
    for (std::size_t k = i; k <= i + 1; ++k)
      if (entries_[k].own == own && entries_[k].opp == opp && entries_[k].empties) return &entries_[k];
    return nullptr;
  }

  // Records that the position's score lies in [lower, upper], tightening what is known.
  void store(Bitboard own, Bitboard opp, int empties, int lower, int upper, int move) {
    const std::size_t i = index(own, opp);
    Entry* slot = nullptr;
    for (std::size_t k = i; k <= i + 1; ++k)
      if (entries_[k].own == own && entries_[k].opp == opp && entries_[k].empties) slot = &entries_[k];
    if (slot) {
      // Bounds of the exact score never contradict each other: keep the tighter of each.
      lower = std::max<int>(lower, slot->lower);
      upper = std::min<int>(upper, slot->upper);
    } else {
      slot = entries_[i].empties <= entries_[i + 1].empties ? &entries_[i] : &entries_[i + 1];
    }
    slot->own = own;
    slot->opp = opp;
    slot->lower = static_cast<int8_t>(lower);
    slot->upper = static_cast<int8_t>(upper);
    slot->move = static_cast<uint8_t>(move);
    slot->empties = static_cast<uint8_t>(empties);
  }

 private:
  std::size_t index(Bitboard own, Bitboard opp) const {
    uint64_t h = own * 0x9E3779B97F4A7C15ULL ^ (opp + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 29;
    return static_cast<std::size_t>(h) & mask_;
  }

  std::size_t mask_;
  std::vector<Entry> entries_;
};

// The search stops early (time limit) by throwing this.
struct Aborted {};

struct MoveScore {
  int move;
  int score;
};

class Solver {
 public:
  // A table of 2^bits entries; a time limit of 0 or less means none.
  explicit Solver(int table_bits = 20, double time_limit = 0.0)
      : table_(table_bits), time_limit_(time_limit), started_(std::chrono::steady_clock::now()) {}

  uint64_t nodes() const { return nodes_; }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  // Fail-soft score of (own, opp) within (alpha, beta); `best_move` gets the
  // move found best (kPass for a forced pass, -1 when the game is over).
  int root(Bitboard own, Bitboard opp, int alpha, int beta, int* best_move) {
    const int empties = 64 - popcount(own | opp);
    const Bitboard moves = legal_moves(own, opp, masks8());
    if (!moves) {
      if (!legal_moves(opp, own, masks8())) {
        *best_move = -1;
        return final_score(own, opp);
      }
      *best_move = kPass;
      return -pvs(opp, own, -beta, -alpha, empties);
    }
    return search_moves(own, opp, alpha, beta, empties, moves, best_move);
  }

  // The exact score of every legal move (kPass alone for a forced pass), best first.
  std::vector<MoveScore> score_moves(Bitboard own, Bitboard opp) {
    std::vector<MoveScore> out;
    const int empties = 64 - popcount(own | opp);
    const Bitboard moves = legal_moves(own, opp, masks8());
    if (!moves) {
      if (legal_moves(opp, own, masks8())) out.push_back({kPass, -pvs(opp, own, -kScoreMax, kScoreMax, empties)});
      return out;
    }
    for (Bitboard rest = moves; rest; rest &= rest - 1) {
      const int sq = lowest_bit(rest);
      const Bitboard f = flips(sq, own, opp, masks8());
      out.push_back({sq, -pvs(opp & ~f, own | f | bit(sq), -kScoreMax, kScoreMax, empties - 1)});
    }
    std::stable_sort(out.begin(), out.end(), [](const MoveScore& a, const MoveScore& b) { return a.score > b.score; });
    return out;
  }

  // Principal-variation search with the table, for positions with kTableMinEmpties or more empties.
  int pvs(Bitboard own, Bitboard opp, int alpha, int beta, int empties) {
    if (empties < kTableMinEmpties) return shallow(own, opp, alpha, beta, empties);
    const Bitboard moves = legal_moves(own, opp, masks8());
    if (!moves) {
      ++nodes_;
      if (!legal_moves(opp, own, masks8())) return final_score(own, opp);
      return -pvs(opp, own, -beta, -alpha, empties);
    }
    int ignored;
    return search_moves(own, opp, alpha, beta, empties, moves, &ignored);
  }

 private:
  struct Candidate {
    int sq;
    int order;
    Bitboard own, opp;  // the position after the move, from the mover's side
  };

  void tick() {
    if ((++nodes_ & 0x3FFF) == 0 && time_limit_ > 0 && seconds() > time_limit_) throw Aborted{};
  }

  // The node at (own, opp) with its legal `moves` (non-empty), searched with the table.
  int search_moves(Bitboard own, Bitboard opp, int alpha, int beta, int empties, Bitboard moves, int* best_move) {
    tick();
    // Stability: the opponent's stable discs cap the score; enough of them prove a fail-low.
    if (2 * popcount(opp) >= kScoreMax - alpha) {
      const int cap = kScoreMax - 2 * stable_discs(opp, own);
      if (cap <= alpha) {
        *best_move = lowest_bit(moves);
        return cap;
      }
    }
    int hash_move = -1;
    if (const Entry* e = table_.find(own, opp)) {
      hash_move = e->move;
      if (e->lower >= beta) {
        *best_move = e->move;
        return e->lower;
      }
      if (e->upper <= alpha) {
        *best_move = e->move;
        return e->upper;
      }
      if (e->lower == e->upper) {
        *best_move = e->move;
        return e->lower;
      }
      alpha = std::max<int>(alpha, e->lower);
      beta = std::min<int>(beta, e->upper);
    }

    Candidate list[32];
    int n = 0;
    for (Bitboard rest = moves; rest; rest &= rest - 1) {
      const int sq = lowest_bit(rest);
      const Bitboard f = flips(sq, own, opp, masks8());
      Candidate& c = list[n++];
      c.sq = sq;
      c.own = own | f | bit(sq);
      c.opp = opp & ~f;
      // Enhanced transposition cutoff: a child already known to be bad enough for the opponent.
      if (empties >= kEtcMinEmpties) {
        if (const Entry* e = table_.find(c.opp, c.own); e && -e->upper >= beta) {
          *best_move = sq;
          return -e->upper;
        }
      }
      if (sq == hash_move) {
        c.order = -1000000;
        continue;
      }
      // Fastest first: the fewer replies (corners weigh double), the sooner.
      const Bitboard replies = legal_moves(c.opp, c.own, masks8());
      int order = (popcount(replies) + popcount(replies & kCorners)) * 64;
      // Far from the end, also look one reply deeper: the opponent's best reply by the same
      // measure (its mobility against ours), the worse it leaves us, the later.
      if (empties >= kLookaheadEmpties) order += reply_lookahead(c.own, c.opp, replies) * 96;
      // Fewer own discs on the frontier (next to empties) keeps the opponent's options few
      // (weighed as much as one reply: the weight that searched fewest nodes on FFO #20-41).
      const Bitboard empty_after = ~(c.own | c.opp);
      Bitboard frontier = 0;
      for_each_direction([&](auto tag) { frontier |= shift<decltype(tag)::value>(empty_after, masks8()); });
      order += popcount(c.own & frontier) * 64;
      if (bit(sq) & kCorners) order -= 256;
      if (bit(sq) & kNearCorners) order += 64;
      c.order = order;
    }
    std::sort(list, list + n, [](const Candidate& a, const Candidate& b) { return a.order < b.order; });

    int best = -kInfinity, best_sq = list[0].sq;
    int a = alpha;
    for (int i = 0; i < n; ++i) {
      const Candidate& c = list[i];
      int v;
      if (i == 0) {
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
          if (a >= beta) break;
        }
      }
    }
    if (best >= beta) table_.store(own, opp, empties, best, kScoreMax, best_sq);
    else if (best <= alpha) table_.store(own, opp, empties, -kScoreMax, best, best_sq);
    else table_.store(own, opp, empties, best, best, best_sq);
    *best_move = best_sq;
    return best;
  }

  // The best mobility margin the opponent (to move in (own, opp), with `replies`) can reach
  // in one move: its weighted mobility minus ours after its reply.
  static int reply_lookahead(Bitboard own, Bitboard opp, Bitboard replies) {
    int best = -kInfinity;
    for (Bitboard rest = replies; rest; rest &= rest - 1) {
      const int sq = lowest_bit(rest);
      const Bitboard f = flips(sq, opp, own, masks8());
      const Bitboard them = opp | f | bit(sq), us = own & ~f;
      const Bitboard ours = legal_moves(us, them, masks8());
      const Bitboard theirs = legal_moves(them, us, masks8());
      const int margin = popcount(theirs) + popcount(theirs & kCorners) - popcount(ours) -
                         popcount(ours & kCorners) + ((bit(sq) & kCorners) ? 4 : 0);
      best = std::max(best, margin);
    }
    return best == -kInfinity ? -16 : best;
  }

  // The last few empties: try the empty squares themselves, odd quadrants first.
  int shallow(Bitboard own, Bitboard opp, int alpha, int beta, int empties) {
    if (empties == 1) return last(own, opp, lowest_bit(~(own | opp)));
    tick();
    const Bitboard empty = ~(own | opp);
    const Bitboard odd = odd_quadrants(empty);
    int best = -kInfinity;
    for (const Bitboard group : {empty & odd, empty & ~odd}) {
      for (Bitboard rest = group; rest; rest &= rest - 1) {
        const int sq = lowest_bit(rest);
        if (!(opp & kNeighbours.of[sq])) continue;
        const Bitboard f = flips(sq, own, opp, masks8());
        if (!f) continue;
        const int v = -shallow(opp & ~f, own | f | bit(sq), -beta, -alpha, empties - 1);
        if (v > best) {
          best = v;
          if (v > alpha) {
            alpha = v;
            if (alpha >= beta) return best;
          }
        }
      }
    }
    if (best != -kInfinity) return best;
    // No move: pass, or the game is over.
    if (!(legal_moves(opp, own, masks8()) & empty)) return final_score(own, opp);
    return -shallow(opp, own, -beta, -alpha, empties);
  }

  // One empty square left: the side to move plays it if it can, else the opponent does.
  int last(Bitboard own, Bitboard opp, int sq) {
    ++nodes_;
    const int mine = popcount(own);
    if (opp & kNeighbours.of[sq]) {
      const Bitboard f = flips(sq, own, opp, masks8());
      if (f) return 2 * (mine + popcount(f) + 1) - 64;
    }
    if (own & kNeighbours.of[sq]) {
      const Bitboard f = flips(sq, opp, own, masks8());
      if (f) return 2 * (mine - popcount(f)) - 64;
    }
    // Nobody can play: the empty square goes to the winner (63 discs never tie).
    return 2 * mine - 63 > 0 ? 2 * mine - 62 : 2 * mine - 64;
  }

  Table table_;
  double time_limit_;
  std::chrono::steady_clock::time_point started_;
  uint64_t nodes_ = 0;
};

// Table size for a position with `empties` empties: larger for harder positions.
inline int table_bits_for(int empties) { return std::clamp(empties, 12, 22); }

}  // namespace arena::othello::solve
