// ProgressBar: see progress.h.
#include "progress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace strata::cli {
namespace {

constexpr auto kTerminalInterval = std::chrono::milliseconds(200);
constexpr auto kPlainInterval = std::chrono::seconds(5);
constexpr int kBarWidth = 24;

std::string amount(int64_t n, const std::string& unit) {
  if (unit == "bytes") return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1 << 20));
  return groupThousands(n) + " " + unit;
}

std::string duration(double seconds) {
  auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

std::string groupThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

bool ProgressBar::stderrIsTerminal() { return isatty(fileno(stderr)) == 1; }

ProgressBar::ProgressBar(std::string label, std::string unit, int64_t total, bool enabled)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled),
      tty_(stderrIsTerminal()),
      start_(std::chrono::steady_clock::now()),
      lastDraw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(int64_t done, int64_t total) {
  std::lock_guard lock(mu_);
  if (firstDone_ < 0) {
    firstDone_ = done;
    start_ = std::chrono::steady_clock::now();
  }
  done_ = done;
  if (total >= 0) total_ = total;
  if (!enabled_ || finished_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - lastDraw_ < (tty_ ? kTerminalInterval : kPlainInterval)) return;
  lastDraw_ = now;
  draw(false);
}

void ProgressBar::finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (enabled_ && firstDone_ >= 0) draw(true);
}

void ProgressBar::draw(bool final) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate =
      elapsed > 0 ? static_cast<double>(done_ - std::max<int64_t>(firstDone_, 0)) / elapsed : 0;
  std::string line = label_ + "  ";
  if (total_ > 0) {
    double fraction = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    int filled = static_cast<int>(fraction * kBarWidth);
    line += "[" + std::string(static_cast<size_t>(filled), '=') + (filled < kBarWidth ? ">" : "") +
            std::string(static_cast<size_t>(std::max(0, kBarWidth - filled - 1)), ' ') + "] ";
    line +=
        fmt::format("{:3.0f}%  {}/{}", fraction * 100, amount(done_, unit_), amount(total_, unit_));
  } else {
    line += amount(done_, unit_);
  }
  if (unit_ == "bytes") {
    line += fmt::format("  {:.1f} MB/s", rate / 1e6);
  } else {
    line += fmt::format("  {} {}/s", groupThousands(static_cast<int64_t>(rate)), unit_);
  }
  if (final) {
    line += "  in " + duration(elapsed);
  } else if (total_ > 0 && rate > 0) {
    line += "  ETA " + duration(static_cast<double>(total_ - done_) / rate);
  }
  if (tty_) {
    fmt::print(stderr, "\r{}\x1b[K{}", line, final ? "\n" : "");
  } else {
    fmt::print(stderr, "{}\n", line);
  }
  std::fflush(stderr);
}

}  // namespace strata::cli
