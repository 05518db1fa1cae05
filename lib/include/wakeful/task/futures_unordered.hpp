#pragma once
// FuturesUnordered<F>: a set of futures polled inline by the task that polls the set, where
// each child has its own waker, so a wake re-polls that child only (futures' FuturesUnordered).
// The node and queue invariants are in wakeful/detail/ready_to_run_queue.hpp.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "wakeful/context.hpp"
#include "wakeful/coop.hpp"
#include "wakeful/detail/ready_to_run_queue.hpp"
#include "wakeful/future.hpp"
#include "wakeful/stream.hpp"

namespace wakeful {

/// Counters of one join-set (FuturesUnordered, JoinSet).
struct JoinSetMetrics {
  std::uint64_t child_polls = 0;      ///< Polls of children.
  std::uint64_t wakes = 0;            ///< Wakes that queued a child to run.
  std::uint64_t coalesced_wakes = 0;  ///< Wakes of a child that was queued already.
  std::uint64_t yields = 0;           ///< Times poll_next gave its task back before running out of work.
};

namespace detail {

template <class F>
struct FuNode final : FuNodeBase {
  // Starts with the set's reference and the run list's: a pushed child runs at the next poll.
  explicit FuNode(ReadyToRunQueue* queue) noexcept : FuNodeBase(&vtable, queue, 2) {}
  FuNode(const FuNode&) = delete;
  FuNode& operator=(const FuNode&) = delete;
  ~FuNode() {}  // NOLINT(modernize-use-equals-default): the set destroys `future` itself

  static void deallocate(FuNodeBase* node) noexcept { delete static_cast<FuNode*>(node); }
  static constexpr FuNodeVTable vtable{&deallocate};

  union {
    F future;
  };
};

}  // namespace detail

/// A set of futures of one type, driven as one stream: `poll_next` polls only the children that
/// were woken since it last ran (and those pushed since), and is ready with each output as soon
/// as its child completes, in completion order. std::nullopt means the set is empty.
///
/// Each poll_next polls at most min(len, 32) children, and gives its task back (waking it and
/// returning Pending) once that many were polled or when a child yields (wakes itself while
/// polled), so a busy set cannot starve the other tasks of its worker.
///
/// A set belongs to one task: push, poll and drop it from that task's thread. Wakers of its
/// children may be used from any thread and may outlive it.
template <Future F>
class FuturesUnordered {
 public:
  /// What poll_next yields for each finished child (std::monostate for void).
  using Output = value_or_monostate<output_of<F>>;

  /// Children polled per poll_next at most, before it yields.
  static constexpr std::size_t poll_budget = 32;

  FuturesUnordered() : queue_(new detail::ReadyToRunQueue) {}
  /// Takes every child of `other`, which is left empty.
  FuturesUnordered(FuturesUnordered&& other) noexcept
      : queue_(std::exchange(other.queue_, nullptr)),
        head_all_(std::exchange(other.head_all_, nullptr)),
        tail_all_(std::exchange(other.tail_all_, nullptr)),
        run_head_(std::exchange(other.run_head_, nullptr)),
        run_tail_(std::exchange(other.run_tail_, nullptr)),
        spare_(std::exchange(other.spare_, nullptr)),
        len_(std::exchange(other.len_, 0)),
        metrics_(other.metrics_) {}
  /// Drops the children held and takes `other`'s.
  FuturesUnordered& operator=(FuturesUnordered&& other) noexcept {
    if (this != &other) {
      destroy();
      queue_ = std::exchange(other.queue_, nullptr);
      head_all_ = std::exchange(other.head_all_, nullptr);
      tail_all_ = std::exchange(other.tail_all_, nullptr);
      run_head_ = std::exchange(other.run_head_, nullptr);
      run_tail_ = std::exchange(other.run_tail_, nullptr);
      spare_ = std::exchange(other.spare_, nullptr);
      len_ = std::exchange(other.len_, 0);
      metrics_ = other.metrics_;
    }
    return *this;
  }
  FuturesUnordered(const FuturesUnordered&) = delete;
  FuturesUnordered& operator=(const FuturesUnordered&) = delete;
  /// Drops every child (once), whatever wakers of them are still held or queued.
  ~FuturesUnordered() { destroy(); }

  /// Adds a child; it is first polled at the next poll_next. One allocation.
  template <class G>
  requires std::constructible_from<F, G&&>
  void push(G&& future) {
    detail::FuNode<F>* node = nullptr;
    if (spare_ != nullptr) {  // a node this set finished with: no allocation
      node = std::exchange(spare_, static_cast<detail::FuNode<F>*>(spare_->next_ready));
      node->refs.store(2, std::memory_order_relaxed);
      node->woken.store(false, std::memory_order_relaxed);
    } else {
      node = new detail::FuNode<F>(queue_);
    }
    try {
      std::construct_at(&node->future, std::forward<G>(future));
    } catch (...) {
      node->next_ready = spare_;
      spare_ = node;
      throw;
    }
    node->live = true;
    link_all(node);
    node->queued.store(true, std::memory_order_relaxed);
    run_append(node);
  }

  /// The next output of a child, std::nullopt when the set is empty, or Pending. Rethrows what
  /// a child throws (that child is then gone from the set). An output spends one unit of the
  /// task's cooperative budget, so a set whose children keep completing still lets others run.
  Poll<std::optional<Output>> poll_next(Context& cx) {
    if (!coop::poll_proceed(cx)) {
      return Pending;
    }
    Poll<std::optional<Output>> result = poll_children(&cx);
    if (result.is_pending()) {
      coop::refund();
    }
    return result;
  }

  /// The output of a child that can complete now, without waiting: std::nullopt when none can
  /// (or the set is empty). Polls the children poll_next would, but is not an await: it
  /// registers no waker, so the task that last polled poll_next stays the one that children's
  /// wakes reach, and it spends no cooperative budget (the children's polls included), so a
  /// spent budget cannot hide an output that is ready.
  std::optional<Output> try_next() {
    const coop::BudgetScope unconstrained(-1);
    Poll<std::optional<Output>> result = poll_children(nullptr);
    return result.is_ready() ? std::move(result).value() : std::nullopt;
  }

  /// The future of the next output: `while (auto out = co_await set.next()) { ... }`.
  auto next() noexcept { return Next<FuturesUnordered>(*this); }

  /// Children in the set (not yet completed).
  [[nodiscard]] std::size_t len() const noexcept { return len_; }
  /// True when the set holds no child.
  [[nodiscard]] bool is_empty() const noexcept { return len_ == 0; }

  /// Drops every child now.
  void clear() noexcept {
    while (head_all_ != nullptr) {
      finish(static_cast<detail::FuNode<F>*>(head_all_), 1);
    }
  }

  /// The set's counters so far.
  [[nodiscard]] JoinSetMetrics metrics() const noexcept {
    JoinSetMetrics m = metrics_;
    m.coalesced_wakes = queue_ != nullptr ? queue_->coalesced_wakes.load(std::memory_order_relaxed) : 0;
    return m;
  }

  /// Iterates over the children still pending, oldest first (for inspection; the set polls them).
  class iterator {
   public:
    /// A forward iterator.
    using iterator_category = std::forward_iterator_tag;
    /// The children's future type.
    using value_type = F;
    /// Distance between two iterators.
    using difference_type = std::ptrdiff_t;
    /// Pointer to a child future.
    using pointer = F*;
    /// Reference to a child future.
    using reference = F&;

    /// The end iterator.
    iterator() noexcept = default;
    /// Points at `node` (nullptr: the end).
    explicit iterator(detail::FuNodeBase* node) noexcept : node_(node) {}
    /// The child future.
    reference operator*() const noexcept { return static_cast<detail::FuNode<F>*>(node_)->future; }
    /// The child future.
    pointer operator->() const noexcept { return &**this; }
    /// Moves to the next child still pending.
    iterator& operator++() noexcept {
      node_ = node_->next_all;
      return *this;
    }
    /// Moves to the next child still pending; returns the position before.
    iterator operator++(int) noexcept {
      iterator before = *this;
      ++*this;
      return before;
    }
    /// Whether both point at the same child (or both are the end).
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.node_ == b.node_; }

   private:
    detail::FuNodeBase* node_ = nullptr;
  };

  /// The oldest pending child.
  iterator begin() noexcept { return iterator(head_all_); }
  /// Past the newest pending child.
  iterator end() noexcept { return iterator(nullptr); }

 private:
  // `cx` is the polling task's context, or nullptr for try_next, which leaves the registered
  // parent waker in place and wakes that one when it yields.
  Poll<std::optional<Output>> poll_children(Context* cx) {
    if (cx != nullptr) {
      queue_->parent.register_waker(cx->waker());
    }
    take_woken();
    const std::size_t budget = std::min(len_, poll_budget);
    std::size_t polled = 0;
    while (detail::FuNodeBase* base = run_pop()) {
      if (!base->live) {  // finished or cleared while queued
        detail::fu_node_unref(base);
        continue;
      }
      auto* node = static_cast<detail::FuNode<F>*>(base);
      // Cleared before the poll: a wake from here on queues the child again, for later.
      node->queued.store(false, std::memory_order_release);
      node->woken.store(false, std::memory_order_relaxed);
      detail::BorrowedWaker waker(RawWaker{node, &detail::fu_node_waker_vtable});
      Context child_cx(waker.get());
      ++metrics_.child_polls;
      ++polled;
      auto result = poll_child(node, child_cx);
      if (result.is_ready()) {
        std::optional<Output> output = take_output(std::move(result));
        finish(node, 2);  // the set's reference and the run list's
        return Poll<std::optional<Output>>(std::in_place, std::move(output));
      }
      const bool yielded = node->woken.load(std::memory_order_acquire);
      detail::fu_node_unref(node);  // the run list's reference; the set still holds one
      if (yielded || polled >= budget) {
        ++metrics_.yields;
        if (cx != nullptr) {
          cx->waker().wake_by_ref();
        } else if (run_head_ != nullptr) {
          queue_->parent.wake();  // children left in the run list, for the parent's next poll
        }
        return Pending;
      }
    }
    if (len_ == 0) {
      return Poll<std::optional<Output>>(std::in_place, std::nullopt);
    }
    return Pending;
  }

  // A child that throws is done: it leaves the set (with the run list's reference) first.
  Poll<output_of<F>> poll_child(detail::FuNode<F>* node, Context& child_cx) {
    try {
      return node->future.poll(child_cx);
    } catch (...) {
      finish(node, 2);
      throw;
    }
  }

  static std::optional<Output> take_output(Poll<output_of<F>>&& result) {
    if constexpr (std::is_void_v<output_of<F>>) {
      return std::optional<Output>(std::in_place);
    } else {
      return std::optional<Output>(std::in_place, std::move(result).value());
    }
  }

  void link_all(detail::FuNodeBase* node) noexcept {
    node->prev_all = tail_all_;
    (tail_all_ != nullptr ? tail_all_->next_all : head_all_) = node;
    tail_all_ = node;
    ++len_;
  }

  // The child is done with: destroy its future, leave the set, and drop `references` (the
  // set's, and the run list's when it came from there). A queued copy of the node stays in the
  // run list or the ready stack and is skipped there. A node nobody else holds is kept for reuse.
  void finish(detail::FuNode<F>* node, std::size_t references) noexcept {
    std::destroy_at(&node->future);
    node->live = false;
    (node->prev_all != nullptr ? node->prev_all->next_all : head_all_) = node->next_all;
    (node->next_all != nullptr ? node->next_all->prev_all : tail_all_) = node->prev_all;
    node->prev_all = node->next_all = nullptr;
    --len_;
    if (node->refs.fetch_sub(references, std::memory_order_acq_rel) == references) {
      node->next_ready = spare_;
      spare_ = node;
    }
  }

  void run_append(detail::FuNodeBase* node) noexcept {
    node->next_ready = nullptr;
    (run_tail_ != nullptr ? run_tail_->next_ready : run_head_) = node;
    run_tail_ = node;
  }

  detail::FuNodeBase* run_pop() noexcept {
    detail::FuNodeBase* node = run_head_;
    if (node != nullptr) {
      run_head_ = node->next_ready;
      if (run_head_ == nullptr) {
        run_tail_ = nullptr;
      }
    }
    return node;
  }

  // Moves everything woken since the last call to the run list, in wake order. Only here, once
  // per poll_next: a child woken during this poll_next runs at the next one.
  void take_woken() noexcept {
    detail::FuNodeBase* newest_first = queue_->take_all();
    detail::FuNodeBase* oldest_first = nullptr;
    while (newest_first != nullptr) {
      detail::FuNodeBase* next = newest_first->next_ready;
      newest_first->next_ready = oldest_first;
      oldest_first = newest_first;
      newest_first = next;
      ++metrics_.wakes;
    }
    while (oldest_first != nullptr) {
      detail::FuNodeBase* next = oldest_first->next_ready;
      run_append(oldest_first);
      oldest_first = next;
    }
  }

  void destroy() noexcept {
    if (queue_ == nullptr) {
      return;
    }
    clear();
    for (detail::FuNodeBase* node = queue_->close(); node != nullptr;) {
      detail::FuNodeBase* next = node->next_ready;
      detail::fu_node_unref(node);
      node = next;
    }
    while (detail::FuNodeBase* node = run_pop()) {
      detail::fu_node_unref(node);
    }
    while (spare_ != nullptr) {
      detail::FuNode<F>* node = std::exchange(spare_, static_cast<detail::FuNode<F>*>(spare_->next_ready));
      node->refs.store(1, std::memory_order_relaxed);
      detail::fu_node_unref(node);  // frees it and its reference on the queue
    }
    (void)queue_->parent.take();  // drops the parent's waker
    std::exchange(queue_, nullptr)->unref();
  }

  detail::ReadyToRunQueue* queue_;
  detail::FuNodeBase* head_all_ = nullptr;  // children, oldest first
  detail::FuNodeBase* tail_all_ = nullptr;
  detail::FuNodeBase* run_head_ = nullptr;  // to poll in this or the next poll_next
  detail::FuNodeBase* run_tail_ = nullptr;
  detail::FuNode<F>* spare_ = nullptr;  // finished nodes kept for the next pushes
  std::size_t len_ = 0;
  JoinSetMetrics metrics_;
};

}  // namespace wakeful
