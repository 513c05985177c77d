// spoke login, logout, whoami, token create|list|revoke, audit: access to a registry.
#include <fmt/format.h>

#include <iostream>

#include "command.h"
#include "spoke/credentials.h"
#include "spoke/frontend/output.h"
#include "spoke/rest.h"

namespace spoke::cli {
namespace {

std::string describe(const Principal& p) {
  if (p.anonymous) return "anonymous";
  return fmt::format("{} ({}, {})", p.name, to_string(p.role),
                     p.scope.empty() ? "every module" : "module " + p.scope);
}

class LoginCommand : public Command {
 public:
  explicit LoginCommand(CLI::App& app) {
    app_ = app.add_subcommand(
        "login",
        "check a token (from --token, else the first line of stdin) and store it for --registry");
  }

  int run(const Globals& globals) override {
    std::string token = globals.token;
    if (token.empty()) {
      std::getline(std::cin, token);
      while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    }
    if (token.empty()) return usage("no token: pass --token or write it on stdin", "spoke login");
    RemoteOptions options = globals.remote();
    options.token = token;
    RemoteRegistry registry(options);
    auto who = registry.whoami();
    if (!who.ok()) return fail(who.status());
    if (who->anonymous) {
      return fail(Status::Unauthenticated(fmt::format(
          "the registry at {} does not know this token (it runs without access control, or the "
          "token is revoked or expired)",
          globals.registry)));
    }
    std::string path = default_credentials_path();
    if (Status s = save_credential(path, globals.registry, token); !s.ok()) return fail(s);
    std::cout << "logged in to " << globals.registry << " as " << describe(who.value()) << "\n";
    return frontend::kExitOk;
  }
};

class LogoutCommand : public Command {
 public:
  explicit LogoutCommand(CLI::App& app) {
    app_ = app.add_subcommand("logout", "forget the token stored for --registry");
  }

  int run(const Globals& globals) override {
    auto removed = remove_credential(default_credentials_path(), globals.registry);
    if (!removed.ok()) return fail(removed.status());
    std::cout << (removed.value() ? "logged out of " : "no token was stored for ")
              << globals.registry << "\n";
    return frontend::kExitOk;
  }
};

class WhoamiCommand : public Command {
 public:
  explicit WhoamiCommand(CLI::App& app) {
    app_ = app.add_subcommand("whoami", "who the registry takes you for");
  }

  int run(const Globals& globals) override {
    RemoteRegistry registry(globals.remote());
    auto who = registry.whoami();
    if (!who.ok()) return fail(who.status());
    if (globals.json) {
      print_json(rest::to_json(who.value()));
    } else {
      std::cout << describe(who.value()) << "\n";
    }
    return frontend::kExitOk;
  }
};

class TokenCommand : public Command {
 public:
  explicit TokenCommand(CLI::App& app) {
    app_ = app.add_subcommand("token", "create, list and revoke access tokens (admin)");
    app_->require_subcommand(1);
    create_ = app_->add_subcommand("create", "make a token and print it (shown only this once)");
    create_->add_option("--name", name_, "the token's name (unique)")->required();
    create_->add_option("--role", role_, "reader, writer or admin")->capture_default_str();
    create_->add_option("--module", module_,
                        "scope: one module or a glob (\"acme-*\"); default every module");
    create_->add_option("--expires-in", expires_in_, "lifetime, e.g. 720h; default: never expires");
    list_ = app_->add_subcommand("list", "every token (never their secrets)");
    revoke_ = app_->add_subcommand("revoke", "revoke a token by name");
    revoke_->add_option("--name", name_, "the token's name")->required();
    // --registry, --token and --json may follow the subcommand.
    for (CLI::App* sub : {create_, list_, revoke_}) sub->fallthrough();
  }

  int run(const Globals& globals) override {
    RemoteRegistry registry(globals.remote());
    if (*create_) {
      NewToken request;
      request.name = name_;
      auto role = parse_role(role_);
      if (!role) return usage("--role must be reader, writer or admin", "spoke token create");
      request.role = *role;
      request.scope = module_;
      if (!expires_in_.empty()) {
        auto d = auth::parse_duration(expires_in_);
        if (!d.ok()) return usage(d.status().message(), "spoke token create");
        request.expires_in = d.value();
      }
      auto created = registry.create_token(request);
      if (!created.ok()) return fail(created.status());
      if (globals.json) {
        print_json(rest::to_json(created.value()));
      } else {
        std::cout << created->secret << "\n";
        std::cerr << "created token \"" << created->token.name << "\"; it is shown only now\n";
      }
      return frontend::kExitOk;
    }
    if (*revoke_) {
      if (Status s = registry.revoke_token(name_); !s.ok()) return fail(s);
      std::cout << "revoked token \"" << name_ << "\"\n";
      return frontend::kExitOk;
    }
    auto tokens = registry.list_tokens();
    if (!tokens.ok()) return fail(tokens.status());
    if (globals.json) {
      print_json(rest::to_json(tokens.value()));
      return frontend::kExitOk;
    }
    auto when = [](Timestamp t) { return t == 0 ? std::string("-") : format_timestamp(t); };
    for (const auto& t : tokens.value()) {
      std::string state = t.revoked_at != 0                                 ? "revoked"
                          : (t.expires_at != 0 && t.expires_at <= now_ms()) ? "expired"
                                                                            : "live";
      std::cout << fmt::format("{} {} {} {} created {} by {}, expires {}, last used {}\n", t.name,
                               to_string(t.role), t.scope.empty() ? "*" : t.scope, state,
                               when(t.created_at), t.creator, when(t.expires_at),
                               when(t.last_used_at));
    }
    return frontend::kExitOk;
  }

 private:
  CLI::App* create_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* revoke_ = nullptr;
  std::string name_, role_ = "reader", module_, expires_in_;
};

class AuditCommand : public Command {
 public:
  explicit AuditCommand(CLI::App& app) {
    app_ = app.add_subcommand("audit", "the registry's audit log, newest first (admin)");
    app_->add_option("--module", filter_.module, "only entries of this module");
    app_->add_option("--actor", filter_.actor, "only entries of this token name (or anonymous)");
    app_->add_option("--since", filter_.since,
                     "from this time (2026-12-04T21:00:00Z) or this long ago (24h)");
    app_->add_option("--until", filter_.until, "before this time, or this long ago");
    app_->add_option("--limit", filter_.limit, "entries per page (1 to 1000; default 100)");
    app_->add_option("--page-token", filter_.page_token, "the next page, as a previous one named");
  }

  int run(const Globals& globals) override {
    RemoteRegistry registry(globals.remote());
    auto page = registry.list_audit(filter_);
    if (!page.ok()) return fail(page.status());
    if (globals.json) {
      print_json(rest::to_json(page.value()));
      return frontend::kExitOk;
    }
    for (const auto& e : page->entries) {
      std::string target = e.module.empty() ? "" : " " + e.module;
      if (!e.version.empty()) target += "@" + e.version;
      std::cout << fmt::format("{} {} {} {} {}{} {}{} from {} request {}\n",
                               format_timestamp(e.time), e.actor, e.method, e.route, e.status,
                               e.error.empty() ? "" : " " + e.error, target.empty() ? "" : "on",
                               target, e.client, e.request_id);
    }
    if (!page->next_page_token.empty()) {
      std::cerr << "more: --page-token " << page->next_page_token << "\n";
    }
    return frontend::kExitOk;
  }

 private:
  AuditFilter filter_;
};

}  // namespace

void add_access_commands(CLI::App& app, Commands& out) {
  out.push_back(std::make_unique<LoginCommand>(app));
  out.push_back(std::make_unique<LogoutCommand>(app));
  out.push_back(std::make_unique<WhoamiCommand>(app));
  out.push_back(std::make_unique<TokenCommand>(app));
  out.push_back(std::make_unique<AuditCommand>(app));
}

}  // namespace spoke::cli
