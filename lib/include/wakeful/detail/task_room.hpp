#pragma once
// Room for a task in front of a coroutine frame, so that spawning a coroutine costs one
// allocation, as spawning any other future does.
//
// An Async<T> coroutine frame is allocated with room in front of it for the TaskCell that would
// run it:
//
//   | room: TaskCell<Async<T>> | ... | owner byte | coroutine frame ...
//   ^ block                                      ^ frame (coroutine_handle::address())
//
// The owner byte says who frees the block:
//   - `frame` (from allocation until spawn): destroying the coroutine frees the block; the room is
//     never touched. A coroutine that is awaited inside another one, or block_on'd, stays so.
//   - `task` (from spawn on): the task cell lives in the room. The task destroys its future, and
//     with it the frame, at completion or cancellation, and the frame's deallocation leaves the
//     block alone; the task frees the block once its last reference goes, which is never before
//     (a task's future does not outlive its completion). The header, the output slot, the
//     coroutine handle and the top of the frame thus share one allocation and neighbouring cache
//     lines, where two allocations put them wherever the allocator had room.
//
// The block is found from the frame by a fixed offset. That relies on coroutine_handle::address()
// being the pointer the promise's operator new returned, which is how g++ and clang build frames
// (their frame begins with its resume and destroy pointers); tests/runtime_allocation_test.cpp
// checks it by counting allocations, tests/task_room_test.cpp the lifetimes.

#include <cstddef>
#include <new>

namespace wakeful::detail {

/// The frame allocation of coroutines that may be spawned as a `Cell`.
template <class Cell>
struct TaskRoom {
  /// Frames are aligned as ::operator new aligns; a cell needing more gets no room (spawning
  /// such a coroutine allocates its task apart).
  static constexpr bool available = alignof(Cell) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  /// Bytes in front of the frame: the cell, the owner byte, and padding to keep the frame aligned.
  static constexpr std::size_t prefix = (sizeof(Cell) + 1 + __STDCPP_DEFAULT_NEW_ALIGNMENT__ - 1) /
                                        __STDCPP_DEFAULT_NEW_ALIGNMENT__ * __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  /// Allocates a block for a frame of `frame_size` bytes; returns the frame, owned by itself.
  static void* allocate_frame(std::size_t frame_size) {
    auto* block = static_cast<std::byte*>(::operator new(prefix + frame_size));
    std::byte* frame = block + prefix;
    owner_byte(frame) = frame_owns;
    return frame;
  }

  /// The frame's deallocation: frees the block unless a task has adopted it.
  static void deallocate_frame(void* frame) noexcept {
    if (owner_byte(frame) == frame_owns) {
      ::operator delete(block_of(frame));
    }
  }

  /// Hands the block of `frame` to a task; returns the room to construct the cell in.
  static void* adopt(void* frame) noexcept {
    owner_byte(frame) = task_owns;
    return block_of(frame);
  }

  /// Frees an adopted block, given its room (the cell is already destroyed, and so is the frame).
  static void release(void* room) noexcept { ::operator delete(room); }

 private:
  static constexpr std::byte frame_owns{0};
  static constexpr std::byte task_owns{1};

  static std::byte* block_of(void* frame) noexcept { return static_cast<std::byte*>(frame) - prefix; }
  static std::byte& owner_byte(void* frame) noexcept { return static_cast<std::byte*>(frame)[-1]; }
};

}  // namespace wakeful::detail
