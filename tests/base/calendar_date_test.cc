#include "base/calendar_date.h"

#include <gtest/gtest.h>

namespace hitless {
namespace {

CalendarDate d(const char* s) { return *CalendarDate::parse(s); }

TEST(CalendarDate, ParsesStrictIsoDates) {
  auto x = CalendarDate::parse("2026-03-01");
  ASSERT_TRUE(x.isOk());
  EXPECT_EQ(x->year, 2026);
  EXPECT_EQ(x->month, 3u);
  EXPECT_EQ(x->day, 1u);
  EXPECT_EQ(x->toString(), "2026-03-01");
}

TEST(CalendarDate, RejectsMalformedAndImpossibleDates) {
  for (const char* bad : {"", "2026-3-01", "2026-03-1", "2026/03/01", "2026-02-30", "2026-13-01",
                          "2026-00-10", "2025-02-29", "20260301", "2026-03-01x", "abcd-ef-gh"}) {
    EXPECT_FALSE(CalendarDate::parse(bad).isOk()) << bad;
  }
  EXPECT_TRUE(CalendarDate::parse("2024-02-29").isOk());  // leap year
}

TEST(CalendarDate, AddMonthsClampsToMonthEnd) {
  EXPECT_EQ(d("2025-08-31").addMonths(6), d("2026-02-28"));
  EXPECT_EQ(d("2024-08-31").addMonths(-6), d("2024-02-29"));
  EXPECT_EQ(d("2025-01-15").addMonths(18), d("2026-07-15"));
  EXPECT_EQ(d("2026-07-15").addMonths(-18), d("2025-01-15"));
  EXPECT_EQ(d("2025-12-31").addMonths(1), d("2026-01-31"));
}

TEST(CalendarDate, AddDaysCrossesMonthsAndYears) {
  EXPECT_EQ(d("2025-12-31").addDays(1), d("2026-01-01"));
  EXPECT_EQ(d("2026-03-01").addDays(-1), d("2026-02-28"));
  EXPECT_LT(d("2026-01-01"), d("2026-01-02"));
}

}  // namespace
}  // namespace hitless
