// Runs a program the way a user would and captures what it did: exit
// status, stdout and stderr, each separately. The CLI tests use it to run
// the real `sealkit` binary, and to start helper programs that they keep
// running while sealkit inspects them.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sealkit_test {

struct command_result {
    int exit_status = -1;  // the exit code, or 128 + signal number
    std::string out;
    std::string err;
};

// Environment changes for the child: name -> value ("" with unset = true
// removes the variable).
struct environment_change {
    std::string name;
    std::string value;
    bool unset = false;
};

namespace detail {

inline void exec_child(const std::vector<std::string> &argv, const std::vector<environment_change> &env) {
    for (const environment_change &change : env) {
        if (change.unset) unsetenv(change.name.c_str());
        else setenv(change.name.c_str(), change.value.c_str(), 1);
    }
    std::vector<char *> args;
    for (const std::string &arg : argv) args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
}

inline int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace detail

// Runs argv[0] (a path, not searched in PATH) to completion.
inline command_result run_command(const std::vector<std::string> &argv,
                                  const std::vector<environment_change> &env = {}) {
    command_result result;
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return result;
    pid_t child = fork();
    if (child == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, STDIN_FILENO);
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        detail::exec_child(argv, env);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    // Drain both pipes together so a chatty child never blocks on one.
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string *sinks[2] = {&result.out, &result.err};
    int open_count = 2;
    while (open_count > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char chunk[65536];
            ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
            if (got > 0) {
                sinks[i]->append(chunk, static_cast<size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
            }
        }
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_status = detail::decode_status(status);
    return result;
}

// A helper program kept running while a test inspects it. It is started
// with a pipe on stdin (closing it tells the helpers here to exit) and its
// stdout is read line by line up to "ready"; the key=value lines before
// that are kept in `values`.
class running_program {
public:
    explicit running_program(const std::vector<std::string> &argv) {
        int in_pipe[2], out_pipe[2];
        if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(in_pipe[0], STDIN_FILENO);
            dup2(out_pipe[1], STDOUT_FILENO);
            detail::exec_child(argv, {});
        }
        close(in_pipe[0]);
        close(out_pipe[1]);
        stdin_ = in_pipe[1];
        stdout_ = out_pipe[0];
        read_until_ready();
    }

    running_program(const running_program &) = delete;
    running_program &operator=(const running_program &) = delete;

    ~running_program() {
        if (stdin_ >= 0) close(stdin_);
        if (stdout_ >= 0) close(stdout_);
        if (pid_ > 0) {
            int status;
            while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }

    bool ready() const { return ready_; }
    pid_t pid() const { return pid_; }
    const std::map<std::string, std::string> &values() const { return values_; }
    std::string value(const std::string &key) const {
        auto found = values_.find(key);
        return found == values_.end() ? std::string() : found->second;
    }
    unsigned long long number(const std::string &key) const { return strtoull(value(key).c_str(), nullptr, 0); }

private:
    void read_until_ready() {
        std::string pending;
        char chunk[4096];
        while (!ready_) {
            ssize_t got = read(stdout_, chunk, sizeof chunk);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) return;  // it exited or failed before "ready"
            pending.append(chunk, static_cast<size_t>(got));
            size_t newline;
            while ((newline = pending.find('\n')) != std::string::npos) {
                std::string line = pending.substr(0, newline);
                pending.erase(0, newline + 1);
                if (line == "ready") {
                    ready_ = true;
                    break;
                }
                size_t equals = line.find('=');
                if (equals != std::string::npos) values_[line.substr(0, equals)] = line.substr(equals + 1);
            }
        }
    }

    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    bool ready_ = false;
    std::map<std::string, std::string> values_;
};

// Lines of text, without their '\n'.
inline std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> lines;
    size_t at = 0;
    while (at < text.size()) {
        size_t newline = text.find('\n', at);
        if (newline == std::string::npos) newline = text.size();
        lines.push_back(text.substr(at, newline - at));
        at = newline + 1;
    }
    return lines;
}

}  // namespace sealkit_test
