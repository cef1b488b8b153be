#include "core/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace signet::core {

void name_this_thread(const char* name) {
  const std::string cut = std::string(name).substr(0, 15);  // the kernel's limit
  pthread_setname_np(pthread_self(), cut.c_str());
}

std::string this_thread_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

}  // namespace signet::core
