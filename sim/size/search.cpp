// The range, the targets and the bisection of `mxsim size`, with the checks
// of its monotonicity assumption. Plain C++: the evaluator it is given runs
// the simulations (or, in the unit tests, a made-up response).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "size/size.hpp"
#include "util/units.hpp"

namespace mxsim::size {

namespace {

// A number at the start of `text`; the rest (the unit) in `suffix`.
bool leading_number(std::string_view text, double& number, std::string& suffix) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || !std::isfinite(number)) return false;
  suffix = std::string(end, text.data() + text.size());
  return true;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string number_text(double x, bool integer) {
  if (integer) return fmt::format("{}", static_cast<long long>(std::llround(x)));
  std::string text = fmt::format("{:.12g}", x);
  return text == "-0" ? "0" : text;
}

}  // namespace

Grid parse_range(const std::string& text, bool integer, double step) {
  const auto dots = text.find("..");
  double lo = 0, hi = 0;
  std::string lo_unit, hi_unit;
  if (dots == std::string::npos || !leading_number(trimmed(text.substr(0, dots)), lo, lo_unit) ||
      !leading_number(trimmed(text.substr(dots + 2)), hi, hi_unit))
    throw std::invalid_argument(
        fmt::format("\"{}\": expected LO..HI, two numbers such as 1..200 (with the same unit on both, as 10/s..40/s)", text));
  if (lo_unit != hi_unit)
    throw std::invalid_argument(fmt::format("\"{}\": both ends need the same unit (\"{}\" and \"{}\")", text, lo_unit, hi_unit));
  if (lo > hi) throw std::invalid_argument(fmt::format("\"{}\" is empty: LO is above HI", text));
  if (!(step >= 0) || !std::isfinite(step)) throw std::invalid_argument("the step must be a number > 0");
  if (integer) {
    if (step != 0 && step != std::floor(step)) throw std::invalid_argument("with --integer the step is a whole number");
    lo = std::ceil(lo);
    hi = std::floor(hi);
    if (lo > hi) throw std::invalid_argument(fmt::format("\"{}\" holds no whole number", text));
    if (std::fabs(lo) > 9e15 || std::fabs(hi) > 9e15) throw std::invalid_argument(fmt::format("\"{}\": too large", text));
    if (step == 0) step = 1;
  } else if (step == 0) {
    step = hi > lo ? (hi - lo) / 100 : 1;
  }
  const double count = std::floor((hi - lo) / step + 1e-9) + 1;
  constexpr double kMaxValues = 1e5;
  if (count > kMaxValues)
    throw std::invalid_argument(
        fmt::format("\"{}\" in steps of {} is {:.0f} values; at most {:.0f} (give a larger --step)", text, step, count,
                    kMaxValues));
  Grid grid;
  for (std::size_t k = 0; k < static_cast<std::size_t>(count); ++k) grid.numbers.push_back(lo + static_cast<double>(k) * step);
  // The range's end is always a candidate, even off the step.
  if (hi - grid.numbers.back() > 1e-9 * std::max(1.0, std::fabs(hi))) grid.numbers.push_back(hi);
  for (double x : grid.numbers) grid.texts.push_back(number_text(x, integer) + lo_unit);
  return grid;
}

const char* op_text(Target::Op op) {
  switch (op) {
    case Target::Op::lt: return "<";
    case Target::Op::le: return "<=";
    case Target::Op::gt: return ">";
    case Target::Op::ge: return ">=";
    case Target::Op::eq: return "==";
    case Target::Op::ne: return "!=";
  }
  return "?";
}

bool Target::contains(double x) const {
  switch (op) {
    case Op::lt: return x < value;
    case Op::le: return x <= value;
    case Op::gt: return x > value;
    case Op::ge: return x >= value;
    case Op::eq: return x == value;
    case Op::ne: return x != value;
  }
  return false;
}

Target parse_target(const std::string& text) {
  // The operator: the first of <, >, =, ! in the text, one or two characters.
  const auto at = text.find_first_of("<>=!");
  const auto usage = [&](const std::string& why) {
    return std::invalid_argument(fmt::format("\"{}\": {}; expected METRIC OP VALUE such as 'delivery.p99 <= 60s' "
                                             "(OP: <, <=, >, >=, ==, !=)",
                                             text, why));
  };
  if (at == std::string::npos) throw usage("no operator");
  std::string op = text.substr(at, 1);
  if (at + 1 < text.size() && text[at + 1] == '=') op += '=';
  Target t;
  t.text = text;
  if (op == "<") t.op = Target::Op::lt;
  else if (op == "<=") t.op = Target::Op::le;
  else if (op == ">") t.op = Target::Op::gt;
  else if (op == ">=") t.op = Target::Op::ge;
  else if (op == "==") t.op = Target::Op::eq;
  else if (op == "!=") t.op = Target::Op::ne;
  else throw usage(fmt::format("\"{}\" is no operator", op));
  t.metric = trimmed(text.substr(0, at));
  const std::string value = trimmed(text.substr(at + op.size()));
  if (t.metric.empty()) throw usage("no metric before the operator");
  if (t.metric.find_first_of(" \t") != std::string::npos) throw usage(fmt::format("\"{}\" is no metric name", t.metric));
  if (value.empty()) throw usage("no value after the operator");
  std::string unit;
  if (leading_number(value, t.value, unit) && unit.empty()) return t;
  std::string why;
  if (const auto seconds = util::parse_duration(value, &why)) {
    t.value = *seconds;
    return t;
  }
  throw usage(fmt::format("\"{}\" is neither a number nor a duration", value));
}

const char* verdict_text(Verdict v) {
  switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::fails: return "fails";
    case Verdict::undecided: return "not shown";
  }
  return "?";
}

TargetResult judge(const Target& target, const std::vector<double>& samples, double confidence) {
  TargetResult r;
  r.interval = compare::mean_interval(samples, confidence);
  if (samples.size() < 2 || std::isnan(r.interval.half_width)) return r;
  const double lo = r.low(), hi = r.high();
  bool all_in = false, all_out = false;
  switch (target.op) {
    case Target::Op::lt: all_in = hi < target.value; all_out = lo >= target.value; break;
    case Target::Op::le: all_in = hi <= target.value; all_out = lo > target.value; break;
    case Target::Op::gt: all_in = lo > target.value; all_out = hi <= target.value; break;
    case Target::Op::ge: all_in = lo >= target.value; all_out = hi < target.value; break;
    // Equality is shown only by replications that all give the value.
    case Target::Op::eq: all_in = lo == target.value && hi == target.value; all_out = lo > target.value || hi < target.value; break;
    case Target::Op::ne: all_in = lo > target.value || hi < target.value; all_out = lo == target.value && hi == target.value; break;
  }
  r.verdict = all_in ? Verdict::holds : all_out ? Verdict::fails : Verdict::undecided;
  return r;
}

std::size_t bisection_values(std::size_t n) {
  if (n <= 2) return n;
  std::size_t steps = 0;
  for (std::size_t gap = n - 1; gap > 1; gap = (gap + 1) / 2) ++steps;
  return 2 + steps;
}

namespace {

// Which way a target's metric must move along the grid for "holds from some
// value on" to be true: -1 down, +1 up, 0 no direction (== and !=).
int direction(const Target& t, bool maximize) {
  int d = 0;
  if (t.op == Target::Op::lt || t.op == Target::Op::le) d = -1;
  if (t.op == Target::Op::gt || t.op == Target::Op::ge) d = 1;
  return maximize ? -d : d;
}

// How far a value is from meeting its targets: the number that fail or are
// not shown, then the sum of the relative distances of their means.
std::pair<std::size_t, double> shortfall(const std::vector<Target>& targets, const Evaluation& e) {
  std::size_t missing = 0;
  double distance = 0;
  for (std::size_t t = 0; t < targets.size(); ++t) {
    if (e.targets[t].verdict == Verdict::holds) continue;
    ++missing;
    const double scale = std::max(std::fabs(targets[t].value), 1e-12);
    if (e.targets[t].interval.n > 0) distance += std::fabs(e.targets[t].interval.mean - targets[t].value) / scale;
  }
  return {missing, distance};
}

}  // namespace

std::vector<std::string> contradictions(const Grid& grid, const std::vector<Target>& targets, const Options& options,
                                        const std::vector<Evaluation>& evaluations) {
  std::vector<const Evaluation*> by_value;
  for (const auto& e : evaluations) by_value.push_back(&e);
  std::sort(by_value.begin(), by_value.end(), [](auto* a, auto* b) { return a->index < b->index; });
  std::vector<std::string> out;
  // Holding must be upward closed (downward with --maximize).
  for (std::size_t i = 0; i < by_value.size(); ++i)
    for (std::size_t j = i + 1; j < by_value.size(); ++j) {
      const Evaluation* low = by_value[i];
      const Evaluation* high = by_value[j];
      const Evaluation* holding = options.maximize ? high : low;
      const Evaluation* failing = options.maximize ? low : high;
      if (holding->verdict == Verdict::holds && failing->verdict == Verdict::fails)
        out.push_back(fmt::format("the targets hold at {} but fail at {}", grid.texts[holding->index],
                                  grid.texts[failing->index]));
    }
  for (std::size_t t = 0; t < targets.size(); ++t) {
    const int d = direction(targets[t], options.maximize);
    if (d == 0) continue;
    for (std::size_t i = 0; i < by_value.size(); ++i)
      for (std::size_t j = i + 1; j < by_value.size(); ++j) {
        const auto& a = by_value[i]->targets[t];
        const auto& b = by_value[j]->targets[t];
        if (a.interval.n < 2 || b.interval.n < 2 || std::isnan(a.interval.half_width) || std::isnan(b.interval.half_width))
          continue;
        const bool wrong = d < 0 ? b.low() > a.high() : b.high() < a.low();
        if (wrong)
          out.push_back(fmt::format("{} {} from {} at {} to {} at {} (intervals apart), where the search assumes it "
                                    "only {}",
                                    targets[t].metric, d < 0 ? "rises" : "falls",
                                    fmt::format("{:.6g} ± {:.2g}", a.interval.mean, a.interval.half_width),
                                    grid.texts[by_value[i]->index],
                                    fmt::format("{:.6g} ± {:.2g}", b.interval.mean, b.interval.half_width),
                                    grid.texts[by_value[j]->index], d < 0 ? "falls or stays" : "rises or stays"));
      }
  }
  return out;
}

Outcome search(const Grid& grid, const std::vector<Target>& targets, const Options& options, const Evaluator& evaluate) {
  Outcome out;
  const std::size_t n = grid.size();
  std::vector<std::optional<std::size_t>> seen(n);  // position in out.evaluations
  auto run = [&](std::vector<std::size_t> indices) {
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    std::erase_if(indices, [&](std::size_t i) { return seen[i].has_value(); });
    if (indices.empty()) return true;
    const auto samples = evaluate(indices);
    if (!samples) {
      out.complete = false;
      return false;
    }
    for (std::size_t k = 0; k < indices.size(); ++k) {
      Evaluation e;
      e.index = indices[k];
      bool all = true, any_fail = false;
      for (std::size_t t = 0; t < targets.size(); ++t) {
        const auto& values = (*samples)[k][t];
        e.runs = std::max(e.runs, values.size());
        e.targets.push_back(judge(targets[t], values, options.confidence));
        all = all && e.targets.back().verdict == Verdict::holds;
        any_fail = any_fail || e.targets.back().verdict == Verdict::fails;
      }
      e.verdict = all ? Verdict::holds : any_fail ? Verdict::fails : Verdict::undecided;
      seen[e.index] = out.evaluations.size();
      out.evaluations.push_back(std::move(e));
    }
    return true;
  };
  auto holds = [&](std::size_t i) { return out.evaluations[*seen[i]].verdict == Verdict::holds; };
  auto finish = [&] {
    for (const auto& e : out.evaluations) out.runs += e.runs;
    out.contradictions = contradictions(grid, targets, options, out.evaluations);
    if (!out.answer && !out.evaluations.empty()) {
      const Evaluation* best = &out.evaluations.front();
      for (const auto& e : out.evaluations)
        if (shortfall(targets, e) < shortfall(targets, *best)) best = &e;
      out.best = best->index;
    }
    return out;
  };
  if (n == 0) return finish();
  // The end where the targets should hold, and the one where they should not.
  const std::size_t good_end = options.maximize ? 0 : n - 1;
  const std::size_t bad_end = options.maximize ? n - 1 : 0;
  if (!run({bad_end, good_end})) return finish();
  if (holds(bad_end)) {
    out.answer = bad_end;
    return finish();
  }
  if (!holds(good_end)) return finish();
  // Invariant: `fail` does not hold, `good` holds; they close in.
  std::size_t fail = bad_end, good = good_end;
  while (fail + 1 != good && good + 1 != fail) {
    const std::size_t mid = std::min(fail, good) + (std::max(fail, good) - std::min(fail, good)) / 2;
    if (!run({mid})) return finish();
    (holds(mid) ? good : fail) = mid;
  }
  out.answer = good;
  out.neighbour = fail;
  return finish();
}

}  // namespace mxsim::size
