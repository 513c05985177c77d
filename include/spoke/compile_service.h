#pragma once

// Compile jobs: code generation for stored versions on a pool of background workers, with jobs
// persisted in the metadata store (they survive a restart) and the generated files kept as
// content-addressed artifacts (compiling the same thing twice is a cache hit).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "spoke/archive.h"
#include "spoke/compile.h"
#include "spoke/model.h"
#include "spoke/registry.h"
#include "spoke/status.h"

namespace spoke {

struct CompileServiceOptions {
  int workers = 2;
  CompilerOptions compiler;
  // Languages compiled after every push that creates a version (SPOKE_AUTO_COMPILE): the
  // service subscribes to the registry's pushes when started.
  std::vector<std::string> auto_compile;
};

struct CompileSubmission {
  std::string module;
  std::string version;  // "latest" allowed
  std::string language;
  bool grpc = false;
  std::vector<std::string> options;
};

struct SubmitResult {
  CompileJob job;                    // queued (or already queued/running), or succeeded on a hit
  std::optional<Artifact> artifact;  // set on a cache hit
  bool cache_hit = false;
};

struct Download {
  std::string filename;  // "<module>-<version>-<language>.<ext>"
  std::string content_type;
  std::string body;
};

class CompileService {
 public:
  CompileService(Registry& registry, CompileServiceOptions options);
  ~CompileService();  // stop()
  CompileService(const CompileService&) = delete;
  CompileService& operator=(const CompileService&) = delete;

  // Starts the workers after queueing again every job a previous run left queued or running.
  // InvalidArgument("invalid_auto_compile") when an auto_compile language cannot be generated.
  Status start();
  // Stops taking jobs and waits for the ones running. Queued jobs stay queued in the store.
  void stop();

  // Queues a job; a request already queued or running answers that job; an artifact already
  // built for the same version digest, generator and options answers at once (cache_hit), with
  // a succeeded job recorded for this version. InvalidArgument("unsupported_language") lists
  // what can be generated; NotFound for a missing module or version.
  Result<SubmitResult> submit(const CompileSubmission& submission);
  // Compiles a version for each auto_compile language (what start() subscribes to pushes);
  // problems are logged.
  void on_push(const std::string& module, const std::string& version);

  Result<CompileJob> get_job(const std::string& id);
  Result<std::vector<CompileJob>> list_jobs(const std::string& module, const std::string& version);
  // The newest job of `language` for the version: succeeded → the archive of its artifact;
  // failed → Unprocessable("compile_failed") with its error; queued or running →
  // NotFound("not_built") saying so; none → NotFound("not_built") with how to start one.
  Result<Download> download(const std::string& module, const std::string& version,
                            const std::string& language, ArchiveFormat format);
  // The files of an artifact, in name order.
  Result<std::vector<GeneratedFile>> artifact_files(const Artifact& artifact);

  std::vector<LanguageInfo> languages() const;
  const CompileServiceOptions& options() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // a push listener holds it weakly
};

// JSON-ready fields of a job's duration: finished_at - started_at, 0 until finished.
std::int64_t job_duration_ms(const CompileJob& job);

}  // namespace spoke
