// CancellationToken: a dropped child leaves its parent's list (counted by allocations, so this
// program replaces operator new and runs without ThreadSanitizer).

#include <doctest/doctest.h>

#include <cstddef>

#include "support/alloc_counter.hpp"
#include "wakeful/sync/cancellation_token.hpp"

using namespace wakeful;  // NOLINT(google-build-using-namespace)

TEST_SUITE_BEGIN("sync");

TEST_CASE("children made and dropped in a loop do not accumulate in their parent") {
  const CancellationToken root;
  { const CancellationToken warm = root.child_token(); }  // the parent's list gets its capacity
  const std::size_t before = test::allocations_on_this_thread;
  constexpr std::size_t rounds = 1000;
  for (std::size_t i = 0; i < rounds; ++i) {
    const CancellationToken child = root.child_token();
    CHECK(!child.is_cancelled());
  }
  // One allocation per child (its node); a list that kept them would have grown as well.
  CHECK(test::allocations_on_this_thread - before == rounds);
}

TEST_SUITE_END();
