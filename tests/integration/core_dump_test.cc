// weftd holds the audit, storage, pseudonymisation and provenance keys in
// its memory. It starts with a core file size limit of 0 and marks itself
// not dumpable (common/core_dumps.h), so that neither a core file nor a
// debugger running as the same user can read them.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <regex>

#include "tests/harness/deployment.h"

namespace weft::testing {
namespace {

// Exit codes of the probe's child besides 0 and an errno.
constexpr int kCapabilitiesUnreadable = 100;
constexpr int kCapabilitiesUnchangeable = 101;

// Asks the kernel whether a process of our user, without CAP_SYS_PTRACE in
// effect, may inspect `pid` as a debugger would: 0 when it may, EPERM when
// it may not, another errno when the question could not be asked.
//
// get_robust_list(2) is answered by ptrace_may_access(PTRACE_MODE_READ_
// REALCREDS) and has no side effect. For a caller of the target's own uid
// that check refuses exactly when the target is not dumpable and the caller
// lacks CAP_SYS_PTRACE; the capability module's own condition (the
// target's permitted capabilities within the caller's permitted ones) holds
// for a sibling of the same uid. Yama's ptrace_scope does not apply to READ
// checks. So dropping CAP_SYS_PTRACE from the effective set only, in a
// forked child, makes the answer hinge on weftd's dumpable flag whether the
// tests run as root (as in CI) or not.
int inspection_errno(pid_t pid) {
  const pid_t child = ::fork();
  if (child == 0) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct capabilities[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &header, capabilities) != 0) {
      ::_exit(kCapabilitiesUnreadable);
    }
    capabilities[CAP_TO_INDEX(CAP_SYS_PTRACE)].effective &= ~CAP_TO_MASK(CAP_SYS_PTRACE);
    if (::syscall(SYS_capset, &header, capabilities) != 0) {
      ::_exit(kCapabilitiesUnchangeable);
    }
    void* head = nullptr;
    std::size_t length = 0;
    const long answered = ::syscall(SYS_get_robust_list, pid, &head, &length);
    ::_exit(answered == 0 ? 0 : errno);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// "<name>  <soft>  <hard>  <unit>" from /proc/<pid>/limits, which anyone
// may read, dumpable or not.
std::pair<std::string, std::string> limits_of(pid_t pid, const std::string& name) {
  const std::string limits = read_text("/proc/" + std::to_string(pid) + "/limits");
  std::smatch match;
  if (!std::regex_search(limits, match, std::regex(name + " +([0-9a-z]+) +([0-9a-z]+)"))) {
    ADD_FAILURE() << "no " << name << " in /proc/" << pid << "/limits:\n" << limits;
    return {};
  }
  return {match[1].str(), match[2].str()};
}

// VmLck from /proc/<pid>/status, in KiB.
[[maybe_unused]] long locked_kib(pid_t pid) {
  std::smatch match;
  const std::string status = read_text("/proc/" + std::to_string(pid) + "/status");
  return std::regex_search(status, match, std::regex("VmLck:\\s+([0-9]+) kB")) ? std::stol(match[1].str()) : -1;
}

TEST(CoreDumpTest, WeftdKeepsItsKeysOutOfCoreFilesDebuggersAndSwap) {
  TestDeployment deployment("core-dump");
  deployment.start_broker();
  const pid_t weftd = deployment.broker().pid();

  EXPECT_EQ(limits_of(weftd, "Max core file size"), (std::pair<std::string, std::string>{"0", "0"}));

  // Six guarded secrets, one locked page each: audit signing key, audit
  // fingerprint key, storage key and its fingerprint subkey, pseudonym key,
  // provenance key. Nothing else in weftd locks memory. Only checked where
  // the limit lets them all be locked (sodium_malloc goes on unlocked).
  // The sanitizer runtimes turn mlock into a no-op, so the count means
  // nothing there.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  const std::string memlock = limits_of(weftd, "Max locked memory").first;
  const long page_kib = ::sysconf(_SC_PAGESIZE) / 1024;
  if (memlock == "unlimited" || std::stol(memlock) >= 6 * page_kib * 1024) {
    EXPECT_GE(locked_kib(weftd), 6 * page_kib) << "the keys are not locked in memory";
  }
#endif

  // The probe works here: a process started the same way that did not opt
  // out may be inspected.
  ChildProcess dumpable({"/bin/sleep", "30"}, deployment.dir(), "sleep");
  ASSERT_EQ(inspection_errno(dumpable.pid()), 0)
      << "this environment refuses the probe itself (seccomp or LSM); it cannot tell dumpable from not";
  EXPECT_EQ(inspection_errno(weftd), EPERM) << "weftd is dumpable";

  if (::geteuid() != 0) {
    // Not dumpable also hands weftd's private /proc files to root, which
    // only a non-root run can see. (Not /proc/<pid> itself: world-readable
    // directories keep the process's owner, for ps.)
    struct stat info {};
    ASSERT_EQ(::stat(("/proc/" + std::to_string(weftd) + "/environ").c_str(), &info), 0);
    EXPECT_EQ(info.st_uid, 0U);
    EXPECT_NE(::access(("/proc/" + std::to_string(weftd) + "/environ").c_str(), R_OK), 0);
  }
  // What the other tests read stays readable: /proc/<pid>/status is
  // world-readable whether or not the process is dumpable.
  EXPECT_GT(deployment.broker().rss_kib(), 0);
  dumpable.stop(SIGKILL);
}

}  // namespace
}  // namespace weft::testing
