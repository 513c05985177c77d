#include "spoke/compile.h"

#include <fmt/format.h>
#include <google/protobuf/compiler/cpp/generator.h>
#include <google/protobuf/compiler/csharp/csharp_generator.h>
#include <google/protobuf/compiler/java/generator.h>
#include <google/protobuf/compiler/java/kotlin_generator.h>
#include <google/protobuf/compiler/objectivec/objectivec_generator.h>
#include <google/protobuf/compiler/php/php_generator.h>
#include <google/protobuf/compiler/plugin.pb.h>
#include <google/protobuf/compiler/python/generator.h>
#include <google/protobuf/compiler/python/pyi_generator.h>
#include <google/protobuf/compiler/ruby/ruby_generator.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "compile/output_directory.h"
#include "compile/plugin_process.h"
#include "util/sha256.h"

namespace spoke {

namespace pb = google::protobuf;
namespace ci = compile_internal;
using pb::compiler::CodeGenerator;

namespace {

constexpr std::string_view kBuiltinLanguages[] = {"cpp", "csharp", "java",   "kotlin", "objc",
                                                  "php", "pyi",    "python", "ruby"};

struct GrpcPlugin {
  std::string_view language;
  std::string_view program;
};
// The gRPC plugin of each language that has one.
constexpr GrpcPlugin kGrpcPlugins[] = {
    {"cpp", "grpc_cpp_plugin"},          {"csharp", "grpc_csharp_plugin"},
    {"go", "protoc-gen-go-grpc"},        {"java", "protoc-gen-grpc-java"},
    {"objc", "grpc_objective_c_plugin"}, {"php", "grpc_php_plugin"},
    {"python", "grpc_python_plugin"},    {"ruby", "grpc_ruby_plugin"},
};

// The Debian package that ships a program, when there is one.
std::string_view debian_package(std::string_view program) {
  if (program == "protoc-gen-go") return "protoc-gen-go";
  if (program == "protoc-gen-go-grpc") return "protoc-gen-go-grpc";
  if (program == "grpc_cpp_plugin" || program == "grpc_python_plugin" ||
      program == "grpc_ruby_plugin" || program == "grpc_php_plugin") {
    return "protobuf-compiler-grpc";
  }
  return "";
}

std::string_view grpc_program(std::string_view language) {
  for (const auto& g : kGrpcPlugins) {
    if (g.language == language) return g.program;
  }
  return "";
}

bool valid_language_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string join_options(const std::vector<std::string>& options) {
  std::string out;
  for (const auto& o : options) {
    if (o.empty()) continue;
    if (!out.empty()) out += ',';
    out += o;
  }
  return out;
}

Status program_not_found(const std::string& program, const std::string& what) {
  std::string message = fmt::format("{}: {} was not found on PATH", what, program);
  auto package = debian_package(program);
  if (!package.empty()) {
    message += fmt::format("; install it (Debian: apt-get install {})", package);
  } else {
    message += "; install it or give its path";
  }
  return Status(Code::kNotFound, reason::kPluginNotFound, std::move(message))
      .with_field("program", program);
}

std::unique_ptr<CodeGenerator> make_builtin(const std::string& language) {
  namespace c = pb::compiler;
  if (language == "cpp") return std::make_unique<c::cpp::CppGenerator>();
  if (language == "csharp") return std::make_unique<c::csharp::Generator>();
  if (language == "java") return std::make_unique<c::java::JavaGenerator>();
  if (language == "kotlin") return std::make_unique<c::java::KotlinGenerator>();
  if (language == "objc") return std::make_unique<c::objectivec::ObjectiveCGenerator>();
  if (language == "php") return std::make_unique<c::php::Generator>();
  if (language == "pyi") return std::make_unique<c::python::PyiGenerator>();
  if (language == "python") return std::make_unique<c::python::Generator>();
  if (language == "ruby") return std::make_unique<c::ruby::Generator>();
  return nullptr;
}

// Generators that override GenerateAll see all files at once; the others get one Generate call
// per file, which can run in parallel.
bool generates_per_file(const std::string& language) {
  return language != "objc" && language != "php";
}

bool contains_proto3_optional(const pb::Descriptor* d) {
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->has_optional_keyword()) return true;
  }
  for (int i = 0; i < d->nested_type_count(); ++i) {
    if (contains_proto3_optional(d->nested_type(i))) return true;
  }
  return false;
}

// protoc refuses to hand proto3 `optional` fields to a generator that does not declare support.
Status check_proto3_optional(const std::string& generator, uint64_t features,
                             const std::vector<const pb::FileDescriptor*>& files) {
  if ((features & CodeGenerator::FEATURE_PROTO3_OPTIONAL) != 0) return Status::OK();
  for (const auto* f : files) {
    if (f->syntax() != pb::FileDescriptor::SYNTAX_PROTO3) continue;
    for (int i = 0; i < f->message_type_count(); ++i) {
      if (contains_proto3_optional(f->message_type(i))) {
        return Status::Unprocessable(
            fmt::format("{}: is a proto3 file that contains optional fields, but code generator "
                        "{} hasn't been updated to support optional fields in proto3",
                        f->name(), generator),
            reason::kGeneratorFailed);
      }
    }
  }
  return Status::OK();
}

// Runs a built-in generator over `files`; its writes, in the order protoc would apply them.
Status run_builtin(const std::string& language, const std::vector<const pb::FileDescriptor*>& files,
                   const std::string& parameter, int threads,
                   std::vector<ci::OutputWrite>& writes) {
  auto first = make_builtin(language);
  SPOKE_RETURN_IF_ERROR(check_proto3_optional(language, first->GetSupportedFeatures(), files));
  auto generator_error = [&](const std::string& error) {
    return Status::Unprocessable(fmt::format("{}: {}", language, error), reason::kGeneratorFailed);
  };
  if (!generates_per_file(language)) {
    ci::RecordingContext context(files, [&](ci::OutputWrite w) { writes.push_back(std::move(w)); });
    std::string error;
    if (!first->GenerateAll(files, parameter, &context, &error)) {
      return generator_error(error.empty() ? "the generator failed without saying why" : error);
    }
    return Status::OK();
  }
  // Per file, as CodeGenerator::GenerateAll does, on several threads: each file's writes are
  // recorded apart and applied in file order afterwards, so the result is the sequential one.
  struct PerFile {
    std::vector<ci::OutputWrite> writes;
    bool ok = false;
    std::string error;
  };
  std::vector<PerFile> results(files.size());
  std::atomic<std::size_t> next{0};
  auto work = [&](CodeGenerator* generator) {
    for (std::size_t i; (i = next.fetch_add(1)) < files.size();) {
      auto& r = results[i];
      ci::RecordingContext context(files,
                                   [&](ci::OutputWrite w) { r.writes.push_back(std::move(w)); });
      r.ok = generator->Generate(files[i], parameter, &context, &r.error);
    }
  };
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads =
      static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), files.size()));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    pool.emplace_back([&] { work(make_builtin(language).get()); });
  }
  work(first.get());
  for (auto& t : pool) t.join();
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto& r = results[i];
    for (auto& w : r.writes) writes.push_back(std::move(w));
    if (!r.ok) {
      return generator_error(fmt::format(
          "{}: {}", files[i]->name(),
          r.error.empty() ? "Code generator returned false but provided no error description."
                          : r.error));
    }
    // The default GenerateAll stops at a file that reported an error but returned true.
    if (!r.error.empty()) break;
  }
  return Status::OK();
}

// Adds `file` and what it imports, imports first, each once, as protoc lists them for plugins:
// with json_name and source info.
void add_with_imports(const Schema& schema, const pb::FileDescriptor* file,
                      std::set<const pb::FileDescriptor*>& seen,
                      pb::RepeatedPtrField<pb::FileDescriptorProto>* out) {
  if (!seen.insert(file).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) {
    add_with_imports(schema, file->dependency(i), seen, out);
  }
  schema.to_proto(file->name(), true, out->Add());
}

// Runs a plugin over `files` with the CodeGeneratorRequest protoc would send.
Status run_plugin_generator(const Schema& schema, const std::string& program,
                            const std::string& name,
                            const std::vector<const pb::FileDescriptor*>& files,
                            const std::string& parameter, std::chrono::milliseconds timeout,
                            std::vector<ci::OutputWrite>& writes) {
  pb::compiler::CodeGeneratorRequest request;
  for (const auto* f : files) request.add_file_to_generate(f->name());
  if (!parameter.empty()) request.set_parameter(parameter);
  auto* version = request.mutable_compiler_version();
  version->set_major(GOOGLE_PROTOBUF_VERSION / 1000000);
  version->set_minor(GOOGLE_PROTOBUF_VERSION / 1000 % 1000);
  version->set_patch(GOOGLE_PROTOBUF_VERSION % 1000);
  version->set_suffix("");
  std::set<const pb::FileDescriptor*> seen;
  for (const auto* f : files) add_with_imports(schema, f, seen, request.mutable_proto_file());

  auto output = ci::run_plugin(program, name, request.SerializeAsString(), timeout);
  if (!output.ok()) return output.status();
  pb::compiler::CodeGeneratorResponse response;
  if (!response.ParseFromString(output.value())) {
    return Status(Code::kInternal, reason::kGeneratorFailed,
                  fmt::format("{}: the plugin wrote something that is not a "
                              "CodeGeneratorResponse ({} bytes)",
                              name, output->size()));
  }
  if (!response.error().empty()) {
    return Status::Unprocessable(fmt::format("{}: {}", name, response.error()),
                                 reason::kGeneratorFailed);
  }
  SPOKE_RETURN_IF_ERROR(check_proto3_optional(name, response.supported_features(), files));
  // A chunk without a name continues the previous file.
  std::optional<ci::OutputWrite> current;
  for (auto& f : *response.mutable_file()) {
    if (!f.insertion_point().empty() || !f.name().empty()) {
      if (current) writes.push_back(std::move(*current));
      current.emplace();
      current->filename = f.name();
      if (!f.insertion_point().empty()) {
        current->kind = ci::OutputWrite::Kind::kInsert;
        current->insertion_point = f.insertion_point();
        current->info = f.generated_code_info();
      }
    } else if (!current) {
      return Status(Code::kInternal, reason::kGeneratorFailed,
                    fmt::format("{}: First file chunk returned by plugin did not specify a file "
                                "name.",
                                name));
    }
    current->data += f.content();
  }
  if (current) writes.push_back(std::move(*current));
  return Status::OK();
}

// A relative '/'-separated path that stays under its root.
bool safe_output_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string::npos ||
      name.find('\\') != std::string::npos) {
    return false;
  }
  std::stringstream in(name);
  for (std::string seg; std::getline(in, seg, '/');) {
    if (seg.empty() || seg == "." || seg == "..") return false;
  }
  return name.back() != '/';
}

// sha256 of a file's bytes, remembered by (path, size, mtime).
Result<std::string> file_digest(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::pair<std::string, std::string>> cache;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound(fmt::format("{}: cannot read", path), reason::kPluginNotFound);
  }
  std::string stamp = fmt::format("{}:{}.{}", st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  {
    std::lock_guard lock(mu);
    auto it = cache.find(path);
    if (it != cache.end() && it->second.first == stamp) return it->second.second;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return Status::NotFound(fmt::format("{}: cannot read", path), reason::kPluginNotFound);
  std::string digest = "sha256:" + internal::sha256_hex(bytes.str());
  std::lock_guard lock(mu);
  cache[path] = {stamp, digest};
  return digest;
}

// The programs a request runs: the main plugin ("" when built in) and the gRPC plugin ("").
struct Programs {
  std::string main, main_name, grpc, grpc_name;
};

Result<Programs> resolve_programs(const CompileRequest& request, const CompilerOptions& options) {
  const std::string& language = request.language;
  if (!valid_language_name(language)) {
    return Status::InvalidArgument(
        fmt::format("invalid language \"{}\": lowercase letters, digits, '_' and '-' only",
                    language),
        reason::kUnknownLanguage);
  }
  Programs p;
  if (!is_builtin_language(language)) {
    p.main_name = "protoc-gen-" + language;
    p.main = ci::find_program(p.main_name, options);
    if (p.main.empty()) {
      return program_not_found(p.main_name, fmt::format("no generator for \"{}\"", language));
    }
  }
  if (request.grpc) {
    p.grpc_name = std::string(grpc_program(language));
    if (p.grpc_name.empty()) {
      return Status::InvalidArgument(fmt::format("no gRPC plugin is known for \"{}\"", language),
                                     reason::kUnknownLanguage);
    }
    p.grpc = ci::find_program(p.grpc_name, options);
    if (p.grpc.empty()) {
      return program_not_found(p.grpc_name, fmt::format("no gRPC generator for \"{}\"", language));
    }
  }
  return p;
}

}  // namespace

std::string libprotoc_version() {
  return fmt::format("{}.{}.{}", GOOGLE_PROTOBUF_VERSION / 1000000,
                     GOOGLE_PROTOBUF_VERSION / 1000 % 1000, GOOGLE_PROTOBUF_VERSION % 1000);
}

Status check_compile_request(const CompileRequest& request, const CompilerOptions& options) {
  auto programs = resolve_programs(request, options);
  return programs.ok() ? Status::OK() : programs.status();
}

bool is_builtin_language(const std::string& language) {
  return std::find(std::begin(kBuiltinLanguages), std::end(kBuiltinLanguages), language) !=
         std::end(kBuiltinLanguages);
}

Result<std::vector<GeneratedFile>> compile(const Schema& schema, const CompileRequest& request,
                                           const CompilerOptions& options) {
  auto programs = resolve_programs(request, options);
  if (!programs.ok()) return programs.status();
  if (!schema.built_for_code_generation()) {
    return Status::InvalidArgument(
        "the schema was not linked for code generation; build it with "
        "SchemaOptions::for_code_generation",
        reason::kInvalidArgument);
  }
  std::vector<const pb::FileDescriptor*> files;
  for (const auto& path : request.files.empty() ? schema.target_files() : request.files) {
    const auto* fd = schema.file(path);
    if (fd == nullptr) {
      return Status::NotFound(fmt::format("{} is not in the schema", path), reason::kFileNotFound);
    }
    files.push_back(fd);
  }
  if (files.empty()) return Status::InvalidArgument("no files to generate code for");

  const std::string parameter = join_options(request.options);
  std::vector<ci::OutputWrite> grpc_writes;
  std::future<Status> grpc_done;
  if (!programs->grpc.empty()) {
    // The gRPC plugin runs beside the main generator; its writes come after the main ones.
    grpc_done = std::async(std::launch::async, [&] {
      return run_plugin_generator(schema, programs->grpc, programs->grpc_name, files,
                                  join_options(request.grpc_options), options.plugin_timeout,
                                  grpc_writes);
    });
  }
  std::vector<ci::OutputWrite> writes;
  Status main_status =
      programs->main.empty()
          ? run_builtin(request.language, files, parameter, options.threads, writes)
          : run_plugin_generator(schema, programs->main, programs->main_name, files, parameter,
                                 options.plugin_timeout, writes);
  Status grpc_status = grpc_done.valid() ? grpc_done.get() : Status::OK();
  SPOKE_RETURN_IF_ERROR(main_status);
  SPOKE_RETURN_IF_ERROR(grpc_status);

  ci::OutputDirectory out;
  for (auto& w : writes) out.apply(std::move(w));
  for (auto& w : grpc_writes) out.apply(std::move(w));
  if (!out.errors().empty()) {
    std::string message = out.errors().front();
    if (out.errors().size() > 1) message += fmt::format(" (and {} more)", out.errors().size() - 1);
    return Status(Code::kInternal, reason::kInvalidOutput, std::move(message));
  }
  std::vector<GeneratedFile> result;
  result.reserve(out.files().size());
  for (auto& [name, content] : out.files()) {
    if (!safe_output_name(name)) {
      return Status(Code::kInternal, reason::kInvalidOutput,
                    fmt::format("{}: the generator wrote a file outside the output directory: "
                                "\"{}\"",
                                request.language, name));
    }
    result.push_back({name, std::move(content)});
  }
  return result;
}

Result<std::vector<GeneratedFile>> compile(const std::vector<FileInput>& targets,
                                           const std::vector<FileInput>& dependencies,
                                           const CompileRequest& request,
                                           const CompilerOptions& options) {
  // A missing program is reported before anything is parsed.
  if (auto programs = resolve_programs(request, options); !programs.ok()) {
    return programs.status();
  }
  SchemaOptions schema_options;
  schema_options.threads = options.threads;
  schema_options.for_code_generation = true;
  auto built = build_schema(targets, dependencies, schema_options);
  if (!built.valid()) {
    return Status::Unprocessable(fmt::format("the schema has {} error{}", built.error_count(),
                                             built.error_count() == 1 ? "" : "s"),
                                 reason::kInvalidSchema)
        .with_diagnostics(built.diagnostics);
  }
  return compile(*built.schema, request, options);
}

Result<std::string> generator_identity(const CompileRequest& request,
                                       const CompilerOptions& options) {
  auto programs = resolve_programs(request, options);
  if (!programs.ok()) return programs.status();
  std::string id;
  if (programs->main.empty()) {
    id = fmt::format("builtin:{}@libprotoc-{}", request.language, libprotoc_version());
  } else {
    auto digest = file_digest(programs->main);
    if (!digest.ok()) return digest.status();
    id = fmt::format("plugin:{}@{}", programs->main_name, digest.value());
  }
  if (!programs->grpc.empty()) {
    auto digest = file_digest(programs->grpc);
    if (!digest.ok()) return digest.status();
    id += fmt::format("+plugin:{}@{}", programs->grpc_name, digest.value());
  }
  return id;
}

std::vector<LanguageInfo> available_languages(const CompilerOptions& options) {
  std::map<std::string, LanguageInfo> by_language;
  auto fill_grpc = [&](LanguageInfo& info) {
    auto program = grpc_program(info.language);
    if (program.empty()) return;
    info.grpc_program = ci::find_program(std::string(program), options);
    if (info.grpc_program.empty()) info.grpc_missing = std::string(program);
  };
  for (auto language : kBuiltinLanguages) {
    LanguageInfo info;
    info.language = std::string(language);
    info.builtin = true;
    fill_grpc(info);
    by_language.emplace(info.language, std::move(info));
  }
  for (const auto& [name, path] : ci::list_plugins(options)) {
    bool is_grpc = std::any_of(std::begin(kGrpcPlugins), std::end(kGrpcPlugins),
                               [&](const GrpcPlugin& g) { return g.program == name; });
    std::string language = name.substr(std::string_view("protoc-gen-").size());
    if (is_grpc || !valid_language_name(language) || by_language.count(language) != 0) continue;
    LanguageInfo info;
    info.language = language;
    info.program = path;
    fill_grpc(info);
    by_language.emplace(language, std::move(info));
  }
  std::vector<LanguageInfo> out;
  for (auto& [_, info] : by_language) out.push_back(std::move(info));
  return out;
}

Status write_generated_files(const std::string& dir, const std::vector<GeneratedFile>& files) {
  namespace fs = std::filesystem;
  for (const auto& f : files) {
    if (!safe_output_name(f.name)) {
      return Status::InvalidArgument(
          fmt::format("\"{}\" is not a relative path inside the output directory", f.name),
          reason::kInvalidOutput);
    }
  }
  std::error_code ec;
  std::set<std::string> made;
  for (const auto& f : files) {
    fs::path target = fs::path(dir) / f.name;
    if (made.insert(target.parent_path().string()).second) {
      fs::create_directories(target.parent_path(), ec);
    }
    if (ec) {
      return Status::Internal(
          fmt::format("cannot create {}: {}", target.parent_path().string(), ec.message()));
    }
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(f.content.data(), static_cast<std::streamsize>(f.content.size()));
    out.close();
    if (!out) return Status::Internal(fmt::format("cannot write {}", target.string()));
  }
  return Status::OK();
}

}  // namespace spoke
