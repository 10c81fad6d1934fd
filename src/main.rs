use alertlint::cli::{Cli, Command};
use alertlint::commands;
use clap::Parser;
use std::process::ExitCode;

// Loading builds many small strings and nodes; mimalloc makes that markedly cheaper than glibc's
// allocator (measured with scripts/bench-check.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Checks => commands::explain::list(),
        Command::Explain { check } => commands::explain::explain(&check),
        Command::Test(args) => commands::test::run(args),
        Command::Route(args) => commands::route::run(args),
        Command::Runbook(cmd) => commands::runbook::run(cmd),
    }
}
