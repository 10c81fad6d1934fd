//! The scenarios of a simulation written as promtool-format unit-test files
//! (`alertlint simulate --emit-tests DIR`): the same input series, and the alert's state at
//! every evaluation where it changes (and, where it never fires, at every evaluation after
//! the scenario begins), so that `alertlint test` and `promtool test rules` replay exactly
//! what the simulation did and a team can keep the files as regression tests.

use super::{Behaviour, Outcome, Scenario, Simulation, fmt_ms, inputs, run};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

/// One file to write, or why an alert has none.
pub struct EmittedTest {
    pub alert: String,
    /// The file name, unique among those emitted.
    pub file_name: String,
    /// The file's text, or why the alert's scenarios cannot be written as a test.
    pub text: Result<String, String>,
    /// What a user should know of the file written.
    pub note: Option<String>,
}

/// The most assertions a scenario writes where the alert never fires: spread evenly.
const MAX_QUIET_ASSERTIONS: usize = 60;

/// The unit-test files of every simulated alert, to be written into `dir` (whose path the
/// `rule_files` entries are made relative to).
pub fn emit_tests(sims: &[&Simulation], dir: &Path) -> Vec<EmittedTest> {
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    // How many alerting rules of each name each file holds, counted once for every alert.
    let mut alerts_named: BTreeMap<(&Path, &str), usize> = BTreeMap::new();
    let mut counted: std::collections::BTreeSet<&Path> = std::collections::BTreeSet::new();
    for f in sims.iter().map(|s| s.rule.0) {
        if !counted.insert(&f.source.path) {
            continue;
        }
        for (_, r) in f.rules().filter(|(_, r)| r.is_alert()) {
            *alerts_named.entry((&f.source.path, r.name())).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for sim in sims {
        let Outcome::Simulated(b) = &sim.outcome else {
            continue;
        };
        let (file, _, rule) = sim.rule;
        let name = rule.name().to_string();
        let stem: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let n = used.entry(stem.clone()).or_default();
        *n += 1;
        let file_name = if *n == 1 {
            format!("{stem}.test.yaml")
        } else {
            format!("{stem}-{n}.test.yaml")
        };
        // promtool asserts every alert of the name the loaded files fire, so another rule
        // of the same name in them would make the expected alerts incomplete.
        let same_name: usize = b
            .plan
            .files
            .iter()
            .filter_map(|p| alerts_named.get(&(p.as_path(), name.as_str())))
            .sum();
        let uses_query = rule
            .annotations
            .iter()
            .chain(&rule.labels)
            .any(|p| calls_query(&p.value.value));
        let text = if same_name > 1 {
            Err(format!(
                "{same_name} alerting rules named `{name}` are in the files it loads: a test asserts all of them"
            ))
        } else if uses_query {
            Err("a template of it runs `query`, which the simulation does not answer".to_string())
        } else {
            Ok(render(sim, b, &name, &file.source.path, dir))
        };
        let note = (file.format == crate::model::FileFormat::PrometheusRule).then(|| {
            "its rule file is a PrometheusRule manifest: `alertlint test` runs the test, `promtool test rules` cannot load the file".to_string()
        });
        out.push(EmittedTest {
            alert: name,
            file_name,
            text,
            note,
        });
    }
    out
}

/// Whether a template calls `query` in one of its actions (not merely says "query").
fn calls_query(template: &str) -> bool {
    static CALL: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\{\{[^}]*\bquery\b").expect("valid regex"));
    CALL.is_match(template)
}

fn render(sim: &Simulation, b: &Behaviour, name: &str, rule_file: &Path, dir: &Path) -> String {
    let (_, _, rule) = sim.rule;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `alertlint simulate --emit-tests`: the scenarios alertlint replayed for\n\
         # alert `{name}` ({}), as promtool unit tests. Inputs are scraped every {} at half a\n\
         # scrape past each multiple of it, so every sample sits between two evaluations.",
        rule_file.display(),
        fmt_ms(b.scrape_interval_ms)
    );
    out.push_str("rule_files:\n");
    for f in &b.plan.files {
        let _ = writeln!(out, "  - {}", yaml_quote(&relative(f, dir)));
    }
    let _ = writeln!(out, "evaluation_interval: {}", fmt_ms(b.interval_ms));
    // promtool evaluates the groups of a test in an order of its own (a Go map's) unless
    // told: the recording rules the alert reads must come first, as the simulation had them.
    if b.plan.group_order.len() > 1 {
        out.push_str("group_eval_order:\n");
        for g in &b.plan.group_order {
            let _ = writeln!(out, "  - {}", yaml_quote(g));
        }
    }
    out.push_str("tests:\n");
    let annotations: Vec<(&str, &str)> = {
        let mut v: Vec<(&str, &str)> = Vec::new();
        for p in &rule.annotations {
            v.retain(|(k, _)| *k != p.key.value);
            v.push((&p.key.value, &p.value.value));
        }
        v
    };
    for s in &b.plan.scenarios {
        scenario(&mut out, b, s, name, &annotations);
    }
    out
}

fn scenario(
    out: &mut String,
    b: &Behaviour,
    s: &Scenario,
    name: &str,
    annotations: &[(&str, &str)],
) {
    let _ = writeln!(
        out,
        "  - name: {}",
        yaml_quote(&format!("{}: {}", s.name, s.what))
    );
    // Half a scrape: samples sit at the odd steps.
    let half = b.scrape_interval_ms / 2;
    let _ = writeln!(out, "    interval: {}", fmt_ms(half));
    out.push_str("    input_series:\n");
    let series = inputs::scenario_series(
        &b.plan.families,
        &s.timelines,
        &b.plan.up,
        s.up.as_ref(),
        b.scrape_interval_ms,
        s.end_ms,
    );
    for (labels, samples) in &series {
        let _ = writeln!(
            out,
            "      - series: {}",
            yaml_quote(&promql::notation::series_desc(labels))
        );
        let _ = writeln!(
            out,
            "        values: {}",
            yaml_quote(&notation(samples, half))
        );
    }
    out.push_str("    alert_rule_test:\n");
    for step in assertion_steps(&s.steps) {
        let _ = writeln!(out, "      - eval_time: {}", fmt_ms(step.t_ms));
        let _ = writeln!(out, "        alertname: {}", yaml_quote(name));
        if step.firing.is_empty() {
            out.push_str("        exp_alerts: []\n");
            continue;
        }
        out.push_str("        exp_alerts:\n");
        for f in &step.firing {
            let labels: Vec<(&str, &str)> =
                f.labels.iter().filter(|(k, _)| *k != "alertname").collect();
            if labels.is_empty() {
                out.push_str("          - exp_labels: {}\n");
            } else {
                out.push_str("          - exp_labels:\n");
                for (k, v) in labels {
                    let _ = writeln!(out, "              {}: {}", yaml_quote(k), yaml_quote(v));
                }
            }
            if !annotations.is_empty() {
                out.push_str("            exp_annotations:\n");
                let map: BTreeMap<String, String> = f
                    .series
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                let mut expanded: Vec<(&str, String)> = annotations
                    .iter()
                    .map(|(k, v)| (*k, run::expand(name, v, &map, f.value, step.t_ms)))
                    .collect();
                expanded.sort();
                for (k, v) in expanded {
                    let _ = writeln!(out, "              {}: {}", yaml_quote(k), yaml_quote(&v));
                }
            }
        }
    }
}

/// The evaluations a scenario asserts: each one where the firing alerts change and the one
/// before it, the last one, and where nothing ever fires, evaluations spread over the whole.
fn assertion_steps(steps: &[run::Step]) -> Vec<&run::Step> {
    let mut keep = vec![false; steps.len()];
    for i in 1..steps.len() {
        let changed = steps[i]
            .firing
            .iter()
            .map(|f| &f.labels)
            .ne(steps[i - 1].firing.iter().map(|f| &f.labels));
        if changed {
            keep[i] = true;
            keep[i - 1] = true;
        }
    }
    if let Some(last) = keep.last_mut() {
        *last = true;
    }
    if steps.iter().all(|s| s.firing.is_empty()) && !steps.is_empty() {
        let every = steps.len().div_ceil(MAX_QUIET_ASSERTIONS).max(1);
        for (i, k) in keep.iter_mut().enumerate() {
            if i % every == 0 {
                *k = true;
            }
        }
    }
    steps
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(s, _)| s)
        .collect()
}

/// A value sequence in series notation with one step per `slot_ms`: `_` where there is no
/// sample (runs as `_xN`), each sample's value as the shortest decimal that reads back to
/// the same float, `stale` for a staleness marker.
fn notation(samples: &[(i64, inputs::Value)], slot_ms: i64) -> String {
    let mut items: Vec<String> = Vec::new();
    let mut missing = 0u64;
    let mut next_slot = 0i64;
    let flush = |missing: &mut u64, items: &mut Vec<String>| {
        match *missing {
            0 => {}
            1 => items.push("_".into()),
            n => items.push(format!("_x{n}")),
        }
        *missing = 0;
    };
    for &(t, v) in samples {
        let slot = t / slot_ms;
        missing += (slot - next_slot).max(0) as u64;
        flush(&mut missing, &mut items);
        items.push(match v {
            inputs::Value::Stale => "stale".into(),
            inputs::Value::Float(f) => float_text(f),
        });
        next_slot = slot + 1;
    }
    items.join(" ")
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Inf".into() } else { "-Inf".into() }
    } else {
        // Rust prints the shortest text that reads back to the same float, as Go's
        // ParseFloat reads it.
        format!("{f}")
    }
}

/// A YAML double-quoted scalar: a JSON string is one, so serde_json writes it.
fn yaml_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// `path` relative to `dir` (both made absolute first), as a `rule_files` entry: a test
/// file's rule paths are read relative to the test file. Written here rather than taken
/// from a crate: a dozen lines over `std::path` components.
fn relative(path: &Path, dir: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, dir) = (abs(path), abs(dir));
    fn normal(p: &Path) -> Vec<Component<'_>> {
        let mut v: Vec<Component> = Vec::new();
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir if matches!(v.last(), Some(Component::Normal(_))) => {
                    v.pop();
                }
                c => v.push(c),
            }
        }
        v
    }
    let (p, d) = (normal(&path), normal(&dir));
    let common = p.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notation_puts_each_sample_in_its_slot() {
        let s = [
            (15_000, inputs::Value::Float(1.0)),
            (45_000, inputs::Value::Float(2.5)),
            (75_000, inputs::Value::Stale),
        ];
        assert_eq!(notation(&s, 15_000), "_ 1 _ 2.5 _ stale");
        assert_eq!(
            notation(&[(90_000, inputs::Value::Float(0.1))], 15_000),
            "_x6 0.1"
        );
    }

    #[test]
    fn query_calls_are_told_from_the_word() {
        assert!(calls_query(
            "{{ with query \"up\" }}{{ . | first | value }}{{ end }}"
        ));
        assert!(calls_query("{{ query \"up\" | first }}"));
        assert!(!calls_query("the query is slow: {{ $value }}"));
    }

    #[test]
    fn paths_relative_to_the_test_directory() {
        assert_eq!(
            relative(Path::new("/r/rules/a.yaml"), Path::new("/r/tests/sim")),
            "../../rules/a.yaml"
        );
        assert_eq!(relative(Path::new("/r/a.yaml"), Path::new("/r")), "a.yaml");
    }
}
