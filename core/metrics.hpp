#pragma once
// Metrics for Prometheus: counters, gauges and fixed-bucket histograms in labelled
// families, rendered in the text exposition format 0.0.4.
//
// The hot path is a relaxed atomic add. A series is found by its label values in a small
// sorted map under a shared lock (no allocation once the series exists); a caller that
// knows its label values up front keeps the reference `with()` returns, which stays valid
// for the registry's lifetime. Values kept elsewhere (queue depths, /proc) are read by
// callbacks when the registry is rendered. Everything here is thread-safe.
//
// Label values must come from small, fixed sets (route patterns, problem types, profile
// names), never from requests: each distinct set is a series kept forever.
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace signet::core::metrics {

using LabelValues = std::initializer_list<std::string_view>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void add(double d) { v_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Buckets with fixed upper bounds (ascending) and the implicit +Inf.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative
  std::atomic<double> sum_{0};
};

// Usual bounds, in seconds and in items.
std::vector<double> latency_buckets();    // 5 ms .. 10 s
std::vector<double> power_of_two_buckets(std::size_t max);  // 1, 2, 4, .. max

enum class Type { Counter, Gauge, Histogram };

// One metric name with its HELP text, label names and series.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::vector<std::string> labels, Type type);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  Type type() const { return type_; }
  // Appends HELP, TYPE and every series (nothing while the family has no series).
  virtual void render(std::string& out) const = 0;

 protected:
  // The series key of label values: the values joined by '\0' (never in a value we keep).
  static void key_of(LabelValues values, std::string& key);
  // `{a="x",b="y"}` (with `extra` appended inside the braces), or "" without labels.
  std::string label_text(std::string_view key, std::string_view extra = {}) const;
  void header(std::string& out) const;
  static std::string value_text(const Counter& c);
  static std::string value_text(const Gauge& g);
  // A histogram's _bucket lines, _sum and _count.
  void render_series(std::string& out, std::string_view key, const Histogram& h) const;

  std::string name_, help_;
  std::vector<std::string> labels_;
  Type type_;
};

template <class M>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels, Type type,
         std::function<std::unique_ptr<M>()> make)
      : FamilyBase(std::move(name), std::move(help), std::move(labels), type),
        make_(std::move(make)) {}

  // The series with these label values (one per label name, in their order), created
  // on first use. The reference stays valid as long as the registry.
  M& with(LabelValues values = {}) {
    thread_local std::string key;
    key_of(values, key);
    {
      std::shared_lock lock(mu_);
      if (auto it = series_.find(std::string_view(key)); it != series_.end()) return *it->second;
    }
    std::unique_lock lock(mu_);
    auto [it, added] = series_.try_emplace(key, nullptr);
    if (added) it->second = make_();
    return *it->second;
  }

  void render(std::string& out) const override;

 private:
  std::function<std::unique_ptr<M>()> make_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<M>, std::less<>> series_;
};

// Defined and instantiated in metrics.cpp for these three.
extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// A sample a callback reports: label values (one per label name) and the value.
struct Sample {
  std::vector<std::string> labels;
  double value = 0;
};
using Collect = std::function<std::vector<Sample>()>;

class Registry {
 public:
  // Families by name; asking for a name again returns the same family. Names, label
  // names and HELP are the caller's constants (valid Prometheus names). Registering a
  // name twice with another type or other labels is a programming error and throws
  // std::logic_error.
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> labels = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> labels, std::vector<double> bounds);
  // A counter or gauge whose samples `collect` reads at render time. `collect` runs on
  // the rendering thread; it must be quick and must not block.
  void callback(const std::string& name, const std::string& help, Type type,
                std::vector<std::string> labels, Collect collect);

  // Every family, sorted by name, in the text format 0.0.4.
  std::string render() const;

 private:
  template <class M>
  Family<M>& family(const std::string& name, const std::string& help,
                    std::vector<std::string> labels, Type type,
                    std::function<std::unique_ptr<M>()> make);

  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;
};

// `r`, or a private registry nobody renders when there is none: components take an
// optional registry and record unconditionally.
inline std::shared_ptr<Registry> or_private(std::shared_ptr<Registry> r) {
  return r ? std::move(r) : std::make_shared<Registry>();
}

// The content type of render()'s output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value or HELP text escaped for the text format: backslash and newline, and in
// label values the double quote.
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
// A sample value: shortest round-trip decimal, "+Inf", "-Inf" or "NaN".
std::string format_value(double v);

}  // namespace signet::core::metrics
