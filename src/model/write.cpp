#include "model/write.hpp"

#include <yaml-cpp/yaml.h>

#include "model/codec.hpp"

namespace ebcm::model {

namespace json = boost::json;

namespace {

// Short containers read best inline, as MODEL.md writes them: `requires: [internet]`.
bool flow(const json::value& v, size_t limit) { return json::serialize(v).size() <= limit; }

void emit(YAML::Emitter& e, const json::value& v, size_t flow_limit) {
  switch (v.kind()) {
    case json::kind::string: {
      std::string_view s = v.get_string();
      // Our reader takes every scalar as text, but a bare null-like scalar would read as absent.
      if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
        e << YAML::DoubleQuoted << std::string(s);
      } else {
        e << std::string(s);
      }
      break;
    }
    case json::kind::int64:
      e << v.get_int64();
      break;
    case json::kind::uint64:
      e << v.get_uint64();
      break;
    case json::kind::double_:
      e << v.get_double();
      break;
    case json::kind::bool_:
      e << v.get_bool();
      break;
    case json::kind::null:
      e << YAML::Null;
      break;
    case json::kind::array: {
      if (flow(v, flow_limit)) e << YAML::Flow;
      e << YAML::BeginSeq;
      for (const auto& item : v.get_array()) emit(e, item, flow_limit);
      e << YAML::EndSeq;
      break;
    }
    case json::kind::object: {
      if (flow(v, flow_limit)) e << YAML::Flow;
      e << YAML::BeginMap;
      for (const auto& kv : v.get_object()) {
        e << YAML::Key << std::string(kv.key()) << YAML::Value;
        emit(e, kv.value(), flow_limit);
      }
      e << YAML::EndMap;
      break;
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
  YAML::Emitter e;
  e.SetIndent(2);
  e << YAML::BeginMap;
  for (const auto& kv : doc) {
    e << YAML::Key << std::string(kv.key()) << YAML::Value;
    if (const auto* items = kv.value().if_array()) {
      e << YAML::BeginSeq;
      for (const auto& item : *items) emit(e, item, 80);  // an entity; its fields at 70
      e << YAML::EndSeq;
    } else {
      emit(e, kv.value(), 70);
    }
  }
  e << YAML::EndMap;
  // A blank line between sections, as a person would write it.
  std::string out = "# Continuity model (MODEL.md format v1), written by ebcm\n";
  std::string_view text = e.c_str();
  bool first = true;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!first && !line.empty() && line[0] != ' ' && line[0] != '-') out += '\n';
    first = false;
    out += line;
    out += '\n';
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
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
