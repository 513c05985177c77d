#include "spoke/compile_service.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "metrics/library_metrics.h"
#include "registry/registry_access.h"
#include "spoke/log.h"
#include "util/sha256.h"
#include "webhooks/events.h"

namespace spoke {
namespace {

std::uint64_t random_u64() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mu);
  return rng();
}

std::string new_job_id() { return fmt::format("job_{:016x}", random_u64()); }

// Names this process among every process sharing the store: "<host>:<pid>:<random>".
std::string new_owner_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}:{:08x}", host, ::getpid(), random_u64() & 0xffffffffu);
}

CompileRequest to_request(const CompileJob& job) {
  CompileRequest r;
  r.language = job.language;
  r.grpc = job.grpc;
  r.options = job.options;
  return r;
}

bool same_request(const CompileJob& a, const CompileSubmission& b) {
  return a.language == b.language && a.grpc == b.grpc && a.options == b.options;
}

}  // namespace

std::int64_t job_duration_ms(const CompileJob& job) {
  return job.finished_at > 0 && job.started_at > 0 ? job.finished_at - job.started_at : 0;
}

struct CompileService::Impl {
  Impl(Registry& r, CompileServiceOptions o)
      : registry(r),
        options(std::move(o)),
        metadata(internal::RegistryAccess::metadata(r)),
        blobs(internal::RegistryAccess::blobs(r)) {}

  void worker();
  void keep_leases();
  // False when the job was handed back because the store did not answer.
  bool run(CompileJob job);
  Status check_language(const CompileRequest& request) const;
  Result<std::string> artifact_key(const std::string& version_digest, const CompileRequest& request,
                                   std::string* generator) const;
  Status start();
  void stop();
  Result<SubmitResult> submit(const CompileSubmission& submission);
  void on_push(const std::string& module, const std::string& version);
  Result<CompileJob> get_job(const std::string& id);
  Result<std::vector<CompileJob>> list_jobs(const std::string& module, const std::string& version);
  Result<Download> download(const std::string& module, const std::string& version,
                            const std::string& language, ArchiveFormat format);
  Result<std::vector<GeneratedFile>> artifact_files(const Artifact& artifact);
  std::vector<LanguageInfo> languages() const;

  Registry& registry;
  CompileServiceOptions options;
  MetadataStore& metadata;
  BlobStore& blobs;
  const std::string owner = new_owner_id();
  std::mutex mu;
  std::condition_variable cv;
  std::size_t wakeups = 0;        // submits not yet answered by a claim
  std::set<std::string> running;  // ids of the jobs this process runs
  bool stopping = false;
  bool subscribed = false;  // to the registry's pushes, for auto_compile
  std::vector<std::thread> threads;
  // Sets spoke_compile_queue_length from the store at each scrape while started.
  metrics::CollectorHandle queue_length;
};

CompileService::CompileService(Registry& registry, CompileServiceOptions options)
    : impl_(std::make_shared<Impl>(registry, std::move(options))) {}

CompileService::~CompileService() { stop(); }

const CompileServiceOptions& CompileService::options() const { return impl_->options; }

Status CompileService::Impl::start() {
  // Every auto-compile language must be one this installation generates.
  for (const auto& language : options.auto_compile) {
    CompileRequest probe;
    probe.language = language;
    if (Status s = check_compile_request(probe, options.compiler); !s.ok()) {
      return Status::InvalidArgument(fmt::format("auto-compile {}: {}", language, s.message()),
                                     reason::kInvalidAutoCompile);
    }
  }
  {
    std::lock_guard lock(mu);
    stopping = false;
  }
  // Jobs left by a process that died are taken over once their lease expires (claim_job).
  int n = std::max(1, options.workers);
  for (int i = 0; i < n; ++i) threads.emplace_back([this] { worker(); });
  threads.emplace_back([this] { keep_leases(); });
  queue_length = metrics::default_registry().add_collector([this] {
    auto queued = metadata.list_jobs_by_status({JobStatus::kQueued});
    if (queued.ok()) {
      internal::library_metrics().compile_queue_length.with({}).set(
          static_cast<double>(queued->size()));
    }
  });
  return Status::OK();
}

void CompileService::Impl::stop() {
  {
    std::lock_guard lock(mu);
    if (threads.empty()) return;
    stopping = true;
  }
  queue_length.reset();
  cv.notify_all();
  // Another process may start the running jobs at once; what finishes here is discarded (its
  // artifact is kept: the other run finds it).
  auto release = [&] {
    if (auto r = metadata.release_jobs(owner); !r.ok()) {
      log::write(log::Level::kError, "compile jobs: cannot release this process's jobs",
                 {{"owner", owner}, {"error", r.status().to_string()}});
    }
  };
  release();
  for (auto& t : threads) t.join();
  threads.clear();
  release();  // one claimed while the first release ran
}

Status CompileService::Impl::check_language(const CompileRequest& request) const {
  Status s = check_compile_request(request, options.compiler);
  if (s.ok()) return s;
  if (s.reason() != "unknown_language" && s.reason() != reason::kPluginNotFound) return s;
  std::vector<std::string> names;
  for (const auto& l : available_languages(options.compiler)) names.push_back(l.language);
  return Status::InvalidArgument(
             fmt::format("{}; this server can generate: {}", s.message(), fmt::join(names, ", ")),
             reason::kUnsupportedLanguage)
      .with_field("supported", fmt::format("{}", fmt::join(names, ",")));
}

Result<std::string> CompileService::Impl::artifact_key(const std::string& version_digest,
                                                       const CompileRequest& request,
                                                       std::string* generator) const {
  auto identity = generator_identity(request, options.compiler);
  if (!identity.ok()) return identity.status();
  *generator = identity.value();
  std::string material = fmt::format("spoke-artifact-1\n{}\n{}\ngrpc={}\n", version_digest,
                                     identity.value(), request.grpc ? 1 : 0);
  for (const auto& o : request.options) material.append(fmt::format("opt {}\n", o));
  return "sha256:" + internal::sha256_hex(material);
}

Result<SubmitResult> CompileService::Impl::submit(const CompileSubmission& submission) {
  CompileRequest request;
  request.language = submission.language;
  request.grpc = submission.grpc;
  request.options = submission.options;
  SPOKE_RETURN_IF_ERROR(check_language(request));
  auto version = registry.get_version(submission.module, submission.version, false);
  if (!version.ok()) return version.status();

  // The same request queued or running already: that job.
  auto existing = metadata.list_jobs(version->module, version->version);
  if (!existing.ok()) return existing.status();
  for (const auto& job : existing.value()) {
    if ((job.status == JobStatus::kQueued || job.status == JobStatus::kRunning) &&
        same_request(job, submission)) {
      return SubmitResult{job, std::nullopt, false};
    }
  }

  CompileJob job;
  job.id = new_job_id();
  job.module = version->module;
  job.version = version->version;
  job.language = submission.language;
  job.grpc = submission.grpc;
  job.options = submission.options;
  job.created_at = now_ms();

  std::string generator;
  auto key = artifact_key(version->digest, request, &generator);
  if (!key.ok()) return key.status();
  auto artifact = metadata.get_artifact(key.value());
  auto& metrics = internal::library_metrics();
  static auto& artifact_hits = metrics.cache_hits.with({"artifact"});
  static auto& artifact_misses = metrics.cache_misses.with({"artifact"});
  if (artifact.ok()) {
    artifact_hits.inc();
    metrics.compile_jobs.with({job.language, "cached"}).inc();
    job.status = JobStatus::kSucceeded;
    job.generator = generator;
    job.artifact_key = key.value();
    job.file_count = artifact->file_count;
    job.started_at = job.finished_at = job.created_at;
    SPOKE_RETURN_IF_ERROR(metadata.insert_job(job));
    return SubmitResult{job, std::move(artifact).value(), true};
  }
  if (artifact.status().code() != Code::kNotFound) return artifact.status();

  artifact_misses.inc();
  job.status = JobStatus::kQueued;
  SPOKE_RETURN_IF_ERROR(metadata.insert_job(job));
  metrics.compile_jobs.with({job.language, "queued"}).inc();
  {
    std::lock_guard lock(mu);
    ++wakeups;
  }
  cv.notify_one();
  return SubmitResult{job, std::nullopt, false};
}

void CompileService::Impl::on_push(const std::string& module, const std::string& version) {
  for (const auto& language : options.auto_compile) {
    auto r = submit({module, version, language, false, {}});
    if (!r.ok()) {
      log::write(log::Level::kWarn, "auto-compile not started",
                 {{"module", module},
                  {"version", version},
                  {"language", language},
                  {"error", r.status().message()}});
    }
  }
}

void CompileService::Impl::worker() {
  for (;;) {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
    }
    auto claimed = metadata.claim_job(owner, options.lease);
    if (claimed.ok() && claimed->has_value()) {
      CompileJob job = std::move(*claimed).value();
      {
        std::lock_guard lock(mu);
        // Our own job, handed out again because its renewal came late: it runs here already.
        if (!running.insert(job.id).second) continue;
      }
      std::string id = job.id;
      auto& metrics = internal::library_metrics();
      metrics.compile_jobs.with({job.language, "running"}).inc();
      metrics.compile_jobs_running.with({}).inc();
      bool done = run(std::move(job));
      metrics.compile_jobs_running.with({}).dec();
      std::unique_lock lock(mu);
      running.erase(id);
      if (!done) cv.wait_for(lock, options.poll_interval, [&] { return stopping; });
      continue;
    }
    if (!claimed.ok()) {
      log::write(log::Level::kError, "compile jobs: cannot claim a job",
                 {{"error", claimed.status().to_string()}});
    }
    // Nothing to do (or the store did not answer): wait for a submit here or the next poll.
    std::unique_lock lock(mu);
    cv.wait_for(lock, options.poll_interval, [&] { return stopping || wakeups > 0; });
    if (wakeups > 0) --wakeups;
  }
}

void CompileService::Impl::keep_leases() {
  const auto every = std::max(options.lease / 3, std::chrono::milliseconds(1));
  std::unique_lock lock(mu);
  while (!cv.wait_for(lock, every, [&] { return stopping; })) {
    std::vector<std::string> ids(running.begin(), running.end());
    lock.unlock();
    for (const auto& id : ids) {
      // A lost lease is noticed when the job finishes; a store that does not answer, at the
      // next renewal.
      Status s = metadata.renew_job_lease(id, owner, options.lease);
      if (!s.ok() && s.reason() != reason::kLeaseLost) {
        log::write(log::Level::kError, "compile jobs: cannot renew a lease",
                   {{"job_id", id}, {"error", s.to_string()}});
      }
    }
    lock.lock();
  }
}

bool CompileService::Impl::run(CompileJob job) {
  // Stores the outcome unless another worker holds the job now (this one's lease expired, or
  // it was released at stop): then that worker's result counts.
  const auto started = std::chrono::steady_clock::now();
  auto finish = [&] {
    Journal journal;
    if (job.status != JobStatus::kQueued) {
      job.finished_at = now_ms();
      journal.events.push_back(internal::compile_finished_event(job));
      auto& metrics = internal::library_metrics();
      metrics.compile_job_duration.with({job.language})
          .observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      metrics.compile_jobs
          .with({job.language, job.status == JobStatus::kSucceeded ? "succeeded" : "failed"})
          .inc();
    }
    Status s = metadata.finish_job(job, journal);
    if (!s.ok() && s.reason() != reason::kLeaseLost) {
      log::write(log::Level::kError, "compile jobs: cannot record a job",
                 {{"job_id", job.id}, {"error", s.to_string()}});
    }
    return job.status != JobStatus::kQueued;
  };
  auto fail = [&](const Status& s) {
    // The store did not answer: not the job's fault. Handed back for a later attempt (or, if
    // even that fails, taken over when the lease expires).
    if (s.code() == Code::kUnavailable) {
      job.status = JobStatus::kQueued;
      job.started_at = 0;
      return finish();
    }
    job.status = JobStatus::kFailed;
    job.error = s.message();
    for (const auto& d : s.diagnostics()) {
      job.error.push_back('\n');
      job.error.append(format_diagnostic(d));
    }
    return finish();
  };

  CompileRequest request = to_request(job);
  auto sources = registry.get_sources(job.module, job.version);
  if (!sources.ok()) return fail(sources.status());
  std::string generator;
  auto key = artifact_key(sources->version.digest, request, &generator);
  if (!key.ok()) return fail(key.status());
  job.generator = generator;

  auto existing = metadata.get_artifact(key.value());
  if (!existing.ok()) {
    // Files generated of the total, into the store for GET /jobs/{id}: at most every 200 ms, and
    // when every file is done.
    std::mutex progress_mu;
    auto last_write = std::chrono::steady_clock::time_point();
    auto report = [&](std::size_t done, std::size_t total) {
      std::lock_guard lock(progress_mu);
      auto now = std::chrono::steady_clock::now();
      if (done < total && done > 0 && now - last_write < std::chrono::milliseconds(200)) return;
      last_write = now;
      // Best effort: a lost lease or an unreachable store shows when the job finishes.
      (void)metadata.set_job_progress(job.id, job.owner, done, total);
    };
    auto files = compile(sources->files, sources->dependencies, request, options.compiler, report);
    if (!files.ok()) return fail(files.status());
    // Every file is a blob; the manifest lists them; the artifact row points at the manifest.
    std::vector<std::pair<std::string, std::string_view>> outputs;
    nlohmann::json manifest = nlohmann::json::array();
    std::uint64_t total = 0;
    for (const auto& f : files.value()) {
      std::string digest = content_digest(f.content);
      manifest.push_back({{"name", f.name}, {"digest", digest}, {"size", f.content.size()}});
      total += f.content.size();
      outputs.emplace_back(std::move(digest), f.content);
    }
    std::string manifest_text = manifest.dump();
    std::string manifest_digest = content_digest(manifest_text);
    outputs.emplace_back(manifest_digest, manifest_text);
    if (Status s = blobs.put_many(outputs); !s.ok()) return fail(s);
    Artifact artifact;
    artifact.key = key.value();
    artifact.module = job.module;
    artifact.version = job.version;
    artifact.language = job.language;
    artifact.generator = generator;
    artifact.manifest_digest = manifest_digest;
    artifact.file_count = files->size();
    artifact.total_size = total;
    artifact.created_at = now_ms();
    if (Status s = metadata.put_artifact(artifact); !s.ok()) return fail(s);
    job.file_count = artifact.file_count;
  } else {
    job.file_count = existing->file_count;
  }
  job.artifact_key = key.value();
  job.status = JobStatus::kSucceeded;
  return finish();
}

Result<CompileJob> CompileService::Impl::get_job(const std::string& id) {
  return metadata.get_job(id);
}

Result<std::vector<CompileJob>> CompileService::Impl::list_jobs(const std::string& module,
                                                                const std::string& version) {
  auto v = registry.get_version(module, version, false);
  if (!v.ok()) return v.status();
  return metadata.list_jobs(v->module, v->version);
}

Result<std::vector<GeneratedFile>> CompileService::Impl::artifact_files(const Artifact& artifact) {
  auto manifest_text = blobs.get(artifact.manifest_digest);
  if (!manifest_text.ok()) return manifest_text.status();
  auto manifest = nlohmann::json::parse(manifest_text.value(), nullptr, false);
  if (!manifest.is_array()) {
    return Status::Internal(fmt::format("artifact {} has a damaged manifest", artifact.key),
                            reason::kStorageError);
  }
  std::vector<GeneratedFile> files;
  for (const auto& entry : manifest) {
    auto content = blobs.get(entry.value("digest", ""));
    if (!content.ok()) return content.status();
    files.push_back({entry.value("name", ""), std::move(content).value()});
  }
  std::sort(files.begin(), files.end(),
            [](const GeneratedFile& a, const GeneratedFile& b) { return a.name < b.name; });
  return files;
}

Result<Download> CompileService::Impl::download(const std::string& module,
                                                const std::string& version,
                                                const std::string& language, ArchiveFormat format) {
  auto v = registry.resolve_version(module, version);
  if (!v.ok()) return v.status();
  auto jobs = metadata.list_jobs(module, v.value());
  if (!jobs.ok()) return jobs.status();
  const std::string compile_path =
      fmt::format("POST /modules/{}/versions/{}/compile/{}", module, v.value(), language);
  for (const auto& job : jobs.value()) {
    if (job.language != language) continue;
    if (job.status == JobStatus::kFailed) {
      return Status::Unprocessable(fmt::format("compiling {}@{} to {} failed: {}", module,
                                               v.value(), language, job.error),
                                   reason::kCompileFailed)
          .with_field("job_id", job.id);
    }
    if (job.status == JobStatus::kQueued || job.status == JobStatus::kRunning) {
      return Status::NotFound(
                 fmt::format("{}@{} is not built for {} yet: job {} is {}; see GET "
                             "/jobs/{}",
                             module, v.value(), language, job.id, to_string(job.status), job.id),
                 reason::kNotBuilt)
          .with_field("job_id", job.id);
    }
    auto artifact = metadata.get_artifact(job.artifact_key);
    if (!artifact.ok()) return artifact.status();
    auto files = artifact_files(artifact.value());
    if (!files.ok()) return files.status();
    auto body = write_archive(files.value(), format, artifact->created_at);
    if (!body.ok()) return body.status();
    Download d;
    d.filename = fmt::format("{}-{}-{}.{}", module, v.value(), language, archive_extension(format));
    d.content_type = archive_content_type(format);
    d.body = std::move(body).value();
    return d;
  }
  return Status::NotFound(fmt::format("{}@{} has not been compiled for {}; start a build with {}",
                                      module, v.value(), language, compile_path),
                          reason::kNotBuilt);
}

std::vector<LanguageInfo> CompileService::Impl::languages() const {
  return available_languages(options.compiler);
}

Status CompileService::start() {
  SPOKE_RETURN_IF_ERROR(impl_->start());
  if (!impl_->options.auto_compile.empty() && !impl_->subscribed) {
    impl_->subscribed = true;
    std::weak_ptr<Impl> weak = impl_;
    impl_->registry.subscribe([weak](const RegistryEvent& event) {
      if (event.kind != EventKind::kVersionPushed) return;
      if (auto impl = weak.lock()) impl->on_push(event.module, event.version);
    });
  }
  return Status::OK();
}
void CompileService::stop() { impl_->stop(); }
Result<SubmitResult> CompileService::submit(const CompileSubmission& submission) {
  return impl_->submit(submission);
}
void CompileService::on_push(const std::string& module, const std::string& version) {
  impl_->on_push(module, version);
}
Result<CompileJob> CompileService::get_job(const std::string& id) { return impl_->get_job(id); }
Result<std::vector<CompileJob>> CompileService::list_jobs(const std::string& module,
                                                          const std::string& version) {
  return impl_->list_jobs(module, version);
}
Result<Download> CompileService::download(const std::string& module, const std::string& version,
                                          const std::string& language, ArchiveFormat format) {
  return impl_->download(module, version, language, format);
}
Result<std::vector<GeneratedFile>> CompileService::artifact_files(const Artifact& artifact) {
  return impl_->artifact_files(artifact);
}
std::vector<LanguageInfo> CompileService::languages() const { return impl_->languages(); }

}  // namespace spoke
