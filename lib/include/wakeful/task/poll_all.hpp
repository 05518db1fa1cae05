#pragma once
// PollAll<F> and join_all_naive: the naive join-set, which polls every child on every wake.

#include <cstddef>
#include <deque>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "wakeful/coop.hpp"
#include "wakeful/detail/move_pin.hpp"
#include "wakeful/future.hpp"
#include "wakeful/stream.hpp"
#include "wakeful/task/futures_unordered.hpp"

namespace wakeful {

/// A set of futures that are all polled, in order, with the task's own waker, every time the
/// set is polled: the baseline a FuturesUnordered improves on. A wake carries no hint of which
/// child can progress, so each costs a pass over all N children.
///
/// When it wins: for two or three cheap children, a pass over all of them costs less than a
/// FuturesUnordered's bookkeeping (a node allocation per child, a queue operation per wake); the
/// crossover measured by load/micro (workload 1) is in README. Beyond a handful of children, or
/// with children that are expensive to poll, use FuturesUnordered.
///
/// It moves its children after polling them (to close up the places of completed ones), so a
/// future that must stay where it is once polled (mpsc::Send, Notified, or a combinator holding
/// one; see detail/move_pin.hpp) cannot be a child: that is rejected at compile time.
template <Future F>
requires(!detail::pinned_once_polled<F>) class PollAll {
 public:
  /// What poll_next yields for each finished child (std::monostate for void).
  using Output = value_or_monostate<output_of<F>>;

  /// Adds a child after the others; it is polled by the next pass.
  template <class G>
  requires std::constructible_from<F, G&&>
  void push(G&& future) {
    children_.emplace_back(std::in_place, std::forward<G>(future));
    ++len_;
  }

  /// One pass over every child, in the order they were pushed: the first output found (the pass
  /// still polls every child, and keeps the other outputs for the next calls), std::nullopt when
  /// empty, or Pending. Rethrows what a child throws (that child is then gone). A pass costs the
  /// children left, not the most there ever were: completed children's places are closed up.
  Poll<std::optional<Output>> poll_next(Context& cx) {
    if (!coop::poll_proceed(cx)) {
      return Pending;
    }
    if (!finished_.empty()) {
      return Poll<std::optional<Output>>(std::in_place, take_finished());
    }
    std::size_t i = 0;
    std::uint64_t polls = 0;  // counted here, stored once: the loop is the whole cost
    try {
      for (; i < children_.size(); ++i) {
        std::optional<F>& child = children_[i];
        if (!child) {
          continue;
        }
        ++polls;
        auto result = child->poll(cx);
        if (result.is_ready()) {
          if constexpr (std::is_void_v<output_of<F>>) {
            finished_.emplace_back();
          } else {
            finished_.emplace_back(std::move(result).value());
          }
          vacate(i);
        }
      }
    } catch (...) {
      metrics_.child_polls += polls;
      vacate(i);  // the child that threw is gone
      close_up();
      throw;
    }
    metrics_.child_polls += polls;
    close_up();
    if (!finished_.empty()) {
      return Poll<std::optional<Output>>(std::in_place, take_finished());
    }
    coop::refund();
    if (len_ == 0) {
      return Poll<std::optional<Output>>(std::in_place, std::nullopt);
    }
    return Pending;
  }

  /// The future of the next output.
  auto next() noexcept { return Next<PollAll>(*this); }

  /// Children not yet completed.
  [[nodiscard]] std::size_t len() const noexcept { return len_; }
  /// True when no child is left.
  [[nodiscard]] bool is_empty() const noexcept { return len_ == 0 && finished_.empty(); }
  /// Drops every child and every output not yet taken.
  void clear() noexcept {
    children_.clear();
    finished_.clear();
    len_ = 0;
  }

  /// Child polls so far (the other counters of JoinSetMetrics stay 0: there are no child wakers).
  [[nodiscard]] JoinSetMetrics metrics() const noexcept { return metrics_; }

 private:
  void vacate(std::size_t slot) noexcept {
    children_[slot].reset();
    --len_;
  }

  // Moves the children left to the front, in order, after a pass that completed some: the pass
  // was already a walk over every place, so this keeps its cost, and the next pass walks only
  // live children (after 19,000 of 19,100 connections closed, 100 places, not 19,100).
  void close_up() noexcept {
    if (len_ == children_.size()) {
      return;
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < children_.size(); ++i) {
      if (children_[i]) {
        if (kept != i) {
          children_[kept].emplace(std::move(*children_[i]));
          children_[i].reset();
        }
        ++kept;
      }
    }
    children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(kept), children_.end());
    if (children_.capacity() > 4 * children_.size() + 64) {
      children_.shrink_to_fit();
    }
  }

  std::optional<Output> take_finished() {
    std::optional<Output> out(std::in_place, std::move(finished_.front()));
    finished_.pop_front();
    return out;
  }

  static_assert(std::is_nothrow_move_constructible_v<F>, "PollAll moves its children when others complete");

  std::vector<std::optional<F>> children_;
  std::deque<Output> finished_;
  std::size_t len_ = 0;
  JoinSetMetrics metrics_;
};

/// The future returned by join_all_naive.
template <Future F>
class [[nodiscard]] JoinAllNaive {
 public:
  /// Every future's output, in the order the futures were given.
  using Output = std::vector<value_or_monostate<output_of<F>>>;

  /// Takes the futures to poll.
  explicit JoinAllNaive(std::vector<F> futures) : outputs_(futures.size()) {
    for (F& f : futures) {
      children_.emplace_back(std::in_place, std::move(f));
    }
  }

  /// Polls every unfinished child; ready with all outputs, in argument order, once all are done.
  Poll<Output> poll(Context& cx) {
    bool all = true;
    for (std::size_t i = 0; i < children_.size(); ++i) {
      if (!children_[i]) {
        continue;
      }
      auto result = children_[i]->poll(cx);
      if (result.is_pending()) {
        all = false;
        continue;
      }
      if constexpr (!std::is_void_v<output_of<F>>) {
        outputs_[i].emplace(std::move(result).value());
      } else {
        outputs_[i].emplace();
      }
      children_[i].reset();
    }
    if (!all) {
      return Pending;
    }
    Output out;
    out.reserve(outputs_.size());
    for (auto& o : outputs_) {
      out.push_back(std::move(*o));
    }
    return Poll<Output>(std::in_place, std::move(out));
  }

 private:
  std::vector<std::optional<F>> children_;
  std::vector<std::optional<value_or_monostate<output_of<F>>>> outputs_;
};

/// Waits for every future, polling all of them on every wake (futures::future::join_all without
/// its FuturesOrdered): the seed's naive join. See PollAll for when it is the better choice.
template <Future F>
JoinAllNaive<F> join_all_naive(std::vector<F> futures) {
  return JoinAllNaive<F>(std::move(futures));
}

}  // namespace wakeful
