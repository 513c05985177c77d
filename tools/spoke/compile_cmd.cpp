// spoke compile: generate code for -dir (or have the registry build a module); spoke languages.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include "command.h"
#include "spoke/archive.h"
#include "spoke/frontend/output.h"
#include "spoke/rest.h"

namespace spoke::cli {
namespace {

using frontend::plural;

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

constexpr const char* kCompileHelp = "spoke compile";

class CompileCommand : public Command {
 public:
  explicit CompileCommand(CLI::App& app) {
    app_ = app.add_subcommand("compile", "generate code for the .proto files under -dir");
    app_->add_option("--dir", args_.dir, "import root holding the files to compile")
        ->capture_default_str();
    app_->add_option("--out", out_,
                     "output directory; with several languages, one subdirectory each")
        ->required();
    app_->add_option("--lang", lang_, "language: cpp, java, go, python, ... (see spoke languages)");
    app_->add_option("--languages", languages_, "languages, comma-separated: go,python,java")
        ->delimiter(',');
    app_->add_flag("--grpc", grpc_, "also generate gRPC stubs with each language's gRPC plugin");
    app_->add_option("--opt", options_,
                     "generator option key=value, as protoc's --<lang>_opt (repeatable); "
                     "lang:key=value for one language only");
    app_->add_option("--grpc-opt", grpc_options_,
                     "gRPC plugin option key=value (repeatable); lang:key=value for one "
                     "language only");
    app_->add_option("-I,--include", args_.includes, "extra import root (repeatable)");
    app_->add_option("--dep", args_.deps,
                     "dependency module@version to fetch from -registry with its closure "
                     "(repeatable; implies -recursive; default: deps: in spoke.yaml)");
    app_->add_flag("--recursive", args_.recursive,
                   "fetch the declared dependencies and their closure from -registry first");
    app_->add_option("--plugin", plugins_,
                     "NAME=PATH: run PATH as plugin NAME (protoc-gen-foo, grpc_cpp_plugin); "
                     "repeatable");
    app_->add_option("--plugin-timeout", plugin_timeout_,
                     "seconds a plugin may run before it is killed")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app_->add_option("--module", module_,
                     "compile this registry module on the server and download the result "
                     "(instead of -dir)");
    app_->add_option("--version", version_, "version of -module (default: latest)");
    app_->add_option("--wait", wait_s_, "seconds to wait for the server's build")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
  }

  int run(const Globals& globals) override {
    // Languages: -lang and -languages together, each once, in the order given.
    std::vector<std::string> languages;
    std::vector<std::string> given = split_list(lang_);
    for (const auto& l : languages_) {
      for (auto& item : split_list(l)) given.push_back(std::move(item));
    }
    for (auto& l : given) {
      if (std::find(languages.begin(), languages.end(), l) == languages.end()) {
        languages.push_back(l);
      }
    }
    if (languages.empty()) return usage("-lang or -languages is required", kCompileHelp);
    if (!version_.empty() && module_.empty()) return usage("-version needs -module", kCompileHelp);
    if (!module_.empty() && (!args_.includes.empty() || args_.recursive || !args_.deps.empty() ||
                             !plugins_.empty() || !grpc_options_.empty())) {
      return usage(
          "-module builds on the server: -I, -recursive, -dep, -plugin and -grpc-opt apply to "
          "-dir only",
          kCompileHelp);
    }

    CompilerOptions compiler;
    compiler.plugin_timeout =
        std::chrono::milliseconds(static_cast<long long>(plugin_timeout_ * 1000));
    for (const auto& p : plugins_) {
      auto eq = p.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
        return usage(fmt::format("-plugin {}: expected NAME=PATH", p), kCompileHelp);
      }
      compiler.plugin_binaries[p.substr(0, eq)] = p.substr(eq + 1);
    }

    std::vector<CompileRequest> requests;
    for (const auto& language : languages) {
      CompileRequest r;
      r.language = language;
      r.grpc = grpc_;
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
    if (auto e = distribute(options_, "-opt", &CompileRequest::options); !e.empty()) {
      return usage(e, kCompileHelp);
    }
    if (auto e = distribute(grpc_options_, "-grpc-opt", &CompileRequest::grpc_options);
        !e.empty()) {
      return usage(e, kCompileHelp);
    }
    if (!grpc_ && !grpc_options_.empty()) return usage("-grpc-opt needs -grpc", kCompileHelp);
    if (!module_.empty()) return run_on_registry(globals, requests);

    WorkspaceSession session(globals, args_);
    auto ws = session.open();
    if (!ws.ok()) return fail(ws.status());
    auto generated = ws.value()->compile(requests, compiler);
    if (!generated.ok()) return fail(generated.status());
    frontend::print_diagnostics(std::cout, std::cerr, generated->diagnostics, ErrorFormat::kText);
    if (!generated->valid) return frontend::kExitFailure;
    nlohmann::json report = nlohmann::json::array();
    for (const auto& output : generated->languages) {
      std::string out = output_dir(output.language, generated->languages.size());
      if (Status s = write_generated_files(out, output.files); !s.ok()) return fail(s);
      if (globals.json) {
        nlohmann::json names = nlohmann::json::array();
        for (const auto& f : output.files) names.push_back(f.name);
        report.push_back({{"language", output.language}, {"out", out}, {"files", names}});
      } else {
        std::cout << fmt::format("{}: wrote {} under {}\n", output.language,
                                 plural(output.files.size(), "file"), out);
      }
    }
    if (globals.json) print_json({{"languages", report}});
    return frontend::kExitOk;
  }

 private:
  std::string output_dir(const std::string& language, std::size_t count) const {
    return count == 1 ? out_ : out_ + "/" + language;
  }

  // -module: asks the server to build each language (or finds its cached build), waits for the
  // jobs, downloads the archives and unpacks them; nothing is written unless every language built.
  int run_on_registry(const Globals& globals, const std::vector<CompileRequest>& requests) {
    RemoteRegistry registry(globals.remote());
    const std::string version = version_.empty() ? "latest" : version_;
    struct Build {
      SubmitResult submitted;
      std::vector<GeneratedFile> files;
    };
    std::vector<Build> builds;
    for (const auto& r : requests) {
      auto submitted = registry.submit_compile({module_, version, r.language, r.grpc, r.options});
      if (!submitted.ok()) return fail(submitted.status());
      builds.push_back({std::move(submitted).value(), {}});
    }
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<long long>(wait_s_ * 1000));
    for (auto& b : builds) {
      CompileJob& job = b.submitted.job;
      while (job.status != JobStatus::kSucceeded) {
        if (job.status == JobStatus::kFailed) {
          return fail(
              Status::Unprocessable(fmt::format("the server could not compile {}@{} to {}: {}",
                                                module_, job.version, job.language, job.error),
                                    reason::kCompileFailed));
        }
        if (std::chrono::steady_clock::now() > deadline) {
          return fail(Status::Unavailable(
              fmt::format("the server's build of {}@{} for {} is still {} after {} s (job {})",
                          module_, job.version, job.language, to_string(job.status), wait_s_,
                          job.id),
              reason::kCompileTimeout));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        auto polled = registry.get_job(job.id);
        if (!polled.ok()) return fail(polled.status());
        job = std::move(polled).value();
      }
      auto archive = registry.download(module_, job.version, job.language, ArchiveFormat::kTarGz);
      if (!archive.ok()) return fail(archive.status());
      auto files = read_archive(archive.value());
      if (!files.ok()) return fail(files.status());
      b.files = std::move(files).value();
    }
    nlohmann::json report = nlohmann::json::array();
    for (const auto& b : builds) {
      const CompileJob& job = b.submitted.job;
      std::string out = output_dir(job.language, builds.size());
      if (Status s = write_generated_files(out, b.files); !s.ok()) return fail(s);
      if (globals.json) {
        nlohmann::json names = nlohmann::json::array();
        for (const auto& f : b.files) names.push_back(f.name);
        report.push_back({{"language", job.language},
                          {"module", module_},
                          {"version", job.version},
                          {"job_id", job.id},
                          {"cache_hit", b.submitted.cache_hit},
                          {"out", out},
                          {"files", names}});
      } else {
        std::cout << fmt::format("{}: {}@{} built by the registry{}; wrote {} under {}\n",
                                 job.language, module_, job.version,
                                 b.submitted.cache_hit ? " (cached)" : "",
                                 plural(b.files.size(), "file"), out);
      }
    }
    if (globals.json) print_json({{"languages", report}});
    return frontend::kExitOk;
  }

  WorkspaceArgs args_;
  std::string out_, lang_;
  std::vector<std::string> languages_;
  bool grpc_ = false;
  std::vector<std::string> options_, grpc_options_, plugins_;
  double plugin_timeout_ = 60;
  std::string module_, version_;  // a registry build instead of -dir
  double wait_s_ = 600;
};

class LanguagesCommand : public Command {
 public:
  explicit LanguagesCommand(CLI::App& app) {
    app_ = app.add_subcommand("languages", "list the languages this installation generates");
  }

  int run(const Globals& globals) override {
    auto languages = available_languages();
    if (globals.json) {
      print_json(rest::to_json(languages));
      return frontend::kExitOk;
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
    return frontend::kExitOk;
  }
};

}  // namespace

void add_compile_commands(CLI::App& app, Commands& out) {
  out.push_back(std::make_unique<CompileCommand>(app));
  out.push_back(std::make_unique<LanguagesCommand>(app));
}

}  // namespace spoke::cli
