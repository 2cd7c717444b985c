// Python's random.Random, bit for bit: MT19937 seeded from an integer as CPython seeds it, and
// the draws the fighting game makes (random(), randint(), uniform(), getrandbits(1) and (64)); its state
// moves to and from a Python generator's (random.getstate()[1]: the 624 words, then the position).
#pragma once

#include <cstdint>

namespace fighting {

class PyRandom {
 public:
  PyRandom() { seed(0); }

  // random.Random(n) for 0 <= n < 2**64: the key is n's 32-bit words, least significant first.
  void seed(uint64_t n) {
    uint32_t key[2] = {static_cast<uint32_t>(n), static_cast<uint32_t>(n >> 32)};
    init_by_array(key, (n >> 32) ? 2 : 1);
  }

  static constexpr int STATE_SIZE = 625;

  void get_state(uint32_t* out) const {
    for (int i = 0; i < N; ++i) out[i] = state_[i];
    out[N] = static_cast<uint32_t>(index_);
  }

  // A state as random.setstate takes it (the position at most 624).
  void set_state(const uint32_t* in) {
    for (int i = 0; i < N; ++i) state_[i] = in[i];
    index_ = static_cast<int>(in[N]);
  }

  // How many 32-bit words were drawn since it was made: whether a step drew at all.
  uint64_t draws() const { return draws_; }

  uint32_t next32() {
    ++draws_;
    if (index_ >= N) twist();
    uint32_t y = state_[index_++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
  }

  // random(): 53 random bits as a double in [0, 1).
  double random() {
    uint32_t a = next32() >> 5, b = next32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  bool getrandbit() { return (next32() >> 31) != 0; }

  uint64_t getrandbits64() {
    uint64_t low = next32();
    uint64_t high = next32();
    return low | (high << 32);
  }

  // randint(a, b) through _randbelow_with_getrandbits (k = n.bit_length(), rejection).
  int randint(int a, int b) {
    uint32_t n = static_cast<uint32_t>(b - a + 1);
    int k = 0;
    for (uint32_t m = n; m; m >>= 1) ++k;
    uint32_t r = next32() >> (32 - k);
    while (r >= n) r = next32() >> (32 - k);
    return a + static_cast<int>(r);
  }

  double uniform(double a, double b) { return a + (b - a) * random(); }

 private:
  static constexpr int N = 624, M = 397;
  uint32_t state_[N];
  int index_ = N + 1;
  uint64_t draws_ = 0;

  void init_genrand(uint32_t s) {
    state_[0] = s;
    for (int i = 1; i < N; ++i)
      state_[i] = 1812433253u * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<uint32_t>(i);
    index_ = N;
  }

  void init_by_array(const uint32_t* key, int length) {
    init_genrand(19650218u);
    int i = 1, j = 0;
    for (int k = (N > length ? N : length); k; --k) {
      state_[i] =
          (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525u)) + key[j] + static_cast<uint32_t>(j);
      ++i;
      ++j;
      if (i >= N) {
        state_[0] = state_[N - 1];
        i = 1;
      }
      if (j >= length) j = 0;
    }
    for (int k = N - 1; k; --k) {
      state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941u)) - static_cast<uint32_t>(i);
      ++i;
      if (i >= N) {
        state_[0] = state_[N - 1];
        i = 1;
      }
    }
    state_[0] = 0x80000000u;
  }

  void twist() {
    static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
    int kk = 0;
    uint32_t y;
    for (; kk < N - M; ++kk) {
      y = (state_[kk] & 0x80000000u) | (state_[kk + 1] & 0x7fffffffu);
      state_[kk] = state_[kk + M] ^ (y >> 1) ^ mag01[y & 1u];
    }
    for (; kk < N - 1; ++kk) {
      y = (state_[kk] & 0x80000000u) | (state_[kk + 1] & 0x7fffffffu);
      state_[kk] = state_[kk + (M - N)] ^ (y >> 1) ^ mag01[y & 1u];
    }
    y = (state_[N - 1] & 0x80000000u) | (state_[0] & 0x7fffffffu);
    state_[N - 1] = state_[M - 1] ^ (y >> 1) ^ mag01[y & 1u];
    index_ = 0;
  }
};

}  // namespace fighting
