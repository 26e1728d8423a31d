// Shell completion scripts for bash, zsh and fish, written from the command table (cli/app.h):
// every subcommand, every option and the values each accepts, so that they cannot drift.
#pragma once
#include <string>
#include <vector>

#include "cli/app.h"
#include "core/result.h"

namespace sysjourney {

// The shells `sysjourney completion SHELL` knows: bash, zsh, fish.
std::vector<std::string> completion_shells();

// The script for one shell; an unknown shell is an error naming the allowed ones.
Result<std::string> completion_script(const CommandTable& t, const std::string& shell);

std::string bash_completion(const CommandTable& t);
std::string zsh_completion(const CommandTable& t);
std::string fish_completion(const CommandTable& t);

}  // namespace sysjourney
