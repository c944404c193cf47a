#include "base/calendar_date.h"

#include <chrono>
#include <cstdio>

namespace hitless {
namespace {

namespace chr = std::chrono;

chr::year_month_day toYmd(const CalendarDate& d) {
  return chr::year_month_day{chr::year{d.year}, chr::month{d.month}, chr::day{d.day}};
}

CalendarDate fromYmd(const chr::year_month_day& ymd) {
  return CalendarDate{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                      static_cast<unsigned>(ymd.day())};
}

bool parseDigits(std::string_view s, int* out) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return !s.empty();
}

}  // namespace

Result<CalendarDate> CalendarDate::parse(std::string_view text) {
  auto bad = [&] {
    return Status::invalidArgument("date '" + std::string(text) +
                                   "' is not a valid YYYY-MM-DD date");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int y = 0, m = 0, d = 0;
  if (!parseDigits(text.substr(0, 4), &y) || !parseDigits(text.substr(5, 2), &m) ||
      !parseDigits(text.substr(8, 2), &d)) {
    return bad();
  }
  CalendarDate date{y, static_cast<unsigned>(m), static_cast<unsigned>(d)};
  if (!toYmd(date).ok()) return bad();
  return date;
}

CalendarDate CalendarDate::addMonths(int months) const {
  chr::year_month_day ymd = toYmd(*this) + chr::months{months};
  if (!ymd.ok()) ymd = chr::year_month_day_last{ymd.year(), chr::month_day_last{ymd.month()}};
  return fromYmd(ymd);
}

CalendarDate CalendarDate::addDays(int days) const {
  return fromYmd(chr::year_month_day{chr::sys_days{toYmd(*this)} + chr::days{days}});
}

std::string CalendarDate::toString() const {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", year, month, day);
  return buf;
}

}  // namespace hitless
