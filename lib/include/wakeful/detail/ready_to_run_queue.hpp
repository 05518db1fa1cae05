#pragma once
// The parts of a FuturesUnordered that its children's wakers reach: the child node and the
// ready-to-run queue. Invariants first.
//
// Nodes
// -----
// Every child lives in its own FuNode, allocated once, and the node is the child's waker: a
// waker's data pointer is the node. A node is reference counted:
//   - one reference while the child is in the set (the "all" list, set thread only);
//   - one per Waker clone made from it (the waker lent to the child's poll is borrowed);
//   - one while the node is queued to run (in the ready stack or the set's local run list).
// The child future is created and destroyed by the set, on the set's thread only; a node whose
// future is gone (the child finished, or the set was cleared or dropped) may live on for as
// long as wakers of it do, and is freed by whoever drops the last reference. When that is the
// set itself, it keeps the node for its next push instead (with its reference on the queue).
//
// Queuing
// -------
// `queued` says the node is in the ready stack or in the local run list; only the waker that
// flips it from false to true pushes the node, so a node is queued at most once however many
// wakes arrive. The set clears it just before polling the child, so a wake during the child's
// own poll queues it again, for a later poll_next.
//
// The ready stack is a lock-free stack (one compare-and-swap per push) that wakers push onto
// from any thread. The set takes the whole stack at once, with one exchange, at the start of
// poll_next, and runs it in wake order. Dropping the set swaps in a "closed" marker: a push that
// finds it gives up, so a waker that outlives the set neither queues nor leaks its node.
//
// The parent
// ----------
// After a successful push the waker wakes the task polling the set, through an AtomicWaker
// that poll_next re-registers on each call, so concurrent wakes and registrations lose nothing.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "wakeful/task/atomic_waker.hpp"
#include "wakeful/waker.hpp"

namespace wakeful::detail {

class ReadyToRunQueue;
struct FuNodeBase;

/// The typed operation of a node.
struct FuNodeVTable {
  /// Frees the node's memory (its future is already gone).
  void (*deallocate)(FuNodeBase* node) noexcept;
};

/// A child of a FuturesUnordered, without its future (see FuNode<F>).
struct FuNodeBase {
  /// A node with `references` references and a reference of its own on `q`.
  FuNodeBase(const FuNodeVTable* vt, ReadyToRunQueue* q, std::size_t references) noexcept;
  FuNodeBase(const FuNodeBase&) = delete;
  FuNodeBase& operator=(const FuNodeBase&) = delete;
  ~FuNodeBase() = default;

  const FuNodeVTable* vtable;
  ReadyToRunQueue* queue;  // holds a reference on it
  std::atomic<std::size_t> refs;
  std::atomic<bool> queued{false};
  std::atomic<bool> woken{false};    // set by every wake; read after the child's poll
  FuNodeBase* next_ready = nullptr;  // in the ready stack, or in the set's local run list
  FuNodeBase* prev_all = nullptr;    // in the set's list of children (set thread only)
  FuNodeBase* next_all = nullptr;
  bool live = true;  // the child's future exists (set thread only)
};

/// The wakers of FuturesUnordered children: data is the FuNodeBase.
extern const RawWakerVTable fu_node_waker_vtable;

/// Drops one reference on `node`, freeing it (and its reference on the queue) at zero.
void fu_node_unref(FuNodeBase* node) noexcept;

/// The ready stack, the parent's waker and the counters wakers update. Reference counted by the
/// set and by every node.
class ReadyToRunQueue {
 public:
  ReadyToRunQueue() noexcept = default;
  ReadyToRunQueue(const ReadyToRunQueue&) = delete;
  ReadyToRunQueue& operator=(const ReadyToRunQueue&) = delete;

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() noexcept;

  /// Pushes a node whose `queued` flag the caller just set, with the queue's reference taken;
  /// false once the queue is closed.
  bool push(FuNodeBase* node) noexcept;

  /// Takes every queued node, newest first (the set reverses them).
  FuNodeBase* take_all() noexcept { return head_.exchange(nullptr, std::memory_order_acquire); }

  /// Refuses every later push and returns the nodes still queued.
  FuNodeBase* close() noexcept;

  /// The waker of the task that polls the set.
  AtomicWaker parent;

  /// Wakes that found their node already queued.
  std::atomic<std::uint64_t> coalesced_wakes{0};

 private:
  ~ReadyToRunQueue() = default;

  std::atomic<FuNodeBase*> head_{nullptr};
  std::atomic<std::size_t> refs_{1};
};

}  // namespace wakeful::detail
