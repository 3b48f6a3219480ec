// The fused GroupNorm (+ SiLU) loops, forward and backward, for one range of work items: (sample, group) pairs in
// NCHW, samples in channels-last. No libtorch here but the bf16 type: native/groupnorm.cc splits the work over
// threads and picks the widest instruction set the CPU has (the loops are compiled once per set).
//
// Symbols: for sample n and group g of L = (C / G) * HW elements, mu and rstd = 1 / sqrt(var + eps) (two-pass,
// float32 accumulators, float64 for float64 input; mu is kept as the group's first element x0 plus an offset, so
// x - mu = (x - x0) - offset loses nothing to mu's own rounding on near-constant groups); z = (x - mu) rstd;
// u = w_c z + b_c; y = u, or silu(u) = u s(u). Backward: gu = gy (silu: gy s (1 + u (1 - s))); gb_c = sum gu;
// gw_c = sum gu z; gx = rstd (w_c gu - mean_g(w gu) - z mean_g(w gu z)).
#pragma once
#include <c10/util/BFloat16.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace gn {
#define GN_INLINE inline __attribute__((always_inline))

template <typename T> struct AccOf { using type = float; };
template <> struct AccOf<double> { using type = double; };

// Element conversions that vectorise (bf16 <-> float by bit operations, round to nearest even).
GN_INLINE float Load(float v) { return v; }
GN_INLINE double Load(double v) { return v; }
GN_INLINE float Load(c10::BFloat16 v) {
  uint32_t bits = static_cast<uint32_t>(v.x) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
template <typename T> GN_INLINE T Store(typename AccOf<T>::type v) { return v; }
template <> GN_INLINE c10::BFloat16 Store<c10::BFloat16>(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
  return c10::BFloat16(static_cast<uint16_t>(f != f ? 0x7FC0u : rounded), c10::BFloat16::from_bits());
}

// exp for the SiLU: Cephes' expf (range reduction by ln 2, degree-6 polynomial; ~1 ulp), without libm calls so
// that loops over it vectorise. float64 uses std::exp (the finite-difference tests run in float64).
// The range is bounded through the exponent n, not through x: clamping x itself (x < -87.3 ? -87.3 : x), as Cephes
// does, made GCC if-convert the whole SiLU loop into masked lanes that ran 10x slower (11 ms against 1.5 ms for
// 3.2M floats here). With n in [-126, 127], far outside it the result still goes to 0 or +inf, so the SiLU's
// limits hold (silu(-200) = -0, silu(200) = 200); inside it nothing changes.
GN_INLINE float Exp(float x) {
  // n = round(x / ln 2) by the 1.5 * 2^23 trick (a floor with a correction keeps GCC from vectorising the loop)
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  n = n < -126.0f ? -126.0f : n;
  n = n > 127.0f ? 127.0f : n;
  x = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * x + 1.3981999507e-3f;
  p = p * x + 8.3334519073e-3f;
  p = p * x + 4.1665795894e-2f;
  p = p * x + 1.6666665459e-1f;
  p = p * x + 5.0000001201e-1f;
  p = p * x * x + x + 1.0f;
  uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return p * scale;
}
GN_INLINE double Exp(double x) { return std::exp(x); }
template <typename A> GN_INLINE A Sigmoid(A u) { return A(1) / (A(1) + Exp(-u)); }

// One call: N samples of C channels over HW positions, G groups of Cg channels; the pointers it reads and writes.
template <typename T> struct Args {
  using A = typename AccOf<T>::type;
  int64_t N, C, HW, G, Cg;
  double eps;
  const T* x;
  const A* w;
  const A* b;
  A* mean;   // (N, G): the group's mean less its first element
  A* rstd;   // (N, G)
  T* y;      // forward output
  const T* gy;  // backward: the incoming gradient, x's layout
  T* gx;     // backward output
  A* db;     // (N, C): sum of gu per sample and channel
  A* dz;     // (N, C): sum of gu z
  int64_t L() const { return Cg * HW; }
};

// ---------- forward --------------------------------------------------------------------------------
// NCHW: a (sample, group) pair is one contiguous block of L elements, channel rows of HW.
template <typename T, bool kSilu>
GN_INLINE void ForwardNchw(const Args<T>& k, int64_t begin, int64_t end) {
  using A = typename AccOf<T>::type;
  for (int64_t ng = begin; ng < end; ng++) {
    const int64_t g = ng % k.G, L = k.L(), c0 = g * k.Cg;
    const T* xs = k.x + ng * L;
    // Two passes: the mean of the values shifted by the first, then the squared deviations from it.
    const A shift = Load(xs[0]);
    A sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < L; i++) sum += Load(xs[i]) - shift;
    const A mu = sum / static_cast<A>(L);
    A sq = 0;
#pragma omp simd reduction(+ : sq)
    for (int64_t i = 0; i < L; i++) {
      A d = (Load(xs[i]) - shift) - mu;
      sq += d * d;
    }
    const A r = static_cast<A>(1.0 / std::sqrt(static_cast<double>(sq) / L + k.eps));
    k.mean[ng] = mu;
    k.rstd[ng] = r;
    for (int64_t c = 0; c < k.Cg; c++) {
      const A a = r * k.w[c0 + c], bc = k.b[c0 + c];
      const T* row = xs + c * k.HW;
      T* out = k.y + ng * L + c * k.HW;
#pragma omp simd
      for (int64_t p = 0; p < k.HW; p++) {
        A u = ((Load(row[p]) - shift) - mu) * a + bc;
        out[p] = Store<T>(kSilu ? u * Sigmoid(u) : u);
      }
    }
  }
}

// Channels-last: a sample is HW rows of C contiguous channels; statistics are accumulated per channel along the
// rows (full-width vectors) and combined per group, so the work items are samples.
template <typename T, bool kSilu>
GN_INLINE void ForwardNhwc(const Args<T>& k, int64_t begin, int64_t end) {
  using A = typename AccOf<T>::type;
  const int64_t C = k.C;
  std::vector<A> shift(C), acc(C), mu(C), a(C);
  for (int64_t n = begin; n < end; n++) {
    const T* xs = k.x + n * k.HW * C;
    for (int64_t c = 0; c < C; c++) shift[c] = Load(xs[c / k.Cg * k.Cg]), acc[c] = 0;
    for (int64_t p = 0; p < k.HW; p++) {
      const T* row = xs + p * C;
#pragma omp simd
      for (int64_t c = 0; c < C; c++) acc[c] += Load(row[c]) - shift[c];
    }
    for (int64_t g = 0; g < k.G; g++) {
      double total = 0;
      for (int64_t c = g * k.Cg; c < (g + 1) * k.Cg; c++) total += acc[c];
      const A m = static_cast<A>(total / k.L());
      for (int64_t c = g * k.Cg; c < (g + 1) * k.Cg; c++) mu[c] = m;
      k.mean[n * k.G + g] = m;
    }
    for (int64_t c = 0; c < C; c++) acc[c] = 0;
    for (int64_t p = 0; p < k.HW; p++) {
      const T* row = xs + p * C;
#pragma omp simd
      for (int64_t c = 0; c < C; c++) {
        A d = (Load(row[c]) - shift[c]) - mu[c];
        acc[c] += d * d;
      }
    }
    for (int64_t g = 0; g < k.G; g++) {
      double sq = 0;
      for (int64_t c = g * k.Cg; c < (g + 1) * k.Cg; c++) sq += acc[c];
      const A r = static_cast<A>(1.0 / std::sqrt(sq / k.L() + k.eps));
      k.rstd[n * k.G + g] = r;
      for (int64_t c = g * k.Cg; c < (g + 1) * k.Cg; c++) a[c] = r * k.w[c];
    }
    for (int64_t p = 0; p < k.HW; p++) {
      const T* row = xs + p * C;
      T* out = k.y + (n * k.HW + p) * C;
#pragma omp simd
      for (int64_t c = 0; c < C; c++) {
        A u = ((Load(row[c]) - shift[c]) - mu[c]) * a[c] + k.b[c];
        out[c] = Store<T>(kSilu ? u * Sigmoid(u) : u);
      }
    }
  }
}

// ---------- backward -------------------------------------------------------------------------------
// Each writes the per-(sample, channel) sums db and dz, then gx; the weight and bias gradients are the sums of dz
// and db over samples.
template <typename T, bool kSilu>
GN_INLINE void BackwardNchw(const Args<T>& k, int64_t begin, int64_t end) {
  using A = typename AccOf<T>::type;
  std::vector<A> gu(kSilu ? k.L() : 0);  // the gradient at u, kept between the two passes
  for (int64_t ng = begin; ng < end; ng++) {
    const int64_t n = ng / k.G, g = ng % k.G, L = k.L(), c0 = g * k.Cg;
    const A mu = k.mean[ng], r = k.rstd[ng];
    const T* xs = k.x + ng * L;
    const T* gs = k.gy + ng * L;
    const A shift = Load(xs[0]);
    double c1 = 0, c2 = 0;
    for (int64_t c = 0; c < k.Cg; c++) {
      const int64_t o = c * k.HW;
      const A a = r * k.w[c0 + c], bc = k.b[c0 + c];
      A sb = 0, sz = 0;
#pragma omp simd reduction(+ : sb, sz)
      for (int64_t p = 0; p < k.HW; p++) {
        A d = (Load(xs[o + p]) - shift) - mu, g1 = Load(gs[o + p]);
        if (kSilu) {
          A u = d * a + bc, sg = Sigmoid(u);
          g1 *= sg * (A(1) + u * (A(1) - sg));
          gu[o + p] = g1;
        }
        sb += g1;
        sz += g1 * d;
      }
      k.db[n * k.C + c0 + c] = sb;
      k.dz[n * k.C + c0 + c] = sz * r;
      c1 += static_cast<double>(k.w[c0 + c]) * sb;
      c2 += static_cast<double>(k.w[c0 + c]) * sz * r;
    }
    const A m1 = static_cast<A>(c1 / L), m2 = static_cast<A>(c2 / L);
    for (int64_t c = 0; c < k.Cg; c++) {
      const int64_t o = c * k.HW;
      const A wc = k.w[c0 + c];
      T* out = k.gx + ng * L + o;
#pragma omp simd
      for (int64_t p = 0; p < k.HW; p++) {
        A g1 = kSilu ? gu[o + p] : Load(gs[o + p]);
        A z = ((Load(xs[o + p]) - shift) - mu) * r;
        out[p] = Store<T>(r * (wc * g1 - m1 - z * m2));
      }
    }
  }
}

template <typename T, bool kSilu>
GN_INLINE void BackwardNhwc(const Args<T>& k, int64_t begin, int64_t end) {
  using A = typename AccOf<T>::type;
  const int64_t C = k.C;
  std::vector<A> shift(C), mu(C), r(C), a(C), sb(C), sz(C), m1(C), m2(C);
  std::vector<A> gu(kSilu ? k.HW * C : 0);
  for (int64_t n = begin; n < end; n++) {
    const T* xs = k.x + n * k.HW * C;
    const T* gs = k.gy + n * k.HW * C;
    for (int64_t c = 0; c < C; c++) {
      shift[c] = Load(xs[c / k.Cg * k.Cg]);
      mu[c] = k.mean[n * k.G + c / k.Cg], r[c] = k.rstd[n * k.G + c / k.Cg];
      a[c] = r[c] * k.w[c], sb[c] = 0, sz[c] = 0;
    }
    for (int64_t p = 0; p < k.HW; p++) {
      const int64_t o = p * C;
#pragma omp simd
      for (int64_t c = 0; c < C; c++) {
        A d = (Load(xs[o + c]) - shift[c]) - mu[c], g1 = Load(gs[o + c]);
        if (kSilu) {
          A u = d * a[c] + k.b[c], sg = Sigmoid(u);
          g1 *= sg * (A(1) + u * (A(1) - sg));
          gu[o + c] = g1;
        }
        sb[c] += g1;
        sz[c] += g1 * d;
      }
    }
    for (int64_t g = 0; g < k.G; g++) {
      double c1 = 0, c2 = 0;
      for (int64_t c = g * k.Cg; c < (g + 1) * k.Cg; c++) {
        sz[c] *= r[c];
        k.db[n * C + c] = sb[c];
        k.dz[n * C + c] = sz[c];
        c1 += static_cast<double>(k.w[c]) * sb[c];
        c2 += static_cast<double>(k.w[c]) * sz[c];
      }
      for (int64_t c = g * k.Cg; c < (g + 1) * k.Cg; c++)
        m1[c] = static_cast<A>(c1 / k.L()), m2[c] = static_cast<A>(c2 / k.L());
    }
    for (int64_t p = 0; p < k.HW; p++) {
      const int64_t o = p * C;
      T* out = k.gx + n * k.HW * C + o;
#pragma omp simd
      for (int64_t c = 0; c < C; c++) {
        A g1 = kSilu ? gu[o + c] : Load(gs[o + c]);
        A z = ((Load(xs[o + c]) - shift[c]) - mu[c]) * r[c];
        out[c] = Store<T>(r[c] * (k.w[c] * g1 - m1[c] - z * m2[c]));
      }
    }
  }
}

// ---------- one entry per instruction set ----------------------------------------------------------
// The loops above are inlined into each of these, so each is compiled for its own instruction set.
template <typename T> using Range = void (*)(const Args<T>&, int64_t, int64_t);
template <typename T, bool kBackward, bool kSilu, bool kChannelsLast>
GN_INLINE void Run(const Args<T>& k, int64_t begin, int64_t end) {
  if constexpr (kBackward && kChannelsLast) BackwardNhwc<T, kSilu>(k, begin, end);
  else if constexpr (kBackward) BackwardNchw<T, kSilu>(k, begin, end);
  else if constexpr (kChannelsLast) ForwardNhwc<T, kSilu>(k, begin, end);
  else ForwardNchw<T, kSilu>(k, begin, end);
}
template <typename T, bool kB, bool kS, bool kCl>
void RunBaseline(const Args<T>& k, int64_t begin, int64_t end) { Run<T, kB, kS, kCl>(k, begin, end); }
#if defined(__x86_64__)
template <typename T, bool kB, bool kS, bool kCl>
__attribute__((target("avx2,fma"))) void RunAvx2(const Args<T>& k, int64_t begin, int64_t end) {
  Run<T, kB, kS, kCl>(k, begin, end);
}
template <typename T, bool kB, bool kS, bool kCl>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma"))) void RunAvx512(const Args<T>& k, int64_t begin,
                                                                                   int64_t end) {
  Run<T, kB, kS, kCl>(k, begin, end);
}
#endif
// The widest set this CPU runs: 2 AVX-512, 1 AVX2 + FMA, 0 the baseline. DIFFLAB_GROUPNORM_ISA=avx2|baseline
// caps it (the tests run every variant this way).
inline int Isa() {
#if defined(__x86_64__)
  static const int isa = [] {
    int best = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")
                   ? 2
               : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1
                                                                                 : 0;
    const char* cap = std::getenv("DIFFLAB_GROUPNORM_ISA");
    if (cap && std::strcmp(cap, "avx2") == 0) return best < 1 ? best : 1;
    if (cap && std::strcmp(cap, "baseline") == 0) return 0;
    return best;
  }();
  return isa;
#else
  return 0;
#endif
}
template <typename T, bool kB, bool kS, bool kCl> Range<T> Pick() {
#if defined(__x86_64__)
  if (Isa() == 2) return RunAvx512<T, kB, kS, kCl>;
  if (Isa() == 1) return RunAvx2<T, kB, kS, kCl>;
#endif
  return RunBaseline<T, kB, kS, kCl>;
}
template <typename T> Range<T> Pick(bool backward, bool silu, bool channelsLast) {
  if (backward) {
    if (silu) return channelsLast ? Pick<T, true, true, true>() : Pick<T, true, true, false>();
    return channelsLast ? Pick<T, true, false, true>() : Pick<T, true, false, false>();
  }
  if (silu) return channelsLast ? Pick<T, false, true, true>() : Pick<T, false, true, false>();
  return channelsLast ? Pick<T, false, false, true>() : Pick<T, false, false, false>();
}
#undef GN_INLINE
}  // namespace gn
