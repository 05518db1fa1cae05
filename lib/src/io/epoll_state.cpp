// Reaching private fields of Asio's posix descriptor and epoll_reactor::descriptor_state (see
// epoll_state.hpp for why). Both ways are standard C++: an explicit instantiation may name
// private members ([temp.spec.general]/6), and a C-style cast may convert a pointer to an
// inaccessible base ([expr.cast]/4). What ties this file to the Asio releases CI tests is the
// fields themselves: the reactor_op backend is only chosen for those (WAKEFUL_IO_BACKEND=auto).

#include "epoll_state.hpp"

#include <asio/detail/epoll_reactor.hpp>
#include <asio/detail/reactive_descriptor_service.hpp>
#include <asio/detail/scheduler_operation.hpp>
#include <asio/posix/basic_descriptor.hpp>

namespace wakeful::io::detail {

namespace {

using DescriptorState = asio::detail::epoll_reactor::descriptor_state;
using PosixDescriptor = asio::posix::basic_descriptor<asio::io_context::executor_type>;
using DescriptorService = asio::detail::reactive_descriptor_service;
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

// The descriptor's implementation, and the reactor data inside it.
struct DescriptorImpl {
  using type = asio::detail::io_object_impl<DescriptorService, asio::io_context::executor_type> PosixDescriptor::*;
  friend constexpr type member(DescriptorImpl tag) noexcept;
};
template struct Expose<DescriptorImpl, &PosixDescriptor::impl_>;

struct ReactorData {
  using type = asio::detail::reactor::per_descriptor_data DescriptorService::implementation_type::*;
  friend constexpr type member(ReactorData tag) noexcept;
};
template struct Expose<ReactorData, &DescriptorService::implementation_type::reactor_data_>;

}  // namespace

void* descriptor_reactor_data(
    asio::posix::basic_stream_descriptor<asio::io_context::executor_type>& descriptor) noexcept {
  PosixDescriptor& base = descriptor;
  return (base.*member(DescriptorImpl{})).get_implementation().*member(ReactorData{});
}

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
