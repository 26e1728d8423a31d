// Errors as values. Recoverable errors travel in the return value; only main() and the HTTP
// handlers turn them into an exit code or a status. Written so it can become std::expected.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace sysjourney {

// What went wrong, with enough context to fix it: the field, the value given and what is
// allowed. `where` names the place in a model file ("stages.toml:12") when there is one.
struct Error {
  std::string message;
  std::string field;
  std::string value;
  std::string allowed;
  std::string where;
  // The errno the kernel itself would answer (e.g. "EINVAL" for a misaligned O_DIRECT read),
  // when the refusal is the call's own result rather than a gap in the model.
  std::string errno_name{};
};

// Builds the one-line form used on the terminal: "where: message".
std::string describe(const Error& e);

// An error that is only a message: failure("queued data did not arrive within 1 s").
Error failure(std::string message);

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace sysjourney
