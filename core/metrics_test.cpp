#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "core/process_metrics.hpp"

namespace signet::core::metrics {
namespace {

TEST(Metrics, RendersCountersWithHelpTypeAndSortedSeries) {
  Registry r;
  auto& requests = r.counter("signet_requests_total", "Requests.", {"route", "status"});
  requests.with({"/b", "200"}).inc();
  requests.with({"/a", "404"}).inc(2);
  r.counter("signet_unused_total", "Never used.", {"x"});
  EXPECT_EQ(r.render(),
            "# HELP signet_requests_total Requests.\n"
            "# TYPE signet_requests_total counter\n"
            "signet_requests_total{route=\"/a\",status=\"404\"} 2\n"
            "signet_requests_total{route=\"/b\",status=\"200\"} 1\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_help("a\\b\"c\nd"), "a\\\\b\"c\\nd");
  Registry r;
  r.gauge("g", "Line one\nline \\two", {"v"}).with({"say \"hi\"\n"}).set(1.5);
  EXPECT_EQ(r.render(),
            "# HELP g Line one\\nline \\\\two\n"
            "# TYPE g gauge\n"
            "g{v=\"say \\\"hi\\\"\\n\"} 1.5\n");
}

TEST(Metrics, FormatsValues) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(0.005), "0.005");
  EXPECT_EQ(format_value(1e21), "1e+21");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.histogram("lat_seconds", "Latency.", {"m"}, {0.125, 1});
  auto& s = h.with({"x"});
  s.observe(0.0625);
  s.observe(0.125);  // a bound is inclusive (le)
  s.observe(0.5);
  s.observe(7);
  EXPECT_EQ(r.render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{m=\"x\",le=\"0.125\"} 2\n"
            "lat_seconds_bucket{m=\"x\",le=\"1\"} 3\n"
            "lat_seconds_bucket{m=\"x\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{m=\"x\"} 7.6875\n"
            "lat_seconds_count{m=\"x\"} 4\n");
}

TEST(Metrics, UnlabelledHistogramPutsLeAlone) {
  Registry r;
  r.histogram("b", "Batch.", {}, power_of_two_buckets(2)).with().observe(3);
  EXPECT_EQ(r.render(),
            "# HELP b Batch.\n# TYPE b histogram\n"
            "b_bucket{le=\"1\"} 0\nb_bucket{le=\"2\"} 0\nb_bucket{le=\"+Inf\"} 1\n"
            "b_sum 3\nb_count 1\n");
}

TEST(Metrics, CountersAreMonotoneAndSeriesStable) {
  Registry r;
  auto& f = r.counter("c_total", "C.", {"k"});
  Counter& a = f.with({"a"});
  std::uint64_t last = 0;
  for (int i = 0; i < 100; ++i) {
    f.with({"a"}).inc();
    EXPECT_GT(a.value(), last);
    last = a.value();
  }
  EXPECT_EQ(&f.with({"a"}), &a);
  EXPECT_EQ(&r.counter("c_total", "C.", {"k"}), &f);  // registered once
  EXPECT_THROW(r.gauge("c_total", "C.", {"k"}), std::logic_error);
}

TEST(Metrics, ConcurrentIncrementsAndRendersLoseNothing) {
  Registry r;
  auto& f = r.counter("c_total", "C.", {"k"});
  auto& h = r.histogram("h_seconds", "H.", {"k"}, latency_buckets());
  constexpr int kThreads = 4, kEach = 20000;
  // A series before any thread starts: a family without one renders nothing, and the
  // renderer may run first.
  f.with({"shared"});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = "t" + std::to_string(t);
      for (int i = 0; i < kEach; ++i) {
        f.with({"shared"}).inc();
        f.with({own}).inc();
        h.with({"shared"}).observe(0.001 * (i % 100));
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 50; ++i) EXPECT_FALSE(r.render().empty());
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.with({"shared"}).value(), std::uint64_t{kThreads * kEach});
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(f.with({"t" + std::to_string(t)}).value(), std::uint64_t{kEach});
  EXPECT_EQ(h.with({"shared"}).snapshot().cumulative.back(), std::uint64_t{kThreads * kEach});
}

TEST(Metrics, CallbacksAreReadAtRenderTime) {
  Registry r;
  double depth = 3;
  r.callback("q", "Queue.", Type::Gauge, {"queue"}, [&] {
    return std::vector<Sample>{{{"cpu"}, depth}, {{"storage"}, 1}};
  });
  depth = 4;
  EXPECT_EQ(r.render(), "# HELP q Queue.\n# TYPE q gauge\nq{queue=\"cpu\"} 4\nq{queue=\"storage\"} 1\n");
  EXPECT_THROW(r.callback("q", "Again.", Type::Gauge, {}, [] { return std::vector<Sample>{}; }),
               std::logic_error);
}

TEST(Metrics, ProcessMetricsAreRead) {
  Registry r;
  register_process_metrics(r);
  const std::string out = r.render();
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_start_time_seconds ", "process_open_fds "}) {
    EXPECT_NE(out.find(std::string("\n") + name), std::string::npos) << name << "\n" << out;
  }
}

}  // namespace
}  // namespace signet::core::metrics
