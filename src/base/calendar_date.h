// CalendarDate: a civil date (no time zone), as written in image manifests ("2026-03-01").
//
// Used by the version policy's rolling window, so month arithmetic follows the calendar:
// adding months keeps the day of month, clamped to the last day of a shorter month
// (2025-08-31 + 6 months = 2026-02-28).
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hitless {

struct CalendarDate {
  int year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31, valid for the month

  // Strict "YYYY-MM-DD"; rejects anything else, including impossible dates (2026-02-30).
  static Result<CalendarDate> parse(std::string_view text);

  CalendarDate addMonths(int months) const;
  CalendarDate addDays(int days) const;
  std::string toString() const;

  auto operator<=>(const CalendarDate&) const = default;
};

}  // namespace hitless
