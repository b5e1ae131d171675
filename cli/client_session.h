// What every command that talks to a broker shares: loading the profile,
// opening a session, running a coroutine to completion, and turning an error
// into a message and an exit status.
#pragma once

#include <memory>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "cli/client_commands.h"
#include "client-lib/connection.h"
#include "client-lib/profile.h"
#include "proto/error.h"

namespace weft::cli {

// Runs `task` on `io` until it finishes and returns its value.
template <class T>
T run_to_completion(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.run();
  return future.get();
}

// The exit status for an error (cli/exit_codes.h).
int exit_code_for(const Error& error);
// "weft: <what>: <CODE>: <message>" on stderr; returns exit_code_for(error).
int report_failure(std::string_view what, const Error& error);

Result<client::Profile> load_profile(const ClientOptions& options);
client::Options connection_options(const ClientOptions& options);
boost::asio::awaitable<Result<std::shared_ptr<client::Connection>>> open_session(const ClientOptions& options);

}  // namespace weft::cli
