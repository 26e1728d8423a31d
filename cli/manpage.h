// The man page, sysjourney(1), in roff: the options and subcommands from the command table
// (cli/app.h), so that it cannot drift; the exit codes, environment, files and examples beside
// them. The build runs the hidden `sysjourney man` and installs the result.
#pragma once
#include <string>
#include <vector>

#include "cli/app.h"

namespace sysjourney {

struct ManExample {
  std::string command;  // as typed, starting with "sysjourney" (or "sudo sysjourney")
  std::string what;
};

// The EXAMPLES section. The tests parse every one with the real command line.
const std::vector<ManExample>& man_examples();

std::string man_page(const CommandTable& t, const std::string& version);

// Text for roff: backslashes and minus signs escaped, `code` in bold, no line starting with a
// control character.
std::string roff_text(const std::string& s);

}  // namespace sysjourney
