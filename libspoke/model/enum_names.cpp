// The names model enums have in JSON, SQL and messages.
#include "spoke/model.h"
#include "spoke/webhook_types.h"

namespace spoke {

const char* to_string(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kSucceeded:
      return "succeeded";
    case JobStatus::kFailed:
      return "failed";
  }
  return "failed";
}

std::optional<JobStatus> parse_job_status(std::string_view text) {
  for (JobStatus s :
       {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded, JobStatus::kFailed}) {
    if (text == to_string(s)) return s;
  }
  return std::nullopt;
}

const char* to_string(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kAdmin:
      return "admin";
  }
  return "reader";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : {Role::kReader, Role::kWriter, Role::kAdmin}) {
    if (text == to_string(r)) return r;
  }
  return std::nullopt;
}

const char* to_string(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kSucceeded:
      return "succeeded";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<DeliveryStatus> parse_delivery_status(std::string_view text) {
  for (auto s : {DeliveryStatus::kPending, DeliveryStatus::kSucceeded, DeliveryStatus::kFailed}) {
    if (text == to_string(s)) return s;
  }
  return std::nullopt;
}

}  // namespace spoke
