#include "model/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

namespace ebcm::model {

void Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::kError) ++errors_;
  items_.push_back(std::move(d));
}

void Diagnostics::error(std::string file, uint32_t line, uint32_t col, std::string path,
                        std::string message, std::string hint) {
  add(Diagnostic{Severity::kError, std::move(file), line, col, std::move(path), std::move(message),
                 std::move(hint)});
}

void Diagnostics::warning(std::string file, uint32_t line, uint32_t col, std::string path,
                          std::string message, std::string hint) {
  add(Diagnostic{Severity::kWarning, std::move(file), line, col, std::move(path),
                 std::move(message), std::move(hint)});
}

void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.items_) add(d);
}

void Diagnostics::truncate(size_t count) {
  while (items_.size() > count) {
    if (items_.back().severity == Severity::kError) --errors_;
    items_.pop_back();
  }
}

void Diagnostics::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.file != b.file) return a.file < b.file;
    if (a.line != b.line) return a.line < b.line;
    return a.col < b.col;
  });
}

std::string format_text(const Diagnostics& diags, bool colour) {
  std::string out;
  const char* bold = colour ? "\033[1m" : "";
  const char* reset = colour ? "\033[0m" : "";
  for (const auto& d : diags.items()) {
    const bool err = d.severity == Severity::kError;
    const char* tone = !colour ? "" : err ? "\033[1;31m" : "\033[1;33m";
    std::string where = d.file;
    if (d.line) where += fmt::format(":{}:{}", d.line, d.col);
    out +=
        fmt::format("{}{}:{} {}{}:{} ", bold, where, reset, tone, err ? "error" : "warning", reset);
    if (!d.path.empty()) out += d.path + ": ";
    out += d.message;
    if (!d.hint.empty()) out += " (" + d.hint + ")";
    out += '\n';
  }
  return out;
}

std::string format_json(const Diagnostics& diags) {
  boost::json::array list;
  for (const auto& d : diags.items()) {
    boost::json::object o;
    o["severity"] = d.severity == Severity::kError ? "error" : "warning";
    o["file"] = d.file;
    o["line"] = d.line;
    o["column"] = d.col;
    o["path"] = d.path;
    o["message"] = d.message;
    if (!d.hint.empty()) o["hint"] = d.hint;
    list.push_back(std::move(o));
  }
  boost::json::object root;
  root["errors"] = diags.error_count();
  root["warnings"] = diags.warning_count();
  root["diagnostics"] = std::move(list);
  return boost::json::serialize(root) + "\n";
}

}  // namespace ebcm::model
