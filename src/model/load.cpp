#include "model/load.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <type_traits>
#include <unordered_set>

#include "model/codec.hpp"
#include "model/json_locate.hpp"
#include "model/json_scan.hpp"
#include "model/validate.hpp"

namespace ebcm::model {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr uintmax_t kMaxYamlBytes = 256ull << 20;  // yaml-cpp needs ~20x the text in memory
constexpr uintmax_t kMaxJsonBytes = 4ull << 30;

Pos pos_at(std::string_view text, size_t offset) {
  Pos p{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.col = 1;
    } else {
      ++p.col;
    }
  }
  return p;
}

json::value yaml_to_json(const YAML::Node& n, Diagnostics& diags, const std::string& file) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return json::string(n.Scalar());
    case YAML::NodeType::Sequence: {
      json::array a;
      a.reserve(n.size());
      for (const auto& item : n) a.push_back(yaml_to_json(item, diags, file));
      return a;
    }
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : n) {
        const auto& key = kv.first;
        const auto mark = key.Mark();
        if (!key.IsScalar()) {
          diags.error(file, mark.line + 1, mark.column + 1, "", "a key must be plain text");
          continue;
        }
        if (o.contains(key.Scalar())) {
          diags.error(file, mark.line + 1, mark.column + 1, "",
                      fmt::format("key '{}' is given twice in the same mapping", key.Scalar()),
                      "remove or rename one of them");
          continue;
        }
        o.emplace(key.Scalar(), yaml_to_json(kv.second, diags, file));
      }
      return o;
    }
    default:
      return nullptr;
  }
}

// Second pass: the values are in place now, so their addresses are stable.
void record_positions(const YAML::Node& y, const json::value& j, detail::PosMap& map) {
  const auto mark = y.Mark();
  map.set(&j, Pos{static_cast<uint32_t>(mark.line + 1), static_cast<uint32_t>(mark.column + 1)});
  if (y.IsSequence() && j.is_array()) {
    const auto& a = j.get_array();
    for (size_t i = 0; i < y.size() && i < a.size(); ++i) record_positions(y[i], a[i], map);
  } else if (y.IsMap() && j.is_object()) {
    std::unordered_set<std::string> seen;
    for (const auto& kv : y) {
      if (!kv.first.IsScalar() || !seen.insert(kv.first.Scalar()).second) continue;
      if (const auto* v = j.get_object().if_contains(kv.first.Scalar())) {
        record_positions(kv.second, *v, map);
      }
    }
  }
}

struct Merge {
  Model model;
  Diagnostics diags;
  bool version = false;
  std::string organization_file;
  std::vector<JsonItemSpans> json_items;

  // What a file's document declared; the organization may be described once only.
  void note(const detail::Reader::DocumentInfo& info, const std::string& name, Pos org) {
    version = version || info.version;
    if (!info.organization) return;
    if (!organization_file.empty()) {
      diags.error(name, org.line, org.col, "organization",
                  fmt::format("the organization is already described in {}", organization_file),
                  "describe it in one file only");
    }
    organization_file = name;
  }
};

void read_yaml(std::string_view text, const std::string& name, uint32_t index, Merge& m) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    m.diags.error(name, e.mark.line + 1, e.mark.column + 1, "",
                  fmt::format("not valid YAML: {}", e.msg));
    return;
  }
  if (!root.IsDefined() || root.IsNull()) {
    m.diags.error(name, 1, 1, "", "the file is empty", "a model starts with 'ebcm: 1'");
    return;
  }
  json::value doc = yaml_to_json(root, m.diags, name);
  detail::PosMap positions;
  record_positions(root, doc, positions);
  detail::Reader reader(m.diags, name, index, &positions, /*yaml=*/true);
  auto info = reader.read_document(doc, m.model);
  const auto* org = doc.is_object() ? doc.get_object().if_contains("organization") : nullptr;
  m.note(info, name, org ? positions.get(*org) : Pos{});
}

// The whole document through Boost.JSON, for what the streaming reader does not take: a
// malformed document (so the parser names the error and its place) or an unusual shape.
void read_json_whole(std::string_view text, const std::string& name, uint32_t index, Merge& m) {
  json::monotonic_resource arena;
  json::stream_parser parser;
  parser.reset(&arena);  // the resource for the resulting value (the constructor's is scratch)
  boost::system::error_code ec;
  size_t used = parser.write_some(text.data(), text.size(), ec);
  if (!ec && used == text.size()) parser.finish(ec);
  if (ec || !parser.done()) {
    Pos p = pos_at(text, used);
    m.diags.error(name, p.line, p.col, "", fmt::format("not valid JSON: {}", ec.message()));
    return;
  }
  json::value doc = parser.release();
  detail::Reader reader(m.diags, name, index, nullptr, /*yaml=*/false);
  m.note(reader.read_document(doc, m.model), name, Pos{});
}

bool is_section(std::string_view key) {
  for (const char* s : detail::kSections) {
    if (key == s) return true;
  }
  return false;
}

// A top-level object whose sections are read one item at a time: each item is parsed into a
// small arena that is reused, so a million-node model never exists twice in memory and the
// parsed values stay in the cache while they are read. Returns false, having read nothing
// into `m`, if the text is not well-formed enough to stream; the caller then parses it whole.
//
// Each part's arena is renewed every batch of items rather than release()d: release() in
// Boost 1.81 leaves a monotonic_resource unable to allocate again.
bool read_json_streaming(std::string_view t, const std::string& name, uint32_t index, Merge& m) {
  using detail::kNpos;
  using detail::skip_ws;
  size_t i = skip_ws(t, 0);
  if (i >= t.size() || t[i] != '{') return false;
  // First a dry run over the structure, so that a malformed file is refused before any of it
  // reaches the model.
  struct Part {
    std::string key;
    size_t begin, end;
  };
  std::vector<Part> parts;
  for (i = skip_ws(t, i + 1); i < t.size() && t[i] != '}';) {
    Part p;
    i = detail::skip_string(t, i, &p.key);
    if (i == kNpos) return false;
    i = skip_ws(t, i);
    if (i >= t.size() || t[i] != ':') return false;
    p.begin = skip_ws(t, i + 1);
    p.end = detail::skip_value(t, p.begin);
    if (p.end == kNpos) return false;
    parts.push_back(std::move(p));
    i = skip_ws(t, parts.back().end);
    if (i < t.size() && t[i] == ',') i = skip_ws(t, i + 1);
  }
  if (i >= t.size() || skip_ws(t, i + 1) != t.size()) return false;

  detail::Reader reader(m.diags, name, index, nullptr, /*yaml=*/false);
  json::object head;
  std::vector<std::pair<std::string, std::vector<std::pair<uint64_t, uint64_t>>>> sections;
  for (const auto& p : parts) {
    if (is_section(p.key) && t[p.begin] == '[') {
      std::vector<std::pair<uint64_t, uint64_t>> items;
      size_t j = skip_ws(t, p.begin + 1);
      while (j < p.end - 1) {
        size_t e = detail::skip_value(t, j);
        if (e == kNpos || e > p.end) return false;
        items.emplace_back(j, e);
        j = skip_ws(t, e);
        if (j < p.end && t[j] == ',') j = skip_ws(t, j + 1);
      }
      sections.emplace_back(p.key, std::move(items));
      continue;
    }
    boost::system::error_code ec;
    json::value v = json::parse(t.substr(p.begin, p.end - p.begin), ec);
    if (ec) return false;
    head.insert_or_assign(p.key, std::move(v));
  }
  // The items are read in two halves on two threads, each into a model of its own, then
  // appended in order. If an item turns out malformed nothing reaches `m`, and the caller
  // parses the file whole to report the error.
  struct Half {
    Model model;
    Diagnostics diags;
    bool ok = true;
  };
  auto read_part = [&](Half& part, bool first_half) {
    detail::Reader r(part.diags, name, index, nullptr, /*yaml=*/false);
    std::optional<json::monotonic_resource> arena;
    arena.emplace(1 << 20);
    size_t since_renewal = 0;
    for (const auto& [key, items] : sections) {
      const size_t half = items.size() / 2;
      for (size_t k = first_half ? 0 : half; k < (first_half ? half : items.size()); ++k) {
        const auto [b, e] = items[k];
        boost::system::error_code ec;
        json::value v = json::parse(t.substr(b, e - b), ec, &*arena);
        if (ec) {
          part.ok = false;
          return;
        }
        r.read_item(key, v, k, part.model);
        if (++since_renewal == 1024) {  // renewed, not release()d: see above
          v = nullptr;
          arena.emplace(1 << 20);
          since_renewal = 0;
        }
      }
    }
  };
  Half a, b;
  {
    std::jthread second([&] { read_part(b, false); });
    read_part(a, true);
  }
  if (!a.ok || !b.ok) return false;
  // The head: ebcm, organization and any unknown keys.
  m.note(reader.read_document(head, m.model), name, Pos{});
  m.json_items.push_back(JsonItemSpans{name, std::move(sections)});
  for (Half* part : {&a, &b}) {
    // Each section's items after those of the same section (the only one of its type).
    detail::for_each_section(m.model, [&](const char*, EntityKind, auto& to) {
      detail::for_each_section(part->model, [&](const char*, EntityKind, auto& from) {
        if constexpr (std::is_same_v<decltype(to), decltype(from)>) {
          to.reserve(to.size() + from.size());
          std::move(from.begin(), from.end(), std::back_inserter(to));
        }
      });
    });
    m.diags.append(part->diags);
  }
  return true;
}

void read_json(std::string_view text, const std::string& name, uint32_t index, Merge& m) {
  if (!read_json_streaming(text, name, index, m)) read_json_whole(text, name, index, m);
}

bool is_json(const std::string& path) { return fs::path(path).extension() == ".json"; }

void read_one(std::string_view text, Format format, const std::string& name, Merge& m) {
  auto index = static_cast<uint32_t>(m.model.sources.size());
  m.model.sources.push_back(name);
  if (format == Format::kJson) {
    read_json(text, name, index, m);
  } else {
    read_yaml(text, name, index, m);
  }
}

Loaded finish(Merge& m, const std::string& where) {
  if (!m.version && !m.diags.has_errors()) {
    m.diags.error(where, 1, 1, "ebcm", "the format version is missing",
                  "start the model with 'ebcm: 1'");
  }
  return Loaded{std::move(m.model), std::move(m.diags), std::move(m.json_items)};
}

std::vector<std::string> expand(const std::vector<std::string>& paths, Diagnostics& diags) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        auto ext = it->path().extension();
        if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
          found.push_back(it->path().string());
        }
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) diags.error(p, 0, 0, "", "the folder holds no .yaml, .yml or .json file");
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);
    }
  }
  return files;
}

std::optional<std::string> read_file(const std::string& path, Diagnostics& diags) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) {
    diags.error(path, 0, 0, "", fmt::format("cannot read the file: {}", ec.message()));
    return std::nullopt;
  }
  const auto limit = is_json(path) ? kMaxJsonBytes : kMaxYamlBytes;
  if (size > limit) {
    diags.error(path, 0, 0, "",
                fmt::format("the file is {} MiB, over the {} MiB limit for this format", size >> 20,
                            limit >> 20),
                is_json(path) ? "split the model into several files"
                              : "write models this large as JSON (ebcm export --format json)");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(size))) {
    diags.error(path, 0, 0, "", "cannot read the file");
    return std::nullopt;
  }
  return text;
}

// Positions for diagnostics of a JSON file. With the item spans of a streamed read, only the
// items concerned are read again, plus a count of the lines before them; otherwise (or for a
// path outside the sections) the whole file is scanned once.
void locate_in_file(const std::string& file, const JsonItemSpans* spans,
                    const std::vector<Diagnostic*>& diags) {
  struct Job {
    Diagnostic* d;
    uint64_t begin, end;
    std::string rest;  // the path inside the item
  };
  std::vector<Job> jobs;
  std::vector<Diagnostic*> whole;
  for (Diagnostic* d : diags) {
    const auto open = d->path.find('[');
    const auto close = d->path.find(']');
    const std::vector<std::pair<uint64_t, uint64_t>>* items = nullptr;
    if (spans && open != std::string::npos && close != std::string::npos && close > open) {
      for (const auto& [key, list] : spans->sections) {
        if (key == std::string_view(d->path).substr(0, open)) items = &list;
      }
    }
    size_t index = 0;
    auto [ptr, ec] = items
                         ? std::from_chars(d->path.data() + open + 1, d->path.data() + close, index)
                         : std::from_chars_result{nullptr, std::errc::invalid_argument};
    if (!items || ec != std::errc() || index >= items->size()) {
      whole.push_back(d);
      continue;
    }
    std::string rest = d->path.substr(close + 1);
    if (!rest.empty() && rest[0] == '.') rest.erase(0, 1);
    jobs.push_back(Job{d, (*items)[index].first, (*items)[index].second, std::move(rest)});
  }
  if (!whole.empty()) {
    Diagnostics ignored;
    if (auto text = read_file(file, ignored)) locate_json_paths(*text, whole);
  }
  if (jobs.empty()) return;
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.begin < b.begin; });
  std::ifstream in(file, std::ios::binary);
  uint64_t at = 0, line_start = 0;
  uint32_t line = 1;
  std::vector<char> chunk(1 << 20);
  for (auto& job : jobs) {
    while (at < job.begin && in) {  // count the lines before the item
      const auto want =
          static_cast<std::streamsize>(std::min<uint64_t>(chunk.size(), job.begin - at));
      in.seekg(static_cast<std::streamoff>(at));
      in.read(chunk.data(), want);
      const auto got = in.gcount();
      if (got <= 0) break;
      const char* from = chunk.data();
      const char* to = from + got;
      while (const void* nl = std::memchr(from, '\n', static_cast<size_t>(to - from))) {
        from = static_cast<const char*>(nl) + 1;
        ++line;
        line_start = at + static_cast<uint64_t>(from - chunk.data());
      }
      at += static_cast<uint64_t>(got);
    }
    std::string item(job.end - job.begin, '\0');
    in.clear();
    in.seekg(static_cast<std::streamoff>(job.begin));
    in.read(item.data(), static_cast<std::streamsize>(item.size()));
    std::string full = std::move(job.d->path);
    job.d->path = job.rest;
    locate_json_paths(item, {job.d});
    job.d->path = std::move(full);
    if (job.d->line == 0) continue;
    const auto item_col = static_cast<uint32_t>(job.begin - line_start + 1);
    if (job.d->line == 1) job.d->col += item_col - 1;
    job.d->line += line - 1;
  }
}

}  // namespace

Loaded load_text(std::string_view text, Format format, const std::string& name) {
  Merge m;
  read_one(text, format, name, m);
  return finish(m, name);
}

Loaded load_paths(const std::vector<std::string>& paths) {
  Merge m;
  auto files = expand(paths, m.diags);
  for (const auto& f : files) {
    auto text = read_file(f, m.diags);
    if (!text) continue;
    read_one(*text, is_json(f) ? Format::kJson : Format::kYaml, f, m);
  }
  return finish(m, files.empty() ? std::string("<none>") : files.front());
}

Loaded load_and_validate(const std::vector<std::string>& paths,
                         const std::function<void(const Model&)>& alongside) {
  // EBCM_TIMING=1 prints how long each phase took (for benchmarks and profiling).
  static const bool timing = std::getenv("EBCM_TIMING") != nullptr;
  auto t0 = std::chrono::steady_clock::now();
  auto lap = [&](const char* what) {
    if (!timing) return;
    auto t1 = std::chrono::steady_clock::now();
    std::fprintf(stderr, "timing: %s %.3f s\n", what,
                 std::chrono::duration<double>(t1 - t0).count());
    t0 = t1;
  };
  Loaded l = load_paths(paths);
  lap("load");
  {
    std::jthread second;
    if (alongside) second = std::jthread([&] { alongside(l.model); });
    validate(l.model, l.diagnostics);
  }
  lap(alongside ? "validate (and alongside)" : "validate");
  // JSON carries no positions: find them again from the paths (json_locate.hpp).
  for (const auto& file : l.model.sources) {
    if (!is_json(file)) continue;
    std::vector<Diagnostic*> missing;
    for (auto& d : l.diagnostics.mutable_items()) {
      if (d.file == file && d.line == 0 && !d.path.empty()) missing.push_back(&d);
    }
    if (missing.empty()) continue;
    const JsonItemSpans* spans = nullptr;
    for (const auto& s : l.json_items) {
      if (s.file == file) spans = &s;
    }
    locate_in_file(file, spans, missing);
  }
  lap("positions");
  l.diagnostics.sort();
  return l;
}

}  // namespace ebcm::model
