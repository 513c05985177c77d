#pragma once

// Which modules a set of files needs, from their imports: what a push without declared
// dependencies depends on.

#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/storage.h"

namespace spoke::internal {

// "module@version" for each module the imports of `files` need: an import the files do not
// satisfy themselves and that is not a well-known type resolves to the module whose latest
// version provides that path. Unprocessable("unresolved_import" / "ambiguous_import") naming the
// import.
Result<std::vector<std::string>> infer_dependencies(MetadataStore& store, const std::string& module,
                                                    const std::vector<FileInput>& files);

}  // namespace spoke::internal
