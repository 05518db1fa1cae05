// Coroutines and their lifetimes: what a spawned coroutine may refer to.
#include <cstdio>
#include <memory>
#include <string>
#include <wakeful/wakeful.hpp>

namespace wf = wakeful;

// Parameters are copied (or moved) into the coroutine frame: pass by value what the coroutine
// needs after its first suspension. A reference parameter would dangle once the caller's
// temporary is gone.
wf::Async<std::size_t> count_words(std::string text) {
  co_await wf::yield_now();
  std::size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    words += (!in_word && c != ' ') ? 1 : 0;
    in_word = c != ' ';
  }
  co_return words;
}

wf::Async<std::size_t> run() {
  auto shared = std::make_shared<std::string>("state shared with a task");

  // Wrong: calling a lambda coroutine makes a frame that refers to the lambda's captures, and the
  // temporary lambda is destroyed at the end of the full expression while the task runs later:
  //   wf::spawn([shared]() -> wf::Async<std::size_t> { co_return shared->size(); }());

  // Right: hand spawn the lambda itself, not its call. spawn(fn, args...) keeps a callable with
  // captures inside the task for as long as the task lives ...
  auto by_lambda = wf::spawn([shared]() -> wf::Async<std::size_t> {
    co_await wf::yield_now();
    co_return shared->size();
  });

  // ... or give spawn a function and its arguments (copied into the frame).
  auto by_function = wf::spawn(count_words, "three short words");
  co_return co_await std::move(by_lambda) + co_await std::move(by_function);
}

int main() {
  wf::Runtime rt(1);
  std::printf("%zu\n", rt.block_on(run()));  // 24 + 3
}
