// open_store: from a URL to a backend.

#include "store/store.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/strings.hpp"
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
