#include "core/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace signet::core {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path = std::filesystem::temp_directory_path() /
           ("signet-log-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log");
    std::filesystem::remove(path);
    ASSERT_TRUE(set_log_file(path.string()));
  }
  void TearDown() override {
    EXPECT_TRUE(set_log_file(""));
    set_log_level(LogLevel::Info);
    set_log_format(LogFormat::Text);
    std::filesystem::remove(path);
  }
  std::string written() {
    flush_log();
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::filesystem::path path;
};

TEST_F(LogTest, TextLinesCarryFieldsOnOneLine) {
  log_info("request", {{"route", "/acme/order/{id}"}, {"status", 201}, {"detail", "two words"}});
  log_info("multi\nline");
  const std::string out = written();
  EXPECT_NE(out.find(" info request route=/acme/order/{id} status=201 detail=\"two words\"\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" info multi line\n"), std::string::npos) << out;
}

TEST_F(LogTest, JsonLinesAreEscapedObjects) {
  set_log_format(LogFormat::Json);
  log_warn("quote \" and \\ and\nnewline", {{"account", "abc"}, {"latency_ms", 12}});
  const std::string out = written();
  EXPECT_NE(out.find("\"level\":\"warn\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"msg\":\"quote \\\" and \\\\ and\\nnewline\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"account\":\"abc\",\"latency_ms\":12}\n"), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "one line";
  EXPECT_EQ(out.rfind("{\"time\":\"", 0), 0u) << out;
}

TEST_F(LogTest, TheLevelFilters) {
  set_log_level(LogLevel::Warn);
  EXPECT_FALSE(log_enabled(LogLevel::Info));
  log_info("dropped");
  log_debug("dropped too");
  log_error("kept");
  const std::string out = written();
  EXPECT_EQ(out.find("dropped"), std::string::npos) << out;
  EXPECT_NE(out.find(" error kept"), std::string::npos) << out;
  set_log_level(LogLevel::Debug);
  EXPECT_TRUE(log_enabled(LogLevel::Debug));
}

TEST(Log, ParsesLevelsAndFormats) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::Debug);
  EXPECT_EQ(parse_log_level("error"), LogLevel::Error);
  EXPECT_FALSE(parse_log_level("verbose"));
  EXPECT_EQ(parse_log_format("json"), LogFormat::Json);
  EXPECT_FALSE(parse_log_format("xml"));
  EXPECT_FALSE(set_log_file("/nonexistent-dir/signet.log"));
}

}  // namespace
}  // namespace signet::core
