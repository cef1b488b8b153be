#pragma once
// The operator's command line: `signet cert`, `account`, `order`, `ca`, `backup`,
// `database` and `config`, declared on the application and dispatched after parsing.
#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "server/commands/commands.hpp"

namespace signet::server::commands {

// --data-dir, --config and --json, as every command on a data directory takes them,
// and --database when `database` is given.
void data_dir_options(CLI::App* cmd, std::optional<std::string>& data_dir,
                      std::optional<std::string>& config_file, bool& json,
                      std::optional<std::string>* database = nullptr);

// --module, and --pin-file or --pin-env, for a key in a PKCS#11 token (their defaults: the
// --config file's [ca]); `with` begins their descriptions ("With --pkcs11, ").
void token_options(CLI::App* cmd, std::optional<std::string>& module,
                   std::optional<std::string>& pin_file, std::optional<std::string>& pin_env,
                   const std::string& with = "");

// `ca init` under the `ca` command, its values written to o.
CLI::App* add_ca_init(CLI::App* ca, CaInitOptions& o);

class AdminCli {
 public:
  // Adds the subcommands to app; app must outlive this.
  explicit AdminCli(CLI::App& app);
  AdminCli(const AdminCli&) = delete;
  AdminCli& operator=(const AdminCli&) = delete;

  // After app.parse(): the exit code of the command given, or nullopt if none of these
  // was given.
  std::optional<int> run() const;

 private:
  // A leaf subcommand and the function that runs it; on_data_dir: with
  // data_dir_options.
  CLI::App* add(CLI::App* parent, const std::string& name, const std::string& what,
                int (*fn)(const AdminArgs&), bool on_data_dir = true);

  AdminArgs args_;
  // `signet ca import|rollover`.
  CaChangeArgs ca_change_;
  CLI::App* ca_import_ = nullptr;
  CLI::App* ca_rollover_ = nullptr;
  RenewEarlyOptions early_{"./signet-data", {}, {}, {}, {}, false};
  CLI::App* renew_early_ = nullptr;
  CaInitOptions ca_init_options_;
  CLI::App* ca_init_ = nullptr;
  std::map<CLI::App*, int (*)(const AdminArgs&)> commands_;
};

}  // namespace signet::server::commands
