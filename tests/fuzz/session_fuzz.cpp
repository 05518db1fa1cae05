// Fuzz target: arbitrary bytes into an httpd Session, whole and split into pieces.
//
// Properties checked on every input, beyond "no crash, no leak, no undefined behaviour":
//   - the output is a sequence of well-formed responses, each with exactly one Content-Length
//     (skipped when a HEAD may be among the requests: its response has no body to frame);
//   - feeding the bytes in pieces (sizes from the first input byte) answers the same requests
//     the same way, in order. Only the status of a final refusal may differ (a split head can
//     be refused for its first bad byte before its size is known).
//
// Built with libFuzzer by the clang presets (asan runs it for a bounded time in CI); with any
// compiler it also builds as a program that replays a corpus directory.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "support/http.hpp"
#include "support/session_harness.hpp"

namespace {

httpd::Config fuzz_config() {
  httpd::Config config = wakeful::test::session_config();
  // Small limits reach the limit paths with small inputs.
  config.limits.max_header_bytes = 512;
  config.limits.max_uri_bytes = 128;
  config.limits.max_body_bytes = 256;
  config.limits.max_requests_per_connection = 16;
  return config;
}

[[noreturn]] void fail(const char* what, std::string_view input, std::string_view whole = {},
                       std::string_view split = {}) {
  const auto shown = [](std::string_view text) { return static_cast<int>(std::min<std::size_t>(text.size(), 600)); };
  std::fprintf(stderr, "property failed: %s\ninput (%zu bytes): %.*s\nwhole: %.*s\nsplit: %.*s\n", what, input.size(),
               shown(input), input.data(), shown(whole), whole.data(), shown(split), split.data());
  std::abort();
}

std::vector<wakeful::test::HttpResponse> finals(const std::string& output, std::string_view input) {
  try {
    // A streamed echo whose body never came ends in a partial response: the rest is left.
    std::string rest;
    std::vector<wakeful::test::HttpResponse> all = wakeful::test::parse_responses(output, {}, &rest);
    std::vector<wakeful::test::HttpResponse> out;
    for (auto& r : all) {
      if (r.status >= 200) {
        out.push_back(std::move(r));
      }
    }
    return out;
  } catch (const std::exception& error) {
    fail(error.what(), input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t step = 1 + data[0] % 32;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);  // NOLINT: bytes as chars

  wakeful::test::SessionHarness whole(fuzz_config());
  const std::string whole_output = whole.feed(input);
  wakeful::test::SessionHarness split(fuzz_config());
  const std::string split_output = split.feed(input, step);

  if (input.find("HEAD") != std::string_view::npos || input.find("head") != std::string_view::npos) {
    return 0;  // responses to HEAD cannot be framed without knowing the requests
  }
  const auto a = finals(whole_output, input);
  const auto b = finals(split_output, input);
  if (a.size() != b.size()) {
    fail("whole and split inputs got a different number of responses", input, whole_output, split_output);
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    // The last response may be a refusal that closes the connection: its status may differ.
    const bool refusals =
        i + 1 == a.size() && a[i].status >= 400 && b[i].status >= 400 && a[i].closes() && b[i].closes();
    if (!refusals && (a[i].status != b[i].status || a[i].body != b[i].body)) {
      fail("whole and split inputs got different responses", input, whole_output, split_output);
    }
  }
  return 0;
}

#ifdef WAKEFUL_FUZZ_REPLAY
// Without libFuzzer: replays every file named on the command line (or in a named directory).
#include <filesystem>
#include <fstream>
#include <iterator>

int main(int argc, char** argv) {
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
        files.push_back(entry.path());
      }
    } else {
      files.emplace_back(argv[i]);
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      // Every split size, not only the one the first byte names.
      for (int first = 0; first < 32; ++first) {
        std::string input = bytes.empty() ? std::string(1, '\0') : bytes;
        input[0] = static_cast<char>(first);
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());  // NOLINT
      }
      ++replayed;
    }
  }
  std::printf("replayed %zu inputs\n", replayed);
  return replayed > 0 ? 0 : 1;
}
#endif
