// Bitboard helpers shared by the board games: one 64-bit word holds one
// player's stones on a board of at most 8 x 8, square (row, col) at bit
// row * 8 + col, so every board size uses the same shifts.
#pragma once

#include <cstdint>
#include <type_traits>

#include "target.h"

namespace arena {
inline namespace ARENA_TARGET {

using Bitboard = uint64_t;

inline int popcount(Bitboard b) { return __builtin_popcountll(b); }

inline int lowest_bit(Bitboard b) { return __builtin_ctzll(b); }

inline Bitboard bit(int index) { return Bitboard{1} << index; }

// Column c (0..7) of the 8-wide layout.
constexpr Bitboard column_mask(int c) {
  Bitboard m = 0;
  for (int row = 0; row < 8; ++row) m |= Bitboard{1} << (row * 8 + c);
  return m;
}

// Squares of an N x N board inside the 8-wide layout.
constexpr Bitboard board_mask(int size) {
  Bitboard m = 0;
  for (int row = 0; row < size; ++row)
    for (int col = 0; col < size; ++col) m |= Bitboard{1} << (row * 8 + col);
  return m;
}

// The eight compass directions; rows grow "north", columns grow "east".
enum Direction { kNorth, kSouth, kEast, kWest, kNorthEast, kNorthWest, kSouthEast, kSouthWest };

// Masks that drop stones a shift pushed off the board (wrapping across a row
// edge or leaving an N < 8 board), one per direction.
struct ShiftMasks {
  Bitboard valid;     // every square of the board
  Bitboard eastward;  // valid minus column 0: where an eastward shift may land
  Bitboard westward;  // valid minus column 7: where a westward shift may land

  explicit constexpr ShiftMasks(int size)
      : valid(board_mask(size)),
        eastward(board_mask(size) & ~column_mask(0)),
        westward(board_mask(size) & ~column_mask(7)) {}
};

template <Direction D>
inline Bitboard shift(Bitboard b, const ShiftMasks& m) {
  if constexpr (D == kNorth) return (b << 8) & m.valid;
  if constexpr (D == kSouth) return b >> 8;
  if constexpr (D == kEast) return (b << 1) & m.eastward;
  if constexpr (D == kWest) return (b >> 1) & m.westward;
  if constexpr (D == kNorthEast) return (b << 9) & m.eastward;
  if constexpr (D == kNorthWest) return (b << 7) & m.westward;
  if constexpr (D == kSouthEast) return (b >> 7) & m.eastward;
  if constexpr (D == kSouthWest) return (b >> 9) & m.westward;
}

template <Direction D>
using DirectionTag = std::integral_constant<Direction, D>;

// Calls f(DirectionTag<D>{}) for each of the eight directions, so hot loops
// unroll at compile time (read D back as decltype(tag)::value).
template <typename F>
inline void for_each_direction(F&& f) {
  f(DirectionTag<kNorth>{});
  f(DirectionTag<kSouth>{});
  f(DirectionTag<kEast>{});
  f(DirectionTag<kWest>{});
  f(DirectionTag<kNorthEast>{});
  f(DirectionTag<kNorthWest>{});
  f(DirectionTag<kSouthEast>{});
  f(DirectionTag<kSouthWest>{});
}

}  // namespace ARENA_TARGET
}  // namespace arena
