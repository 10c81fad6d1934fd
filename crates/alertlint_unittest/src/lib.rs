//! `alertlint test`: runs promtool rule unit-test files (`promtool test rules`) with
//! Prometheus 3.x semantics, or 2.x ones (`--prometheus-version 2`).
//!
//! - `model`: the test-file model and its loader (positioned errors).
//! - `series`: input series values, expanded lazily.
//! - `rules`: rule groups, alert state, `ALERTS`/`ALERTS_FOR_STATE`, staleness.
//! - `runner`: one test group, evaluation loop and comparisons.
//! - `compat`: the differences between Prometheus 2.x and 3.x that tests run into.
//! - `explain`: which of them a failing test passes without.
//! - `coverage`: which rules the tests that ran evaluate, assert firing or silent, or reach.
//! - `report`: human, JSON and JUnit output.
//!
//! The CLI needs [`discover`], [`run_files`], [`compute_coverage`] (with
//! [`load_coverage_rules`]) and the `render_*` functions; the rest of
//! the public items are what the fuzz targets (`fuzz/fuzz_targets/{series,unittest}.rs`) drive
//! one layer down.

mod compat;
mod coverage;
mod explain;
mod model;
mod report;
mod rules;
mod runner;
mod series;

pub use compat::{InvalidPrometheusVersion, PrometheusVersion};
pub use coverage::{
    AlertCoverage, BelowMinimum, COVERAGE_VERSION, Coverage, InvalidMinCoverage, MinCoverage,
    RecordCoverage, RuleFileCoverage, RuleRef, RulesError, compute_coverage, load_coverage_rules,
};
pub use model::{
    HistogramError, TestFile, TestGroup, parse_histogram, parse_metric, parse_test_file,
};
pub use report::{render_coverage_human, render_human, render_json, render_junit};
pub use rules::{CompiledGroup, compile, order_groups};
pub use runner::{Failure, GroupOutcome, run_group};
pub use series::{Cursor, SeriesValues};

use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use alertlint_diagnostics::source::{SourceFile, Span};
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::checks::Category;
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, load_file};
use alertlint_linter::model::RuleFile;
use compat::Difference;
use explain::PassesWith;
use model::TEST_FILE_CHECK;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Steps one test group may evaluate (its largest `eval_time` over the
/// `evaluation_interval`, plus one). promtool has no limit: `eval_time: 290y` every `1ms`
/// runs for ever. A million steps takes seconds (`scripts/bench-test.sh` runs 4320 steps of
/// 600 series in about a second); a month at one step a minute is 43,200.
pub const DEFAULT_MAX_EVAL_STEPS: u64 = 1_000_000;

/// Input samples one test group may load (the values of its input series up to its last
/// evaluation). promtool has no limit (it expands `1x18446744073709551615` for ever).
/// Samples no expression can read any more are never held, so memory stays flat however
/// many there are, but an expression with `@` or a negative offset can read any of them:
/// then all are kept, about 31 bytes each, 310 MB at this limit (2.2 s; measured with
/// `scripts/bench-limits.sh`).
pub const DEFAULT_MAX_INPUT_SAMPLES: u64 = 10_000_000;

/// Environment variables that raise (or lower) the limits of `alertlint test`.
pub const ENV_MAX_EVAL_STEPS: &str = "ALERTLINT_MAX_EVAL_STEPS";
pub const ENV_MAX_INPUT_SAMPLES: &str = "ALERTLINT_MAX_INPUT_SAMPLES";
pub const ENV_QUERY_MAX_SAMPLES: &str = "ALERTLINT_QUERY_MAX_SAMPLES";

/// What one test group may cost. The defaults keep a hostile or mistaken test file from
/// running for days or taking the machine's memory; each can be changed through its
/// environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`DEFAULT_MAX_EVAL_STEPS`] ([`ENV_MAX_EVAL_STEPS`]).
    pub max_eval_steps: u64,
    /// See [`DEFAULT_MAX_INPUT_SAMPLES`] ([`ENV_MAX_INPUT_SAMPLES`]).
    pub max_input_samples: u64,
    /// Samples one query (a rule, an expression test, a template's `query`) may hold in
    /// memory: promtool's own limit, [`promql::PROMTOOL_MAX_SAMPLES`], unless
    /// [`ENV_QUERY_MAX_SAMPLES`] says otherwise.
    pub max_query_samples: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_eval_steps: DEFAULT_MAX_EVAL_STEPS,
            max_input_samples: DEFAULT_MAX_INPUT_SAMPLES,
            max_query_samples: promql::PROMTOOL_MAX_SAMPLES,
        }
    }
}

/// A limit variable (`ALERTLINT_MAX_EVAL_STEPS`, ...) that is not a positive whole number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidLimit {
    pub variable: &'static str,
    pub value: String,
}

impl std::fmt::Display for InvalidLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} must be a positive whole number, found {:?}",
            self.variable, self.value
        )
    }
}

impl std::error::Error for InvalidLimit {}

impl Limits {
    /// The defaults, with any set by the environment; an error names a variable that is not
    /// a positive whole number.
    pub fn from_env() -> Result<Limits, InvalidLimit> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Limits, InvalidLimit> {
        let read = |name: &'static str, default: u64| -> Result<u64, InvalidLimit> {
            match var(name) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(InvalidLimit {
                        variable: name,
                        value: v,
                    }),
                },
            }
        };
        let d = Limits::default();
        Ok(Limits {
            max_eval_steps: read(ENV_MAX_EVAL_STEPS, d.max_eval_steps)?,
            max_input_samples: read(ENV_MAX_INPUT_SAMPLES, d.max_input_samples)?,
            max_query_samples: usize::try_from(read(
                ENV_QUERY_MAX_SAMPLES,
                d.max_query_samples as u64,
            )?)
            .unwrap_or(usize::MAX),
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only test groups whose name matches one of these run (all when empty).
    pub run: Vec<regex::Regex>,
    /// Accept unknown fields in rule files (promtool's `--ignore-unknown-fields`).
    pub ignore_unknown_fields: bool,
    /// Worker threads; 0 = available parallelism.
    pub jobs: usize,
    /// Whose semantics the tests run with (`--prometheus-version`).
    pub prometheus_version: PrometheusVersion,
}

#[derive(Debug)]
pub struct GroupResult {
    pub index: usize,
    pub name: String,
    pub skipped: bool,
    pub failures: Vec<Failure>,
    /// It failed, but passes with these Prometheus 2.x semantics.
    pub(crate) passes_with: Option<PassesWith>,
    pub steps: u64,
    pub duration: std::time::Duration,
}

#[derive(Debug)]
pub struct FileResult {
    pub path: String,
    /// The file (or a rule file it names) could not be loaded: nothing ran.
    pub load_errors: Vec<Diagnostic>,
    /// It could not be loaded, but loads with Prometheus 2.x's function names and then
    /// passes with these 2.x semantics.
    pub(crate) passes_with: Option<PassesWith>,
    pub warnings: Vec<String>,
    pub groups: Vec<GroupResult>,
    pub evaluation_interval_ms: i64,
    /// What its test groups that ran exercise, for [`compute_coverage`] (`None` when it did
    /// not load).
    pub(crate) exercised: Option<coverage::Exercised>,
}

impl FileResult {
    pub fn failed(&self) -> bool {
        self.groups.iter().any(|g| !g.failures.is_empty())
    }
}

/// Loads, validates and compiles the rule files a test file names; returns the files too, for
/// coverage to read each rule's place and expression.
fn load_rules(
    tf: &TestFile,
    opts: &Options,
    cache: &mut HashMap<PathBuf, Arc<SourceFile>>,
) -> Result<(Vec<rules::CompiledGroup>, Vec<RuleFile>), Vec<Diagnostic>> {
    let mut files: Vec<RuleFile> = Vec::new();
    let mut errors = Vec::new();
    for path in &tf.rule_files {
        match load_file(path, alertlint_linter::model::Dialect::Prometheus) {
            Ok(Classified::Rules(mut rf)) => {
                if tf.differences.contains(Difference::HoltWintersRenamed) {
                    parse_with_v2_names(&mut rf);
                }
                cache.insert(path.clone(), Arc::clone(&rf.source));
                files.push(rf);
            }
            Ok(Classified::NotRules) => {
                let span = pattern_span(tf, path);
                errors.push(Diagnostic::new(
                    TEST_FILE_CHECK,
                    &tf.source,
                    span,
                    format!("{} is not a Prometheus rule file", path.display()),
                ));
            }
            Err(e) => {
                let span = pattern_span(tf, path);
                errors.push(Diagnostic::new(
                    TEST_FILE_CHECK,
                    &tf.source,
                    span,
                    format!("cannot read rule file {}: {}", e.path.display(), e.message),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let diags: Vec<Diagnostic> = analyse(&files, &Config::default(), &Inputs::default())
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .filter(|d| {
            alertlint_linter::checks::CheckId::from_id(d.check)
                .is_some_and(|c| c.check().category == Category::Correctness)
        })
        .filter(|d| {
            !(opts.ignore_unknown_fields
                && d.check == alertlint_linter::checks::CheckId::SchemaUnknownField.id())
        })
        .collect();
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok((rules::compile(&files), files))
}

/// Parses again, with Prometheus 2.x's function names, the expressions of `rf` that do not
/// parse with 3.x's (rules are loaded with every experimental feature on, as the checks that
/// validate them expect).
fn parse_with_v2_names(rf: &mut RuleFile) {
    let grammar = promql::Options {
        v2_function_names: true,
        ..promql::Options::all()
    };
    for rule in rf.groups.iter_mut().flat_map(|g| g.rules.iter_mut()) {
        if let (Some(expr), Some(Err(_))) = (&rule.expr, &rule.promql) {
            rule.promql = Some(promql::parse_with(&expr.value, &grammar));
        }
    }
}

fn pattern_span(tf: &TestFile, _path: &Path) -> Span {
    tf.rule_file_patterns
        .first()
        .map_or(Span::point(0), |p| p.1)
}

/// Why the test files could not be found.
#[derive(Debug)]
pub enum DiscoverError {
    /// A path named on the command line that does not exist.
    Missing(PathBuf),
    /// A folder that could not be searched.
    Walk { path: PathBuf, message: String },
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiscoverError::Missing(path) => {
                write!(f, "{}: no such file or directory", path.display())
            }
            DiscoverError::Walk { path, message } => write!(f, "{}: {message}", path.display()),
        }
    }
}

impl std::error::Error for DiscoverError {}

/// Finds test files: files as given; directories searched for YAML files with a `tests:` key.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found =
                alertlint_linter::load::discover(std::slice::from_ref(p), &[]).map_err(|e| {
                    DiscoverError::Walk {
                        path: e.path,
                        message: e.message,
                    }
                })?;
            for f in found {
                // Bounded as every read is: the walk's files may be anything under the cap.
                let is_test = alertlint_linter::load::read_bounded(
                    &f,
                    alertlint_linter::load::MAX_FILE_BYTES,
                )
                .is_ok_and(|t| {
                    t.split(|&b| b == b'\n')
                        .any(|l| l.starts_with(b"tests:") || l.starts_with(b"\"tests\":"))
                });
                if is_test {
                    out.push(f);
                }
            }
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(DiscoverError::Missing(p.clone()));
        }
    }
    Ok(out)
}

struct Prepared {
    file: Option<TestFile>,
    groups: Vec<rules::CompiledGroup>,
    /// The rule files `groups` were compiled from.
    rule_files: Vec<RuleFile>,
    load_errors: Vec<Diagnostic>,
    path: String,
    /// It did not load, but does with Prometheus 2.x's function names: as loaded then (to
    /// find out whether it passes that way).
    with_v2_names: Option<Box<Prepared>>,
}

impl Prepared {
    /// The file and its rules, when both loaded.
    fn loaded(&self) -> Option<(&TestFile, &[rules::CompiledGroup])> {
        match &self.file {
            Some(tf) if self.load_errors.is_empty() => Some((tf, &self.groups)),
            _ => None,
        }
    }

    /// Its rule groups in evaluation order (none if it did not load).
    fn ordered(&self) -> Vec<&rules::CompiledGroup> {
        self.loaded().map_or_else(Vec::new, |(tf, groups)| {
            rules::order_groups(groups, &tf.group_eval_order)
        })
    }
}

/// Loads a test file and its rule files to run with `differences`; if they do not load
/// because 3.0 renamed `holt_winters`, also as Prometheus 2.x's names would load them.
fn prepare(
    p: &Path,
    differences: compat::Differences,
    opts: &Options,
    cache: &mut HashMap<PathBuf, Arc<SourceFile>>,
) -> Prepared {
    let path = alertlint_diagnostics::source::display_path(p);
    let mut prepared = match model::load_test_file(p, differences) {
        Err(load_errors) => Prepared {
            file: None,
            groups: Vec::new(),
            rule_files: Vec::new(),
            load_errors,
            path,
            with_v2_names: None,
        },
        Ok(tf) => match load_rules(&tf, opts, cache) {
            Ok((groups, rule_files)) => Prepared {
                file: Some(tf),
                groups,
                rule_files,
                load_errors: Vec::new(),
                path,
                with_v2_names: None,
            },
            Err(load_errors) => Prepared {
                file: Some(tf),
                groups: Vec::new(),
                rule_files: Vec::new(),
                load_errors,
                path,
                with_v2_names: None,
            },
        },
    };
    let renamed = Difference::HoltWintersRenamed;
    if !differences.contains(renamed)
        && prepared
            .load_errors
            .iter()
            .any(|d| d.message.contains("\"holt_winters\""))
    {
        let v2 = prepare(p, differences.with(renamed), opts, cache);
        if v2.loaded().is_some() {
            prepared.with_v2_names = Some(Box::new(v2));
        }
    }
    prepared
}

/// One test group to run, with the rules of its file in evaluation order.
struct Job<'a> {
    /// Which file and group, and whether of the file as loaded with Prometheus 2.x's names.
    key: (usize, usize, bool),
    file: &'a TestFile,
    ordered: &'a [&'a rules::CompiledGroup],
}

/// What running a job gave.
struct Ran {
    outcome: GroupOutcome,
    passes_with: Option<PassesWith>,
    duration: std::time::Duration,
}

/// Runs test files. Test groups run in parallel; results come back in file and test order.
/// A group that fails is run again with Prometheus 2.x semantics, difference by difference,
/// to say whether and why it passes with them.
pub fn run_files(paths: &[PathBuf], opts: &Options) -> Vec<FileResult> {
    let mut cache = HashMap::new();
    let differences = opts.prometheus_version.differences();
    let prepared: Vec<Prepared> = paths
        .iter()
        .map(|p| prepare(p, differences, opts, &mut cache))
        .collect();

    let ordered: Vec<(Vec<&rules::CompiledGroup>, Vec<&rules::CompiledGroup>)> = prepared
        .iter()
        .map(|p| {
            let v2 = p.with_v2_names.as_deref();
            (p.ordered(), v2.map_or_else(Vec::new, Prepared::ordered))
        })
        .collect();
    // Jobs: the (file, test group) pairs that run, in file and group order.
    let mut jobs = Vec::new();
    for (fi, p) in prepared.iter().enumerate() {
        let as_loaded = [(p, &ordered[fi].0, false)].into_iter().chain(
            p.with_v2_names
                .as_deref()
                .map(|v2| (v2, &ordered[fi].1, true)),
        );
        for (p, ordered, v2_names) in as_loaded {
            if let Some((tf, _)) = p.loaded() {
                for (gi, tg) in tf.tests.iter().enumerate() {
                    if selected(opts, &tg.name) {
                        jobs.push(Job {
                            key: (fi, gi, v2_names),
                            file: tf,
                            ordered,
                        });
                    }
                }
            }
        }
    }
    let workers = if opts.jobs > 0 {
        opts.jobs
    } else {
        alertlint_linter::parallel::threads()
    };
    let outcomes = alertlint_linter::parallel::map_on(workers, jobs.len(), |(): &mut (), i| {
        let job = &jobs[i];
        let tg = &job.file.tests[job.key.1];
        let started = std::time::Instant::now();
        let outcome = runner::run_group(job.file, job.ordered, tg);
        let duration = started.elapsed();
        let passes_with = if outcome.failures.is_empty() {
            None
        } else {
            explain::explain(job.file, job.ordered, tg, job.file.differences)
        };
        (
            job.key,
            Ran {
                outcome,
                passes_with,
                duration,
            },
        )
    });
    // In (file, group) order, as the jobs were made and the loop below reads them.
    let mut outcomes = outcomes.into_iter().peekable();

    prepared
        .into_iter()
        .enumerate()
        .map(|(fi, p)| {
            let mut groups = Vec::new();
            let mut warnings = Vec::new();
            let mut eval_interval = 60_000;
            let mut exercised = None;
            if let Some(tf) = &p.file {
                warnings.clone_from(&tf.warnings);
                eval_interval = tf.evaluation_interval_ms;
                if p.load_errors.is_empty() {
                    for (gi, tg) in tf.tests.iter().enumerate() {
                        let ran = outcomes.next_if(|(job, _)| *job == (fi, gi, false));
                        groups.push(match ran {
                            Some((_, ran)) => GroupResult {
                                index: gi,
                                name: tg.display_name(),
                                skipped: false,
                                failures: ran.outcome.failures,
                                passes_with: ran.passes_with,
                                steps: ran.outcome.steps,
                                duration: ran.duration,
                            },
                            None => GroupResult {
                                index: gi,
                                name: tg.display_name(),
                                skipped: true,
                                failures: Vec::new(),
                                passes_with: None,
                                steps: 0,
                                duration: std::time::Duration::ZERO,
                            },
                        });
                    }
                    exercised = Some(coverage::Exercised::new(
                        tf,
                        |gi| groups.get(gi).is_some_and(|g| !g.skipped),
                        p.rule_files,
                    ));
                }
            }
            // With 2.x's names the file loads; it passes that way if every group that ran
            // passes, or passes with more 2.x semantics.
            let passes_with = p.with_v2_names.as_ref().and_then(|_| {
                let mut needed =
                    compat::Differences::default().with(Difference::HoltWintersRenamed);
                let mut passes = true;
                while let Some((_, ran)) = outcomes.next_if(|(job, _)| job.0 == fi && job.2) {
                    match (&ran.passes_with, ran.outcome.failures.is_empty()) {
                        (_, true) => {}
                        (Some(PassesWith::AnyOf(any)), false) => needed = needed.with(any[0]),
                        (Some(PassesWith::AllOf(all)), false) => {
                            needed = needed.union(compat::Differences::of(all.iter().copied()));
                        }
                        (None, false) => passes = false,
                    }
                }
                passes.then(|| PassesWith::AllOf(needed.iter().collect()))
            });
            FileResult {
                path: p.path,
                load_errors: p.load_errors,
                passes_with,
                warnings,
                groups,
                evaluation_interval_ms: eval_interval,
                exercised,
            }
        })
        .collect()
}

fn selected(opts: &Options, name: &str) -> bool {
    opts.run.is_empty() || opts.run.iter().any(|r| r.is_match(name))
}
