//! `promtool test rules` as an oracle for `alertlint test`: what promtool made of a unit-test
//! file (could it load it, which checks failed), read from its output, and the same read from
//! `alertlint test --format json`. Shared by tier 1 (verdicts recorded in
//! `fixtures/oracle/promtool-test-rules.json`) and the oracle tier (promtool live).
//!
//! Exit codes are not compared as such: promtool exits 1 both when a test fails and when it
//! cannot load a file (or a rule file, or a test group's input), while alertlint exits 1 for
//! failed tests and 2 for files it cannot load. What is compared is their meaning: whether the
//! file loaded, and which checks failed.
//!
//! What promtool 2.42 prints names a failure by its kind, the alert name, expression or rule,
//! and the evaluation time; it names the test group only for alert failures (and only when the
//! group has a name), so the test group is compared where promtool gives it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) const RECORDING: &str = "promtool-test-rules.json";

/// The folder of alertlint's own unit-test cases: `*.test.yml` test files, `*.rules.yml` rule
/// files, nothing else.
pub(crate) const CASES: &str = "fixtures/unittest/cases";

/// Case files that promtool 2.42 refuses for a key of the test-file format it does not know
/// yet (`fuzzy_compare`, `start_timestamp`, an expected sample's `histogram`). What they test
/// is no different in 2.x, so `alertlint test --prometheus-version 2` reads these keys all
/// the same and is not held to 2.42's verdict on them.
const NEWER_FILE_FORMAT: [&str; 3] = [
    "fuzzy-compare.test.yml",
    "native-histogram.test.yml",
    "start-timestamp.test.yml",
];

/// [`NEWER_FILE_FORMAT`], relative to the repository root.
pub(crate) fn newer_file_format() -> Vec<String> {
    NEWER_FILE_FORMAT
        .iter()
        .map(|f| format!("{CASES}/{f}"))
        .collect()
}

/// `fixtures/oracle/promtool-test-rules.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Recording {
    /// `promtool --version`'s first line when recorded.
    pub promtool: String,
    /// Test file (relative to the repository root) → what `promtool test rules FILE` gave,
    /// run in the file's directory.
    pub verdicts: BTreeMap<String, Verdict>,
    /// Test file → why Prometheus 3.x (which alertlint follows) gives another result than the
    /// recorded 2.42. Written by hand, kept when re-recording.
    #[serde(default)]
    pub differs_in_3x: BTreeMap<String, String>,
}

/// What one test run gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Verdict {
    /// The raw exit code, for the record only (see the module documentation): promtool 0/1,
    /// alertlint 0/1/2.
    pub exit_code: i32,
    /// The file, the rule files it names and every test group's input could be loaded.
    pub loaded: bool,
    /// What was printed instead of test results when something could not be loaded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_errors: Vec<String>,
    /// The failed checks, sorted.
    pub failures: Vec<Failure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    /// An `alert_rule_test` whose alerts differ.
    Alert,
    /// A `promql_expr_test` whose samples differ.
    Expr,
    /// A `promql_expr_test` whose query failed.
    ExprError,
    /// A rule that failed to evaluate (the test group stops there).
    RuleError,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Failure {
    /// The test group's name, where promtool prints it: alert failures of named groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    pub kind: Kind,
    /// The alert name, the expression, or the rule's name.
    pub name: String,
    /// The evaluation time as printed (`5m`, Go's `1m0s`), compared as a duration.
    pub time: String,
}

/// A failure as compared: test group (where promtool names it), kind, alert name / expression /
/// rule, evaluation time in milliseconds.
pub(crate) type FailureKey = (Option<String>, Kind, String, Option<u64>);

impl Failure {
    /// What identifies the failure across the two tools.
    pub(crate) fn key(&self) -> FailureKey {
        (
            self.test.clone(),
            self.kind,
            self.name.trim().to_string(),
            duration_ms(&self.time),
        )
    }
}

/// `5m`, `1d`, `1m30s`, `2m59s999ms`, `1.5s` (Prometheus' and Go's duration notations) in
/// milliseconds; `None` if not a duration.
pub(crate) fn duration_ms(text: &str) -> Option<u64> {
    let unit_re =
        regex::Regex::new(r"^([0-9]+(?:\.[0-9]+)?)(ms|us|µs|ns|y|w|d|h|m|s)").expect("regex");
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0_f64;
    while !rest.is_empty() {
        let c = unit_re.captures(rest)?;
        let n: f64 = c[1].parse().ok()?;
        let unit_ms = match &c[2] {
            "y" => 365.0 * 86_400_000.0,
            "w" => 7.0 * 86_400_000.0,
            "d" => 86_400_000.0,
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1_000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            _ => 0.000_001,
        };
        total += n * unit_ms;
        rest = &rest[c[0].len()..];
    }
    Some(total.round() as u64)
}

/// The unit-test files whose promtool verdicts are recorded, relative to the repository root
/// and sorted: every `*.test.yml` under [`CASES`], the test files directly in
/// `fixtures/unittest/`, and the tests of the example rule set that promtool can read (not those
/// naming a `PrometheusRule` manifest).
pub(crate) fn inputs() -> Vec<PathBuf> {
    let root = super::oracle::root();
    let mut files: Vec<PathBuf> = case_files()
        .into_iter()
        .filter(|p| is_case_test(p))
        .collect();
    for dir in ["fixtures/unittest", "rules-examples/tests"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = entry.expect("entry").path();
            let yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
            if yaml && is_test_file(&path) && !names_a_manifest(&path) {
                files.push(path);
            }
        }
    }
    let mut files: Vec<PathBuf> = files
        .into_iter()
        .map(|p| p.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(p))
        .collect();
    files.sort();
    files
}

/// Every YAML file under [`CASES`] (absolute paths, sorted).
pub(crate) fn case_files() -> Vec<PathBuf> {
    super::oracle::yaml_files_under(&super::oracle::root().join(CASES))
}

/// A test file of [`CASES`], by its name.
pub(crate) fn is_case_test(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".test.yml")
}

/// A rule file of [`CASES`], by its name.
pub(crate) fn is_case_rules(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".rules.yml")
}

/// A unit-test file (a top-level `tests:` key), not a rule file.
fn is_test_file(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.lines().any(|l| l.starts_with("tests:")))
}

/// The rule files a test file lists under `rule_files:` (a block list, as the project writes
/// them), resolved against its directory.
fn rule_files_of(path: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    let mut in_list = false;
    for line in text.lines() {
        if line.starts_with("rule_files:") {
            in_list = true;
        } else if in_list {
            match line.trim_start().strip_prefix("- ") {
                Some(item) if line.starts_with(' ') => {
                    files.push(dir.join(item.trim().trim_matches(['\'', '"'])));
                }
                _ if line.trim().is_empty() || line.trim_start().starts_with('#') => {}
                _ => in_list = false,
            }
        }
    }
    files
}

/// Whether a rule file the test file names is a Kubernetes `PrometheusRule` manifest, which
/// promtool cannot read.
fn names_a_manifest(path: &Path) -> bool {
    rule_files_of(path).iter().any(|f| {
        std::fs::read_to_string(f).is_ok_and(|t| t.lines().any(|l| l == "kind: PrometheusRule"))
    })
}

/// Runs `promtool test rules FILE` in the file's directory (`path` relative to the repository
/// root) and reads its verdict.
pub(crate) fn run_promtool(promtool: &str, path: &Path) -> Verdict {
    let abs = super::oracle::root().join(path);
    let out = Command::new(promtool)
        .args(["test", "rules"])
        .arg(abs.file_name().expect("file name"))
        .current_dir(abs.parent().expect("directory"))
        .output()
        .unwrap_or_else(|e| panic!("{promtool}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let verdict = read_promtool_output(&text, out.status.code().unwrap_or(-1));
    // promtool exits 0 exactly when everything loaded and passed: anything else means its
    // output was misread.
    assert_eq!(
        verdict.exit_code == 0,
        verdict.loaded && verdict.failures.is_empty(),
        "{}: exit code {} but read {verdict:?} from:\n{text}",
        path.display(),
        verdict.exit_code
    );
    verdict
}

/// The end of a Go-quoted string at the start of `s` (which starts with `"`), and its value.
fn go_quoted(s: &str) -> Option<(String, &str)> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => {
                let quoted = &s[..=i];
                let value = serde_json::from_str(quoted)
                    .unwrap_or_else(|_| quoted[1..quoted.len() - 1].to_string());
                return Some((value, &s[i + 1..]));
            }
            _ => {}
        }
    }
    None
}

/// `NAME, time: T, ...` → (NAME, T, whether an `err:` follows).
fn name_and_time(s: &str) -> Option<(String, String, bool)> {
    let (name, rest) = s.split_once(", time: ")?;
    let (time, rest) = rest.split_once(',').unwrap_or((rest, ""));
    Some((
        name.to_string(),
        time.trim().to_string(),
        rest.trim_start().starts_with("err:"),
    ))
}

fn misread(line: &str, text: &str) -> ! {
    panic!("unexpected promtool output line {line:?} in:\n{text}")
}

/// promtool 2.42's verdict on one file from what it printed (stdout then stderr). After
/// `FAILED:`, a failure starts with a line indented by four spaces (`name:`, then `alertname:`,
/// `expr:` or `rule:`), its details are indented further, and any other line is an error that
/// kept the file, a rule file or a test group's input from loading.
pub(crate) fn read_promtool_output(text: &str, exit_code: i32) -> Verdict {
    let mut failures = Vec::new();
    let mut load_errors = Vec::new();
    let mut in_failed = false;
    let mut test: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed == "FAILED:" {
            in_failed = true;
            continue;
        }
        if !in_failed || trimmed.is_empty() || line.starts_with("Unit Testing:") {
            continue;
        }
        if let Some(name) = line.strip_prefix("    name: ") {
            test = Some(name.trim_end().trim_end_matches(',').to_string());
        } else if let Some(rest) = line.strip_prefix("    alertname: ") {
            let Some((name, time, _)) = name_and_time(rest) else {
                misread(line, text)
            };
            failures.push(Failure {
                test: test.take(),
                kind: Kind::Alert,
                name,
                time,
            });
        } else if let Some(rest) = line.strip_prefix("    expr: ") {
            let Some((expr, rest)) = go_quoted(rest) else {
                misread(line, text)
            };
            let Some((_, time, error)) = name_and_time(rest) else {
                misread(line, text)
            };
            test = None;
            failures.push(Failure {
                test: None,
                kind: if error { Kind::ExprError } else { Kind::Expr },
                name: expr,
                time,
            });
        } else if let Some(rest) = line.strip_prefix("    rule: ") {
            let Some((name, time, _)) = name_and_time(rest) else {
                misread(line, text)
            };
            test = None;
            failures.push(Failure {
                test: None,
                kind: Kind::RuleError,
                name,
                time,
            });
        } else if line.starts_with("        ") {
            // The expected and got values of the failure above.
        } else {
            load_errors.push(line.trim_end().to_string());
        }
    }
    failures.sort();
    Verdict {
        exit_code,
        loaded: load_errors.is_empty(),
        load_errors,
        failures,
    }
}

/// Runs `alertlint test ARGS` in `dir` without colours: exit code and standard output.
pub(crate) fn alertlint_test(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = super::alertlint()
        .current_dir(dir)
        .args(["test", "--color", "never"])
        .args(args)
        .output()
        .expect("run alertlint test");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// `alertlint test --format json FILE` in the file's directory (`path` relative to the
/// repository root), read into the same shape as promtool's verdict: test groups named only
/// where promtool names them.
pub(crate) fn run_alertlint(path: &Path) -> Verdict {
    run_alertlint_with(path, &[])
}

/// [`run_alertlint`] with more arguments (`--prometheus-version 2`).
pub(crate) fn run_alertlint_with(path: &Path, args: &[&str]) -> Verdict {
    let abs = super::oracle::root().join(path);
    let file = abs.file_name().expect("file name").to_string_lossy();
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    all.push(file.as_ref());
    let (exit_code, out) = alertlint_test(abs.parent().expect("directory"), &all);
    let doc: serde_json::Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("{}: not JSON ({e}):\n{out}", path.display()));
    let report = &doc["files"][0];
    let str_of = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let load_errors: Vec<String> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{}:{}:{}: {}",
                str_of(&e["file"]),
                e["line"],
                e["column"],
                str_of(&e["message"])
            )
        })
        .collect();
    let mut failures = Vec::new();
    for group in report["tests"].as_array().into_iter().flatten() {
        let name = str_of(&group["name"]);
        for f in group["failures"].as_array().into_iter().flatten() {
            let (kind, what, time) = match f["kind"].as_str().unwrap_or_default() {
                "alert_rule_test" => (Kind::Alert, &f["alertname"], &f["eval_time"]),
                "promql_expr_test" => (Kind::Expr, &f["expr"], &f["eval_time"]),
                "promql_expr_error" => (Kind::ExprError, &f["expr"], &f["eval_time"]),
                "rule_error" => (Kind::RuleError, &f["rule"], &f["time"]),
                other => panic!("{}: unknown failure kind {other:?}", path.display()),
            };
            failures.push(Failure {
                test: (kind == Kind::Alert && !name.is_empty()).then(|| name.clone()),
                kind,
                name: str_of(what),
                time: str_of(time),
            });
        }
    }
    failures.sort();
    Verdict {
        exit_code,
        loaded: report["status"] != "error",
        load_errors,
        failures,
    }
}

/// Whether alertlint's verdict means the same as the recorded promtool one: the same
/// loadability and the same failed checks (by kind, test group where promtool names it, alert
/// name, expression or rule, and evaluation time), whatever the exit codes (promtool 1 for an
/// unloadable file, alertlint 2). alertlint's exit code must match its own verdict.
pub(crate) fn compare(path: &Path, promtool: &Verdict, ours: &Verdict) -> Result<(), String> {
    let want_code = if ours.loaded {
        i32::from(!ours.failures.is_empty())
    } else {
        2
    };
    if ours.exit_code != want_code {
        return Err(format!(
            "{}: alertlint exited {} but reported {ours:?}",
            path.display(),
            ours.exit_code
        ));
    }
    if promtool.loaded != ours.loaded {
        return Err(format!(
            "{}: promtool loaded={} {:?}, alertlint loaded={} {:?}",
            path.display(),
            promtool.loaded,
            promtool.load_errors,
            ours.loaded,
            ours.load_errors
        ));
    }
    let mut want: Vec<_> = promtool.failures.iter().map(Failure::key).collect();
    let mut got: Vec<_> = ours.failures.iter().map(Failure::key).collect();
    want.sort();
    got.sort();
    if want != got {
        let only = |a: &[FailureKey], b: &[FailureKey]| -> Vec<String> {
            a.iter()
                .filter(|k| !b.contains(k))
                .map(|k| format!("{k:?}"))
                .collect()
        };
        return Err(format!(
            "{}: failures differ\n  promtool only: {:?}\n  alertlint only: {:?}",
            path.display(),
            only(&want, &got),
            only(&got, &want)
        ));
    }
    Ok(())
}
