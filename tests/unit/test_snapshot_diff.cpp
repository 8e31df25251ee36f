// Snapshot diffs: tolerances with numpy.isclose semantics, drift reported by file,
// layer and field, missing and extra files, and PNGs compared by their pixels.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <opencv2/imgcodecs.hpp>

#include "attnviz/error.h"
#include "attnviz/npy.h"
#include "attnviz/image_compare.h"
#include "attnviz/snapshot_diff.h"
#include "test_support.h"

using namespace attnviz;
using nlohmann::json;

namespace {

// The shape of a result document (docs/json-format.md), small.
json result_doc() {
  return json::parse(R"({
    "format": "attnviz-result", "version": 1,
    "model": {"path": "/home/a/models/m.pt", "name": "m"},
    "image": {"path": "/home/a/photo.png", "width": 40, "height": 40},
    "input": {"prompt": "what color is the cross?", "tokens": ["<bos>", "what", "color"]},
    "answer": "blue",
    "layers": [
      {"index": 0, "name": "lm.layers.0.attn", "shape": [4, 3, 3],
       "map": {"values": [[0.1, 0.2], [0.3, 0.4]], "image_mass": 0.5, "peak": [1, 1]}},
      {"index": 5, "name": "lm.layers.5.attn", "shape": [4, 3, 3],
       "map": {"values": [[0.25, 0.25], [0.25, 0.25]], "image_mass": 0.9, "peak": [0, 0]}}
    ]})");
}

void make_dir(const std::string& path) { ASSERT_EQ(mkdir(path.c_str(), 0755), 0) << path; }

DiffOptions numpy_defaults() { return DiffOptions{}; }

}  // namespace

TEST(Tolerance, IsNumpyIscloseWithExpectedAsTheReference) {
  Tolerance t{1e-3, 0.1};
  EXPECT_TRUE(t.close(1.0, 1.0));
  EXPECT_TRUE(t.close(0.0, 0.001));           // atol alone
  EXPECT_FALSE(t.close(0.0, 0.0011));
  EXPECT_TRUE(t.close(10.0, 11.0));           // 1 <= 0.001 + 0.1 * 10
  EXPECT_FALSE(t.close(10.0, 11.002));
  // Asymmetric like numpy: the relative part scales with EXPECTED only.
  EXPECT_TRUE(t.close(10.0, 9.0));
  EXPECT_FALSE(t.close(9.0, 10.0));           // 1 > 0.001 + 0.9
  EXPECT_EQ(Tolerance{}.atol, 1e-8);          // numpy's defaults
  EXPECT_EQ(Tolerance{}.rtol, 1e-5);
}

TEST(SnapshotDiff, IdenticalDocumentsAgreeAndEveryNumberIsCompared) {
  auto doc = result_doc();
  auto r = diff_json(doc, doc, "photo.json", numpy_defaults());
  EXPECT_TRUE(r.ok());
  // width, height, version, 2 x (index, 3 shape, 4 values, image_mass, 2 peak)
  EXPECT_EQ(r.numbers_compared, 3u + 2u * 11u);
}

TEST(SnapshotDiff, NumbersWithinToleranceAgreeAndOutsideAreReportedByLayerAndField) {
  auto expected = result_doc();
  auto actual = expected;
  // Outside numpy's defaults: 4e-6 > 1e-8 + 1e-5 * 0.25.
  actual["layers"][1]["map"]["values"][0][1] = 0.25 + 4e-6;
  auto r = diff_json(expected, actual, "photo.json", numpy_defaults());
  ASSERT_EQ(r.drifts.size(), 1u);
  const Drift& d = r.drifts[0];
  EXPECT_EQ(d.file, "photo.json");
  EXPECT_EQ(d.field, "layers[1].map.values");
  EXPECT_EQ(d.layer, "lm.layers.5.attn, index 5");
  EXPECT_EQ(d.count, 1u);
  EXPECT_EQ(d.compared, 4u);
  EXPECT_NEAR(d.max_abs_error, 4e-6, 1e-12);
  EXPECT_EQ(d.at, "[0][1]");
  const std::string line = d.str();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  for (const char* part : {"photo.json", "layers[1].map.values", "lm.layers.5.attn", "1 of 4", "[0][1]"})
    EXPECT_NE(line.find(part), std::string::npos) << part << " not in: " << line;

  // The same change passes once the tolerance allows it.
  DiffOptions loose;
  loose.tolerance = {1e-5, 0};
  EXPECT_TRUE(diff_json(expected, actual, "photo.json", loose).ok());
}

TEST(SnapshotDiff, ManyDriftedNumbersInOneFieldAreOneLineWithTheLargestError) {
  auto expected = result_doc();
  auto actual = expected;
  actual["layers"][0]["map"]["values"] = json::parse("[[0.1, 0.3], [0.35, 0.4]]");
  auto r = diff_json(expected, actual, "x.json", numpy_defaults());
  ASSERT_EQ(r.drifts.size(), 1u);
  EXPECT_EQ(r.drifts[0].count, 2u);
  EXPECT_NEAR(r.drifts[0].max_abs_error, 0.1, 1e-12);
  EXPECT_EQ(r.drifts[0].at, "[0][1]");
  EXPECT_EQ(r.drifts[0].layer, "lm.layers.0.attn, index 0");
}

TEST(SnapshotDiff, TextMissingExtraAndLengthChangesAreDrift) {
  auto expected = result_doc();
  auto actual = expected;
  actual["answer"] = "red";
  actual["input"]["tokens"][2] = "colour";
  actual["layers"][0]["shape"] = {4, 3};
  actual["layers"][1]["map"].erase("peak");
  actual["extra_field"] = 1;
  auto r = diff_json(expected, actual, "x.json", numpy_defaults());
  std::map<std::string, std::string> by_field;
  for (const auto& d : r.drifts) by_field[d.field] = d.problem;
  ASSERT_EQ(by_field.size(), 5u) << r.to_json(numpy_defaults()).dump(1);
  EXPECT_NE(by_field["answer"].find("\"blue\""), std::string::npos);
  EXPECT_NE(by_field["answer"].find("\"red\""), std::string::npos);
  EXPECT_NE(by_field["input.tokens"].find("1 items differ, first at [2]"), std::string::npos);
  EXPECT_NE(by_field["layers[0].shape"].find("length 3 in EXPECTED, 2 in ACTUAL"), std::string::npos);
  EXPECT_EQ(by_field["layers[1].map.peak"], "missing in ACTUAL");
  EXPECT_NE(by_field["extra_field"].find("only in ACTUAL"), std::string::npos);
}

TEST(SnapshotDiff, WhereFilesLiveIsIgnoredAndMoreFieldsCanBe) {
  auto expected = result_doc();
  auto actual = expected;
  actual["model"]["path"] = "/ci/checkout/models/m.pt";
  actual["image"]["path"] = "examples/photo.png";
  EXPECT_TRUE(diff_json(expected, actual, "x.json", numpy_defaults()).ok());
  // Not ignored by default: the model's name is part of the result.
  actual["model"]["name"] = "m2";
  EXPECT_FALSE(diff_json(expected, actual, "x.json", numpy_defaults()).ok());
  actual = expected;
  actual["layers"][0]["map"]["image_mass"] = 0.7;
  actual["layers"][1]["map"]["image_mass"] = 0.7;
  DiffOptions o;
  o.ignored_fields.push_back("layers[*].map.image_mass");
  EXPECT_TRUE(diff_json(expected, actual, "x.json", o).ok());
  // Combined documents keep their paths under runs[*].
  json combined_e = {{"runs", json::array({expected})}}, combined_a = {{"runs", json::array({expected})}};
  combined_a["runs"][0]["image"]["path"] = "elsewhere.png";
  EXPECT_TRUE(diff_json(combined_e, combined_a, "x.json", numpy_defaults()).ok());
}

TEST(SnapshotDiff, DirectoriesMissingAndExtraFilesAndNestedFolders) {
  test::TempDir dir("diff-tree");
  const std::string e = dir.file("expected"), a = dir.file("actual");
  make_dir(e);
  make_dir(a);
  make_dir(e + "/sub");
  make_dir(a + "/sub");
  const std::string doc = result_doc().dump(1);
  for (const auto& root : {e, a}) {
    test::write_text(root + "/a.json", doc);
    test::write_text(root + "/sub/b.json", doc);
    test::write_text(root + "/.hidden", root);  // dot files are not compared
  }
  test::write_text(e + "/gone.json", doc);
  test::write_text(a + "/new.png", "x");
  auto changed = result_doc();
  changed["answer"] = "green";
  test::write_text(a + "/sub/b.json", changed.dump());

  auto r = diff_paths(e, a, numpy_defaults());
  EXPECT_EQ(r.files, (std::vector<std::string>{"a.json", "gone.json", "new.png", "sub/b.json"}));
  ASSERT_EQ(r.drifts.size(), 3u) << r.to_json(numpy_defaults()).dump(1);
  EXPECT_EQ(r.drifts[0].file, "gone.json");
  EXPECT_EQ(r.drifts[0].problem, "missing in ACTUAL");
  EXPECT_EQ(r.drifts[1].file, "new.png");
  EXPECT_NE(r.drifts[1].problem.find("extra in ACTUAL"), std::string::npos);
  EXPECT_EQ(r.drifts[2].file, "sub/b.json");
  EXPECT_EQ(r.drifts[2].field, "answer");
}

TEST(SnapshotDiff, UnreadableJsonIsDriftAndBadArgumentsAreUsageErrors) {
  test::TempDir dir("diff-bad");
  test::write_text(dir.file("good.json"), result_doc().dump());
  test::write_text(dir.file("broken.json"), "{\"answer\": ");
  auto r = diff_paths(dir.file("good.json"), dir.file("broken.json"), numpy_defaults());
  ASSERT_EQ(r.drifts.size(), 1u);
  EXPECT_NE(r.drifts[0].problem.find("ACTUAL is not readable JSON"), std::string::npos);
  try {
    diff_paths(dir.file("nope"), dir.file("good.json"), numpy_defaults());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos);
  }
  try {
    diff_paths(dir.path(), dir.file("good.json"), numpy_defaults());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

TEST(SnapshotDiff, NpyArraysAreComparedWithTheTolerance) {
  test::TempDir dir("diff-npy");
  std::vector<float> base = {0.1f, 0.2f, 0.3f, 0.4f}, near = base, far = base;
  near[3] += 1e-7f;
  far[2] += 1e-2f;
  test::write_text(dir.file("e.npy"), encode_npy_f32({2, 2}, base.data()));
  test::write_text(dir.file("near.npy"), encode_npy_f32({2, 2}, near.data()));
  test::write_text(dir.file("far.npy"), encode_npy_f32({2, 2}, far.data()));
  test::write_text(dir.file("shape.npy"), encode_npy_f32({4}, base.data()));
  EXPECT_TRUE(diff_paths(dir.file("e.npy"), dir.file("near.npy"), numpy_defaults()).ok());
  auto r = diff_paths(dir.file("e.npy"), dir.file("far.npy"), numpy_defaults());
  ASSERT_EQ(r.drifts.size(), 1u);
  EXPECT_EQ(r.drifts[0].at, "[2]");
  EXPECT_NEAR(r.drifts[0].max_abs_error, 1e-2, 1e-6);
  r = diff_paths(dir.file("e.npy"), dir.file("shape.npy"), numpy_defaults());
  ASSERT_EQ(r.drifts.size(), 1u);
  EXPECT_NE(r.drifts[0].problem.find("[2,2]"), std::string::npos);
}

TEST(ImageCompare, PerPixelToleranceSizeAndUnreadableFiles) {
  test::TempDir dir("png");
  cv::Mat img(20, 30, CV_8UC3, cv::Scalar(100, 150, 200));
  cv::imwrite(dir.file("e.png"), img);
  cv::Mat changed = img.clone();
  changed.at<cv::Vec3b>(4, 7) = cv::Vec3b(100, 155, 200);  // one pixel, one channel, +5
  changed.at<cv::Vec3b>(5, 7) = cv::Vec3b(101, 150, 200);  // +1
  cv::imwrite(dir.file("a.png"), changed);

  auto c = compare_images(dir.file("e.png"), dir.file("a.png"), 5);
  EXPECT_TRUE(c.problem.empty());
  EXPECT_EQ(c.pixels, 600);
  EXPECT_EQ(c.pixels_over, 0);
  EXPECT_EQ(c.max_difference, 5);
  c = compare_images(dir.file("e.png"), dir.file("a.png"), 0);
  EXPECT_EQ(c.pixels_over, 2);
  EXPECT_EQ(c.worst_x, 7);
  EXPECT_EQ(c.worst_y, 4);

  cv::imwrite(dir.file("small.png"), cv::Mat(20, 29, CV_8UC3, cv::Scalar(100, 150, 200)));
  c = compare_images(dir.file("e.png"), dir.file("small.png"), 255);
  EXPECT_NE(c.problem.find("30x20"), std::string::npos) << c.problem;
  EXPECT_NE(c.problem.find("29x20"), std::string::npos) << c.problem;
  test::write_text(dir.file("text.png"), "not a png");
  EXPECT_NE(compare_images(dir.file("e.png"), dir.file("text.png"), 0).problem.find("ACTUAL"), std::string::npos);
}
