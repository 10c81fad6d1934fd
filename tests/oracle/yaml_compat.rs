//! YAML compatibility with Prometheus' reader (issue 19), live: promtool accepts every rule file
//! of `fixtures/yaml-compat/` and rejects every one of `fixtures/yaml-compat/rejected/`, and
//! alertlint agrees with it on each (tier 1, `tests/yaml_compat.rs`, holds alertlint to the
//! same split without promtool). The unit-test file there passes under both.

use crate::common::oracle::{oracle_binary, root, yaml_files_under};
use crate::common::promtool::{self, compare};
use crate::common::promtool_test;
use std::path::{Path, PathBuf};

fn promtool_binary() -> String {
    oracle_binary("promtool", "PROMTOOL", "prometheus")
}

/// The rule files of `fixtures/yaml-compat/` (not its unit-test folder), relative to the
/// repository root, and whether each is expected to be rejected.
fn rule_fixtures() -> Vec<(PathBuf, bool)> {
    let dir = root().join("fixtures/yaml-compat");
    yaml_files_under(&dir)
        .into_iter()
        .filter(|p| !p.starts_with(dir.join("unittest")))
        .map(|p| {
            let rejected = p.starts_with(dir.join("rejected"));
            (
                p.strip_prefix(root())
                    .expect("under the root")
                    .to_path_buf(),
                rejected,
            )
        })
        .collect()
}

#[test]
fn promtool_decides_each_construct_as_alertlint_does() {
    let binary = promtool_binary();
    let fixtures = rule_fixtures();
    assert!(fixtures.len() >= 12, "{fixtures:?}");
    let mut problems = Vec::new();
    for (path, rejected) in &fixtures {
        let verdict = promtool::run(&binary, &root().join(path));
        if verdict.failed != *rejected {
            problems.push(format!(
                "{}: promtool {}, but the fixture is filed as {}",
                path.display(),
                if verdict.failed {
                    "rejects it"
                } else {
                    "accepts it"
                },
                if *rejected { "rejected" } else { "accepted" }
            ));
        }
        if let Err(e) = compare(&root().join(path), &verdict, false) {
            problems.push(e);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_unit_test_file_passes_under_promtool_and_alertlint() {
    let binary = promtool_binary();
    let path = Path::new("fixtures/yaml-compat/unittest/quoted-continuation.test.yaml");
    let theirs = promtool_test::run_promtool(&binary, path);
    let ours = promtool_test::run_alertlint(path);
    assert!(
        theirs.loaded && theirs.failures.is_empty(),
        "promtool: {theirs:?}"
    );
    promtool_test::compare(path, &theirs, &ours).unwrap_or_else(|e| panic!("{e}"));
}
