// A pattern evaluation of 8 x 8 Othello positions, in discs for the side to move: for each of
// 46 lines and corner regions of the board, a weight for what it holds (each square empty, own
// or the opponent's), summed, with one set of weights for each stage of the game (by empty
// squares). The weights are fitted on positions the endgame solver scored exactly
// (tools/fit_othello_eval.py) and loaded at run time (`load`); the solver orders its moves and
// places its first window by this evaluation once they are.
//
// The shapes are the usual ones of pattern evaluations: the 3 x 3 and 2 x 5 corner regions, an
// edge with its two X-squares, the second to fourth lines and the diagonals of four squares or
// more, each in every position the board's symmetries give it (sharing its weights there).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "othello.h"

namespace arena {
inline namespace ARENA_TARGET {
namespace othello::eval {

constexpr int kShapes = 11;
constexpr int kMaxEmpties = 64;

// One placement of a shape: the board symmetry that takes the shape there. Its weight index reads
// the shape's squares in the order shapes() lists them, the first the most significant digit.
struct Pattern {
  int shape;
  int symmetry;
};

namespace detail {

// The squares of a shape, as (row, column), at most 10 of them.
struct Cell {
  int row, column;
};
struct Shape {
  int size = 0;
  Cell cells[10] = {};
};

constexpr Shape line(int row, int column, int d_row, int d_column, int length) {
  Shape shape;
  for (int k = 0; k < length; ++k) shape.cells[shape.size++] = {row + k * d_row, column + k * d_column};
  return shape;
}

constexpr std::array<Shape, kShapes> shapes() {
  Shape corner3x3, corner2x5;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) corner3x3.cells[corner3x3.size++] = {r, c};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 5; ++c) corner2x5.cells[corner2x5.size++] = {r, c};
  Shape edge = line(0, 0, 0, 1, 8);
  edge.cells[edge.size++] = {1, 1};
  edge.cells[edge.size++] = {1, 6};
  return {corner3x3,           corner2x5,           edge,
          line(1, 0, 0, 1, 8), line(2, 0, 0, 1, 8), line(3, 0, 0, 1, 8),
          line(0, 0, 1, 1, 8), line(0, 1, 1, 1, 7), line(0, 2, 1, 1, 6),
          line(0, 3, 1, 1, 5), line(0, 4, 1, 1, 4)};
}

// The board's eight symmetries, applied to a cell.
constexpr Cell symmetry(int which, Cell cell) {
  if (which & 4) cell = {cell.column, cell.row};
  if (which & 2) cell.row = 7 - cell.row;
  if (which & 1) cell.column = 7 - cell.column;
  return cell;
}

// Every placement: each shape seen through each symmetry, less those that cover the same
// squares as an earlier one (a shape symmetric itself). Returns how many; writes them to `out`
// unless it is null.
constexpr int placements(Pattern* out) {
  const std::array<Shape, kShapes> all = shapes();
  int count = 0;
  for (int shape = 0; shape < kShapes; ++shape) {
    uint64_t seen[8] = {};
    int distinct = 0;
    for (int which = 0; which < 8; ++which) {
      uint64_t set = 0;
      for (int k = 0; k < all[shape].size; ++k) {
        const Cell cell = symmetry(which, all[shape].cells[k]);
        set |= uint64_t{1} << (cell.row * 8 + cell.column);
      }
      bool repeated = false;
      for (int j = 0; j < distinct; ++j) repeated = repeated || seen[j] == set;
      if (repeated) continue;
      seen[distinct++] = set;
      if (out) out[count] = Pattern{shape, which};
      ++count;
    }
  }
  return count;
}

template <int kCount>
constexpr std::array<Pattern, kCount> placement_array() {
  std::array<Pattern, kCount> out{};
  placements(out.data());
  return out;
}

constexpr std::array<int, kShapes + 1> shape_offsets() {
  std::array<int, kShapes + 1> offsets{};
  const std::array<Shape, kShapes> all = shapes();
  for (int shape = 0; shape < kShapes; ++shape) {
    int size = 1;
    for (int k = 0; k < all[shape].size; ++k) size *= 3;
    offsets[shape + 1] = offsets[shape] + size;
  }
  return offsets;
}

}  // namespace detail

// Worked out at compile time: no code runs when the module loads (see target.h).
inline constexpr int kPatternCount = detail::placements(nullptr);
inline constexpr std::array<Pattern, kPatternCount> kPatterns = detail::placement_array<kPatternCount>();
// Where each shape's weights start in a stage's weights; the last entry is their number.
inline constexpr std::array<int, kShapes + 1> kShapeOffset = detail::shape_offsets();
inline constexpr int kWeightsPerStage = kShapeOffset[kShapes];

namespace detail {

// (r, c) -> (r, 7 - c), (7 - r, c) and (c, r) on a whole board.
inline Bitboard mirror_columns(Bitboard b) {
  b = ((b >> 1) & 0x5555555555555555ULL) | ((b & 0x5555555555555555ULL) << 1);
  b = ((b >> 2) & 0x3333333333333333ULL) | ((b & 0x3333333333333333ULL) << 2);
  return ((b >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((b & 0x0F0F0F0F0F0F0F0FULL) << 4);
}
inline Bitboard mirror_rows(Bitboard b) { return __builtin_bswap64(b); }
inline Bitboard transpose(Bitboard b) {
  Bitboard t = 0x0F0F0F0F00000000ULL & (b ^ (b << 28));
  b ^= t ^ (t >> 28);
  t = 0x3333000033330000ULL & (b ^ (b << 14));
  b ^= t ^ (t >> 14);
  t = 0x5500550055005500ULL & (b ^ (b << 7));
  return b ^ t ^ (t >> 7);
}

// The board whose square (r, c) holds what square symmetry(which, r, c) of `b` holds: the shapes
// read there are the placements `which` gives them on `b`.
inline Bitboard seen_through(Bitboard b, int which) {
  if (which & 1) b = mirror_columns(b);
  if (which & 2) b = mirror_rows(b);
  return which & 4 ? transpose(b) : b;
}

// For n <= 8 squares read as n bits (bit k the k-th square), their base-3 digits for one side:
// the k-th square the (n-1-k)-th power of 3 (the first square the most significant digit).
struct Ternary {
  int of[9][256] = {};
  constexpr Ternary() {
    for (int n = 1; n <= 8; ++n)
      for (int bits = 0; bits < (1 << n); ++bits) {
        int value = 0;
        for (int k = 0; k < n; ++k) value = value * 3 + ((bits >> k) & 1);
        of[n][bits] = value;
      }
  }
};
inline constexpr Ternary kTernary{};

// The digits of n squares of both sides read as bits.
inline int digits(unsigned own_bits, unsigned opp_bits, int n) {
  return kTernary.of[n][own_bits] + 2 * kTernary.of[n][opp_bits];
}
// Row r, columns 0 to n - 1.
inline int row(Bitboard own, Bitboard opp, int r, int n) {
  const unsigned mask = (1u << n) - 1;
  return digits(static_cast<unsigned>(own >> (8 * r)) & mask, static_cast<unsigned>(opp >> (8 * r)) & mask, n);
}
// The diagonal (i, i + 8 - n), i = 0 to n - 1, gathered into the top bits by one multiplication.
inline int diagonal(Bitboard own, Bitboard opp, int n) {
  const Bitboard mask = 0x8040201008040201ULL << (8 - n) & ~0ULL >> (8 * (8 - n));
  const int shift = 64 - n;
  const Bitboard spread = 0x0101010101010101ULL;
  return digits(static_cast<unsigned>(((own & mask) * spread) >> shift),
                static_cast<unsigned>(((opp & mask) * spread) >> shift), n);
}
inline int square(Bitboard own, Bitboard opp, int sq) {
  return static_cast<int>((own >> sq) & 1) + 2 * static_cast<int>((opp >> sq) & 1);
}

// The index of `shape` (as shapes() lists it) on (own, opp), read where shapes() puts it.
inline int shape_index(int shape, Bitboard own, Bitboard opp) {
  switch (shape) {
    case 0: return (row(own, opp, 0, 3) * 27 + row(own, opp, 1, 3)) * 27 + row(own, opp, 2, 3);
    case 1: return row(own, opp, 0, 5) * 243 + row(own, opp, 1, 5);
    case 2: return row(own, opp, 0, 8) * 9 + square(own, opp, 9) * 3 + square(own, opp, 14);
    case 3: return row(own, opp, 1, 8);
    case 4: return row(own, opp, 2, 8);
    case 5: return row(own, opp, 3, 8);
    default: return diagonal(own, opp, 14 - shape);  // shapes 6 to 10: diagonals of 8 to 4 squares
  }
}

}  // namespace detail

// The index of each pattern's weight in a stage's weights for (own, opp): `out` gets
// kPatterns.size() of them.
inline void pattern_indices(Bitboard own, Bitboard opp, int* out) {
  Bitboard owns[8], opps[8];
  for (int which = 0; which < 8; ++which) {
    owns[which] = detail::seen_through(own, which);
    opps[which] = detail::seen_through(opp, which);
  }
  for (size_t i = 0; i < kPatterns.size(); ++i) {
    const Pattern& p = kPatterns[i];
    out[i] = kShapeOffset[p.shape] + detail::shape_index(p.shape, owns[p.symmetry], opps[p.symmetry]);
  }
}

// Fitted weights, as tools/fit_othello_eval.py writes them (little-endian):
//   "AOEV", version 1, stages, weights per stage, scale (weights per disc)   5 x uint32
//   the stage of each number of empties, 0 to 64                             65 x uint8
//   per stage: its weights, then a constant term                             stages x (n + 1) x int16
class Weights {
 public:
  static constexpr uint32_t kVersion = 1;

  // Reads `size` bytes at `data`; std::invalid_argument when they are not such weights.
  Weights(const uint8_t* data, size_t size) {
    uint32_t header[5];
    if (size < sizeof header + 65) throw std::invalid_argument("othello evaluation weights: file too short");
    std::memcpy(header, data, sizeof header);
    if (std::memcmp(data, "AOEV", 4) != 0 || header[1] != kVersion)
      throw std::invalid_argument("othello evaluation weights: not a version 1 weights file");
    stages_ = static_cast<int>(header[2]);
    scale_ = static_cast<int>(header[4]);
    if (header[3] != static_cast<uint32_t>(kWeightsPerStage) || stages_ < 1 || scale_ < 1)
      throw std::invalid_argument("othello evaluation weights: made for other patterns (weights per stage " +
                                  std::to_string(header[3]) + ", expected " + std::to_string(kWeightsPerStage) + ")");
    std::memcpy(stage_of_.data(), data + sizeof header, 65);
    for (const uint8_t stage : stage_of_)
      if (stage >= stages_) throw std::invalid_argument("othello evaluation weights: a stage out of range");
    const size_t count = static_cast<size_t>(stages_) * (kWeightsPerStage + 1);
    if (size != sizeof header + 65 + 2 * count)
      throw std::invalid_argument("othello evaluation weights: " + std::to_string(size) + " bytes, expected " +
                                  std::to_string(sizeof header + 65 + 2 * count));
    weights_.resize(count);
    std::memcpy(weights_.data(), data + sizeof header + 65, 2 * count);
  }

  int scale() const { return scale_; }

  // The score of (own, opp), with `empties` empty squares, in 1/scale() discs.
  int fine(Bitboard own, Bitboard opp, int empties) const {
    const int16_t* w = weights_.data() + static_cast<size_t>(stage_of_[empties]) * (kWeightsPerStage + 1);
    int sum = w[kWeightsPerStage];
    int indices[64];
    pattern_indices(own, opp, indices);
    for (size_t i = 0; i < kPatterns.size(); ++i) sum += w[indices[i]];
    return sum;
  }

 private:
  int stages_ = 0, scale_ = 1;
  std::array<uint8_t, kMaxEmpties + 1> stage_of_{};
  std::vector<int16_t> weights_;
};

// The weights in use, once loaded; loaded once, before any search that uses them starts.
inline std::atomic<const Weights*> loaded{nullptr};

// Installs the weights `data` holds (kept for the life of the process).
inline void load(const uint8_t* data, size_t size) { loaded.store(new Weights(data, size)); }

}  // namespace othello::eval
}  // namespace ARENA_TARGET
}  // namespace arena
