// The children's wakers and the ready stack of FuturesUnordered (invariants in
// wakeful/detail/ready_to_run_queue.hpp).

#include "wakeful/detail/ready_to_run_queue.hpp"

namespace wakeful::detail {

namespace {

// The marker a closed stack holds instead of a node; compared, never dereferenced.
char closed_marker;
FuNodeBase* closed() noexcept { return reinterpret_cast<FuNodeBase*>(&closed_marker); }  // NOLINT: a marker

FuNodeBase* as_node(const void* data) noexcept { return static_cast<FuNodeBase*>(const_cast<void*>(data)); }

RawWaker node_clone(const void* data) {
  as_node(data)->refs.fetch_add(1, std::memory_order_relaxed);
  return RawWaker{data, &fu_node_waker_vtable};
}

void node_wake_by_ref(const void* data) {
  FuNodeBase* node = as_node(data);
  node->woken.store(true, std::memory_order_relaxed);
  ReadyToRunQueue* queue = node->queue;
  if (node->queued.exchange(true, std::memory_order_acq_rel)) {
    queue->coalesced_wakes.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  node->refs.fetch_add(1, std::memory_order_relaxed);  // the queue's reference
  if (!queue->push(node)) {
    fu_node_unref(node);  // the set is gone: nothing will run the node again
    return;
  }
  queue->parent.wake();
}

void node_drop(const void* data) { fu_node_unref(as_node(data)); }

void node_wake(const void* data) {
  node_wake_by_ref(data);
  node_drop(data);
}

}  // namespace

const RawWakerVTable fu_node_waker_vtable{&node_clone, &node_wake, &node_wake_by_ref, &node_drop};

FuNodeBase::FuNodeBase(const FuNodeVTable* vt, ReadyToRunQueue* q, std::size_t references) noexcept
    : vtable(vt), queue(q), refs(references) {
  q->ref();
}

void fu_node_unref(FuNodeBase* node) noexcept {
  if (node->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    ReadyToRunQueue* queue = node->queue;
    node->vtable->deallocate(node);
    queue->unref();
  }
}

void ReadyToRunQueue::unref() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete this;
  }
}

bool ReadyToRunQueue::push(FuNodeBase* node) noexcept {
  FuNodeBase* head = head_.load(std::memory_order_relaxed);
  do {
    if (head == closed()) {
      return false;
    }
    node->next_ready = head;
  } while (!head_.compare_exchange_weak(head, node, std::memory_order_release, std::memory_order_relaxed));
  return true;
}

FuNodeBase* ReadyToRunQueue::close() noexcept {
  FuNodeBase* queued = head_.exchange(closed(), std::memory_order_acquire);
  return queued == closed() ? nullptr : queued;
}

}  // namespace wakeful::detail
