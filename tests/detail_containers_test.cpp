// The small containers under the runtime and channels: Ring, IntrusiveList and WakeList.

#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "support/counted.hpp"
#include "support/counting_waker.hpp"
#include "wakeful/detail/intrusive_list.hpp"
#include "wakeful/detail/ring.hpp"
#include "wakeful/detail/wake_list.hpp"

using wakeful::detail::IntrusiveList;
using wakeful::detail::Ring;
using wakeful::detail::WakeList;
using wakeful::test::CountingWaker;
using wakeful::test::Lifetimes;
using wakeful::test::Tracked;

TEST_SUITE_BEGIN("detail");

TEST_CASE("a Ring keeps FIFO order across wrap-around and growth") {
  Ring<int> ring;
  int next_in = 0;
  int next_out = 0;
  // Interleave pushes and pops so the head moves around the buffer while it grows.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 3; ++i) {
      ring.push_back(next_in++);
    }
    for (int i = 0; i < 2; ++i) {
      REQUIRE_FALSE(ring.empty());
      CHECK(ring.front() == next_out);
      CHECK(ring.pop_front() == next_out++);
    }
  }
  CHECK(ring.size() == 200);
  while (!ring.empty()) {
    CHECK(ring.pop_front() == next_out++);
  }
  CHECK(next_out == next_in);
}

TEST_CASE("a Ring destroys what it holds, once") {
  Lifetimes lifetimes;
  {
    Ring<Tracked> ring;
    for (int i = 0; i < 40; ++i) {
      ring.push_back(Tracked(lifetimes, i));
    }
    CHECK(ring.pop_front().value() == 0);
    CHECK(lifetimes.alive() == 39);
    Ring<Tracked> other;
    other.swap(ring);
    CHECK(ring.empty());
    CHECK(other.size() == 39);
  }
  CHECK(lifetimes.alive() == 0);
}

namespace {
struct Node {
  int id;
  Node* prev = nullptr;
  Node* next = nullptr;
};
using List = IntrusiveList<Node, &Node::prev, &Node::next>;

std::vector<int> drain(List& list) {
  std::vector<int> ids;
  while (Node* n = list.pop_front()) {
    ids.push_back(n->id);
  }
  return ids;
}
}  // namespace

TEST_CASE("an IntrusiveList unlinks from the front, middle and back") {
  std::vector<Node> nodes{{0}, {1}, {2}, {3}, {4}};
  List list;
  for (Node& n : nodes) {
    list.push_back(&n);
  }
  CHECK(list.size() == 5);
  list.remove(&nodes[2]);
  list.remove(&nodes[0]);
  list.remove(&nodes[4]);
  CHECK(list.front() == &nodes[1]);
  CHECK(drain(list) == std::vector<int>{1, 3});
  CHECK(list.empty());
  list.push_back(&nodes[4]);
  CHECK(drain(list) == std::vector<int>{4});
}

// Records the order in which wakers of several tasks are woken.
struct WakeOrder {
  std::vector<int>* order;
  int id;
};

wakeful::Waker order_waker(WakeOrder& target) {
  static constexpr wakeful::RawWakerVTable vtable{[](const void* data) noexcept {
                                                    return wakeful::RawWaker{data, &vtable};
                                                  },
                                                  [](const void* data) noexcept {
                                                    const auto* target = static_cast<const WakeOrder*>(data);
                                                    target->order->push_back(target->id);
                                                  },
                                                  [](const void* data) noexcept {
                                                    const auto* target = static_cast<const WakeOrder*>(data);
                                                    target->order->push_back(target->id);
                                                  },
                                                  [](const void*) noexcept {}};
  return wakeful::Waker::from_raw(wakeful::RawWaker{&target, &vtable});
}

TEST_CASE("a WakeList wakes what it was given, once each, in order, and touches nothing else") {
  CountingWaker counter;
  {
    WakeList list;  // made and dropped empty: no waker is made, dropped or woken
    CHECK(list.empty());
  }
  CHECK(counter.clones() == 0);

  std::vector<int> order;
  std::vector<WakeOrder> targets;
  targets.reserve(WakeList::capacity);
  {
    WakeList list;
    for (int i = 0; i < static_cast<int>(WakeList::capacity); ++i) {
      targets.push_back(WakeOrder{&order, i});
      list.push(order_waker(targets.back()));
    }
    CHECK(list.full());
    list.wake_all();
    CHECK(list.empty());
    CHECK(order.size() == WakeList::capacity);
    for (int i = 0; i < static_cast<int>(order.size()); ++i) {
      CHECK(order[static_cast<std::size_t>(i)] == i);
    }
    list.push(counter.waker());  // reusable after wake_all; the destructor wakes what is left
  }
  CHECK(counter.wakes() == 1);
  CHECK(counter.outstanding() == 0);
}

TEST_SUITE_END();
