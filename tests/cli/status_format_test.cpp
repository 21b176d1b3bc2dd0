// `sealkit status --format=text|json|prometheus`: --json is the same as
// --format=json, and the Prometheus text is what node_exporter's textfile
// collector accepts: HELP and TYPE once per metric, its samples together,
// label values escaped (backslash, quote, newline) and valid UTF-8, and
// values equal to what the test reads in /proc/PID/smaps itself.
#include <unistd.h>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/command_runner.h"
#include "cli/status_facts.h"
#include "system/syscalls.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::lines_of;
using sealkit_test::run_command;
using sealkit_test::running_program;

const std::string kTarget = std::string(SEALKIT_TEST_PROGRAMS) + "/status_target";
const std::string kRenamed = std::string(SEALKIT_TEST_PROGRAMS) + "/status_renamed_target";

struct sample {
    std::string metric;
    std::map<std::string, std::string> labels;  // values unescaped
    std::string value;
};

// Parses one exposition: fails the test on any line the format does not
// allow, and checks that each metric has HELP and TYPE before its samples,
// once, with all its samples together.
std::vector<sample> parse_exposition(const std::string &text) {
    static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
    static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|untyped))");
    static const std::regex kSample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9]+(\.[0-9]+)?))");
    std::vector<sample> samples;
    std::set<std::string> finished;  // metrics whose samples have ended
    std::string current, helped, typed;
    EXPECT_TRUE(text.empty() || text.back() == '\n') << "the last line must end with a newline";
    for (const std::string &line : lines_of(text)) {
        std::smatch m;
        if (std::regex_match(line, m, kHelp)) {
            EXPECT_EQ(finished.count(m[1]), 0u) << "metric described twice: " << line;
            if (!current.empty()) finished.insert(current);
            current = helped = m[1];
            continue;
        }
        if (std::regex_match(line, m, kType)) {
            EXPECT_EQ(m[1], helped) << "TYPE without HELP just before: " << line;
            typed = m[1];
            continue;
        }
        if (!std::regex_match(line, m, kSample)) {
            ADD_FAILURE() << "not an exposition line: " << line;
            continue;
        }
        EXPECT_EQ(m[1], typed) << "sample outside its metric's block: " << line;
        sample s;
        s.metric = m[1];
        s.value = m[4];
        // label="value" pairs; values may hold \\, \" and \n.
        std::string labels = m[3];
        size_t at = 0;
        while (at < labels.size()) {
            size_t equals = labels.find("=\"", at);
            if (equals == std::string::npos) {
                ADD_FAILURE() << "bad labels: " << labels;
                break;
            }
            std::string name = labels.substr(at, equals - at);
            std::string value;
            size_t i = equals + 2;
            for (; i < labels.size() && labels[i] != '"'; ++i) {
                if (labels[i] != '\\') {
                    value += labels[i];
                    continue;
                }
                char next = i + 1 < labels.size() ? labels[++i] : '?';
                if (next == 'n') value += '\n';
                else if (next == '\\' || next == '"') value += next;
                else ADD_FAILURE() << "bad escape \\" << next << " in " << labels;
            }
            EXPECT_LT(i, labels.size()) << "unterminated label value: " << labels;
            s.labels[name] = value;
            at = i + 1;
            if (at < labels.size() && labels[at] == ',') ++at;
        }
        samples.push_back(std::move(s));
    }
    return samples;
}

// The value of metric for pid, or "" when there is none.
std::string value_for(const std::vector<sample> &samples, const std::string &metric, pid_t pid) {
    for (const sample &s : samples)
        if (s.metric == metric && s.labels.count("pid") && s.labels.at("pid") == std::to_string(pid)) return s.value;
    return "";
}

class StatusFormat : public ::testing::Test {
protected:
    void SetUp() override {
        if (sealkit::sys::probe_seal_support() != 0) GTEST_SKIP() << "this kernel has no mseal(2)";
    }
};

TEST_F(StatusFormat, JsonFlagIsFormatJson) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    std::string pid = std::to_string(target.pid());
    command_result flag = run_command({SEALKIT_CLI, "status", "--json", pid});
    command_result option = run_command({SEALKIT_CLI, "status", "--format=json", pid});
    command_result spaced = run_command({SEALKIT_CLI, "status", "--format", "json", pid});
    ASSERT_EQ(flag.exit_status, 0) << flag.err;
    ASSERT_EQ(option.exit_status, 0) << option.err;
    EXPECT_EQ(nlohmann::json::parse(flag.out), nlohmann::json::parse(option.out));
    EXPECT_EQ(option.out, spaced.out);
    EXPECT_EQ(nlohmann::json::parse(flag.out).at("processes").at(0).at("backend"), "kernel");

    command_result text = run_command({SEALKIT_CLI, "status", "--format=text", pid});
    command_result plain = run_command({SEALKIT_CLI, "status", pid});
    EXPECT_EQ(text.exit_status, 0);
    EXPECT_EQ(text.out, plain.out);
    EXPECT_TRUE(text.out.starts_with("PID " + pid + " (status_target)")) << text.out;
}

TEST_F(StatusFormat, PrometheusValuesAreTheProcessesOwn) {
    running_program sealed({kTarget});
    running_program renamed({kRenamed, "plain"});
    ASSERT_TRUE(sealed.ready() && renamed.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--format=prometheus", std::to_string(sealed.pid()),
                                      std::to_string(renamed.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    std::vector<sample> samples = parse_exposition(run.out);

    for (const running_program *program : {&sealed, &renamed}) {
        sealkit_test::smaps_facts facts = sealkit_test::read_smaps_facts(program->pid());
        pid_t pid = program->pid();
        EXPECT_EQ(value_for(samples, "sealkit_process_mappings", pid), std::to_string(facts.mappings));
        EXPECT_EQ(value_for(samples, "sealkit_process_sealed_mappings", pid), std::to_string(facts.sealed_mappings));
        EXPECT_EQ(value_for(samples, "sealkit_process_bytes", pid), std::to_string(facts.bytes));
        EXPECT_EQ(value_for(samples, "sealkit_process_sealed_bytes", pid), std::to_string(facts.sealed_bytes));
        EXPECT_EQ(value_for(samples, "sealkit_process_file_backed_bytes", pid),
                  std::to_string(facts.file_backed_bytes));
        EXPECT_EQ(value_for(samples, "sealkit_process_file_backed_sealed_bytes", pid),
                  std::to_string(facts.sealed_file_backed_bytes));
    }
    EXPECT_NE(value_for(samples, "sealkit_process_sealed_mappings", sealed.pid()), "0");
    EXPECT_EQ(value_for(samples, "sealkit_process_sealed_bytes", renamed.pid()), "0");
    // status_target sealed its own code but not libc's: one image (libc) at least.
    EXPECT_NE(value_for(samples, "sealkit_process_unsealed_images", sealed.pid()), "0");
    EXPECT_NE(value_for(samples, "sealkit_process_unsealed_images", sealed.pid()), "");
    for (const sample &s : samples) {
        if (s.metric == "sealkit_process_mappings" && s.labels.at("pid") == std::to_string(sealed.pid())) {
            EXPECT_EQ(s.labels.at("command"), "status_target");
        }
        if (s.metric == "sealkit_status_processes" && s.labels.at("outcome") == "inspected") {
            EXPECT_EQ(s.value, "2");
        }
    }
}

TEST_F(StatusFormat, PrometheusEscapesQuoteBackslashAndNewlineInTheCommand) {
    const std::string name = "q\"b\\n\nx";  // q " b \ n <newline> x
    running_program target({kRenamed, name});
    ASSERT_TRUE(target.ready());
    ASSERT_EQ(target.number("comm_length"), name.size());
    command_result run = run_command({SEALKIT_CLI, "status", "--format=prometheus", std::to_string(target.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    // The exact line, escapes included.
    std::string expected = "sealkit_process_mappings{pid=\"" + std::to_string(target.pid()) +
                           "\",command=\"q\\\"b\\\\n\\nx\"} " +
                           std::to_string(sealkit_test::read_smaps_facts(target.pid()).mappings);
    bool found = false;
    for (const std::string &line : lines_of(run.out)) found = found || line == expected;
    EXPECT_TRUE(found) << "no line\n" << expected << "\nin\n" << run.out;
    // And it reads back as the name.
    for (const sample &s : parse_exposition(run.out))
        if (s.labels.count("pid")) {
            EXPECT_EQ(s.labels.at("command"), name) << s.metric;
        }
}

TEST_F(StatusFormat, PrometheusReplacesBytesThatAreNotUtf8) {
    running_program target({kRenamed, "bad\xff\xfe" "name\xc3"});
    ASSERT_TRUE(target.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--format=prometheus", std::to_string(target.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    std::vector<sample> samples = parse_exposition(run.out);
    ASSERT_FALSE(samples.empty());
    EXPECT_EQ(samples[0].labels.at("command"), "bad\xef\xbf\xbd\xef\xbf\xbdname\xef\xbf\xbd");
    // JSON carries the same replacement instead of failing.
    command_result json = run_command({SEALKIT_CLI, "status", "--json", std::to_string(target.pid())});
    ASSERT_EQ(json.exit_status, 0) << json.err;
    EXPECT_EQ(nlohmann::json::parse(json.out).at("processes").at(0).at("command"),
              "bad\xef\xbf\xbd\xef\xbf\xbdname\xef\xbf\xbd");
}

TEST_F(StatusFormat, PrometheusForAllProcessesCountsTheScan) {
    running_program target({kRenamed, "prom\"all"});
    ASSERT_TRUE(target.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--all", "--format=prometheus"});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    std::vector<sample> samples = parse_exposition(run.out);
    EXPECT_EQ(value_for(samples, "sealkit_process_mappings", target.pid()),
              std::to_string(sealkit_test::read_smaps_facts(target.pid()).mappings));
    EXPECT_EQ(value_for(samples, "sealkit_process_mappings", getpid()),
              std::to_string(sealkit_test::read_smaps_facts(getpid()).mappings));
    std::map<std::string, long> outcomes;
    size_t processes = 0;
    for (const sample &s : samples) {
        if (s.metric == "sealkit_status_processes") outcomes[s.labels.at("outcome")] = std::stol(s.value);
        if (s.metric == "sealkit_process_mappings") {
            ++processes;
            if (s.labels.at("pid") == std::to_string(target.pid())) {
                EXPECT_EQ(s.labels.at("command"), "prom\"all");
            }
        }
    }
    EXPECT_EQ(outcomes.size(), 5u);
    EXPECT_EQ(outcomes["inspected"], static_cast<long>(processes));
    // Without --require=images, --all reads no image headers: no such metric.
    EXPECT_EQ(run.out.find("sealkit_process_unsealed_images"), std::string::npos);
}

}  // namespace
