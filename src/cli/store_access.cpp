#include "cli/store_access.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "cli/output.hpp"

namespace ebcm::cli {

std::string default_db_url() {
  const char* env = std::getenv("EBCM_DB");
  if (env != nullptr && *env != '\0') return env;
  return kDefaultDb;
}

void add_db_option(CLI::App& cmd, std::string& url) {
  url = default_db_url();
  cmd.add_option("--db", url,
                 "the store to use (default: $EBCM_DB, else sqlite:ebcm.db); SQLite: "
                 "sqlite:PATH")
      ->type_name("URL");
}

void add_rev_option(CLI::App& cmd, int64_t& rev) {
  rev = 0;
  cmd.add_option("--rev", rev, "the revision to read (default: the newest)")
      ->type_name("N")
      ->check(CLI::PositiveNumber.description(""));
}

Result<std::unique_ptr<store::Store>> open_existing_store(const std::string& url) {
  auto parsed = store::parse_store_url(url);
  if (!parsed) return parsed.error();
  if (parsed->backend == store::StoreUrl::Backend::kSqlite && parsed->path != ":memory:") {
    std::error_code ec;
    if (!std::filesystem::exists(parsed->path, ec)) {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("no store at '{}'; {}", parsed->path, kEmptyStoreHint));
    }
  }
  return store::open_store(url);
}

Result<std::unique_ptr<store::Store>> open_store_for_writing(const std::string& url) {
  return store::open_store(url);
}

Result<store::RevisionInfo> resolve_revision(store::Store& store, int64_t rev) {
  if (rev > 0) {
    auto info = store.revision(rev);
    if (info.ok()) return info;
    if (info.error().code != ErrorCode::kNotFound) return info.error();
    auto head = store.head();
    if (!head) return head.error();
    if (!*head)
      return make_error(ErrorCode::kNotFound,
                        fmt::format("the store is empty; {}", kEmptyStoreHint));
    return make_error(
        ErrorCode::kNotFound,
        fmt::format("no revision {}; the store has revisions 1 to {}", rev, (*head)->number));
  }
  auto head = store.head();
  if (!head) return head.error();
  if (!*head) {
    return make_error(ErrorCode::kInvalidInput,
                      fmt::format("the store is empty; {}", kEmptyStoreHint));
  }
  return **head;
}

void warn_repairs(store::Store& store) {
  for (const store::Repair& r : store.take_repairs()) warn(store::describe(r));
}

Result<Snapshot> read_snapshot(store::Store& store, int64_t rev, Progress& progress) {
  auto info = resolve_revision(store, rev);
  if (!info) return info.error();
  auto entities = store.entities(info->number, progress.callback());
  progress.clear();
  if (!entities) return entities.error();
  warn_repairs(store);
  Result<model::Model> model = make_error(ErrorCode::kInternal, "not read");
  progress.stage("reading revision " + std::to_string(info->number));
  progress.spin_while([&] { model = model::from_entities(*entities); });
  if (!model) {
    // The store holds what import wrote; a body that no longer reads back is damage, not input.
    return make_error(ErrorCode::kStorage, fmt::format("revision {} cannot be read back: {}",
                                                       info->number, model.error().message));
  }
  return Snapshot{*info, std::move(*entities), std::move(*model)};
}

}  // namespace ebcm::cli
