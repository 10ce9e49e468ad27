// Binning of model events into timeseries.csv (per server) and queue.csv.
#include "report/timeseries.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "util/csv.hpp"

namespace mxsim::report {

TimeSeries::TimeSeries(std::vector<ServerLabel> servers, double bin, std::ostream* timeseries, std::ostream* queue)
    : labels_(std::move(servers)),
      bin_(bin),
      bin_end_(bin),
      timeseries_(timeseries),
      queue_(queue),
      bin_servers_(labels_.size()),
      in_use_(labels_.size(), 0) {
  if (timeseries_) {
    *timeseries_ << "bin_start_s,host,address";
    for (const auto& field : kServerCounterFields)
      if (field.shows(kInBins)) *timeseries_ << ',' << field.name;
    *timeseries_ << '\n';
  }
  if (queue_) *queue_ << "bin_start_s,submitted,delivered,bounced,deferred,in_flight\n";
}

void TimeSeries::write_bin() {
  const double start = static_cast<double>(bin_index_) * bin_;
  if (timeseries_) {
    for (std::size_t s = 0; s < labels_.size(); ++s) {
      if (!labels_[s].mail_target) continue;
      util::CsvLine line;
      line.raw(fmt::format("{}", start)).text(labels_[s].host).text(labels_[s].address);
      for (const auto& field : kServerCounterFields)
        if (field.shows(kInBins)) line.raw(fmt::format("{}", bin_servers_[s].*field.value));
      *timeseries_ << line.finish();
    }
  }
  if (queue_) {
    util::CsvLine line;
    line.raw(fmt::format("{}", start));
    for (const auto count : {bin_queue_.submitted, bin_queue_.delivered, bin_queue_.bounced, deferred_, in_flight_})
      line.raw(std::to_string(count));
    *queue_ << line.finish();
  }
}

void TimeSeries::close_bins(double t) {
  // Close the current bin, then any empty bins the clock skipped over.
  while (t >= bin_end_) {
    write_bin();
    for (std::size_t s = 0; s < bin_servers_.size(); ++s) bin_servers_[s] = ServerCounters{.peak_sessions = in_use_[s]};
    bin_queue_ = BinQueue{};
    ++bin_index_;
    bin_end_ = static_cast<double>(bin_index_ + 1) * bin_;
  }
}

void TimeSeries::submitted(double t) {
  advance(t);
  ++in_flight_;
  ++bin_queue_.submitted;
}

void TimeSeries::connection(double t, std::uint32_t server) {
  advance(t);
  ++bin_servers_[server].connections;
}

void TimeSeries::connection_closed(double t, std::uint32_t server, std::uint32_t messages) {
  advance(t);
  count_closed(bin_servers_[server], messages);
}

void TimeSeries::attempt_ended(const model::AttemptEnd& a) {
  advance(a.end);
  count_outcome(bin_servers_[a.server], a.outcome);
}

void TimeSeries::session_started(double t, std::uint32_t server) {
  advance(t);
  const auto in_use = ++in_use_[server];
  bin_servers_[server].peak_sessions = std::max(bin_servers_[server].peak_sessions, in_use);
}

void TimeSeries::session_ended(double t, std::uint32_t server) {
  advance(t);
  --in_use_[server];
}

void TimeSeries::delivered(double t, std::uint32_t, double) {
  advance(t);
  --in_flight_;
  ++bin_queue_.delivered;
}

void TimeSeries::bounced(double t, BounceReason) {
  advance(t);
  --in_flight_;
  ++bin_queue_.bounced;
}

void TimeSeries::deferred(double t) {
  advance(t);
  ++deferred_;
}

void TimeSeries::retry_started(double t) {
  advance(t);
  --deferred_;
}

void TimeSeries::finish(double end) {
  // The bin holding `end` is written too, unless `end` is exactly its start
  // and it is not the first bin.
  advance(end);
  if (end > static_cast<double>(bin_index_) * bin_ || bin_index_ == 0) {
    write_bin();
    ++bin_index_;
    bin_end_ = std::numeric_limits<double>::infinity();
  }
}

}  // namespace mxsim::report
