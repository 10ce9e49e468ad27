// Output discipline of every command: files written through a temporary that
// nobody can plant (random name, O_EXCL | O_NOFOLLOW) and renamed; devices,
// FIFOs and stdout written in place, never replaced; every write checked;
// outputs that would clobber an input or each other refused before any work;
// one run at a time per output directory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace mxsim::app {

// An output file. `path` is "-" for stdout. A regular file (or a path with
// nothing there yet) is written to a new temporary beside it, with a random
// name, created with O_EXCL | O_NOFOLLOW, and renamed onto the path by
// commit(). A path that exists and is no regular file (a device, a FIFO, a
// link to one), and anything under /dev or /proc (/dev/stdout), is written in
// place. Throws std::runtime_error naming the path when it cannot be opened.
class OutputFile {
 public:
  // on_error: called once, at the first write that fails (the run stops early).
  explicit OutputFile(std::string path, std::function<void()> on_error = {});
  ~OutputFile();  // not committed: the temporary is removed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ostream& stream();
  // At most `bytes` reach the file, cut after the last whole line that fits;
  // what comes after is dropped (a trace's bound: --limit trace_bytes).
  void cap(std::uint64_t bytes);
  bool capped() const;  // the cap was reached
  // Flushes, closes and renames the temporary onto the path; throws
  // std::runtime_error naming the path if any write, the close or the rename failed.
  void commit();
  const std::string& path() const { return path_; }

 private:
  class Buffer;
  std::string path_;
  std::string temp_;  // empty: written in place
  std::unique_ptr<Buffer> buffer_;
  std::unique_ptr<std::ostream> stream_;
  bool committed_ = false;
};

// A whole file from text, through OutputFile.
void write_output(const std::string& path, std::string_view text);

// The files one command reads and writes, checked before it starts: an output
// that is an input, or that another output also names, is refused (a
// std::runtime_error naming both, exit 2). Files that exist are compared by
// device and inode, others by their normalized absolute path; a character
// device (/dev/null) may take several outputs.
class PathPlan {
 public:
  void input(std::string what, const std::string& path);
  void output(std::string what, const std::string& path);
  void check() const;

 private:
  struct Entry {
    std::string what, path;
    bool is_stdout = false;  // "-"
    bool exists = false, shared = false;  // shared: a character device
    unsigned long long device = 0, inode = 0;
    std::string normal;  // absolute, links resolved as far as they exist
  };
  static Entry identify(std::string what, const std::string& path);
  std::vector<Entry> inputs_, outputs_;
};

// Holds DIR/.mxsim.lock under an exclusive flock(2) while it lives, with this
// process's id in it: a second command writing into DIR is refused at once
// (std::runtime_error naming the process that holds it).
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::string& directory);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

// Flushes std::cout and stdout; false when a write to them failed (errno says why).
bool flush_stdout();

}  // namespace mxsim::app
