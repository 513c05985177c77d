// The names model enums have in JSON, SQL and messages.
#include "spoke/model.h"

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

}  // namespace spoke
