// The games search plays, behind one small interface. Search<Game> and
// BatchedSearch<Game> are templated on a Game type that is a copyable value
// (a position without history, cheap to copy once per simulation) with:
//
//   static constexpr int kInputPlanes;      // network input planes
//   int size() const;                       // board side N
//   int num_actions() const;                // policy length; actions are 0..num_actions()-1
//   int to_move() const;                    // 0 or 1; every action (a pass too) hands the turn over
//   bool is_terminal() const;
//   int winner() const;                     // 0, 1, or -1 for a draw (once terminal)
//   int legal_actions(int* out) const;      // writes them in increasing order; returns how many
//   int forced_actions(int* out) const;     // the moves worth searching when the rules force the
//                                           // choice (0: none are); a subset of the legal ones
//   void play(int action);                  // a legal action, unchecked
//   int playout(Rng& rng);                  // random legal moves to the end; returns the winner
//   void write_input(float* out) const;     // kInputPlanes x N x N, from the mover's view
//   bool operator==(const Game&) const;
//
// Both adapters write two input planes: [0] the mover's stones or discs,
// [1] the opponent's, each N x N row-major with row 0 first.
#pragma once

#include <algorithm>
#include <utility>

#include "gomoku.h"
#include "othello.h"
#include "search_rng.h"

namespace arena::search {

class OthelloState {
 public:
  static constexpr int kInputPlanes = 2;

  explicit OthelloState(const othello::Board& board = othello::Board())
      : size_(board.size()), masks_(board.size()), own_(board.own()), opp_(board.opp()), to_move_(board.to_move()) {}

  int size() const { return size_; }
  int num_actions() const { return size_ * size_ + 1; }
  int pass_action() const { return size_ * size_; }
  int to_move() const { return to_move_; }

  bool is_terminal() const { return legal() == 0 && othello::legal_moves(opp_, own_, masks_) == 0; }

  int winner() const {
    const int mine = popcount(own_), theirs = popcount(opp_);
    if (mine == theirs) return -1;
    return mine > theirs ? to_move_ : 1 - to_move_;
  }

  int legal_actions(int* out) const {
    const Bitboard moves = legal();
    if (moves == 0) {  // not terminal, so the mover must pass
      out[0] = pass_action();
      return 1;
    }
    int n = 0;
    for (Bitboard rest = moves; rest; rest &= rest - 1) out[n++] = action_of(lowest_bit(rest));
    return n;
  }

  // Othello has no move that ends the game at once in a way worth forcing.
  int forced_actions(int*) const { return 0; }

  void play(int action) {
    if (action != pass_action()) place(square_of(action));
    pass_turn();
  }

  template <class Rng>
  int playout(Rng& rng) {
    while (true) {
      Bitboard moves = legal();
      if (moves == 0) {
        if (othello::legal_moves(opp_, own_, masks_) == 0) return winner();
        pass_turn();
        continue;
      }
      for (uint32_t skip = rng.below(popcount(moves)); skip > 0; --skip) moves &= moves - 1;
      place(lowest_bit(moves));
      pass_turn();
    }
  }

  // Zeros, then a one per disc: cheaper than a float per square.
  void write_input(float* out) const {
    const int cells = size_ * size_;
    std::fill(out, out + 2 * cells, 0.0f);
    for (Bitboard rest = own_; rest; rest &= rest - 1) out[action_of(lowest_bit(rest))] = 1.0f;
    for (Bitboard rest = opp_; rest; rest &= rest - 1) out[cells + action_of(lowest_bit(rest))] = 1.0f;
  }

  bool operator==(const OthelloState& other) const {
    return size_ == other.size_ && own_ == other.own_ && opp_ == other.opp_ && to_move_ == other.to_move_;
  }

 private:
  Bitboard legal() const { return othello::legal_moves(own_, opp_, masks_); }
  int square_of(int action) const { return (action / size_) * 8 + action % size_; }
  int action_of(int square) const { return (square >> 3) * size_ + (square & 7); }

  void place(int square) {
    const Bitboard flipped = othello::flips(square, own_, opp_, masks_);
    own_ |= flipped | bit(square);
    opp_ &= ~flipped;
  }

  void pass_turn() {
    std::swap(own_, opp_);
    to_move_ ^= 1;
  }

  int size_;
  ShiftMasks masks_;
  Bitboard own_, opp_;  // the mover's discs and the other side's
  int to_move_;
};

class GomokuState {
 public:
  static constexpr int kInputPlanes = 2;

  explicit GomokuState(const gomoku::Board& board = gomoku::Board()) : position_(board.position()) {}

  int size() const { return position_.size(); }
  int num_actions() const { return position_.num_actions(); }
  int to_move() const { return position_.to_move(); }
  bool is_terminal() const { return position_.is_terminal(); }
  int winner() const { return position_.winner(); }

  int legal_actions(int* out) const {
    int n = 0;
    for (int row = 0; row < size(); ++row)
      for (uint32_t empty = position_.empty_row_bits(row); empty; empty &= empty - 1)
        out[n++] = row * size() + __builtin_ctz(empty);
    return n;
  }

  // The moves that win at once; failing those, the ones that stop the
  // opponent's immediate win (more than one means the game is lost anyway).
  int forced_actions(int* out) const { return position_.forced_moves(out); }

  void play(int action) { position_.play(action); }

  // Random moves to the end, each a uniformly random empty square: drawn
  // from a list of the empties (swap-remove), which costs no misses or
  // mispredicted branches as the board fills.
  template <class Rng>
  int playout(Rng& rng) {
    uint16_t empties[gomoku::kMaxSize * gomoku::kMaxSize];  // row << 5 | col
    int count = 0;
    for (int row = 0; row < size(); ++row)
      for (uint32_t empty = position_.empty_row_bits(row); empty; empty &= empty - 1)
        empties[count++] = static_cast<uint16_t>(row << 5 | __builtin_ctz(empty));
    position_.play_until_over([&] {
      const uint32_t pick = rng.below(static_cast<uint32_t>(count));
      const int square = empties[pick];
      empties[pick] = empties[--count];
      return square;
    });
    return position_.winner();
  }

  // Zeros, then a one per stone: the board is mostly empty.
  void write_input(float* out) const {
    const int n = size(), cells = n * n, mover = to_move();
    std::fill(out, out + 2 * cells, 0.0f);
    for (int row = 0; row < n; ++row) {
      for (uint32_t mine = position_.row_bits(mover, row); mine; mine &= mine - 1)
        out[row * n + __builtin_ctz(mine)] = 1.0f;
      for (uint32_t theirs = position_.row_bits(1 - mover, row); theirs; theirs &= theirs - 1)
        out[cells + row * n + __builtin_ctz(theirs)] = 1.0f;
    }
  }

  bool operator==(const GomokuState& other) const { return position_ == other.position_; }

 private:
  gomoku::Position position_;
};

}  // namespace arena::search
