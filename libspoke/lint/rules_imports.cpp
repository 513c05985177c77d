// Import rules: public imports, unused imports, import cycles between packages, stable packages
// that import unstable ones.

#include <fmt/format.h>

#include <functional>
#include <map>
#include <set>

#include "lint/lint_internal.h"

namespace spoke::lint_internal {

namespace {

using File = pb::FileDescriptorProto;

void import_no_public(Check& c) {
  for (const auto& f : c.files()) {
    for (int i = 0; i < f.fd->public_dependency_count(); ++i) {
      const pb::FileDescriptor* dep = f.fd->public_dependency(i);
      for (int j = 0; j < f.fd->dependency_count(); ++j) {
        if (f.fd->dependency(j) != dep) continue;
        c.add("IMPORT_NO_PUBLIC", f, {File::kDependencyFieldNumber, j},
              fmt::format("Import {} must not be public.", go_quote(dep->name())));
      }
    }
  }
}

void import_used(Check& c) {
  for (const auto& f : c.files()) {
    for (int i = 0; i < f.fd->dependency_count(); ++i) {
      if (!f.unused_imports[static_cast<std::size_t>(i)]) continue;
      c.add("IMPORT_USED", f, {File::kDependencyFieldNumber, i},
            fmt::format("Import {} is unused.", go_quote(f.fd->dependency(i)->name())));
    }
  }
}

// The packages a package imports directly, through which imports of which files. Every linked
// file takes part (dependency files too), as a cycle may pass through them; findings are only
// reported on the target files.
struct Edge {
  const pb::FileDescriptor* file;
  int import_index;
};
using PackageGraph = std::map<std::string, std::map<std::string, std::vector<Edge>>>;

PackageGraph package_graph(const Check& c) {
  PackageGraph graph;
  std::set<const pb::FileDescriptor*> files;
  for (const auto& path : c.schema().linked_files()) {
    if (const auto* fd = c.schema().file(path)) files.insert(fd);
  }
  for (const auto* fd : files) {
    auto& imports = graph[fd->package()];
    for (int i = 0; i < fd->dependency_count(); ++i) {
      const pb::FileDescriptor* dep = fd->dependency(i);
      if (dep == nullptr || files.count(dep) == 0) continue;
      if (dep->package() != fd->package()) imports[dep->package()].push_back({fd, i});
    }
  }
  return graph;
}

// Strongly connected components of the package graph (Tarjan): a package can reach itself only
// through packages of its own component.
std::map<std::string, int> components(const PackageGraph& graph) {
  std::map<std::string, int> index, low, component;
  std::vector<std::string> stack;
  std::set<std::string> on_stack;
  int next = 0, count = 0;
  std::function<void(const std::string&)> visit = [&](const std::string& v) {
    index[v] = low[v] = next++;
    stack.push_back(v);
    on_stack.insert(v);
    auto it = graph.find(v);
    if (it != graph.end()) {
      for (const auto& [w, _] : it->second) {
        if (index.count(w) == 0) {
          visit(w);
          low[v] = std::min(low[v], low[w]);
        } else if (on_stack.count(w) != 0) {
          low[v] = std::min(low[v], index[w]);
        }
      }
    }
    if (low[v] == index[v]) {
      while (true) {
        std::string w = stack.back();
        stack.pop_back();
        on_stack.erase(w);
        component[w] = count;
        if (w == v) break;
      }
      ++count;
    }
  };
  for (const auto& [v, _] : graph) {
    if (index.count(v) == 0) visit(v);
  }
  return component;
}

// buf's search for the cycle through `pkg`'s import of `next`: depth first, imported packages in
// name order, returning the first path that comes back to where it started.
std::vector<std::string> find_cycle(const PackageGraph& graph,
                                    const std::map<std::string, int>& component,
                                    const std::string& start, const std::string& next) {
  int scc = component.at(start);
  std::vector<std::string> used = {start};
  std::set<std::string> on_path = {start};
  std::function<bool(const std::string&)> visit = [&](const std::string& pkg) {
    used.push_back(pkg);
    if (on_path.count(pkg) != 0) {
      if (used.front() == used.back()) return true;
      used.pop_back();
      return false;
    }
    on_path.insert(pkg);
    auto it = graph.find(pkg);
    if (it != graph.end()) {
      for (const auto& [imported, _] : it->second) {
        if (imported.empty()) continue;
        // A package outside the component cannot lead back to the start.
        auto c = component.find(imported);
        if (c == component.end() || c->second != scc) continue;
        if (visit(imported)) return true;
      }
    }
    on_path.erase(pkg);
    used.pop_back();
    return false;
  };
  if (!visit(next)) return {};
  return used;
}

void package_no_import_cycle(Check& c) {
  PackageGraph graph = package_graph(c);
  std::map<std::string, int> component = components(graph);
  std::map<const pb::FileDescriptor*, const FileModel*> targets;
  for (const auto& f : c.files()) targets[f.fd] = &f;
  for (const auto& [pkg, imports] : graph) {
    if (pkg.empty()) continue;
    for (const auto& [imported, edges] : imports) {
      if (imported.empty() || component.at(imported) != component.at(pkg)) continue;
      std::vector<std::string> cycle = find_cycle(graph, component, pkg, imported);
      if (cycle.empty()) continue;
      std::string text;
      for (const auto& p : cycle) {
        if (!text.empty()) text += " -> ";
        text += p;
      }
      for (const auto& edge : edges) {
        auto target = targets.find(edge.file);
        if (target == targets.end()) continue;
        c.add("PACKAGE_NO_IMPORT_CYCLE", *target->second,
              {File::kDependencyFieldNumber, edge.import_index}, "Package import cycle: " + text);
      }
    }
  }
}

void stable_package_no_import_unstable(Check& c) {
  std::map<std::string, const FileModel*> by_path;
  for (const auto& f : c.files()) by_path[f.path] = &f;
  for (const auto& f : c.files()) {
    auto stability = package_version_stability(f.fd->package());
    if (!stability || *stability != Stability::kStable) continue;
    for (int i = 0; i < f.fd->dependency_count(); ++i) {
      auto imported = by_path.find(f.fd->dependency(i)->name());
      if (imported == by_path.end()) continue;
      const std::string& other = imported->second->fd->package();
      auto other_stability = package_version_stability(other);
      if (!other_stability || *other_stability == Stability::kStable) continue;
      c.add("STABLE_PACKAGE_NO_IMPORT_UNSTABLE", f, {File::kDependencyFieldNumber, i},
            fmt::format("This file is in stable package {}, so it should not depend on {} from "
                        "unstable package {}.",
                        go_quote(f.fd->package()), go_quote(imported->first), go_quote(other)));
    }
  }
}

}  // namespace

const std::vector<RuleBinding>& import_rules() {
  static const std::vector<RuleBinding> rules = {
      {"IMPORT_NO_PUBLIC", import_no_public},
      {"IMPORT_USED", import_used},
      {"PACKAGE_NO_IMPORT_CYCLE", package_no_import_cycle},
      {"STABLE_PACKAGE_NO_IMPORT_UNSTABLE", stable_package_no_import_unstable},
  };
  return rules;
}

}  // namespace spoke::lint_internal
