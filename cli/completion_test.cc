#include "cli/completion.h"

#include <gtest/gtest.h>

#include "core/builtin_model.h"

namespace sysjourney {
namespace {

CommandTable table(const Cli& cli) { return describe_commands(cli, *builtin_model()); }

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The line of the bash script that lists one command's options: "    run) COMPREPLY=..." or
// the "if" line after "    list)".
std::string bash_words(const std::string& script, const std::string& cmd) {
  auto at = script.find("\n    " + cmd + ")");
  if (at == std::string::npos) return "";
  auto end = script.find(";;", at);
  return script.substr(at, end - at);
}

// Every option of every command, walked from the real command line: a missing one fails.
TEST(Completion, EveryOptionOfEveryCommandIsInEachScript) {
  Cli cli;
  CommandTable t = table(cli);
  std::string bash = bash_completion(t), zsh = zsh_completion(t), fish = fish_completion(t);
  for (const auto& c : t.commands) {
    EXPECT_TRUE(has(bash, "|" + c.name + "|") || has(bash, " " + c.name + "|") ||
                has(bash, "|" + c.name + ")"))
        << c.name;
    EXPECT_TRUE(has(zsh, "'" + c.name + ":")) << c.name;
    EXPECT_TRUE(has(fish, "-n __fish_use_subcommand -a " + c.name + " ")) << c.name;
    std::string words = bash_words(bash, c.name);
    ASSERT_FALSE(words.empty()) << c.name;
    std::string fish_when = "-n '__fish_seen_subcommand_from " + c.name + "'";
    for (const auto& a : c.args) {
      if (a.positional) {
        if (!a.values.empty()) {
          EXPECT_TRUE(has(words, a.values.front())) << c.name << " " << a.name();
          EXPECT_TRUE(has(fish, fish_when + " -x -a '" + join(a.values, " ") + "'")) << c.name;
        }
        continue;
      }
      for (const auto& n : a.names) {
        EXPECT_TRUE(has(words, " " + n + " ") || has(words, " " + n + "'") ||
                    has(words, "'" + n + " "))
            << "bash: " << c.name << " " << n;
        EXPECT_TRUE(has(zsh, "'" + n + "[")) << "zsh: " << c.name << " " << n;
      }
      std::string fl = a.name().substr(2);
      EXPECT_TRUE(has(fish, fish_when + (a.names.size() == 2 ? " -s h" : "") + " -l " + fl))
          << "fish: " << c.name << " " << a.name();
      if (a.takes_value && !a.values.empty()) {
        std::string list = join(a.values, " ");
        EXPECT_TRUE(
            has(bash, "'" + c.name + " " + a.name() + "') COMPREPLY=($(compgen -W '" + list + "'"))
            << "bash values: " << c.name << " " << a.name();
        EXPECT_TRUE(has(zsh, "'" + a.name() + "[")) << c.name;
        EXPECT_TRUE(has(zsh, ":(" + list + ")'")) << "zsh values: " << c.name << " " << a.name();
        EXPECT_TRUE(has(fish, " -l " + fl + " -x -a '" + list + "'"))
            << "fish values: " << c.name << " " << a.name();
      }
    }
  }
  for (const auto& a : t.global)
    for (const auto& n : a.names) {
      EXPECT_TRUE(has(bash, " " + n + " ") || has(bash, "'" + n + " ")) << n;
      EXPECT_TRUE(has(zsh, "'" + n + "[")) << n;
    }
}

TEST(Completion, FdOffersTheFourKinds) {
  Cli cli;
  std::string bash = bash_completion(table(cli));
  EXPECT_TRUE(has(bash, "'run --fd') COMPREPLY=($(compgen -W 'file pipe tcp unix' -- \"$cur\"))"))
      << bash;
  EXPECT_TRUE(has(bash, "complete -F _sysjourney sysjourney"));
}

TEST(Completion, QuotesHelpTextForEachShell) {
  CommandTable t;
  t.program = "tool";
  CommandDoc c{"go", "it's [here]", {}};
  ArgDoc a;
  a.names = {"--x"};
  a.help = "don't \\ [stop]";
  a.takes_value = true;
  a.values = {"a", "b"};
  c.args.push_back(a);
  t.commands.push_back(c);
  EXPECT_TRUE(has(zsh_completion(t), "'--x[don'\\''t \\\\ \\[stop\\]]:x:(a b)'"))
      << zsh_completion(t);
  EXPECT_TRUE(has(fish_completion(t), "-d 'don\\'t \\\\ [stop]'")) << fish_completion(t);
  EXPECT_TRUE(has(fish_completion(t), "-a go -d 'it\\'s [here]'"));
}

TEST(Completion, UnknownShellNamesTheAllowedOnes) {
  Cli cli;
  auto r = completion_script(table(cli), "tcsh");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "shell");
  EXPECT_EQ(r.error().value, "tcsh");
  EXPECT_EQ(r.error().allowed, "bash, zsh, fish");
  for (const auto& s : completion_shells()) EXPECT_TRUE(completion_script(table(cli), s).ok());
}

}  // namespace
}  // namespace sysjourney
