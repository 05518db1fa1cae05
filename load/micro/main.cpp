// wakeful-micro: the executor micro-benchmarks of WORKLOADS.md, with the command line and CSV
// output of the Rust reference (rust/, rust-micro) so the two can be run side by side
// (load/micro/compare.py).

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "workloads.hpp"

namespace {

int usage() {
  std::fprintf(
      stderr,
      "usage: wakeful-micro "
      "<joinset_manual|joinset_tokio|spawn|pingpong|yield|timer|tcp|semaphore|broadcast|udp|fanout|proxy|all>\n"
      "                     [--runs 5] [--warmup 1] [--quick] [--n N]\n"
      "                     [--rt 1thread|2threads] [--asio-locking per_socket|worker_thread_only]\n"
      "  the workloads of WORKLOADS.md implemented so far; CSV on stdout\n");
  return 2;
}

// A count in [0, 1000], or -1.
int parse_count(const char* text) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0 || value > 1000) {
    return -1;
  }
  return static_cast<int>(value);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    return usage();
  }
  const std::string workload = argv[1];
  wakeful::micro::Options options;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      options.harness.runs = parse_count(argv[++i]);
    } else if (std::strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) {
      options.harness.warmup = parse_count(argv[++i]);
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      options.quick = true;
    } else if (std::strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
      char* end = nullptr;
      options.only_n = std::strtoul(argv[++i], &end, 10);
      if (*end != '\0' || options.only_n == 0) {
        return usage();
      }
    } else if (std::strcmp(argv[i], "--rt") == 0 && i + 1 < argc) {
      options.only_runtime = argv[++i];
      if (options.only_runtime != "1thread" && options.only_runtime != "2threads") {
        return usage();  // an unknown runtime would otherwise run nothing and succeed
      }
    } else if (std::strcmp(argv[i], "--asio-locking") == 0 && i + 1 < argc) {
      const std::string locking = argv[++i];
      if (locking == "per_socket") {
        options.tcp_locking = wakeful::AsioLocking::per_socket;
      } else if (locking == "worker_thread_only") {
        options.tcp_locking = wakeful::AsioLocking::worker_thread_only;
      } else {
        return usage();
      }
    } else {
      return usage();
    }
  }
  if (options.harness.runs <= 0 || options.harness.warmup < 0) {
    return usage();
  }
  const bool all = workload == "all";
  if (!all && workload != "joinset_manual" && workload != "joinset_tokio" && workload != "spawn" &&
      workload != "pingpong" && workload != "yield" && workload != "timer" && workload != "tcp" &&
      workload != "semaphore" && workload != "broadcast" && workload != "udp" && workload != "fanout" &&
      workload != "proxy") {
    return usage();
  }
  wakeful::micro::print_header();
  if (all || workload == "joinset_manual") {
    wakeful::micro::joinset_manual_bench(options);
  }
  if (all || workload == "joinset_tokio") {
    wakeful::micro::joinset_runtime_bench(options);
  }
  if (all || workload == "spawn") {
    wakeful::micro::spawn_bench(options);
  }
  if (all || workload == "pingpong") {
    wakeful::micro::pingpong_bench(options);
  }
  if (all || workload == "yield") {
    wakeful::micro::yield_bench(options);
  }
  if (all || workload == "timer") {
    wakeful::micro::timer_bench(options);
  }
  if (all || workload == "tcp") {
    wakeful::micro::tcp_bench(options);
  }
  if (all || workload == "semaphore") {
    wakeful::micro::semaphore_bench(options);
  }
  if (all || workload == "broadcast") {
    wakeful::micro::broadcast_bench(options);
  }
  if (all || workload == "udp") {
    wakeful::micro::udp_bench(options);
  }
  if (all || workload == "fanout") {
    wakeful::micro::fanout_bench(options);
  }
  if (all || workload == "proxy") {
    wakeful::micro::proxy_bench(options);
  }
  return 0;
}
