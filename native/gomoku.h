// Gomoku on N x N boards (5 <= N <= 19): a stone-placing game won by the
// first line of five. Freestyle rule: five or more in a row wins. Exact-five
// rule: only exactly five wins (an overline of six or more does not).
//
// Each player's stones are kept four times, once per line direction
// (rows, columns, diagonals, anti-diagonals), as one 32-bit word per line.
// The run through the last stone in any direction is then two bit scans,
// so win detection costs a handful of instructions and never scans the
// board. Moves are row * size + col, the numbering OpenSpiel uses.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace arena::gomoku {

constexpr int kMinSize = 5;
constexpr int kMaxSize = 19;
constexpr int kWinLength = 5;

enum class Rule : uint8_t { kFreestyle, kExactFive };

inline Rule rule_from_name(const std::string& name) {
  if (name == "freestyle") return Rule::kFreestyle;
  if (name == "exact_five") return Rule::kExactFive;
  throw std::invalid_argument("gomoku rule must be 'freestyle' or 'exact_five', got '" + name + "'");
}

inline std::string rule_name(Rule rule) { return rule == Rule::kFreestyle ? "freestyle" : "exact_five"; }

// The four line directions, each with the (row, col) step that moves one
// bit up its line word.
enum LineDirection { kRow, kColumn, kDiagonal, kAntiDiagonal };
constexpr int kDirections = 4;
constexpr int kMaxLines = 2 * kMaxSize - 1;  // diagonals of a 19 x 19 board
constexpr int kRowStep[kDirections] = {0, 1, 1, -1};
constexpr int kColStep[kDirections] = {1, 0, 1, 1};

// Which word holds square (row, col) in direction d, and which bit of it.
// Along rows and both diagonals consecutive squares differ by one column,
// so the column is the bit; along a column it is the row.
struct LineSquare {
  int line[kDirections];
  int bit[kDirections];

  LineSquare(int row, int col, int size)
      : line{row, col, row - col + size - 1, row + col}, bit{col, row, col, col} {}
};

// The row and column of every square, per board size, so that turning a
// move number into coordinates never divides.
struct Squares {
  static constexpr int kCount = kMaxSize * kMaxSize;
  uint8_t row[kCount], col[kCount];

  static const Squares& of(int size) {
    static const std::array<Squares, kMaxSize + 1> tables = [] {
      std::array<Squares, kMaxSize + 1> all{};
      for (int n = kMinSize; n <= kMaxSize; ++n)
        for (int m = 0; m < n * n; ++m) {
          all[n].row[m] = static_cast<uint8_t>(m / n);
          all[n].col[m] = static_cast<uint8_t>(m % n);
        }
      return all;
    }();
    return tables[size];
  }
};

// Length of the run of set bits through bit b (which must be set), and the
// lowest bit of that run.
struct Run {
  int length;
  int low;
};
inline Run run_through(uint32_t word, int b) {
  const int upward = __builtin_ctz(~(word >> b));          // b, b+1, ...
  const int downward = __builtin_clz(~(word << (31 - b)));  // b, b-1, ...
  return {upward + downward - 1, b - downward + 1};
}

// A position without history: the value type search copies and plays on.
class Position {
 public:
  static constexpr int kBlack = 0;
  static constexpr int kWhite = 1;

  explicit Position(int size = 15, Rule rule = Rule::kFreestyle)
      : size_(check_size(size)),
        rule_(rule),
        squares_(&Squares::of(size)),
        winning_lengths_(rule == Rule::kFreestyle ? ~uint32_t{0} << kWinLength : uint32_t{1} << kWinLength) {
    lines_ = {};
    row_mask_ = (uint32_t{1} << size) - 1;
  }

  int size() const { return size_; }
  Rule rule() const { return rule_; }
  int num_actions() const { return size_ * size_; }
  int to_move() const { return to_move_; }
  int stones() const { return stones_; }
  int last_move() const { return last_move_; }
  // 0 black, 1 white, -1 nobody (yet, or a draw on a full board).
  int winner() const { return winner_; }
  bool is_full() const { return stones_ == size_ * size_; }
  bool is_terminal() const { return winner_ >= 0 || is_full(); }

  // Stones of `player` on `row`, bit c for column c.
  uint32_t row_bits(int player, int row) const { return lines_[player][kRow][row]; }
  uint32_t empty_row_bits(int row) const {
    return ~(lines_[0][kRow][row] | lines_[1][kRow][row]) & row_mask_;
  }
  bool is_empty(int move) const { return is_empty_at(squares_->row[move], squares_->col[move]); }
  bool is_empty_at(int row, int col) const { return (empty_row_bits(row) >> col) & 1; }
  // 0 black, 1 white, -1 empty.
  int stone_at(int move) const {
    const int row = squares_->row[move], col = squares_->col[move];
    if ((row_bits(kBlack, row) >> col) & 1) return kBlack;
    if ((row_bits(kWhite, row) >> col) & 1) return kWhite;
    return -1;
  }

  // Places the mover's stone on an empty square (unchecked) and settles the
  // game if it completes a winning line.
  void play(int move) { play_at(squares_->row[move], squares_->col[move]); }

  // play() for the square at (row, col): placing the stone and looking for
  // a winning run in the four line words through it, in one pass.
  void play_at(int row, int col) {
    const bool won = rule_ == Rule::kFreestyle ? place_and_check<Rule::kFreestyle>(lines_[to_move_], row, col)
                                               : place_and_check<Rule::kExactFive>(lines_[to_move_], row, col);
    if (won) winner_ = to_move_;
    ++stones_;
    last_move_ = row * size_ + col;
    to_move_ ^= 1;
  }

  // Plays squares `next_square()` draws (row << 5 | col, empty ones) until
  // the game is over. The game's counters stay in registers meanwhile: after
  // every store into lines_ the compiler would otherwise reload them, as
  // they may alias, which costs a playout a third of its speed.
  template <class NextSquare>
  void play_until_over(NextSquare&& next_square) {
    if (rule_ == Rule::kFreestyle) play_until_over<Rule::kFreestyle>(next_square);
    else play_until_over<Rule::kExactFive>(next_square);
  }

  // play_until_over() under one rule, known at compile time.
  template <Rule kRule, class NextSquare>
  void play_until_over(NextSquare& next_square) {
    if (winner_ >= 0) return;
    int mover = to_move_, stones = stones_, square = -1;
    const int full = size_ * size_;
    bool won = false;
    while (!won && stones < full) {
      square = next_square();
      won = place_and_check<kRule>(lines_[mover], square >> 5, square & 31);
      ++stones;
      mover ^= 1;
    }
    if (won) winner_ = mover ^ 1;
    to_move_ = mover;
    stones_ = stones;
    if (square >= 0) last_move_ = (square >> 5) * size_ + (square & 31);
  }

  // Takes back the stone on `move`, the last one played (unchecked).
  void remove(int move, int previous_move) {
    to_move_ ^= 1;
    set_stone(to_move_, move, false);
    --stones_;
    winner_ = -1;  // a won game takes no further moves, so the win was this stone's
    last_move_ = previous_move;
  }

  // Puts a stone without moving the turn on: for setting up positions.
  void place(int player, int move) {
    set_stone(player, move, true);
    ++stones_;
  }
  void set_to_move(int player) { to_move_ = player; }

  // Empty squares where a stone of `player` would complete a winning line,
  // written to `out` in increasing order; returns how many.
  int winning_moves(int player, int* out) const {
    WinningSquares squares;
    find_winning_squares(player, squares);
    return squares.write(0, size_, out);
  }

  // The moves the rules force on the mover: the squares that win at once,
  // failing those the squares where the opponent would win (more than one
  // means the game is lost anyway), in increasing order; 0 when neither.
  int forced_moves(int* out) const {
    WinningSquares squares;
    find_winning_squares(to_move_, squares);
    return squares.write(squares.any[0] ? 0 : 1, size_, out);
  }

  // The winning line through `move` (whose stone is `player`'s), as moves
  // from one end to the other; empty if the stone completes none.
  std::vector<int> winning_line_through(int player, int move) const {
    const int row = squares_->row[move], col = squares_->col[move];
    const LineSquare at(row, col, size_);
    for (int d = 0; d < kDirections; ++d) {
      const Run run = run_through(lines_[player][d][at.line[d]], at.bit[d]);
      if (!is_winning_length(run.length)) continue;
      // Walk back from (row, col) to the run's low end, then along it.
      const int back = at.bit[d] - run.low;
      int r = row - back * kRowStep[d], c = col - back * kColStep[d];
      std::vector<int> line;
      for (int i = 0; i < run.length; ++i, r += kRowStep[d], c += kColStep[d]) line.push_back(r * size_ + c);
      return line;
    }
    return {};
  }

  // Recomputes the winner from scratch (for positions set up stone by stone).
  // Returns false if both players have a winning line.
  bool settle_winner() {
    winner_ = -1;
    for (int player = 0; player < 2; ++player)
      for (int move = 0; move < num_actions(); ++move)
        if (stone_at(move) == player && !winning_line_through(player, move).empty()) {
          if (winner_ >= 0 && winner_ != player) return false;
          winner_ = player;
          break;
        }
    return true;
  }

  bool operator==(const Position& other) const {
    if (size_ != other.size_ || rule_ != other.rule_ || to_move_ != other.to_move_ || stones_ != other.stones_)
      return false;
    for (int p = 0; p < 2; ++p)
      for (int row = 0; row < size_; ++row)
        if (lines_[p][kRow][row] != other.lines_[p][kRow][row]) return false;
    return true;
  }

 private:
  static int check_size(int size) {
    if (size < kMinSize || size > kMaxSize)
      throw std::invalid_argument("gomoku board size must be between 5 and 19, got " + std::to_string(size));
    return size;
  }

  // Bit L of winning_lengths_ says whether a run of L stones wins.
  bool is_winning_length(int length) const { return (winning_lengths_ >> length) & 1; }

  // Sets the stone at (row, col) in one player's line words; whether it
  // completes a winning run.
  template <Rule kRule>
  bool place_and_check(std::array<std::array<uint32_t, kMaxLines>, kDirections>& lines, int row, int col) const {
    const LineSquare at(row, col, size_);
    uint32_t wins = 0;
    for (int d = 0; d < kDirections; ++d) {
      uint32_t& word = lines[d][at.line[d]];
      word |= uint32_t{1} << at.bit[d];
      wins |= winning_runs<kRule>(word);
    }
    return wins != 0;
  }

  // Bits i of a line word that start a winning run: five stones from i on,
  // less (exact-five rule) those a stone just before or after overextends.
  // Shifts and masks only, no bit scans: the cheapest test a playout can do
  // per move. A run found in a word through the last stone is that stone's,
  // as a game already won takes no more moves.
  template <Rule kRule>
  static uint32_t winning_runs(uint32_t word) {
    uint32_t starts = word & (word >> 1);
    starts &= starts >> 2;
    starts &= word >> 4;
    if (kRule == Rule::kExactFive) starts &= ~((word << 1) | (word >> 5));
    return starts;
  }

  // Winning squares of two players ([0] and [1]), as one column bitset per row.
  struct WinningSquares {
    uint32_t columns[2][kMaxSize] = {};
    bool any[2] = {false, false};

    int write(int side, int size, int* out) const {
      int n = 0;
      for (int row = 0; any[side] && row < size; ++row)
        for (uint32_t cols = columns[side][row]; cols; cols &= cols - 1) out[n++] = row * size + __builtin_ctz(cols);
      return n;
    }
  };

  // The winning squares of `player` ([0]) and of the other player ([1]),
  // found in one pass over the line words, in the bit domain: no square is
  // looked at one by one, and a line with fewer than four stones of a side
  // costs that side one popcount.
  void find_winning_squares(int player, WinningSquares& squares) const {
    for (int d = 0; d < kDirections; ++d) {
      const int lines = d < kDiagonal ? size_ : 2 * size_ - 1;
      for (int line = 0; line < lines; ++line) {
        const uint32_t words[2] = {lines_[player][d][line], lines_[1 - player][d][line]};
        const bool fours[2] = {__builtin_popcount(words[0]) >= kWinLength - 1,
                               __builtin_popcount(words[1]) >= kWinLength - 1};
        if (!(fours[0] | fours[1])) continue;  // most lines: decided by two popcounts
        const uint32_t open = ~(words[0] | words[1]) & line_bits(d, line);
        for (int side = 0; side < 2; ++side) {
          const uint32_t word = words[side];
          if (!fours[side]) continue;
          for (uint32_t gaps = fives_completed_at(word) & open; gaps; gaps &= gaps - 1) {
            const int b = __builtin_ctz(gaps);
            if (!is_winning_length(run_through(word | (uint32_t{1} << b), b).length)) continue;  // exact five: an overline
            const auto [row, col] = square_on_line(d, line, b);
            squares.columns[side][row] |= uint32_t{1} << col;
            squares.any[side] = true;
          }
        }
      }
    }
  }

  // Bits b of a line word where one more stone makes a run of five or more:
  // runs of k stones just below b and 4 - k just above, for some k.
  static uint32_t fives_completed_at(uint32_t word) {
    uint32_t below[kWinLength], above[kWinLength];  // [k]: bits with k stones just below (above)
    below[0] = above[0] = ~uint32_t{0};
    for (int k = 1; k < kWinLength; ++k) {
      below[k] = below[k - 1] & (word << k);
      above[k] = above[k - 1] & (word >> k);
    }
    uint32_t gaps = 0;
    for (int k = 0; k < kWinLength; ++k) gaps |= below[k] & above[kWinLength - 1 - k];
    return gaps;
  }

  // The bits of line `line` in direction d that are squares of the board.
  uint32_t line_bits(int d, int line) const {
    int low = 0, high = size_ - 1;  // rows and columns: every bit up to the board's side
    if (d == kDiagonal) low = std::max(0, size_ - 1 - line), high = std::min(size_ - 1, 2 * size_ - 2 - line);
    if (d == kAntiDiagonal) low = std::max(0, line - size_ + 1), high = std::min(size_ - 1, line);
    return (~uint32_t{0} >> (31 - high)) & (~uint32_t{0} << low);
  }

  // The (row, col) of bit b of a line word (a square of the board).
  std::pair<int, int> square_on_line(int d, int line, int b) const {
    switch (d) {
      case kRow: return {line, b};
      case kColumn: return {b, line};
      case kDiagonal: return {line - (size_ - 1) + b, b};
      default: return {line - b, b};
    }
  }

  void set_stone(int player, int move, bool on) {
    const LineSquare at(squares_->row[move], squares_->col[move], size_);
    for (int d = 0; d < kDirections; ++d) {
      uint32_t& word = lines_[player][d][at.line[d]];
      const uint32_t b = uint32_t{1} << at.bit[d];
      word = on ? (word | b) : (word & ~b);
    }
  }

  int size_;
  Rule rule_;
  const Squares* squares_;
  uint32_t winning_lengths_;
  uint32_t row_mask_;
  int to_move_ = kBlack;
  int stones_ = 0;
  int winner_ = -1;
  int last_move_ = -1;
  // lines_[player][direction][line]: bit per square along that line.
  std::array<std::array<std::array<uint32_t, kMaxLines>, kDirections>, 2> lines_;
};

// Leaf positions `depth` plies below `p`, reached by playing every move
// (no counting shortcut at the last ply, so this times play, win detection
// and undo); a game that ends before `depth` plies has no leaves below it.
inline uint64_t perft(Position& p, int depth) {
  if (depth == 0) return 1;
  if (p.is_terminal()) return 0;
  uint64_t leaves = 0;
  const int previous = p.last_move();
  for (int row = 0; row < p.size(); ++row)
    for (uint32_t empty = p.empty_row_bits(row); empty; empty &= empty - 1) {
      const int move = row * p.size() + __builtin_ctz(empty);
      p.play(move);
      leaves += perft(p, depth - 1);
      p.remove(move, previous);
    }
  return leaves;
}

// A game of gomoku with its history: checked play, undo and the text
// position format, in the spirit of python-chess's Board.
class Board {
 public:
  static constexpr int kBlack = Position::kBlack;
  static constexpr int kWhite = Position::kWhite;

  explicit Board(int size = 15, Rule rule = Rule::kFreestyle) : position_(size, rule) {}

  const Position& position() const { return position_; }
  int size() const { return position_.size(); }
  Rule rule() const { return position_.rule(); }
  int num_actions() const { return position_.num_actions(); }
  int to_move() const { return position_.to_move(); }
  int ply() const { return static_cast<int>(history_.size()); }
  int last_move() const { return position_.last_move(); }
  int winner() const { return position_.winner(); }
  bool is_game_over() const { return position_.is_terminal(); }

  bool is_legal(int move) const {
    return !is_game_over() && move >= 0 && move < num_actions() && position_.is_empty(move);
  }

  std::vector<int> legal_move_list() const {
    std::vector<int> moves;
    if (is_game_over()) return moves;
    for (int move = 0; move < num_actions(); ++move)
      if (position_.is_empty(move)) moves.push_back(move);
    return moves;
  }

  // Writes num_actions() flags: 1 where the move is legal.
  void write_legal_mask(uint8_t* out) const {
    const bool over = is_game_over();
    for (int move = 0; move < num_actions(); ++move) out[move] = !over && position_.is_empty(move);
  }

  // Writes a (size, size, 2) plane stack from `player`'s view: [.., 0] that
  // player's stones, [.., 1] the other's.
  void write_planes(uint8_t* out, int player) const {
    for (int move = 0; move < num_actions(); ++move) {
      const int stone = position_.stone_at(move);
      out[2 * move] = stone == player;
      out[2 * move + 1] = stone == 1 - player;
    }
  }

  // The stones of the winning line from end to end; empty while nobody has won.
  std::vector<int> winning_line() const {
    if (winner() < 0) return {};
    if (last_move() >= 0 && position_.stone_at(last_move()) == winner())
      return position_.winning_line_through(winner(), last_move());
    for (int move = 0; move < num_actions(); ++move)  // a position set up already won
      if (position_.stone_at(move) == winner()) {
        auto line = position_.winning_line_through(winner(), move);
        if (!line.empty()) return line;
      }
    return {};
  }

  void play(int move) {
    if (!is_legal(move)) throw std::invalid_argument(illegal_move_message(move));
    history_.push_back(move);
    position_.play(move);
  }

  uint64_t perft(int depth) const {
    if (depth < 0) throw std::invalid_argument("perft depth must be >= 0, got " + std::to_string(depth));
    Position scratch = position_;
    return gomoku::perft(scratch, depth);
  }

  void undo() {
    if (history_.empty()) throw std::out_of_range("undo: no move has been played");
    const int move = history_.back();
    history_.pop_back();
    position_.remove(move, history_.empty() ? -1 : history_.back());
  }

  // Compact position: size*size characters row by row from a1 ('-' empty,
  // 'X' black, 'O' white), a space, then the side to move ('X' or 'O').
  std::string to_string() const {
    std::string s;
    for (int move = 0; move < num_actions(); ++move) s += square_char(move);
    s += ' ';
    s += to_move() == kBlack ? 'X' : 'O';
    return s;
  }

  static Board from_string(const std::string& text, Rule rule = Rule::kFreestyle) {
    std::string cells;
    for (char c : text)
      if (c != ' ' && c != '\t' && c != '\n') cells += c;
    char side = 0;
    if (!cells.empty()) {
      side = cells.back();
      cells.pop_back();
    }
    int size = 0;
    for (int n = kMinSize; n <= kMaxSize; ++n)
      if (static_cast<int>(cells.size()) == n * n) size = n;
    if (size == 0)
      throw std::invalid_argument("position '" + text +
                                  "': expected N*N squares ('-', 'X', 'O') for 5 <= N <= 19, then the side to move");
    Board board(size, rule);
    for (int move = 0; move < size * size; ++move) {
      switch (cells[move]) {
        case 'X': case 'x': board.position_.place(kBlack, move); break;
        case 'O': case 'o': board.position_.place(kWhite, move); break;
        case '-': case '.': break;
        default:
          throw std::invalid_argument("position '" + text + "': unknown square character '" +
                                      std::string(1, cells[move]) + "' (use '-', 'X' or 'O')");
      }
    }
    if (side == 'X' || side == 'x') board.position_.set_to_move(kBlack);
    else if (side == 'O' || side == 'o') board.position_.set_to_move(kWhite);
    else
      throw std::invalid_argument("position '" + text + "': side to move must be 'X' or 'O', got '" +
                                  std::string(1, side) + "'");
    if (!board.position_.settle_winner())
      throw std::invalid_argument("position '" + text + "': both players have a winning line");
    return board;
  }

  // A drawing of the board for humans, with coordinates (columns a.., rows 1..).
  std::string pretty() const {
    std::string s = "  ";
    for (int col = 0; col < size(); ++col) s += std::string(" ") + column_letter(col);
    s += '\n';
    for (int row = 0; row < size(); ++row) {
      const std::string number = std::to_string(row + 1);
      s += std::string(2 - number.size(), ' ') + number;
      for (int col = 0; col < size(); ++col) {
        const char c = square_char(row * size() + col);
        s += ' ';
        s += c == '-' ? '.' : c;
      }
      s += '\n';
    }
    if (winner() >= 0) s += winner() == kBlack ? "X (black) wins" : "O (white) wins";
    else if (is_game_over()) s += "draw: the board is full";
    else s += to_move() == kBlack ? "X (black) to move" : "O (white) to move";
    return s;
  }

  // 'h8' style names; columns skip no letter (a..s on 19 x 19).
  std::string move_name(int move) const {
    if (move < 0 || move >= num_actions()) return "move " + std::to_string(move);
    return std::string(1, column_letter(move % size())) + std::to_string(move / size() + 1);
  }

  bool operator==(const Board& other) const { return position_ == other.position_; }

 private:
  static char column_letter(int col) { return static_cast<char>('a' + col); }

  char square_char(int move) const {
    const int stone = position_.stone_at(move);
    return stone == kBlack ? 'X' : (stone == kWhite ? 'O' : '-');
  }

  std::string illegal_move_message(int move) const {
    std::string why = "illegal move " + std::to_string(move) + " (" + move_name(move) + ")";
    if (is_game_over()) return why + ": the game is over";
    if (move < 0 || move >= num_actions())
      return why + ": moves are 0.." + std::to_string(num_actions() - 1) + " (row * size + col)";
    return why + ": the square is taken";
  }

  Position position_;
  std::vector<int> history_;
};

}  // namespace arena::gomoku
