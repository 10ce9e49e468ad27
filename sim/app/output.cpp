// Output files, the check of a command's paths and the output directory lock.
// A fixed temporary name (FILE.tmp) let anyone plant a link there; renaming
// onto a device replaced it with a regular file: hence the rules below.
#include "app/output.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace mxsim::app {
namespace {

std::runtime_error cannot_write(const std::string& path, int error) {
  return std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(error)));
}

bool under(const fs::path& path, std::string_view root) {
  return path.lexically_normal().string().rfind(root, 0) == 0;
}

// True when the path leads into /proc, itself or by a link on the way, as
// /dev/stdout does (-> /proc/self/fd/1): such a name stands for a descriptor
// the caller opened, to be written through, never replaced.
bool reaches_proc(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return false;
  for (int hop = 0; hop < 40; ++hop) {
    if (under(p, "/proc/")) return true;
    const fs::path parent = fs::weakly_canonical(p.parent_path(), ec);
    if (!ec && under(parent / p.filename(), "/proc/")) return true;
    if (!fs::is_symlink(p, ec)) return false;
    const fs::path link = fs::read_symlink(p, ec);
    if (ec) return false;
    p = link.is_absolute() ? link : p.parent_path() / link;
  }
  return false;
}

std::string random_name() {
  unsigned char bytes[8];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(fmt::format("no random bytes for a temporary name: {}", std::strerror(errno)));
    got += static_cast<std::size_t>(n);
  }
  std::string out;
  for (const unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

// A new file beside `target` that nobody could have prepared: a random name,
// O_EXCL (never an existing file) and O_NOFOLLOW (never through a link).
int create_temporary(const std::string& target, std::string& temp) {
  const fs::path path(target);
  const std::string stem = path.filename().string().substr(0, 200);  // within NAME_MAX with the suffix
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp = (path.parent_path() / fmt::format("{}.{}.tmp", stem, random_name())).string();
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) throw cannot_write(target, errno);
  }
  throw cannot_write(target, EEXIST);
}

}  // namespace

// A stream buffer over a file descriptor that remembers the first failed
// write (std::ofstream forgets why, and a full disk looked like success).
class OutputFile::Buffer : public std::streambuf {
 public:
  Buffer(int fd, bool owned, std::function<void()> on_error)
      : fd_(fd), owned_(owned), on_error_(std::move(on_error)) {
    setp(data_, data_ + sizeof data_);
  }
  ~Buffer() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  // At most `bytes` reach the file, cut after a whole line (see drain()).
  void cap(std::uint64_t bytes) { cap_ = bytes; }
  bool capped() const { return capped_; }

  // Writes what is buffered and closes: 0, or the errno of the first failure.
  int finish() {
    drain(/*whole_lines=*/false);
    if (owned_ && fd_ >= 0) {
      if (::close(fd_) != 0 && error_ == 0) error_ = errno;
      fd_ = -1;
    }
    return error_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  // Under a cap, only whole lines leave the buffer (the tail of a line
  // waits at its front), so that the cut falls after a newline; the last
  // drain (`whole_lines` false) writes the tail too. Without a newline in
  // the whole buffer everything goes, as without a cap.
  bool drain(bool whole_lines = true) {
    const char* at = pbase();
    std::size_t left = static_cast<std::size_t>(pptr() - pbase());
    std::size_t tail = 0;
    if (cap_ != kNoCap) {
      if (whole_lines) {
        const std::string_view chunk(at, left);
        const auto newline = chunk.rfind('\n');
        if (newline != std::string_view::npos) tail = left - newline - 1;
      }
      left -= tail;
      if (capped_) left = 0;
      if (written_ + left > cap_) {
        // Up to the last newline within the cap; nothing after it, ever.
        const std::string_view allowed(at, static_cast<std::size_t>(cap_ - written_));
        const auto newline = allowed.rfind('\n');
        left = newline == std::string_view::npos ? 0 : newline + 1;
        capped_ = true;
      }
      written_ += left;
    }
    while (left > 0 && error_ == 0) {
      const ssize_t n = ::write(fd_, at, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? errno : EIO;
        if (on_error_) on_error_();
        break;
      }
      at += n;
      left -= static_cast<std::size_t>(n);
    }
    if (tail > 0 && !capped_) std::memmove(data_, pptr() - tail, tail);
    setp(data_, data_ + sizeof data_);
    if (!capped_) pbump(static_cast<int>(tail));
    return error_ == 0;
  }

  static constexpr std::uint64_t kNoCap = UINT64_MAX;
  std::uint64_t cap_ = kNoCap;
  std::uint64_t written_ = 0;
  bool capped_ = false;
  int fd_;
  bool owned_;
  std::function<void()> on_error_;
  int error_ = 0;
  char data_[1 << 16];
};

OutputFile::OutputFile(std::string path, std::function<void()> on_error) : path_(std::move(path)) {
  if (path_.empty()) throw std::runtime_error("an output path is empty");
  int fd = -1;
  bool owned = true;
  struct stat st {};
  const bool exists = ::stat(path_.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) throw std::runtime_error(fmt::format("cannot write {}: it is a directory", path_));
  if (path_ == "-") {
    fd = STDOUT_FILENO;
    owned = false;
  } else if ((exists && !S_ISREG(st.st_mode)) || reaches_proc(path_)) {
    // In place: a device, a FIFO, a descriptor of the caller's. A regular file
    // reached through /proc (stdout redirected to a file) is appended to, as
    // the caller's own descriptor would be.
    const int append = exists && S_ISREG(st.st_mode) ? O_APPEND : 0;
    fd = ::open(path_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | append);
    if (fd < 0) throw cannot_write(path_, errno);
  } else {
    fd = create_temporary(path_, temp_);
  }
  buffer_ = std::make_unique<Buffer>(fd, owned, std::move(on_error));
  stream_ = std::make_unique<std::ostream>(buffer_.get());
}

OutputFile::~OutputFile() {
  if (committed_) return;
  stream_.reset();
  buffer_.reset();  // closes without writing what is buffered
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

std::ostream& OutputFile::stream() { return *stream_; }

void OutputFile::cap(std::uint64_t bytes) { buffer_->cap(bytes); }
bool OutputFile::capped() const { return buffer_->capped(); }

void OutputFile::commit() {
  if (committed_) return;
  stream_->flush();
  const int error = buffer_->finish();
  if (error != 0) {
    if (!temp_.empty()) ::unlink(temp_.c_str());
    committed_ = true;  // nothing left to clean up
    throw cannot_write(path_, error);
  }
  if (!temp_.empty() && ::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int rename_error = errno;
    ::unlink(temp_.c_str());
    committed_ = true;
    throw cannot_write(path_, rename_error);
  }
  committed_ = true;
}

void write_output(const std::string& path, std::string_view text) {
  OutputFile file(path);
  file.stream() << text;
  file.commit();
}

PathPlan::Entry PathPlan::identify(std::string what, const std::string& path) {
  Entry entry;
  entry.what = std::move(what);
  entry.path = path;
  entry.is_stdout = path == "-";
  if (entry.is_stdout) return entry;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    entry.exists = true;
    entry.shared = S_ISCHR(st.st_mode);
    entry.device = st.st_dev;
    entry.inode = st.st_ino;
  }
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  const fs::path normal = fs::weakly_canonical(absolute, ec);
  entry.normal = (ec ? absolute.lexically_normal() : normal).string();
  return entry;
}

void PathPlan::input(std::string what, const std::string& path) { inputs_.push_back(identify(std::move(what), path)); }

void PathPlan::output(std::string what, const std::string& path) {
  outputs_.push_back(identify(std::move(what), path));
}

void PathPlan::check() const {
  auto same = [](const Entry& a, const Entry& b) {
    if (a.is_stdout || b.is_stdout) return a.is_stdout && b.is_stdout;
    if (a.exists && b.exists) return a.device == b.device && a.inode == b.inode;
    return a.normal == b.normal;
  };
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    const Entry& out = outputs_[i];
    for (const Entry& in : inputs_)
      if (same(out, in))
        throw std::runtime_error(fmt::format("{} ({}) would overwrite {} ({}): choose another path", out.what,
                                             out.path, in.what, in.path));
    for (std::size_t j = 0; j < i; ++j)
      if (same(out, outputs_[j]) && !out.shared)
        throw std::runtime_error(fmt::format("{} ({}) and {} ({}) are the same file: one would overwrite the "
                                             "other; choose another path",
                                             outputs_[j].what, outputs_[j].path, out.what, out.path));
  }
}

DirectoryLock::DirectoryLock(const std::string& directory) {
  const std::string path = (fs::path(directory) / ".mxsim.lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(fmt::format("cannot lock {}: {}", path, std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (error != EWOULDBLOCK) throw std::runtime_error(fmt::format("cannot lock {}: {}", path, std::strerror(error)));
    std::string pid(holder, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    throw std::runtime_error(fmt::format("{} is in use by another mxsim (process {}): one command at a time writes "
                                         "into a directory",
                                         directory, pid.empty() ? "unknown" : pid));
  }
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int error = errno;
    ::close(fd_);
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(error)));
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // the lock goes with the descriptor; the file stays for the next run
}

bool flush_stdout() {
  std::cout.flush();
  const bool flushed = std::fflush(stdout) == 0;
  return flushed && !std::ferror(stdout) && std::cout.good();
}

}  // namespace mxsim::app
