// Othello (Reversi) on bitboards: move generation, flips, play/undo, perft
// and a text position format. Boards are N x N with N even, 4 <= N <= 8.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "bitboard.h"

namespace arena::othello {

// Every square where the side owning `own` may place a disc.
inline Bitboard legal_moves(Bitboard own, Bitboard opp, const ShiftMasks& m) {
  Bitboard moves = 0;
  for_each_direction([&](auto tag) {
    constexpr Direction D = decltype(tag)::value;
    // A run of opponent discs is at most six long on an 8 x 8 board.
    Bitboard run = shift<D>(own, m) & opp;
    run |= shift<D>(run, m) & opp;
    run |= shift<D>(run, m) & opp;
    run |= shift<D>(run, m) & opp;
    run |= shift<D>(run, m) & opp;
    run |= shift<D>(run, m) & opp;
    moves |= shift<D>(run, m);
  });
  return moves & m.valid & ~(own | opp);
}

// The opponent discs that a disc placed on `square` (a bit index) turns over.
inline Bitboard flips(int square, Bitboard own, Bitboard opp, const ShiftMasks& m) {
  Bitboard flipped = 0;
  const Bitboard placed = bit(square);
  for_each_direction([&](auto tag) {
    constexpr Direction D = decltype(tag)::value;
    Bitboard run = 0;
    Bitboard next = shift<D>(placed, m);
    while (next & opp) {
      run |= next;
      next = shift<D>(next, m);
    }
    if (next & own) flipped |= run;
  });
  return flipped;
}

// Leaf positions `depth` plies below (own, opp), the standard Othello perft:
// a forced pass counts as a ply, and a game that ends before `depth` plies
// has no leaves below it (a game ending exactly at `depth` is a leaf).
inline uint64_t perft(Bitboard own, Bitboard opp, int depth, const ShiftMasks& m) {
  if (depth == 0) return 1;
  const Bitboard moves = legal_moves(own, opp, m);
  if (moves == 0) {
    if (legal_moves(opp, own, m) == 0) return 0;  // game over
    return perft(opp, own, depth - 1, m);
  }
  if (depth == 1) return popcount(moves);
  uint64_t total = 0;
  for (Bitboard rest = moves; rest; rest &= rest - 1) {
    const int square = lowest_bit(rest);
    const Bitboard flipped = flips(square, own, opp, m);
    total += perft(opp ^ flipped, own | flipped | bit(square), depth - 1, m);
  }
  return total;
}

// A game of Othello with its history: play, undo, pass and query, in the
// spirit of python-chess's Board. Moves are row * size + col (row 0 is rank
// 1, col 0 is file a); `pass_move()` == size * size is the explicit pass.
class Board {
 public:
  static constexpr int kBlack = 0;
  static constexpr int kWhite = 1;

  explicit Board(int size = 8) : size_(check_size(size)), masks_(size) {
    const int lo = size / 2 - 1, hi = size / 2;
    white_ = bit(lo * 8 + lo) | bit(hi * 8 + hi);  // d4, e5 on 8 x 8
    black_ = bit(hi * 8 + lo) | bit(lo * 8 + hi);  // d5, e4 on 8 x 8
  }

  int size() const { return size_; }
  int pass_move() const { return size_ * size_; }
  int num_actions() const { return size_ * size_ + 1; }
  int to_move() const { return to_move_; }
  int ply() const { return static_cast<int>(history_.size()); }
  int last_move() const { return history_.empty() ? -1 : history_.back().move; }
  Bitboard black() const { return black_; }
  Bitboard white() const { return white_; }
  Bitboard own() const { return to_move_ == kBlack ? black_ : white_; }
  Bitboard opp() const { return to_move_ == kBlack ? white_ : black_; }

  // Legal placements of the side to move, as a bitboard.
  Bitboard legal_bits() const { return legal_moves(own(), opp(), masks_); }
  bool is_game_over() const {
    return legal_bits() == 0 && legal_moves(opp(), own(), masks_) == 0;
  }
  bool must_pass() const { return legal_bits() == 0 && !is_game_over(); }

  bool is_legal(int move) const {
    if (move == pass_move()) return must_pass();
    if (move < 0 || move > pass_move()) return false;
    return (legal_bits() & bit(square_of(move))) != 0;
  }

  std::vector<int> legal_move_list() const {
    std::vector<int> moves;
    if (must_pass()) {
      moves.push_back(pass_move());
      return moves;
    }
    for (int move = 0; move < pass_move(); ++move)
      if (legal_bits() & bit(square_of(move))) moves.push_back(move);
    return moves;
  }

  // Writes num_actions() flags: 1 where the move is legal.
  void write_legal_mask(uint8_t* out) const {
    const Bitboard legal = legal_bits();
    for (int move = 0; move < pass_move(); ++move) out[move] = (legal >> square_of(move)) & 1;
    out[pass_move()] = legal == 0 && legal_moves(opp(), own(), masks_) != 0;
  }

  // Writes a (size, size, 2) plane stack from `player`'s view: [.., 0] that player's
  // discs, [.., 1] the other's.
  void write_planes(uint8_t* out, int player) const {
    const Bitboard mine = player == kBlack ? black_ : white_;
    const Bitboard theirs = player == kBlack ? white_ : black_;
    for (int move = 0; move < pass_move(); ++move) {
      const int sq = square_of(move);
      out[2 * move] = (mine >> sq) & 1;
      out[2 * move + 1] = (theirs >> sq) & 1;
    }
  }

  // Discs a move would turn over (0 for a pass).
  int count_flips(int move) const {
    if (move == pass_move()) return 0;
    return popcount(flips(square_of(move), own(), opp(), masks_));
  }

  void play(int move) {
    if (!is_legal(move)) throw std::invalid_argument(illegal_move_message(move));
    history_.push_back({black_, white_, to_move_, move});
    if (move != pass_move()) {
      const int sq = square_of(move);
      const Bitboard flipped = flips(sq, own(), opp(), masks_);
      Bitboard& mine = to_move_ == kBlack ? black_ : white_;
      Bitboard& theirs = to_move_ == kBlack ? white_ : black_;
      mine |= flipped | bit(sq);
      theirs &= ~flipped;
    }
    to_move_ ^= 1;
  }

  void undo() {
    if (history_.empty()) throw std::out_of_range("undo: no move has been played");
    const Snapshot& last = history_.back();
    black_ = last.black;
    white_ = last.white;
    to_move_ = last.to_move;
    history_.pop_back();
  }

  // 0 black, 1 white, -1 a draw; only meaningful once the game is over.
  int winner() const {
    const int b = popcount(black_), w = popcount(white_);
    return b > w ? kBlack : (w > b ? kWhite : -1);
  }

  uint64_t perft(int depth) const {
    if (depth < 0) throw std::invalid_argument("perft depth must be >= 0, got " + std::to_string(depth));
    return othello::perft(own(), opp(), depth, masks_);
  }

  // Compact position: size*size characters row by row from a1 ('-' empty,
  // 'X' black, 'O' white), a space, then the side to move ('X' or 'O').
  // The 8 x 8 form is the one Edax and the FFO test suite use.
  std::string to_string() const {
    std::string s;
    for (int move = 0; move < pass_move(); ++move) s += square_char(square_of(move));
    s += ' ';
    s += to_move_ == kBlack ? 'X' : 'O';
    return s;
  }

  static Board from_string(const std::string& text) {
    std::string cells;
    char side = 0;
    for (char c : text) {
      if (c == ' ' || c == '\t' || c == '\n') continue;
      cells += c;
    }
    if (!cells.empty()) {
      side = cells.back();
      cells.pop_back();
    }
    int size = 0;
    for (int n = 4; n <= 8; n += 2)
      if (static_cast<int>(cells.size()) == n * n) size = n;
    if (size == 0)
      throw std::invalid_argument("position '" + text +
                                  "': expected 16, 36 or 64 squares ('-', 'X', 'O') then the side to move");
    Board board(size);
    board.black_ = board.white_ = 0;
    for (int move = 0; move < size * size; ++move) {
      const Bitboard b = bit(board.square_of(move));
      switch (cells[move]) {
        case 'X': case 'x': case '*': board.black_ |= b; break;
        case 'O': case 'o': board.white_ |= b; break;
        case '-': case '.': break;
        default:
          throw std::invalid_argument("position '" + text + "': unknown square character '" +
                                      std::string(1, cells[move]) + "' (use '-', 'X' or 'O')");
      }
    }
    if (side == 'X' || side == 'x' || side == '*') board.to_move_ = kBlack;
    else if (side == 'O' || side == 'o') board.to_move_ = kWhite;
    else
      throw std::invalid_argument("position '" + text + "': side to move must be 'X' or 'O', got '" +
                                  std::string(1, side) + "'");
    return board;
  }

  // A drawing of the board for humans, with coordinates.
  std::string pretty() const {
    std::string s = " ";
    for (int col = 0; col < size_; ++col) s += std::string(" ") + char('a' + col);
    s += '\n';
    for (int row = 0; row < size_; ++row) {
      s += char('1' + row);
      for (int col = 0; col < size_; ++col) {
        s += ' ';
        s += square_char(row * 8 + col) == '-' ? '.' : square_char(row * 8 + col);
      }
      s += '\n';
    }
    s += is_game_over() ? "game over" : (to_move_ == kBlack ? "X (black) to move" : "O (white) to move");
    return s;
  }

  std::string move_name(int move) const {
    if (move == pass_move()) return "pass";
    if (move < 0 || move > pass_move()) return "move " + std::to_string(move);
    return std::string(1, char('a' + move % size_)) + std::to_string(move / size_ + 1);
  }

  bool operator==(const Board& other) const {
    return size_ == other.size_ && black_ == other.black_ && white_ == other.white_ &&
           to_move_ == other.to_move_;
  }

 private:
  struct Snapshot {
    Bitboard black, white;
    int to_move;
    int move;
  };

  static int check_size(int size) {
    if (size < 4 || size > 8 || size % 2 != 0)
      throw std::invalid_argument("Othello board size must be 4, 6 or 8, got " + std::to_string(size));
    return size;
  }

  int square_of(int move) const { return (move / size_) * 8 + move % size_; }

  char square_char(int square) const {
    if ((black_ >> square) & 1) return 'X';
    if ((white_ >> square) & 1) return 'O';
    return '-';
  }

  std::string illegal_move_message(int move) const {
    std::string why = "illegal move " + std::to_string(move) + " (" + move_name(move) + ")";
    if (is_game_over()) return why + ": the game is over";
    if (move == pass_move()) return why + ": passing is only legal with no placement available";
    if (must_pass()) return why + ": the side to move has no placement and must pass";
    return why + " for " + (to_move_ == kBlack ? "black" : "white");
  }

  int size_;
  ShiftMasks masks_;
  Bitboard black_ = 0, white_ = 0;
  int to_move_ = kBlack;
  std::vector<Snapshot> history_;
};

}  // namespace arena::othello
