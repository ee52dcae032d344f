// open_store: from a URL to a backend.

#include "store/store.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <unordered_map>
#include <utility>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "core/utf8.hpp"
#include "store/sqlite_store.hpp"

namespace ebcm::store {

namespace {

constexpr std::string_view kAcceptedForms =
    "expected sqlite:PATH, sqlite://PATH or a path ending in .db "
    "(postgres://... is planned)";

Error invalid(std::string_view url, std::string_view why) {
  return make_error(ErrorCode::kInvalidInput, "store URL '" + std::string(url) + "' " +
                                                  std::string(why) + ": " +
                                                  std::string(kAcceptedForms));
}

}  // namespace

std::string describe(const Repair& r) {
  return "revision " + std::to_string(r.revision) + ": the stored " + model::to_string(r.kind) +
         (r.id.empty() ? std::string() : " '" + r.id + "'") +
         " is not valid UTF-8; read with U+FFFD in place of the bad bytes (import or edit the "
         "model to store good text)";
}

Result<StoreUrl> parse_store_url(std::string_view url) {
  if (starts_with_nocase(url, "postgres://") || starts_with_nocase(url, "postgresql://")) {
    return make_error(ErrorCode::kUnsupported,
                      "store URL '" + std::string(url) +
                          "': PostgreSQL is planned but not in this build of ebcm; use "
                          "sqlite:PATH for now");
  }
  std::string_view path;
  // "sqlite://" before "sqlite:", so that "sqlite://x.db" means x.db, not "//x.db".
  if (starts_with_nocase(url, "sqlite://")) {
    path = url.substr(9);
  } else if (starts_with_nocase(url, "sqlite:")) {
    path = url.substr(7);
  } else if (url.size() > 3 && url.ends_with(".db") && url.find("://") == std::string_view::npos) {
    path = url;
  } else if (url.empty()) {
    return invalid(url, "is empty");
  } else {
    return invalid(url, "is not one this build knows");
  }
  if (path.empty()) return invalid(url, "names no file");
  return StoreUrl{StoreUrl::Backend::kSqlite, std::string(path)};
}

Result<std::unique_ptr<Store>> open_store(std::string_view url) {
  Result<StoreUrl> parsed = parse_store_url(url);
  if (!parsed) return parsed.error();
  switch (parsed->backend) {
    case StoreUrl::Backend::kSqlite: {
      Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(parsed->path);
      if (!store) return store.error();
      return std::unique_ptr<Store>(std::move(store).value());
    }
  }
  return make_error(ErrorCode::kInternal, "unhandled store backend");
}

std::string describe(model::EntityKind kind, std::string_view id) {
  return std::string("the ") + model::to_string(kind) +
         (id.empty() ? std::string() : " '" + std::string(id) + "'");
}

namespace {

std::string key_string(model::EntityKind kind, std::string_view id) {
  std::string key(1, static_cast<char>(kind));
  key += id;
  return key;
}

}  // namespace

Result<void> check_change_set(const ChangeSet& changes) {
  std::unordered_map<std::string, bool> seen;  // key → seen in put
  seen.reserve(changes.put.size() + changes.remove.size());
  for (const model::Entity& e : changes.put) {
    if (!seen.emplace(key_string(e.kind, e.id), true).second) {
      return make_error(ErrorCode::kInvalidInput,
                        "the change puts " + describe(e.kind, e.id) +
                            " twice; each entity may appear once in a change");
    }
    if (size_t bad = find_invalid_utf8(e.body); bad != std::string_view::npos) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(e.body[bad]));
      return make_error(ErrorCode::kInvalidInput,
                        describe(e.kind, e.id) + " holds text that is not UTF-8 (byte " + byte +
                            " at offset " + std::to_string(bad) +
                            " of its body) and would not read back; nothing was stored");
    }
  }
  for (const EntityKey& k : changes.remove) {
    auto [it, fresh] = seen.emplace(key_string(k.kind, k.id), false);
    if (!fresh) {
      return make_error(ErrorCode::kInvalidInput,
                        "the change " + std::string(it->second ? "puts and removes " : "removes ") +
                            describe(k.kind, k.id) + (it->second ? "" : " twice") +
                            "; each entity may appear once in a change");
    }
  }
  return {};
}

Result<std::vector<model::Entity>> apply_changes(std::vector<model::Entity> head,
                                                 const ChangeSet& changes) {
  if (auto r = check_change_set(changes); !r) return r.error();
  std::unordered_map<std::string, size_t> index;
  index.reserve(head.size());
  for (size_t i = 0; i < head.size(); ++i) index.emplace(key_string(head[i].kind, head[i].id), i);

  std::vector<bool> removed(head.size(), false);
  for (const EntityKey& k : changes.remove) {
    auto it = index.find(key_string(k.kind, k.id));
    if (it == index.end()) {
      return make_error(ErrorCode::kNotFound,
                        "cannot remove " + describe(k.kind, k.id) + ": it is not in the model");
    }
    removed[it->second] = true;
  }
  // New entities by kind, in the order given; changed ones in place.
  std::map<model::EntityKind, std::vector<const model::Entity*>> added;
  for (const model::Entity& e : changes.put) {
    auto it = index.find(key_string(e.kind, e.id));
    if (it == index.end()) {
      added[e.kind].push_back(&e);
    } else {
      head[it->second].body = e.body;
    }
  }
  std::vector<model::Entity> kept;
  kept.reserve(head.size());
  for (size_t i = 0; i < head.size(); ++i) {
    if (!removed[i]) kept.push_back(std::move(head[i]));
  }
  // Where each kind's new entities go: after the last kept entity of that kind, else after the
  // last of an earlier kind, else first (anchor -1). Kinds sharing an anchor go in kind order.
  std::vector<std::pair<int64_t, model::EntityKind>> anchors;  // (anchor, kind), sorted
  for (const auto& [kind, list] : added) {
    int64_t own = -1, earlier = -1;
    for (size_t i = 0; i < kept.size(); ++i) {
      if (kept[i].kind == kind) own = static_cast<int64_t>(i);
      if (kept[i].kind < kind) earlier = static_cast<int64_t>(i);
    }
    anchors.emplace_back(own >= 0 ? own : earlier, kind);
  }
  std::sort(anchors.begin(), anchors.end());
  std::vector<model::Entity> out;
  out.reserve(kept.size() + changes.put.size());
  size_t next_anchor = 0;
  auto emit_after = [&](int64_t anchor) {
    for (; next_anchor < anchors.size() && anchors[next_anchor].first == anchor; ++next_anchor) {
      for (const model::Entity* e : added[anchors[next_anchor].second]) out.push_back(*e);
    }
  };
  emit_after(-1);
  for (size_t i = 0; i < kept.size(); ++i) {
    out.push_back(std::move(kept[i]));
    emit_after(static_cast<int64_t>(i));
  }
  return out;
}

std::string revision_to_json(const RevisionInfo& r) {
  return boost::json::serialize(boost::json::object{{"revision", r.number},
                                                    {"time", format_utc(r.time_ms)},
                                                    {"time_ms", r.time_ms},
                                                    {"author", r.author},
                                                    {"message", r.message},
                                                    {"added", r.added},
                                                    {"changed", r.changed},
                                                    {"removed", r.removed},
                                                    {"entities", r.entity_count}});
}

}  // namespace ebcm::store
