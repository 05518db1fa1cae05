#pragma once
// IntrusiveList: a doubly linked list threaded through two pointer members of its elements, so
// that adding and removing costs no allocation and an element can unlink itself in O(1).
// Not thread-safe: its owner guards it (a worker's thread, a channel's mutex).

#include <cassert>
#include <cstddef>

namespace wakeful::detail {

template <class T, T* T::*Prev, T* T::*Next>
class IntrusiveList {
 public:
  IntrusiveList() = default;
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// The oldest element, or nullptr.
  [[nodiscard]] T* front() const noexcept { return head_; }

  void push_back(T* node) noexcept {
    node->*Prev = tail_;
    node->*Next = nullptr;
    (tail_ != nullptr ? tail_->*Next : head_) = node;
    tail_ = node;
    ++size_;
  }

  /// Unlinks `node`, which must be in this list.
  void remove(T* node) noexcept {
    assert(size_ > 0);
    (node->*Prev != nullptr ? (node->*Prev)->*Next : head_) = node->*Next;
    (node->*Next != nullptr ? (node->*Next)->*Prev : tail_) = node->*Prev;
    node->*Prev = nullptr;
    node->*Next = nullptr;
    --size_;
  }

  /// Unlinks and returns the oldest element, or nullptr when empty.
  T* pop_front() noexcept {
    T* node = head_;
    if (node != nullptr) {
      remove(node);
    }
    return node;
  }

 private:
  T* head_ = nullptr;
  T* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace wakeful::detail
