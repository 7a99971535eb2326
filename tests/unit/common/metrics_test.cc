#include "common/metrics.h"

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace antler::metrics {
namespace {

TEST(Metrics, ExpositionIsPrometheusText) {
  Exposition e;
  e.counter("antler_test_requests_total", "Requests.", 3, {{"request", "lookup"}});
  e.counter("antler_test_requests_total", "Requests.", 4, {{"request", "open"}});
  e.gauge("antler_test_up", "Up.", 1);
  std::string t = e.text();
  // one HELP and TYPE per family, a line per series
  EXPECT_NE(t.find("# HELP antler_test_requests_total Requests.\n# TYPE antler_test_requests_total counter\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("antler_test_requests_total{request=\"lookup\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("antler_test_requests_total{request=\"open\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("# TYPE antler_test_up gauge\nantler_test_up 1\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("# TYPE antler_test_requests_total", t.find("# TYPE antler_test_requests_total") + 1),
            std::string::npos)
      << t;
}

TEST(Metrics, LabelValuesAreEscaped) {
  Exposition e;
  e.gauge("antler_test_lag", "Lag.", 2, {{"metalogger", "a\"b\\c\nd"}});
  EXPECT_NE(e.text().find(R"(antler_test_lag{metalogger="a\"b\\c\nd"} 2)"), std::string::npos) << e.text();
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  static const std::vector<double> bounds{0.001, 0.01, 0.1};
  LocalHistogram h(bounds);
  for (double v : {0.0005, 0.001, 0.005, 0.05, 0.5, 5.0}) h.observe(v);
  EXPECT_EQ(h.count(), 6u);
  EXPECT_DOUBLE_EQ(h.sum(), 5.5565);
  Exposition e;
  e.histogram("antler_test_seconds", "Time.", h, {{"op", "x"}});
  std::string t = e.text();
  EXPECT_NE(t.find("# TYPE antler_test_seconds histogram\n"), std::string::npos) << t;
  // a value equal to a bound counts in that bucket (le: less or equal)
  EXPECT_NE(t.find("antler_test_seconds_bucket{op=\"x\",le=\"0.001\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("antler_test_seconds_bucket{op=\"x\",le=\"0.01\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("antler_test_seconds_bucket{op=\"x\",le=\"0.1\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("antler_test_seconds_bucket{op=\"x\",le=\"+Inf\"} 6\n"), std::string::npos) << t;
  EXPECT_NE(t.find("antler_test_seconds_count{op=\"x\"} 6\n"), std::string::npos) << t;
}

TEST(Metrics, SharedHistogramCountsFromManyThreads) {
  static const std::vector<double> bounds{0.001, 0.01};
  SharedHistogram h(bounds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; i++) h.observe(i % 2 ? 0.0005 : 0.5);
    });
  for (auto& t : threads) t.join();
  LocalHistogram s = h.snapshot();
  EXPECT_EQ(s.count(), 4000u);
  EXPECT_EQ(s.counts()[0], 2000u);  // <= 1 ms
  EXPECT_EQ(s.counts()[1], 0u);
  EXPECT_EQ(s.counts()[2], 2000u);  // above every bound
  EXPECT_NEAR(s.sum(), 2000 * 0.0005 + 2000 * 0.5, 1e-6);
}

TEST(Metrics, ProcessMetricsAndBuildInfo) {
  Exposition e;
  add_process_metrics(e, "mfstest");
  std::string t = e.text();
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
                           "process_max_fds ", "process_start_time_seconds "})
    EXPECT_NE(t.find(std::string("\n") + name), std::string::npos) << name << "\n" << t;
  EXPECT_NE(t.find("antler_build_info{commit=\""), std::string::npos) << t;
  EXPECT_NE(t.find("daemon=\"mfstest\",version=\"" ANTLER_VERSION "\"} 1\n"), std::string::npos) << t;
}

TEST(Metrics, AskOnRunsOnTheOtherThreadOrTimesOut) {
  // a "loop" that runs what is posted only when told
  std::deque<std::function<void()>> queue;
  std::mutex mu;
  auto post = [&](std::function<void()> fn) {
    std::lock_guard<std::mutex> g(mu);
    queue.push_back(std::move(fn));
  };
  std::thread loop([&] {
    for (int i = 0; i < 200; i++) {
      {
        std::lock_guard<std::mutex> g(mu);
        while (!queue.empty()) {
          queue.front()();
          queue.pop_front();
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  auto r = ask_on<int>(
      post, [] { return 42; }, 5000);
  loop.join();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 42);
  // nobody runs the queue now: the answer does not come
  auto late = ask_on<int>(
      post, [] { return 1; }, 50);
  EXPECT_FALSE(late.has_value());
  // ... and running it later is harmless (the state outlives the call)
  for (auto& fn : queue) fn();
}

}  // namespace
}  // namespace antler::metrics
