#pragma once
// select(a, b, ...): wait for the first future to complete; drop the others.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "wakeful/future.hpp"

namespace wakeful {

/// The future returned by `select`. Children are polled in argument order (the first ready one
/// wins, so put the one that must not starve first). The output is a variant whose `index()`
/// names the winner; every loser is destroyed before `poll` returns Ready.
template <Future... Fs>
class [[nodiscard]] Select {
 public:
  /// The output of the branch that finished first, at its index (std::monostate for void).
  using Output = std::variant<value_or_monostate<output_of<Fs>>...>;

  /// Takes the children.
  explicit Select(Fs... futures) : children_(std::optional<Fs>(std::in_place, std::move(futures))...) {}

  /// Ready with the first child's output, in a variant at that child's index.
  Poll<Output> poll(Context& cx) {
    if (done_) {
      throw std::logic_error("wakeful: select polled after completion");
    }
    std::optional<Output> winner;
    poll_children(cx, winner, std::index_sequence_for<Fs...>{});
    if (!winner) {
      return Pending;
    }
    done_ = true;
    std::apply([](auto&... child) { (child.reset(), ...); }, children_);
    return Poll<Output>(std::in_place, std::move(*winner));
  }

 private:
  template <std::size_t... Is>
  void poll_children(Context& cx, std::optional<Output>& winner, std::index_sequence<Is...> /*unused*/) {
    ((winner || poll_child<Is>(cx, winner)), ...);
  }

  template <std::size_t I>
  bool poll_child(Context& cx, std::optional<Output>& winner) {
    auto& child = std::get<I>(children_);
    auto result = child->poll(cx);
    if (result.is_pending()) {
      return false;
    }
    if constexpr (std::is_void_v<output_of<std::tuple_element_t<I, std::tuple<Fs...>>>>) {
      winner.emplace(std::in_place_index<I>);
    } else {
      winner.emplace(std::in_place_index<I>, std::move(result).value());
    }
    return true;
  }

  std::tuple<std::optional<Fs>...> children_;
  bool done_ = false;
};

/// A future that completes with the output of the first of `futures` to complete.
template <SpawnableFuture... Fs>
Select<std::decay_t<Fs>...> select(Fs&&... futures) {
  static_assert(sizeof...(Fs) >= 2, "select needs at least two futures");
  return Select<std::decay_t<Fs>...>(std::forward<Fs>(futures)...);
}

}  // namespace wakeful
