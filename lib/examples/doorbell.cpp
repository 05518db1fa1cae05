// A descriptor of your own on the runtime's reactor: a plain thread (standing in for a library
// that reports through a file descriptor) rings an eventfd; a task awaits its readability
// through an io::Registration and reads the rings, without a thread of its own blocked on it.
//
//   build/release/lib/examples/doorbell [rings]

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <wakeful/io.hpp>
#include <wakeful/wakeful.hpp>

namespace {

// One read of the eventfd: the sum of the rings since the last read (eventfd(2)).
wakeful::io::Result<std::uint64_t> take_rings(int fd) {
  std::uint64_t rung = 0;
  if (::read(fd, &rung, sizeof rung) < 0) {
    return wakeful::io::last_error();  // EAGAIN: try_io clears the readiness and waits
  }
  return rung;
}

wakeful::Async<std::uint64_t> answer(std::uint64_t rings) {
  // The registration owns the descriptor: it is taken off the reactor and closed with it.
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  wakeful::io::Registration doorbell = wakeful::io::Registration::open(fd).value();

  std::thread ringer([fd, rings] {
    for (std::uint64_t i = 1; i <= rings; ++i) {
      (void)::write(fd, &i, sizeof i);  // ring with the value i
    }
  });

  const std::uint64_t expected = rings * (rings + 1) / 2;
  std::uint64_t total = 0;
  while (total < expected) {
    total += (co_await doorbell.async_io(wakeful::io::Direction::read, [fd] { return take_rings(fd); })).value();
  }
  ringer.join();
  co_return total;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t rings = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
  wakeful::Runtime runtime(1);
  const std::uint64_t total = runtime.block_on(answer(rings));
  std::printf("%llu rings, values summing to %llu\n", static_cast<unsigned long long>(rings),
              static_cast<unsigned long long>(total));
}
