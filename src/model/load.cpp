#include "model/load.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "core/utf8.hpp"
#include "model/codec.hpp"
#include "model/json_locate.hpp"
#include "model/json_scan.hpp"
#include "model/validate.hpp"
#include "model/yaml_syntax.hpp"

namespace ebcm::model {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using detail::explain;
using detail::Lines;
using detail::pos_of;
using detail::quote_open_at_end;
using detail::SyntaxError;

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

// Limits on what a YAML text may build. A model nests about six levels deep; aliases may
// repeat values, but only so far: a kilobyte of nested aliases ("billion laughs") would
// otherwise expand to gigabytes, and an alias inside the value it names to no end. Without
// aliases a text builds at most about one value per byte, so the budget leaves aliases room
// while memory stays a small multiple of the text.
constexpr size_t kMaxNesting = 64;
constexpr uint64_t kValuesPerByte = 4;
constexpr uint64_t kMinValues = 100'000;
constexpr uint64_t kBytesPerValue = 64;  // a long text counts as one value per 64 bytes

// Builds the JSON value of a YAML document straight from the parser's events, without a
// YAML::Node graph in between: an alias is copied from the value its anchor named, so every
// copy is counted against the budget and named by the alias's own place, and nothing here
// recurses deeper than kMaxNesting. The first problem that makes the value unusable (too
// deep, too many values) stops the building; the parser's later events are ignored.
//
// Positions: a container's children are at their final addresses once it ends (moving the
// container into its parent moves its buffer, not the children), so their positions are
// recorded then.
class JsonBuilder final : public YAML::EventHandler {
 public:
  JsonBuilder(Diagnostics& diags, const std::string& file, size_t text_bytes,
              detail::PosMap& positions)
      : diags_(diags),
        file_(file),
        budget_(std::max<uint64_t>(kMinValues, kValuesPerByte * text_bytes)),
        positions_(positions) {}

  // The value of the first document, once it has ended; empty when it was unusable.
  const json::value* root() const { return failed_ || !root_ ? nullptr : &*root_; }
  // Moves the value out: its children keep their addresses, so their positions hold; the
  // caller records the root's own position again.
  json::value take_root() { return std::move(*root_); }
  Pos root_pos() const { return positions_.get(*root_); }
  bool failed() const { return failed_; }
  // After the first document: a second one's events are only noted.
  void end_first_document() { first_done_ = true; }
  std::optional<YAML::Mark> second_document() const { return second_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (first_done_ && !second_) second_ = mark;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (skipping() || !charge(1, mark)) return;
    deliver(nullptr, pos_of(mark), anchor, 1, 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    const uint64_t cost = 1 + value.size() / kBytesPerValue;
    if (skipping() || !charge(cost, mark)) return;
    // The text itself was checked before parsing (check_utf8); an escape such as "\uD800"
    // can still make bytes that are not UTF-8.
    if (!is_valid_utf8(value)) {
      diags_.error(file_, mark.line + 1, mark.column + 1, "",
                   "the text holds an escape that is not a Unicode character",
                   "write the character itself, or the escape of a real character");
      deliver(json::string(repair_utf8(value)), pos_of(mark), anchor, cost, 0);
      return;
    }
    deliver(json::string(value), pos_of(mark), anchor, cost, 0);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (skipping()) return;
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {  // named by a value that has not ended: it would hold itself
      fail(mark, "the alias is inside the value its anchor names, so it would never end",
           "write the value out instead of the alias");
      return;
    }
    const Anchored& a = it->second;
    if (stack_.size() + a.height > kMaxNesting) {
      fail(mark,
           fmt::format("with its aliases the value nests more than {} levels deep", kMaxNesting),
           "write the values out or use fewer aliases");
      return;
    }
    if (!charge(a.cost, mark)) return;
    json::value copy = a.value;
    copy_positions(a.value, copy);
    deliver(std::move(copy), pos_of(mark), YAML::NullAnchor, a.cost, a.height);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, json::array());
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json::value value;           // an array or an object
    std::vector<Pos> positions;  // of its children, in order
    Pos pos;
    YAML::anchor_t anchor = YAML::NullAnchor;
    uint64_t cost = 1;
    size_t height = 1;
    // Mappings: the key waiting for its value; a refused key's value is dropped.
    bool has_key = false;
    bool drop_value = false;
    std::string key;
  };
  struct Anchored {
    json::value value;
    uint64_t cost;
    size_t height;
  };

  bool skipping() const { return failed_ || first_done_; }

  void fail(const YAML::Mark& mark, std::string message, std::string hint) {
    diags_.error(file_, mark.line + 1, mark.column + 1, "", std::move(message), std::move(hint));
    failed_ = true;
    stack_.clear();
    anchors_.clear();
  }

  bool charge(uint64_t cost, const YAML::Mark& mark) {
    used_ += cost;
    if (used_ <= budget_) return true;
    fail(mark, fmt::format("aliases expand the file to more than {} values", budget_),
         "write the values out or use fewer aliases");
    return false;
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, json::value container) {
    if (skipping()) return;
    if (stack_.size() >= kMaxNesting) {
      fail(mark, fmt::format("the value nests more than {} levels deep", kMaxNesting),
           "a model nests only a few levels; look for unclosed brackets");
      return;
    }
    if (!charge(1, mark)) return;
    stack_.push_back(Frame{std::move(container), {}, pos_of(mark), anchor});
  }

  void close() {
    if (skipping() || stack_.empty()) return;
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.value.is_array()) {
      const auto& a = f.value.get_array();
      for (size_t i = 0; i < a.size(); ++i) positions_.set(&a[i], f.positions[i]);
    } else {
      size_t i = 0;
      for (const auto& kv : f.value.get_object()) positions_.set(&kv.value(), f.positions[i++]);
    }
    deliver(std::move(f.value), f.pos, f.anchor, f.cost, f.height);
  }

  // Gives `to` (a fresh copy of `from`) the positions of `from`'s children, all the way down.
  void copy_positions(const json::value& from, const json::value& to) {
    if (from.is_array()) {
      const auto& a = from.get_array();
      const auto& b = to.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        positions_.set(&b[i], positions_.get(a[i]));
        copy_positions(a[i], b[i]);
      }
    } else if (from.is_object()) {
      auto b = to.get_object().begin();
      for (const auto& kv : from.get_object()) {
        positions_.set(&b->value(), positions_.get(kv.value()));
        copy_positions(kv.value(), b->value());
        ++b;
      }
    }
  }

  // A finished value goes to the container it is in, or becomes the document.
  void deliver(json::value v, Pos pos, YAML::anchor_t anchor, uint64_t cost, size_t height) {
    if (anchor != YAML::NullAnchor) {
      Anchored& a = anchors_[anchor];
      a = Anchored{v, cost, height};
      copy_positions(v, a.value);
    }
    if (stack_.empty()) {
      root_.emplace(std::move(v));
      positions_.set(&*root_, pos);
      return;
    }
    Frame& f = stack_.back();
    f.cost += cost;
    f.height = std::max(f.height, height + 1);
    if (f.value.is_array()) {
      f.value.get_array().push_back(std::move(v));
      f.positions.push_back(pos);
      return;
    }
    auto& o = f.value.get_object();
    if (!f.has_key) {
      f.has_key = true;
      f.drop_value = true;
      if (!v.is_string()) {
        diags_.error(file_, pos.line, pos.col, "", "a key must be plain text");
      } else if (o.contains(v.get_string())) {
        diags_.error(file_, pos.line, pos.col, "",
                     fmt::format("key '{}' is given twice in the same mapping",
                                 std::string_view(v.get_string())),
                     "remove or rename one of them");
      } else {
        f.key = v.get_string();
        f.drop_value = false;
      }
      return;
    }
    f.has_key = false;
    if (f.drop_value) return;
    o.emplace(f.key, std::move(v));
    f.positions.push_back(pos);
  }

  Diagnostics& diags_;
  const std::string& file_;
  const uint64_t budget_;
  detail::PosMap& positions_;
  uint64_t used_ = 0;
  bool failed_ = false;
  bool first_done_ = false;
  std::optional<YAML::Mark> second_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::optional<json::value> root_;
};

// Where a second document is said to start: the '---' line before its first token when
// there is one (only blank and comment lines between), else the token itself.
Pos document_marker(std::string_view text, const YAML::Mark& mark) {
  std::vector<size_t> starts{0};  // of the lines up to the mark's
  for (size_t i = 0; i < text.size() && starts.size() <= static_cast<size_t>(mark.line); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  for (size_t l = starts.size(); l-- > 0;) {
    std::string_view line = text.substr(starts[l], text.find('\n', starts[l]) - starts[l]);
    if (line.substr(0, 3) == "---") return Pos{static_cast<uint32_t>(l + 1), 1};
    const size_t first = line.find_first_not_of(" \t\r");
    const bool blank = first == std::string_view::npos || line[first] == '#';
    if (!blank && l + 1 != starts.size()) break;
  }
  return pos_of(mark);
}

struct Merge {
  bool refuse_unknown_keys = false;
  Model model;
  Diagnostics diags;
  bool version = false;
  bool unsure_version = false;  // a file that could not be read whole may declare it
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

bool is_section(std::string_view key) {
  for (const auto& k : detail::sections()) {
    if (key == k.section) return true;
  }
  return false;
}

// One YAML text (or part of one) into a JSON value, positions in `positions`.
struct Parsed {
  std::optional<json::value> doc;  // absent when unusable
  bool any = false;                // a document started
  std::optional<YAML::Exception> syntax;
  bool failed = false;  // a limit was hit (said in the diagnostics)
  std::optional<Pos> second;
  bool open_quote = false;  // a quote left open at the end (parse_part)
};

Parsed parse_yaml(std::string_view text, const std::string& name, Diagnostics& diags,
                  detail::PosMap& positions) {
  Parsed r;
  JsonBuilder builder(diags, name, text.size(), positions);
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  try {
    r.any = parser.HandleNextDocument(builder);
    builder.end_first_document();
    // A second document was once dropped unseen; a file holds one model, so it is refused.
    if (r.any && !builder.failed()) parser.HandleNextDocument(builder);
  } catch (const YAML::Exception& e) {
    if (!builder.failed() && !builder.second_document()) r.syntax = e;
  }
  r.failed = builder.failed();
  if (auto second = builder.second_document()) r.second = document_marker(text, *second);
  if (builder.root() && !r.syntax) {
    const Pos at = builder.root_pos();
    r.doc.emplace(builder.take_root());
    positions.set(&*r.doc, at);
  }
  return r;
}

// A part of a file parsed alone: the lines [from, to), after the line `key` (a section's
// `functions:`) when given. Positions, diagnostics and the syntax error are moved to the
// file's lines, so the cost is that of the part, not of the lines before it.
Parsed parse_part(const Lines& ls, size_t from, size_t to, std::optional<size_t> key,
                  const std::string& name, Diagnostics& diags, detail::PosMap& positions) {
  std::string text;
  if (key) {
    text += ls.line(*key);
    text += '\n';
  }
  for (size_t l = from; l < to; ++l) {
    text += ls.line(l);
    text += '\n';
  }
  const auto shift = static_cast<uint32_t>(key ? from - 1 : from);
  detail::PosMap local;
  Diagnostics said;
  Parsed p = parse_yaml(text, name, said, local);
  positions.merge_shifted(local, shift);
  for (auto& d : said.mutable_items()) {
    if (d.line) d.line += shift;
  }
  if (p.doc) {
    if (auto q = quote_open_at_end(Lines(text), shift)) {
      said.error(name, q->pos.line, q->pos.col, "", std::move(q->message), std::move(q->hint));
      p.open_quote = true;
    }
  }
  diags.append(said);
  if (p.syntax) p.syntax->mark.line += static_cast<int>(shift);
  return p;
}

// After a syntax error, the file is read part by part, so that the rest of it is still
// checked: each top-level key with what follows it, and a list section item by item. Each
// part that does not parse says why; the parts that do are read as the model.
void read_yaml_parts(std::string_view text, const std::string& name, uint32_t index, Merge& m,
                     const YAML::Exception& whole) {
  const Lines ls(text);
  std::vector<size_t> tops;
  for (size_t l = 0; l < ls.count(); ++l) {
    std::string_view t = ls.line(l);
    // A top-level key; "- " at the start of a line is an item of the section above.
    const bool item = !t.empty() && t[0] == '-' && (t.size() == 1 || t[1] == ' ');
    if (!t.empty() && !item && t[0] != ' ' && t[0] != '#' && t[0] != '\t' &&
        t.substr(0, 3) != "---" && t.substr(0, 3) != "...")
      tops.push_back(l);
  }
  detail::PosMap positions;
  std::deque<json::value> keep;  // parsed parts: the values positions point into
  json::object head;
  std::vector<std::tuple<std::string, size_t, json::value*>> items;  // section, index, item
  size_t said = 0;
  auto say = [&](const YAML::Exception& e, size_t from) {
    SyntaxError x = explain(ls, e, from);
    m.diags.error(name, x.pos.line, x.pos.col, "", std::move(x.message), std::move(x.hint));
    ++said;
  };
  for (size_t k = 0; k < tops.size(); ++k) {
    const size_t from = tops[k], to = k + 1 < tops.size() ? tops[k + 1] : ls.count();
    Diagnostics part;
    Parsed p = parse_part(ls, from, to, std::nullopt, name, part, positions);
    if (p.doc && p.doc->is_object()) {
      said += p.open_quote;
      m.diags.append(part);
      keep.push_back(std::move(*p.doc));
      for (auto& kv : keep.back().get_object()) {
        const Pos at = positions.get(kv.value());
        auto [it, fresh] = head.emplace(kv.key(), std::move(kv.value()));
        if (!fresh) continue;
        positions.set(&it->value(), at);
      }
      continue;
    }
    if (p.failed || !p.syntax) {
      m.diags.append(part);
      continue;
    }
    // A list section: item by item, each with the section's key line.
    std::string_view key_line = ls.line(from);
    const size_t colon = key_line.find(':');
    std::string_view after = colon == std::string_view::npos ? "x" : key_line.substr(colon + 1);
    const bool bare = after.find_first_not_of(' ') == std::string_view::npos ||
                      after[after.find_first_not_of(' ')] == '#';
    std::vector<size_t> starts;
    size_t item_indent = SIZE_MAX;
    for (size_t l = from + 1; bare && l < to; ++l) {
      std::string_view t = ls.line(l);
      const size_t ind = std::min(t.size(), t.find_first_not_of(' '));
      if (ind < t.size() && t[ind] == '-' && (ind + 1 == t.size() || t[ind + 1] == ' ') &&
          ind <= item_indent) {
        if (ind < item_indent) starts.clear();
        item_indent = ind;
        starts.push_back(l);
      }
    }
    if (starts.empty()) {
      say(*p.syntax, from);
      continue;
    }
    const std::string section(key_line.substr(0, colon));
    for (size_t i = 0; i < starts.size(); ++i) {
      const size_t b = starts[i], e = i + 1 < starts.size() ? starts[i + 1] : to;
      Diagnostics item_diags;
      Parsed q = parse_part(ls, b, e, from, name, item_diags, positions);
      const json::value* list =
          q.doc && q.doc->is_object() ? q.doc->get_object().if_contains(section) : nullptr;
      if (list && list->is_array() && list->get_array().size() == 1) {
        said += q.open_quote;
        m.diags.append(item_diags);
        keep.push_back(std::move(*q.doc));
        items.emplace_back(section, i, &keep.back().get_object()[section].get_array()[0]);
      } else if (q.syntax) {
        say(*q.syntax, b);
      } else {
        m.diags.append(item_diags);
      }
    }
  }
  if (said == 0) say(whole, 0);  // every part reads alone: the error is between them
  // The version may be in a part that did not parse.
  for (size_t l : tops) m.unsure_version = m.unsure_version || ls.line(l).substr(0, 5) == "ebcm:";
  detail::Reader reader(m.diags, name, index, &positions, /*yaml=*/true, m.refuse_unknown_keys);
  json::value doc(std::move(head));
  auto info = reader.read_document(doc, m.model);
  for (const auto& [section, i, item] : items) {
    if (is_section(section)) reader.read_item(section, *item, i, m.model);
  }
  m.unsure_version = m.unsure_version || info.version;
  const auto* org = doc.get_object().if_contains("organization");
  m.note(info, name, org ? positions.get(*org) : Pos{});
}

void read_yaml(std::string_view text, const std::string& name, uint32_t index, Merge& m) {
  detail::PosMap positions;
  Parsed p = parse_yaml(text, name, m.diags, positions);
  if (p.syntax) {
    read_yaml_parts(text, name, index, m, *p.syntax);
    return;
  }
  if (p.failed) return;  // unusable, and said why
  if (auto q = quote_open_at_end(Lines(text))) {
    m.diags.error(name, q->pos.line, q->pos.col, "", std::move(q->message), std::move(q->hint));
  }
  if (p.second) {
    m.diags.error(name, p.second->line, p.second->col, "",
                  "a model file holds one YAML document; a second one starts here",
                  "remove the '---' and what follows it, or move it to a file of its own");
  }
  if (!p.doc || p.doc->is_null()) {
    if (p.any && !p.doc) return;
    m.diags.error(name, 1, 1, "", "the file is empty", "a model starts with 'ebcm: 1'");
    m.unsure_version = true;  // said here already
    return;
  }
  detail::Reader reader(m.diags, name, index, &positions, /*yaml=*/true, m.refuse_unknown_keys);
  auto info = reader.read_document(*p.doc, m.model);
  const auto* org = p.doc->is_object() ? p.doc->get_object().if_contains("organization") : nullptr;
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
    if (ec == json::error::too_deep) {  // Boost.JSON's limit (32 levels) keeps the stack small
      m.diags.error(name, p.line, p.col, "", "the value nests too deep to be part of a model",
                    "a model nests only a few levels; look for unclosed brackets");
      return;
    }
    m.diags.error(name, p.line, p.col, "", fmt::format("not valid JSON: {}", ec.message()));
    m.unsure_version = m.unsure_version || text.find("\"ebcm\"") != std::string_view::npos;
    return;
  }
  json::value doc = parser.release();
  detail::Reader reader(m.diags, name, index, nullptr, /*yaml=*/false, m.refuse_unknown_keys);
  m.note(reader.read_document(doc, m.model), name, Pos{});
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

  detail::Reader reader(m.diags, name, index, nullptr, /*yaml=*/false, m.refuse_unknown_keys);
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
    detail::Reader r(part.diags, name, index, nullptr, /*yaml=*/false, m.refuse_unknown_keys);
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

// Every text must be UTF-8: a byte that is not would be stored as it is and make the stored
// revision unreadable (Boost.JSON refuses it). Each line's first bad byte is an error (up to
// a limit). Returns the text with each bad byte replaced by '_', one byte for one so that
// every offset and position stays that of the file, for the parsers to report the file's
// other problems; nullopt when the text is fine.
std::optional<std::string> check_utf8(std::string_view text, const std::string& name,
                                      Diagnostics& diags) {
  constexpr size_t kMaxReported = 20;
  size_t bad = find_invalid_utf8(text);
  if (bad == std::string_view::npos) return std::nullopt;
  std::string fixed(text);
  size_t reported = 0, lines = 0, at = 0, line_start = 0;
  uint32_t line = 1, last_line = 0;
  for (; bad != std::string_view::npos; bad = find_invalid_utf8(text, bad + 1)) {
    fixed[bad] = '_';
    for (const char* nl; (nl = static_cast<const char*>(
                              std::memchr(text.data() + at, '\n', bad - at))) != nullptr;) {
      at = static_cast<size_t>(nl - text.data()) + 1;
      line_start = at;
      ++line;
    }
    at = bad;
    if (line == last_line) continue;
    last_line = line;
    ++lines;
    if (++reported > kMaxReported) continue;
    diags.error(name, line, static_cast<uint32_t>(bad - line_start + 1), "",
                fmt::format("invalid UTF-8 byte 0x{:02X}", static_cast<unsigned char>(text[bad])),
                "save the file as UTF-8");
  }
  if (lines > kMaxReported) {
    diags.error(name, last_line, 1, "",
                fmt::format("{} more lines hold bytes that are not UTF-8", lines - kMaxReported),
                "save the file as UTF-8");
  }
  return fixed;
}

void read_one(std::string_view text, Format format, const std::string& name, Merge& m) {
  auto index = static_cast<uint32_t>(m.model.sources.size());
  m.model.sources.push_back(name);
  const std::optional<std::string> fixed = check_utf8(text, name, m.diags);
  if (fixed) text = *fixed;
  if (format == Format::kJson) {
    read_json(text, name, index, m);
  } else {
    read_yaml(text, name, index, m);
  }
}

Loaded finish(Merge& m, const std::string& where) {
  if (!m.version && !m.unsure_version) {  // with the other problems, not after them
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

Loaded load_text(std::string_view text, Format format, const std::string& name,
                 UnknownKeys unknown) {
  Merge m;
  m.refuse_unknown_keys = unknown == UnknownKeys::kRefuse;
  read_one(text, format, name, m);
  return finish(m, name);
}

Loaded load_paths(const std::vector<std::string>& paths) {
  Merge m;
  auto files = expand(paths, m.diags);
  for (const auto& f : files) {
    auto text = read_file(f, m.diags);
    if (!text) {
      m.unsure_version = true;  // the file may declare it
      continue;
    }
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
    // Found by list positions: the paths shown name entities by id.
    for (Diagnostic* d : missing) {
      if (!d->index_path.empty()) std::swap(d->path, d->index_path);
    }
    locate_in_file(file, spans, missing);
    for (Diagnostic* d : missing) {
      if (!d->index_path.empty()) std::swap(d->path, d->index_path);
    }
  }
  lap("positions");
  l.diagnostics.sort();
  return l;
}

}  // namespace ebcm::model
