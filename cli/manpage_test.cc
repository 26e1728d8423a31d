#include "cli/manpage.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/builtin_model.h"

namespace sysjourney {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The text of one ".SS" or ".SH" section, up to the next heading of either kind.
std::string section(const std::string& page, const std::string& heading) {
  auto at = page.find("\n" + heading + "\n");
  if (at == std::string::npos) return "";
  at += heading.size() + 2;
  auto end = page.find("\n.S", at);
  return page.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::string page() {
  static Cli cli;
  return man_page(describe_commands(cli, *builtin_model()), "9.9.9");
}

// Every option of every command, walked from the real command line: a missing one fails.
TEST(ManPage, EveryCommandAndOptionIsInItsSection) {
  Cli cli;
  CommandTable t = describe_commands(cli, *builtin_model());
  std::string p = man_page(t, "9.9.9");
  for (const auto& c : t.commands) {
    std::string s = section(p, ".SS \\fB" + c.name + "\\fR");
    ASSERT_FALSE(s.empty()) << c.name;
    EXPECT_TRUE(has(p, ".B sysjourney " + c.name + "\n")) << "synopsis: " << c.name;
    for (const auto& a : c.args) {
      std::string n = roff_text(a.name());
      EXPECT_TRUE(has(s, ".TP\n\\fB" + n + "\\fR") || has(s, ", \\fB" + n + "\\fR") ||
                  has(s, ".TP\n\\fI" + n + "\\fR"))
          << c.name << " " << a.name();
    }
  }
  std::string g = section(p, ".SH GLOBAL OPTIONS");
  for (const auto& a : t.global)
    EXPECT_TRUE(has(g, "\\fB" + roff_text(a.name()) + "\\fR")) << a.name();
}

TEST(ManPage, HasTheSectionsAManPageNeeds) {
  std::string p = page();
  EXPECT_EQ(p.rfind(".\\\" Generated", 0), 0u);
  EXPECT_TRUE(has(p, ".TH SYSJOURNEY 1 \"\" \"sysjourney 9.9.9\""));
  for (const char* h : {".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH COMMANDS",
                        ".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES", ".SH EXAMPLES"})
    EXPECT_FALSE(section(p, h).empty()) << h;
  EXPECT_TRUE(has(section(p, ".SH ENVIRONMENT"), "NO_COLOR"));
  EXPECT_TRUE(has(section(p, ".SH FILES"), "\\-\\-save"));
  EXPECT_TRUE(has(section(p, ".SH FILES"), "sysjourney\\-XXXXXX"));
  std::string exits = section(p, ".SH EXIT STATUS");
  for (int code : {kExitOk, kExitFailed, kExitUsage})
    EXPECT_TRUE(has(exits, ".TP\n" + std::to_string(code) + "\n")) << code;
}

TEST(ManPage, ValuesAreListedWhereTheNameDoesNotShowThem) {
  std::string run = section(page(), ".SS \\fBrun\\fR");
  EXPECT_TRUE(has(run, "\\fB\\-\\-fd\\fR \\fIfile|pipe|tcp|unix\\fR")) << run;
  EXPECT_TRUE(has(run,
                  "\\fB\\-\\-format\\fR \\fIFORMAT\\fR\nOutput format. Allowed: table, json, "
                  "csv, trace\\-event."));
  EXPECT_TRUE(has(run, "\\fB\\-\\-wait\\fR [\\fIon|off\\fR]"));
}

TEST(ManPage, RoffTextEscapes) {
  EXPECT_EQ(roff_text("a-b \\ `x`"), "a\\-b \\e \\fBx\\fR");
  EXPECT_EQ(roff_text(".hidden\n'quote"), "\\&.hidden\n\\&'quote");
  EXPECT_EQ(roff_text("`open"), "\\fBopen\\fR");
}

// Each example is parsed by the real command line, so none can name a gone option.
TEST(ManPage, EveryExampleParses) {
  for (const auto& e : man_examples()) {
    std::string cmd = e.command;
    if (cmd.rfind("sudo ", 0) == 0) cmd = cmd.substr(5);
    ASSERT_EQ(cmd.rfind("sysjourney ", 0), 0u) << e.command;
    cmd = cmd.substr(cmd.find(' ') + 1);
    cmd = cmd.substr(0, cmd.find(" >"));  // a shell redirection is not ours
    Cli cli;
    EXPECT_NO_THROW(cli.app.parse(cmd, false)) << e.command;
  }
}

}  // namespace
}  // namespace sysjourney
