// Static files: confinement, validators, ranges, directory indexes.

#include "static_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>
#include <utility>
#include <vector>

#include "http/date.hpp"
#include "http/uri.hpp"
#include "mime.hpp"

namespace httpd {

namespace {

using http::Response;

// Opens `relative` beneath `root_fd`; -1 with errno on failure (EXDEV or ELOOP: it would leave
// the root).
int open_beneath(int root_fd, const std::string& relative, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const long fd = ::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) {
    return static_cast<int>(fd);
  }
  // No openat2: walk the segments ("..", never present here, was refused already), refusing
  // every symbolic link.
  int dir = root_fd;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = relative.find('/', start);
    const std::string segment = relative.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    const bool last = slash == std::string::npos;
    const int next = ::openat(dir, segment.c_str(), (last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
    const int saved = errno;
    if (dir != root_fd) {
      ::close(dir);
    }
    if (next < 0 || last) {
      errno = saved;
      return next;
    }
    dir = next;
    start = slash + 1;
  }
}

// `path` as a Location that stays on this host: a path starting with "//" (or "/\", which
// browsers read the same) would be a network-path reference, naming another host. Leading
// slashes are folded into one and backslashes sent encoded; both name the same file here.
std::string redirect_path(std::string_view path) {
  std::string out = "/";
  while (path.starts_with('/')) {
    path.remove_prefix(1);
  }
  for (const char c : path) {
    if (c == '\\') {
      out += "%5C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string to_hex(std::uint64_t value) {
  char digits[20];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value, 16);
  (void)error;
  return {digits, end};
}

std::string etag_of(const struct stat& st) {
  const std::uint64_t mtime_ns =
      static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000U + static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  return "\"" + to_hex(static_cast<std::uint64_t>(st.st_size)) + "-" + to_hex(mtime_ns) + "\"";
}

// RFC 9110 section 13.1.2: If-None-Match compares weakly ("*" matches any current file).
bool none_match_hits(std::string_view header, std::string_view etag) {
  bool hit = false;
  http::for_each_element(header, [&](std::string_view tag) {
    if (tag == "*") {
      hit = true;
      return;
    }
    if (tag.starts_with("W/")) {
      tag.remove_prefix(2);
    }
    hit = hit || tag == etag;
  });
  return hit;
}

// A single byte range of a file of `size` bytes (RFC 9110 section 14.1.2).
struct ByteRange {
  enum class Kind { none, satisfiable, unsatisfiable } kind = Kind::none;
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

bool parse_number(std::string_view text, std::uint64_t& out) {
  if (text.empty()) {
    return false;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

// Ranges the server cannot parse, or several ranges, are ignored: the whole file is sent,
// which RFC 9110 permits.
ByteRange parse_range(std::string_view header, std::uint64_t size) {
  ByteRange range;
  if (!header.starts_with("bytes=")) {
    return range;
  }
  header.remove_prefix(6);
  if (header.find(',') != std::string_view::npos) {
    return range;
  }
  const std::size_t dash = header.find('-');
  if (dash == std::string_view::npos) {
    return range;
  }
  const std::string_view first_text = header.substr(0, dash);
  const std::string_view last_text = header.substr(dash + 1);
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (first_text.empty()) {  // "-N": the last N bytes
    if (!parse_number(last_text, last)) {
      return range;
    }
    if (last == 0 || size == 0) {
      range.kind = ByteRange::Kind::unsatisfiable;
      return range;
    }
    range.kind = ByteRange::Kind::satisfiable;
    range.length = std::min(last, size);
    range.first = size - range.length;
    return range;
  }
  if (!parse_number(first_text, first) || (!last_text.empty() && !parse_number(last_text, last))) {
    return range;
  }
  if (!last_text.empty() && last < first) {
    return range;  // invalid: ignored
  }
  if (first >= size) {
    range.kind = ByteRange::Kind::unsatisfiable;
    return range;
  }
  const std::uint64_t end = last_text.empty() ? size - 1 : std::min(last, size - 1);
  range.kind = ByteRange::Kind::satisfiable;
  range.first = first;
  range.length = end - first + 1;
  return range;
}

Response file_response(const http::Request& request, int fd, const struct stat& st, std::string_view name) {
  const std::string etag = etag_of(st);
  const std::string last_modified = http::format_http_date(st.st_mtim.tv_sec);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  Response response;
  response.content_type = mime_type(name);
  response.headers = "Last-Modified: " + last_modified + "\r\nETag: " + etag + "\r\nAccept-Ranges: bytes\r\n";

  // Conditional requests (RFC 9110 section 13.2.2): If-None-Match wins over If-Modified-Since.
  bool not_modified = false;
  if (const auto none_match = request.header("if-none-match")) {
    not_modified = none_match_hits(*none_match, etag);
  } else if (const auto since = request.header("if-modified-since")) {
    const auto since_time = http::parse_http_date(*since);
    not_modified = since_time && st.st_mtim.tv_sec <= *since_time;
  }
  if (not_modified) {
    ::close(fd);
    response.status = 304;
    response.length_without_body = size;
    return response;
  }

  ByteRange range;
  if (request.method_id == http::Method::get) {
    if (const auto range_header = request.header("range")) {
      bool applies = true;
      if (const auto if_range = request.header("if-range")) {
        // A strong validator must match exactly; a date must be the Last-Modified itself.
        applies = if_range->starts_with('"') ? *if_range == etag : *if_range == last_modified;
      }
      if (applies) {
        range = parse_range(*range_header, size);
      }
    }
  }
  if (range.kind == ByteRange::Kind::unsatisfiable) {
    ::close(fd);
    Response refused = Response::error(416);
    refused.headers = "Content-Range: bytes */" + std::to_string(size) + "\r\n";
    return refused;
  }
  std::uint64_t first = 0;
  std::uint64_t length = size;
  if (range.kind == ByteRange::Kind::satisfiable) {
    response.status = 206;
    first = range.first;
    length = range.length;
    response.headers += "Content-Range: bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) +
                        "/" + std::to_string(size) + "\r\n";
  }
  if (request.method_id == http::Method::head) {
    ::close(fd);
    response.length_without_body = length;
    return response;
  }
  if (length < StaticFiles::read_into_memory_below) {
    response.body.resize(length);
    std::size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd, response.body.data() + done, length - done, static_cast<off_t>(first + done));
      if (n <= 0) {
        break;  // shrank under us: the file is not what fstat said
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (done != length) {
      return Response::error(500);
    }
    return response;
  }
  response.file = std::make_shared<http::OpenFile>(fd);
  response.file_offset = first;
  response.file_length = length;
  return response;
}

Response directory_listing(int dir_fd, std::string_view url_path) {
  const int listing_fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ::close(dir_fd);
  DIR* dir = listing_fd >= 0 ? ::fdopendir(listing_fd) : nullptr;
  if (dir == nullptr) {
    if (listing_fd >= 0) {
      ::close(listing_fd);
    }
    return Response::error(403);
  }
  std::vector<std::pair<std::string, bool>> entries;  // name, is a directory
  while (const dirent* entry = ::readdir(dir)) {      // NOLINT(concurrency-mt-unsafe): a DIR of its own
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    entries.emplace_back(std::string(name), entry->d_type == DT_DIR);
  }
  ::closedir(dir);
  std::sort(entries.begin(), entries.end());
  const std::string title = http::html_escape(url_path);
  Response response;
  response.content_type = "text/html; charset=utf-8";
  response.body = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of " + title +
                  "</title></head>\n<body><h1>Index of " + title + "</h1>\n<ul>\n";
  if (url_path != "/") {
    response.body += "<li><a href=\"../\">../</a></li>\n";
  }
  for (const auto& [name, is_dir] : entries) {
    const std::string shown = name + (is_dir ? "/" : "");
    response.body += "<li><a href=\"" + http::html_escape(http::percent_encode_segment(name)) + (is_dir ? "/" : "") +
                     "\">" + http::html_escape(shown) + "</a></li>\n";
  }
  response.body += "</ul></body></html>\n";
  return response;
}

}  // namespace

std::optional<StaticFiles> StaticFiles::open(const std::string& root, std::string& error) {
  const int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    error = root + ": " + std::error_code(errno, std::system_category()).message();
    return std::nullopt;
  }
  return StaticFiles(fd);
}

StaticFiles::StaticFiles(StaticFiles&& other) noexcept : root_fd_(std::exchange(other.root_fd_, -1)) {}

StaticFiles& StaticFiles::operator=(StaticFiles&& other) noexcept {
  std::swap(root_fd_, other.root_fd_);
  return *this;
}

StaticFiles::~StaticFiles() {
  if (root_fd_ >= 0) {
    ::close(root_fd_);
  }
}

Response StaticFiles::serve(const http::Request& request, std::string_view relative) const {
  std::string decoded;
  if (!http::percent_decode(relative, decoded)) {
    return Response::error(400);
  }
  if (decoded.find('\0') != std::string::npos) {
    return Response::error(404);
  }
  // Normalize: drop empty and "." segments; refuse "..".
  std::string path;
  std::size_t start = 0;
  while (start <= decoded.size()) {
    const std::size_t slash = std::min(decoded.find('/', start), decoded.size());
    const std::string_view segment = std::string_view(decoded).substr(start, slash - start);
    if (segment == "..") {
      return Response::error(403);
    }
    if (!segment.empty() && segment != ".") {
      if (!path.empty()) {
        path += '/';
      }
      path += segment;
    }
    start = slash + 1;
  }
  if (path.empty()) {
    path = ".";
  }
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below anyway).
  const int fd = open_beneath(root_fd_, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    return Response::error(errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG ? 404 : 403);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Response::error(500);
  }
  if (S_ISDIR(st.st_mode)) {
    if (!request.path.ends_with('/')) {
      ::close(fd);
      Response moved = Response::error(301);
      moved.headers = "Location: " + redirect_path(request.path) + "/";
      if (!request.query.empty()) {
        moved.headers += "?" + std::string(request.query);
      }
      moved.headers += "\r\n";
      return moved;
    }
    const int index = open_beneath(fd, "index.html", O_RDONLY | O_NONBLOCK | O_NOCTTY);
    struct stat index_st {};
    if (index >= 0 && ::fstat(index, &index_st) == 0 && S_ISREG(index_st.st_mode)) {
      ::close(fd);
      return file_response(request, index, index_st, "index.html");
    }
    if (index >= 0) {
      ::close(index);
    }
    return directory_listing(fd, request.path);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Response::error(403);
  }
  return file_response(request, fd, st, path);
}

}  // namespace httpd
