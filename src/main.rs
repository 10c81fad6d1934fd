//! The `alertlint` command line: argument parsing and one module per command. The work is done
//! by the library crates under `crates/`.

mod cli;
mod commands;
mod git;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

// Loading builds many small strings and nodes; mimalloc makes that markedly cheaper than glibc's
// allocator (measured with scripts/bench-check.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Checks { format } => commands::explain::list(format),
        Command::Explain { check } => commands::explain::explain(&check),
        Command::Test(args) => commands::test::run(args),
        Command::Route(args) => commands::route::run(args),
        Command::Runbook(cmd) => commands::runbook::run(cmd),
        Command::Backtest(args) => commands::backtest::run(*args),
        Command::Simulate(args) => commands::simulate::run(args),
    };
    // Errors end here: the one place they are printed.
    result.unwrap_or_else(|error| {
        error.print();
        ExitCode::from(commands::EXIT_USAGE)
    })
}
