#pragma once
// The Future concept: anything with `poll(Context&)` returning a Poll<T>.

#include <type_traits>
#include <utility>
#include <variant>

#include "wakeful/context.hpp"
#include "wakeful/poll.hpp"

namespace wakeful {

/// A value that completes later. `f.poll(cx)` returns `Ready(value)` once, or `Pending` after
/// arranging for `cx.waker()` to be woken when polling again can make progress.
///
/// Contract, as in Rust: a future is polled only by its owner; once polled it is not moved
/// (wakeful keeps futures in stable storage); it is not polled again after it returned Ready.
template <class F>
concept Future = requires(F& f, Context& cx) {
  { f.poll(cx) } -> std::same_as<Poll<typename decltype(f.poll(cx))::value_type>>;
};

/// The output type of future `F`: `T` for a future whose `poll` returns `Poll<T>`.
template <Future F>
using output_of = typename decltype(std::declval<std::remove_cvref_t<F>&>().poll(std::declval<Context&>()))::value_type;

/// A future that can be moved or copied into a task or combinator: what spawn accepts.
template <class F>
concept SpawnableFuture = Future<std::remove_cvref_t<F>> && std::constructible_from<std::decay_t<F>, F &&>;

/// `T`, or `std::monostate` for `void`: how combinators store outputs that may be void.
template <class T>
using value_or_monostate = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

}  // namespace wakeful
