// Diagnostics: what is wrong with a model, said so a person can fix it.
//
// Contract: each Diagnostic names the file, the 1-based line and column (0 when unknown), the
// field's path, a list item named by its id where it has one ("functions[dispatch].bia.rto",
// "people[alice].contacts[0]"), a plain sentence, and where there is one a hint
// ("did you mean 'exo/mapi'?"). Loading and validation collect every problem they find; they
// never stop at the first. Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ebcm::model {

enum class Severity : uint8_t { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;
  uint32_t line = 0;
  uint32_t col = 0;
  std::string path;
  std::string message;
  std::string hint;
  // The path with list positions only ("functions[2].bia.rto" where `path` names the entity,
  // "functions[dispatch].bia.rto"), for finding the line of a JSON diagnostic again; empty
  // when it is `path`. Not part of any output.
  std::string index_path;
};

class Diagnostics {
 public:
  void error(std::string file, uint32_t line, uint32_t col, std::string path, std::string message,
             std::string hint = {});
  void warning(std::string file, uint32_t line, uint32_t col, std::string path, std::string message,
               std::string hint = {});
  void add(Diagnostic d);
  void append(const Diagnostics& other);
  // Drops the diagnostics after the first `count` (taking back a failed attempt).
  void truncate(size_t count);

  // Orders by file, line, column (the order a person fixes them in).
  void sort();

  bool has_errors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  size_t warning_count() const { return items_.size() - errors_; }
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  std::vector<Diagnostic>& mutable_items() { return items_; }

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

// "model.yaml:12:7: error: functions[0].bia.rto: ... (did you mean ...?)" one per line, with
// colour when `colour` is set.
std::string format_text(const Diagnostics& diags, bool colour);
// {"errors": N, "warnings": N, "diagnostics": [{"severity", "file", "line", "column", "path",
// "message", "hint"}]}
std::string format_json(const Diagnostics& diags);

}  // namespace ebcm::model
