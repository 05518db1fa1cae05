#pragma once
// Ring<T>: a growable FIFO ring buffer for one thread (or one lock holder). Capacity doubles on
// demand and never shrinks, so a steady stream of push/pop allocates nothing.

#include <cassert>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace wakeful::detail {

template <class T>
class Ring {
  static_assert(std::is_nothrow_move_constructible_v<T>, "Ring<T> relocates elements: T's move must not throw");

 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    clear();
    if (slots_ != nullptr) {
      std::allocator<T>().deallocate(slots_, mask_ + 1);
    }
  }

  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  void push_back(T value) {
    if (slots_ == nullptr || size_ == mask_ + 1) {
      grow();
    }
    std::construct_at(slots_ + ((head_ + size_) & mask_), std::move(value));
    ++size_;
  }

  /// The oldest element, left in place; the ring must not be empty.
  [[nodiscard]] const T& front() const noexcept {
    assert(!empty());
    return slots_[head_];
  }

  /// Removes and returns the oldest element; the ring must not be empty.
  T pop_front() {
    assert(!empty());
    T* slot = slots_ + head_;
    T value = std::move(*slot);
    std::destroy_at(slot);
    head_ = (head_ + 1) & mask_;
    --size_;
    return value;
  }

  /// Exchanges contents and storage with `other`.
  void swap(Ring& other) noexcept {
    std::swap(slots_, other.slots_);
    std::swap(mask_, other.mask_);
    std::swap(head_, other.head_);
    std::swap(size_, other.size_);
  }

  void clear() noexcept {
    while (size_ > 0) {
      std::destroy_at(slots_ + head_);
      head_ = (head_ + 1) & mask_;
      --size_;
    }
  }

 private:
  static constexpr std::size_t initial_capacity = 16;

  void grow() {
    const std::size_t capacity = slots_ == nullptr ? initial_capacity : (mask_ + 1) * 2;
    T* bigger = std::allocator<T>().allocate(capacity);
    for (std::size_t i = 0; i < size_; ++i) {
      T* from = slots_ + ((head_ + i) & mask_);
      std::construct_at(bigger + i, std::move(*from));
      std::destroy_at(from);
    }
    if (slots_ != nullptr) {
      std::allocator<T>().deallocate(slots_, mask_ + 1);
    }
    slots_ = bigger;
    mask_ = capacity - 1;
    head_ = 0;
  }

  T* slots_ = nullptr;
  std::size_t mask_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace wakeful::detail
