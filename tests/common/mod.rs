//! Helpers shared by the test suites.

// Each suite uses some of the helpers.
#![allow(dead_code)]

pub(crate) mod amtool;
pub(crate) mod oracle;
pub(crate) mod prometheus_server;
pub(crate) mod promtool;
pub(crate) mod promtool_test;

use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::report::{HumanOptions, Summary, render_human};
use alertlint_diagnostics::source::SourceFile;
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, load_file};
use alertlint_linter::model::Dialect;
use std::path::{Path, PathBuf};

/// Diagnostics as `alertlint check` prints them for one file, without colours, at a fixed width
/// so snapshots do not depend on the terminal.
pub(crate) fn render(diags: &[Diagnostic]) -> String {
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
pub(crate) const TODAY: &str = "2026-11-24";

/// The binary as a user runs it, without colours, on [`TODAY`].
pub(crate) fn alertlint() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("alertlint").expect("binary");
    cmd.env("NO_COLOR", "1");
    cmd.env("ALERTLINT_TODAY", TODAY);
    cmd
}

/// The config at `path`, or a panic that lists its errors.
pub(crate) fn load_config(path: &Path) -> Config {
    Config::load(path).unwrap_or_else(|e| panic!("{}: {:?}", path.display(), messages(&e)))
}

/// `text` read as the config `./.alertlint.yaml`, or a panic that lists its errors.
pub(crate) fn parse_config(text: &str) -> Config {
    let source = SourceFile::new(".alertlint.yaml", text.to_string());
    Config::parse(source, PathBuf::from(".")).unwrap_or_else(|e| panic!("{:?}", messages(&e)))
}

/// The errors of `text` read as the config `./.alertlint.yaml`, or a panic if it has none.
pub(crate) fn config_errors(text: &str) -> Vec<Diagnostic> {
    let source = SourceFile::new(".alertlint.yaml", text.to_string());
    match Config::parse(source, PathBuf::from(".")) {
        Ok(_) => panic!("no config errors in {text:?}"),
        Err(errors) => errors,
    }
}

/// A temporary directory holding `files` (path relative to it, text), with the directories
/// their paths name.
pub(crate) fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
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
pub(crate) fn diagnostics_of(
    check: &str,
    path: &Path,
    config: &Config,
    inputs: &Inputs,
) -> Vec<Diagnostic> {
    let file = match load_file(path, Dialect::Prometheus) {
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
pub(crate) fn messages(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.message.as_str()).collect()
}

/// The runbooks of `config`'s roots plus `dirs`, dated [`TODAY`]; `None` without any root.
pub(crate) fn load_runbooks(
    config: &Config,
    dirs: &[PathBuf],
) -> Option<alertlint_linter::runbook::Runbooks> {
    let mut rbs = alertlint_linter::runbook::load(config, dirs)
        .unwrap_or_else(|e| panic!("runbooks: {:?}", messages(&e)))?;
    rbs.today = alertlint_linter::runbook::date::parse_date(TODAY).expect("date");
    Some(rbs)
}

/// The failures of one test of `alertlint test --format json`, as `kind:alertname-or-expr`.
pub(crate) fn failure_kinds(test: &serde_json::Value) -> Vec<String> {
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

/// Runs `git` in `dir` with a fixed identity and no signing, as the tests that build a
/// repository need; panics with its output when it fails.
pub(crate) fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=alertlint",
            "-c",
            "user.email=test@alertlint.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs (tests that build a repository need the git executable)");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// `check --no-config --format json ARGS` in `dir`: its exit code, each finding's check and
/// message, and its stderr.
pub(crate) fn check_json(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String)>, String) {
    let out = alertlint()
        .current_dir(dir)
        .args(["check", "--no-config", "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let findings = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["check"].as_str().unwrap_or("").to_string(),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (out.status.code().expect("exit code"), findings, stderr)
}

/// An HTTP request's head and body (by `Content-Length`), for the tests' stand-in servers.
pub(crate) fn read_http_request(stream: &mut std::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = std::io::Read::read(stream, &mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(split) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..split]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            let mut body = data[split + 4..].to_vec();
            while body.len() < length {
                let n = std::io::Read::read(stream, &mut buf).ok()?;
                if n == 0 {
                    return None;
                }
                body.extend_from_slice(&buf[..n]);
            }
            return Some((head, body));
        }
    }
}
