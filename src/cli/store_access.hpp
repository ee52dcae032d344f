// What the store-using commands share: the --db and --rev options, opening the store without
// creating one by accident, and reading a revision back as a model.
// Thread safety: one thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "cli/progress.hpp"
#include "core/result.hpp"
#include "model/entities.hpp"
#include "model/model.hpp"
#include "store/store.hpp"

namespace ebcm::cli {

inline constexpr const char* kDefaultDb = "sqlite:ebcm.db";
inline constexpr const char* kEmptyStoreHint = "import a model first: ebcm import FILE";

// $EBCM_DB when set and not empty, else sqlite:ebcm.db.
std::string default_db_url();
// Adds --db URL, its default from default_db_url().
void add_db_option(CLI::App& cmd, std::string& url);
// Adds --rev N; `rev` stays 0 (the head) when the option is not given.
void add_rev_option(CLI::App& cmd, int64_t& rev);

// Opens the store a command reads from. An SQLite file that does not exist is kNotFound
// ("no store at ..."), so reading never creates an empty database as a side effect.
Result<std::unique_ptr<store::Store>> open_existing_store(const std::string& url);
// Opens (creating if needed) the store `import` writes to.
Result<std::unique_ptr<store::Store>> open_store_for_writing(const std::string& url);

// The revision `rev` names; 0 is the head. An empty store is kInvalidInput with a hint.
Result<store::RevisionInfo> resolve_revision(store::Store& store, int64_t rev);
// The entities and the model at `rev` (an existing revision).
struct Snapshot {
  store::RevisionInfo revision;
  std::vector<model::Entity> entities;
  model::Model model;
};
Result<Snapshot> read_snapshot(store::Store& store, int64_t rev, Progress& progress);
// Warns on stderr of each body the store repaired while reading (store::Repair), so a damaged
// revision is named while it still reads.
void warn_repairs(store::Store& store);

}  // namespace ebcm::cli
