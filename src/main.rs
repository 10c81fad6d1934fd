use alertlint::cli::{Cli, Command};
use alertlint::commands;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Checks => commands::explain::list(),
        Command::Explain { check } => commands::explain::explain(&check),
        Command::Test(args) => commands::test::run(args),
    }
}
