// `spoke compile`: generate code for the .proto files under -dir; `spoke languages`: what this
// installation can generate. Argument parsing and printing only; the work is spoke::compile.
#include "compile_cmd.h"

#include <fmt/format.h>

#include <chrono>
#include <future>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "common/client.h"
#include "spoke/archive.h"
#include "spoke/compile.h"
#include "spoke/file_tree.h"
#include "spoke/schema.h"

namespace spoke::cli {

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int usage_error(const std::string& message) {
  std::cerr << "spoke: " << message << " (run spoke compile --help for usage)\n";
  return kExitUsage;
}

int failure(const Status& s) {
  std::cerr << "spoke: " << s.message() << "\n";
  for (const auto& d : s.diagnostics()) std::cerr << format_diagnostic(d) << "\n";
  return kExitFailure;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

// Splits "lang:key=value" into ("lang", "key=value") when the text before the first ':' names a
// language (no '=' in it); else ("", text).
std::pair<std::string, std::string> split_language_prefix(const std::string& option) {
  auto colon = option.find(':');
  auto eq = option.find('=');
  if (colon == std::string::npos || colon == 0 || (eq != std::string::npos && eq < colon)) {
    return {"", option};
  }
  std::string prefix = option.substr(0, colon);
  bool name = std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (!name) return {"", option};
  return {prefix, option.substr(colon + 1)};
}

}  // namespace

CompileCommands::CompileCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_common) {
  auto& a = args_;
  compile_ = app.add_subcommand("compile", "generate code for the .proto files under -dir");
  compile_->add_option("--dir", a.dir, "import root holding the files to compile")
      ->capture_default_str();
  compile_
      ->add_option("--out", a.out,
                   "output directory; with several languages, one subdirectory each")
      ->required();
  compile_->add_option("--lang", a.lang,
                       "language: cpp, java, go, python, ... (see spoke languages)");
  compile_->add_option("--languages", a.languages, "languages, comma-separated: go,python,java")
      ->delimiter(',');
  compile_->add_flag("--grpc", a.grpc, "also generate gRPC stubs with each language's gRPC plugin");
  compile_->add_option("--opt", a.options,
                       "generator option key=value, as protoc's --<lang>_opt (repeatable); "
                       "lang:key=value for one language only");
  compile_->add_option("--grpc-opt", a.grpc_options,
                       "gRPC plugin option key=value (repeatable); lang:key=value for one "
                       "language only");
  compile_->add_option("-I,--include", a.includes, "extra import root (repeatable)");
  compile_->add_option("--dep", a.deps,
                       "dependency module@version to fetch from -registry with its closure "
                       "(repeatable; implies -recursive; default: deps: in spoke.yaml)");
  compile_->add_flag("--recursive", a.recursive,
                     "fetch the declared dependencies and their closure from -registry first");
  compile_->add_option("--plugin", a.plugins,
                       "NAME=PATH: run PATH as plugin NAME (protoc-gen-foo, grpc_cpp_plugin); "
                       "repeatable");
  compile_
      ->add_option("--plugin-timeout", a.plugin_timeout,
                   "seconds a plugin may run before it is killed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  compile_->add_option("--module", a.module,
                       "compile this registry module on the server and download the result "
                       "(instead of -dir)");
  compile_->add_option("--version", a.version, "version of -module (default: latest)");
  compile_->add_option("--wait", a.wait_s, "seconds to wait for the server's build")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_common(compile_);

  languages_ = app.add_subcommand("languages", "list the languages this installation generates");
  add_common(languages_);
}

int CompileCommands::run(const std::string& registry, bool json_output) const {
  if (*compile_) return run_compile(registry, json_output);
  if (*languages_) return run_languages(json_output);
  return -1;
}

int CompileCommands::run_compile(const std::string& registry, bool json_output) const {
  const auto& a = args_;
  // Languages: -lang and -languages together, each once, in the order given.
  std::vector<std::string> languages;
  std::vector<std::string> given = split_list(a.lang);
  for (const auto& l : a.languages) {
    for (auto& item : split_list(l)) given.push_back(std::move(item));
  }
  for (auto& l : given) {
    if (std::find(languages.begin(), languages.end(), l) == languages.end()) languages.push_back(l);
  }
  if (languages.empty()) return usage_error("-lang or -languages is required");
  if (!a.version.empty() && a.module.empty()) return usage_error("-version needs -module");
  if (!a.module.empty() && (!a.includes.empty() || a.recursive || !a.deps.empty() ||
                            !a.plugins.empty() || !a.grpc_options.empty())) {
    return usage_error(
        "-module builds on the server: -I, -recursive, -dep, -plugin and "
        "-grpc-opt apply to -dir only");
  }

  CompilerOptions compiler;
  compiler.plugin_timeout =
      std::chrono::milliseconds(static_cast<long long>(a.plugin_timeout * 1000));
  for (const auto& p : a.plugins) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
      return usage_error(fmt::format("-plugin {}: expected NAME=PATH", p));
    }
    compiler.plugin_binaries[p.substr(0, eq)] = p.substr(eq + 1);
  }

  std::vector<CompileRequest> requests;
  for (const auto& language : languages) {
    CompileRequest r;
    r.language = language;
    r.grpc = a.grpc;
    requests.push_back(std::move(r));
  }
  auto distribute = [&](const std::vector<std::string>& options, const char* flag,
                        std::vector<std::string> CompileRequest::*field) -> std::string {
    for (const auto& o : options) {
      auto [prefix, option] = split_language_prefix(o);
      if (!prefix.empty() &&
          std::find(languages.begin(), languages.end(), prefix) == languages.end()) {
        return fmt::format("{} {}: {} is not one of the languages compiled", flag, o, prefix);
      }
      for (auto& r : requests) {
        if (prefix.empty() || prefix == r.language) (r.*field).push_back(option);
      }
    }
    return "";
  };
  if (auto e = distribute(a.options, "-opt", &CompileRequest::options); !e.empty()) {
    return usage_error(e);
  }
  if (auto e = distribute(a.grpc_options, "-grpc-opt", &CompileRequest::grpc_options); !e.empty()) {
    return usage_error(e);
  }
  if (!a.grpc && !a.grpc_options.empty()) return usage_error("-grpc-opt needs -grpc");
  if (!a.module.empty()) return run_registry_compile(registry, json_output, requests);
  // A missing generator is reported before anything is read or fetched.
  for (const auto& r : requests) {
    if (Status s = check_compile_request(r, compiler); !s.ok()) return failure(s);
  }

  auto tree = read_proto_tree(a.dir);
  if (!tree.ok()) return failure(tree.status());
  if (tree->empty()) {
    return failure(Status::InvalidArgument(fmt::format("no .proto files under {}", a.dir)));
  }
  std::vector<FileInput> deps;
  for (const auto& inc : a.includes) {
    auto more = read_proto_tree(inc);
    if (!more.ok()) return failure(more.status());
    for (auto& f : more.value()) deps.push_back(std::move(f));
  }
  if (a.recursive || !a.deps.empty()) {
    auto fetched = fetch_declared_dependencies(registry, a.dir, a.deps);
    if (!fetched.ok()) return failure(fetched.status());
    for (auto& f : fetched.value()) deps.push_back(std::move(f));
  }

  SchemaOptions schema_options;
  schema_options.for_code_generation = true;
  auto built = build_schema(tree.value(), deps, schema_options);
  for (const auto& d : built.diagnostics) std::cerr << format_diagnostic(d) << "\n";
  if (!built.valid()) return kExitFailure;

  // Every language at once; nothing is written unless all of them succeed.
  std::vector<std::future<Result<std::vector<GeneratedFile>>>> pending;
  for (const auto& r : requests) {
    pending.push_back(std::async(std::launch::async,
                                 [&, &r = r] { return compile(*built.schema, r, compiler); }));
  }
  std::vector<std::vector<GeneratedFile>> generated;
  int status = 0;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    auto result = pending[i].get();
    if (!result.ok()) {
      status = failure(result.status());
      continue;
    }
    generated.push_back(std::move(result).value());
  }
  if (status != 0) return status;

  nlohmann::json report = nlohmann::json::array();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    std::string out = languages.size() == 1 ? a.out : a.out + "/" + languages[i];
    if (Status s = write_generated_files(out, generated[i]); !s.ok()) return failure(s);
    if (json_output) {
      nlohmann::json names = nlohmann::json::array();
      for (const auto& f : generated[i]) names.push_back(f.name);
      report.push_back({{"language", languages[i]}, {"out", out}, {"files", names}});
    } else {
      std::cout << fmt::format("{}: wrote {} files under {}\n", languages[i], generated[i].size(),
                               out);
    }
  }
  if (json_output) std::cout << nlohmann::json{{"languages", report}}.dump(2) << "\n";
  return 0;
}

// -module: asks the server to build each language (or finds its cached build), waits for the
// jobs, downloads the archives and unpacks them; nothing is written unless every language built.
int CompileCommands::run_registry_compile(const std::string& registry, bool json_output,
                                          const std::vector<CompileRequest>& requests) const {
  const auto& a = args_;
  RegistryClient client(registry);
  const std::string module = encode_segment(a.module);
  const std::string version = encode_segment(a.version.empty() ? "latest" : a.version);
  struct Build {
    std::string language, job_id, exact_version;
    bool cached = false;
    std::vector<GeneratedFile> files;
  };
  std::vector<Build> builds;
  for (const auto& r : requests) {
    const std::string& language = r.language;
    nlohmann::json body = {{"grpc", r.grpc}, {"options", r.options}};
    auto submitted = client.post(fmt::format("/modules/{}/versions/{}/compile/{}", module, version,
                                             encode_segment(language)),
                                 body, false);
    if (!submitted.ok()) return failure(submitted.status());
    Build b;
    b.language = language;
    b.job_id = submitted.value().value("job_id", "");
    b.exact_version = submitted.value().value("version", a.version);
    b.cached = submitted.value().value("cache_hit", false);
    builds.push_back(std::move(b));
  }
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<long long>(a.wait_s * 1000));
  for (auto& b : builds) {
    for (;;) {
      auto job = client.get("/jobs/" + encode_segment(b.job_id));
      if (!job.ok()) return failure(job.status());
      std::string status = job.value().value("status", "");
      if (status == "failed") {
        return failure(Status::Unprocessable(
            fmt::format("the server could not compile {}@{} to {}: {}", a.module, b.exact_version,
                        b.language, job.value().value("error", "")),
            "compile_failed"));
      }
      if (status == "succeeded") break;
      if (std::chrono::steady_clock::now() > deadline) {
        return failure(Status::Unavailable(
            fmt::format("the server's build of {}@{} for {} is still {} after {} s (job {})",
                        a.module, b.exact_version, b.language, status, a.wait_s, b.job_id),
            "compile_timeout"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    auto archive =
        client.get_bytes(fmt::format("/modules/{}/versions/{}/download/{}?format=tar.gz", module,
                                     encode_segment(b.exact_version), encode_segment(b.language)));
    if (!archive.ok()) return failure(archive.status());
    auto files = read_archive(archive.value());
    if (!files.ok()) return failure(files.status());
    b.files = std::move(files).value();
  }
  nlohmann::json report = nlohmann::json::array();
  for (const auto& b : builds) {
    std::string out = builds.size() == 1 ? a.out : a.out + "/" + b.language;
    if (Status s = write_generated_files(out, b.files); !s.ok()) return failure(s);
    if (json_output) {
      nlohmann::json names = nlohmann::json::array();
      for (const auto& f : b.files) names.push_back(f.name);
      report.push_back({{"language", b.language},
                        {"module", a.module},
                        {"version", b.exact_version},
                        {"job_id", b.job_id},
                        {"cache_hit", b.cached},
                        {"out", out},
                        {"files", names}});
    } else {
      std::cout << fmt::format("{}: {}@{} built by the registry{}; wrote {} file{} under {}\n",
                               b.language, a.module, b.exact_version, b.cached ? " (cached)" : "",
                               b.files.size(), b.files.size() == 1 ? "" : "s", out);
    }
  }
  if (json_output) std::cout << nlohmann::json{{"languages", report}}.dump(2) << "\n";
  return 0;
}

int CompileCommands::run_languages(bool json_output) const {
  auto languages = available_languages();
  if (json_output) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& l : languages) {
      nlohmann::json grpc = nullptr;
      if (!l.grpc_program.empty()) grpc = {{"program", l.grpc_program}};
      if (!l.grpc_missing.empty()) grpc = {{"missing", l.grpc_missing}};
      list.push_back({{"language", l.language},
                      {"builtin", l.builtin},
                      {"program", l.builtin ? nlohmann::json(nullptr) : nlohmann::json(l.program)},
                      {"grpc", grpc}});
    }
    std::cout << nlohmann::json{{"libprotoc", libprotoc_version()}, {"languages", list}}.dump(2)
              << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<10} {:<40} {}\n", "LANGUAGE", "GENERATOR", "GRPC");
  for (const auto& l : languages) {
    std::string generator =
        l.builtin ? fmt::format("built-in (libprotoc {})", libprotoc_version()) : l.program;
    std::string grpc = !l.grpc_program.empty()   ? l.grpc_program
                       : !l.grpc_missing.empty() ? fmt::format("- ({} not found)", l.grpc_missing)
                                                 : "-";
    std::cout << fmt::format("{:<10} {:<40} {}\n", l.language, generator, grpc);
  }
  return 0;
}

}  // namespace spoke::cli
