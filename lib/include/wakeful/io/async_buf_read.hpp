#pragma once
// io::AsyncBufRead: a reader with a buffer of its own that it lends out (tokio's AsyncBufRead),
// and what such a reader gets: read_until, read_line and a Stream of lines.
//
// poll_fill_buf lends the buffered bytes (reading more first only when there are none), and
// consume(n) says the first n of them are used. Scanning the lent bytes for a delimiter, then
// consuming exactly up to it, leaves everything after it for the next call: nothing is read
// twice and nothing is lost. BufReader is the usual such reader.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "wakeful/context.hpp"
#include "wakeful/io/result.hpp"
#include "wakeful/poll.hpp"

namespace wakeful::io {

/// A buffered byte source: `poll_fill_buf(cx)` is Ready with the bytes buffered (empty only at
/// the end of the stream), reading more first if none are; `consume(n)` marks the first `n`
/// of them used. The lent span is valid until the next call on the reader.
template <class R>
concept AsyncBufRead = requires(R& reader, Context& cx, std::size_t n) {
  { reader.poll_fill_buf(cx) } -> std::same_as<Poll<Result<std::span<const std::byte>>>>;
  reader.consume(n);
};

namespace detail {

inline void append_bytes(std::vector<std::byte>& out, std::span<const std::byte> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}
inline void append_bytes(std::string& out, std::span<const std::byte> bytes) {
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());  // NOLINT: chars of bytes
}

// Moves bytes from `reader` to `out` up to and including `delimiter` (or to the end of the
// stream), adding the count to `moved`. Ready with the total moved (0: the stream had ended).
template <AsyncBufRead R, class Out>
Poll<Result<std::size_t>> poll_read_until(Context& cx, R& reader, std::byte delimiter, Out& out, std::size_t& moved) {
  for (;;) {
    Poll<Result<std::span<const std::byte>>> filled = reader.poll_fill_buf(cx);
    if (filled.is_pending()) {
      return Pending;
    }
    if (!filled->ok()) {
      return Poll<Result<std::size_t>>(std::in_place, filled->error());
    }
    const std::span<const std::byte> available = **filled;
    if (available.empty()) {
      return Poll<Result<std::size_t>>(std::in_place, moved);
    }
    const auto found = std::find(available.begin(), available.end(), delimiter);
    const bool complete = found != available.end();
    const auto used = static_cast<std::size_t>(found - available.begin()) + (complete ? 1 : 0);
    append_bytes(out, available.first(used));
    reader.consume(used);
    moved += used;
    if (complete) {
      return Poll<Result<std::size_t>>(std::in_place, moved);
    }
  }
}

}  // namespace detail

/// The future of io::read_until and io::read_line.
template <AsyncBufRead R, class Out>
class [[nodiscard]] ReadUntil {
 public:
  /// Borrows `reader` and `out` (see io::read_until).
  ReadUntil(R& reader, std::byte delimiter, Out& out) noexcept : reader_(&reader), out_(&out), delimiter_(delimiter) {}
  /// The bytes appended, the delimiter included if one came (0 at the end of the stream); or
  /// the error (the bytes appended before it stay).
  Poll<Result<std::size_t>> poll(Context& cx) {
    return detail::poll_read_until(cx, *reader_, delimiter_, *out_, moved_);
  }

 private:
  R* reader_;
  Out* out_;
  std::byte delimiter_;
  std::size_t moved_ = 0;
};

/// Appends bytes to `out` up to and including `delimiter`, or to the end of the stream: the
/// count appended, 0 at the end. Cancel safe: dropped midway, what it consumed is in `out`, so
/// a new read_until on the same `out` finishes the record.
template <AsyncBufRead R>
ReadUntil<R, std::vector<std::byte>> read_until(R& reader, std::byte delimiter, std::vector<std::byte>& out) noexcept {
  return {reader, delimiter, out};
}

/// Appends a line, its '\n' included, to `line`: the count appended, 0 at the end of the
/// stream. No limit on the length: for input from a peer, bound it (codec::LinesCodec does).
/// The bytes are not checked for UTF-8. Cancel safe in the sense of read_until.
template <AsyncBufRead R>
ReadUntil<R, std::string> read_line(R& reader, std::string& line) noexcept {
  return {reader, std::byte{'\n'}, line};
}

/// A Stream of the lines of a buffered reader, which it owns: each line without its "\n" or
/// "\r\n"; the last one even if unterminated. An error is the last item. Cancel safe: a line
/// read in part stays in the stream until it is complete.
template <AsyncBufRead R>
class Lines {
 public:
  /// Takes over `reader`.
  explicit Lines(R reader) : reader_(std::move(reader)) {}

  /// The next line, std::nullopt at the end, or an error (then the end).
  Poll<std::optional<Result<std::string>>> poll_next(Context& cx) {
    using Item = std::optional<Result<std::string>>;
    if (done_) {
      return Poll<Item>(std::in_place, std::nullopt);
    }
    std::size_t moved = 0;
    Poll<Result<std::size_t>> read = detail::poll_read_until(cx, reader_, std::byte{'\n'}, line_, moved);
    if (read.is_pending()) {
      return Pending;
    }
    if (!read->ok()) {
      done_ = true;
      return Poll<Item>(std::in_place, read->error());
    }
    if (**read == 0 || line_.back() != '\n') {  // the end of the stream
      done_ = true;
      if (line_.empty()) {
        return Poll<Item>(std::in_place, std::nullopt);
      }
    } else {
      line_.pop_back();
      if (!line_.empty() && line_.back() == '\r') {
        line_.pop_back();
      }
    }
    return Poll<Item>(std::in_place, std::exchange(line_, std::string()));
  }

  /// The reader (a partly read line stays here, not in the reader).
  R& get_mut() noexcept { return reader_; }
  /// The reader, given back.
  R into_inner() && { return std::move(reader_); }

 private:
  R reader_;
  std::string line_;  // the line read so far
  bool done_ = false;
};

/// The lines of `reader` as a Stream: `while (auto line = co_await next(lines)) { ... }`.
template <AsyncBufRead R>
Lines<R> lines(R reader) {
  return Lines<R>(std::move(reader));
}

}  // namespace wakeful::io
