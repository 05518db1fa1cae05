// Reaching two private fields of Asio's epoll_reactor::descriptor_state (see epoll_state.hpp
// for why). Both ways are standard C++: an explicit instantiation may name private members
// ([temp.spec.general]/6), and a C-style cast may convert a pointer to an inaccessible base
// ([expr.cast]/4). What ties this file to particular Asio releases is the fields' meaning, the
// same in 1.22, 1.30 and 1.36; CMake builds it only for the releases CI checks.

#include "epoll_state.hpp"

#include <asio/detail/epoll_reactor.hpp>
#include <asio/detail/scheduler_operation.hpp>

namespace wakeful::io::detail {

namespace {

using DescriptorState = asio::detail::epoll_reactor::descriptor_state;
using Operation = asio::detail::scheduler_operation;

// Instantiated explicitly below with a pointer to a private member, which defines member(Tag)
// to return it.
template <class Tag, typename Tag::type Member>
struct Expose {
  friend constexpr typename Tag::type member(Tag /*tag*/) noexcept { return Member; }
};

// The mask Asio passes to epoll_ctl for the descriptor.
struct RegisteredEvents {
  using type = std::uint32_t DescriptorState::*;
  friend constexpr type member(RegisteredEvents tag) noexcept;
};
template struct Expose<RegisteredEvents, &DescriptorState::registered_events_>;

// Where the reactor stores the events of the edge before it dispatches the descriptor.
struct TaskResult {
  using type = unsigned int Operation::*;
  friend constexpr type member(TaskResult tag) noexcept;
};
template struct Expose<TaskResult, &Operation::task_result_>;

}  // namespace

void add_registered_events(void* reactor_data, std::uint32_t events) noexcept {
  auto* state = static_cast<DescriptorState*>(reactor_data);
  state->*member(RegisteredEvents{}) |= events;
}

std::uint32_t dispatched_events(void* reactor_data) noexcept {
  // descriptor_state derives privately from its operation; only a C-style cast may name that base.
  const auto* operation = (const Operation*)static_cast<const DescriptorState*>(reactor_data);
  return operation->*member(TaskResult{});
}

}  // namespace wakeful::io::detail
