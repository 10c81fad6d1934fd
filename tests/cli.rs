//! The `alertlint` binary as a user runs it: exit codes, every output format, config errors,
//! and hostile input that must produce diagnostics rather than a crash.

mod common;
use common::alertlint;

use serde_json::Value;
use std::path::Path;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = alertlint().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn examples_are_clean_and_exit_zero() {
    let (code, out, _) = run(&["check", "rules-examples/"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No problems found"), "{out}");
}

/// pre-commit names the changed files, not the rule set: a runbook linked from a file not
/// named is no orphan, an inhibit rule matching an alert of such a file is not unmatched.
#[test]
fn files_named_one_by_one_are_part_of_a_rule_set() {
    let one = "rules-examples/rules/gpu-serving.yaml";
    let (code, out, err) = run(&["check", one]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No problems found"), "{out}");
    assert!(
        err.contains("runbook/orphan and inhibit/unmatched") && err.contains("did not run"),
        "{err}"
    );
    // The same file within its directory: the whole set, so the checks run (and find nothing).
    let (code, out, err) = run(&["check", "rules-examples/rules/"]);
    assert_eq!(code, 0, "{out}");
    assert!(!err.contains("did not run"), "{err}");
    // And they do find an orphan when the whole set is named.
    let dir = common::dir_with(&[
        (
            ".alertlint.yaml",
            "runbooks: [{dir: runbooks/}]\nchecks: {alert/*: off}\n",
        ),
        (
            "rules/a.yaml",
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations: {runbook_url: runbooks/A.md}\n",
        ),
        ("runbooks/A.md", "# A\n"),
        ("runbooks/Old.md", "# Old\n"),
    ]);
    let whole = alertlint()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "rules/"])
        .output()
        .expect("runs");
    let orphans = String::from_utf8_lossy(&whole.stdout)
        .matches("runbook/orphan")
        .count();
    assert_eq!(orphans, 1, "{}", String::from_utf8_lossy(&whole.stdout));
    let named = alertlint()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "rules/a.yaml"])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&named.stdout).contains("runbook/orphan"));
}

#[test]
fn relative_runbook_url_resolves_when_the_rule_file_is_named_without_a_directory() {
    // `check rules.yaml` from the rule file's own directory: its parent is "", which must be
    // read as the current directory, not as no directory at all.
    let rule = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations: {runbook_url: runbooks/A.md}\n";
    let dir = common::dir_with(&[
        (
            ".alertlint.yaml",
            "runbooks: [{dir: runbooks/}]\nchecks: {alert/*: off, runbook/sections: off}\n",
        ),
        ("rules.yaml", rule),
        ("runbooks/A.md", "# A\n"),
    ]);
    let out = alertlint()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "rules.yaml"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("runbook/"), "{stdout}");
    // The same file with a runbook that is not there is still found missing.
    std::fs::remove_file(dir.path().join("runbooks/A.md")).expect("rm");
    let out = alertlint()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "rules.yaml"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("runbook/missing"));
}

#[test]
fn problems_exit_one_and_fail_on_moves_the_threshold() {
    let mixed = "fixtures/cli/mixed.yaml";
    assert_eq!(run(&["check", "--no-config", mixed]).0, 1);
    assert_eq!(
        run(&["check", "--no-config", "--fail-on", "never", mixed]).0,
        0
    );
    // A file with warnings only passes by default and fails with --fail-on warning.
    let warn_only = "fixtures/checks/rule__duplicate/fail.yaml";
    assert_eq!(run(&["check", "--no-config", warn_only]).0, 0);
    assert_eq!(
        run(&["check", "--no-config", "--fail-on", "warning", warn_only]).0,
        1
    );
}

#[test]
fn usage_and_io_errors_exit_two() {
    let (code, _, err) = run(&["check", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/dir"), "{err}");
    assert_eq!(run(&["check", "--format", "xml", "."]).0, 2);
    assert_eq!(run(&["explain", "alert/runbok"]).0, 2);
}

#[test]
fn usage_errors_never_print_control_characters_raw() {
    let (code, _, err) = run(&["check", "no\u{1b}]0;pwned\u{7}such.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains(['\u{1b}', '\u{7}']), "{err:?}");
    assert!(err.contains("no\\u{1b}]0;pwned\\u{7}such.yaml"), "{err}");
}

#[test]
fn config_errors_are_positioned_and_exit_two() {
    let dir = common::dir_with(&[
        (
            ".alertlint.yaml",
            "checks:\n  alert/runbok: off\npolicy:\n  tears: []\n",
        ),
        ("r.yaml", "groups: []\n"),
    ]);
    let (code, _, err) = run(&["check", dir.path().to_str().expect("utf8")]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown check `alert/runbok`"), "{err}");
    assert!(
        err.contains("unknown key `tears` in policy; did you mean `teams`?"),
        "{err}"
    );
    assert!(err.contains(".alertlint.yaml:2:"), "{err}");
}

/// A config named without a directory (`--config .alertlint.yaml`) is in the working directory:
/// its `paths:` globs match from there. A config found in the working directory or under it is
/// named relative to it in messages.
#[test]
fn a_config_in_the_working_directory_is_named_and_matched_from_it() {
    let dir = common::dir_with(&[
        (
            ".alertlint.yaml",
            "overrides:\n  - paths: [rules/**]\n    checks: {alert/*: off}\n",
        ),
        (
            "rules/r.yaml",
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n",
        ),
    ]);
    for args in [
        &["check", "--config", ".alertlint.yaml", "rules/"][..],
        &["check", "rules/"],
    ] {
        let out = alertlint()
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    }
    std::fs::write(dir.path().join(".alertlint.yaml"), "polcy: {}\n").expect("write");
    let out = alertlint()
        .current_dir(dir.path().join("rules"))
        .args(["check", "."])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}:1:1",
            dir.path().join(".alertlint.yaml").display()
        )),
        "{err}"
    );
    let out = alertlint()
        .current_dir(dir.path())
        .args(["check", "rules/"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("─[.alertlint.yaml:1:1]"), "{err}");
    assert!(
        err.ends_with("error: invalid config .alertlint.yaml\n"),
        "{err}"
    );
}

/// `alertlint <args>` run in a directory holding `config` as its `.alertlint.yaml` (found, not
/// named) and a rule file `rules/r.yaml`: the exit code, stdout and stderr.
fn run_with_config(config: &str, args: &[&str]) -> (i32, String, String) {
    let dir = common::dir_with(&[
        (".alertlint.yaml", config),
        (
            "rules/r.yaml",
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n",
        ),
    ]);
    let out = alertlint()
        .current_dir(dir.path())
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A typo under `runbooks:` is a config error like one at the top: exit 2, positioned at the
/// key, nothing checked (it was a diagnostic once, and the runbook checks silently did not run).
#[test]
fn a_typo_under_runbooks_is_a_config_error() {
    let (code, out, err) = run_with_config("runbooks:\n  - dirr: x\n", &["check", "rules/"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    insta::assert_snapshot!(err);
}

#[test]
fn a_typo_under_alertmanager_is_a_config_error() {
    let (code, out, err) = run_with_config(
        "alertmanager:\n  config: am.yml\n  shared_recievers: [audit-log]\n",
        &["check", "rules/"],
    );
    assert_eq!(code, 2, "{out}{err}");
    insta::assert_snapshot!(err);
}

/// A value of the wrong type deep inside a section (a runbook root's `sections`, a tier's
/// `min_for` in an override's policy) is reported where it is written.
#[test]
fn a_wrong_type_deep_in_the_config_is_a_config_error() {
    let (code, out, err) = run_with_config(
        "runbooks:\n  preset: incident\n  roots:\n    - dir: runbooks/\n      sections: {Context: true}\n\
         overrides:\n  - labels: {team: a}\n    policy:\n      tiers:\n        critical: {min_for: [1m]}\n",
        &["check", "rules/"],
    );
    assert_eq!(code, 2, "{out}{err}");
    insta::assert_snapshot!(err);
}

/// An unknown check id is underlined at its key, in `checks:` and in an override, with the
/// check it is most likely a typo of.
#[test]
fn an_unknown_check_id_is_underlined_at_its_key() {
    let (code, out, err) = run_with_config(
        "checks:\n  alert/runbok: off\noverrides:\n  - paths: [legacy/**]\n    checks: {rule/exprs: off, nothing/here: off}\n",
        &["check", "rules/"],
    );
    assert_eq!(code, 2, "{out}{err}");
    insta::assert_snapshot!(err);
}

/// Every command that reads the config reads all of it: `route` and `runbook new` stop on a
/// mistake under `runbooks:` or `alertmanager:` as `check` does, whether or not they use it.
#[test]
fn every_command_stops_on_any_config_error() {
    let runbooks_typo = "runbooks:\n  - dirr: x\n";
    let am_typo = "alertmanager:\n  temas: {}\n";
    for (config, args) in [
        (runbooks_typo, &["route", "--rules", "rules/"][..]),
        (runbooks_typo, &["runbook", "new", "A", "rules/"]),
        (am_typo, &["runbook", "new", "A", "rules/"]),
        (am_typo, &["route", "--labels", "team=a"]),
    ] {
        let (code, out, err) = run_with_config(config, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.contains(".alertlint.yaml:2:")
                && err.ends_with("error: invalid config .alertlint.yaml\n"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn human_output_snapshot() {
    let (_, out, _) = run(&["check", "--no-config", "fixtures/cli/mixed.yaml"]);
    insta::assert_snapshot!(out);
}

#[test]
fn json_output_snapshot() {
    let (_, out, _) = run(&[
        "check",
        "--no-config",
        "--format",
        "json",
        "fixtures/cli/mixed.yaml",
    ]);
    let doc: Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    insta::assert_json_snapshot!(doc, {".tool.version" => "[version]"});
}

#[test]
fn github_output_snapshot() {
    let (_, out, _) = run(&[
        "check",
        "--no-config",
        "--format",
        "github",
        "fixtures/cli/mixed.yaml",
    ]);
    insta::assert_snapshot!(out);
}

/// The SARIF 2.1.0 properties GitHub code scanning requires, checked on real output.
#[test]
fn sarif_has_the_2_1_0_shape() {
    let (_, out, _) = run(&[
        "check",
        "--no-config",
        "--format",
        "sarif",
        "fixtures/cli/mixed.yaml",
    ]);
    let doc: Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(doc["version"], "2.1.0");
    assert!(
        doc["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-2.1.0"))
    );
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "alertlint");
    let rules = driver["rules"].as_array().expect("rules");
    for r in rules {
        assert!(r["id"].is_string() && r["shortDescription"]["text"].is_string());
        assert!(
            ["error", "warning", "note", "none"]
                .contains(&r["defaultConfiguration"]["level"].as_str().expect("level"))
        );
    }
    let results = runs[0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for res in results {
        let id = res["ruleId"].as_str().expect("ruleId");
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], id, "ruleIndex points at the rule");
        assert!(
            ["error", "warning", "note", "none"].contains(&res["level"].as_str().expect("level"))
        );
        assert!(!res["message"]["text"].as_str().expect("message").is_empty());
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            !uri.starts_with('/') && Path::new(uri).exists(),
            "relative, existing uri: {uri}"
        );
        let region = &loc["region"];
        let (sl, sc) = (
            region["startLine"].as_u64().expect("startLine"),
            region["startColumn"].as_u64().expect("startColumn"),
        );
        let (el, ec) = (
            region["endLine"].as_u64().expect("endLine"),
            region["endColumn"].as_u64().expect("endColumn"),
        );
        assert!(sl >= 1 && sc >= 1 && (el, ec) >= (sl, sc));
    }
}

#[test]
fn checks_and_explain_print_the_docs() {
    let (code, out, _) = run(&["checks"]);
    assert_eq!(code, 0);
    assert!(out.contains("alert/runbook") && out.contains("promql/syntax"));
    let (code, out, _) = run(&["explain", "alert/runbook"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn non_rule_yaml_is_skipped_and_counted() {
    let dir = common::dir_with(&[
        (
            "deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
        ),
        ("ok.yml", "groups: []\n"),
    ]);
    let (code, out, _) = run(&["check", "--no-config", dir.path().to_str().expect("utf8")]);
    assert_eq!(code, 0);
    assert!(out.contains("in 1 rule file; 1 file skipped"), "{out}");
}

#[test]
fn exclude_globs_skip_files() {
    let (_, out, _) = run(&[
        "check",
        "--no-config",
        "--exclude",
        "*__*",
        "fixtures/checks",
    ]);
    assert!(out.contains("No problems found in 0 rule files"), "{out}");
}

/// Hostile input: every file gets a diagnostic, the run finishes with exit 1, nothing panics.
#[test]
fn hostile_input_is_reported_not_crashed_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::write(
        p.join("truncated.yaml"),
        "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: 'up ==",
    )
    .expect("write");
    std::fs::write(
        p.join("binary.yaml"),
        [0x7f, b'E', b'L', b'F', 0xff, 0xfe, 0x00, 0x01],
    )
    .expect("write");
    std::fs::write(p.join("deep.yaml"), "[".repeat(50_000)).expect("write");
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let q = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}, *a{q}]\n"
        ));
    }
    std::fs::write(p.join("bomb.yaml"), bomb).expect("write");
    // ~10 MB of valid rules: checked in full.
    let mut big = String::from("groups:\n  - name: big\n    rules:\n");
    let mut i = 0;
    while big.len() < 10 * 1024 * 1024 {
        big.push_str(&format!("      - record: job:metric_{i}:sum\n        expr: sum by (job) (rate(metric_{i}_total[5m]))\n"));
        i += 1;
    }
    std::fs::write(p.join("big.yaml"), big).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"bad-\xff-name.yaml");
        std::fs::write(p.join(name), "groups:\n  - name: ''\n    rules: []\n").expect("write");
    }
    let (code, out, err) = run(&[
        "check",
        "--no-config",
        "--format",
        "json",
        p.to_str().expect("utf8"),
    ]);
    assert_eq!(code, 1, "stderr: {err}");
    let doc: Value = serde_json::from_str(&out).expect("json");
    let files: std::collections::BTreeSet<String> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            d["location"]["file"]
                .as_str()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    for f in ["truncated.yaml", "binary.yaml", "deep.yaml", "bomb.yaml"] {
        assert!(files.contains(f), "{f} has no diagnostic: {files:?}");
    }
    #[cfg(unix)]
    assert!(
        files.iter().any(|f| f.starts_with("bad-")),
        "non-UTF-8 name not reported: {files:?}"
    );
    assert_eq!(doc["summary"]["files"], 6);
}

/// `overrides[].policy` changes the policy for some paths or some labels only.
#[test]
fn policy_differs_by_path_and_by_label() {
    let alert = |name: &str, severity: &str, owner: &str| {
        format!(
            "      - alert: {name}\n        expr: up == 0\n        for: 2h\n        labels: {{severity: {severity}, {owner}}}\n        annotations:\n          summary: Service instance is down\n          description: \"{{{{ $labels.instance }}}} down ({{{{ $value | humanize }}}})\"\n          runbook_url: https://runbooks.example.com/{name}\n"
        )
    };
    let rules = |body: String| format!("groups:\n  - name: g\n    rules:\n{body}");
    let dir = common::dir_with(&[
        (
            ".alertlint.yaml",
            "overrides:\n  - labels: {severity: critical}\n    policy: {max_for: 1h}\n  - paths: [\"legacy/**\"]\n    policy: {owner_label: owner}\n",
        ),
        (
            "new.yaml",
            &rules(
                alert("PageLong", "critical", "team: a") + &alert("WarnLong", "warning", "team: a"),
            ),
        ),
        (
            "legacy/old.yaml",
            &rules(alert("OldAlert", "warning", "owner: b")),
        ),
    ]);
    let p = dir.path();
    let (_, out, err) = run(&["check", "--format", "json", p.to_str().expect("utf8")]);
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    let found: Vec<String> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["check"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    // Critical alerts may wait at most 1h; warnings keep the default 1d.
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("alert/for") && f.contains("1h maximum")),
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|f| f.starts_with("alert/for")).count(),
        1,
        "{found:?}"
    );
    // Under legacy/ the owner label is `owner`, so OldAlert is owned; nothing else lacks a team.
    assert!(
        !found.iter().any(|f| f.starts_with("alert/owner")),
        "{found:?}"
    );
}

/// A reader that stops early (`alertlint check big/ | head -1`): the write into the closed pipe
/// ends the run quietly with exit code 0, as ripgrep's does, not with a panic and 101.
#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    // 20 files of 50 alerts with no `for`, labels or annotations, each a handful of findings
    // with a snippet: megabytes of report, far more than a pipe holds.
    for f in 0..20 {
        let mut text = String::from("groups:\n  - name: g\n    rules:\n");
        for r in 0..50 {
            text.push_str(&format!(
                "      - alert: Bad{f}x{r}\n        expr: up == 0\n"
            ));
        }
        std::fs::write(dir.path().join(format!("rules-{f}.yaml")), text).expect("write");
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alertlint"))
        .args(["check", "--no-config"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let mut first = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    stdout.read_line(&mut first).expect("a line");
    // The reader goes away: the pipe is closed with most of the report still to come.
    drop(stdout);
    let out = child.wait_with_output().expect("exits");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!first.is_empty());
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}

/// Standard error's reader gone too (`alertlint check … 2>&1 >/dev/null | …` with a reader that
/// closes at once): the notes and warnings on standard error are dropped and the run ends with
/// its own exit code, not a panic (exit 101, which `eprintln!` gave).
#[cfg(unix)]
#[test]
fn a_closed_stderr_pipe_does_not_panic() {
    let out = std::process::Command::new("bash")
        .args([
            "-c",
            // The named file alone: `check` notes on stderr that two checks did not run.
            r#""$0" check rules-examples/rules/gpu-serving.yaml 2>&1 >/dev/null | (exec 0<&-; sleep 0.3); exit "${PIPESTATUS[0]}""#,
            env!("CARGO_BIN_EXE_alertlint"),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// Experimental PromQL is an error, as in Prometheus 3 by default, with help naming the
/// config key; `promql: features:` lists the `--enable-feature` flags that make it valid; an
/// unknown feature name is a config error with a suggestion.
#[test]
fn experimental_promql_follows_the_configured_features() {
    let rules = "groups:\n  - name: g\n    rules:\n      - record: r:sorted\n        \
                 expr: sort_by_label(up, \"job\") + 0\n      - record: r:shifted\n        \
                 expr: rate(up[5m] offset (1m + 1m))\n";
    let run = |config: &str| {
        let dir = common::dir_with(&[(".alertlint.yaml", config), ("r.yaml", rules)]);
        let out = alertlint()
            .current_dir(dir.path())
            .args(["check", "--format", "json", "r.yaml"])
            .output()
            .expect("runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let syntax_errors = |out: &str| -> Vec<(String, String)> {
        let doc: serde_json::Value = serde_json::from_str(out).expect("json");
        doc["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["check"] == "promql/experimental")
            .map(|d| {
                (
                    d["message"].as_str().unwrap_or("").to_string(),
                    d["help"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let (code, out, err) = run("checks: {}\n");
    assert_eq!(code, 1, "{out}{err}");
    let errors = syntax_errors(&out);
    assert_eq!(
        errors.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        [
            "experimental PromQL in `r:sorted`: function \"sort_by_label\" is not enabled",
            "experimental PromQL in `r:shifted`: experimental duration expression is not enabled",
        ],
        "{out}"
    );
    assert!(
        errors.iter().all(|e| e.1.contains("promql: features:")),
        "{errors:?}"
    );

    let (_, out, _) = run("promql:\n  features: [promql-experimental-functions]\n");
    assert_eq!(
        syntax_errors(&out).len(),
        1,
        "the duration expression stays an error: {out}"
    );
    let (_, out, _) =
        run("promql:\n  features: [promql-experimental-functions, promql-duration-expr]\n");
    assert!(syntax_errors(&out).is_empty(), "{out}");

    let (code, out, err) = run("promql:\n  features: [promql-experimental-function]\n");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("unknown PromQL feature `promql-experimental-function`; did you mean")
            && err.contains("`promql-experimental-functions`?")
            && err.contains(".alertlint.yaml:2:14"),
        "{err}"
    );
}

/// `alertlint check --format json a.yaml b.yaml` on the two texts: its `rule/duplicate`
/// findings, and the whole report for failure messages.
fn duplicate_findings(a: &str, b: &str) -> (Vec<serde_json::Value>, serde_json::Value) {
    let dir = common::dir_with(&[("a.yaml", a), ("b.yaml", b)]);
    let out = alertlint()
        .current_dir(dir.path())
        .args([
            "check",
            "--no-config",
            "--format",
            "json",
            "a.yaml",
            "b.yaml",
        ])
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let found = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["check"] == "rule/duplicate")
        .cloned()
        .collect();
    (found, doc)
}

/// The same rule in a rule file and in a `PrometheusRule` manifest (written with other
/// spacing) is reported once, at the later file, pointing at the first; a rule with the same
/// name but another expression is not.
#[test]
fn a_rule_copied_into_another_file_is_a_duplicate() {
    let plain = "groups:\n  - name: api\n    rules:\n      - record: job:errors:rate5m\n        \
                 expr: sum by (job) (rate(errors_total[5m]))\n      - record: job:requests:rate5m\n        \
                 expr: sum by (job) (rate(requests_total[5m]))\n";
    let manifest = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: api\n\
                    spec:\n  groups:\n    - name: api-copy\n      rules:\n        - record: job:errors:rate5m\n          \
                    expr: sum(rate(errors_total[5m])) by (job)\n        - record: job:requests:rate5m\n          \
                    expr: sum by (job) (rate(requests_total[1m]))\n";
    let (found, doc) = duplicate_findings(plain, manifest);
    let found: Vec<(String, String)> = found
        .iter()
        .map(|d| {
            (
                d["location"]["file"].as_str().unwrap_or("").to_string(),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [(
            "b.yaml".to_string(),
            "rule `job:errors:rate5m` is also defined in a.yaml with the same expression and labels"
                .to_string()
        )],
        "{doc}"
    );
}

/// `alertlint check --format json` in a directory holding `config` and `rules/r.yaml`, on
/// `target`: the (check, message) of every finding of `check`.
fn findings_of(check: &str, config: &str, rules: &str, target: &str) -> Vec<String> {
    let dir = common::dir_with(&[(".alertlint.yaml", config), ("rules/r.yaml", rules)]);
    let out = alertlint()
        .current_dir(dir.path())
        .args(["check", "--format", "json", target])
        .output()
        .expect("runs");
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["check"] == check)
        .map(|d| d["message"].as_str().unwrap_or("").to_string())
        .collect()
}

/// `rule/dependency`: a recording rule's output that nothing records is reported when a
/// directory is checked; not for names under `promql: known_metrics:`, and not when the file is
/// named alone (part of a rule set, as a pre-commit hook sees it).
#[test]
fn recording_rule_dependencies_follow_known_metrics_and_partial_sets() {
    let rules = "groups:\n  - name: g\n    rules:\n      - alert: A\n        \
                 expr: instance:cpu_busy:ratio > 0.9\n";
    let found = findings_of("rule/dependency", "checks: {}\n", rules, "rules/");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("`instance:cpu_busy:ratio`"), "{found:?}");
    let known = "promql:\n  known_metrics: [\"instance:*:ratio\"]\n";
    assert!(findings_of("rule/dependency", known, rules, "rules/").is_empty());
    assert!(findings_of("rule/dependency", "checks: {}\n", rules, "rules/r.yaml").is_empty());
}

/// `promql/range` holds windows to the configured scrape interval, per job where a selector
/// names its job.
#[test]
fn range_windows_follow_the_configured_scrape_intervals() {
    let rules = "groups:\n  - name: g\n    rules:\n      - record: r:fast\n        \
                 expr: rate(requests_total{job=\"api\"}[1m])\n      - record: r:slow\n        \
                 expr: rate(requests_total{job=\"batch\"}[5m])\n";
    // Default 1m: the 1m window is too short, the 5m one is not.
    let found = findings_of("promql/range", "checks: {}\n", rules, "rules/");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("`r:fast`"), "{found:?}");
    let config = "policy:\n  scrape_interval: 15s\n  scrape_intervals: {batch: 5m}\n";
    let found = findings_of("promql/range", config, rules, "rules/");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("`r:slow`") && found[0].contains("(5m)"),
        "{found:?}"
    );
    let (code, _, err) = run_with_config("policy:\n  scrape_interval: 0s\n", &["check", "rules/"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`scrape_interval` must be longer than 0s"),
        "{err}"
    );
}

/// `promql: counter_suffixes:` says which names are counters: `retries_counter > 10` is a raw
/// counter only when `_counter` is one of them.
#[test]
fn counter_names_follow_the_configured_suffixes() {
    let rules = "groups:\n  - name: g\n    rules:\n      - alert: A\n        \
                 expr: retries_counter > 10\n";
    assert!(findings_of("promql/counter", "checks: {}\n", rules, "rules/").is_empty());
    let found = findings_of(
        "promql/counter",
        "promql:\n  counter_suffixes: [_counter, _total]\n",
        rules,
        "rules/",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("retries_counter"), "{found:?}");
}

/// `overrides:` select an alert by its name: `labels: {alertname: Watchdog}` turns a check off
/// for that alert only (it had no effect before: the name is not one of the rule's labels).
#[test]
fn overrides_select_alerts_by_alertname() {
    let rules = "groups:\n  - name: g\n    rules:\n      - alert: Watchdog\n        expr: vector(1)\n      \
                 - alert: Other\n        expr: up == 0\n";
    let names = |config: &str| -> Vec<String> {
        findings_of("alert/runbook", config, rules, "rules/")
            .into_iter()
            .map(|m| m.split('`').nth(1).unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(names("checks: {}\n"), ["Watchdog", "Other"]);
    let config =
        "overrides:\n  - labels: {alertname: Watchdog}\n    checks: {alert/runbook: off}\n";
    assert_eq!(names(config), ["Other"]);
}

/// `overrides:` select rules by group name (a glob) and file glob, combined with labels: an
/// override applies where all of its selectors match.
#[test]
fn overrides_select_rules_by_group_and_file_together() {
    let rules = "groups:\n  - name: kube-apiserver\n    rules:\n      - alert: A\n        expr: up == 0\n  \
                 - name: node\n    rules:\n      - alert: B\n        expr: up == 0\n";
    let names = |config: &str| -> Vec<String> {
        findings_of("alert/runbook", config, rules, "rules/")
            .into_iter()
            .map(|m| m.split('`').nth(1).unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(names("checks: {}\n"), ["A", "B"]);
    let by_group = "overrides:\n  - groups: [\"kube-*\"]\n    checks: {alert/runbook: off}\n";
    assert_eq!(names(by_group), ["B"]);
    let both = "overrides:\n  - groups: [\"kube-*\"]\n    paths: [\"rules/**\"]\n    \
                checks: {alert/runbook: off}\n";
    assert_eq!(names(both), ["B"]);
    let elsewhere = "overrides:\n  - groups: [\"kube-*\"]\n    paths: [\"legacy/**\"]\n    \
                     checks: {alert/runbook: off}\n";
    assert_eq!(names(elsewhere), ["A", "B"]);
}

/// `check --ignore-unknown-fields` accepts the fields Thanos adds to groups, as promtool's flag
/// does; without it they are `schema/unknown-field` errors.
#[test]
fn check_ignores_unknown_fields_on_request() {
    let rules = "groups:\n  - name: g\n    partial_response_strategy: warn\n    rules:\n      \
                 - record: r:up\n        expr: sum(up)\n";
    let dir = common::dir_with(&[("r.yaml", rules)]);
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "--no-config", "--format", "json", "r.yaml"];
        args.extend_from_slice(extra);
        let out = alertlint()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .expect("runs");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let unknown = doc["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["check"] == "schema/unknown-field")
            .count();
        (out.status.code(), unknown)
    };
    assert_eq!(run(&[]), (Some(1), 1));
    assert_eq!(run(&["--ignore-unknown-fields"]), (Some(0), 0));
}

/// Three copies of a rule in one file are two findings, each pointing at the copy before it;
/// a fourth in a later file is reported there once, pointing at the first; a copy with other
/// labels is another rule.
#[test]
fn copies_of_a_rule_in_one_file_and_across_files() {
    let rule = |labels: &str| {
        format!("      - alert: Down\n        expr: up == 0\n        labels: {{{labels}}}\n")
    };
    let a = format!(
        "groups:\n  - name: a\n    rules:\n{}{}{}{}",
        rule("team: x"),
        rule("team: x"),
        rule("team: y"),
        rule("team: x")
    );
    let b = format!("groups:\n  - name: b\n    rules:\n{}", rule("team: x"));
    let (found, doc) = duplicate_findings(&a, &b);
    let found: Vec<String> = found
        .iter()
        .map(|d| {
            format!(
                "{}:{} -> {}:{}",
                d["location"]["file"].as_str().unwrap_or(""),
                d["location"]["start"]["line"],
                d["related"][0]["location"]["file"].as_str().unwrap_or(""),
                d["related"][0]["location"]["start"]["line"],
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "a.yaml:7 -> a.yaml:4",
            "a.yaml:13 -> a.yaml:7",
            "b.yaml:4 -> a.yaml:4"
        ],
        "{doc}"
    );
}
