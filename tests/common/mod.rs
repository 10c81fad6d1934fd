//! Helpers shared by the test suites.

// Each suite uses some of the helpers.
#![allow(dead_code)]

pub mod amtool;
pub mod oracle;
pub mod promtool;
pub mod promtool_test;

use alertlint::analyse::{Inputs, analyse};
use alertlint::config::Config;
use alertlint::diagnostic::Diagnostic;
use alertlint::load::{Classified, load_file};
use alertlint::report::{HumanOptions, Summary, render_human};
use alertlint::source::SourceFile;
use std::path::{Path, PathBuf};

/// Diagnostics as `alertlint check` prints them for one file, without colours, at a fixed width
/// so snapshots do not depend on the terminal.
pub fn render(diags: &[Diagnostic]) -> String {
    let mut summary = Summary {
        files: 1,
        ..Summary::default()
    };
    summary.count(diags);
    render_human(
        diags,
        &summary,
        &HumanOptions {
            color: false,
            width: 100,
        },
    )
}

/// The date the suites check on, so that `runbook/stale` and the example runbooks' `Last
/// updated` dates do not depend on the clock.
pub const TODAY: &str = "2026-11-24";

/// The binary as a user runs it, without colours, on [`TODAY`].
pub fn alertlint() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("alertlint").expect("binary");
    cmd.env("NO_COLOR", "1");
    cmd.env("ALERTLINT_TODAY", TODAY);
    cmd
}

/// The config at `path`, or a panic that lists its errors.
pub fn load_config(path: &Path) -> Config {
    Config::load(path, alertlint::checks::is_check_id)
        .unwrap_or_else(|e| panic!("{}: {:?}", path.display(), messages(&e)))
}

/// `text` read as the config `./.alertlint.yaml`, or a panic that lists its errors.
pub fn parse_config(text: &str) -> Config {
    let source = SourceFile::new(".alertlint.yaml", text.to_string());
    Config::parse(source, PathBuf::from("."), alertlint::checks::is_check_id)
        .unwrap_or_else(|e| panic!("{:?}", messages(&e)))
}

/// A temporary directory holding `files` (path relative to it, text), with the directories
/// their paths name.
pub fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    dir
}

/// The diagnostics of `check` on the rule file at `path`, analysed alone under `config` with
/// `inputs` (runbooks, an Alertmanager config).
pub fn diagnostics_of(
    check: &str,
    path: &Path,
    config: &Config,
    inputs: &Inputs,
) -> Vec<Diagnostic> {
    let file = match load_file(path) {
        Ok(Classified::Rules(f)) => f,
        Ok(Classified::NotRules) => panic!("{} is not read as a rule file", path.display()),
        Err(e) => panic!("{e}"),
    };
    analyse(std::slice::from_ref(&file), config, inputs)
        .into_iter()
        .filter(|d| d.check == check)
        .collect()
}

/// The messages of some diagnostics, for a failing test to print.
pub fn messages(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.message.as_str()).collect()
}

/// The runbooks of `config`'s roots plus `dirs`, dated [`TODAY`]; `None` without any root.
pub fn load_runbooks(config: &Config, dirs: &[PathBuf]) -> Option<alertlint::runbook::Runbooks> {
    let mut rbs = alertlint::runbook::load(config, dirs)
        .unwrap_or_else(|e| panic!("runbooks: {:?}", messages(&e)))?;
    rbs.today = alertlint::runbook::date::parse_date(TODAY).expect("date");
    Some(rbs)
}

/// The failures of one test of `alertlint test --format json`, as `kind:alertname-or-expr`.
pub fn failure_kinds(test: &serde_json::Value) -> Vec<String> {
    test["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{}:{}",
                f["kind"].as_str().unwrap_or(""),
                f["alertname"].as_str().or(f["expr"].as_str()).unwrap_or("")
            )
        })
        .collect()
}
