#include "cli/service_access.hpp"

#include "cli/accounts_access.hpp"
#include "cli/store_access.hpp"

namespace ebcm::cli {

Result<std::unique_ptr<app::Service>> open_service(const std::string& url, const Clock& clock) {
  {
    auto existing = open_existing_store(url);
    if (!existing) return existing.error();
    auto head = (*existing)->head();
    if (!head) return head.error();
    if (!*head) return make_error(ErrorCode::kInvalidInput, std::string("the store has no model; ") + kEmptyStoreHint);
  }
  return app::Service::open(url, nullptr, nullptr, clock);
}

app::Actor cli_app_actor() { return {cli_actor(), "cli", std::nullopt, ""}; }

}  // namespace ebcm::cli
