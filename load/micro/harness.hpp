#pragma once
// The measuring rules of WORKLOADS.md, as the Rust reference (rust/src/harness.rs) applies them:
// SplitMix64 from seed 42, warm-up runs discarded, the median of the measured runs' ns per op,
// and the same CSV columns.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "wakeful/future.hpp"

namespace wakeful::micro {

/// SplitMix64 (Steele, Lea, Flood 2014), the reference's PRNG.
class SplitMix64 {
 public:
  static constexpr std::uint64_t seed = 42;
  explicit SplitMix64(std::uint64_t state = seed) noexcept : state_(state) {}
  std::uint64_t next() noexcept {
    state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }
  /// An index in [0, n) by plain modulo, as the reference does.
  std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }

 private:
  std::uint64_t state_;
};

/// One measured run.
struct Sample {
  std::uint64_t ns = 0;     ///< wall-clock nanoseconds of the timed region
  std::uint64_t ops = 0;    ///< operations in the timed region
  std::uint64_t polls = 0;  ///< counted polls in the timed region (0: not counted)
  [[nodiscard]] double ns_per_op() const noexcept { return static_cast<double>(ns) / static_cast<double>(ops); }
};

/// Warm-up and measured run counts.
struct Harness {
  int warmup = 1;
  int runs = 5;

  /// Runs `run()` warmup + runs times and keeps the measured samples.
  template <class Run>
  auto measure(Run&& run) const {
    std::vector<decltype(run())> kept;
    for (int k = 0; k < warmup + runs; ++k) {
      auto sample = run();
      if (k >= warmup) {
        kept.push_back(sample);
      }
    }
    return kept;
  }
};

inline std::chrono::steady_clock::time_point now() noexcept { return std::chrono::steady_clock::now(); }

inline std::uint64_t elapsed_ns(std::chrono::steady_clock::time_point t0) noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
}

inline double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2.0;
}

inline void print_header() {
  std::printf("workload,variant,N,ops_per_run,median_ns_per_op,min_ns_per_op,max_ns_per_op,polls_per_op,extra\n");
}

/// Prints one CSV row, formatted exactly as the reference's `report`.
inline void report(const std::string& workload, const std::string& variant, std::uint64_t n,
                   const std::vector<Sample>& samples, const std::string& extra) {
  std::vector<double> per;
  per.reserve(samples.size());
  bool counted = false;
  std::vector<double> polls;
  for (const Sample& s : samples) {
    per.push_back(s.ns_per_op());
    polls.push_back(static_cast<double>(s.polls) / static_cast<double>(s.ops));
    counted = counted || s.polls != 0;
  }
  const auto [lo, hi] = std::minmax_element(per.begin(), per.end());
  std::string polls_text = "-";
  if (counted) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", median(polls));
    polls_text = buf;
  }
  std::printf("%s,%s,%llu,%llu,%.1f,%.1f,%.1f,%s,%s\n", workload.c_str(), variant.c_str(),
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(samples.front().ops), median(per),
              *lo, *hi, polls_text.c_str(), extra.c_str());
  std::fflush(stdout);
}

// --- poll counting ----------------------------------------------------------------------------
// As in the reference: a plain thread-local counter; every counted workload runs its tasks on
// one worker thread.

inline thread_local std::uint64_t task_polls = 0;

/// Wraps a future; every poll increments `task_polls`.
template <Future F>
class Counted {
 public:
  explicit Counted(F inner) : inner_(std::move(inner)) {}
  auto poll(Context& cx) {
    ++task_polls;
    return inner_.poll(cx);
  }

 private:
  F inner_;
};

template <Future F>
Counted<std::decay_t<F>> counted(F&& inner) {
  return Counted<std::decay_t<F>>(std::forward<F>(inner));
}

}  // namespace wakeful::micro
