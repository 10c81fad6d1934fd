//! A baseline on real rule sets (issue 19): awesome-prometheus-alerts and the kubernetes-mixin
//! rules, copied into a temporary directory (the corpora are read-only), as a team adopting
//! alertlint would run it: write the baseline, re-run, move a rule, add one defect.

use crate::common::alertlint;
use crate::common::oracle::{corpus, yaml_files_under};
use std::path::Path;

/// `check --no-config --format json ARGS` in `dir`: exit code and findings.
fn check(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String)>) {
    let (code, found, _) = crate::common::check_json(dir, args);
    (code, found)
}

/// The line ranges of the rules (`- alert:` / `- record:` items) of the first group of a rule
/// file, by indentation.
fn first_group_rules(lines: &[&str]) -> Vec<std::ops::Range<usize>> {
    // Keys may be quoted (`- "alert": X`, as jsonnet writes them).
    let is_item = |l: &str| {
        let t = l.trim_start().replace('"', "");
        t.starts_with("- alert:") || t.starts_with("- record:")
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let Some(first) = lines.iter().position(|l| is_item(l)) else {
        return Vec::new();
    };
    let item_indent = indent(lines[first]);
    let mut rules = Vec::new();
    let mut start = first;
    for (i, l) in lines.iter().enumerate().skip(first + 1) {
        if l.trim().is_empty() || indent(l) > item_indent {
            continue;
        }
        rules.push(start..i);
        if indent(l) == item_indent && l.trim_start().starts_with("- ") {
            start = i;
        } else {
            return rules;
        }
    }
    rules.push(start..lines.len());
    rules
}

#[test]
fn baseline_round_trip_on_real_rule_sets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules");
    let mut copied = 0;
    for set in ["kubernetes-mixin", "awesome-prometheus-alerts"] {
        let root = corpus(set);
        for f in yaml_files_under(&root) {
            let rel = f.strip_prefix(&root).expect("under the corpus");
            if rel.starts_with("tests") {
                continue;
            }
            let to = rules.join(set).join(rel);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(&f, &to).expect("copy");
            copied += 1;
        }
    }
    assert!(copied > 50, "{copied} files");
    let (code, all) = check(dir.path(), &["rules/"]);
    assert_eq!(code, 1);
    assert!(all.len() > 1000, "{} findings", all.len());

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
    let with_baseline = ["--baseline", "baseline.json", "rules/"];
    let (code, found) = check(dir.path(), &with_baseline);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");

    // The first two rules of the mixin's alerts swap places: still accepted.
    let alerts = rules.join("kubernetes-mixin/prometheus_alerts.yaml");
    let text = std::fs::read_to_string(&alerts).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let items = first_group_rules(&lines);
    assert!(items.len() >= 2, "{items:?}");
    let (a, b) = (items[0].clone(), items[1].clone());
    let mut moved: Vec<&str> = lines[..a.start].to_vec();
    moved.extend(&lines[b.clone()]);
    moved.extend(&lines[a.clone()]);
    moved.extend(&lines[b.end..]);
    std::fs::write(&alerts, moved.join("\n") + "\n").expect("write");
    let (code, found) = check(dir.path(), &with_baseline);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");

    // One defect: a `keep_firing_for` that is no duration, in the rule now first.
    let indent = " ".repeat(lines[b.start].len() - lines[b.start].trim_start().len() + 2);
    let mut broken: Vec<String> = moved.iter().map(|l| (*l).to_string()).collect();
    broken.insert(a.start + 1, format!("{indent}keep_firing_for: a while"));
    std::fs::write(&alerts, broken.join("\n") + "\n").expect("write");
    let (code, found) = check(dir.path(), &with_baseline);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "rule/duration", "{found:?}");
}
