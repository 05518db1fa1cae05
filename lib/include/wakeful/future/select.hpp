#pragma once
// select(a, b, ...): wait for the first future to complete; drop the others.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "wakeful/detail/move_pin.hpp"
#include "wakeful/future.hpp"

namespace wakeful {

namespace detail {

/// A branch that select borrows: the future stays where it is, and select polls it there
/// without moving or destroying it.
template <Future F>
class Borrowed {
 public:
  static constexpr bool pinned_once_polled = false;  // moving the reference moves no future

  explicit Borrowed(F& future) noexcept : future_(&future) {}
  Poll<output_of<F>> poll(Context& cx) { return future_->poll(cx); }

 private:
  F* future_;
};

/// What select keeps for an argument deduced as `A`: a Borrowed for an lvalue, the future itself
/// for an rvalue.
template <class A>
using select_branch_t =
    std::conditional_t<std::is_lvalue_reference_v<A>, Borrowed<std::remove_reference_t<A>>, std::remove_cvref_t<A>>;

inline constexpr char select_type_name[] = "select";

}  // namespace detail

/// An argument select accepts: a future to borrow (a non-const lvalue) or to take (an rvalue).
template <class A>
concept SelectBranch = Future<std::remove_reference_t<A>> &&
    (std::is_lvalue_reference_v<A> || std::constructible_from<std::remove_cvref_t<A>, A&&>);

/// The future returned by `select`. Children are polled in argument order (the first ready one
/// wins, so put the one that must not starve first), each with the task's waker.
///
/// Output: `std::variant<value_or_monostate<output_of<F>>...>`, one alternative per branch in
/// argument order, `std::monostate` for a void branch. `index()` names the winner; when two
/// branches have the same output type, read it with `std::get<I>` (not `std::get<T>`).
///
/// Owned branches (given as rvalues) are destroyed before `poll` returns Ready, the winner
/// included. Borrowed branches (given as lvalues) are left as they are: the winner has completed
/// and must not be polled again; a loser may be polled on (a JoinHandle still holds its task, a
/// Notified still waits), or dropped by its owner. Dropping a pending Select drops its owned
/// branches (each as cancel safe as it is) and leaves its borrowed ones untouched.
///
/// Moving a Select after its first poll aborts when one of its owned branches may not move once
/// polled (mpsc::Send, Notified; see detail/move_pin.hpp). Borrow such a future, or move the
/// select before polling it.
template <Future... Fs>
class [[nodiscard]] Select {
 public:
  /// The output of the branch that finished first, at its index (std::monostate for void).
  using Output = std::variant<value_or_monostate<output_of<Fs>>...>;
  /// See detail/move_pin.hpp.
  static constexpr bool pinned_once_polled = (detail::pinned_once_polled<Fs> || ...);

  /// Takes the branches.
  explicit Select(Fs... futures) : children_(std::optional<Fs>(std::in_place, std::move(futures))...) {}

  /// Ready with the first branch's output, in a variant at that branch's index. Throws
  /// std::logic_error when polled after completion, and what a branch throws.
  Poll<Output> poll(Context& cx) {
    pin_.polled();
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

  [[no_unique_address]] detail::MovePin<detail::select_type_name, pinned_once_polled> pin_;  // first: checked first
  std::tuple<std::optional<Fs>...> children_;
  bool done_ = false;
};

/// A future that completes with the output of the first of `futures` to complete (see Select).
/// A future given as an lvalue is borrowed: `select(handle, notify.notified())` polls `handle`
/// where it is and leaves it there, and it must outlive the select. A future given as an rvalue
/// is moved into the select.
///
/// Constrained to futures, so that with `using namespace wakeful` a call of POSIX
/// `select(nfds, readfds, writefds, exceptfds, timeout)` never finds this one viable, and
/// `select(a, b)` on futures never finds POSIX's viable.
template <SelectBranch... Fs>
requires(sizeof...(Fs) >= 2) Select<detail::select_branch_t<Fs>...> select(Fs&&... futures) {
  return Select<detail::select_branch_t<Fs>...>(detail::select_branch_t<Fs>(std::forward<Fs>(futures))...);
}

}  // namespace wakeful
