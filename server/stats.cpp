// /metrics: the Prometheus text exposition format, version 0.0.4.

#include "stats.hpp"

#include <cstdio>
#include <string_view>

#include "wakeful/runtime/runtime.hpp"

namespace httpd {

namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  char number[32];
  std::snprintf(number, sizeof number, "%.17g", value);
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += number;
  out += '\n';
}

template <class Get>
std::uint64_t total(const std::vector<WorkerStats>& workers, Get get) {
  std::uint64_t sum = 0;
  for (const WorkerStats& w : workers) {
    sum += get(w);
  }
  return sum;
}

}  // namespace

std::string render_metrics(const std::vector<WorkerStats>& workers, const wakeful::Runtime* runtime, bool draining) {
  std::string out;
  out.reserve(4096);
  const std::uint64_t accepted = total(workers, [](const WorkerStats& w) { return w.connections_accepted.get(); });
  const std::uint64_t closed = total(workers, [](const WorkerStats& w) { return w.connections_closed.get(); });

  metric(out, "httpd_connections_open", "gauge", "Connections open now.");
  sample(out, "httpd_connections_open", "", static_cast<double>(accepted >= closed ? accepted - closed : 0));
  metric(out, "httpd_connections_total", "counter", "Connections accepted and served.");
  sample(out, "httpd_connections_total", "", static_cast<double>(accepted));
  metric(out, "httpd_connections_rejected_total", "counter",
         "Connections answered 503 and closed at accept because --max-connections were open.");
  sample(out, "httpd_connections_rejected_total", "",
         static_cast<double>(total(workers, [](const WorkerStats& w) { return w.connections_rejected.get(); })));

  metric(out, "httpd_responses_total", "counter", "Responses sent, by status class.");
  for (std::size_t c = 0; c < 5; ++c) {
    const std::string label = "class=\"" + std::to_string(c + 1) + "xx\"";
    sample(out, "httpd_responses_total", label,
           static_cast<double>(total(workers, [c](const WorkerStats& w) { return w.responses[c].get(); })));
  }
  metric(out, "httpd_received_bytes_total", "counter", "Bytes read from clients.");
  sample(out, "httpd_received_bytes_total", "",
         static_cast<double>(total(workers, [](const WorkerStats& w) { return w.bytes_received.get(); })));
  metric(out, "httpd_sent_bytes_total", "counter", "Bytes written to clients.");
  sample(out, "httpd_sent_bytes_total", "",
         static_cast<double>(total(workers, [](const WorkerStats& w) { return w.bytes_sent.get(); })));
  metric(out, "httpd_draining", "gauge", "1 while shutting down.");
  sample(out, "httpd_draining", "", draining ? 1 : 0);

  const std::vector<wakeful::WorkerMetrics> executor =
      runtime != nullptr ? runtime->metrics() : std::vector<wakeful::WorkerMetrics>();
  auto per_worker = [&](std::string_view name, std::string_view type, std::string_view help, std::size_t count,
                        auto get) {
    metric(out, name, type, help);
    for (std::size_t w = 0; w < count; ++w) {
      sample(out, name, "worker=\"" + std::to_string(w) + "\"", static_cast<double>(get(w)));
    }
  };
  const std::size_t n = executor.size();
  per_worker("wakeful_tasks_spawned_total", "counter", "Tasks spawned on the worker.", n,
             [&](std::size_t w) { return executor[w].tasks_spawned; });
  per_worker("wakeful_tasks_alive", "gauge", "Tasks of the worker not yet complete.", n,
             [&](std::size_t w) { return executor[w].tasks_alive; });
  per_worker("wakeful_polls_total", "counter", "Task polls.", n, [&](std::size_t w) { return executor[w].polls; });
  per_worker("wakeful_wakes_local_total", "counter", "Tasks woken from the worker's own thread.", n,
             [&](std::size_t w) { return executor[w].wakes_local; });
  per_worker("wakeful_wakes_remote_total", "counter", "Tasks woken from other threads.", n,
             [&](std::size_t w) { return executor[w].wakes_remote; });
  per_worker("wakeful_parks_total", "counter", "Times the worker slept waiting for work.", n,
             [&](std::size_t w) { return executor[w].parks; });
  per_worker("wakeful_spins_total", "counter", "Times a spin before parking found work (no sleep needed).", n,
             [&](std::size_t w) { return executor[w].spins; });
  const std::size_t m = workers.size();
  per_worker("wakeful_joinset_child_polls_total", "counter", "Polls of join-set children (connections).", m,
             [&](std::size_t w) { return workers[w].set_child_polls.get(); });
  per_worker("wakeful_joinset_wakes_total", "counter", "Wakes that queued a join-set child.", m,
             [&](std::size_t w) { return workers[w].set_wakes.get(); });
  per_worker("wakeful_joinset_coalesced_wakes_total", "counter", "Wakes of a child that was queued already.", m,
             [&](std::size_t w) { return workers[w].set_coalesced_wakes.get(); });
  per_worker("wakeful_joinset_yields_total", "counter", "Times a join-set gave its task back to the worker.", m,
             [&](std::size_t w) { return workers[w].set_yields.get(); });

  const std::uint64_t child_polls = total(workers, [](const WorkerStats& w) { return w.set_child_polls.get(); });
  const std::uint64_t wakes = total(workers, [](const WorkerStats& w) { return w.set_wakes.get(); });
  metric(out, "wakeful_joinset_child_polls_per_wake", "gauge",
         "Join-set child polls per wake: a wake polls its child once, and a child is also polled once, "
         "unwoken, in the round that adds it; so 2 when each child wakes once (tasks mode: a connection's "
         "handle wakes when it ends), near 1 for children woken often (inline mode), 0 in naive mode "
         "(no wakes are counted).");
  sample(out, "wakeful_joinset_child_polls_per_wake", "",
         wakes == 0 ? 0.0 : static_cast<double>(child_polls) / static_cast<double>(wakes));
  return out;
}

}  // namespace httpd
