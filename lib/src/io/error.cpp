// The error category of wakeful::io::errc.

#include <string>

#include "wakeful/io/result.hpp"

namespace wakeful::io {

namespace {
class Category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "wakeful"; }
  [[nodiscard]] std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::runtime_shut_down:
        return "the runtime that owns this I/O object has shut down";
      case errc::not_on_worker:
        return "I/O objects must be created on a runtime worker thread";
    }
    return "unknown wakeful error";
  }
};
}  // namespace

const std::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace wakeful::io
