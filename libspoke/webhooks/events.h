#pragma once

// The events of the webhook outbox, each rendered once as the JSON body every subscription
// receives: {"id", "type", "time", "data": {...}} (docs/webhooks.md shows each). Private to
// libspoke: the facades add them to the journal of the change that causes them.

#include <string>

#include "spoke/model.h"
#include "spoke/registry_types.h"
#include "spoke/status.h"
#include "spoke/storage.h"

namespace spoke::internal {

// module.created, recorded only when the change creates the module.
JournalEvent module_created_event(const Module& module);
// version.pushed: module, version, digest, files, dependencies, forced_breaking, source_info.
JournalEvent version_pushed_event(const Version& version);
// version.rejected: module, version, the error code and message, the number of breaking
// findings and of error diagnostics.
JournalEvent version_rejected_event(const std::string& module, const std::string& version,
                                    const Status& why);
// compile.finished: module, version, language, job, succeeded or failed, artifact key, duration.
JournalEvent compile_finished_event(const CompileJob& job);
// policy.changed: the module's policy as it now applies.
JournalEvent policy_changed_event(const std::string& module, const EffectivePolicy& policy);
// ping, for one subscription only.
JournalEvent ping_event(const std::string& webhook_id);

}  // namespace spoke::internal

namespace spoke::internal {

// A journal holding `audit`'s entry (its time now unless set), or none when `audit` is null.
Journal journal_with(const AuditRecord* audit);
// Marks `audit` written, once the journal holding it is stored.
inline void mark_written(AuditRecord* audit) {
  if (audit != nullptr) audit->written = true;
}

}  // namespace spoke::internal
