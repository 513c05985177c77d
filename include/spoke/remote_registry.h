#pragma once

// A typed client of spoke-server's REST API: the requests and answers of spoke/registry.h as C++
// values, spoken over HTTP(S) through the one JSON mapping (spoke/rest.h). Part of libspoke-rest.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "spoke/archive.h"
#include "spoke/auth.h"
#include "spoke/breaking.h"
#include "spoke/compile.h"
#include "spoke/compile_service.h"
#include "spoke/dependency_source.h"
#include "spoke/lint.h"
#include "spoke/model.h"
#include "spoke/registry.h"
#include "spoke/status.h"
#include "spoke/webhooks.h"

namespace spoke {

struct RemoteOptions {
  std::string url = "http://localhost:8080";  // http(s)://host[:port][/prefix]
  std::string token;                          // sent as "Authorization: Bearer <token>" when set
  std::string ca_cert;  // PEM file of the CA that signed an https registry's certificate
  int connect_timeout_s = 10;
  int timeout_s = 600;  // reading or writing one request
};

// Progress of a request body being sent: bytes written so far of `total`.
using UploadProgress = std::function<void(std::size_t sent, std::size_t total)>;

// Every method answers as the server does: the server's error reason, message, diagnostics and
// breaking findings arrive as the Status; Unavailable("registry_unreachable") when the server
// cannot be reached. Not thread-safe: one client per thread.
class RemoteRegistry : public DependencySource {
 public:
  explicit RemoteRegistry(RemoteOptions options);
  ~RemoteRegistry() override;
  RemoteRegistry(const RemoteRegistry&) = delete;
  RemoteRegistry& operator=(const RemoteRegistry&) = delete;

  const RemoteOptions& options() const;

  Result<CreateModuleResult> create_module(const std::string& name, const std::string& description);
  Result<ModulePage> list_modules(std::size_t limit, const std::string& page_token);
  // Every module, following next_page_token.
  Result<std::vector<ModuleSummary>> list_all_modules();
  // The module and its first page of versions (limit 0: the server's default page).
  Result<ModuleDetail> get_module(const std::string& name, std::size_t limit = 0,
                                  const std::string& page_token = "");

  // The body is gzip-compressed. `progress` (optional) sees the compressed bytes go out.
  Result<PushResult> push(const PushRequest& request, const UploadProgress& progress = {});
  // One page of versions, newest first.
  Result<VersionPage> list_versions(const std::string& module, std::size_t limit,
                                    const std::string& page_token);
  // Every version, newest first, following next_page_token.
  Result<std::vector<Version>> list_versions(const std::string& module);
  Result<Version> get_version(const std::string& module, const std::string& version,
                              bool with_content);
  Result<DependencyReport> get_dependencies(const std::string& module, const std::string& version);
  Result<ValidateReport> validate(const ValidateRequest& request);
  // POST /lint: the files linted on the server (see Registry::lint).
  Result<LintResult> lint(const LintRequest& request);

  Result<EffectivePolicy> get_policy(const std::string& module);
  Result<EffectivePolicy> set_policy(const std::string& module, const ModulePolicy& policy);
  Result<BreakingResult> diff(const std::string& module, const std::string& from,
                              const std::string& to, const std::string& against);

  Result<SubmitResult> submit_compile(const CompileSubmission& submission);
  Result<CompileJob> get_job(const std::string& id);
  // The archive of the newest successful build (bytes as downloaded).
  Result<std::string> download(const std::string& module, const std::string& version,
                               const std::string& language, ArchiveFormat format);
  Result<std::vector<LanguageInfo>> languages();

  // ---- access tokens and the audit log ----
  // The caller the token names (anonymous without one).
  Result<Principal> whoami();
  Result<CreatedToken> create_token(const NewToken& request);
  Result<std::vector<AccessToken>> list_tokens();
  Status revoke_token(const std::string& name);
  Result<AuditPage> list_audit(const AuditFilter& filter);

  // ---- webhooks ----
  Result<CreatedWebhook> create_webhook(const WebhookRequest& request);
  Result<std::vector<Webhook>> list_webhooks();
  Result<Webhook> get_webhook(const std::string& id);
  Result<CreatedWebhook> update_webhook(const std::string& id, const WebhookRequest& patch);
  Status delete_webhook(const std::string& id);
  Result<DeliveryPage> list_deliveries(const std::string& id, const DeliveryFilter& filter);
  Result<DeliveryDetail> get_delivery(const std::string& id, const std::string& delivery);
  Result<WebhookDelivery> redeliver(const std::string& id, const std::string& delivery);
  Result<WebhookDelivery> ping_webhook(const std::string& id);

  // DependencySource: the version with its file contents.
  Result<Version> fetch_version(const std::string& module, const std::string& version) override;
  Result<Version> fetch_metadata(const std::string& module, const std::string& version) override;
  std::string describe() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes one path segment (module, version, ...).
std::string encode_path_segment(const std::string& s);

}  // namespace spoke
