//! What the two test tiers share about oracles: where recorded verdicts live, how they are read
//! and written, and (for the oracle tier) where the corpora and the oracle binaries are.
//!
//! Tier 1 (`cargo test`) compares alertlint with verdicts that promtool and amtool gave on the
//! project's own inputs, recorded under `fixtures/oracle/`. Tier 2 (`cargo test --features
//! oracle`) runs the oracles live on the same inputs and fails when a recording is out of date;
//! with `ALERTLINT_RECORD=1` it writes the recordings instead (`scripts/record-oracles.sh`).

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (tests run with it as the working directory, but say so explicitly).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A recording under `fixtures/oracle/`, parsed.
pub(crate) fn read_recording<T: DeserializeOwned>(name: &str) -> T {
    let path = root().join("fixtures/oracle").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; record it with scripts/record-oracles.sh",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The recording to compare with, or, when recording, the one to update: it keeps the
/// hand-written notes (where 3.x differs) and starts empty when there is none yet.
pub(crate) fn read_recording_for_update<T: DeserializeOwned + Default>(name: &str) -> T {
    if !recording() {
        return read_recording(name);
    }
    std::fs::read_to_string(root().join("fixtures/oracle").join(name))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Writes a recording under `fixtures/oracle/` as stable, pretty JSON with a final newline.
pub(crate) fn write_recording<T: Serialize>(name: &str, value: &T) {
    let path = root().join("fixtures/oracle").join(name);
    let mut text = serde_json::to_string_pretty(value).expect("serialise recording");
    text.push('\n');
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Whether this oracle-tier run writes recordings (`ALERTLINT_RECORD=1`) instead of comparing
/// the live oracle with them.
pub(crate) fn recording() -> bool {
    std::env::var_os("ALERTLINT_RECORD").is_some_and(|v| v == "1")
}

/// Where the third-party corpora are: `ALERTLINT_CORPORA`, else `../shared/corpora` beside the
/// repository. The oracle tier fails, never skips, when they are missing.
pub(crate) fn corpora() -> PathBuf {
    let dir = std::env::var_os("ALERTLINT_CORPORA")
        .map_or_else(|| root().join("../shared/corpora"), PathBuf::from);
    assert!(
        dir.is_dir(),
        "the oracle tier needs the reference corpora at {} (set ALERTLINT_CORPORA=DIR); \
         it fails rather than skips without them",
        dir.display()
    );
    dir
}

/// One corpus folder under [`corpora`], which must exist.
pub(crate) fn corpus(name: &str) -> PathBuf {
    let dir = corpora().join(name);
    assert!(dir.is_dir(), "corpus missing: {}", dir.display());
    dir
}

/// The oracle binary `name`: `$ENV` if set, else `name` on PATH. Panics with the Debian package
/// to install when it cannot be run: the oracle tier fails, never skips.
pub(crate) fn oracle_binary(name: &str, env: &str, package: &str) -> String {
    let path = std::env::var(env).unwrap_or_else(|_| name.to_string());
    match Command::new(&path).arg("--version").output() {
        Ok(out) if out.status.success() => path,
        _ => panic!(
            "{name} not found (`{path}`): the oracle tier needs it. Install the Debian package \
             `{package}` (apt-get install {package}) or set {env}; this test does not skip"
        ),
    }
}

/// `path` relative to the repository root, with `/` separators: the key of a recording.
pub(crate) fn key(path: &Path) -> String {
    let rel = path.strip_prefix(root()).unwrap_or(path);
    rel.to_string_lossy().replace('\\', "/")
}

/// The first line an oracle prints for `--version`, kept in a recording.
pub(crate) fn oracle_version(binary: &str) -> String {
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("{binary} --version: {e}"));
    // amtool prints its version on stderr, promtool on stdout.
    let text = [out.stdout, out.stderr].concat();
    String::from_utf8_lossy(&text)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// Every `.yml`/`.yaml` file under `dir`, sorted.
pub(crate) fn yaml_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .build()
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .into_path()
        })
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Nothing silently left out of a recording: every input has a recorded verdict, and every
/// recorded verdict is of an input.
pub(crate) fn assert_recording_covers<'a>(
    inputs: &[String],
    recorded: impl Iterator<Item = &'a String> + Clone,
) {
    let unrecorded: Vec<&String> = inputs
        .iter()
        .filter(|k| !recorded.clone().any(|r| r == *k))
        .collect();
    let stale: Vec<&String> = recorded.filter(|k| !inputs.contains(k)).collect();
    assert!(
        unrecorded.is_empty() && stale.is_empty(),
        "recording out of date (scripts/record-oracles.sh): unrecorded {unrecorded:?}, \
         no longer an input {stale:?}"
    );
}
