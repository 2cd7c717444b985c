// Othello (Reversi) on bitboards: move generation, flips, play/undo, perft
// and a text position format. Boards are N x N with N even, 4 <= N <= 8.
#pragma once

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "bitboard.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define ARENA_OTHELLO_X86_SIMD 1
// Code built for AVX2 or AVX-512 (F, VL, CD) whatever the compiler flags;
// perft calls it only where the CPU has it.
#define ARENA_TARGET_AVX2 __attribute__((target("avx2,popcnt")))
#define ARENA_TARGET_AVX512 __attribute__((target("avx2,popcnt,avx512f,avx512vl,avx512cd")))
#endif

namespace arena {
inline namespace ARENA_TARGET {
namespace othello {

// The 8 x 8 board, the one perft, rollouts and the endgame solver play, with
// move generation of its own: legal moves by a parallel-prefix fill of each
// line direction, flips by precomputed lines from each square. legal_moves()
// and flips() below switch to it on full-board masks.
namespace board8 {

constexpr Bitboard kInnerColumns = 0x7E7E7E7E7E7E7E7EULL;  // b to g: no row wraps through them

// Moves that outflank along one line direction, both ways: D = 1 rows, 8
// columns, 7 and 9 diagonals. `through` is the opponent discs a run may cross.
// Runs next to `own` grow by 1, 1, 2 and 2 squares: six, the longest run.
template <int D>
inline Bitboard moves_along(Bitboard own, Bitboard through) {
  Bitboard up = through & (own << D), down = through & (own >> D);
  up |= through & (up << D);
  down |= through & (down >> D);
  const Bitboard pairs_up = through & (through << D), pairs_down = pairs_up >> D;
  up |= pairs_up & (up << 2 * D);
  down |= pairs_down & (down >> 2 * D);
  up |= pairs_up & (up << 2 * D);
  down |= pairs_down & (down >> 2 * D);
  return (up << D) | (down >> D);
}

#if defined(__AVX2__) && defined(ARENA_OTHELLO_X86_SIMD)
ARENA_TARGET_AVX2 inline __m256i legal_moves_x4(__m256i own, __m256i opp);
ARENA_TARGET_AVX2 inline Bitboard low_lane(__m256i v);

// In the solver's AVX2 build (target.h): the vector fill below, the four directions side by side
// (the solver a fifth faster).
inline Bitboard legal_moves(Bitboard own, Bitboard opp) {
  return low_lane(legal_moves_x4(_mm256_set1_epi64x(static_cast<long long>(own)),
                                 _mm256_set1_epi64x(static_cast<long long>(opp))));
}
#else
inline Bitboard legal_moves(Bitboard own, Bitboard opp) {
  const Bitboard inner = opp & kInnerColumns;
  return (moves_along<1>(own, inner) | moves_along<8>(own, opp) | moves_along<7>(own, inner) |
          moves_along<9>(own, inner)) & ~(own | opp);
}
#endif

// The squares seen from one square, to the board's edge, in the four
// directions toward higher bits (`up`: east, north, north-west, north-east,
// steps of 1, 8, 7, 9) and the four opposite ones (`down`: west, south,
// south-east, south-west, the same steps downward).
struct alignas(32) Lines {
  Bitboard up[4];
  Bitboard down[4];
};

constexpr Bitboard line_from(int square, int drow, int dcol) {
  Bitboard line = 0;
  for (int row = square / 8 + drow, col = square % 8 + dcol; 0 <= row && row < 8 && 0 <= col && col < 8;
       row += drow, col += dcol)
    line |= Bitboard{1} << (row * 8 + col);
  return line;
}

constexpr std::array<Lines, 64> make_lines() {
  constexpr int kRowSteps[4] = {0, 1, 1, 1}, kColSteps[4] = {1, 0, -1, 1};
  std::array<Lines, 64> lines{};
  for (int square = 0; square < 64; ++square)
    for (int d = 0; d < 4; ++d) {
      lines[square].up[d] = line_from(square, kRowSteps[d], kColSteps[d]);
      lines[square].down[d] = line_from(square, -kRowSteps[d], -kColSteps[d]);
    }
  return lines;
}

inline constexpr std::array<Lines, 64> kLines = make_lines();

#if defined(__AVX2__) && defined(ARENA_OTHELLO_X86_SIMD)
ARENA_TARGET_AVX2 inline __m256i flips_x4(int square, __m256i own, __m256i opp);

// In the solver's AVX2 build: flips_x4() below, the four line directions side by side (the
// solver 3% faster than with the scalar flips).
inline Bitboard flips(int square, Bitboard own, Bitboard opp) {
  return low_lane(flips_x4(square, _mm256_set1_epi64x(static_cast<long long>(own)),
                           _mm256_set1_epi64x(static_cast<long long>(opp))));
}
#else
// The opponent discs a disc on `square` turns over. Going up a line, the
// nearest square that is not the opponent's is the line's lowest such bit;
// going down, its highest (bit scan reverse, baseline x86-64). When it is one
// of ours, the line's squares before it flip.
inline Bitboard flips(int square, Bitboard own, Bitboard opp) {
  const Lines& lines = kLines[square];
  Bitboard flipped = 0;
  for (int d = 0; d < 4; ++d) {
    const Bitboard line = lines.up[d];
    const Bitboard stops = line & ~opp;
    const Bitboard outflank = stops & (0 - stops) & own;
    flipped |= (outflank - (outflank != 0)) & line;  // below the outflank, or nothing
  }
  for (int d = 0; d < 4; ++d) {
    const Bitboard line = lines.down[d];
    // Bit 0 stands in for a line of opponent discs only (or no line): it is
    // then on the line as an opponent disc or off it, so never an outflank.
    const Bitboard stops = (line & ~opp) | 1;
    const Bitboard outflank = (Bitboard{1} << (63 - __builtin_clzll(stops))) & own & line;
    flipped |= (0 - (outflank << 1)) & line;  // above the outflank, or nothing
  }
  return flipped;
}
#endif

// Leaf count, as perft() below, on the 8 x 8 board. The last ply counts
// moves (a forced pass as one leaf) in the loop one ply up, without a call.
inline uint64_t perft(Bitboard own, Bitboard opp, int depth) {
  if (depth == 0) return 1;
  const Bitboard moves = legal_moves(own, opp);
  if (moves == 0) {
    if (legal_moves(opp, own) == 0) return 0;  // game over
    return perft(opp, own, depth - 1);
  }
  if (depth == 1) return popcount(moves);
  uint64_t total = 0;
  for (Bitboard rest = moves; rest; rest &= rest - 1) {
    const int square = lowest_bit(rest);
    const Bitboard flipped = flips(square, own, opp);
    const Bitboard next_own = opp ^ flipped, next_opp = own | flipped | bit(square);
    if (depth == 2) {
      const Bitboard replies = legal_moves(next_own, next_opp);
      total += replies ? popcount(replies) : legal_moves(next_opp, next_own) != 0;
    } else {
      total += perft(next_own, next_opp, depth - 1);
    }
  }
  return total;
}

#ifdef ARENA_OTHELLO_X86_SIMD
// The same three on x86-64 vector registers: a board is broadcast to the four
// 64-bit lanes, each lane works one line direction (steps 1, 8, 7, 9), and
// results are ORed back into every lane, so boards stay in vector registers
// from ply to ply.

inline constexpr std::array<Bitboard, 64> kSquareBits = [] {
  std::array<Bitboard, 64> bits{};
  for (int square = 0; square < 64; ++square) bits[square] = Bitboard{1} << square;
  return bits;
}();

ARENA_TARGET_AVX2 inline __m256i or_lanes(__m256i v) {
  v = _mm256_or_si256(v, _mm256_permute4x64_epi64(v, 0x4E));  // swap halves
  return _mm256_or_si256(v, _mm256_shuffle_epi32(v, 0x4E));    // swap lanes in each half
}

ARENA_TARGET_AVX2 inline Bitboard low_lane(__m256i v) { return _mm_cvtsi128_si64(_mm256_castsi256_si128(v)); }

ARENA_TARGET_AVX2 inline __m256i legal_moves_x4(__m256i own, __m256i opp) {
  const __m256i step = _mm256_set_epi64x(9, 7, 8, 1), step2 = _mm256_add_epi64(step, step);
  const __m256i through = _mm256_and_si256(opp, _mm256_set_epi64x(kInnerColumns, kInnerColumns, ~0LL, kInnerColumns));
  __m256i up = _mm256_and_si256(through, _mm256_sllv_epi64(own, step));
  __m256i down = _mm256_and_si256(through, _mm256_srlv_epi64(own, step));
  up = _mm256_or_si256(up, _mm256_and_si256(through, _mm256_sllv_epi64(up, step)));
  down = _mm256_or_si256(down, _mm256_and_si256(through, _mm256_srlv_epi64(down, step)));
  const __m256i pairs_up = _mm256_and_si256(through, _mm256_sllv_epi64(through, step));
  const __m256i pairs_down = _mm256_srlv_epi64(pairs_up, step);
  up = _mm256_or_si256(up, _mm256_and_si256(pairs_up, _mm256_sllv_epi64(up, step2)));
  down = _mm256_or_si256(down, _mm256_and_si256(pairs_down, _mm256_srlv_epi64(down, step2)));
  up = _mm256_or_si256(up, _mm256_and_si256(pairs_up, _mm256_sllv_epi64(up, step2)));
  down = _mm256_or_si256(down, _mm256_and_si256(pairs_down, _mm256_srlv_epi64(down, step2)));
  const __m256i moves = or_lanes(_mm256_or_si256(_mm256_sllv_epi64(up, step), _mm256_srlv_epi64(down, step)));
  return _mm256_andnot_si256(_mm256_or_si256(own, opp), moves);
}

// Up each of the four lines as flips() does: the opponent discs below the lowest
// square that is not the opponent's, when that square is the mover's.
ARENA_TARGET_AVX2 inline __m256i flipped_up_x4(__m256i up, __m256i own, __m256i opp) {
  const __m256i zero = _mm256_setzero_si256(), ones = _mm256_set1_epi64x(-1);
  const __m256i stops = _mm256_andnot_si256(opp, up);
  const __m256i outflank = _mm256_and_si256(_mm256_and_si256(stops, _mm256_sub_epi64(zero, stops)), own);
  const __m256i below = _mm256_andnot_si256(_mm256_cmpeq_epi64(outflank, zero), _mm256_add_epi64(outflank, ones));
  return _mm256_and_si256(below, up);
}

// Up the lines as flips() does; down them by filling from the square through
// the opponent's discs (1, 2 then 4 steps at a time) and looking one step on.
ARENA_TARGET_AVX2 inline __m256i flips_x4(int square, __m256i own, __m256i opp) {
  const Lines& lines = kLines[square];
  const __m256i zero = _mm256_setzero_si256();
  const __m256i step = _mm256_set_epi64x(9, 7, 8, 1);
  const __m256i up = _mm256_load_si256(reinterpret_cast<const __m256i*>(lines.up));
  const __m256i down = _mm256_load_si256(reinterpret_cast<const __m256i*>(lines.down));

  const __m256i flipped_up = flipped_up_x4(up, own, opp);

  __m256i run = _mm256_set1_epi64x(static_cast<long long>(kSquareBits[square]));
  __m256i through = _mm256_and_si256(opp, down);
  run = _mm256_or_si256(run, _mm256_and_si256(through, _mm256_srlv_epi64(run, step)));
  through = _mm256_and_si256(through, _mm256_srlv_epi64(through, step));
  __m256i far = _mm256_add_epi64(step, step);
  run = _mm256_or_si256(run, _mm256_and_si256(through, _mm256_srlv_epi64(run, far)));
  through = _mm256_and_si256(through, _mm256_srlv_epi64(through, far));
  far = _mm256_add_epi64(far, far);
  run = _mm256_or_si256(run, _mm256_and_si256(through, _mm256_srlv_epi64(run, far)));
  const __m256i closed = _mm256_and_si256(_mm256_srlv_epi64(run, step), _mm256_and_si256(own, down));
  const __m256i flipped_down = _mm256_andnot_si256(_mm256_cmpeq_epi64(closed, zero), _mm256_and_si256(run, down));

  return or_lanes(_mm256_or_si256(flipped_up, flipped_down));
}

// With AVX-512 the highest stop down each line is a leading-zero count
// away, as in flips() (which needs a stand-in bit where lanes need none: a
// variable shift by 64 gives 0).
ARENA_TARGET_AVX512 inline __m256i flips_x4_avx512(int square, __m256i own, __m256i opp) {
  const Lines& lines = kLines[square];
  const __m256i zero = _mm256_setzero_si256(), ones = _mm256_set1_epi64x(-1);
  const __m256i up = _mm256_load_si256(reinterpret_cast<const __m256i*>(lines.up));
  const __m256i down = _mm256_load_si256(reinterpret_cast<const __m256i*>(lines.down));

  const __m256i flipped_up = flipped_up_x4(up, own, opp);

  const __m256i leading = _mm256_lzcnt_epi64(_mm256_andnot_si256(opp, down));  // 64 where no stop
  const __m256i outflank_down = _mm256_and_si256(_mm256_srlv_epi64(_mm256_set1_epi64x(1LL << 63), leading), own);
  const __m256i above = _mm256_sllv_epi64(ones, _mm256_sub_epi64(_mm256_set1_epi64x(64), leading));
  const __m256i flipped_down =
      _mm256_andnot_si256(_mm256_cmpeq_epi64(outflank_down, zero), _mm256_and_si256(above, down));

  return or_lanes(_mm256_or_si256(flipped_up, flipped_down));
}

// perft on broadcast boards, once for AVX2 and once for AVX-512, whose
// instructions (three-input logic, more registers) also run the shared
// intrinsics faster: one body, stamped out for each target with its flips (a
// template cannot carry a target of its own per instance).
#define ARENA_PERFT_X4(NAME, TARGET, FLIPS)                                                          \
  TARGET inline uint64_t NAME(__m256i own, __m256i opp, int depth) {                                 \
    if (depth == 0) return 1;                                                                        \
    const Bitboard moves = low_lane(legal_moves_x4(own, opp));                                       \
    if (moves == 0) {                                                                                \
      if (low_lane(legal_moves_x4(opp, own)) == 0) return 0; /* game over */                         \
      return NAME(opp, own, depth - 1);                                                              \
    }                                                                                                \
    if (depth == 1) return popcount(moves);                                                          \
    uint64_t total = 0;                                                                              \
    for (Bitboard rest = moves; rest; rest &= rest - 1) {                                            \
      const int square = lowest_bit(rest);                                                           \
      const __m256i flipped = FLIPS(square, own, opp);                                               \
      const __m256i next_own = _mm256_xor_si256(opp, flipped);                                       \
      const __m256i next_opp =                                                                       \
          _mm256_or_si256(_mm256_or_si256(own, flipped), _mm256_set1_epi64x(kSquareBits[square]));   \
      if (depth == 2) {                                                                              \
        const Bitboard replies = low_lane(legal_moves_x4(next_own, next_opp));                       \
        total += replies ? popcount(replies) : low_lane(legal_moves_x4(next_opp, next_own)) != 0;    \
      } else {                                                                                       \
        total += NAME(next_own, next_opp, depth - 1);                                                \
      }                                                                                              \
    }                                                                                                \
    return total;                                                                                    \
  }

ARENA_PERFT_X4(perft_x4_avx2, ARENA_TARGET_AVX2, flips_x4)
ARENA_PERFT_X4(perft_x4_avx512, ARENA_TARGET_AVX512, flips_x4_avx512)
#undef ARENA_PERFT_X4

ARENA_TARGET_AVX2 inline uint64_t perft_avx2(Bitboard own, Bitboard opp, int depth) {
  return perft_x4_avx2(_mm256_set1_epi64x(own), _mm256_set1_epi64x(opp), depth);
}

ARENA_TARGET_AVX512 inline uint64_t perft_avx512(Bitboard own, Bitboard opp, int depth) {
  return perft_x4_avx512(_mm256_set1_epi64x(own), _mm256_set1_epi64x(opp), depth);
}

// The instructions perft uses: the best the CPU has, capped by the
// environment's ARENA_OTHELLO_SIMD ("none", "avx2" or "avx512") to time or
// test the others. "none" also keeps the endgame solver on its baseline build.
enum class Simd { kNone, kAvx2, kAvx512 };

inline Simd simd() {
  static const Simd level = [] {
    __builtin_cpu_init();
    Simd best = Simd::kNone;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) best = Simd::kAvx2;
    if (best == Simd::kAvx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512cd"))
      best = Simd::kAvx512;
    const char* cap = std::getenv("ARENA_OTHELLO_SIMD");
    if (cap && std::string(cap) == "none") return Simd::kNone;
    if (cap && std::string(cap) == "avx2" && best == Simd::kAvx512) return Simd::kAvx2;
    return best;
  }();
  return level;
}
#endif

}  // namespace board8

// Every square where the side owning `own` may place a disc.
inline Bitboard legal_moves(Bitboard own, Bitboard opp, const ShiftMasks& m) {
  if (m.valid == board_mask(8)) return board8::legal_moves(own, opp);
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
  if (m.valid == board_mask(8)) return board8::flips(square, own, opp);
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
  if (m.valid == board_mask(8)) {
#ifdef ARENA_OTHELLO_X86_SIMD
    if (board8::simd() == board8::Simd::kAvx512) return board8::perft_avx512(own, opp, depth);
    if (board8::simd() == board8::Simd::kAvx2) return board8::perft_avx2(own, opp, depth);
#endif
    return board8::perft(own, opp, depth);
  }
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
  int empties() const { return size_ * size_ - popcount(black_ | white_); }
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

}  // namespace othello
}  // namespace ARENA_TARGET
}  // namespace arena
