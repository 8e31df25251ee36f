// attnviz run over many images, as shell pipelines and CI use it: stdin lists, --jobs,
// --shard, --ndjson, --keep-going, exit codes, Ctrl-C, the progress bar, snapshots and
// `attnviz diff`.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_helpers.h"

using namespace attnviz;
using nlohmann::json;

namespace {

std::string attnviz_binary() {
  const char* env = std::getenv("ATTNVIZ_BIN");
  return env && *env ? env : ATTNVIZ_BATCH_BIN;
}

// Noise images that differ from each other, so that outputs differ too.
std::string write_image(const test::TempDir& dir, const std::string& name, int seed) {
  cv::Mat img(40, 40, CV_8UC3);
  cv::RNG rng(seed);
  rng.fill(img, cv::RNG::UNIFORM, 0, 255);
  const std::string path = dir.file(name);
  EXPECT_TRUE(cv::imwrite(path, img)) << path;
  return path;
}

std::vector<json> ndjson_lines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line));  // throws on a stray line
  return lines;
}

// Every entry of a directory (dot files included: staging leftovers must show), name ->
// bytes.
std::map<std::string, std::string> files_in(const std::string& dir) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    files[e.path().filename().string()] = test::read_text(e.path().string());
  return files;
}

bool has_file_with_prefix(const std::map<std::string, std::string>& files, const std::string& prefix) {
  for (const auto& [name, bytes] : files)
    if (name.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

std::vector<std::string> run_args(const std::vector<std::string>& inputs, const std::string& out,
                                  const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"run", test::fixture_model("vlm_scripted")};
  args.insert(args.end(), inputs.begin(), inputs.end());
  for (const char* a : {"--layers", "0,2", "--view", "overlay,grid", "--out"}) args.push_back(a);
  args.push_back(out);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// A record without what legitimately varies between runs: time, and where the files went.
json stable(json record) {
  record.erase("seconds");
  for (auto& f : record["files"]) {
    f = std::filesystem::path(f.get<std::string>()).filename().string();
  }
  return record;
}

void expect_one_line_per_input(const std::vector<json>& lines, const std::vector<std::string>& inputs) {
  ASSERT_EQ(lines.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(lines[i]["index"], i);
    EXPECT_EQ(lines[i]["input"], inputs[i]);
  }
}

}  // namespace

TEST(CliBatch, ReadsImagePathsFromStdinOnePerLine) {
  test::TempDir dir("stdin");
  auto a = write_image(dir, "a.png", 1), b = write_image(dir, "b.png", 2), c = write_image(dir, "c.png", 3);
  // Arguments and stdin mix in place; empty lines and CRLF endings are tolerated.
  auto r = test::run_attnviz(run_args({c, "-"}, dir.file("out"), {"--ndjson"}), a + "\n\n" + b + "\r\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = ndjson_lines(r.out);
  expect_one_line_per_input(lines, {c, a, b});
  for (const auto& l : lines) {
    EXPECT_EQ(l["status"], "ok");
    EXPECT_EQ(l["exit_code"], 0);
    EXPECT_TRUE(l["error"].is_null());
    EXPECT_EQ(l["runs"][0]["answer"], l["answer"]);
    ASSERT_EQ(l["files"].size(), 3u);  // overlay, grid, json
    for (const auto& f : l["files"]) EXPECT_TRUE(test::file_exists(f.get<std::string>())) << f;
  }
  EXPECT_EQ(r.err, "");  // logs only on stderr, and nothing to log

  // An empty list is nothing to do, not an error: `find ... | attnviz run m.pt -`.
  auto empty = test::run_attnviz(run_args({"-"}, dir.file("out2"), {"--ndjson"}), "");
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");
}

TEST(CliBatch, JobsGiveByteIdenticalOutputsAndRecords) {
  test::TempDir dir("jobs");
  std::vector<std::string> images;
  for (int i = 0; i < 6; ++i) images.push_back(write_image(dir, "img" + std::to_string(i) + ".png", 10 + i));
  std::map<std::string, std::map<std::string, std::string>> outputs;
  std::map<std::string, std::vector<json>> records;
  for (const std::string jobs : {"1", "3"}) {
    auto r = test::run_attnviz(
        run_args(images, dir.file("out" + jobs), {"--format", "png,json,npy", "--ndjson", "--jobs", jobs}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    outputs[jobs] = files_in(dir.file("out" + jobs));
    for (const auto& l : ndjson_lines(r.out)) records[jobs].push_back(stable(l));
  }
  ASSERT_EQ(outputs["1"].size(), 6u * 5u);  // overlay, grid, json, 2 npy
  EXPECT_EQ(outputs["1"], outputs["3"]);    // names and bytes
  EXPECT_EQ(records["1"], records["3"]);    // same records, same (input) order
}

// OpenBLAS splits large matrix products differently for different thread counts, which
// moves the last bits of a float: at 2048 image tokens a run with 2 intra-op threads
// and one with 1 used to differ in the 7th digit of the JSON. An image alone (one job,
// every core as threads), in a batch (a job per core, one thread each) and with
// --threads 1 must give the same bytes.
TEST(CliBatch, OutputsDoNotDependOnTheThreadSplit) {
  const std::string model = test::build_dir() + "/thread_split_model.pt";
  if (!test::file_exists(model)) GTEST_SKIP() << model << " is made by the make_thread_split_model test";
  test::TempDir dir("thread-split");
  const std::string a = write_image(dir, "a.png", 40), b = write_image(dir, "b.png", 41);
  std::map<std::string, std::string> results;
  const std::vector<std::pair<std::string, std::vector<std::string>>> runs = {
      {"alone", {"run", model, a}}, {"batch", {"run", model, a, b}}, {"one thread", {"run", model, a, "--threads", "1"}},
      {"two jobs of two", {"run", model, a, b, "--jobs", "2", "--threads", "2"}}};
  for (const auto& [name, args] : runs) {
    std::vector<std::string> argv = args;
    for (const char* x : {"--layers", "all", "--view", "overlay,grid", "--out"}) argv.push_back(x);
    argv.push_back(dir.file(name));
    auto r = test::run_attnviz(argv);
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    results[name] = test::read_text(dir.file(name) + "/a.json");
  }
  for (const auto& [name, json_text] : results) EXPECT_EQ(json_text, results["alone"]) << name << " differs";
}

TEST(CliBatch, ShardsAreDisjointAndTogetherGiveTheWholeRun) {
  test::TempDir dir("shards");
  ASSERT_EQ(mkdir(dir.file("a").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(dir.file("b").c_str(), 0755), 0);
  // Two inputs share a stem and land in different shards (positions 1 and 2 of 3).
  std::vector<std::string> inputs = {write_image(dir, "p0.png", 20), write_image(dir, "a/x.png", 21),
                                     write_image(dir, "b/x.png", 22)};
  for (int i = 3; i < 7; ++i) inputs.push_back(write_image(dir, "p" + std::to_string(i) + ".png", 20 + i));

  auto whole = test::run_attnviz(run_args(inputs, dir.file("whole"), {"--ndjson"}));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const auto whole_files = files_in(dir.file("whole"));
  EXPECT_TRUE(whole_files.count("a_x.json") && whole_files.count("b_x.json"));  // the folder that tells them apart

  std::map<std::string, std::string> merged;
  std::set<size_t> seen;
  for (int shard = 1; shard <= 3; ++shard) {
    const std::string out = dir.file("shard" + std::to_string(shard));
    auto r = test::run_attnviz(run_args(inputs, out, {"--ndjson", "--shard", std::to_string(shard) + "/3"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& l : ndjson_lines(r.out)) {
      const size_t index = l["index"];
      EXPECT_EQ(index % 3, static_cast<size_t>(shard - 1)) << "input position modulo shard count";
      EXPECT_TRUE(seen.insert(index).second) << "input " << index << " in two shards";
      EXPECT_EQ(l["input"], inputs[index]);
    }
    for (const auto& [name, bytes] : files_in(out)) {
      EXPECT_FALSE(merged.count(name)) << name << " written by two shards";
      merged[name] = bytes;
    }
  }
  EXPECT_EQ(seen.size(), inputs.size());
  EXPECT_EQ(merged, whole_files);  // same names (also for the shared stem) and bytes
}

TEST(CliBatch, OutputNamesNeverCollide) {
  test::TempDir dir("names");
  for (const char* d : {"a", "b", "d"}) ASSERT_EQ(mkdir(dir.file(d).c_str(), 0755), 0);
  // Same stem in three folders, twice in one folder (x.png, x.jpg), and one path twice.
  const std::vector<std::string> inputs = {write_image(dir, "a/x.png", 1), write_image(dir, "b/x.png", 2),
                                           write_image(dir, "d/x.png", 3), write_image(dir, "d/x.jpg", 4),
                                           dir.file("a/x.png")};
  auto r = test::run_attnviz(run_args(inputs, dir.file("out"), {"--ndjson"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> stems;
  for (const auto& l : ndjson_lines(r.out)) stems.push_back(l["stem"]);
  EXPECT_EQ(stems, (std::vector<std::string>{"a_x", "b_x", "d_x", "d_x-2", "a_x-2"}));
  EXPECT_EQ(files_in(dir.file("out")).size(), 3u * inputs.size());  // overlay, grid, json each: none overwritten
}

TEST(CliBatch, KeepGoingReportsEveryInputAndCompletesTheGoodOnes) {
  test::TempDir dir("keepgoing");
  auto good1 = write_image(dir, "good1.png", 31), good2 = write_image(dir, "good2.png", 32);
  const std::string missing = dir.file("missing.png"), fake = dir.file("fake.jpg");
  test::write_text(fake, "this is not a JPEG\n");
  const std::vector<std::string> inputs = {good1, missing, fake, good2};
  const std::string out = dir.file("out");
  auto r = test::run_attnviz(run_args(inputs, out, {"--ndjson", "--keep-going", "--jobs", "2"}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto lines = ndjson_lines(r.out);
  expect_one_line_per_input(lines, inputs);
  const std::vector<std::string> status = {"ok", "error", "error", "ok"};
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["status"], status[i]) << inputs[i];
    if (status[i] == "error") {
      EXPECT_EQ(lines[i]["exit_code"], 1);
      EXPECT_NE(lines[i]["error"].get<std::string>().find(inputs[i]), std::string::npos) << lines[i]["error"];
      EXPECT_TRUE(lines[i]["files"].empty());
      // ...and on stderr, one line naming it.
      EXPECT_NE(r.err.find("error: " + inputs[i]), std::string::npos) << r.err;
    }
  }
  const auto files = files_in(out);
  EXPECT_EQ(files.size(), 6u);
  for (const char* f : {"good1.overlay.png", "good1.grid.png", "good1.json", "good2.json"})
    EXPECT_TRUE(files.count(f)) << f;
  EXPECT_FALSE(has_file_with_prefix(files, "missing"));
  EXPECT_FALSE(has_file_with_prefix(files, "fake"));
  EXPECT_FALSE(has_file_with_prefix(files, "."));  // no staging left behind
}

TEST(CliBatch, AnImageThatFailsMidwayLeavesNoneOfItsFiles) {
  test::TempDir dir("midway");
  auto x = write_image(dir, "x.png", 35), y = write_image(dir, "y.png", 36);
  const std::string out = dir.file("out");
  // x.json cannot be put in place (a directory has its name), after x.overlay.png was.
  ASSERT_EQ(mkdir(out.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((out + "/x.json").c_str(), 0755), 0);
  auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), x, y, "--out", out, "--ndjson", "-k"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  auto lines = ndjson_lines(r.out);
  expect_one_line_per_input(lines, {x, y});
  EXPECT_EQ(lines[0]["status"], "error");
  EXPECT_EQ(lines[0]["exit_code"], 4);
  EXPECT_NE(lines[0]["error"].get<std::string>().find("x.json"), std::string::npos) << lines[0]["error"];
  EXPECT_EQ(lines[1]["status"], "ok");
  const auto files = files_in(out);
  EXPECT_FALSE(files.count("x.overlay.png")) << "the part of x that made it was not removed";
  EXPECT_TRUE(files.count("y.overlay.png") && files.count("y.json"));
  EXPECT_EQ(files.size(), 3u);  // the x.json directory, y's two files
}

TEST(CliBatch, WithoutKeepGoingTheFirstFailureStopsTheRunAndTheRestAreReported) {
  test::TempDir dir("stop");
  auto good1 = write_image(dir, "good1.png", 41), good2 = write_image(dir, "good2.png", 42);
  const std::string missing = dir.file("missing.png");
  const std::vector<std::string> inputs = {good1, missing, good2};
  auto r = test::run_attnviz(run_args(inputs, dir.file("out"), {"--ndjson"}));
  EXPECT_EQ(r.exit_code, 1);
  auto lines = ndjson_lines(r.out);
  expect_one_line_per_input(lines, inputs);
  EXPECT_EQ(lines[0]["status"], "ok");
  EXPECT_EQ(lines[1]["status"], "error");
  EXPECT_EQ(lines[2]["status"], "skipped");
  EXPECT_TRUE(lines[2]["exit_code"].is_null());
  EXPECT_NE(lines[2]["error"].get<std::string>().find(missing), std::string::npos);  // why it did not run
  const auto files = files_in(dir.file("out"));
  EXPECT_TRUE(files.count("good1.json"));
  EXPECT_FALSE(has_file_with_prefix(files, "good2"));
  EXPECT_NE(r.err.find("1 of 3 images failed, 1 not run"), std::string::npos) << r.err;
}

TEST(CliBatch, ExitCodes) {
  test::TempDir dir("exit");
  auto good = write_image(dir, "good.png", 51);
  EXPECT_EQ(test::run_attnviz(run_args({good}, dir.file("ok"))).exit_code, 0);
  EXPECT_EQ(test::run_attnviz(run_args({good, dir.file("nope.png")}, dir.file("o1"), {"-k"})).exit_code, 1);
  // Usage: one line naming the option, before any image is processed.
  for (std::vector<std::string> extra : {std::vector<std::string>{"--shard", "0/2"}, {"--shard", "3/2"},
                                         {"--shard", "1/0"}, {"--shard", "one"}, {"--jobs", "0"},
                                         {"--snapshot", dir.file("snap"), "--format", "png"}}) {
    auto r = test::run_attnviz(run_args({good}, dir.file("o2"), extra));
    EXPECT_EQ(r.exit_code, 2) << extra[0] << " " << extra[1] << ": " << r.err;
    EXPECT_TRUE(test::one_line_naming(r.err, extra[0].substr(0, 5))) << r.err;
    EXPECT_FALSE(test::file_exists(dir.file("o2/good.json")));
  }
  // '-' twice.
  EXPECT_EQ(test::run_attnviz(run_args({"-", "-"}, dir.file("o3")), good + "\n").exit_code, 2);
  // Model: not a TorchScript archive.
  test::write_text(dir.file("bad.pt"), "PK\x03\x04 truncated");
  auto model = test::run_attnviz({"run", dir.file("bad.pt"), "-", "--ndjson"}, good + "\n");
  EXPECT_EQ(model.exit_code, 3);
  EXPECT_TRUE(test::one_line_naming(model.err, "bad.pt")) << model.err;
  // Output: the output directory is a file.
  test::write_text(dir.file("taken"), "");
  auto output = test::run_attnviz(run_args({good}, dir.file("taken"), {"--ndjson"}));
  EXPECT_EQ(output.exit_code, 4);
  EXPECT_TRUE(test::one_line_naming(output.err, "taken")) << output.err;
}

TEST(CliBatch, CtrlCStopsBetweenItemsAndLeavesOnlyCompleteOutputs) {
  test::TempDir dir("sigint");
  std::vector<std::string> images;
  for (int i = 0; i < 3; ++i) images.push_back(write_image(dir, "img" + std::to_string(i) + ".png", 60 + i));
  std::string list;
  const int count = 400;  // far more than can finish before the signal
  for (int i = 0; i < count; ++i) list += images[i % 3] + "\n";
  test::write_text(dir.file("list"), list);
  const std::string out = dir.file("out");
  const std::string binary = attnviz_binary(), model = test::fixture_model("vlm_scripted");

  pid_t pid = fork();
  if (pid == 0) {
    int in = open(dir.file("list").c_str(), O_RDONLY);
    int so = open(dir.file("stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int se = open(dir.file("stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(so, 1);
    dup2(se, 2);
    execl(binary.c_str(), binary.c_str(), "run", model.c_str(), "-", "--out", out.c_str(), "--ndjson", "--jobs",
          "2", "--layers", "all", "--view", "overlay,grid", "--format", "png,json,npy", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Interrupt once a few images are done.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string so = test::read_text(dir.file("stdout"));
    if (std::count(so.begin(), so.end(), '\n') >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  const std::string err = test::read_text(dir.file("stderr"));
  EXPECT_NE(err.find("interrupted by signal 2"), std::string::npos) << err;

  auto lines = ndjson_lines(test::read_text(dir.file("stdout")));
  ASSERT_EQ(lines.size(), static_cast<size_t>(count)) << "every input accounted for";
  const auto files = files_in(out);
  size_t ok = 0, complete_files = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["index"], i);
    const std::string stem = lines[i]["stem"];
    if (lines[i]["status"] == "ok") {
      ++ok;
      EXPECT_EQ(lines[i]["files"].size(), 3u + 3u);  // overlay, grid, json, 3 npy (lm.layers 0-2)
      for (const auto& f : lines[i]["files"]) EXPECT_TRUE(test::file_exists(f.get<std::string>())) << f;
      complete_files += lines[i]["files"].size();
    } else {
      EXPECT_EQ(lines[i]["status"], "skipped");
      EXPECT_FALSE(has_file_with_prefix(files, stem + ".")) << stem << " left files behind";
    }
  }
  EXPECT_GE(ok, 3u);
  EXPECT_LT(ok, static_cast<size_t>(count));
  EXPECT_EQ(files.size(), complete_files);  // nothing else: no partial items, no temporaries
}

TEST(CliBatch, ProgressBarOnlyWhenStderrIsATerminal) {
  test::TempDir dir("progress");
  auto a = write_image(dir, "a.png", 71), b = write_image(dir, "b.png", 72), c = write_image(dir, "c.png", 73);
  const auto args = run_args({a, b, c}, dir.file("out"), {"--ndjson"});

  // Redirected stderr: no bar.
  auto plain = test::run_attnviz(args);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.err.find('\r'), std::string::npos);
  EXPECT_EQ(plain.err.find("ETA"), std::string::npos);

  // stderr on a pseudo-terminal (stdin too, as in a shell), stdout to a file.
  const std::string binary = attnviz_binary(), stdout_path = dir.file("stdout");
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int so = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(so, 1);
    std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
    for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  std::string terminal;
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has exited and closed the terminal
    terminal.append(buf, static_cast<size_t>(n));
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << terminal;
  for (const char* part : {"\r", "3/3", "ETA", "img"}) EXPECT_NE(terminal.find(part), std::string::npos) << part;
  auto lines = ndjson_lines(test::read_text(stdout_path));  // stdout untouched by the bar
  EXPECT_EQ(lines.size(), 3u);
}

TEST(CliSnapshot, CommittableLayoutReplacedOnlyWhenEveryImageSucceeds) {
  test::TempDir dir("snapshot");
  auto a = write_image(dir, "a.png", 81), b = write_image(dir, "b.png", 82);
  const std::string snap = dir.file("snap");
  auto snapshot_args = [&](const std::vector<std::string>& inputs) {
    std::vector<std::string> args = {"run", test::fixture_model("vlm_scripted")};
    args.insert(args.end(), inputs.begin(), inputs.end());
    for (const char* s : {"--layers", "0,2", "--view", "overlay,grid", "--snapshot"}) args.push_back(s);
    args.push_back(snap);
    return args;
  };
  auto r = test::run_attnviz(snapshot_args({a, b}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto files = files_in(snap);
  std::set<std::string> names;
  for (const auto& [n, bytes] : files) names.insert(n);
  EXPECT_EQ(names, (std::set<std::string>{"a.grid.png", "a.json", "a.overlay.png", "attnviz-snapshot.json",
                                          "b.grid.png", "b.json", "b.overlay.png"}));  // no .npy
  EXPECT_NE(r.out.find(snap + "/a.json"), std::string::npos) << "reports the final paths: " << r.out;
  auto manifest = json::parse(files["attnviz-snapshot.json"]);
  EXPECT_EQ(manifest["format"], "attnviz-snapshot");
  EXPECT_EQ(manifest["files"].size(), 6u);
  EXPECT_FALSE(has_file_with_prefix(files_in(dir.path()), ".snap"));  // no staging left beside it

  // Updating with fewer inputs leaves no stale files.
  ASSERT_EQ(test::run_attnviz(snapshot_args({a})).exit_code, 0);
  files = files_in(snap);
  EXPECT_FALSE(has_file_with_prefix(files, "b."));
  EXPECT_TRUE(files.count("a.json"));

  // A failing update leaves the snapshots exactly as they were.
  auto bad = test::run_attnviz(snapshot_args({b, dir.file("missing.png")}));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(files_in(snap), files);
  EXPECT_NE(bad.err.find("not updated"), std::string::npos) << bad.err;

  // A directory that is not a snapshot is never replaced.
  ASSERT_EQ(mkdir(dir.file("mine").c_str(), 0755), 0);
  test::write_text(dir.file("mine/notes.txt"), "keep me");
  auto refused = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), a, "--snapshot", dir.file("mine")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(test::one_line_naming(refused.err, "not an attnviz snapshot directory")) << refused.err;
  EXPECT_EQ(files_in(dir.file("mine")).size(), 1u);
}

TEST(CliDiff, WithinAndOutsideToleranceMissingExtraAndPngs) {
  test::TempDir dir("diff");
  auto a = write_image(dir, "a.png", 91), b = write_image(dir, "b.png", 92);
  const std::string expected = dir.file("expected"), actual = dir.file("actual");
  for (const auto& snap : {expected, actual}) {
    auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), a, b, "--layers", "0,2", "--snapshot", snap});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto same = test::run_attnviz({"diff", expected, actual});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_EQ(same.out.rfind("ok: 5 files within tolerance", 0), 0u) << same.out;

  // One attention value moved by 0.01.
  auto doc = json::parse(test::read_text(actual + "/b.json"));
  const double v = doc["layers"][1]["map"]["values"][2][3];
  doc["layers"][1]["map"]["values"][2][3] = v + 0.01;
  test::write_text(actual + "/b.json", doc.dump(1));
  auto drift = test::run_attnviz({"diff", expected, actual});
  EXPECT_EQ(drift.exit_code, 1);
  EXPECT_NE(drift.out.find("b.json: layers[1].map.values [layer lm.layers.2.attn, index 2]: 1 of 16 numbers"),
            std::string::npos)
      << drift.out;
  EXPECT_NE(drift.out.find("max abs error 0.01 at [2][3]"), std::string::npos) << drift.out;
  EXPECT_EQ(test::run_attnviz({"diff", expected, actual, "--atol", "0.02"}).exit_code, 0);
  auto as_json = json::parse(test::run_attnviz({"diff", expected, actual, "--json"}).out);
  EXPECT_EQ(as_json["ok"], false);
  ASSERT_EQ(as_json["drifts"].size(), 1u);
  EXPECT_EQ(as_json["drifts"][0]["file"], "b.json");
  EXPECT_EQ(as_json["drifts"][0]["count"], 1);

  // Two single files.
  EXPECT_EQ(test::run_attnviz({"diff", expected + "/a.json", actual + "/a.json"}).exit_code, 0);
  EXPECT_EQ(test::run_attnviz({"diff", expected + "/b.json", actual + "/b.json"}).exit_code, 1);

  // PNG pixels: only compared with --png-tolerance.
  test::write_text(actual + "/b.json", test::read_text(expected + "/b.json"));
  cv::Mat overlay = cv::imread(actual + "/a.overlay.png");
  overlay.at<cv::Vec3b>(10, 20)[1] = static_cast<uchar>(overlay.at<cv::Vec3b>(10, 20)[1] ^ 0x04);  // +-4
  cv::imwrite(actual + "/a.overlay.png", overlay);
  EXPECT_EQ(test::run_attnviz({"diff", expected, actual}).exit_code, 0);
  EXPECT_EQ(test::run_attnviz({"diff", expected, actual, "--png-tolerance", "4"}).exit_code, 0);
  auto png = test::run_attnviz({"diff", expected, actual, "--png-tolerance", "3"});
  EXPECT_EQ(png.exit_code, 1);
  EXPECT_NE(png.out.find("a.overlay.png: 1 of"), std::string::npos) << png.out;
  EXPECT_NE(png.out.find("at x 20, y 10"), std::string::npos) << png.out;

  // Missing and extra files are drift.
  test::write_text(actual + "/extra.json", "{}");
  ASSERT_EQ(unlink((actual + "/b.overlay.png").c_str()), 0);
  auto files = test::run_attnviz({"diff", expected, actual});
  EXPECT_EQ(files.exit_code, 1);
  EXPECT_NE(files.out.find("b.overlay.png: missing in ACTUAL"), std::string::npos) << files.out;
  EXPECT_NE(files.out.find("extra.json: extra in ACTUAL"), std::string::npos) << files.out;

  // Usage errors.
  auto usage = test::run_attnviz({"diff", dir.file("nope"), actual});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_TRUE(test::one_line_naming(usage.err, "nope")) << usage.err;
  EXPECT_EQ(test::run_attnviz({"diff", expected, actual + "/a.json"}).exit_code, 2);
  EXPECT_EQ(test::run_attnviz({"diff", expected, actual, "--atol", "-1"}).exit_code, 2);
}
