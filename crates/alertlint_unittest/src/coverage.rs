//! `alertlint test --coverage`: which rules the test groups that ran exercise.
//!
//! The rule files in scope are those the test files that loaded name in `rule_files`, plus
//! any given with `--rules` ([`load_coverage_rules`]), so that a rule file no test loads shows
//! up. For each alerting rule, [`compute_coverage`] counts the `alert_rule_test` entries that
//! name it (in test files that load its file, of test groups that ran), those expecting alerts
//! and those expecting none; a recording rule is reached when a `promql_expr_test` reads its
//! series, or a tested alert does, directly or through other recording rules. Typed data
//! only: the reports render it.

use super::FileResult;
use super::model::TestFile;
use alertlint_linter::load::{PathError, load_rule_files};
use alertlint_linter::model::{Dialect, LoadProblemKind, RuleFile};
use promql::syntax::{Expr, MatchOp, VectorSelector};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The version of the JSON `coverage` object: raised when a field changes meaning or goes.
pub const COVERAGE_VERSION: u32 = 1;

/// What the test groups of one loaded test file that ran exercise, kept by
/// [`super::run_files`] for [`compute_coverage`].
#[derive(Debug)]
pub(crate) struct Exercised {
    /// The rule files the test file loads, as they were loaded for the run.
    rule_files: Vec<RuleFile>,
    /// Each `alert_rule_test` of the groups that ran: the alert's name, and whether it
    /// expects alerts (non-empty `exp_alerts`).
    alert_asserts: Vec<(String, bool)>,
    /// The series each `promql_expr_test` of the groups that ran reads, selector by selector.
    expr_reads: Vec<NameMatchers>,
}

impl Exercised {
    /// What the groups of `file` for which `ran(group index)` holds exercise.
    pub(crate) fn new(
        file: &TestFile,
        ran: impl Fn(usize) -> bool,
        rule_files: Vec<RuleFile>,
    ) -> Self {
        let groups = file.tests.iter().enumerate().filter(|(i, _)| ran(*i));
        let mut alert_asserts = Vec::new();
        let mut expr_reads = Vec::new();
        for (_, group) in groups {
            for test in &group.alert_tests {
                alert_asserts.push((test.alertname.clone(), !test.exp_alerts.is_empty()));
            }
            for test in &group.promql_tests {
                expr_reads.extend(names_read(&test.expr));
            }
        }
        Exercised {
            rule_files,
            alert_asserts,
            expr_reads,
        }
    }
}

/// What one selector says of the metric names it reads: its `__name__` matchers, the name
/// written before the braces being an equality matcher. A selector without any reads every
/// name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NameMatchers(Vec<(MatchOp, String)>);

impl NameMatchers {
    fn of(selector: &VectorSelector) -> NameMatchers {
        let before_braces = selector
            .name
            .iter()
            .map(|n| (MatchOp::Equal, n.name.to_string()));
        let in_braces = selector
            .matchers
            .iter()
            .filter(|m| m.name.name == "__name__")
            .map(|m| (m.op, m.value.value.to_string()));
        NameMatchers(before_braces.chain(in_braces).collect())
    }

    /// The one name the selector can read, when it says so with an equality matcher.
    fn exact(&self) -> Option<&str> {
        self.0
            .iter()
            .find(|(op, _)| *op == MatchOp::Equal)
            .map(|(_, name)| name.as_str())
    }

    /// Whether series named `name` are selected.
    fn accepts(&self, name: &str) -> bool {
        self.0.iter().all(|(op, value)| match op {
            MatchOp::Equal => value == name,
            MatchOp::NotEqual => value != name,
            // The parser has refused a regex that does not compile: `None` does not happen.
            MatchOp::Regex => promql::syntax::matcher_regex_matches(value, name) == Some(true),
            MatchOp::NotRegex => promql::syntax::matcher_regex_matches(value, name) == Some(false),
        })
    }
}

/// The name matchers of every selector of `expr` (instant and range selectors, at any depth).
pub(crate) fn names_read(expr: &Expr) -> Vec<NameMatchers> {
    fn walk(expr: &Expr, out: &mut Vec<NameMatchers>) {
        match expr {
            Expr::Number(_) | Expr::String(_) => {}
            Expr::Selector(v) => out.push(NameMatchers::of(v)),
            Expr::Matrix(m) => out.push(NameMatchers::of(&m.selector)),
            Expr::Subquery(s) => walk(&s.expr, out),
            Expr::Paren(p) => walk(&p.expr, out),
            Expr::Unary(u) => walk(&u.expr, out),
            Expr::Call(c) => c.args.iter().for_each(|a| walk(a, out)),
            Expr::Aggregate(a) => {
                if let Some(p) = &a.param {
                    walk(p, out);
                }
                walk(&a.expr, out);
            }
            Expr::Binary(b) => {
                walk(&b.lhs, out);
                walk(&b.rhs, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(expr, &mut out);
    out
}

/// A recording rule as reachability sees it: the series it writes and those it reads.
#[derive(Debug)]
pub(crate) struct RecordReads<'a> {
    pub(crate) name: &'a str,
    pub(crate) reads: &'a [NameMatchers],
}

/// Which of `records` are read by `roots` (the selectors of test expressions and tested
/// alerts), directly or through the expressions of records read: one flag per record.
pub(crate) fn reached_records<'a>(
    records: &[RecordReads<'a>],
    roots: impl IntoIterator<Item = &'a NameMatchers>,
) -> Vec<bool> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        by_name.entry(r.name).or_default().push(i);
    }
    let mut reached = vec![false; records.len()];
    let mut pending: Vec<&NameMatchers> = roots.into_iter().collect();
    // Each record is reached once and its reads queued once, so cycles of records end here.
    while let Some(selector) = pending.pop() {
        let candidates: Vec<usize> = match selector.exact() {
            Some(name) => by_name.get(name).cloned().unwrap_or_default(),
            None => (0..records.len()).collect(),
        };
        for i in candidates {
            if !reached[i] && selector.accepts(records[i].name) {
                reached[i] = true;
                pending.extend(records[i].reads);
            }
        }
    }
    reached
}

/// Where a rule is: its file (as the report prints it), the line of its name, its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub file: String,
    pub line: usize,
    pub group: String,
    pub name: String,
}

/// One alerting rule of the rule files in scope, and what the tests that ran assert of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCoverage {
    pub rule: RuleRef,
    /// A test file that loaded names the rule's file in `rule_files`.
    pub file_loaded_by_tests: bool,
    /// `alert_rule_test` entries naming the alert (in test files loading its file, of test
    /// groups that ran).
    pub tests: usize,
    /// Of those, the ones with non-empty `exp_alerts`.
    pub asserted_firing: usize,
    /// Of those, the ones with empty `exp_alerts`.
    pub asserted_silent: usize,
}

impl AlertCoverage {
    /// Some test evaluates the alert.
    pub fn evaluated(&self) -> bool {
        self.tests > 0
    }
}

/// One recording rule of the rule files in scope, and whether the tests that ran reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCoverage {
    pub rule: RuleRef,
    /// A test file that loaded names the rule's file in `rule_files`.
    pub file_loaded_by_tests: bool,
    /// A `promql_expr_test` or a tested alert reads its series, directly or through other
    /// recording rules.
    pub reached: bool,
}

/// A rule file in scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFileCoverage {
    pub path: String,
    /// A test file that loaded names it in `rule_files` (else it came from `--rules` only).
    pub loaded_by_tests: bool,
}

/// What the test groups that ran cover of the rule files in scope, in file and rule order.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// The `--run` patterns: when there are some, only the test groups they select count.
    pub run_filter: Vec<String>,
    /// Test groups that ran, and all test groups of the files that loaded.
    pub groups_ran: usize,
    pub groups_total: usize,
    pub rule_files: Vec<RuleFileCoverage>,
    pub alerts: Vec<AlertCoverage>,
    pub records: Vec<RecordCoverage>,
}

impl Coverage {
    /// Alerting rules asserted firing at least once (an `alert_rule_test` naming the alert
    /// with non-empty `exp_alerts`, in a test group that ran).
    pub fn asserted_firing(&self) -> usize {
        self.alerts.iter().filter(|a| a.asserted_firing > 0).count()
    }

    /// The coverage figure `--min-coverage` holds to: alerting rules asserted firing at
    /// least once, as a percentage of all alerting rules in scope; 100 when there are none
    /// (nothing is left untested).
    pub fn firing_percent(&self) -> f64 {
        if self.alerts.is_empty() {
            100.0
        } else {
            self.asserted_firing() as f64 * 100.0 / self.alerts.len() as f64
        }
    }

    /// `Err` when [`Self::firing_percent`] is below `minimum`.
    pub fn check_minimum(&self, minimum: MinCoverage) -> Result<(), BelowMinimum> {
        // Compared as `firing * 100 < minimum * all`: exact for whole-number minimums.
        let all = self.alerts.len();
        if all > 0 && (self.asserted_firing() as f64) * 100.0 < minimum.0 * all as f64 {
            Err(BelowMinimum {
                asserted_firing: self.asserted_firing(),
                alerting_rules: all,
                percent: self.firing_percent(),
                minimum,
            })
        } else {
            Ok(())
        }
    }
}

/// A percentage as `--min-coverage` reads it: 0 to 100, `%` allowed after it.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct MinCoverage(f64);

impl MinCoverage {
    pub fn percent(self) -> f64 {
        self.0
    }
}

impl std::fmt::Display for MinCoverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// A `--min-coverage` value that is not a number from 0 to 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMinCoverage(pub String);

impl std::fmt::Display for InvalidMinCoverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid percentage {:?}: expected a number from 0 to 100",
            self.0
        )
    }
}

impl std::error::Error for InvalidMinCoverage {}

impl std::str::FromStr for MinCoverage {
    type Err = InvalidMinCoverage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let number = text.strip_suffix('%').unwrap_or(text).trim_end();
        match number.parse::<f64>() {
            Ok(p) if (0.0..=100.0).contains(&p) => Ok(MinCoverage(p)),
            _ => Err(InvalidMinCoverage(s.to_string())),
        }
    }
}

/// The coverage figure fell below `--min-coverage`.
#[derive(Debug, Clone, PartialEq)]
pub struct BelowMinimum {
    pub asserted_firing: usize,
    pub alerting_rules: usize,
    pub percent: f64,
    pub minimum: MinCoverage,
}

impl std::fmt::Display for BelowMinimum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "coverage {} ({} of {} alerting rules asserted firing) is below --min-coverage {}",
            percent_text(self.percent),
            self.asserted_firing,
            self.alerting_rules,
            self.minimum
        )
    }
}

impl std::error::Error for BelowMinimum {}

/// A percentage with one decimal, rounded down, so that a figure below a threshold never
/// prints as the threshold (`66.66…` is `66.6%`).
pub(crate) fn percent_text(percent: f64) -> String {
    format!("{:.1}%", (percent * 10.0).floor() / 10.0)
}

/// Why the `--rules` files could not be read.
#[derive(Debug)]
pub enum RulesError {
    /// A path that does not exist or cannot be walked.
    Path(PathError),
    /// A rule file that is not valid YAML (or not text): its rules cannot be counted.
    Unreadable {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl std::fmt::Display for RulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RulesError::Path(e) => write!(f, "--rules {e}"),
            RulesError::Unreadable {
                file,
                line,
                column,
                message,
            } => write!(f, "--rules {file}:{line}:{column}: {message}"),
        }
    }
}

impl std::error::Error for RulesError {}

/// The rule files under `paths`, found as `alertlint check` finds them (directories walked
/// for `.yml`/`.yaml`, honouring `.gitignore`; YAML that is not rules, such as the unit-test
/// files themselves, left out). A file that is not valid YAML is an error: none of its rules
/// could be counted. Other problems (unknown fields, wrong types) are `alertlint check`'s to
/// report; the rules that were read count.
pub fn load_coverage_rules(paths: &[PathBuf]) -> Result<Vec<RuleFile>, RulesError> {
    let (files, _) = load_rule_files(paths, &[], Dialect::Prometheus).map_err(RulesError::Path)?;
    for f in &files {
        if let Some(p) = f
            .problems
            .iter()
            .find(|p| p.kind == LoadProblemKind::Syntax)
        {
            let at = f.source.line_col(p.span.start);
            return Err(RulesError::Unreadable {
                file: f.source.display_path(),
                line: at.line,
                column: at.col,
                message: p.message.clone(),
            });
        }
    }
    Ok(files)
}

/// `path` without `.` and with `dir/..` folded, as reports print a rule file reached as
/// `tests/../rules/x.yml`. For display only: a rule file is known by its canonical path.
fn tidy_path(path: &Path) -> String {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    let tidy: PathBuf = out.iter().collect();
    if tidy.as_os_str().is_empty() {
        alertlint_diagnostics::source::display_path(path)
    } else {
        alertlint_diagnostics::source::display_path(&tidy)
    }
}

/// How a rule file is known across test files and `--rules`: the same file reached by two
/// relative paths is one file.
fn file_key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// A rule of a file in scope, as the computation reads it.
struct RuleFacts {
    rule: RuleRef,
    alert: bool,
    reads: Vec<NameMatchers>,
}

/// The `alert_rule_test` entries found so far for one alerting rule.
#[derive(Debug, Clone, Copy, Default)]
struct AssertCounts {
    tests: usize,
    firing: usize,
    silent: usize,
}

impl AssertCounts {
    fn add(&mut self, other: AssertCounts) {
        self.tests += other.tests;
        self.firing += other.firing;
        self.silent += other.silent;
    }
}

/// One rule file in scope, its rules and what has been found of them so far.
struct FileInScope {
    path: String,
    loaded_by_tests: bool,
    rules: Vec<RuleFacts>,
    /// Per rule (alerts only; records keep zeros).
    asserts: Vec<AssertCounts>,
    /// Per rule (records only).
    reached: Vec<bool>,
}

fn facts(file: &RuleFile) -> Vec<RuleFacts> {
    let path = tidy_path(&file.source.path);
    let mut out = Vec::new();
    for group in &file.groups {
        for rule in &group.rules {
            if rule.alert.is_none() && rule.record.is_none() {
                continue;
            }
            let reads = match &rule.promql {
                Some(Ok(expr)) => names_read(expr),
                _ => Vec::new(),
            };
            out.push(RuleFacts {
                rule: RuleRef {
                    file: path.clone(),
                    line: file.source.line_col(rule.name_span().start).line,
                    group: group
                        .name
                        .as_ref()
                        .map(|n| n.value.clone())
                        .unwrap_or_default(),
                    name: rule.name().to_string(),
                },
                alert: rule.is_alert(),
                reads,
            });
        }
    }
    out
}

/// What the test groups that ran (per `results`) cover of the rule files they load and of
/// `extra_rule_files` (`--rules`). `run_filter` is the `--run` patterns, for the report.
pub fn compute_coverage(
    results: &[FileResult],
    extra_rule_files: &[RuleFile],
    run_filter: &[String],
) -> Coverage {
    // The rule files in scope, each once, known by canonical path.
    let mut keys: HashMap<PathBuf, usize> = HashMap::new();
    let mut files: Vec<FileInScope> = Vec::new();
    let mut add = |file: &RuleFile, by_tests: bool, files: &mut Vec<FileInScope>| -> usize {
        let key = file_key(&file.source.path);
        let i = *keys.entry(key).or_insert_with(|| {
            let rules = facts(file);
            files.push(FileInScope {
                path: tidy_path(&file.source.path),
                loaded_by_tests: false,
                asserts: vec![AssertCounts::default(); rules.len()],
                reached: vec![false; rules.len()],
                rules,
            });
            files.len() - 1
        });
        files[i].loaded_by_tests |= by_tests;
        i
    };
    let exercised: Vec<(&Exercised, Vec<usize>)> = results
        .iter()
        .filter_map(|r| r.exercised.as_ref())
        .map(|e| {
            // A file named twice in `rule_files` is still one file's rules.
            let mut in_scope: Vec<usize> = Vec::new();
            for f in &e.rule_files {
                let i = add(f, true, &mut files);
                if !in_scope.contains(&i) {
                    in_scope.push(i);
                }
            }
            (e, in_scope)
        })
        .collect();
    for f in extra_rule_files {
        add(f, false, &mut files);
    }

    for (e, in_scope) in &exercised {
        // Alert asserts count for every alerting rule of that name in the files this test
        // file loads (the runner compares the alerts of all of them).
        let mut by_alert: HashMap<&str, AssertCounts> = HashMap::new();
        for (name, firing) in &e.alert_asserts {
            let counts = by_alert.entry(name.as_str()).or_default();
            counts.tests += 1;
            if *firing {
                counts.firing += 1;
            } else {
                counts.silent += 1;
            }
        }
        for &fi in in_scope {
            let file = &mut files[fi];
            for (ri, rule) in file.rules.iter().enumerate() {
                if let Some(counts) = by_alert.get(rule.rule.name.as_str())
                    && rule.alert
                {
                    file.asserts[ri].add(*counts);
                }
            }
        }
        // Recording rules: reached from the test expressions and the tested alerts of this
        // test file, through the recording rules of the files it loads.
        let mut records: Vec<RecordReads> = Vec::new();
        let mut record_at: Vec<(usize, usize)> = Vec::new();
        let mut roots: Vec<&NameMatchers> = e.expr_reads.iter().collect();
        for &fi in in_scope {
            for (ri, rule) in files[fi].rules.iter().enumerate() {
                if !rule.alert {
                    records.push(RecordReads {
                        name: &rule.rule.name,
                        reads: &rule.reads,
                    });
                    record_at.push((fi, ri));
                } else if by_alert.contains_key(rule.rule.name.as_str()) {
                    roots.extend(&rule.reads);
                }
            }
        }
        let reached = reached_records(&records, roots);
        let newly: Vec<(usize, usize)> = record_at
            .into_iter()
            .zip(reached)
            .filter_map(|(at, r)| r.then_some(at))
            .collect();
        for (fi, ri) in newly {
            files[fi].reached[ri] = true;
        }
    }

    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut coverage = Coverage {
        run_filter: run_filter.to_vec(),
        groups_ran: 0,
        groups_total: 0,
        rule_files: Vec::new(),
        alerts: Vec::new(),
        records: Vec::new(),
    };
    for r in results.iter().filter(|r| r.exercised.is_some()) {
        coverage.groups_total += r.groups.len();
        coverage.groups_ran += r.groups.iter().filter(|g| !g.skipped).count();
    }
    for file in files {
        coverage.rule_files.push(RuleFileCoverage {
            path: file.path,
            loaded_by_tests: file.loaded_by_tests,
        });
        for ((rule, asserts), reached) in file.rules.into_iter().zip(file.asserts).zip(file.reached)
        {
            if rule.alert {
                coverage.alerts.push(AlertCoverage {
                    rule: rule.rule,
                    file_loaded_by_tests: file.loaded_by_tests,
                    tests: asserts.tests,
                    asserted_firing: asserts.firing,
                    asserted_silent: asserts.silent,
                });
            } else {
                coverage.records.push(RecordCoverage {
                    rule: rule.rule,
                    file_loaded_by_tests: file.loaded_by_tests,
                    reached,
                });
            }
        }
    }
    coverage
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(expr: &str) -> Vec<NameMatchers> {
        names_read(&promql::parse(expr).expect("parses"))
    }

    /// `records` as (name, expression) pairs, and `roots` as expressions: the names reached.
    fn reach(records: &[(&str, &str)], roots: &[&str]) -> Vec<String> {
        let parsed: Vec<(&str, Vec<NameMatchers>)> =
            records.iter().map(|(n, e)| (*n, reads(e))).collect();
        let records: Vec<RecordReads> = parsed
            .iter()
            .map(|(name, reads)| RecordReads { name, reads })
            .collect();
        let roots: Vec<NameMatchers> = roots.iter().flat_map(|e| reads(e)).collect();
        let reached = reached_records(&records, &roots);
        records
            .iter()
            .zip(reached)
            .filter(|(_, r)| *r)
            .map(|(r, _)| r.name.to_string())
            .collect()
    }

    const CHAIN: [(&str, &str); 4] = [
        ("job:errors:rate5m", "sum by (job) (rate(errors_total[5m]))"),
        (
            "job:requests:rate5m",
            "sum by (job) (rate(requests_total[5m]))",
        ),
        (
            "job:error_ratio:rate5m",
            "job:errors:rate5m / job:requests:rate5m",
        ),
        (
            "job:latency:p99",
            "histogram_quantile(0.99, latency_bucket)",
        ),
    ];

    /// A test that reads the ratio reaches the two records the ratio reads, not the others.
    #[test]
    fn reading_a_record_reaches_the_records_it_reads() {
        assert_eq!(
            reach(&CHAIN, &["job:error_ratio:rate5m > 0.1"]),
            [
                "job:errors:rate5m",
                "job:requests:rate5m",
                "job:error_ratio:rate5m"
            ]
        );
    }

    /// Through more than one level, inside functions, aggregations and subqueries.
    #[test]
    fn reach_is_transitive_at_any_depth() {
        let records = [
            ("level:one", "raw_metric"),
            ("level:two", "max_over_time(level:one[5m])"),
            ("level:three", "sum(rate(level:two[1m:10s]))"),
            ("unrelated", "other_metric"),
        ];
        assert_eq!(
            reach(&records, &["-(level:three)"]),
            ["level:one", "level:two", "level:three"]
        );
        assert_eq!(reach(&records, &["level:two"]), ["level:one", "level:two"]);
    }

    /// Raw series and nothing reach nothing; records that read each other end.
    #[test]
    fn raw_series_reach_no_record_and_cycles_end() {
        assert!(reach(&CHAIN, &["errors_total", "vector(1)"]).is_empty());
        assert!(reach(&CHAIN, &[]).is_empty());
        let cycle = [("a:x", "b:x"), ("b:x", "a:x"), ("c:x", "up")];
        assert_eq!(reach(&cycle, &["a:x"]), ["a:x", "b:x"]);
    }

    /// A `__name__` regex reaches the records it matches; `!=` and `!~` leave theirs out; a
    /// selector without a name reads every series.
    #[test]
    fn name_matchers_select_records_by_name() {
        assert_eq!(
            reach(&CHAIN, &[r#"{__name__=~"job:(errors|requests):.*"}"#]),
            ["job:errors:rate5m", "job:requests:rate5m"]
        );
        assert_eq!(
            reach(
                &CHAIN,
                &[r#"{__name__=~"job:.*", __name__!~".*ratio.*", __name__!="job:latency:p99"}"#]
            ),
            ["job:errors:rate5m", "job:requests:rate5m"]
        );
        assert_eq!(reach(&CHAIN, &[r#"{job="api"}"#]).len(), CHAIN.len());
    }

    #[test]
    fn min_coverage_reads_0_to_100() {
        let ok = |s: &str| s.parse::<MinCoverage>().map(MinCoverage::percent);
        assert_eq!(ok("80"), Ok(80.0));
        assert_eq!(ok("87.5%"), Ok(87.5));
        assert_eq!(ok("0"), Ok(0.0));
        assert_eq!(ok("100"), Ok(100.0));
        for bad in ["-1", "100.1", "NaN", "inf", "", "eighty"] {
            assert!(ok(bad).is_err(), "{bad}");
        }
    }

    fn alert(name: &str, firing: usize) -> AlertCoverage {
        AlertCoverage {
            rule: RuleRef {
                file: "r.yml".to_string(),
                line: 1,
                group: "g".to_string(),
                name: name.to_string(),
            },
            file_loaded_by_tests: true,
            tests: firing,
            asserted_firing: firing,
            asserted_silent: 0,
        }
    }

    /// 2 of 3 asserted firing is 66.66…%: at least 66 and 66.6, below 66.7 and 67; it
    /// prints as 66.6%, rounded down. No alerting rules at all is 100%.
    #[test]
    fn the_minimum_compares_the_share_of_alerts_asserted_firing() {
        let coverage = Coverage {
            run_filter: Vec::new(),
            groups_ran: 1,
            groups_total: 1,
            rule_files: Vec::new(),
            alerts: vec![alert("A", 1), alert("B", 2), alert("C", 0)],
            records: Vec::new(),
        };
        let min = |s: &str| s.parse::<MinCoverage>().expect("valid");
        assert!(coverage.check_minimum(min("66")).is_ok());
        assert!(coverage.check_minimum(min("66.6")).is_ok());
        let below = coverage.check_minimum(min("66.7")).expect_err("below");
        assert_eq!(
            below.to_string(),
            "coverage 66.6% (2 of 3 alerting rules asserted firing) is below --min-coverage 66.7%"
        );
        assert!(coverage.check_minimum(min("67")).is_err());
        let none = Coverage {
            alerts: Vec::new(),
            ..coverage
        };
        assert_eq!(none.firing_percent(), 100.0);
        assert!(none.check_minimum(min("100")).is_ok());
    }

    #[test]
    fn rule_file_paths_are_tidied_for_display() {
        assert_eq!(tidy_path(Path::new("tests/../rules/a.yml")), "rules/a.yml");
        assert_eq!(tidy_path(Path::new("./../rules/a.yml")), "../rules/a.yml");
        assert_eq!(tidy_path(Path::new("a/./b/../../c.yml")), "c.yml");
    }
}
