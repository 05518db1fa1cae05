#pragma once
// Room for a task in front of a coroutine frame, so that spawning a coroutine costs one
// allocation, as spawning any other future does, while a coroutine that is only awaited or
// block_on'd carries no such room.
//
// A C++ coroutine's frame is allocated when the coroutine function is called, before anyone can
// see what the caller will do with the result. So the room is asked for by the call itself:
// spawn(fn, args...) calls `fn(args...)` inside a RoomRequest, and the first Async frame of the
// requested kind allocated during that call gets the room:
//
//   | room: TaskCell<Async<T>> | coroutine frame (frame_size bytes) | tag |
//   ^ block                    ^ frame (coroutine_handle::address())
//
// Every other frame (spawn(f(x)) included: f(x) ran before spawn) is allocated as it is, plus the
// tag byte:
//
//   | coroutine frame (frame_size bytes) | tag |
//   ^ block = frame
//
// The tag sits right after the frame, where the frame's (sized) deallocation finds it, and says
// who frees the block:
//   - `plain`: the frame has no room; destroying the coroutine frees the block.
//   - `frame_owns` (a room, from allocation until spawn adopts it): the same, from the room's
//     start; the room is never touched.
//   - `task_owns` (from spawn on): the task cell lives in the room. The task destroys its future,
//     and with it the frame, at completion or cancellation, and the frame's deallocation leaves
//     the block alone; the task frees the block once its last reference goes, which is never
//     before (a task's future does not outlive its completion). The header, the output slot, the
//     coroutine handle and the top of the frame thus share one allocation.
//
// Only the RoomRequest that asked for the room adopts it, by the address and size of the frame
// it saw allocated, so a frame with a room that spawn does not adopt (another coroutine called
// first inside `fn`, say) is freed like any other.
//
// This relies on coroutine_handle::address() being the pointer the promise's operator new
// returned, and on the frame's deallocation receiving the size its allocation was asked for,
// which is how g++ and clang build frames; tests/runtime_allocation_test.cpp checks both by
// counting allocations and their sizes, tests/task_room_test.cpp the lifetimes.

#include <cstddef>
#include <new>

namespace wakeful::detail {

/// What spawn(fn, args...) asks of the frame allocations made while it calls `fn`: a room of
/// `prefix` bytes in front of the next frame that has such a room; that frame and its size once
/// made. One per thread, set for the duration of the call (nested requests restore the outer one).
struct RoomRequest {
  std::size_t prefix = 0;  // 0: no room is asked for
  void* frame = nullptr;
  std::size_t frame_size = 0;
};

inline thread_local RoomRequest room_request;

/// The frame allocation of coroutines that may be spawned as a `Cell`.
template <class Cell>
struct TaskRoom {
  /// Frames are aligned as ::operator new aligns; a cell needing more gets no room (spawning
  /// such a coroutine allocates its task apart).
  static constexpr bool available = alignof(Cell) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  /// Bytes in front of the frame: the cell, and padding to keep the frame aligned.
  static constexpr std::size_t prefix = (sizeof(Cell) + __STDCPP_DEFAULT_NEW_ALIGNMENT__ - 1) /
                                        __STDCPP_DEFAULT_NEW_ALIGNMENT__ * __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  /// Allocates a frame of `frame_size` bytes, with a room in front when the calling thread's
  /// RoomRequest asks for one of this size and has none yet.
  static void* allocate_frame(std::size_t frame_size) {
    RoomRequest& request = room_request;
    if (request.prefix != prefix || request.frame != nullptr) {
      auto* frame = static_cast<std::byte*>(::operator new(frame_size + 1));
      frame[frame_size] = plain;
      return frame;
    }
    auto* block = static_cast<std::byte*>(::operator new(prefix + frame_size + 1));
    std::byte* frame = block + prefix;
    frame[frame_size] = frame_owns;
    request.frame = frame;
    request.frame_size = frame_size;
    return frame;
  }

  /// The frame's deallocation: frees the block unless a task has adopted it.
  static void deallocate_frame(void* frame, std::size_t frame_size) noexcept {
    auto* bytes = static_cast<std::byte*>(frame);
    const std::byte tag = bytes[frame_size];
    if (tag == plain) {
      ::operator delete(frame);
    } else if (tag == frame_owns) {
      ::operator delete(bytes - prefix);
    }
  }

  /// Hands the block of `frame`, which `request` saw allocated with a room, to a task; returns
  /// the room to construct the cell in, or nullptr when `frame` is not that frame.
  static void* adopt(void* frame, const RoomRequest& request) noexcept {
    if (frame == nullptr || frame != request.frame) {
      return nullptr;
    }
    auto* bytes = static_cast<std::byte*>(frame);
    bytes[request.frame_size] = task_owns;
    return bytes - prefix;
  }

  /// Frees an adopted block, given its room (the cell is already destroyed, and so is the frame).
  static void release(void* room) noexcept { ::operator delete(room); }

 private:
  static constexpr std::byte plain{0};
  static constexpr std::byte frame_owns{1};
  static constexpr std::byte task_owns{2};
};

/// Asks for a room of `prefix` bytes for the frames allocated during its lifetime (see above).
class RoomRequestScope {
 public:
  explicit RoomRequestScope(std::size_t prefix) noexcept : outer_(room_request) {
    room_request = RoomRequest{prefix, nullptr, 0};
  }
  RoomRequestScope(const RoomRequestScope&) = delete;
  RoomRequestScope& operator=(const RoomRequestScope&) = delete;
  ~RoomRequestScope() { room_request = outer_; }

  /// The frame that got the room, and its size (nullptr when none did).
  [[nodiscard]] const RoomRequest& granted() const noexcept { return room_request; }

 private:
  RoomRequest outer_;
};

}  // namespace wakeful::detail
