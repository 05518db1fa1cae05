// HTTP dates.

#include "date.hpp"

#include <array>
#include <cstdio>
#include <cstring>

namespace httpd::http {

namespace {

constexpr std::array<const char*, 7> day_names = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::size_t date_length = 29;

// Room for any year the int fields could hold; an HTTP date of a sane clock takes 29 bytes.
constexpr std::size_t date_buffer = 64;

void format_into(std::time_t time, char (&out)[date_buffer]) noexcept {
  std::tm utc{};
  gmtime_r(&time, &utc);
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                day_names[static_cast<std::size_t>(utc.tm_wday)], utc.tm_mday,
                month_names[static_cast<std::size_t>(utc.tm_mon)], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
}

int month_index(const char* name) noexcept {
  for (std::size_t i = 0; i < month_names.size(); ++i) {
    if (std::strncmp(name, month_names[i], 3) == 0) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

std::string_view http_date_now() noexcept {
  thread_local std::time_t cached_second = -1;
  thread_local char cached[date_buffer];
  timespec now{};
  // The coarse clock is read without a system call and is precise enough for whole seconds.
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  if (now.tv_sec != cached_second) {
    cached_second = now.tv_sec;
    format_into(now.tv_sec, cached);
  }
  return {cached, date_length};
}

std::string format_http_date(std::time_t time) {
  char out[date_buffer];
  format_into(time, out);
  return {out, date_length};
}

std::optional<std::time_t> parse_http_date(std::string_view text) noexcept {
  if (text.size() > 64) {
    return std::nullopt;
  }
  char copy[65];
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  char month[4] = {};
  char zone[4] = {};
  int day = 0;
  int year = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int used = 0;
  std::tm tm{};
  // NOLINTBEGIN(cert-err34-c): the field widths bound every conversion; `used` checks the end.
  const auto whole = [&](int converted, int expected) {
    return converted == expected && static_cast<std::size_t>(used) == text.size();
  };
  const bool imf_fixdate = whole(std::sscanf(copy, "%*3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", &day, month,
                                             &year, &hour, &minute, &second, zone, &used),
                                 7) &&
                           std::strcmp(zone, "GMT") == 0;
  const bool rfc850 = !imf_fixdate &&
                      whole(std::sscanf(copy, "%*[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d %3[A-Z]%n", &day, month,
                                        &year, &hour, &minute, &second, zone, &used),
                            7) &&
                      std::strcmp(zone, "GMT") == 0;
  const bool asctime = !imf_fixdate && !rfc850 &&
                       whole(std::sscanf(copy, "%*3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", month, &day, &hour,
                                         &minute, &second, &year, &used),
                             6);
  // NOLINTEND(cert-err34-c)
  if (!imf_fixdate && !rfc850 && !asctime) {
    return std::nullopt;
  }
  if (rfc850) {
    year += year < 70 ? 2000 : 1900;  // its two-digit year
  }
  const int mon = month_index(month);
  if (mon < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || year < 1970) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return timegm(&tm);
}

}  // namespace httpd::http
