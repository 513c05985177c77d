// buf's rules on messages: deleted fields and oneofs, ranges and reserved names, required
// fields, options and JSON format.

#include <fmt/format.h>

#include <cctype>

#include "breaking/checker.h"
#include "breaking/describe.h"

namespace spoke::breaking_internal {

void Checker::message_pair(const pb::Descriptor* m, const pb::Descriptor* p) {
  const std::string& against = p->file()->name();
  const int max_tag = m->options().message_set_wire_format() ? 2147483646 : 536870911;
  if (on("EXTENSION_MESSAGE_NO_DELETE")) {
    Ranges pr, r;
    for (int i = 0; i < p->extension_range_count(); ++i)
      pr.emplace_back(p->extension_range(i)->start, p->extension_range(i)->end - 1);
    for (int i = 0; i < m->extension_range_count(); ++i)
      r.emplace_back(m->extension_range(i)->start, m->extension_range(i)->end - 1);
    tag_ranges("EXTENSION_MESSAGE_NO_DELETE", "extension", m, p, pr, r, max_tag, "message");
  }
  if (on("RESERVED_MESSAGE_NO_DELETE")) {
    reserved_rule("RESERVED_MESSAGE_NO_DELETE", m, p, max_tag, "message");
  }
  const bool del = on("FIELD_NO_DELETE"), del_num = on("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"),
             del_name = on("FIELD_NO_DELETE_UNLESS_NAME_RESERVED");
  if (del || del_num || del_name) {
    for (int i = 0; i < p->field_count(); ++i) {
      const pb::FieldDescriptor* pf = p->field(i);
      if (m->FindFieldByNumber(pf->number()) != nullptr) continue;
      std::string description = field_description(pf);
      description[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(description[0])));
      if (del) {
        add("FIELD_NO_DELETE", loc(m), against,
            fmt::format("Previously present {} was deleted.", description));
      }
      if (del_num && !m->IsReservedNumber(pf->number())) {
        add("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", loc(m), against,
            fmt::format("Previously present {} was deleted without reserving the number \"{}\".",
                        description, pf->number()));
      }
      if (del_name && !m->IsReservedName(pf->name())) {
        add("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", loc(m), against,
            fmt::format("Previously present {} was deleted without reserving the name {}.",
                        description, quote(pf->name())));
      }
    }
  }
  if (on("MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR") &&
      !p->options().no_standard_descriptor_accessor() &&
      m->options().no_standard_descriptor_accessor()) {
    add("MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
        option_loc(m, pb::MessageOptions::kNoStandardDescriptorAccessorFieldNumber), against,
        "Message option \"no_standard_descriptor_accessor\" changed from \"false\" to \"true\".");
  }
  if (on("ONEOF_NO_DELETE")) {
    for (int i = 0; i < p->oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* po = p->oneof_decl(i);
      if (po->is_synthetic() || m->FindOneofByName(po->name()) != nullptr) continue;
      add("ONEOF_NO_DELETE", loc(m), against,
          fmt::format("Previously present oneof {} on message {} was deleted.", quote(po->name()),
                      quote(m->name())));
    }
  }
  if (on("MESSAGE_SAME_REQUIRED_FIELDS")) {
    for (int i = 0; i < p->field_count(); ++i) {
      const pb::FieldDescriptor* pf = p->field(i);
      if (!pf->is_required()) continue;
      const pb::FieldDescriptor* f = m->FindFieldByNumber(pf->number());
      if (f != nullptr && f->is_required()) continue;
      add("MESSAGE_SAME_REQUIRED_FIELDS", loc(m), against,
          fmt::format("Message {} had required field \"{}\" deleted. Required fields must always "
                      "be sent, so if one side does not know about the required field, this "
                      "will result in a breakage.",
                      quote(p->name()), pf->number()));
    }
    for (int i = 0; i < m->field_count(); ++i) {
      const pb::FieldDescriptor* f = m->field(i);
      if (!f->is_required()) continue;
      const pb::FieldDescriptor* pf = p->FindFieldByNumber(f->number());
      if (pf != nullptr && pf->is_required()) continue;
      add("MESSAGE_SAME_REQUIRED_FIELDS", loc(f), "",
          fmt::format("Message {} had required field \"{}\" added. Required fields must always "
                      "be sent, so if one side does not know about the required field, this "
                      "will result in a breakage.",
                      quote(m->name()), f->number()));
    }
  }
  if (on("MESSAGE_SAME_JSON_FORMAT") && json_format(p->file()) == "ALLOW" &&
      json_format(m->file()) != "ALLOW") {
    add("MESSAGE_SAME_JSON_FORMAT", loc(m), against,
        fmt::format("Message {} JSON format support changed from {} to {}.", quote(m->name()),
                    json_format(p->file()), json_format(m->file())));
  }
  for (int i = 0; i < p->field_count(); ++i) {
    const pb::FieldDescriptor* f = m->FindFieldByNumber(p->field(i)->number());
    if (f != nullptr) field_pair(f, p->field(i));
  }
}

}  // namespace spoke::breaking_internal
