#include "model/json_locate.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "model/json_scan.hpp"

namespace ebcm::model {

namespace {

class Locator {
 public:
  Locator(std::string_view text, const std::vector<Diagnostic*>& diags) : t_(text) {
    for (Diagnostic* d : diags) {
      targets_[d->path].push_back(d);
      prefixes_.insert("");
      for (size_t i = 1; i < d->path.size(); ++i) {
        if (d->path[i] == '.' || d->path[i] == '[') prefixes_.insert(d->path.substr(0, i));
      }
      prefixes_.insert(d->path);
    }
  }

  void run() {
    ws();
    value();
    // Offsets to line:column in one pass.
    std::sort(found_.begin(), found_.end());
    uint32_t line = 1;
    size_t line_start = 0, at = 0;
    for (const auto& [offset, d] : found_) {
      for (; at < offset; ++at) {
        if (t_[at] == '\n') {
          ++line;
          line_start = at + 1;
        }
      }
      d->line = line;
      d->col = static_cast<uint32_t>(offset - line_start + 1);
    }
  }

 private:
  void ws() { i_ = detail::skip_ws(t_, i_); }
  bool at(char c) const { return i_ < t_.size() && t_[i_] == c; }

  void value() {
    if (auto it = targets_.find(path_); it != targets_.end()) {
      for (Diagnostic* d : it->second) found_.emplace_back(i_, d);
    }
    if (i_ >= t_.size()) return;
    const bool descend = prefixes_.count(path_) > 0;
    if (at('{') && descend) {
      ++i_;
      ws();
      while (i_ < t_.size() && !at('}')) {
        std::string key = string_value();
        ws();
        if (at(':')) ++i_;
        ws();
        const size_t keep = path_.size();
        if (!path_.empty()) path_ += '.';
        path_ += key;
        value();
        path_.resize(keep);
        ws();
        if (at(',')) ++i_;
        ws();
      }
      if (at('}')) ++i_;
    } else if (at('[') && descend) {
      ++i_;
      ws();
      for (size_t n = 0; i_ < t_.size() && !at(']'); ++n) {
        const size_t keep = path_.size();
        path_ += '[' + std::to_string(n) + ']';
        value();
        path_.resize(keep);
        ws();
        if (at(',')) ++i_;
        ws();
      }
      if (at(']')) ++i_;
    } else {
      skip();
    }
  }

  std::string string_value() {
    std::string out;
    size_t e = detail::skip_string(t_, i_, &out);
    i_ = e == detail::kNpos ? t_.size() : e;
    return out;
  }

  // Skips one value of any kind without looking inside it.
  void skip() {
    size_t e = detail::skip_value(t_, i_);
    i_ = e == detail::kNpos ? t_.size() : e;
  }

  std::string_view t_;
  size_t i_ = 0;
  std::string path_;
  std::unordered_map<std::string, std::vector<Diagnostic*>> targets_;
  std::unordered_set<std::string> prefixes_;
  std::vector<std::pair<size_t, Diagnostic*>> found_;
};

}  // namespace

void locate_json_paths(std::string_view text, const std::vector<Diagnostic*>& diags) {
  if (diags.empty()) return;
  Locator(text, diags).run();
}

}  // namespace ebcm::model
