//! The GitHub Action's check step (`scripts/action-run.sh`) and `alertlint check --output`, run
//! as CI runs them: SARIF that code scanning accepts, the exit codes of the README, and no
//! report file, empty or stale, after a run that could not check.
#![cfg(unix)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const BIN: &str = env!("CARGO_BIN_EXE_alertlint");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn finish(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the action's script from the repository root (as the action runs from the workspace),
/// with only the given inputs set.
fn action(inputs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new("bash");
    cmd.arg("scripts/action-run.sh")
        .current_dir(ROOT)
        .env("ALERTLINT", BIN)
        .env_remove("GITHUB_OUTPUT");
    for var in [
        "INPUT_PATHS",
        "INPUT_CONFIG",
        "INPUT_FORMAT",
        "INPUT_FAIL_ON",
        "INPUT_SARIF_FILE",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    finish(&mut cmd)
}

fn alertlint(args: &[&str]) -> Run {
    finish(Command::new(BIN).args(args).current_dir(ROOT))
}

fn read_sarif(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no report at {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("the report is JSON");
    assert_eq!(doc["version"], "2.1.0");
    assert!(
        doc["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-2.1.0")),
        "$schema: {}",
        doc["$schema"]
    );
    let driver = &doc["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "alertlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["rules"].as_array().is_some_and(|r| !r.is_empty()),
        "the checks are listed as rules"
    );
    assert!(
        doc["runs"][0]["results"].is_array(),
        "results must be a list, even when empty"
    );
    doc
}

fn results(doc: &Value) -> &Vec<Value> {
    doc["runs"][0]["results"].as_array().expect("results")
}

/// What is in a directory, sorted: to see that nothing (a temporary file) is left behind.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn sarif_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("alertlint.sarif")
}

#[test]
fn sarif_of_the_clean_examples_is_valid_and_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = sarif_in(&dir);
    let run = action(&[
        ("INPUT_PATHS", "rules-examples"),
        ("INPUT_FORMAT", "sarif"),
        ("INPUT_SARIF_FILE", sarif.to_str().expect("utf-8")),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = read_sarif(&sarif);
    assert_eq!(results(&doc).len(), 0, "rules-examples/ checks clean");
    // The report went to the file, not to the log.
    assert!(!run.stdout.contains("\"version\""), "{}", run.stdout);
    assert_eq!(entries(dir.path()), ["alertlint.sarif"]);
}

#[test]
fn sarif_of_the_broken_examples_has_located_results_and_exit_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = sarif_in(&dir);
    let path = sarif.to_str().expect("utf-8");
    let run = action(&[
        ("INPUT_PATHS", "rules-examples/broken/"),
        ("INPUT_FORMAT", "sarif"),
        ("INPUT_SARIF_FILE", path),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = read_sarif(&sarif);
    let found = results(&doc);
    assert!(!found.is_empty());
    assert!(found.iter().any(|r| r["level"] == "error"));
    // %SRCROOT% is the directory the paths are relative to (the action runs from the
    // repository root), as an absolute file URI ending in `/`, so that a viewer outside
    // GitHub resolves the results to the files.
    let root = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap_or("");
    assert_eq!(root, format!("file://{ROOT}/"));
    for r in found {
        let location = &r["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap_or("");
        // Relative to the repository root, as code scanning maps results to files.
        assert!(uri.starts_with("rules-examples/broken/"), "{r}");
        assert_eq!(
            location["artifactLocation"]["uriBaseId"], "%SRCROOT%",
            "{r}"
        );
        assert!(location["region"]["startLine"].as_u64() >= Some(1), "{r}");
        assert!(r["ruleId"].is_string() && r["message"]["text"].is_string());
    }

    // fail-on moves the exit code, not the report.
    let run = action(&[
        ("INPUT_PATHS", "rules-examples/broken/"),
        ("INPUT_FORMAT", "sarif"),
        ("INPUT_FAIL_ON", "never"),
        ("INPUT_SARIF_FILE", path),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(results(&read_sarif(&sarif)).len(), found.len());
}

#[test]
fn a_missing_path_exits_two_and_leaves_no_sarif_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = sarif_in(&dir);
    // A report from an earlier run must not survive to be uploaded as this run's.
    std::fs::write(&sarif, "stale").expect("write");
    let run = action(&[
        ("INPUT_PATHS", "rules-examples/does-not-exist/"),
        ("INPUT_FORMAT", "sarif"),
        ("INPUT_SARIF_FILE", sarif.to_str().expect("utf-8")),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("rules-examples/does-not-exist/"),
        "the message names the path: {}",
        run.stderr
    );
    assert!(!sarif.exists(), "no SARIF file after exit 2");
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn empty_paths_input_and_bad_format_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = sarif_in(&dir);
    let path = sarif.to_str().expect("utf-8");
    for paths in ["", " \n\t "] {
        let run = action(&[
            ("INPUT_PATHS", paths),
            ("INPUT_FORMAT", "sarif"),
            ("INPUT_SARIF_FILE", path),
        ]);
        assert_eq!(run.code, 2, "{paths:?}: {}", run.stderr);
        assert!(run.stderr.contains("'paths' is empty"), "{}", run.stderr);
        assert!(!sarif.exists());
    }
    let run = action(&[("INPUT_PATHS", "rules-examples"), ("INPUT_FORMAT", "xml")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("'xml'"), "{}", run.stderr);
}

#[test]
fn several_paths_split_on_whitespace_and_newlines() {
    let run = action(&[
        (
            "INPUT_PATHS",
            "rules-examples/rules\n  rules-examples/broken/structure.yaml ",
        ),
        ("INPUT_CONFIG", "rules-examples/.alertlint.yaml"),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Both paths were checked: the clean rules and the one broken file.
    assert!(
        run.stdout
            .contains("::error file=rules-examples/broken/structure.yaml,"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("in 4 rule files"), "{}", run.stdout);
}

#[test]
fn github_format_prints_annotations_and_fail_on_sets_the_exit_code() {
    let run = action(&[("INPUT_PATHS", "rules-examples/broken/")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let annotations: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert!(!annotations.is_empty(), "{}", run.stdout);
    assert!(
        annotations
            .iter()
            .all(|l| l.contains("file=rules-examples/broken/") && l.contains(",line=")),
        "{}",
        run.stdout
    );
    let run = action(&[
        ("INPUT_PATHS", "rules-examples/broken/"),
        ("INPUT_FAIL_ON", "never"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = action(&[
        ("INPUT_PATHS", "rules-examples/broken/"),
        ("INPUT_FAIL_ON", "sometimes"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn the_script_reports_its_outputs_to_github() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outputs = dir.path().join("github-output");
    let sarif = sarif_in(&dir);
    let mut cmd = Command::new("bash");
    cmd.arg("scripts/action-run.sh")
        .current_dir(ROOT)
        .env("ALERTLINT", BIN)
        .env("GITHUB_OUTPUT", &outputs)
        .env("INPUT_PATHS", "rules-examples/broken/")
        .env("INPUT_FORMAT", "sarif")
        .env("INPUT_SARIF_FILE", &sarif);
    assert_eq!(finish(&mut cmd).code, 1);
    let text = std::fs::read_to_string(&outputs).expect("outputs written");
    assert!(text.contains("exit-code=1\n"), "{text}");
    assert!(
        text.contains(&format!("sarif-file={}\n", sarif.display())),
        "{text}"
    );
}

#[test]
fn check_output_writes_the_whole_report_or_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.sarif");
    let f = file.to_str().expect("utf-8");

    // A missing path: exit 2, no file created.
    let run = alertlint(&[
        "check",
        "does-not-exist/",
        "--format",
        "sarif",
        "--output",
        f,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("does-not-exist/"), "{}", run.stderr);
    assert!(!file.exists());

    // A complete run: the report is in the file, nothing on standard output, no temporary
    // file left beside it.
    let run = alertlint(&[
        "check",
        "rules-examples/broken/",
        "--format",
        "sarif",
        "-o",
        f,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(!results(&read_sarif(&file)).is_empty());
    assert_eq!(entries(dir.path()), ["report.sarif"]);

    // A failed run does not touch an existing report either.
    let before = std::fs::read(&file).expect("read");
    let run = alertlint(&["check", "does-not-exist/", "--format", "sarif", "-o", f]);
    assert_eq!(run.code, 2);
    assert_eq!(std::fs::read(&file).expect("read"), before);

    // A report that cannot be written is an I/O error (exit 2), and leaves nothing behind.
    let nowhere = dir.path().join("no-such-dir").join("report.sarif");
    let run = alertlint(&[
        "check",
        "rules-examples/",
        "-o",
        nowhere.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
    assert_eq!(entries(dir.path()), ["report.sarif"]);

    // `-o -` is standard output.
    let run = alertlint(&["check", "rules-examples/", "--format", "json", "-o", "-"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("\"diagnostics\""), "{}", run.stdout);
}

#[test]
fn check_output_human_has_no_colours_and_the_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.txt");
    let run = alertlint(&[
        "check",
        "rules-examples/broken/",
        "-o",
        file.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(!text.contains('\u{1b}'), "no escape codes in a file");
    assert!(text.contains("Found "), "{text}");
}

#[test]
fn empty_path_arguments_are_usage_errors() {
    for args in [
        &["check", ""][..],
        &["check", "rules-examples/", ""],
        &["check", "rules-examples/", "--output", ""],
    ] {
        let run = alertlint(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("empty path"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "");
    }
}

#[test]
fn action_installs_the_version_of_this_crate_by_default() {
    let action = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).expect("action.yml");
    // The `default:` of the `version:` input (the first `default:` after it).
    let after = action
        .split_once("\n  version:")
        .expect("a version input")
        .1;
    let default = after
        .lines()
        .find_map(|l| l.trim().strip_prefix("default:"))
        .expect("a default")
        .trim()
        .trim_matches('"');
    assert_eq!(
        default,
        env!("CARGO_PKG_VERSION"),
        "action.yml installs another version than Cargo.toml's"
    );
    assert!(action.contains("scripts/action-run.sh"));
}
