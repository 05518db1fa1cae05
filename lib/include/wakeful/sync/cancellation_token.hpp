#pragma once
// CancellationToken: ask a tree of tasks to stop (tokio_util::sync::CancellationToken).
//
// Each token is a node of a tree; copies of a token are handles on the same node. All nodes of
// one tree share one mutex, which guards the links (parent, children). Cancelling happens rarely
// and child tokens are made at task boundaries, so one lock per tree costs nothing worth a
// lock-free design, and it makes the two operations that reshape the tree simple and atomic:
//   - cancel: marks the node and its whole subtree cancelled and unlinks them all (a cancelled
//     node never changes again, so it needs no place in the tree);
//   - the last handle of a node going away: unlinks the node and hands its children to its
//     parent, so that cancelling the grandparent still reaches them, and a long-lived parent
//     does not collect the nodes of children long gone.
// The `cancelled` flag is also read without the lock. Waiters wait on the node's Notify: a
// waiter makes its Notified before it reads the flag, and cancel sets the flag before it calls
// notify_waiters, so a cancel is seen either by the flag or by the Notified, never by neither.
// Wakers are woken after the tree's mutex is released.

#include <atomic>
#include <memory>
#include <optional>

#include "wakeful/detail/move_pin.hpp"
#include "wakeful/future.hpp"
#include "wakeful/sync/notify.hpp"

namespace wakeful {

namespace detail {
struct CancelNode;
inline constexpr char wait_for_cancellation_type_name[] = "WaitForCancellation";
}  // namespace detail

class WaitForCancellation;

/// A cancellation signal shared by handles: `cancel()` on any handle cancels the token for all;
/// tasks check `is_cancelled()` or await `cancelled()`. Tokens form trees: cancelling a token
/// cancels every child token made from it (and theirs), not the reverse. Copying a token makes
/// another handle on the same token; when the last handle of a child token is dropped, the
/// child leaves its parent (its own children then hang on the parent directly).
///
/// Thread safety: every member may be called from any thread, on the same token or on handles
/// of it, concurrently. A moved-from token may only be assigned to or destroyed; its other
/// members throw std::logic_error.
class CancellationToken {
 public:
  /// A new token, the root of its own tree.
  CancellationToken();
  /// Another handle on the same token.
  CancellationToken(const CancellationToken& other) noexcept;
  CancellationToken(CancellationToken&& other) noexcept = default;
  CancellationToken& operator=(const CancellationToken& other) noexcept;
  CancellationToken& operator=(CancellationToken&& other) noexcept;
  /// Drops this handle; the last handle of a token takes it out of its tree.
  ~CancellationToken();

  /// A token cancelled when this one is (already cancelled if this one is), which can also be
  /// cancelled on its own without affecting this one.
  [[nodiscard]] CancellationToken child_token() const;

  /// Cancels this token and every token below it, and wakes every task awaiting cancelled() on
  /// them. Idempotent.
  void cancel() const;

  /// True once this token, or one above it, was cancelled. Once it is true, it is true for
  /// every token below this one too.
  [[nodiscard]] bool is_cancelled() const;

  /// A future that completes once this token is cancelled (at once if it is already). It holds a
  /// handle on the token, so the token stays in its tree while the future lives. Cancel safe:
  /// dropping it loses nothing. Moving it after its first poll aborts (detail/move_pin.hpp).
  [[nodiscard]] WaitForCancellation cancelled() const;

 private:
  friend class WaitForCancellation;
  explicit CancellationToken(std::shared_ptr<detail::CancelNode> node) noexcept : node_(std::move(node)) {}
  void release() noexcept;
  detail::CancelNode& node() const;

  std::shared_ptr<detail::CancelNode> node_;
};

/// The future returned by CancellationToken::cancelled().
class [[nodiscard]] WaitForCancellation {
 public:
  /// It waits in a Notify's list once polled.
  static constexpr bool pinned_once_polled = true;

  /// Made by CancellationToken::cancelled(): waits on a handle of `token`.
  explicit WaitForCancellation(CancellationToken token) noexcept : token_(std::move(token)) {}

  /// Ready once the token is cancelled.
  Poll<void> poll(Context& cx);

 private:
  detail::MovePin<detail::wait_for_cancellation_type_name> pin_;  // first: checked first
  CancellationToken token_;
  std::optional<Notified> notified_;  // made at the first poll that finds the token not cancelled
};

}  // namespace wakeful
