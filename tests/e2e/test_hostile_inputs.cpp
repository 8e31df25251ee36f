// Hostile input through the binary, as pipelines meet it (docs/reliability.md): broken
// and unusual images, models that are not what they claim, bad arguments, unwritable and
// full disks, and signals. Every refusal is one line on stderr naming the input and the
// problem, with the documented exit code (1 input, 2 usage, 3 model, 4 output,
// 130 interrupted), and leaves no file behind. The bad models come from
// tests/fixtures/make_bad_models.py; every image is made here.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "attnviz/npy.h"
#include "cli_helpers.h"

using namespace attnviz;
using nlohmann::json;

namespace {

constexpr uid_t kNobody = 65534;

std::string binary() {
  const char* env = std::getenv("ATTNVIZ_BIN");
  return env && *env ? env : ATTNVIZ_HOSTILE_BIN;
}

std::string bad_model(const std::string& name) {
  const char* env = std::getenv("ATTNVIZ_BAD_MODELS");
  return std::string(env && *env ? env : ATTNVIZ_BAD_MODELS) + "/" + name + ".pt";
}

// A small ViT with metadata, from make_bad_models.py: the good model of these tests.
std::string good_model() { return bad_model("vit"); }

struct Spawn {
  uid_t uid = 0;           // run as this user (when we are root); 0: as we are
  rlim_t max_file_size = RLIM_INFINITY;
  std::string binary;      // empty: binary()
};

// What a process of another user needs, where it can reach it wherever the checkout sits
// (a clone under a 0700 home directory hides the build tree from everyone else): the
// binary with its libraries and the good model, copied into a fresh 0755 directory under
// /tmp, and a place for the test's own files there.
class ReachableCopy {
 public:
  ReachableCopy() {
    char tmpl[] = "/tmp/attnviz-other-user-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    chmod(dir_.c_str(), 0755);
    namespace fs = std::filesystem;
    const fs::path bin = binary();
    fs::copy_file(bin, dir_ + "/attnviz");
    fs::copy(bin.parent_path() / "lib", dir_ + "/lib", fs::copy_options::recursive);
    fs::copy_file(good_model(), dir_ + "/model.pt");
    for (const auto& e : fs::recursive_directory_iterator(dir_))
      chmod(e.path().c_str(), e.is_directory() || e.path().filename() == "attnviz" ? 0755 : 0644);
    mkdir(files().c_str(), 0777);
    chmod(files().c_str(), 0777);
  }
  ~ReachableCopy() { std::filesystem::remove_all(dir_); }
  std::string binary_path() const { return dir_ + "/attnviz"; }
  std::string model() const { return dir_ + "/model.pt"; }
  std::string files() const { return dir_ + "/files"; }
  std::string file(const std::string& name) const { return files() + "/" + name; }

 private:
  std::string dir_;
};

struct Result {
  int exit_code = -1;
  std::string out, err;
};

// Forks and execs attnviz with stdout/stderr in files under `io`; returns the pid.
pid_t start(const std::vector<std::string>& args, const test::TempDir& io, const Spawn& how = {}) {
  const std::string bin = how.binary.empty() ? binary() : how.binary;
  const std::string out = io.file("stdout"), err = io.file("stderr");
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    if (how.max_file_size != RLIM_INFINITY) {
      signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG
      struct rlimit rl {how.max_file_size, how.max_file_size};
      setrlimit(RLIMIT_FSIZE, &rl);
    }
    if (how.uid != 0 && (setgroups(0, nullptr) != 0 || setgid(how.uid) != 0 || setuid(how.uid) != 0)) _exit(126);
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

Result finish(pid_t pid, const test::TempDir& io) {
  int status = 0;
  waitpid(pid, &status, 0);
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = test::read_text(io.file("stdout"));
  r.err = test::read_text(io.file("stderr"));
  return r;
}

Result run(const std::vector<std::string>& args, const Spawn& how = {}) {
  test::TempDir io("hostile-io");
  chmod(io.path().c_str(), 0777);  // writable for a dropped user too
  return finish(start(args, io, how), io);
}

using test::remove_tree;
using test::tree;

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// The run was refused as documented: exit code, one stderr line naming `subject` and
// saying `problem`, and nothing under `out`.
void expect_refused(const Result& r, int code, const std::string& subject, const std::string& problem,
                    const std::string& out) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_TRUE(test::one_line_naming(r.err, subject)) << "stderr: " << r.err;
  EXPECT_NE(r.err.find(problem), std::string::npos) << "stderr: " << r.err;
  EXPECT_NE(r.err.find("attnviz: error: "), std::string::npos) << r.err;  // the line one_line_naming found
  EXPECT_TRUE(tree(out).empty()) << "left behind in " << out << ": " << joined(tree(out));
}

// Each output file is whole: PNGs decode, JSON parses, .npy matches its shape.
void expect_complete(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".png") {
    EXPECT_FALSE(cv::imread(path, cv::IMREAD_UNCHANGED).empty()) << path << " does not decode";
  } else if (ext == ".json") {
    EXPECT_FALSE(json::parse(test::read_text(path), nullptr, false).is_discarded()) << path << " does not parse";
  } else if (ext == ".npy") {
    EXPECT_NO_THROW(read_npy(path)) << path;
  } else {
    ADD_FAILURE() << "unexpected file " << path;
  }
}

using test::noise;

std::string write_image(const test::TempDir& dir, const std::string& name, const cv::Mat& m) {
  const std::string path = dir.file(name);
  EXPECT_TRUE(cv::imwrite(path, m)) << path;
  return path;
}

std::string encoded(const cv::Mat& m, const char* ext) {
  std::vector<uchar> buf;
  cv::imencode(ext, m, buf);
  return std::string(buf.begin(), buf.end());
}

std::string be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

// Whether `uid` can be taken on (we are root and may setuid).
bool can_drop_to(uid_t uid) {
  if (geteuid() != 0) return false;
  pid_t pid = fork();
  if (pid == 0) _exit(setgroups(0, nullptr) == 0 && setgid(uid) == 0 && setuid(uid) == 0 ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

struct ImageCase {
  std::string name;
  std::function<std::string(const test::TempDir&)> make;  // returns the path
  std::string problem;
};

}  // namespace

// ---- images: one run each, exit 1, one line naming the file and the problem

TEST(HostileCli, BrokenImagesAreInputErrors) {
  test::TempDir dir("hostile-images");
  const std::string png = encoded(noise(40, 40, CV_8UC3, 1), ".png");
  const std::string jpg = encoded(noise(40, 40, CV_8UC3, 2), ".jpg");
  std::string bad_crc = png;
  bad_crc[png.size() / 2] ^= 0x5a;
  std::string bad_frame = jpg;
  bad_frame[bad_frame.find("\xFF\xC0") + 9] = 4;  // 4 components in the frame, 3 in the scan
  const std::vector<ImageCase> cases = {
      {"empty.png", [&](auto& d) { test::write_text(d.file("empty.png"), ""); return d.file("empty.png"); },
       "empty file, not an image"},
      {"text.jpg", [&](auto& d) { test::write_text(d.file("text.jpg"), "this is not a JPEG\n"); return d.file("text.jpg"); },
       "not an image"},
      {"truncated.png", [&](auto& d) { test::write_text(d.file("truncated.png"), png.substr(0, png.size() / 2)); return d.file("truncated.png"); },
       "corrupt or truncated PNG"},
      {"crc.png", [&](auto& d) { test::write_text(d.file("crc.png"), bad_crc); return d.file("crc.png"); },
       "corrupt or truncated PNG"},
      {"truncated.jpg", [&](auto& d) { test::write_text(d.file("truncated.jpg"), jpg.substr(0, jpg.size() * 2 / 3)); return d.file("truncated.jpg"); },
       "corrupt JPEG (truncated: no end-of-image marker)"},
      {"frame.jpg", [&](auto& d) { test::write_text(d.file("frame.jpg"), bad_frame); return d.file("frame.jpg"); },
       "corrupt or truncated JPEG"},
      {"huge.png", [&](auto& d) {
         const std::string ihdr = "IHDR" + be32(50000) + be32(50000) + std::string{8, 2, 0, 0, 0};
         test::write_text(d.file("huge.png"), std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + ihdr + be32(0));
         return d.file("huge.png"); },
       "PNG image is 50000x50000 (2500000000 pixels), more than the limit of 100000000 pixels (--max-pixels)"},
      {"a directory", [&](auto& d) { mkdir(d.file("photos.png").c_str(), 0755); return d.file("photos.png"); },
       "is a directory, not an image"},
      {"missing", [&](auto& d) { return d.file("missing.png"); }, "no such file"},
      {"gif", [&](auto& d) { test::write_text(d.file("anim.gif"), "GIF89a\x01\x00\x01\x00\x80\x00\x00"); return d.file("anim.gif"); },
       "GIF images are not supported"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string image = c.make(dir), out = dir.file("out-" + std::to_string(&c - &cases[0]));
    expect_refused(run({"run", good_model(), image, "--out", out}), 1, image, c.problem, out);
  }
}

TEST(HostileCli, PixelLimitIsOverridableAndCheckedBeforeDecoding) {
  test::TempDir dir("hostile-limit");
  const std::string image = write_image(dir, "big.png", noise(300, 400, CV_8UC3, 3));
  expect_refused(run({"run", good_model(), image, "--max-pixels", "100000", "--out", dir.file("o1")}), 1, image,
                 "PNG image is 400x300 (120000 pixels), more than the limit of 100000 pixels", dir.file("o1"));
  const Result ok = run({"run", good_model(), image, "--max-pixels", "120000", "--out", dir.file("o2")});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(tree(dir.file("o2")), (std::vector<std::string>{"big.json", "big.overlay.png"}));
}

TEST(HostileCli, DevicesAndFifosAreRefusedWithoutBlocking) {
  test::TempDir dir("hostile-special");
  const std::string good = write_image(dir, "good.png", noise(40, 40, CV_8UC3, 4));
  ASSERT_EQ(mkfifo(dir.file("pipe.png").c_str(), 0644), 0);
  for (const std::string special : {std::string("/dev/zero"), dir.file("pipe.png")}) {
    SCOPED_TRACE(special);
    const std::string out = dir.file("out");
    // Alone: also the first operand after the model, which is sniffed for being a model.
    expect_refused(run({"run", good_model(), special, "--out", out}), 1, special, "not a regular file", out);
    // After a good image, with --keep-going: the good one is whole.
    const Result r = run({"run", good_model(), good, special, "--keep-going", "--out", out});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("attnviz: error: " + special + ": not a regular file"), std::string::npos) << r.err;
    EXPECT_EQ(tree(out), (std::vector<std::string>{"good.json", "good.overlay.png"}));
    remove_tree(out);
  }
}

TEST(HostileCli, UnreadableImageIsAnInputError) {
  Spawn how;
  if (geteuid() == 0) {
    // Root reads any file: run as nobody, to whom the file is unreadable.
    if (!can_drop_to(kNobody)) GTEST_SKIP() << "running as root without the right to setuid: cannot make a file unreadable";
    how.uid = kNobody;
  }
  const ReachableCopy copy;
  how.binary = copy.binary_path();
  const std::string image = copy.file("secret.png");
  ASSERT_TRUE(cv::imwrite(image, noise(40, 40, CV_8UC3, 5)));
  ASSERT_EQ(chmod(image.c_str(), 0), 0);
  const std::string out = copy.file("out");
  mkdir(out.c_str(), 0777);
  chmod(out.c_str(), 0777);
  expect_refused(run({"run", copy.model(), image, "--out", out}, how), 1, image, "cannot read (Permission denied)", out);
}

// Valid but unusual images give the outputs of their plain 8-bit RGB twin, byte for byte:
// gray is expanded, 16-bit is scaled, alpha is composited on white, palettes are looked up.
TEST(HostileCli, UnusualValidImagesGiveTheOutputsOfTheirPlainTwin) {
  test::TempDir dir("hostile-valid");
  cv::Mat gray = noise(24, 32, CV_8UC1, 6), bgr;
  cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);
  cv::Mat rgba = noise(24, 32, CV_8UC4, 7), over_white(24, 32, CV_8UC3);
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 32; ++x) {
      cv::Vec4b s = rgba.at<cv::Vec4b>(y, x);
      for (int c = 0; c < 3; ++c)
        over_white.at<cv::Vec3b>(y, x)[c] = static_cast<uchar>((s[c] * s[3] + 255 * (255 - s[3]) + 127) / 255);
    }
  cv::Mat deep;
  bgr.convertTo(deep, CV_16UC3, 257.0);  // exactly v * 257: scales back to v
  const std::vector<std::pair<std::string, std::string>> twins = {
      {write_image(dir, "gray.png", gray), write_image(dir, "gray_rgb.png", bgr)},
      {write_image(dir, "gray.jpg", gray), ""},  // lossy: compared with OpenCV below
      {write_image(dir, "alpha.png", rgba), write_image(dir, "alpha_rgb.png", over_white)},
      {write_image(dir, "deep.png", deep), write_image(dir, "deep_rgb.png", bgr)},
      {write_image(dir, "deep.tiff", deep), write_image(dir, "deep_rgb2.png", bgr)},
      {write_image(dir, "one.png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(10, 200, 30))), ""},
  };
  for (const auto& [image, twin] : twins) {
    SCOPED_TRACE(image);
    const std::string out = dir.file("o-" + std::filesystem::path(image).filename().string());
    std::vector<std::string> args = {"run", good_model(), image};
    if (!twin.empty()) args.push_back(twin);
    for (const char* a : {"--view", "overlay,grid", "--format", "png,json", "--out"}) args.push_back(a);
    args.push_back(out);
    const Result r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& f : tree(out)) expect_complete(out + "/" + f);
    if (twin.empty()) {
      EXPECT_EQ(tree(out).size(), 3u) << joined(tree(out));
      continue;
    }
    auto stem = [](const std::string& p) {
      return std::filesystem::path(p).stem().string();
    };
    const std::string a = out + "/" + stem(image), b = out + "/" + stem(twin);
    EXPECT_EQ(test::read_text(a + ".overlay.png"), test::read_text(b + ".overlay.png"));
    EXPECT_EQ(test::read_text(a + ".grid.png"), test::read_text(b + ".grid.png"));
    json ja = json::parse(test::read_text(a + ".json")), jb = json::parse(test::read_text(b + ".json"));
    EXPECT_EQ(ja["layers"], jb["layers"]);
  }
}

// ---- models: exit 3, one line naming the model file

TEST(HostileCli, BadModelsAreModelErrors) {
  test::TempDir dir("hostile-models");
  const std::string image = write_image(dir, "x.png", noise(40, 40, CV_8UC3, 8));
  mkdir(dir.file("folder.pt").c_str(), 0755);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {bad_model("state_dict"), "not a TorchScript archive"},
      {bad_model("legacy_pickle"), "not a TorchScript archive"},
      {bad_model("truncated"), "not a TorchScript archive"},
      {dir.file("missing.pt"), "no such file"},
      {dir.file("folder.pt"), "is a directory, not a TorchScript model"},
      {test::fixture_model("noattn"), "no attention found in forward()"},
      {bad_model("sig_str"), "forward() argument 'x' (str) is not one attnviz can supply"},
      {bad_model("sig_four"), "forward() argument 'c' (Tensor) is not one attnviz can supply"},
      {bad_model("meta_not_json"), "attnviz.json: document: not valid JSON"},
      {bad_model("meta_bad_field"), "attnviz.json: stacks.blocks.image_tokens.grid: expected [h, w]"},
      {bad_model("meta_inputs"), "metadata lists 2 inputs but forward() takes 1"},
      {bad_model("meta_grid_small"), "attnviz.json: the layout of blocks: the layout 1 prefix + 3\u00d73 accounts for 10 keys, but the attention has 17"},
      {bad_model("meta_grid_large"), "attnviz.json: the layout of blocks: the layout 1 prefix + 5\u00d75 accounts for 26 keys, but the attention has 17"},
      {bad_model("nan_attention"), "attention of blocks.0.attn contains NaN or Inf"},
      {bad_model("nan_logits"), "forward() returned NaN or Inf logits"},
  };
  for (const auto& [model, problem] : cases) {
    SCOPED_TRACE(model);
    const std::string out = dir.file("out");
    expect_refused(run({"run", model, image, "--out", out}), 3, model, problem, out);
    remove_tree(out);
  }
}

TEST(HostileCli, ModelsThatAreFifosOrDevicesAreRefusedWithoutBlocking) {
  test::TempDir dir("hostile-model-fifo");
  const std::string image = write_image(dir, "x.png", noise(40, 40, CV_8UC3, 17));
  const std::string fifo = dir.file("pipe.pt");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  const std::string out = dir.file("out");
  expect_refused(run({"run", fifo, image, "--out", out}), 3, fifo, "not a regular file", out);
  const Result r = run({"inspect", "/dev/zero"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(test::one_line_naming(r.err, "/dev/zero: not a regular file")) << r.err;
}

// ---- arguments: exit 2, one line naming the option

TEST(HostileCli, BadArgumentsAreUsageErrors) {
  test::TempDir dir("hostile-args");
  const std::string image = write_image(dir, "x.png", noise(40, 40, CV_8UC3, 9));
  const std::vector<std::vector<std::string>> cases = {
      {"--layers", "1,,2"}, {"--layers", "a-b"}, {"--layers", "99"}, {"--layers", "-100"}, {"--layers", ""},
      {"--colormap", "nope"}, {"--alpha", "1.5"}, {"--alpha", "-0.1"}, {"--alpha", "nan"}, {"--jobs", "0"},
      {"--query", "4294967295"}, {"--image-tokens", "0:100000x100000"}, {"--heads", "-1"}, {"--view", "pie"},
      {"--layers", std::string("1\n2")}, {"--max-pixels", "0"}, {"--max-pixels", "-5"}, {"--jobs", "two"},
      {"--jobs", "257"},
  };
  for (const auto& extra : cases) {
    SCOPED_TRACE(extra[0] + " " + extra[1]);
    const std::string out = dir.file("out");
    std::vector<std::string> args = {"run", good_model(), image, "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    const Result r = run(args);
    expect_refused(r, 2, extra[0], "", out);
    remove_tree(out);
  }
}

TEST(HostileCli, PromptWordsMissingFromAVocabularyWithoutUnknownToken) {
  test::TempDir dir("hostile-prompt");
  const std::string image = write_image(dir, "x.png", noise(40, 40, CV_8UC3, 10));
  const std::string out = dir.file("out");
  expect_refused(run({"run", bad_model("nounk"), image, "--prompt", "what colour is the circle?", "--out", out}), 2,
                 "--prompt", "the word 'colour' is not in the model's vocabulary", out);
  // The vocabulary's own words work.
  const Result ok = run({"run", bad_model("nounk"), image, "--prompt", "what color is the circle?", "--out", out});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(tree(out), (std::vector<std::string>{"x.json", "x.overlay.png"}));
}

// ---- output: exit 4

TEST(HostileCli, OutputDirectoryThatIsAFileOrUnderAFile) {
  test::TempDir dir("hostile-outfile");
  const std::string image = write_image(dir, "x.png", noise(40, 40, CV_8UC3, 11));
  test::write_text(dir.file("taken"), "keep me");
  for (const std::string out : {dir.file("taken"), dir.file("taken/sub")}) {
    const Result r = run({"run", good_model(), image, "--out", out});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_TRUE(test::one_line_naming(r.err, out)) << r.err;
    EXPECT_NE(r.err.find("is a file"), std::string::npos) << r.err;
  }
  EXPECT_EQ(test::read_text(dir.file("taken")), "keep me");
}

TEST(HostileCli, UnwritableOutputDirectory) {
  Spawn how;
  if (geteuid() == 0) {
    // Root writes anywhere: run as nobody, to whom the directory is read-only.
    if (!can_drop_to(kNobody)) GTEST_SKIP() << "running as root without the right to setuid: no unwritable directory";
    how.uid = kNobody;
  }
  const ReachableCopy copy;
  how.binary = copy.binary_path();
  const std::string image = copy.file("x.png");
  ASSERT_TRUE(cv::imwrite(image, noise(40, 40, CV_8UC3, 12)));
  chmod(image.c_str(), 0644);
  const std::string out = copy.file("locked");
  ASSERT_EQ(mkdir(out.c_str(), 0555), 0);
  chmod(out.c_str(), 0555);
  const Result r = run({"run", copy.model(), image, "--out", out}, how);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(test::one_line_naming(r.err, out)) << r.err;
  EXPECT_NE(r.err.find("not writable"), std::string::npos) << r.err;
  EXPECT_TRUE(tree(out).empty()) << joined(tree(out));
}

// A write error (the file size limit: EFBIG) is an error, never success, and the item
// that could not be written leaves nothing.
TEST(HostileCli, AWriteErrorIsAnOutputError) {
  test::TempDir dir("hostile-efbig");
  const std::string image = write_image(dir, "x.png", noise(40, 40, CV_8UC3, 13));
  const std::string out = dir.file("out");
  Spawn how;
  how.max_file_size = 4096;  // the JSON fits, the overlay PNG does not
  const Result r = run({"run", good_model(), image, "--out", out}, how);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(test::one_line_naming(r.err, "x.overlay.png")) << r.err;
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  EXPECT_TRUE(tree(out).empty()) << joined(tree(out));
}

// A full disk: a 256 KiB tmpfs that fills up part way through a batch. Needs the right
// to mount (root in most containers); skipped otherwise.
TEST(HostileCli, AFullDiskIsAnErrorAndWhatWasWrittenIsWhole) {
  test::TempDir dir("hostile-full");
  const std::string mnt = dir.file("disk");
  ASSERT_EQ(mkdir(mnt.c_str(), 0755), 0);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=256k") != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(errno) << ")";
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  std::vector<std::string> args = {"run", good_model()};
  for (int i = 0; i < 40; ++i)
    args.push_back(write_image(dir, "img" + std::to_string(i) + ".png", noise(64, 64, CV_8UC3, 100 + i)));
  for (const char* a : {"--keep-going", "--view", "overlay,grid", "--format", "png,json,npy", "--out"}) args.push_back(a);
  args.push_back(mnt + "/out");
  const Result r = run(args);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  size_t complete = 0;
  for (const auto& f : tree(mnt + "/out")) {
    EXPECT_EQ(f.find(".tmp."), std::string::npos) << f;
    EXPECT_NE(f[0], '.') << "staging left behind: " << f;
    expect_complete(mnt + "/out/" + f);
    ++complete;
  }
  EXPECT_GT(complete, 0u) << "the disk should hold some images";
  EXPECT_EQ(complete % 4, 0u) << "each image's outputs all or none: " << joined(tree(mnt + "/out"));
}

// ---- signals

// After an interruption: no temporary or staging entry, every file complete, and each
// image with all of its `per_image` files or none.
static void expect_whole_images(const std::string& out, const std::vector<std::string>& files, int per_image,
                                const std::string& what) {
  std::map<std::string, int> count;
  for (const auto& f : files) {
    EXPECT_EQ(f.find(".tmp."), std::string::npos) << "temporary left behind: " << f;
    EXPECT_NE(f[0], '.') << "staging left behind: " << f;
    expect_complete(out + "/" + f);
    ++count[f.substr(0, f.find('.'))];
  }
  for (const auto& [stem, n] : count) EXPECT_EQ(n, per_image) << stem << ": " << what << ", or nothing";
}

// SIGTERM (and SIGINT) in the middle of a batch: exit 130, every file there is whole.
TEST(HostileCli, SigtermDuringABatchLeavesOnlyCompleteFiles) {
  test::TempDir dir("hostile-term");
  std::vector<std::string> args = {"run", good_model()};
  for (int i = 0; i < 300; ++i)
    args.push_back(write_image(dir, "img" + std::to_string(i) + ".png", noise(48, 48, CV_8UC3, 200 + i)));
  const std::string out = dir.file("out");
  for (const char* a : {"--view", "overlay,grid", "--format", "png,json,npy", "--jobs", "2", "--out"}) args.push_back(a);
  args.push_back(out);
  test::TempDir io("hostile-term-io");
  const pid_t pid = start(args, io);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (tree(out).size() < 12 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(pid, SIGTERM);
  const Result r = finish(pid, io);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted by signal 15"), std::string::npos) << r.err;
  const auto files = tree(out);
  EXPECT_GE(files.size(), 12u);
  EXPECT_LT(files.size(), 300u * 4);
  expect_whole_images(out, files, 4, "overlay, grid, json and one npy");
}

// A second signal leaves at once, without waiting for the image in progress; even then
// no temporary, staging directory or half-written file remains.
TEST(HostileCli, ASecondSignalExitsAtOnceWithoutPartialFiles) {
  test::TempDir dir("hostile-twice");
  std::vector<std::string> args = {"run", good_model()};
  // Large images, so that each takes a while (the overlay alone is 1200x1200).
  for (int i = 0; i < 4; ++i)
    args.push_back(write_image(dir, "img" + std::to_string(i) + ".png", noise(1200, 1200, CV_8UC3, 600 + i)));
  const std::string out = dir.file("out");
  for (const char* a : {"--view", "overlay,grid", "--format", "png,json", "--out"}) args.push_back(a);
  args.push_back(out);
  test::TempDir io("hostile-twice-io");
  const pid_t pid = start(args, io);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  auto done = [&] {  // output files of finished images (the staging directory is a dot entry)
    const auto t = tree(out);
    return std::count_if(t.begin(), t.end(), [](const std::string& f) { return f[0] != '.'; });
  };
  while (done() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGINT);  // while the second image is being rendered
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // two signals at once would merge into one
  kill(pid, SIGINT);
  const Result r = finish(pid, io);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  // Normally the second signal ended the run (nothing printed); if the first one landed
  // in a write, the run stopped at once by itself, with its one line.
  // (Warnings, what attnviz inferred, may come first either way.)
  if (r.err.find("attnviz: error: ") != std::string::npos)
    EXPECT_TRUE(test::one_line_naming(r.err, "interrupted by signal 2")) << r.err;
  const auto files = tree(out);
  EXPECT_GE(files.size(), 3u);
  expect_whole_images(out, files, 3, "overlay, grid and json");
}

// ---- --keep-going: every bad input reported, every good one complete

TEST(HostileCli, KeepGoingBatchGivesTheGoodInputsCompleteOutputs) {
  test::TempDir dir("hostile-keepgoing");
  const std::string good1 = write_image(dir, "good1.png", noise(40, 40, CV_8UC3, 14));
  const std::string good2 = write_image(dir, "good2.jpg", noise(40, 40, CV_8UC3, 15));
  const std::string png = encoded(noise(40, 40, CV_8UC3, 16), ".png");
  test::write_text(dir.file("empty.png"), "");
  test::write_text(dir.file("cut.png"), png.substr(0, png.size() / 2));
  test::write_text(dir.file("text.jpg"), "hello\n");
  mkdir(dir.file("dir.png").c_str(), 0755);
  const std::vector<std::string> inputs = {good1, dir.file("empty.png"), dir.file("cut.png"), dir.file("text.jpg"),
                                           dir.file("dir.png"), dir.file("missing.png"), good2};
  const std::string out = dir.file("out");
  std::vector<std::string> args = {"run", good_model()};
  args.insert(args.end(), inputs.begin(), inputs.end());
  for (const char* a : {"--keep-going", "--jobs", "2", "--view", "overlay,grid", "--out"}) args.push_back(a);
  args.push_back(out);
  const Result r = run(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  for (size_t i = 1; i + 1 < inputs.size(); ++i)
    EXPECT_NE(r.err.find("attnviz: error: " + inputs[i] + ": "), std::string::npos) << inputs[i] << "\n" << r.err;
  EXPECT_EQ(tree(out), (std::vector<std::string>{"good1.grid.png", "good1.json", "good1.overlay.png", "good2.grid.png",
                                                 "good2.json", "good2.overlay.png"}));
  for (const auto& f : tree(out)) expect_complete(out + "/" + f);
}
