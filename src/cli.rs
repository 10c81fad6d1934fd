//! Command-line interface definitions.

use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "alertlint",
    version,
    about = "Lint Prometheus alerting rules, their runbooks and their routing; replay unit tests.",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check rule files (and, if configured, runbooks and routing) and report problems.
    Check(CheckArgs),
    /// List every check with its id, default severity and summary.
    Checks,
    /// Print the documentation of a check.
    Explain {
        /// A check id, such as `alert/runbook` (see `alertlint checks`).
        check: String,
    },
    /// Run promtool rule unit-test files (`promtool test rules` format).
    Test(TestArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    /// Exit 0 whatever is found (usage and I/O errors still exit 2).
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule files or directories (searched recursively for .yml/.yaml). Default: `.`
    pub paths: Vec<PathBuf>,
    /// Config file. Default: `.alertlint.yaml` in the first path's directory or a parent.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any `.alertlint.yaml` and use the defaults.
    #[arg(long)]
    pub no_config: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with 1 when a problem at or above this severity is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Skip files matching this glob (gitignore-style; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// A directory of runbooks to resolve `runbook_url`s against (repeatable; adds to the
    /// `runbooks:` roots of the config).
    #[arg(long, value_name = "DIR")]
    pub runbooks: Vec<PathBuf>,
    /// The Alertmanager config to check routing against (overrides `alertmanager:` in the config).
    #[arg(long, value_name = "FILE")]
    pub alertmanager: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Unit-test files, or directories searched for them (YAML files with a `tests:` key).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Run only the tests whose `name` matches this regex (repeatable).
    #[arg(long, value_name = "REGEX")]
    pub run: Vec<String>,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Accept unknown fields in rule files, as promtool's `--ignore-unknown-fields`.
    #[arg(long)]
    pub ignore_unknown_fields: bool,
    /// Worker threads (default: one per CPU).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}
