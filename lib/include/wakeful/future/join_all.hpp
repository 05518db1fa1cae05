#pragma once
// join_all(range), try_join_all(range): wait for every future of a range; outputs in order.

#include <cstddef>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "wakeful/future.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/task/futures_unordered.hpp"

namespace wakeful {

namespace detail {

/// A child of a join_all: its future and its place in the range.
template <Future F>
class Indexed {
 public:
  using Output = std::pair<std::size_t, value_or_monostate<output_of<F>>>;

  template <class G>
  Indexed(std::size_t index, G&& future) : index_(index), future_(std::forward<G>(future)) {}

  Poll<Output> poll(Context& cx) {
    auto result = future_.poll(cx);
    if (result.is_pending()) {
      return Pending;
    }
    if constexpr (std::is_void_v<output_of<F>>) {
      return Poll<Output>(std::in_place, index_, std::monostate{});
    } else {
      return Poll<Output>(std::in_place, index_, std::move(result).value());
    }
  }

 private:
  std::size_t index_;
  F future_;
};

template <class T>
struct is_io_result : std::false_type {};
template <class T>
struct is_io_result<io::Result<T>> : std::true_type {
  using value_type = T;
};

/// Moves every future out of `futures` into a FuturesUnordered, each with its index. A container
/// given as an rvalue is taken whole, so the moved-from shells are gone when this returns.
template <class F, class R>
FuturesUnordered<Indexed<F>> index_all(R&& futures, std::size_t& count) {
  FuturesUnordered<Indexed<F>> set;
  count = 0;
  auto push_all = [&](auto& range) {
    for (auto it = std::ranges::begin(range); it != std::ranges::end(range); ++it) {
      set.push(Indexed<F>(count++, std::ranges::iter_move(it)));
    }
  };
  if constexpr (std::is_lvalue_reference_v<R>) {
    push_all(futures);  // a view: its elements may be made as it is walked
  } else {
    std::remove_cvref_t<R> owned(std::forward<R>(futures));
    push_all(owned);
  }
  return set;
}

}  // namespace detail

/// A range join_all and try_join_all accept: futures they may take, given as an rvalue container
/// (`std::move(futures)`) or a view (`futures | std::views::transform(...)`). Its elements are
/// moved out of it.
template <class R>
concept FutureRange = std::ranges::input_range<R> && Future<std::ranges::range_value_t<R>> &&
    (!std::is_lvalue_reference_v<R> || std::ranges::view<std::remove_cvref_t<R>>);

/// The future returned by `join_all`. Every child is in a FuturesUnordered with its own waker,
/// so a wake re-polls only the child it was for: many children cost no pass over all of them.
/// Moving it is allowed at any time (the children live on the heap).
template <Future F>
class [[nodiscard]] JoinAll {
 public:
  /// Every output, in the range's order (std::monostate for void).
  using Output = std::vector<value_or_monostate<output_of<F>>>;

  /// Takes the futures of `futures`.
  template <FutureRange R>  // NOLINTNEXTLINE(bugprone-forwarding-reference-overload): a JoinAll is no FutureRange
  explicit JoinAll(R&& futures) : children_(detail::index_all<F>(std::forward<R>(futures), count_)) {
    outputs_.resize(count_);
  }

  /// Ready with every output (void as std::monostate), in the range's order, once every child
  /// has completed. What a child throws comes out of this poll; the join is then over (dropping
  /// it drops the children left). Each output spends one unit of cooperative budget.
  Poll<Output> poll(Context& cx) {
    if (done_) {
      throw std::logic_error("wakeful: join_all polled after completion");
    }
    for (;;) {
      Poll<std::optional<typename detail::Indexed<F>::Output>> next = children_.poll_next(cx);
      if (next.is_pending()) {
        return Pending;
      }
      if (!*next) {
        break;
      }
      outputs_[(*next)->first].emplace(std::move((*next)->second));
    }
    done_ = true;
    Output out;
    out.reserve(count_);
    for (auto& output : outputs_) {
      out.push_back(std::move(*output));
    }
    return Poll<Output>(std::in_place, std::move(out));
  }

 private:
  std::size_t count_ = 0;
  FuturesUnordered<detail::Indexed<F>> children_;
  std::vector<std::optional<value_or_monostate<output_of<F>>>> outputs_;
  bool done_ = false;
};

/// The future returned by `try_join_all`: for children whose output is an `io::Result<T>`, the
/// values in the range's order (`io::Result<std::vector<T>>`; `io::Result<void>` when T is
/// void), or the first error in completion order, at which point every child still running is
/// dropped at once. Moving it is allowed at any time.
template <Future F>
requires detail::is_io_result<output_of<F>>::value class [[nodiscard]] TryJoinAll {
  using Value = typename detail::is_io_result<output_of<F>>::value_type;

 public:
  /// Every value in the range's order, or the first error.
  using Output = std::conditional_t<std::is_void_v<Value>, io::Result<void>, io::Result<std::vector<Value>>>;

  /// Takes the futures of `futures`.
  template <FutureRange R>  // NOLINTNEXTLINE(bugprone-forwarding-reference-overload): a TryJoinAll is no FutureRange
  explicit TryJoinAll(R&& futures) : children_(detail::index_all<F>(std::forward<R>(futures), count_)) {
    if constexpr (!std::is_void_v<Value>) {
      values_.resize(count_);
    }
  }

  /// Ready with every value once all children succeeded, or with the first error (see the
  /// class). What a child throws comes out of this poll. Each output spends one unit of budget.
  Poll<Output> poll(Context& cx) {
    if (done_) {
      throw std::logic_error("wakeful: try_join_all polled after completion");
    }
    for (;;) {
      Poll<std::optional<typename detail::Indexed<F>::Output>> next = children_.poll_next(cx);
      if (next.is_pending()) {
        return Pending;
      }
      if (!*next) {
        break;
      }
      io::Result<Value>& result = (*next)->second;
      if (!result.ok()) {
        done_ = true;
        children_.clear();  // the rest are dropped now, not when this future is
        return Poll<Output>(std::in_place, result.error());
      }
      if constexpr (!std::is_void_v<Value>) {
        values_[(*next)->first].emplace(std::move(result).value());
      }
    }
    done_ = true;
    if constexpr (std::is_void_v<Value>) {
      return Poll<Output>(std::in_place);
    } else {
      std::vector<Value> out;
      out.reserve(count_);
      for (auto& value : values_) {
        out.push_back(std::move(*value));
      }
      return Poll<Output>(std::in_place, std::move(out));
    }
  }

 private:
  std::size_t count_ = 0;
  FuturesUnordered<detail::Indexed<F>> children_;
  std::vector<std::optional<std::conditional_t<std::is_void_v<Value>, std::monostate, Value>>> values_;
  bool done_ = false;
};

/// A future that completes when every future of `futures` has completed, with their outputs in
/// the range's order (see JoinAll). An empty range completes at the first poll.
template <FutureRange R>
JoinAll<std::ranges::range_value_t<R>> join_all(R&& futures) {
  return JoinAll<std::ranges::range_value_t<R>>(std::forward<R>(futures));
}

/// A future that completes with every value of `futures` in order, or with the first error, the
/// other futures then dropped (see TryJoinAll). The futures' outputs are `io::Result`s.
template <FutureRange R>
requires detail::is_io_result<output_of<std::ranges::range_value_t<R>>>::value TryJoinAll<std::ranges::range_value_t<R>>
try_join_all(R&& futures) {
  return TryJoinAll<std::ranges::range_value_t<R>>(std::forward<R>(futures));
}

}  // namespace wakeful
