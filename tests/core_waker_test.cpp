#include <doctest/doctest.h>

#include <utility>

#include "support/counting_waker.hpp"
#include "wakeful/context.hpp"
#include "wakeful/waker.hpp"

using wakeful::Context;
using wakeful::Waker;
using wakeful::test::CountingWaker;

TEST_SUITE_BEGIN("core");

TEST_CASE("the noop waker does nothing and is what a default Waker is") {
  Waker waker;
  waker.wake_by_ref();
  std::move(waker).wake();
  CHECK(Waker().will_wake(Waker::noop()));
}

TEST_CASE("copying a waker clones it, destroying it drops it") {
  CountingWaker counter;
  {
    Waker first = counter.waker();
    CHECK(counter.clones() == 1);
    Waker second = first;  // NOLINT(performance-unnecessary-copy-initialization)
    CHECK(counter.clones() == 2);
    CHECK(second.will_wake(first));
    CHECK(counter.outstanding() == 2);
  }
  CHECK(counter.outstanding() == 0);
  CHECK(counter.wakes() == 0);
}

TEST_CASE("moving a waker transfers its reference without cloning") {
  CountingWaker counter;
  Waker first = counter.waker();
  Waker second = std::move(first);
  CHECK(counter.clones() == 1);
  CHECK(first.will_wake(Waker::noop()));  // NOLINT(bugprone-use-after-move): moved-from is noop
  Waker third;
  third = std::move(second);
  CHECK(counter.clones() == 1);
  CHECK(counter.outstanding() == 1);
}

TEST_CASE("wake consumes the waker, wake_by_ref keeps it") {
  CountingWaker counter;
  Waker waker = counter.waker();
  waker.wake_by_ref();
  waker.wake_by_ref();
  CHECK(counter.wakes() == 2);
  CHECK(counter.outstanding() == 1);
  std::move(waker).wake();
  CHECK(counter.wakes() == 3);
  CHECK(counter.outstanding() == 0);
  waker.wake_by_ref();  // NOLINT(bugprone-use-after-move): a consumed waker is the noop waker
  CHECK(counter.wakes() == 3);
}

TEST_CASE("copy-assigning a waker that wakes the same task skips the clone") {
  CountingWaker counter;
  CountingWaker other;  // declared first: it must outlive `a`, which ends up holding its waker
  Waker a = counter.waker();
  Waker b = a;
  CHECK(counter.clones() == 2);
  a = b;
  CHECK(counter.clones() == 2);

  a = other.waker();
  CHECK(other.outstanding() == 1);
  CHECK(counter.outstanding() == 1);
  CHECK_FALSE(a.will_wake(b));
}

TEST_CASE("into_raw and from_raw hand the reference over") {
  CountingWaker counter;
  Waker waker = counter.waker();
  wakeful::RawWaker raw = std::move(waker).into_raw();
  CHECK(counter.outstanding() == 1);
  Waker back = Waker::from_raw(raw);
  CHECK(counter.clones() == 1);
  back.wake_by_ref();
  CHECK(counter.wakes() == 1);
}

TEST_CASE("a Context lends its waker") {
  CountingWaker counter;
  Waker waker = counter.waker();
  Context cx(waker);
  CHECK(cx.waker().will_wake(waker));
  cx.waker().wake_by_ref();
  CHECK(counter.wakes() == 1);
  CHECK(counter.clones() == 1);
}

TEST_SUITE_END();
