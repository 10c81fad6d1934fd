//! Hostile and huge input (issue 15): files that are not files (devices, FIFOs, pipes), YAML
//! that expands to gigabytes, inputs that were quadratic, paths and config sections that must
//! be usage errors (exit 2), symbolic links inside checked folders, a config of two
//! documents. Every fixture is generated in a temporary directory; resource limits are
//! asserted by their message, not by timing (`scripts/bench-hostile.sh` times the large
//! inputs).
#![cfg(unix)]

mod common;
use common::{alertlint, dir_with};

use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Long enough for a debug build on a busy machine; a run that opened a FIFO would block
/// forever and be stopped here instead of hanging the suite.
const TIMEOUT: Duration = Duration::from_secs(120);

/// `alertlint ARGS` in `dir`: exit code, stdout, stderr.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = alertlint()
        .current_dir(dir)
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `alertlint check --config .alertlint.yaml rules.yaml` in `dir`, as the config tests run it.
fn check_with_config(dir: &Path) -> (i32, String, String) {
    run_in(dir, &["check", "--config", ".alertlint.yaml", "rules.yaml"])
}

fn json(out: &str, err: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"))
}

/// The (check, message) of every diagnostic of a JSON report.
fn findings(doc: &Value) -> Vec<(String, String)> {
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["check"].as_str().unwrap_or("").to_string(),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Writes `text` into the FIFO at `path` once a reader opens it, on its own thread.
fn feed(path: &Path, text: &str) -> std::thread::JoinHandle<()> {
    let (path, text) = (path.to_path_buf(), text.to_string());
    std::thread::spawn(move || std::fs::write(&path, text).expect("write into the FIFO"))
}

const TOO_LARGE: &str = "larger than 64 MiB, the most alertlint reads from one file";

/// A rule file with one finding (`alert/severity`), the rest clean.
const RULES: &str = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 5m\n    labels: {team: t}\n    annotations:\n      summary: Service instance is down\n      description: \"{{ $labels.instance }} down ({{ $value | humanize }})\"\n      runbook_url: https://runbooks.example.com/A\n";

// ---------------------------------------------------------------------------------------------
// Files that are not files

/// `/dev/zero` reports a size of 0 and never ends: as a rule file it is a finding, as any
/// other input a usage error, each naming the limit, and memory stays at the limit.
#[test]
fn dev_zero_is_read_up_to_the_limit_whatever_it_is_named_as() {
    let dir = dir_with(&[("r.yaml", "groups: []\n")]);
    let d = dir.path();

    let (code, out, err) = run_in(
        d,
        &["check", "--no-config", "--format", "json", "/dev/zero"],
    );
    assert_eq!(code, 1, "{err}");
    let doc = json(&out, &err);
    assert_eq!(
        findings(&doc),
        [("yaml/syntax".to_string(), TOO_LARGE.to_string())]
    );
    assert_eq!(doc["diagnostics"][0]["location"]["file"], "/dev/zero");

    for (args, what) in [
        (
            &["check", "--config", "/dev/zero", "r.yaml"][..],
            "cannot read config: ",
        ),
        (
            &[
                "check",
                "--no-config",
                "--alertmanager",
                "/dev/zero",
                "r.yaml",
            ][..],
            "cannot read Alertmanager config: ",
        ),
        (
            &[
                "route",
                "--no-config",
                "--alertmanager",
                "/dev/zero",
                "--labels",
                "a=b",
            ][..],
            "cannot read Alertmanager config: ",
        ),
        (&["test", "/dev/zero"][..], "cannot read test file: "),
    ] {
        let (code, out, err) = run_in(d, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        let both = format!("{out}{err}");
        assert!(
            both.contains(&format!("{what}{TOO_LARGE}")),
            "{args:?}: {both}"
        );
        assert!(both.contains("/dev/zero:1:1"), "{args:?}: {both}");
    }
    let (code, _, err) = run_in(
        d,
        &["check", "--no-config", "--runbooks", "/dev/zero", "r.yaml"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--runbooks /dev/zero: not a directory"),
        "{err}"
    );
}

/// A FIFO named explicitly is read like a file, as config, Alertmanager config, rule file and
/// unit-test file alike: whoever named it writes into it.
#[test]
fn fifos_named_explicitly_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for name in ["rules.yaml", "config.yaml", "am.yml"] {
        mkfifo(&d.join(name));
    }
    let writers = [
        feed(&d.join("rules.yaml"), RULES),
        feed(
            &d.join("config.yaml"),
            "checks: {alert/owner: off, route/unrouted: off}\nalertmanager: am.yml\n",
        ),
        feed(
            &d.join("am.yml"),
            "route: {receiver: default}\nreceivers: [{name: default, webhook_configs: [{url: 'http://x'}]}]\n",
        ),
    ];
    let (code, out, err) = run_in(
        d,
        &[
            "check",
            "--config",
            "config.yaml",
            "--format",
            "json",
            "rules.yaml",
        ],
    );
    for w in writers {
        w.join().expect("writer");
    }
    assert_eq!(code, 1, "{err}");
    let doc = json(&out, &err);
    assert_eq!(
        findings(&doc),
        [(
            "alert/severity".to_string(),
            "alert `A` has no `severity` label".to_string()
        )]
    );
    assert_eq!(doc["diagnostics"][0]["location"]["file"], "rules.yaml");
    assert_eq!(doc["summary"]["alertmanager_configs"], 1);

    // A unit-test file through a FIFO (its rule file a regular file).
    std::fs::write(d.join("r.yaml"), RULES).expect("write");
    mkfifo(&d.join("test.yaml"));
    let writer = feed(
        &d.join("test.yaml"),
        "rule_files: [r.yaml]\ntests:\n- interval: 1m\n  input_series: [{series: 'up', values: '0x15'}]\n  alert_rule_test: [{eval_time: 1m, alertname: A, exp_alerts: []}]\n",
    );
    let (code, out, err) = run_in(d, &["test", "test.yaml"]);
    writer.join().expect("writer");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 passed"), "{out}");
}

/// A process substitution (`alertlint check <(helm template …)`) is a pipe at `/dev/fd/N`:
/// read, within the limit, and reported under that name.
#[test]
fn a_process_substitution_is_read() {
    let dir = dir_with(&[("rules.yaml", RULES)]);
    let out = std::process::Command::new("bash")
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args([
            "-c",
            r#"exec "$0" check --no-config --format json <(cat rules.yaml)"#,
            env!("CARGO_BIN_EXE_alertlint"),
        ])
        .output()
        .expect("bash runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let doc = json(&stdout, &stderr);
    let file = doc["diagnostics"][0]["location"]["file"]
        .as_str()
        .expect("file");
    assert!(file.starts_with("/dev/fd/"), "{file}");
    assert_eq!(
        findings(&doc),
        [(
            "alert/severity".to_string(),
            "alert `A` has no `severity` label".to_string()
        )]
    );
}

/// In a folder that is searched, FIFOs (and sockets, devices) are never opened: a FIFO would
/// block the run forever. They are skipped and said so, under the rule and runbook roots.
#[test]
fn fifos_in_searched_folders_are_skipped_and_counted_not_opened() {
    let dir = dir_with(&[
        ("rules/ok.yaml", RULES),
        (
            ".alertlint.yaml",
            "runbooks: [{dir: runbooks/}]\nchecks: {alert/*: off, runbook/*: off}\n",
        ),
        ("runbooks/A.md", "# A\n"),
    ]);
    let d = dir.path();
    mkfifo(&d.join("rules/pipe.yaml"));
    mkfifo(&d.join("runbooks/B.md"));
    // Not a name the walk looks for: not counted.
    mkfifo(&d.join("rules/notes.txt"));
    let (code, out, err) = run_in(d, &["check", "--config", ".alertlint.yaml", "rules/"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("in 1 rule file"), "{out}");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "warning: skipped 1 entry that is not a regular file (a FIFO, socket or device: never opened; name it to read it): rules/pipe.yaml",
            "warning: skipped 1 entry that is not a regular file (a FIFO, socket or device: never opened; name it to read it): runbooks/B.md",
        ]
    );
}

/// A unit test's `rule_files:` glob expands to regular files only, as the folder walk does: a
/// FIFO it matches is an error at the pattern, never opened (opening it would block the run);
/// `test` on a folder reads its candidate files within the size limit.
#[test]
fn unit_test_globs_do_not_open_fifos() {
    let dir = dir_with(&[
        ("rules/r.yaml", RULES),
        (
            "t.yaml",
            "rule_files: ['rules/*.yaml']\ntests:\n- interval: 1m\n  input_series: [{series: 'up', values: '0x15'}]\n  alert_rule_test: [{eval_time: 1m, alertname: A, exp_alerts: []}]\n",
        ),
    ]);
    let d = dir.path();
    mkfifo(&d.join("rules/pipe.yaml"));
    let (code, out, err) = run_in(d, &["test", "t.yaml"]);
    // A test file that cannot be loaded exits 2.
    assert_eq!(code, 2, "{out}{err}");
    let all = format!("{out}{err}");
    assert!(
        all.contains("rule_files pattern matches rules/pipe.yaml, which is not a regular file"),
        "{all}"
    );
    // Without the FIFO the same test passes.
    std::fs::remove_file(d.join("rules/pipe.yaml")).expect("rm");
    let (code, out, err) = run_in(d, &["test", "."]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 passed"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// YAML that expands

/// Few nodes, many bytes: one 1 MiB scalar aliased 3,000 times would be 3 GB. Expansion is
/// budgeted in bytes as well as in nodes.
#[test]
fn an_alias_bomb_by_bytes_is_refused() {
    let big = "x".repeat(1 << 20);
    let mut text = format!("big: &big \"{big}\"\nmany:\n");
    for _ in 0..3000 {
        text.push_str("  - *big\n");
    }
    let dir = dir_with(&[("bomb.yaml", &text)]);
    let (code, out, err) = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "json", "bomb.yaml"],
    );
    assert_eq!(code, 1, "{err}");
    let doc = json(&out, &err);
    assert_eq!(
        findings(&doc),
        [(
            "yaml/syntax".to_string(),
            "alias expansion exceeds 16 MiB of text (a \"billion laughs\" document?)".to_string()
        )]
    );
    // At the alias that would pass the budget: the 17th.
    assert_eq!(doc["diagnostics"][0]["location"]["start"]["line"], 2 + 17);
}

// ---------------------------------------------------------------------------------------------
// Inputs that were quadratic: the same findings on the large shapes (their time is measured
// by scripts/bench-hostile.sh).

/// Duplicate keys in a mapping of thousands of keys are all found, each pointing at the first.
#[test]
fn duplicate_keys_in_a_large_mapping_are_all_found() {
    let mut text =
        String::from("groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    labels:\n");
    for i in 0..3000 {
        text.push_str(&format!("      k{i}: v\n"));
    }
    text.push_str("      k7: again\n      k2999: again\n      k7: thrice\n");
    let dir = dir_with(&[("r.yaml", &text)]);
    let (code, out, err) = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "json", "r.yaml"],
    );
    assert_eq!(code, 1, "{err}");
    let doc = json(&out, &err);
    let dups: Vec<(i64, i64)> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["check"] == "yaml/duplicate-key")
        .map(|d| {
            (
                d["location"]["start"]["line"].as_i64().unwrap_or(0),
                d["related"][0]["location"]["start"]["line"]
                    .as_i64()
                    .unwrap_or(0),
            )
        })
        .collect();
    // k7 is on line 14, k2999 on line 3006; the duplicates follow.
    assert_eq!(dups, [(3007, 14), (3008, 3006), (3009, 14)]);
}

/// Thousands of sibling routes: the one shadowed route is found, and only it.
#[test]
fn a_shadowed_route_among_thousands_of_siblings_is_found() {
    let mut am = String::from("route:\n  receiver: default\n  routes:\n");
    for i in 0..3000 {
        am.push_str(&format!(
            "    - matchers: [team=\"t{i}\", severity=\"critical\"]\n      receiver: default\n"
        ));
    }
    am.push_str("    - matchers: [team=\"t1234\", severity=\"critical\", env=\"prod\"]\n      receiver: default\n");
    am.push_str("receivers:\n  - name: default\n    webhook_configs: [{url: 'http://x'}]\n");
    let dir = dir_with(&[("am.yml", &am), ("rules.yaml", "groups: []\n")]);
    let (code, out, err) = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--format",
            "json",
            "--alertmanager",
            "am.yml",
            "rules.yaml",
        ],
    );
    assert_eq!(code, 1, "{err}");
    let doc = json(&out, &err);
    assert_eq!(
        findings(&doc),
        [(
            "route/shadowed".to_string(),
            "this route can never match: `route.routes[1234]` before it catches every alert it would".to_string()
        )]
    );
}

/// A receiver defined twice among thousands is a config error at its second definition.
#[test]
fn a_receiver_defined_twice_among_thousands_is_found() {
    let mut am = String::from("route:\n  receiver: r0\nreceivers:\n");
    for i in 0..5000 {
        am.push_str(&format!("  - name: r{i}\n"));
    }
    am.push_str("  - name: r4321\n");
    let dir = dir_with(&[("am.yml", &am), ("rules.yaml", "groups: []\n")]);
    let (code, _, err) = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--alertmanager",
            "am.yml",
            "rules.yaml",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("receiver `r4321` is defined twice"), "{err}");
    assert!(err.contains("am.yml:5004:11"), "{err}");
    assert_eq!(err.matches("is defined twice").count(), 1, "{err}");
}

/// Thousands of suppressions, each over its rule: all used, none reported.
#[test]
fn thousands_of_suppressions_each_find_their_rule() {
    let mut text = String::from("groups:\n- name: g\n  rules:\n");
    for i in 0..3000 {
        text.push_str(&format!(
            "  # alertlint: disable=alert/runbook linked from the dashboard\n\n  # (and a note)\n  - alert: A{i}\n    expr: up == 0\n    for: 5m\n    labels: {{severity: warning, team: t}}\n    annotations: {{summary: Service instance is down, description: \"{{{{ $labels.instance }}}} down ({{{{ $value | humanize }}}})\"}}\n"
        ));
    }
    // One comment that is followed by content before the next rule: it applies to nothing.
    text.push_str("  # alertlint: disable=alert/runbook stray\n- name: h\n  rules:\n  - alert: B\n    expr: up == 0\n    for: 5m\n    labels: {severity: warning, team: t}\n    annotations: {summary: Service instance is down, description: \"{{ $labels.instance }} down ({{ $value | humanize }})\"}\n");
    let dir = dir_with(&[("r.yaml", &text)]);
    let (code, out, err) = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "json", "r.yaml"],
    );
    assert_eq!(code, 1, "{err}");
    let doc = json(&out, &err);
    assert_eq!(
        findings(&doc),
        [
            ("suppression/invalid".to_string(), "`disable=` applies to a rule, but no rule follows this comment; use `disable-file=` for the whole file".to_string()),
            ("alert/runbook".to_string(), "alert `B` has no `runbook_url` annotation".to_string()),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Exit codes: usage, config and I/O errors are 2, whatever --fail-on says

#[test]
fn missing_alertmanager_and_runbook_paths_exit_two() {
    let dir = dir_with(&[("rules.yaml", RULES)]);
    let d = dir.path();
    for fail_on in ["error", "never"] {
        let (code, out, err) = run_in(
            d,
            &[
                "check",
                "--no-config",
                "--fail-on",
                fail_on,
                "--alertmanager",
                "nope.yml",
                "rules.yaml",
            ],
        );
        assert_eq!(code, 2, "{out}{err}");
        assert!(out.is_empty(), "no report: {out}");
        assert!(
            err.contains("cannot read Alertmanager config: No such file or directory"),
            "{err}"
        );
        assert!(err.contains("nope.yml:1:1"), "{err}");
        assert!(
            err.ends_with("error: unusable configuration: nope.yml\n"),
            "{err}"
        );

        let (code, out, err) = run_in(
            d,
            &[
                "check",
                "--no-config",
                "--fail-on",
                fail_on,
                "--runbooks",
                "nope/",
                "rules.yaml",
            ],
        );
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains("--runbooks nope/: no such directory"), "{err}");
    }
}

/// Mistakes in the `runbooks:` and `alertmanager:` sections of `.alertlint.yaml` are config
/// errors like any other: positioned in the config, exit 2, no report written. The file is read
/// whole first; a runbook directory that does not exist is reported once it reads.
#[test]
fn errors_in_the_configs_runbooks_and_alertmanager_sections_exit_two() {
    let dir = dir_with(&[
        (
            ".alertlint.yaml",
            "checks: {alert/*: off}\nrunbooks:\n  - dir: missing/\nalertmanager:\n  config: am.yml\n  temas: {}\n",
        ),
        ("rules.yaml", RULES),
    ]);
    let d = dir.path();
    let (code, out, err) = run_in(
        d,
        &[
            "check",
            "--config",
            ".alertlint.yaml",
            "--fail-on",
            "never",
            "--output",
            "report.json",
            "--format",
            "json",
            "rules.yaml",
        ],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(!d.join("report.json").exists(), "no report is written");
    insta::assert_snapshot!("config_section_errors", err);

    std::fs::write(
        d.join(".alertlint.yaml"),
        "checks: {alert/*: off}\nrunbooks:\n  - dir: missing/\n",
    )
    .expect("write");
    let (code, out, err) = check_with_config(d);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("runbook directory `missing` does not exist")
            && err.contains(".alertlint.yaml:3:10]")
            && err.ends_with("error: invalid config .alertlint.yaml\n"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Symbolic links inside checked folders

#[test]
fn symbolic_links_inside_checked_folders_are_followed() {
    let dir = dir_with(&[
        ("linked-rules/linked.yaml", RULES),
        ("linked-rules/more/deep.yaml", RULES),
        ("rules/direct.yaml", RULES),
    ]);
    let d = dir.path();
    let link = |target: &str, at: &str| {
        std::os::unix::fs::symlink(target, d.join(at)).expect("symlink");
    };
    link("../linked-rules/linked.yaml", "rules/linked.yaml");
    link("../linked-rules/more", "rules/more");
    // Another path to a file already found: read once.
    link("direct.yaml", "rules/again.yaml");
    // A loop and a link to nothing: said, not fatal.
    std::fs::create_dir(d.join("rules/sub")).expect("mkdir");
    link("..", "rules/sub/up");
    link("nothing.yaml", "rules/dangling.yaml");
    let (code, out, err) = run_in(d, &["check", "--no-config", "--format", "json", "rules/"]);
    assert_eq!(code, 1, "{err}");
    let doc = json(&out, &err);
    let mut files: Vec<&str> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["location"]["file"].as_str())
        .collect();
    files.dedup();
    assert_eq!(
        files,
        [
            "rules/direct.yaml",
            "rules/linked.yaml",
            "rules/more/deep.yaml"
        ]
    );
    assert_eq!(doc["summary"]["files"], 3);
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "warning: symbolic link rules/dangling.yaml leads to nothing; skipped",
            "warning: symbolic link loop: rules/sub/up leads back to rules/; not followed",
            "note: 2 rule files reached through symbolic links; 1 other path to files already found skipped (each file is read once)",
        ]
    );
}

/// A runbook reached through a link under a runbook root resolves like any other.
#[test]
fn runbooks_reached_through_links_resolve() {
    let dir = dir_with(&[
        (
            ".alertlint.yaml",
            "runbooks: [{dir: runbooks/, url_prefix: 'https://runbooks.example.com/'}]\nchecks: {alert/*: off, runbook/sections: off}\n",
        ),
        (
            "rules.yaml",
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations: {runbook_url: 'https://runbooks.example.com/team/A'}\n",
        ),
        ("elsewhere/team/A.md", "# A\n"),
        ("runbooks/README.md", "# Runbooks\n"),
    ]);
    let d = dir.path();
    std::os::unix::fs::symlink("../elsewhere/team", d.join("runbooks/team")).expect("symlink");
    let (code, out, err) = check_with_config(d);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No problems found"), "{out}");
    assert!(
        err.contains("note: 1 runbook reached through symbolic links"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// The config file itself

#[test]
fn a_second_document_in_the_config_is_an_error() {
    let dir = dir_with(&[
        (
            ".alertlint.yaml",
            "checks: {alert/owner: off}\n---\nchecks: {alert/severity: off}\n",
        ),
        ("rules.yaml", RULES),
    ]);
    let (code, _, err) = check_with_config(dir.path());
    assert_eq!(code, 2, "{err}");
    insta::assert_snapshot!("second_document", err);
}

#[test]
fn a_bad_exclude_glob_in_the_config_is_reported_where_it_is_written() {
    let dir = dir_with(&[
        (
            ".alertlint.yaml",
            "exclude:\n  - vendor/\n  - \"gen-[.yaml\"\n",
        ),
        ("rules.yaml", RULES),
    ]);
    let (code, _, err) = check_with_config(dir.path());
    assert_eq!(code, 2, "{err}");
    insta::assert_snapshot!("bad_exclude_glob", err);
    // On the command line it is a usage error naming the glob.
    let (code, _, err) = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--exclude",
            "gen-[.yaml",
            "rules.yaml",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "error: gen-[.yaml: invalid --exclude glob: unclosed character class; missing ']'\n"
    );
}

/// A regular file over the limit is refused by its size, unread; under the limit it is read.
#[test]
fn a_regular_file_over_the_limit_is_refused_unread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.yaml");
    let f = std::fs::File::create(&big).expect("create");
    // Sparse: 64 MiB and one byte, no disk used.
    f.set_len(64 * 1024 * 1024 + 1).expect("set_len");
    drop(f);
    let (code, out, err) = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "json", "big.yaml"],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        findings(&json(&out, &err)),
        [("yaml/syntax".to_string(), TOO_LARGE.to_string())]
    );
}
