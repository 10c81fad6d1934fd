//! Adopting alertlint on an existing repository: `check --baseline`/`--write-baseline` and
//! `check --diff-base REF`, run as a CI job runs them. The `--diff-base` tests build their git
//! repository with the `git` executable (a clone of this repository implies one).

mod common;

use common::alertlint;
use std::path::Path;

/// A rule set of real size: 12 files of 40 rules, alerts with the policy gaps and semantic
/// defects a repository adopting alertlint has (no runbook, no owner, a raw counter compared
/// with a threshold), recording rules, and their users.
fn rule_set() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for f in 0..12 {
        let mut text = format!("groups:\n  - name: service-{f}\n    rules:\n");
        for r in 0..40 {
            match r % 4 {
                0 => text.push_str(&format!(
                    "      - record: job:requests_{f}_{r}:rate5m\n        \
                     expr: sum by (job) (rate(requests_{f}_{r}_total[5m]))\n"
                )),
                1 => text.push_str(&format!(
                    "      - alert: Requests{f}x{r}Low\n        \
                     expr: job:requests_{f}_{}:rate5m < 1\n        for: 10m\n        \
                     labels:\n          severity: warning\n",
                    r - 1
                )),
                2 => text.push_str(&format!(
                    "      - alert: Errors{f}x{r}\n        expr: errors_{f}_{r}_total > 10\n"
                )),
                _ => text.push_str(&format!(
                    "      - alert: Down{f}x{r}\n        expr: up{{job=\"svc-{f}-{r}\"}} == 0\n        \
                     for: 5m\n        labels:\n          severity: critical\n          team: t{f}\n        \
                     annotations:\n          summary: \"{{{{ $labels.instance }}}} is down\"\n"
                )),
            }
        }
        files.push((format!("rules/service-{f}.yaml"), text));
    }
    files
}

fn write_all(dir: &Path, files: &[(String, String)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
    }
}

fn edit(dir: &Path, path: &str, f: impl FnOnce(&str) -> String) {
    let path = dir.join(path);
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, f(&text)).expect("write");
}

#[test]
fn baseline_round_trip_on_a_real_sized_rule_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_all(dir.path(), &rule_set());
    let (code, all, _) = common::check_json(dir.path(), &["rules/"]);
    assert_eq!(code, 1);
    assert!(all.len() > 500, "{} findings", all.len());
    assert!(all.iter().any(|(c, _)| c == "promql/counter"));

    // Written: exit 0, one entry per finding, sorted.
    let out = alertlint()
        .current_dir(dir.path())
        .args([
            "check",
            "--no-config",
            "--write-baseline",
            "baseline.json",
            "rules/",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty(), "no report when writing a baseline");
    let text = std::fs::read_to_string(dir.path().join("baseline.json")).expect("written");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let entries = doc["findings"].as_array().expect("findings");
    assert_eq!(entries.len(), all.len());
    let keys: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["file"].as_str().expect("file"),
                e["rule"].as_str().unwrap_or(""),
                e["check"].as_str().expect("check"),
            )
        })
        .collect();
    assert!(keys.is_sorted(), "entries are sorted");
    assert_eq!(entries[0]["file"], "rules/service-0.yaml");

    // Re-run: exit 0, nothing reported.
    let with_baseline = ["--baseline", "baseline.json", "rules/"];
    let (code, found, stderr) = common::check_json(dir.path(), &with_baseline);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
    assert!(
        stderr.contains(&format!("{0} of {0} findings accepted", all.len())),
        "{stderr}"
    );

    // Move a rule within its file (the last alert to the top): still exit 0.
    edit(dir.path(), "rules/service-3.yaml", |t| {
        let (head, rules) = t.split_once("    rules:\n").expect("rules");
        let last = rules.rfind("      - alert:").expect("an alert");
        format!("{head}    rules:\n{}{}", &rules[last..], &rules[..last])
    });
    let (code, found, _) = common::check_json(dir.path(), &with_baseline);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");

    // One defect added: exit 1, exactly that finding.
    edit(dir.path(), "rules/service-5.yaml", |t| {
        t.replace(
            "up{job=\"svc-5-3\"} == 0",
            "up{job=\"svc-5-3\", env!~\".*\"} == 0",
        )
    });
    let (code, found, _) = common::check_json(dir.path(), &with_baseline);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "promql/impossible");
    assert!(found[0].1.contains("env!~\".*\""), "{}", found[0].1);

    // A defect fixed: reported as fixed (info), and the run passes.
    edit(dir.path(), "rules/service-5.yaml", |t| {
        t.replace(", env!~\".*\"", "")
            .replace("errors_5_2_total > 10", "rate(errors_5_2_total[5m]) > 10")
    });
    let (code, found, _) = common::check_json(dir.path(), &with_baseline);
    assert_eq!(code, 0);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "baseline/fixed");
    assert!(
        found[0].1.contains("promql/counter") && found[0].1.contains("service-5/Errors5x2"),
        "{}",
        found[0].1
    );

    // A file renamed is new: its findings are reported.
    std::fs::rename(
        dir.path().join("rules/service-7.yaml"),
        dir.path().join("rules/renamed.yaml"),
    )
    .expect("rename");
    let (code, found, _) = common::check_json(dir.path(), &with_baseline);
    assert_eq!(code, 1);
    assert!(found.iter().any(|(c, _)| c == "baseline/fixed"));
    assert!(found.len() > 40, "{}", found.len());
}

#[test]
fn an_unusable_baseline_is_a_configuration_error() {
    let dir = common::dir_with(&[
        ("rules/r.yaml", "groups: []\n"),
        ("b.json", "{\"version\": 1, \"findings\": {}}\n"),
    ]);
    let out = alertlint()
        .current_dir(dir.path())
        .args(["check", "--no-config", "--baseline", "b.json", "rules/"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    insta::assert_snapshot!(stderr);
    let out = alertlint()
        .current_dir(dir.path())
        .args([
            "check",
            "--no-config",
            "--baseline",
            "missing.json",
            "rules/",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("missing.json"),
        "{out:?}"
    );
}

#[test]
fn diff_base_reports_changed_rules_and_what_they_break() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_all(d, &rule_set());
    common::git(d, &["init", "-q"]);
    common::git(d, &["add", "-A"]);
    common::git(d, &["commit", "-q", "-m", "base"]);

    // Nothing changed: nothing reported, exit 0.
    let (code, found, stderr) = common::check_json(d, &["--diff-base", "HEAD", "rules/"]);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
    assert!(stderr.contains("0 new or changed rules"), "{stderr}");

    // One alert edited (its threshold), and the rule moved: only its findings.
    edit(d, "rules/service-2.yaml", |t| {
        t.replace("errors_2_6_total > 10", "errors_2_6_total > 20")
    });
    let (code, found, stderr) = common::check_json(d, &["--diff-base", "HEAD", "rules/"]);
    assert_eq!(code, 1);
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|(_, m)| m.contains("Errors2x6") || m.contains("errors_2_6_total")),
        "{found:?}"
    );
    assert!(
        stderr.contains("1 new or changed rule in 1 changed rule file"),
        "{stderr}"
    );
    common::git(d, &["commit", "-q", "-am", "threshold"]);

    // A recording rule renamed while alerts use it, one in its file and one in another file
    // (made to use it in a commit of its own): both are reported, though neither changed.
    edit(d, "rules/service-9.yaml", |t| {
        t.replace("job:requests_9_4:rate5m < 1", "job:requests_4_4:rate5m < 1")
    });
    common::git(d, &["commit", "-q", "-am", "a user in another file"]);
    edit(d, "rules/service-4.yaml", |t| {
        t.replace(
            "      - record: job:requests_4_4:rate5m\n",
            "      - record: job:requests_4_4_renamed:rate5m\n",
        )
    });
    let (code, found, stderr) = common::check_json(d, &["--diff-base", "HEAD", "rules/"]);
    assert_eq!(code, 0, "warnings only: {found:?}");
    let dependency: Vec<&String> = found
        .iter()
        .filter(|(c, _)| c == "rule/dependency")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(dependency.len(), 2, "{found:?}");
    assert!(dependency[0].contains("Requests4x5Low"), "{dependency:?}");
    assert!(dependency[1].contains("Requests9x5Low"), "{dependency:?}");
    assert!(
        dependency
            .iter()
            .all(|m| m.contains("job:requests_4_4:rate5m")),
        "{dependency:?}"
    );
    assert!(
        stderr.contains("recorded before, by nothing now: job:requests_4_4:rate5m"),
        "{stderr}"
    );

    // A new, untracked file: all its findings.
    write_all(
        d,
        &[(
            "rules/new.yaml".to_string(),
            "groups:\n  - name: new\n    rules:\n      - alert: New\n        expr: x_total > 1\n"
                .to_string(),
        )],
    );
    let (_, found, _) = common::check_json(d, &["--diff-base", "HEAD", "rules/"]);
    assert!(
        found
            .iter()
            .any(|(c, m)| c == "promql/counter" && m.contains("x_total"))
    );

    // An unknown revision is a usage error that says what to do.
    let out = alertlint()
        .current_dir(d)
        .args([
            "check",
            "--no-config",
            "--diff-base",
            "no-such-branch",
            "rules/",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}

/// A shallow CI checkout: the base revision is there once fetched, and `--diff-base` works.
#[test]
fn diff_base_in_a_shallow_clone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let origin = dir.path().join("origin");
    std::fs::create_dir_all(&origin).expect("mkdir");
    write_all(&origin, &rule_set()[..2]);
    common::git(&origin, &["init", "-q"]);
    common::git(&origin, &["add", "-A"]);
    common::git(&origin, &["commit", "-q", "-m", "base"]);
    common::git(&origin, &["branch", "base"]);
    edit(&origin, "rules/service-1.yaml", |t| {
        t.replace("errors_1_2_total > 10", "errors_1_2_total > 11")
    });
    common::git(&origin, &["commit", "-q", "-am", "change"]);
    let clone = dir.path().join("clone");
    let url = format!("file://{}", origin.display());
    common::git(dir.path(), &["clone", "-q", "--depth=1", &url, "clone"]);
    let out = alertlint()
        .current_dir(&clone)
        .args([
            "check",
            "--no-config",
            "--diff-base",
            "origin/base",
            "rules/",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "not fetched yet");
    common::git(
        &clone,
        &[
            "fetch",
            "-q",
            "--depth=1",
            "origin",
            "base:refs/remotes/origin/base",
        ],
    );
    let (code, found, _) = common::check_json(&clone, &["--diff-base", "origin/base", "rules/"]);
    assert_eq!(code, 1);
    assert!(
        found
            .iter()
            .all(|(_, m)| m.contains("Errors1x2") || m.contains("errors_1_2")),
        "{found:?}"
    );
}

/// `--dialect` (and `dialect:` in the config): each ruler's own group fields are accepted,
/// their types checked; under the default dialect they are unknown fields that name the
/// dialect. Loki's LogQL is not read as PromQL.
#[test]
fn dialects_accept_their_rulers_fields() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dialects");
    let run = |args: &[&str], file: &str| {
        let path = fixtures.join(file);
        let mut all = args.to_vec();
        all.push(path.to_str().expect("UTF-8 path"));
        common::check_json(&fixtures, &all)
    };
    for (dialect, unknown) in [("thanos", 1), ("mimir", 3), ("cortex", 2)] {
        let file = format!("{dialect}.yaml");
        let (code, found, _) = run(&[], &file);
        assert_eq!(code, 1, "{dialect}");
        let hints: Vec<&(String, String)> = found
            .iter()
            .filter(|(c, m)| c == "schema/unknown-field" && m.contains(dialect))
            .collect();
        assert_eq!(hints.len(), unknown, "{dialect}: {found:?}");
        let (code, found, _) = run(&["--dialect", dialect], &file);
        assert_eq!((code, found.len()), (0, 0), "{dialect}: {found:?}");
    }
    // Mimir's alignment setting is not Cortex'.
    let (_, found, _) = run(&["--dialect", "cortex"], "mimir.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("align_evaluation_time_on_interval"));
    let (code, found, _) = run(&[], "loki.yaml");
    assert_eq!(code, 1);
    assert!(found.iter().any(|(c, _)| c == "promql/syntax"), "{found:?}");
    let (code, found, _) = run(&["--dialect", "loki"], "loki.yaml");
    assert_eq!((code, found.len()), (0, 0), "{found:?}");

    // From the config, and checked there; the fields' types are checked.
    let rules = "groups:\n  - name: g\n    partial_response_strategy: sometimes\n    \
                 rules:\n      - record: a:b\n        expr: sum(up)\n";
    let dir = common::dir_with(&[(".alertlint.yaml", "dialect: thanos\n"), ("r.yaml", rules)]);
    let out = alertlint()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "r.yaml"])
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let messages: Vec<&str> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["message"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        messages,
        ["`partial_response_strategy` must be `warn` or `abort`, found `sometimes`"]
    );
    let dir = common::dir_with(&[
        (".alertlint.yaml", "dialect: victoria\n"),
        ("r.yaml", rules),
    ]);
    let out = alertlint()
        .current_dir(dir.path())
        .args(["check", "r.yaml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "unknown dialect `victoria`; expected one of: prometheus, thanos, mimir, cortex, loki"
        ),
        "{stderr}"
    );
}
