// `mxsim size`: the smallest (or largest) value of one scenario key for which
// every target on the summary holds with a given confidence over seeds. The
// range, the targets, the metrics read from summary.json and the bisection
// with its monotonicity checks; no processes here: app/size.cpp runs them.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "compare/compare.hpp"

namespace mxsim::size {

// `--range LO..HI` with `--integer` and `--step`: the values searched, in
// increasing order. Both ends may carry the same unit suffix (`10/s..40/s`),
// which every value keeps.
struct Grid {
  std::vector<double> numbers;
  std::vector<std::string> texts;  // as the scenario gets them: "12", "0.35", "20/s"
  std::size_t size() const { return numbers.size(); }
};
// Throws std::invalid_argument (message without the option's name). `step`
// 0 means the default: 1 with `integer`, else a hundredth of the range.
Grid parse_range(const std::string& text, bool integer, double step = 0);

// `--target 'METRIC OP VALUE'`: OP one of <, <=, >, >=, ==, !=; VALUE a number
// or a duration with its unit (60s, 5m), in seconds.
struct Target {
  enum class Op { lt, le, gt, ge, eq, ne };
  std::string text;  // as written
  std::string metric;
  Op op = Op::le;
  double value = 0;
  bool contains(double x) const;  // does x meet the target?
};
// Throws std::invalid_argument.
Target parse_target(const std::string& text);
const char* op_text(Target::Op op);

// A metric's value in one run's summary.json. The name is a path as in
// summary.json: keys joined by dots, a list item by [N] or by its host, address
// or name (servers.mx2.example.com.share, senders.big-isp.delivery.p99); the
// first key may leave out messages, latency_s, attempts or bounces (bounced,
// delivery.p99), or be a column of the sweep CSV (delivery_p99_s). Throws
// std::invalid_argument when the summary has no such number.
double metric_value(const nlohmann::json& summary, const std::string& name);

// How a value stands against one target, from the interval of its metric
// over the replications at `confidence`.
enum class Verdict { holds, fails, undecided };
const char* verdict_text(Verdict v);

struct TargetResult {
  compare::Interval interval;
  Verdict verdict = Verdict::undecided;
  double low() const { return interval.mean - interval.half_width; }
  double high() const { return interval.mean + interval.half_width; }
};
// holds: the whole interval meets the target; fails: none of it does;
// undecided otherwise (also with fewer than two replications).
TargetResult judge(const Target& target, const std::vector<double>& samples, double confidence);

struct Evaluation {
  std::size_t index = 0;  // into the grid
  std::vector<TargetResult> targets;
  Verdict verdict = Verdict::undecided;  // holds when every target holds; fails when one fails
  std::size_t runs = 0;
};

struct Options {
  bool maximize = false;
  double confidence = 0.95;
};

struct Outcome {
  std::optional<std::size_t> answer;     // grid index
  std::optional<std::size_t> neighbour;  // the value next to the answer on the failing side, when evaluated
  std::optional<std::size_t> best;       // without an answer: the value that came closest
  std::vector<Evaluation> evaluations;   // in the order run
  std::vector<std::string> contradictions;  // evidence against monotonicity, one sentence each
  bool complete = true;                  // false when the evaluator stopped (a signal)
  std::size_t runs = 0;
};

// Asks for the metric samples of a batch of grid values: for each index, one
// vector per target of the replications' values. Returns nullopt when it
// was stopped before finishing the batch.
using Evaluator =
    std::function<std::optional<std::vector<std::vector<std::vector<double>>>>(const std::vector<std::size_t>&)>;

// Bisection on the grid, assuming that the targets hold from some value up
// (down with maximize): both ends first, then the middle of the bracket
// until the answer's neighbour is known, so at most 2 + ceil(log2(n - 1))
// values are run. A value holds only when every target holds with the
// confidence asked. The evidence is then checked against monotonicity.
Outcome search(const Grid& grid, const std::vector<Target>& targets, const Options& options, const Evaluator& evaluate);

// Values a bisection of n grid values runs at most.
std::size_t bisection_values(std::size_t n);

// Evidence against monotonicity among the evaluations: a value that holds
// beside one further on the holding side that clearly fails, and for each
// target with a direction (<, <=, >, >=) two values whose intervals are
// disjoint in the wrong order.
std::vector<std::string> contradictions(const Grid& grid, const std::vector<Target>& targets, const Options& options,
                                        const std::vector<Evaluation>& evaluations);

}  // namespace mxsim::size
