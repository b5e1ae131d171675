#include "common/core_dumps.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace weft {

Result<void> keep_secrets_out_of_core_dumps() {
  const rlimit no_core{0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0) {
    return make_error(v1::INTERNAL, std::string("cannot turn core dumps off: ") + std::strerror(errno));
  }
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return make_error(v1::INTERNAL, std::string("cannot mark the process not dumpable: ") + std::strerror(errno));
  }
  return ok();
}

}  // namespace weft
