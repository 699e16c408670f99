#pragma once
// alertctl's commands, each a function of the parsed options that returns
// the exit code (options.hpp). Output goes to stdout, diagnostics to stderr.

#include "options.hpp"

namespace rover_alerts::alertctl {

int run_watch(const Options& options, bool color);
int run_list(const Options& options, bool color);
int run_sync(const Options& options, bool color);
int run_ack(const Options& options, bool color);
int run_create(const Options& options, bool color);
int run_clear(const Options& options, bool color);
int run_shelve(const Options& options, bool color);
int run_unshelve(const Options& options, bool color);
int run_service(const Options& options, bool color);  // out-of-service, return-to-service
int run_stats(const Options& options, bool color);
int run_log(const Options& options, bool color);

}  // namespace rover_alerts::alertctl
