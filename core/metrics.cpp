#include "core/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace signet::core::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double v) {
  // A dozen bounds at most: a linear scan beats a binary search here.
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  // Each bucket is read once, so the cumulative counts are monotone even while
  // observations land; the sum may be a few observations apart from them.
  Snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> power_of_two_buckets(std::size_t max) {
  std::vector<double> out;
  for (std::size_t b = 1; b <= max; b *= 2) out.push_back(static_cast<double>(b));
  return out;
}

namespace {

// Backslash and newline always; the double quote only where it would end a label value.
std::string escape(std::string_view v, bool quote) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || (quote && c == '"')) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view v) {
  return escape(v, true);
}

std::string escape_help(std::string_view v) {
  return escape(v, false);
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : "NaN";
}

namespace {

const char* type_name(Type t) {
  switch (t) {
    case Type::Counter:
      return "counter";
    case Type::Gauge:
      return "gauge";
    case Type::Histogram:
      return "histogram";
  }
  return "untyped";
}

std::string format_count(std::uint64_t v) {
  return std::to_string(v);
}

}  // namespace

FamilyBase::FamilyBase(std::string name, std::string help, std::vector<std::string> labels,
                       Type type)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), type_(type) {}

void FamilyBase::key_of(LabelValues values, std::string& key) {
  key.clear();
  bool first = true;
  for (auto v : values) {
    if (!first) key += '\0';
    first = false;
    // A value's own NUL would shift the labels after it; it has no place in a label.
    for (char c : v) key += c == '\0' ? ' ' : c;
  }
}

std::string FamilyBase::label_text(std::string_view key, std::string_view extra) const {
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    const auto end = std::min(key.find('\0', start), key.size());
    const auto value = start <= key.size() ? key.substr(start, end - start) : std::string_view{};
    start = end + 1;
    out += out.empty() ? "{" : ",";
    out += labels_[i] + "=\"" + escape_label_value(value) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "{" : ",") + std::string(extra);
  if (!out.empty()) out += '}';
  return out;
}

void FamilyBase::header(std::string& out) const {
  out += "# HELP " + name_ + " " + escape_help(help_) + "\n";
  out += "# TYPE " + name_ + " " + type_name(type_) + "\n";
}

std::string FamilyBase::value_text(const Counter& c) {
  return format_count(c.value());
}

std::string FamilyBase::value_text(const Gauge& g) {
  return format_value(g.value());
}

void FamilyBase::render_series(std::string& out, std::string_view key, const Histogram& h) const {
  const auto snap = h.snapshot();
  const auto& bounds = h.bounds();
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    const std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
    out += name_ + "_bucket" + label_text(key, "le=\"" + le + "\"") + " " +
           format_count(snap.cumulative[i]) + "\n";
  }
  const std::string labels = label_text(key);
  out += name_ + "_sum" + labels + " " + format_value(snap.sum) + "\n";
  out += name_ + "_count" + labels + " " + format_count(snap.cumulative.back()) + "\n";
}

template <class M>
void Family<M>::render(std::string& out) const {
  std::shared_lock lock(mu_);
  if (series_.empty()) return;
  header(out);
  for (const auto& [key, m] : series_) {
    if constexpr (std::is_same_v<M, Histogram>) {
      render_series(out, key, *m);
    } else {
      out += name_ + label_text(key) + " " + value_text(*m) + "\n";
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

namespace {

// A family whose samples are read when it is rendered.
class CallbackFamily final : public FamilyBase {
 public:
  CallbackFamily(std::string name, std::string help, std::vector<std::string> labels, Type type,
                 Collect collect)
      : FamilyBase(std::move(name), std::move(help), std::move(labels), type),
        collect_(std::move(collect)) {}

  void render(std::string& out) const override {
    auto samples = collect_();
    if (samples.empty()) return;
    header(out);
    std::string key;
    for (auto& s : samples) {
      s.labels.resize(labels_.size());
      key.clear();
      for (std::size_t i = 0; i < s.labels.size(); ++i) {
        if (i > 0) key += '\0';
        key += s.labels[i];
      }
      out += name_ + label_text(key) + " " + format_value(s.value) + "\n";
    }
  }

 private:
  Collect collect_;
};

}  // namespace

template <class M>
Family<M>& Registry::family(const std::string& name, const std::string& help,
                            std::vector<std::string> labels, Type type,
                            std::function<std::unique_ptr<M>()> make) {
  std::unique_lock lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto f = std::make_unique<Family<M>>(name, help, std::move(labels), type, std::move(make));
    auto& ref = *f;
    families_.emplace(name, std::move(f));
    return ref;
  }
  auto* f = dynamic_cast<Family<M>*>(it->second.get());
  if (f == nullptr || f->type() != type) {
    throw std::logic_error("metric " + name + " registered twice with different types");
  }
  return *f;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> labels) {
  return family<Counter>(name, help, std::move(labels), Type::Counter,
                         [] { return std::make_unique<Counter>(); });
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               std::vector<std::string> labels) {
  return family<Gauge>(name, help, std::move(labels), Type::Gauge,
                       [] { return std::make_unique<Gauge>(); });
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels,
                                       std::vector<double> bounds) {
  return family<Histogram>(name, help, std::move(labels), Type::Histogram,
                           [bounds] { return std::make_unique<Histogram>(bounds); });
}

void Registry::callback(const std::string& name, const std::string& help, Type type,
                        std::vector<std::string> labels, Collect collect) {
  std::unique_lock lock(mu_);
  if (families_.contains(name)) throw std::logic_error("metric " + name + " registered twice");
  families_.emplace(name, std::make_unique<CallbackFamily>(name, help, std::move(labels), type,
                                                           std::move(collect)));
}

std::string Registry::render() const {
  std::string out;
  std::shared_lock lock(mu_);
  for (const auto& [name, f] : families_) f->render(out);
  return out;
}

}  // namespace signet::core::metrics
