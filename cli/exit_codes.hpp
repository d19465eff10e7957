// The exit status of every client command (`downhill jobs|runs|recurring|
// orgs|users ...`), one table for all of them; docs/cli.md lists it.
#pragma once

namespace downhill::cli::exit_code {

/// The command did what it was asked (a followed run succeeded).
constexpr int ok = 0;
/// A followed run ended failed, cancelled or interrupted.
constexpr int run_failed = 1;
/// A mistake on the command line: an unknown or missing flag, a malformed
/// --server or --schedule, no token. Nothing was sent.
constexpr int usage = 2;
/// No server answered at --server (refused, unknown host, the connection
/// dropped).
constexpr int unreachable = 3;
/// The server refused the request (4xx: a bad token, an unknown run, a
/// conflict, a job rule).
constexpr int refused = 4;
/// The server failed (5xx) or answered something that is not the API.
constexpr int server_error = 5;
/// Ctrl-C while following a run: the run goes on on the server.
constexpr int interrupted = 130;

} // namespace downhill::cli::exit_code
