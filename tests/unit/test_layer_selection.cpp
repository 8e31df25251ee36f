#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "attnviz/layer_selection.h"

using attnviz::Error;
using attnviz::ExitCode;
using attnviz::LayerSelection;

namespace {

std::vector<int> parse_layer_spec(const std::string& spec, int layer_count) {
  return LayerSelection::parse(spec).resolve(layer_count);
}

}  // namespace

TEST(LayerSpec, ListsRangesNegativesAndAll) {
  EXPECT_EQ(parse_layer_spec("1,5,14,23", 24), (std::vector<int>{1, 5, 14, 23}));
  EXPECT_EQ(parse_layer_spec("0-3", 24), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(parse_layer_spec("-1", 24), (std::vector<int>{23}));
  EXPECT_EQ(parse_layer_spec("-3--1", 24), (std::vector<int>{21, 22, 23}));
  EXPECT_EQ(parse_layer_spec(" 2 , 0-1 ,2", 4), (std::vector<int>{2, 0, 1}));
  EXPECT_EQ(parse_layer_spec("all", 3), (std::vector<int>{0, 1, 2}));
}

TEST(LayerSpec, BadSpecsAreUsageErrorsNamingTheProblem) {
  for (const char* bad : {"1,,2", "a-b", "99", "-100", "", "3-1", "1.5", "--1", "1-"}) {
    try {
      parse_layer_spec(bad, 24);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage) << bad;
      EXPECT_EQ(e.option(), "layers") << e.what();
      EXPECT_NE(e.describe([](const std::string& key) { return "--" + key; }).find("--layers '"), std::string::npos)
          << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "multi-line: " << e.what();
    }
  }
}

TEST(LayerSpec, OutOfRangeNamesTheValidRange) {
  try {
    parse_layer_spec("24", 24);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("0-23"), std::string::npos) << e.what();
  }
}

TEST(IntList, PositiveIntegersOnly) {
  EXPECT_EQ(attnviz::parse_int_list("8,16,32", "budgets"), (std::vector<int>{8, 16, 32}));
  EXPECT_THROW(attnviz::parse_int_list("8,,16", "budgets"), Error);
  EXPECT_THROW(attnviz::parse_int_list("0", "budgets"), Error);
  EXPECT_THROW(attnviz::parse_int_list("x", "budgets"), Error);
}
