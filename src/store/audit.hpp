// One entry of the audit trail: who did what, when, from where, and what it changed.
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string>

namespace ebcm::store {

struct AuditEntry {
  int64_t id = 0;  // assigned by append(), increasing
  int64_t time_ms = 0;
  std::string actor;   // account name, "" for anonymous (a failed sign-in names the user tried)
  std::string remote;  // "127.0.0.1:53422", or "cli"
  std::string action;  // "sign_in", "sign_in_failed", "sign_out", "user_add", "model_update", ...
  std::string target;  // "function/payroll", "user/alice", ...
  std::string before, after;  // JSON documents (canonical entity bodies), "" when none
  std::string detail;         // a sentence, e.g. the revision's message
};

}  // namespace ebcm::store
