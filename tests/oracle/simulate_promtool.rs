//! `alertlint simulate --emit-tests` against `promtool test rules`: the detection latency, the
//! spikes, gaps and resets alertlint simulated are what Prometheus' rule engine does with the
//! same series. The emitted files of `fixtures/simulate/`, `rules-examples/` and every 30th
//! of the awesome-prometheus-alerts corpus (by file name; manifests excluded: promtool cannot
//! load a `PrometheusRule`) must all pass promtool, and `alertlint test`.
//!
//! The emitted samples sit half a scrape off the evaluations, so windows never start on a
//! sample and Debian's promtool 2.42 (left-closed windows) and Prometheus 3.x (left-open)
//! agree on them: no file here needs a 3.x exception.

use crate::common::oracle::{corpus, oracle_binary, root};
use crate::common::promtool_test::{alertlint_test, run_promtool};
use std::path::Path;

/// Emits the unit tests of `rules` into a new directory; the names of the files written.
fn emit(rules: &Path, extra: &[&str], dir: &Path) -> Vec<String> {
    let out = crate::common::alertlint()
        .args(["simulate"])
        .arg(rules)
        .args(["--fail-on", "never", "--format", "json", "--emit-tests"])
        .arg(dir)
        .args(extra)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn promtool_passes(dir: &Path, names: &[String]) {
    let promtool = oracle_binary("promtool", "PROMTOOL", "prometheus");
    // promtool takes seconds a file: one process per core at a time.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let failed: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|k| {
                let promtool = &promtool;
                s.spawn(move || {
                    let mut failed = Vec::new();
                    for n in names.iter().skip(k).step_by(threads) {
                        let v = run_promtool(promtool, &dir.join(n));
                        if !(v.loaded && v.failures.is_empty()) {
                            failed.push(format!("{n}: {v:?}"));
                        }
                    }
                    failed
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    assert!(
        failed.is_empty(),
        "promtool disagrees:\n{}",
        failed.join("\n")
    );
    let (code, out) = alertlint_test(dir, &["."]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn fixtures_and_examples_agree_with_promtool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixtures = dir.path().join("fixtures");
    let names = emit(
        &root().join("fixtures/simulate/rules.yaml"),
        &["--no-config", "--scrape-interval", "15s"],
        &fixtures,
    );
    assert_eq!(names.len(), 4, "{names:?}");
    promtool_passes(&fixtures, &names);

    let examples = dir.path().join("examples");
    let names = emit(&root().join("rules-examples"), &[], &examples);
    // The manifest's test is for alertlint test only.
    let plain: Vec<String> = names
        .iter()
        .filter(|n| !n.starts_with("GpuMemoryNearlyFull"))
        .cloned()
        .collect();
    assert_eq!(plain.len(), 5, "{names:?}");
    promtool_passes(&examples, &plain);
    let (code, out) = alertlint_test(&examples, &["."]);
    assert_eq!(code, 0, "the manifest's test too: {out}");
}

#[test]
fn awesome_prometheus_alerts_sample_agrees_with_promtool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = emit(
        &corpus("awesome-prometheus-alerts"),
        &["--no-config", "--scrape-interval", "15s"],
        dir.path(),
    );
    assert!(names.len() > 700, "{} files", names.len());
    let sample: Vec<String> = names.iter().step_by(30).cloned().collect();
    promtool_passes(dir.path(), &sample);
}
