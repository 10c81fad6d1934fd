//! Command-line interface definitions.

use clap::builder::{OsStringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

/// A path argument that may not be empty. clap's own path parser refuses `""` too, but says
/// only that "a value is required"; an empty argument is most often an unset shell variable
/// (`alertlint check "$RULES"`), and the message should say so.
fn non_empty_path() -> impl TypedValueParser<Value = PathBuf> {
    OsStringValueParser::new().try_map(|s: OsString| {
        if s.is_empty() {
            Err("an empty path names no file or directory (an unset variable?)")
        } else {
            Ok(PathBuf::from(s))
        }
    })
}

#[derive(Debug, Parser)]
#[command(
    name = "alertlint",
    version,
    about = "Lint Prometheus alerting rules, their runbooks and their routing; replay unit tests.",
    long_about = None
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check rule files (and, if configured, runbooks and routing) and report problems.
    Check(CheckArgs),
    /// List every check with its id, default severity and summary.
    Checks {
        /// `markdown`: the table of checks in the README.
        #[arg(long, value_enum, default_value_t = ChecksFormat::Text)]
        format: ChecksFormat,
    },
    /// Print the documentation of a check.
    Explain {
        /// A check id, such as `alert/runbook` (see `alertlint checks`).
        check: String,
    },
    /// Run promtool rule unit-test files (`promtool test rules` format).
    Test(TestArgs),
    /// Show where Alertmanager routes a label set, or every alert of some rule files.
    Route(RouteArgs),
    /// Work with runbooks (`runbook new <AlertName>` writes a skeleton filled from the rule).
    #[command(subcommand)]
    Runbook(RunbookCommand),
    /// Replay alerting rules against the history in a Prometheus-compatible server and report
    /// how often each would have fired, and the pages per team and week.
    Backtest(Box<BacktestArgs>),
    /// Replay synthesized series through each alerting rule: detection latency, resolution,
    /// whether a spike fires it, what a scrape gap does, a counter reset; `--emit-tests`
    /// writes the scenarios as promtool unit tests.
    Simulate(SimulateArgs),
}

/// `alertlint simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// Rule files or directories.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Only alerts whose name matches this regex (anchored).
    #[arg(long, value_name = "REGEX")]
    pub alert: Option<String>,
    /// How often the inputs are scraped (default: the policy's `scrape_interval`, per job
    /// with `scrape_intervals`, else 1m).
    #[arg(long, value_name = "DURATION")]
    pub scrape_interval: Option<String>,
    /// The evaluation interval of groups that set none.
    #[arg(long, value_name = "DURATION", default_value = "1m")]
    pub interval: String,
    /// Write each simulated alert's scenarios as a promtool unit-test file into DIR (created
    /// if missing; existing files of the same name are replaced).
    #[arg(long, value_name = "DIR")]
    pub emit_tests: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SimulateFormat::Human)]
    pub format: SimulateFormat,
    /// Exit 1 when a `behaviour/*` finding at or above this level is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Config file. Default: `.alertlint.yaml` in the first path's directory or a parent.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any `.alertlint.yaml` and use the defaults.
    #[arg(long)]
    pub no_config: bool,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// `simulate --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SimulateFormat {
    /// A table per alert, the alerts not simulated with why, then the findings.
    Human,
    /// A versioned JSON document: each alert's scenarios and findings.
    Json,
}

/// `alertlint backtest`.
#[derive(Debug, Args)]
pub(crate) struct BacktestArgs {
    /// Rule files or directories.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The server's Prometheus API base URL (`http://prometheus:9090`,
    /// `http://mimir/prometheus`, `http://vmselect:8481/select/0/prometheus`).
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// The window: this long before `--end` (or now).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "7d",
        conflicts_with = "start"
    )]
    pub since: String,
    /// The window's start: RFC 3339 in UTC (`2026-11-01T00:00:00Z`) or Unix seconds.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// The window's end (default: now).
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,
    /// Only alerts whose name matches this regex (anchored, as in PromQL).
    #[arg(long, value_name = "REGEX")]
    pub alert: Option<String>,
    /// Only alerts of groups whose name matches this regex (anchored).
    #[arg(long, value_name = "REGEX")]
    pub group: Option<String>,
    /// The evaluation interval of groups without `interval:` (Prometheus'
    /// `global.evaluation_interval`).
    #[arg(long, value_name = "DURATION", default_value = "1m")]
    pub interval: String,
    /// The phase of the evaluation grid: evaluations at multiples of the interval plus this.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub eval_offset: String,
    /// A fire within this long after the same alert resolved is a flap.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub flap_window: String,
    /// Pages a team may get per week, `N` or `N/week` (default: `policy.page_budget` of the
    /// config, else 10).
    #[arg(long, value_name = "N/week")]
    pub page_budget: Option<String>,
    /// With `--format json`: each alert's firings (labels, fired and resolved times).
    #[arg(long)]
    pub events: bool,
    /// The Alertmanager config (overrides `alertmanager:` in the config): pages are then the
    /// notifications Alertmanager would have sent to paging receivers (routing, grouping,
    /// group_wait/group_interval/repeat_interval, inhibition), not fires of a paging tier.
    #[arg(long, value_name = "FILE")]
    pub alertmanager: Option<PathBuf>,
    /// Compare each replay with the `ALERTS{alertstate="firing"}` series the server recorded
    /// for alerts of that name: precision and recall of the firing points.
    #[arg(long)]
    pub compare_actual: bool,
    /// Also replay the rules as they were at this git revision, and report the change per
    /// alert and per team (the pull-request view).
    #[arg(long, value_name = "REF")]
    pub baseline_ref: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BacktestFormat::Human)]
    pub format: BacktestFormat,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// The rules' config (`.alertlint.yaml`: the policy's tiers and owner label).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any `.alertlint.yaml`.
    #[arg(long)]
    pub no_config: bool,
    /// Most grid points per request (Prometheus refuses more than 11,000).
    #[arg(long, value_name = "N", default_value_t = 11_000)]
    pub max_points: u64,
    /// Queries run at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// How long one request may take.
    #[arg(long, value_name = "DURATION", default_value = "2m")]
    pub timeout: String,
    /// How many times a request that failed for a passing reason (429, 502, 503, 504, a
    /// connection refused or cut) is tried again, with exponential backoff.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,
    /// A file holding a bearer token.
    #[arg(long, value_name = "FILE", conflicts_with = "basic_auth_user")]
    pub bearer_token_file: Option<PathBuf>,
    /// HTTP basic authentication user (with `--basic-auth-password-file`).
    #[arg(long, value_name = "USER", requires = "basic_auth_password_file")]
    pub basic_auth_user: Option<String>,
    /// The file holding the basic authentication password.
    #[arg(long, value_name = "FILE", requires = "basic_auth_user")]
    pub basic_auth_password_file: Option<PathBuf>,
    /// A header sent with every request, `Name: value` (repeatable).
    #[arg(long, value_name = "NAME:VALUE")]
    pub header: Vec<String>,
    /// The tenant (sent as `X-Scope-OrgID`, for Mimir, Cortex, Thanos).
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// CA certificates (PEM) for HTTPS, instead of the built-in roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// A client certificate (PEM) for mutual TLS, with `--key-file`.
    #[arg(long, value_name = "FILE", requires = "key_file")]
    pub cert_file: Option<PathBuf>,
    /// The client certificate's key (PEM).
    #[arg(long, value_name = "FILE", requires = "cert_file")]
    pub key_file: Option<PathBuf>,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// `backtest --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BacktestFormat {
    /// A table per alert, then the findings.
    Human,
    /// A versioned JSON document: per-alert statistics, firings, teams, findings.
    Json,
    /// The findings only, as SARIF 2.1.0 (code scanning).
    Sarif,
    /// The findings only, as GitHub Actions annotations.
    Github,
}

/// How `alertlint checks` lists the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ChecksFormat {
    /// One line per check: id, default severity, summary.
    Text,
    /// A Markdown table, as in the README.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    Error,
    Warning,
    Info,
    /// Exit 0 whatever is found (usage and I/O errors still exit 2).
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Rule files or directories (searched recursively for .yml/.yaml). Default: `.`
    #[arg(value_parser = non_empty_path())]
    pub paths: Vec<PathBuf>,
    /// Config file. Default: `.alertlint.yaml` in the first path's directory or a parent.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any `.alertlint.yaml` and use the defaults.
    #[arg(long)]
    pub no_config: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Write the report to FILE instead of standard output (`-`: standard output). FILE is
    /// replaced only once the report is complete, and never created when the run fails with
    /// exit code 2.
    #[arg(long, short = 'o', value_name = "FILE", value_parser = non_empty_path())]
    pub output: Option<PathBuf>,
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
    /// Accept fields Prometheus does not know (Thanos' `partial_response_strategy`), as
    /// promtool's `--ignore-unknown-fields`: `schema/unknown-field` is off, as with
    /// `checks: {schema/unknown-field: off}` in the config.
    #[arg(long)]
    pub ignore_unknown_fields: bool,
    /// Report, and fail on, only findings that are not in this baseline file; findings of the
    /// baseline that are fixed are reported as `baseline/fixed` (info).
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Write every finding of this run to FILE as the baseline (sorted, stable JSON) and exit
    /// 0 without a report.
    #[arg(long, value_name = "FILE", value_parser = non_empty_path())]
    pub write_baseline: Option<PathBuf>,
    /// The ruler the rules are written for (overrides `dialect:` in the config): its own group
    /// fields are accepted (Thanos' `partial_response_strategy`, Mimir's and Cortex'
    /// `source_tenants`, `evaluation_delay`); Loki's expressions are LogQL, not checked as PromQL.
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub dialect: Option<DialectArg>,
    /// Report only findings on rules added or changed since the git revision REF (and on files
    /// changed since), plus rules elsewhere that a change breaks (`rule/dependency`).
    #[arg(long, value_name = "REF")]
    pub diff_base: Option<String>,
}

/// `check --dialect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DialectArg {
    Prometheus,
    Thanos,
    Mimir,
    Cortex,
    Loki,
}

impl From<DialectArg> for alertlint_linter::model::Dialect {
    fn from(d: DialectArg) -> Self {
        use alertlint_linter::model::Dialect;
        match d {
            DialectArg::Prometheus => Dialect::Prometheus,
            DialectArg::Thanos => Dialect::Thanos,
            DialectArg::Mimir => Dialect::Mimir,
            DialectArg::Cortex => Dialect::Cortex,
            DialectArg::Loki => Dialect::Loki,
        }
    }
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Sarif,
    Github,
}

impl From<CheckFormat> for alertlint_diagnostics::report::Format {
    fn from(f: CheckFormat) -> Self {
        use alertlint_diagnostics::report::Format;
        match f {
            CheckFormat::Human => Format::Human,
            CheckFormat::Json => Format::Json,
            CheckFormat::Sarif => Format::Sarif,
            CheckFormat::Github => Format::Github,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct TestArgs {
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
    /// Run the tests as this Prometheus would: 3; 2, as 2.x releases before 2.49 do (every
    /// difference alertlint knows undone); or a 2.x release, such as 2.54.
    #[arg(long, value_name = "VERSION", default_value_t)]
    pub prometheus_version: alertlint_unittest::PrometheusVersion,
    /// Worker threads (default: one per CPU).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// After the results, report what the tests that ran cover of the rule files in scope
    /// (those the test files load, and --rules): alerting rules no test evaluates, never
    /// asserted firing, never asserted silent; recording rules no test reaches.
    #[arg(long)]
    pub coverage: bool,
    /// A rule file, or a directory walked as `check` walks it, whose rules count for coverage
    /// even if no test file loads them (repeatable; implies --coverage).
    #[arg(long, value_name = "PATH", value_parser = non_empty_path())]
    pub rules: Vec<PathBuf>,
    /// Exit with 1 unless at least PCT percent (0 to 100) of the alerting rules in scope are
    /// asserted firing: named by an `alert_rule_test` with non-empty `exp_alerts` in a test
    /// group that ran, in a test file that loads the rule's file (100 when there are no
    /// alerting rules). Implies --coverage.
    #[arg(long, value_name = "PCT")]
    pub min_coverage: Option<alertlint_unittest::MinCoverage>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RunbookCommand {
    /// Write a runbook skeleton for an alert, filled from its rule (alert, severity, owner,
    /// expression, threshold, dashboard), in the configured preset.
    New(RunbookNewArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RunbookNewArgs {
    /// The alert's name.
    #[arg(value_name = "ALERT")]
    pub alert: String,
    /// Rule files or directories to find the alert in. Default: `.`
    pub paths: Vec<PathBuf>,
    /// The runbook layout: `incident` or `prometheus-operator`. Default: the root's preset.
    #[arg(long)]
    pub preset: Option<String>,
    /// Where to write it (`-`: standard output). Default: where the alert's `runbook_url`
    /// points under a runbook root, else `<first root>/<ALERT>.md`, else standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Config file. Default: `.alertlint.yaml` in the first path's directory or a parent.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any `.alertlint.yaml`.
    #[arg(long)]
    pub no_config: bool,
    /// A directory of runbooks (repeatable; adds to the config's `runbooks:` roots).
    #[arg(long, value_name = "DIR")]
    pub runbooks: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct RouteArgs {
    /// A label set to route, such as `severity=critical,team=ml-platform`.
    #[arg(long, value_name = "LABELS")]
    pub labels: Option<String>,
    /// Rule files or directories: print each alert's receivers and whether it pages.
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// The Alertmanager config (overrides `alertmanager:` in the config).
    #[arg(long, value_name = "FILE")]
    pub alertmanager: Option<PathBuf>,
    /// With --labels: exit 1 unless the receivers are exactly these (comma-separated, in order).
    #[arg(long, value_name = "RECEIVERS", requires = "labels")]
    pub verify_receivers: Option<String>,
    /// Config file. Default: `.alertlint.yaml` in the first rules path's directory or a parent.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any `.alertlint.yaml`.
    #[arg(long)]
    pub no_config: bool,
    /// When to use colours in error output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}
