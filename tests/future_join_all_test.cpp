// join_all and try_join_all over ranges: outputs in order, only woken children re-polled,
// the first error drops the rest.

#include <doctest/doctest.h>

#include <cstddef>
#include <memory>
#include <ranges>
#include <system_error>
#include <vector>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/future/join_all.hpp"
#include "wakeful/future/ready.hpp"
#include "wakeful/io/result.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)
using test::Gate;
using test::Lifetimes;
using test::Manual;
using test::Tracked;

namespace {

/// Ready with `Output` once its gate is open; counts its polls in `polls`, holds a Tracked.
template <class Output>
class Gated {
 public:
  Gated(std::shared_ptr<Gate> gate, Output value, Lifetimes& lifetimes, int& polls)
      : gate_(std::move(gate)), value_(std::move(value)), tracked_(lifetimes), polls_(&polls) {}
  Poll<Output> poll(Context& cx) {
    ++*polls_;
    if (gate_.poll(cx).is_ready()) {
      return Poll<Output>(std::in_place, std::move(value_));
    }
    return Pending;
  }

 private:
  test::GateFuture gate_;
  Output value_;
  Tracked tracked_;
  int* polls_;
};

/// A view that makes ready(i * i) for i in [first, last) as it is walked (written out, not with
/// std::views, which clang 14 cannot compile with libstdc++ 12).
class ReadySquares : public std::ranges::view_base {
 public:
  class iterator {
   public:
    using value_type = ReadyFuture<int>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(int i) : i_(i) {}
    ReadyFuture<int> operator*() const { return ready(i_ * i_); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    void operator++(int) { ++i_; }
    bool operator==(const iterator&) const = default;

   private:
    int i_ = 0;
  };

  ReadySquares(int first, int last) : first_(first), last_(last) {}
  [[nodiscard]] iterator begin() const { return iterator(first_); }
  [[nodiscard]] iterator end() const { return iterator(last_); }

 private:
  int first_;
  int last_;
};
static_assert(std::ranges::view<ReadySquares> && std::ranges::input_range<ReadySquares>);

}  // namespace

TEST_SUITE_BEGIN("future");

TEST_CASE("join_all gives the outputs in the range's order, re-polling only the woken child") {
  Lifetimes lifetimes;
  std::vector<std::shared_ptr<Gate>> gates;
  std::vector<int> polls(4, 0);
  std::vector<Gated<int>> futures;
  for (int i = 0; i < 4; ++i) {
    gates.push_back(std::make_shared<Gate>());
    futures.emplace_back(gates.back(), i * 10, lifetimes, polls[static_cast<std::size_t>(i)]);
  }
  Manual m;
  auto all = join_all(std::move(futures));
  CHECK(all.poll(m.cx).is_pending());
  CHECK(polls == std::vector<int>{1, 1, 1, 1});
  gates[2]->open();
  gates[0]->open();
  CHECK(all.poll(m.cx).is_pending());
  CHECK(polls == std::vector<int>{2, 1, 2, 1});  // only the two woken children
  CHECK(lifetimes.alive() == 2);                 // the finished ones are gone already
  gates[3]->open();
  gates[1]->open();
  auto out = all.poll(m.cx);
  REQUIRE(out.is_ready());
  CHECK(*out == std::vector<int>{0, 10, 20, 30});
  CHECK(polls == std::vector<int>{2, 2, 2, 2});
  CHECK(lifetimes.alive() == 0);
  CHECK_THROWS_AS((void)all.poll(m.cx), std::logic_error);
}

TEST_CASE("join_all over an empty range, a view, and void futures") {
  Manual m;
  auto none = join_all(std::vector<ReadyFuture<int>>{});
  auto empty = none.poll(m.cx);
  REQUIRE(empty.is_ready());
  CHECK(empty->empty());

  auto squares = join_all(ReadySquares(1, 5));
  auto out = squares.poll(m.cx);
  REQUIRE(out.is_ready());
  CHECK(*out == std::vector<int>{1, 4, 9, 16});

  std::vector<ReadyFuture<void>> voids(3);
  auto done = join_all(std::move(voids));
  auto units = done.poll(m.cx);
  REQUIRE(units.is_ready());
  CHECK(units->size() == 3);
}

TEST_CASE("try_join_all gives every value in order when all succeed") {
  Manual m;
  std::vector<ReadyFuture<io::Result<int>>> futures;
  futures.reserve(3);
  for (int i = 0; i < 3; ++i) {
    futures.push_back(ready(io::Result<int>(i + 1)));
  }
  auto all = try_join_all(std::move(futures));
  auto out = all.poll(m.cx);
  REQUIRE(out.is_ready());
  REQUIRE(out->ok());
  CHECK(**out == std::vector<int>{1, 2, 3});

  std::vector<ReadyFuture<io::Result<void>>> voids(2, ready(io::Result<void>()));
  auto done = try_join_all(std::move(voids));
  auto ok = done.poll(m.cx);
  REQUIRE(ok.is_ready());
  CHECK(ok->ok());
}

TEST_CASE("try_join_all stops at the first error and drops the futures still running") {
  Lifetimes lifetimes;
  std::vector<std::shared_ptr<Gate>> gates;
  std::vector<int> polls(3, 0);
  std::vector<Gated<io::Result<int>>> futures;
  const std::error_code refused = std::make_error_code(std::errc::connection_refused);
  for (int i = 0; i < 3; ++i) {
    gates.push_back(std::make_shared<Gate>());
    futures.emplace_back(gates.back(), i == 1 ? io::Result<int>(refused) : io::Result<int>(i), lifetimes,
                         polls[static_cast<std::size_t>(i)]);
  }
  Manual m;
  auto all = try_join_all(std::move(futures));
  CHECK(all.poll(m.cx).is_pending());
  gates[0]->open();
  gates[1]->open();
  auto out = all.poll(m.cx);
  REQUIRE(out.is_ready());
  CHECK(out->error() == refused);
  CHECK(lifetimes.alive() == 0);  // the third, still waiting, was dropped with the error
  CHECK(polls[2] == 1);
}

TEST_SUITE_END();
