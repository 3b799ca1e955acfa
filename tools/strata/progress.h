// A progress line for long CLI commands (blob put/get, import), drawn on stderr.
//
// On a terminal (isatty(stderr)) it redraws one line in place at most 5 times a second:
//   import kv  [=========>          ]  48%  480,000/1,000,000 rows  95,310 rows/s  ETA 5s
// When stderr is not a terminal it prints a plain line at most every 5 seconds, so logs stay
// readable. finish() prints the final line in both cases. With an unknown total (< 0) the bar and
// ETA are left out.
//
// Thread safety: thread-safe (update() is called from writer threads).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace strata::cli {

class ProgressBar {
 public:
  // `unit` names what is counted ("rows", "bytes"; "bytes" prints MiB). `total` < 0: unknown.
  // `enabled` false: prints nothing at all (--quiet).
  ProgressBar(std::string label, std::string unit, int64_t total, bool enabled = true);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Sets the amount done (absolute) and, when `total` >= 0, a new (estimated) total; redraws if
  // enough time has passed. Rates and the ETA count from the first update (so work resumed from
  // an earlier run does not inflate them).
  void update(int64_t done, int64_t total = -1);
  // Draws the final state and ends the line (nothing if update() was never called). Idempotent.
  void finish();

  // True when stderr is a terminal.
  [[nodiscard]] static bool stderrIsTerminal();

 private:
  void draw(bool final);  // requires mu_ held

  std::mutex mu_;
  std::string label_;
  std::string unit_;
  int64_t total_;
  bool enabled_;
  bool tty_;
  bool finished_ = false;
  int64_t done_ = 0;
  int64_t firstDone_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point lastDraw_;
};

// "1,234,567".
[[nodiscard]] std::string groupThousands(int64_t n);

}  // namespace strata::cli
