#pragma once
// Names for Signet's threads, as `top -H`, `ps -L`, perf and /proc/<pid>/task/*/comm
// show them: "signet-io", "sqlite-writer", and so on.

#include <string>

namespace signet::core {

// Names the calling thread; names longer than 15 characters are cut there.
void name_this_thread(const char* name);
// The calling thread's name.
std::string this_thread_name();

}  // namespace signet::core
