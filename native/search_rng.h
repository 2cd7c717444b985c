// Random numbers for search. std::mt19937 is slow to copy and the std::
// distributions differ between standard libraries, so a seed would not fix a
// search everywhere; this generator (xoshiro256**, seeded through splitmix64)
// and its few distributions give the same stream on every platform.
#pragma once

#include <cmath>
#include <cstdint>

namespace arena::search {

// One step of splitmix64: also a good hash for deriving seeds.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// An independent seed for stream `index` of `seed` (e.g. game i of a batch).
inline uint64_t derive_seed(uint64_t seed, uint64_t index) {
  uint64_t state = seed ^ (index * 0xD1B54A32D192ED03ULL);
  return splitmix64(state);
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }

  void reseed(uint64_t seed) {
    for (uint64_t& word : s_) word = splitmix64(seed);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) by multiply-shift: no division, and a bias below
  // n / 2^32, far under anything a search can notice.
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * n) >> 32); }

  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  double normal() {
    const double u = 1.0 - uniform();  // (0, 1]: log stays finite
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * uniform());
  }

  // Gamma(alpha, 1) by Marsaglia and Tsang; alpha < 1 through the boost
  // Gamma(alpha) = Gamma(alpha + 1) * U^(1 / alpha).
  double gamma(double alpha) {
    if (alpha < 1.0) return gamma(alpha + 1.0) * std::pow(1.0 - uniform(), 1.0 / alpha);
    const double d = alpha - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    while (true) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform();
      if (u < 1.0 - 0.0331 * x * x * x * x || std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v)))
        return d * v;
    }
  }

  // A sample of the symmetric Dirichlet(alpha) over n entries, into out[0..n).
  void dirichlet(double alpha, int n, float* out) {
    double total = 0.0;
    for (int i = 0; i < n; ++i) total += (out[i] = static_cast<float>(gamma(alpha)));
    for (int i = 0; i < n; ++i) out[i] = total > 0.0 ? static_cast<float>(out[i] / total) : 1.0f / n;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

}  // namespace arena::search
