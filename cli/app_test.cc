#include "cli/app.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/builtin_model.h"
#include "core/request.h"

namespace sysjourney {
namespace {

const Model& model() {
  const auto& m = builtin_model();
  EXPECT_TRUE(m.ok());
  return *m;
}

const CommandDoc* command(const CommandTable& t, const std::string& name) {
  for (const auto& c : t.commands)
    if (c.name == name) return &c;
  return nullptr;
}

const ArgDoc* arg(const CommandDoc& c, const std::string& name) {
  for (const auto& a : c.args)
    if (a.name() == name) return &a;
  return nullptr;
}

TEST(App, CommandsInHelpOrderAndManIsHidden) {
  Cli cli;
  CommandTable t = describe_commands(cli, model());
  std::vector<std::string> names;
  for (const auto& c : t.commands) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"run", "compare", "list", "explain", "serve",
                                             "measure", "fit", "completion"}));
  EXPECT_EQ(t.program, "sysjourney");
}

// run --samples takes what the API's samples= takes (core/request.h).
TEST(App, SamplesHaveTheBoundOfTheApi) {
  auto parses = [](int samples) {
    Cli cli;
    std::string n = std::to_string(samples);
    const char* argv[] = {"sysjourney", "run", "--samples", n.c_str()};
    try {
      cli.app.parse(4, argv);
    } catch (const CLI::ParseError&) {
      return false;
    }
    return cli.samples == samples;
  };
  EXPECT_TRUE(parses(kMaxSamples));
  EXPECT_FALSE(parses(kMaxSamples + 1));
  EXPECT_FALSE(parses(-1));
}

TEST(App, FdValuesComeFromTheScenarioTable) {
  Cli cli;
  CommandTable t = describe_commands(cli, model());
  for (const char* cmd : {"run", "compare", "measure"}) {
    const ArgDoc* fd = arg(*command(t, cmd), "--fd");
    ASSERT_NE(fd, nullptr) << cmd;
    EXPECT_TRUE(fd->takes_value);
    EXPECT_EQ(fd->values, (std::vector<std::string>{"file", "pipe", "tcp", "unix"})) << cmd;
  }
  EXPECT_EQ(arg(*command(t, "measure"), "--fd")->needs, "--path");
}

TEST(App, ModelValuesAndKindsOfArgument) {
  Cli cli;
  CommandTable t = describe_commands(cli, model());
  const CommandDoc& run = *command(t, "run");
  const ArgDoc* cpu = arg(run, "--cpu");
  ASSERT_NE(cpu, nullptr);
  EXPECT_NE(std::find(cpu->values.begin(), cpu->values.end(), model().default_cpu),
            cpu->values.end());
  const ArgDoc* wait = arg(run, "--wait");
  EXPECT_TRUE(wait->value_optional);
  EXPECT_FALSE(wait->takes_value);
  EXPECT_EQ(wait->values, (std::vector<std::string>{"on", "off"}));
  EXPECT_EQ(wait->value_name, "on|off");
  EXPECT_TRUE(arg(run, "--profile")->file());
  EXPECT_TRUE(arg(run, "--ghz")->values.empty());
  EXPECT_EQ(arg(run, "--help")->names, (std::vector<std::string>{"-h", "--help"}));
  EXPECT_FALSE(arg(run, "--help")->takes_value);
  const ArgDoc* stage = arg(*command(t, "explain"), "stage");
  ASSERT_NE(stage, nullptr);
  EXPECT_TRUE(stage->positional);
  EXPECT_TRUE(stage->required);
  EXPECT_EQ(stage->values.size(), model().stages.size());
  EXPECT_EQ(arg(*command(t, "completion"), "shell")->values,
            (std::vector<std::string>{"bash", "zsh", "fish"}));
  std::vector<std::string> global;
  for (const auto& a : t.global) global.push_back(a.name());
  EXPECT_EQ(global, (std::vector<std::string>{"--help", "--version", "--model", "--color"}));
}

TEST(App, ParsesAsBefore) {
  Cli cli;
  cli.app.parse("--color never run --fd pipe --wait --format json", false);
  EXPECT_TRUE(cli.run->parsed());
  EXPECT_EQ(cli.color, "never");
  EXPECT_EQ(cli.format, "json");
  EXPECT_EQ(cli.run_flags.values[1], "pipe") << "fd is the table's second option";
}

TEST(App, BadChoiceIsAParseError) {
  Cli cli;
  EXPECT_THROW(cli.app.parse("run --format yaml", false), CLI::ValidationError);
}

TEST(App, VersionNamesTheModel) {
  Cli cli;
  try {
    cli.app.parse("--version", false);
    FAIL() << "--version did not stop the parse";
  } catch (const CLI::CallForVersion& e) {
    std::string text = e.what();
    EXPECT_EQ(text.rfind(std::string("sysjourney ") + SYSJOURNEY_VERSION + "\n", 0), 0u) << text;
    EXPECT_NE(text.find("model " + model().version), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace sysjourney
