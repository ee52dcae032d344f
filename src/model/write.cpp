#include "model/write.hpp"

#include <fmt/format.h>

#include "model/codec.hpp"

namespace ebcm::model {

namespace json = boost::json;

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Whether a reader could take `s` for something other than text: a number in any notation of
// YAML 1.1 or 1.2 (1_000, 0x1f, 0o17, 0b101, 1e3, .5, 1:20 sexagesimal), a date or a time, a
// boolean or a null in any case, infinity, not-a-number or a YAML 1.1 merge or value key.
bool looks_typed(std::string_view s) {
  static constexpr std::string_view kWords[] = {"y",    "n",     "yes",   "no",  "on", "off",
                                                "true", "false", "null",  "~",   "=",  "<<",
                                                ".inf", "+.inf", "-.inf", ".nan"};
  for (auto w : kWords) {
    if (iequals(s, w)) return true;
  }
  const char c = s[0];
  if (c == '+' || c == '-' || c == '0') return true;    // signs, 0x/0o/0b, octal, 0.5, ids like 007
  if (c == '.') return s.size() > 1 && is_digit(s[1]);  // .5
  if (!is_digit(c)) return false;
  // A date or a time stamp: 2026-12-02, 2026-12-02T10:00:00Z, 2026-12-02 10:00.
  if (s.size() >= 5 && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) && s[4] == '-')
    return true;
  // Integers, floats, exponents and sexagesimal numbers use no other characters. ("4h", "40%"
  // and "2d" do, so durations and percentages stay plain.)
  for (char x : s) {
    if (!is_digit(x) && x != '_' && x != '.' && x != ':' && x != 'e' && x != 'E' && x != '+' &&
        x != '-')
      return false;
  }
  return true;
}

// The code point at s[i] (valid UTF-8) and its length.
std::pair<uint32_t, size_t> code_point(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() ? static_cast<uint32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F)
                            : 0;
  };
  if (b < 0x80) return {b, 1};
  if ((b >> 5) == 0x6) return {((b & 0x1Fu) << 6) | cont(1), 2};
  if ((b >> 4) == 0xE) return {((b & 0x0Fu) << 12) | (cont(1) << 6) | cont(2), 3};
  return {((b & 0x07u) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3), 4};
}

// Characters that must be escaped: C0 and C1 controls, DEL, the line and paragraph separators
// (line breaks to a YAML 1.1 reader), the byte-order mark and the two non-characters PyYAML
// refuses even inside quotes.
bool needs_escape(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
         cp == 0xFFFE || cp == 0xFFFF;
}

void double_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto [cp, len] = code_point(s, i);
    switch (cp) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case 0:
        out += "\\0";
        break;
      default:
        if (!needs_escape(cp)) {
          out.append(s.substr(i, len));
        } else if (cp <= 0xFF) {
          out += fmt::format("\\x{:02X}", cp);
        } else {
          out += fmt::format("\\u{:04X}", cp);
        }
    }
    i += len;
  }
  out += '"';
}

}  // namespace

std::string yaml_scalar(std::string_view s, bool in_flow) {
  std::string out;
  bool escape = false, quote = s.empty() || looks_typed(s);
  for (size_t i = 0; i < s.size() && !escape;) {
    auto [cp, len] = code_point(s, i);
    escape = needs_escape(cp);
    i += len;
  }
  if (!quote && !escape) {
    static constexpr std::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@`";
    const char last = s.back();
    quote = kIndicators.find(s[0]) != std::string_view::npos || s[0] == ' ' || last == ' ' ||
            last == ':' || s.find(": ") != std::string_view::npos ||
            s.find(" #") != std::string_view::npos || s.substr(0, 3) == "...";
    // Inside [ ] and { } a comma, a bracket, a '?' or a ':' ends a plain scalar for some readers.
    if (!quote && in_flow) quote = s.find_first_of(",[]{}?:") != std::string_view::npos;
  }
  if (!quote && !escape) return std::string(s);
  double_quoted(out, s);
  return out;
}

namespace {

// Short containers read best inline, as MODEL.md writes them: `requires: [internet]`.
bool flow(const json::value& v, size_t limit) { return json::serialize(v).size() <= limit; }

bool is_scalar(const json::value& v) { return !v.is_array() && !v.is_object(); }

void indent_to(std::string& out, int n) { out.append(static_cast<size_t>(n), ' '); }

void scalar(std::string& out, const json::value& v, bool in_flow) {
  switch (v.kind()) {
    case json::kind::string:
      out += yaml_scalar(v.get_string(), in_flow);
      break;
    case json::kind::null:
      out += "null";
      break;
    default:  // numbers and booleans: JSON writes them as YAML does
      out += json::serialize(v);
      break;
  }
}

void flow_value(std::string& out, const json::value& v) {
  if (const auto* a = v.if_array()) {
    out += '[';
    for (size_t i = 0; i < a->size(); ++i) {
      if (i) out += ", ";
      flow_value(out, (*a)[i]);
    }
    out += ']';
  } else if (const auto* o = v.if_object()) {
    out += '{';
    bool first = true;
    for (const auto& kv : *o) {
      if (!first) out += ", ";
      first = false;
      out += yaml_scalar(kv.key(), true);
      out += ": ";
      flow_value(out, kv.value());
    }
    out += '}';
  } else {
    scalar(out, v, true);
  }
}

void block_map(std::string& out, const json::object& o, int indent, size_t limit,
               bool inline_first);
void block_seq(std::string& out, const json::array& a, int indent, size_t limit, bool inline_first);

// A value after "key:" or "- ": inline when it is a scalar or short, else on the next lines.
void block_value(std::string& out, const json::value& v, int indent, size_t limit) {
  if (is_scalar(v)) {
    out += ' ';
    scalar(out, v, false);
    out += '\n';
  } else if (flow(v, limit)) {
    out += ' ';
    flow_value(out, v);
    out += '\n';
  } else if (const auto* o = v.if_object()) {
    out += '\n';
    block_map(out, *o, indent, limit, false);
  } else {
    out += '\n';
    block_seq(out, v.get_array(), indent, limit, false);
  }
}

void block_map(std::string& out, const json::object& o, int indent, size_t limit,
               bool inline_first) {
  bool first = true;
  for (const auto& kv : o) {
    if (!(first && inline_first)) indent_to(out, indent);
    first = false;
    out += yaml_scalar(kv.key(), false);
    out += ':';
    block_value(out, kv.value(), indent + 2, limit);
  }
}

// Items of a sequence: "- " at `indent`, their content two further in.
void block_seq(std::string& out, const json::array& a, int indent, size_t limit,
               bool inline_first) {
  bool first = true;
  for (const auto& item : a) {
    if (!(first && inline_first)) indent_to(out, indent);
    first = false;
    out += '-';
    if (is_scalar(item)) {
      out += ' ';
      scalar(out, item, false);
      out += '\n';
    } else if (flow(item, limit)) {
      out += ' ';
      flow_value(out, item);
      out += '\n';
    } else if (const auto* o = item.if_object()) {
      out += ' ';
      block_map(out, *o, indent + 2, limit, true);
    } else {
      out += ' ';
      block_seq(out, item.get_array(), indent + 2, limit, true);
    }
  }
}

void pretty(std::string& out, const json::value& v, int indent) {
  auto newline = [&](int n) {
    out += '\n';
    out.append(static_cast<size_t>(n) * 2, ' ');
  };
  if (const auto* o = v.if_object(); o && !o->empty()) {
    out += '{';
    bool first = true;
    for (const auto& kv : *o) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      out += json::serialize(json::string(kv.key()));
      out += ": ";
      pretty(out, kv.value(), indent + 1);
    }
    newline(indent);
    out += '}';
  } else if (const auto* a = v.if_array(); a && !a->empty()) {
    out += '[';
    bool first = true;
    for (const auto& item : *a) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      pretty(out, item, indent + 1);
    }
    newline(indent);
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

std::string to_yaml(const Model& model) {
  json::object doc = detail::to_json_document(model);
  std::string out = "# Continuity model (MODEL.md format v1), written by ebcm\n";
  bool first = true;
  for (const auto& kv : doc) {
    if (!first) out += '\n';  // a blank line between sections, as a person would write it
    first = false;
    out += yaml_scalar(kv.key(), false);
    out += ':';
    if (const auto* items = kv.value().if_array(); items && !items->empty()) {
      out += '\n';
      block_seq(out, *items, 2, 80, false);  // an entity inline up to 80 characters
    } else {
      block_value(out, kv.value(), 2, 70);
    }
  }
  return out;
}

namespace {

// One entity at a time, each built in a small arena: a million-node model is never held as
// a JSON document besides the model itself.
template <class T>
void append_entity(std::string& out, const T& item, bool pretty_print, int indent) {
  unsigned char buffer[8192];
  json::monotonic_resource arena(buffer, sizeof buffer);
  json::object o = detail::to_json(item, &arena);
  if (pretty_print) {
    pretty(out, o, indent);
  } else {
    out += json::serialize(o);
  }
}

template <class T>
void append_section(std::string& out, const char* key, const std::vector<T>& items,
                    bool pretty_print) {
  if (items.empty()) return;
  out += pretty_print ? ",\n  \"" : ",\"";
  out += key;
  out += pretty_print ? "\": [" : "\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    if (pretty_print) out += "\n    ";
    append_entity(out, items[i], pretty_print, 2);
  }
  out += pretty_print ? "\n  ]" : "]";
}

}  // namespace

std::string to_json(const Model& model, bool pretty_print) {
  std::string out = pretty_print ? "{\n  \"ebcm\": " : "{\"ebcm\":";
  out += std::to_string(model.version);
  out += pretty_print ? ",\n  \"organization\": " : ",\"organization\":";
  append_entity(out, model.organization, pretty_print, 1);
  detail::for_each_section(model, [&](const char* key, EntityKind, const auto& items) {
    append_section(out, key, items, pretty_print);
  });
  out += pretty_print ? "\n}\n" : "}\n";
  return out;
}

}  // namespace ebcm::model
