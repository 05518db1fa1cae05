// Output bookkeeping.

#include "output.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

namespace httpd::http {

OpenFile::~OpenFile() {
  if (fd >= 0) {
    ::close(fd);
  }
}

void Output::add_owned(std::size_t offset, std::size_t length) {
  // Grow the last piece when it is owned and ends where this begins.
  if (!pieces_.empty() && pieces_.size() > first_) {
    Piece& last = pieces_.back();
    if (last.kind == Piece::Kind::owned && last.offset + last.length == offset) {
      last.length += length;
      pending_ += length;
      return;
    }
  }
  pieces_.push_back(Piece{Piece::Kind::owned, offset, nullptr, length, nullptr});
  pending_ += length;
}

char* Output::append_space(std::size_t length) {
  if (owned_size_ + length > owned_capacity_) {
    const std::size_t capacity = std::max({owned_capacity_ * 2, owned_size_ + length, std::size_t{1024}});
    auto grown = std::make_unique_for_overwrite<char[]>(capacity);
    if (owned_size_ > 0) {
      std::memcpy(grown.get(), owned_.get(), owned_size_);
    }
    owned_ = std::move(grown);
    owned_capacity_ = capacity;
  }
  const std::size_t offset = owned_size_;
  owned_size_ += length;
  add_owned(offset, length);
  return owned_.get() + offset;
}

void Output::append(std::string_view bytes) {
  if (!bytes.empty()) {
    std::memcpy(append_space(bytes.size()), bytes.data(), bytes.size());
  }
}

void Output::append_number(std::size_t value) {
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  (void)error;
  append(std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

void Output::append_external(std::string_view bytes) {
  if (bytes.empty()) {
    return;
  }
  pieces_.push_back(Piece{Piece::Kind::external, 0, bytes.data(), bytes.size(), nullptr});
  pending_ += bytes.size();
}

void Output::append_file(std::shared_ptr<OpenFile> file, off_t offset, std::size_t length) {
  if (length == 0) {
    return;
  }
  pieces_.push_back(Piece{Piece::Kind::file, static_cast<std::size_t>(offset), nullptr, length, std::move(file)});
  pending_ += length;
}

std::string_view Output::bytes(const Piece& piece) const noexcept {
  if (piece.kind == Piece::Kind::owned) {
    return {owned_.get() + piece.offset, piece.length};
  }
  return {piece.data, piece.length};
}

void Output::consume(std::size_t count) noexcept {
  pending_ -= count;
  while (count > 0 && first_ < pieces_.size()) {
    Piece& piece = pieces_[first_];
    const std::size_t taken = std::min(count, piece.length);
    piece.length -= taken;
    count -= taken;
    if (piece.kind == Piece::Kind::external) {
      piece.data += taken;
    } else {
      piece.offset += taken;
    }
    if (piece.length == 0) {
      piece.file.reset();
      ++first_;
    }
  }
  if (first_ == pieces_.size()) {  // all sent: start over, keeping the capacity
    pieces_.clear();
    owned_size_ = 0;
    first_ = 0;
  }
}

void Output::release() noexcept {
  if (pieces_.empty()) {
    owned_.reset();
    owned_size_ = 0;
    owned_capacity_ = 0;
    std::vector<Piece>().swap(pieces_);
    first_ = 0;
  }
}

}  // namespace httpd::http
