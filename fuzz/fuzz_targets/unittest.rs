//! promtool unit-test files: the unit-test model loader (`parse_test_file`), then each test
//! group run (`run_group`) against a fixed compiled rule set, with the work bounded (at most
//! 2,000 evaluation steps and 200,000 input samples per series per group, subqueries of at
//! most 20,000 steps).
//!
//! `rule_files` globs are resolved on the file system relative to the test file: the file is
//! placed in an empty temporary directory, and inputs naming an absolute path or `..` there
//! are rejected, so the fuzzer never walks the machine's directories.
#![no_main]

use alertlint_diagnostics::source::SourceFile;
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, read_rule_file};
use alertlint_linter::model::Dialect;
use alertlint_unittest::{CompiledGroup, compile, order_groups, parse_test_file, run_group};
use libfuzzer_sys::{Corpus, fuzz_target};
use std::path::PathBuf;
use std::sync::OnceLock;

fn base() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("alertlint-fuzz-unittest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    })
}

fn compiled() -> Vec<CompiledGroup> {
    let source = SourceFile::new("rules.yml", fuzz_support::UNITTEST_RULES.to_string());
    let Classified::Rules(file) = read_rule_file(source, Dialect::Prometheus) else {
        unreachable!("the fixed rule file is a rule file")
    };
    let files = [file];
    assert!(
        analyse(&files, &Config::default(), &Inputs::default())
            .iter()
            .all(
                |d| d.severity != alertlint_diagnostics::diagnostic::Severity::Error
                    || !d.check.starts_with("promql/")
            ),
        "the fixed rules parse"
    );
    compile(&files)
}

/// Whether `rule_files` names only relative paths inside the test file's directory.
fn rule_files_stay_inside(text: &str) -> bool {
    let (docs, _) = alertlint_yaml::parse(text);
    let Some(items) = docs
        .first()
        .and_then(|d| d.root.get("rule_files"))
        .and_then(|n| n.as_seq())
    else {
        return true;
    };
    items.iter().filter_map(|n| n.as_str()).all(|p| {
        let p = p.trim();
        !p.starts_with('/') && !p.starts_with('\\') && !p.contains("..") && !p.contains(':')
    })
}

fuzz_target!(|data: &[u8]| -> Corpus {
    let Some(text) = fuzz_support::text(data, 32 * 1024) else {
        return Corpus::Reject;
    };
    if !rule_files_stay_inside(text) {
        return Corpus::Reject;
    }
    let source = SourceFile::new(base().join("test.yml"), text.to_string());
    let file = match parse_test_file(&source) {
        Ok(file) => file,
        Err(diags) => {
            fuzz_support::render_all(&diags);
            return Corpus::Keep;
        }
    };
    let groups = compiled();
    let ordered = order_groups(&groups, &file.group_eval_order);
    let ei = file.evaluation_interval_ms.max(1);
    for tg in &file.tests {
        let max_eval = tg.max_eval_time();
        let span = max_eval.saturating_sub(tg.start_ms.min(0));
        if max_eval / ei > 2_000 || span / tg.interval_ms.max(1) > 200_000 {
            continue;
        }
        // Subqueries of up to a million steps are bounded by design (see the PromQL target).
        if tg
            .promql_tests
            .iter()
            .any(|p| fuzz_support::subquery_steps(&p.expr) > 20_000)
        {
            continue;
        }
        std::hint::black_box(run_group(&file, &ordered, tg));
    }
    Corpus::Keep
});
