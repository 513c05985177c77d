#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "spoke/ast.h"
#include "spoke/schema.h"

using namespace spoke;
using nlohmann::json;

namespace {

constexpr const char* kDepProto = R"(syntax = "proto3";
package acme.dep;

message Shared {
  string id = 1;
}
)";

constexpr const char* kWeakProto = R"(syntax = "proto2";
package acme.weak;
message W { optional int32 x = 1; }
)";

constexpr const char* kOptsProto = R"(syntax = "proto3";
package acme.opts;

import "google/protobuf/descriptor.proto";

extend google.protobuf.FieldOptions {
  string my_opt = 50000;
  float weight = 50001;
  bytes blob = 50002;
}

extend google.protobuf.MessageOptions {
  bool tagged = 50000;
}

message Rule {
  string path = 1;
  repeated int32 codes = 2;
}

extend google.protobuf.MethodOptions {
  Rule rule = 50000;
}
)";

// Line numbers in the tests below are those of this text, the first line being line 1.
constexpr const char* kMainProto = R"(// File header comment, detached.

syntax = "proto3";

// The package.
package acme.v1;

import public "a/dep.proto";
import weak "a/weak.proto";
import "a/opts.proto";

option java_package = "com.acme.v1";
option optimize_for = SPEED;

// Detached comment before Order.

// An order.
message Order {
  option (acme.opts.tagged) = true;
  // The id.
  string id = 1 [(acme.opts.my_opt) = "x", deprecated = true];  // trailing id
  optional int32 quantity = 2;
  map<string, Item> items = 3;
  oneof payment {
    string card = 4;
    bytes token = 5 [json_name = "tok", (acme.opts.weight) = 0.1];
  }
  acme.dep.Shared shared = 6;
  Status status = 7;
  repeated acme.weak.W ws = 8 [(acme.opts.blob) = "\x01\x02\xff"];

  message Item {
    int64 sku = 1;
    Kind kind = 2;
    enum Kind {
      KIND_UNSPECIFIED = 0;
      KIND_BOOK = 1 [deprecated = true];
    }
  }
  reserved 10 to 12, 20;
  reserved "old";
}

enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;  // open
}

// Orders.
service Orders {
  rpc Get(Order) returns (Order);
  rpc Watch(Order) returns (stream Order) {
    option (acme.opts.rule) = { path: "/watch" codes: [1, 2] };
  }
  rpc Upload(stream Order) returns (Order) { option deprecated = true; }
  rpc Chat(stream Order) returns (stream Order);
}
)";

constexpr const char* kLegacyProto = R"(syntax = "proto2";
package acme.legacy;

message Base {
  required string name = 1 [default = "anon"];
  optional double ratio = 2 [default = 0.5];
  optional Color color = 3 [default = BLUE];
  optional bytes raw = 4 [default = "\001z"];
  optional group Extra = 5 {
    optional int32 n = 1;
  }
  enum Color {
    RED = 1;
    BLUE = 2;
  }
  extensions 100 to 199, 1000 to max;
}

extend Base {
  // A note.
  optional string note = 100;
  repeated int32 tags = 101 [packed = true];
}

message Holder {
  extend Base {
    optional Holder holder = 150;
  }
}
)";

std::shared_ptr<const Schema> build(const std::vector<FileInput>& targets,
                                    const std::vector<FileInput>& deps = {}) {
  SchemaResult r = build_schema(targets, deps);
  if (!r.valid()) {
    for (const auto& d : r.diagnostics) MESSAGE(format_diagnostic(d));
  }
  REQUIRE(r.valid());
  REQUIRE(r.schema != nullptr);
  return r.schema;
}

json main_ast() {
  auto schema = build(
      {{"a/main.proto", kMainProto}},
      {{"a/dep.proto", kDepProto}, {"a/weak.proto", kWeakProto}, {"a/opts.proto", kOptsProto}});
  return file_ast_json(*schema, "a/main.proto");
}

json span(int start_line, int start_column, int end_line, int end_column) {
  return {{"start_line", start_line},
          {"start_column", start_column},
          {"end_line", end_line},
          {"end_column", end_column}};
}

// The element of `list` named `name`.
json named(const json& list, const std::string& name) {
  for (const auto& e : list) {
    if (e.at("name") == name) return e;
  }
  FAIL("no element named " << name);
  return nullptr;
}

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const auto& e : list) out.push_back(e.at("name").get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("small_file_has_the_documented_shape") {
  auto schema = build({{"a/dep.proto", kDepProto}});
  json expected = json::parse(R"j({
    "path": "a/dep.proto", "syntax": "proto3", "package": "acme.dep",
    "span": {"start_line": 1, "start_column": 1, "end_line": 6, "end_column": 2},
    "syntax_location": {"span": {"start_line": 1, "start_column": 1, "end_line": 1,
                                 "end_column": 19},
                        "leading_comments": null, "trailing_comments": null,
                        "leading_detached_comments": []},
    "package_location": {"span": {"start_line": 2, "start_column": 1, "end_line": 2,
                                  "end_column": 18},
                         "leading_comments": null, "trailing_comments": null,
                         "leading_detached_comments": []},
    "imports": [], "options": {}, "enums": [], "services": [], "extensions": [],
    "messages": [{
      "name": "Shared", "full_name": "acme.dep.Shared", "options": {}, "deprecated": false,
      "span": {"start_line": 4, "start_column": 1, "end_line": 6, "end_column": 2},
      "leading_comments": null, "trailing_comments": null, "leading_detached_comments": [],
      "fields": [{
        "name": "id", "full_name": "acme.dep.Shared.id", "number": 1, "label": "optional",
        "type": "string", "type_name": "", "json_name": "id", "oneof": null,
        "proto3_optional": false, "default": null, "map": null, "deprecated": false,
        "options": {},
        "span": {"start_line": 5, "start_column": 3, "end_line": 5, "end_column": 17},
        "leading_comments": null, "trailing_comments": null, "leading_detached_comments": []
      }],
      "oneofs": [], "messages": [], "enums": [], "extensions": [], "extension_ranges": [],
      "reserved_ranges": [], "reserved_names": []
    }]
  })j");
  json got = file_ast_json(*schema, "a/dep.proto");
  CHECK_MESSAGE(got == expected, got.dump(2));
}

TEST_CASE("file_statements_imports_and_file_options") {
  json f = main_ast();
  CHECK(f["path"] == "a/main.proto");
  CHECK(f["syntax"] == "proto3");
  CHECK(f["package"] == "acme.v1");
  // The file comment, followed by a blank line, is detached from the syntax statement.
  CHECK(f["syntax_location"] ==
        json({{"span", span(3, 1, 3, 19)},
              {"leading_comments", nullptr},
              {"trailing_comments", nullptr},
              {"leading_detached_comments", {" File header comment, detached.\n"}}}));
  CHECK(f["package_location"]["leading_comments"] == " The package.\n");
  CHECK(f["package_location"]["span"] == span(6, 1, 6, 17));
  REQUIRE(f["imports"].size() == 3);
  CHECK(f["imports"][0] == json({{"path", "a/dep.proto"},
                                 {"public", true},
                                 {"weak", false},
                                 {"span", span(8, 1, 8, 29)},
                                 {"leading_comments", nullptr},
                                 {"trailing_comments", nullptr},
                                 {"leading_detached_comments", json::array()}}));
  CHECK(f["imports"][1]["path"] == "a/weak.proto");
  CHECK(f["imports"][1]["public"] == false);
  CHECK(f["imports"][1]["weak"] == true);
  CHECK(f["imports"][2]["path"] == "a/opts.proto");
  CHECK(f["imports"][2]["public"] == false);
  CHECK(f["imports"][2]["weak"] == false);
  CHECK(f["options"] == json({{"java_package", "com.acme.v1"}, {"optimize_for", "SPEED"}}));
  CHECK(f["extensions"] == json::array());
}

TEST_CASE("messages_fields_oneofs_and_maps") {
  json f = main_ast();
  REQUIRE(f["messages"].size() == 1);
  json order = f["messages"][0];
  CHECK(order["name"] == "Order");
  CHECK(order["full_name"] == "acme.v1.Order");
  CHECK(order["span"] == span(18, 1, 42, 2));
  CHECK(order["leading_comments"] == " An order.\n");
  CHECK(order["trailing_comments"] == nullptr);
  CHECK(order["leading_detached_comments"] == json({" Detached comment before Order.\n"}));
  CHECK(order["reserved_ranges"] == json::parse(R"j([{"start": 10, "end": 12},
                                                     {"start": 20, "end": 20}])j"));
  CHECK(order["reserved_names"] == json({"old"}));
  CHECK(names(order["fields"]) == std::vector<std::string>{"id", "quantity", "items", "card",
                                                           "token", "shared", "status", "ws"});

  CHECK(named(order["fields"], "id") == json::parse(R"j({
          "name": "id", "full_name": "acme.v1.Order.id", "number": 1, "label": "optional",
          "type": "string", "type_name": "", "json_name": "id", "oneof": null,
          "proto3_optional": false, "default": null, "map": null, "deprecated": true,
          "options": {"(acme.opts.my_opt)": "x", "deprecated": true
}
, "span" : {"start_line" : 21, "start_column" : 3, "end_line" : 21, "end_column" : 63},
           "leading_comments" : " The id.\n",
                                "trailing_comments" : " trailing id\n",
                                                      "leading_detached_comments" : []
})j"));

  // proto3 optional: its synthetic oneof is neither named nor listed.
  json quantity = named(order["fields"], "quantity");
  CHECK(quantity["proto3_optional"] == true);
  CHECK(quantity["oneof"] == nullptr);
  CHECK(quantity["label"] == "optional");
  CHECK(quantity["type"] == "int32");
  REQUIRE(order["oneofs"].size() == 1);
  json payment = order["oneofs"][0];
  CHECK(payment["name"] == "payment");
  CHECK(payment["full_name"] == "acme.v1.Order.payment");
  CHECK(payment["fields"] == json({"card", "token"}));
  CHECK(payment["span"] == span(24, 3, 27, 4));
  CHECK(named(order["fields"], "card")["oneof"] == "payment");
  CHECK(named(order["fields"], "card")["proto3_optional"] == false);
  json token = named(order["fields"], "token");
  CHECK(token["oneof"] == "payment");
  CHECK(token["type"] == "bytes");
  CHECK(token["json_name"] == "tok");

  json items = named(order["fields"], "items");
  CHECK(items["label"] == "repeated");
  CHECK(items["type"] == "message");
  CHECK(items["type_name"] == "acme.v1.Order.ItemsEntry");
  CHECK(items["map"] == json({{"key_type", "string"},
                              {"value_type", "message"},
                              {"value_type_name", "acme.v1.Order.Item"}}));

  // Resolved type names, fully qualified without the leading dot.
  CHECK(named(order["fields"], "shared")["type_name"] == "acme.dep.Shared");
  CHECK(named(order["fields"], "status")["type"] == "enum");
  CHECK(named(order["fields"], "status")["type_name"] == "acme.v1.Status");
  CHECK(named(order["fields"], "ws")["label"] == "repeated");
  CHECK(named(order["fields"], "ws")["type_name"] == "acme.weak.W");

  // The map entry message is in the tree, where the parser put it, without a location.
  CHECK(names(order["messages"]) == std::vector<std::string>{"ItemsEntry", "Item"});
  json entry = order["messages"][0];
  CHECK(entry["options"] == json({{"map_entry", true}}));
  CHECK(entry["span"] == nullptr);
  CHECK(names(entry["fields"]) == std::vector<std::string>{"key", "value"});

  json item = order["messages"][1];
  CHECK(item["full_name"] == "acme.v1.Order.Item");
  CHECK(item["span"] == span(32, 3, 39, 4));
  CHECK(named(item["fields"], "sku")["type"] == "int64");
  CHECK(named(item["fields"], "kind")["type_name"] == "acme.v1.Order.Item.Kind");
  REQUIRE(item["enums"].size() == 1);
  json kind = item["enums"][0];
  CHECK(kind["full_name"] == "acme.v1.Order.Item.Kind");
  CHECK(kind["span"] == span(35, 5, 38, 6));
  REQUIRE(kind["values"].size() == 2);
  CHECK(kind["values"][1]["name"] == "KIND_BOOK");
  CHECK(kind["values"][1]["number"] == 1);
  CHECK(kind["values"][1]["deprecated"] == true);
  CHECK(kind["values"][1]["options"] == json({{"deprecated", true}}));
  CHECK(kind["values"][0]["deprecated"] == false);
}

TEST_CASE("enums_and_services") {
  json f = main_ast();
  REQUIRE(f["enums"].size() == 1);
  json status = f["enums"][0];
  CHECK(status["full_name"] == "acme.v1.Status");
  CHECK(status["span"] == span(44, 1, 47, 2));
  REQUIRE(status["values"].size() == 2);
  CHECK(status["values"][1] == json({{"name", "STATUS_OPEN"},
                                     {"full_name", "acme.v1.STATUS_OPEN"},
                                     {"number", 1},
                                     {"deprecated", false},
                                     {"options", json::object()},
                                     {"span", span(46, 3, 46, 19)},
                                     {"leading_comments", nullptr},
                                     {"trailing_comments", " open\n"},
                                     {"leading_detached_comments", json::array()}}));

  REQUIRE(f["services"].size() == 1);
  json svc = f["services"][0];
  CHECK(svc["name"] == "Orders");
  CHECK(svc["full_name"] == "acme.v1.Orders");
  CHECK(svc["leading_comments"] == " Orders.\n");
  CHECK(svc["span"] == span(50, 1, 57, 2));
  CHECK(names(svc["methods"]) == std::vector<std::string>{"Get", "Watch", "Upload", "Chat"});
  struct Streaming {
    const char* method;
    bool client, server;
  };
  for (Streaming s : {Streaming{"Get", false, false}, Streaming{"Watch", false, true},
                      Streaming{"Upload", true, false}, Streaming{"Chat", true, true}}) {
    json m = named(svc["methods"], s.method);
    CHECK_MESSAGE(m["client_streaming"] == s.client, s.method);
    CHECK_MESSAGE(m["server_streaming"] == s.server, s.method);
    CHECK(m["input_type"] == "acme.v1.Order");
    CHECK(m["output_type"] == "acme.v1.Order");
  }
  json watch = named(svc["methods"], "Watch");
  CHECK(watch["full_name"] == "acme.v1.Orders.Watch");
  CHECK(watch["span"] == span(52, 3, 54, 4));
  CHECK(named(svc["methods"], "Upload")["deprecated"] == true);
  CHECK(named(svc["methods"], "Upload")["options"] == json({{"deprecated", true}}));
  CHECK(named(svc["methods"], "Get")["options"] == json::object());
}

TEST_CASE("custom_options_are_resolved_against_the_schema") {
  json f = main_ast();
  json order = f["messages"][0];
  CHECK(order["options"] == json({{"(acme.opts.tagged)", true}}));
  CHECK(named(order["fields"], "id")["options"]["(acme.opts.my_opt)"] == "x");
  // A float option reads as its shortest decimal form.
  CHECK(named(order["fields"], "token")["options"] == json::parse(R"j({"(acme.opts.weight)": 0.1
})j"));
  // Bytes are base64: 01 02 ff.
  CHECK(named(order["fields"], "ws")["options"] == json({{"(acme.opts.blob)", "AQL/"}}));
  // A message-valued option is a nested object of its set fields.
  json watch = named(f["services"][0]["methods"], "Watch");
  CHECK(watch["options"] == json::parse(R"j({"(acme.opts.rule)": {
  "path" : "/watch", "codes" : [ 1, 2 ]}
  })j"));
}

TEST_CASE("proto2_extensions_defaults_groups_and_ranges") {
  auto schema = build({{"acme/legacy.proto", kLegacyProto}});
  json f = file_ast_json(*schema, "acme/legacy.proto");
  CHECK(f["syntax"] == "proto2");
  json base = named(f["messages"], "Base");
  json name = named(base["fields"], "name");
  CHECK(name["label"] == "required");
  CHECK(name["default"] == "anon");
  CHECK(name["options"] == json::object());
  CHECK(named(base["fields"], "ratio")["default"] == "0.5");
  CHECK(named(base["fields"], "color")["default"] == "BLUE");
  CHECK(named(base["fields"], "color")["type_name"] == "acme.legacy.Base.Color");
  CHECK(named(base["fields"], "raw")["default"] == "\\001z");  // C-escaped, as in descriptors
  json extra = named(base["fields"], "extra");
  CHECK(extra["type"] == "group");
  CHECK(extra["type_name"] == "acme.legacy.Base.Extra");
  CHECK(extra["span"] == span(9, 3, 11, 4));
  CHECK(names(base["messages"]) == std::vector<std::string>{"Extra"});
  CHECK(base["extension_ranges"] == json::parse(R"j([{"start": 100, "end": 199},
                                                    {"start": 1000, "end": 536870911}])j"));

  REQUIRE(f["extensions"].size() == 2);
  CHECK(f["extensions"][0] == json::parse(R"j({
    "name": "note", "full_name": "acme.legacy.note", "number": 100, "label": "optional",
    "type": "string", "type_name": "", "json_name": "note", "oneof": null,
    "proto3_optional": false, "default": null, "map": null, "deprecated": false,
    "extendee": "acme.legacy.Base", "options": {},
    "span": {"start_line": 21, "start_column": 3, "end_line": 21, "end_column": 30},
    "leading_comments": " A note.\n", "trailing_comments": null,
    "leading_detached_comments": []
  })j"));
  json tags = f["extensions"][1];
  CHECK(tags["name"] == "tags");
  CHECK(tags["label"] == "repeated");
  CHECK(tags["type"] == "int32");
  CHECK(tags["extendee"] == "acme.legacy.Base");
  CHECK(tags["options"] == json({{"packed", true}}));

  // An extension declared inside a message.
  json holder = named(f["messages"], "Holder");
  REQUIRE(holder["extensions"].size() == 1);
  json ext = holder["extensions"][0];
  CHECK(ext["full_name"] == "acme.legacy.Holder.holder");
  CHECK(ext["extendee"] == "acme.legacy.Base");
  CHECK(ext["type_name"] == "acme.legacy.Holder");
  CHECK(ext["span"] == span(27, 5, 27, 34));
  // Plain fields have no extendee.
  CHECK_FALSE(name.contains("extendee"));
}

TEST_CASE("schema_ast_lists_target_files_in_order") {
  auto schema = build({{"b.proto",
                        "syntax = \"proto3\";\npackage b;\nimport \"a/dep.proto\";\n"
                        "message B { acme.dep.Shared s = 1; }\n"},
                       {"a/dep.proto", kDepProto}});
  json all = schema_ast_json(*schema);
  REQUIRE(all["files"].size() == 2);
  CHECK(all["files"][0]["path"] == "a/dep.proto");
  CHECK(all["files"][1]["path"] == "b.proto");
  CHECK(all["files"][1] == file_ast_json(*schema, "b.proto"));
  CHECK(file_ast_json(*schema, "missing.proto").is_null());
}

TEST_CASE("tabs_and_text_that_is_not_utf8") {
  // A tab advances the column to the next multiple of 8; bad bytes become U+FFFD.
  auto schema = build({{"t.proto",
                        "syntax = \"proto2\";\n// caf\xff\nmessage T {\n"
                        "\toptional string s = 1 [default = \"a\\377\"];\n}\n"}});
  json f = file_ast_json(*schema, "t.proto");
  json t = f["messages"][0];
  CHECK(t["leading_comments"] == " caf\xEF\xBF\xBD\n");
  json s = t["fields"][0];
  CHECK(s["span"] == span(4, 9, 4, 51));
  CHECK(s["default"] == "a\xEF\xBF\xBD");
  CHECK_NOTHROW((void)f.dump());
}
