#pragma once
// join(a, b, ...): wait for every future; outputs as a tuple.

#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "wakeful/detail/move_pin.hpp"
#include "wakeful/future.hpp"

namespace wakeful {

namespace detail {

/// A child of a join: the future until it completes, then its output.
template <Future F>
class MaybeDone {
 public:
  using Output = value_or_monostate<output_of<F>>;

  explicit MaybeDone(F future) : future_(std::in_place, std::move(future)) {}

  /// Polls the future unless it is done; true once the output is stored. The future is
  /// destroyed as soon as it completes.
  bool poll(Context& cx) {
    if (!future_) {
      return true;
    }
    auto result = future_->poll(cx);
    if (result.is_pending()) {
      return false;
    }
    if constexpr (std::is_void_v<output_of<F>>) {
      output_.emplace();
    } else {
      output_.emplace(std::move(result).value());
    }
    future_.reset();
    return true;
  }

  Output take() { return std::move(*output_); }

 private:
  std::optional<F> future_;
  std::optional<Output> output_;
};

inline constexpr char join_type_name[] = "join";

}  // namespace detail

/// The future returned by `join`. Every poll polls each unfinished child in order with the
/// task's own waker, which is what the seed calls the naive way: fine for a handful of children.
/// For many children, use a join-set that gives each child its own waker.
///
/// Moving a Join after its first poll aborts when one of its children may not move once polled
/// (mpsc::Send, Notified; see detail/move_pin.hpp).
template <Future... Fs>
class [[nodiscard]] Join {
 public:
  /// One output per future, in argument order (std::monostate for void).
  using Output = std::tuple<value_or_monostate<output_of<Fs>>...>;
  /// See detail/move_pin.hpp.
  static constexpr bool pinned_once_polled = (detail::pinned_once_polled<Fs> || ...);

  /// Takes the children.
  explicit Join(Fs... futures) : children_(detail::MaybeDone<Fs>(std::move(futures))...) {}

  /// Ready with every output (void outputs as std::monostate) once all children are ready.
  Poll<Output> poll(Context& cx) {
    pin_.polled();
    if (done_) {
      throw std::logic_error("wakeful: join polled after completion");
    }
    const bool all = std::apply(
        [&cx](auto&... child) {
          bool ready = true;
          ((ready = child.poll(cx) && ready), ...);
          return ready;
        },
        children_);
    if (!all) {
      return Pending;
    }
    done_ = true;
    return Poll<Output>(std::in_place, std::apply([](auto&... child) { return Output(child.take()...); }, children_));
  }

 private:
  [[no_unique_address]] detail::MovePin<detail::join_type_name, pinned_once_polled> pin_;  // first: checked first
  std::tuple<detail::MaybeDone<Fs>...> children_;
  bool done_ = false;
};

/// A future that completes when every one of `futures` has completed.
template <SpawnableFuture... Fs>
Join<std::decay_t<Fs>...> join(Fs&&... futures) {
  static_assert(sizeof...(Fs) > 0, "join needs at least one future");
  return Join<std::decay_t<Fs>...>(std::forward<Fs>(futures)...);
}

}  // namespace wakeful
