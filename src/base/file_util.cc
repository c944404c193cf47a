#include "base/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace hitless {
namespace {

Status errnoStatus(const std::string& what, const std::string& path) {
  return Status::ioError(what + " " + path + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status writeAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errnoStatus("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

std::string dirOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<std::string> readFile(const std::string& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::notFound("no such file: " + path);
    return errnoStatus("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errnoStatus("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return Status::invalidArgument(path + " is not a regular file");
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    return Status::invalidArgument(path + " is larger than " + std::to_string(max_bytes) +
                                   " bytes");
  }
  // Files under /proc and /sys report size 0: read to EOF, in chunks, up to max_bytes.
  std::string out;
  out.resize(st.st_size > 0 ? static_cast<size_t>(st.st_size) : 4096);
  size_t got = 0;
  while (true) {
    if (got == out.size()) {
      if (out.size() >= max_bytes) break;
      out.resize(std::min(max_bytes, out.size() * 2));
    }
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errnoStatus("cannot read", path);
    }
    if (n == 0) break;  // EOF (or the file shrank under us: return what exists)
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

Status writeFileAtomic(const std::string& path, std::string_view content, unsigned mode) {
  std::string tmp = path + ".tmp";
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return errnoStatus("cannot create", tmp);
    // O_CREAT applies the umask; the caller's mode is the contract (keys must be 0600).
    if (::fchmod(fd.get(), mode) != 0) return errnoStatus("cannot chmod", tmp);
    RETURN_IF_ERROR(writeAll(fd.get(), content, tmp));
    if (::fsync(fd.get()) != 0) return errnoStatus("cannot fsync", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = errnoStatus("cannot rename to", path);
    ::unlink(tmp.c_str());
    return s;
  }
  return fsyncDirectory(dirOf(path));
}

Status fsyncDirectory(const std::string& dir) {
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) return errnoStatus("cannot open directory", dir);
  if (::fsync(dfd.get()) != 0) return errnoStatus("cannot fsync directory", dir);
  return Status::ok();
}

bool pathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

Result<std::string> fromHex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return Status::corruption("hex string has odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::corruption("hex string has a non-hex character");
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

}  // namespace hitless
