//! What changed since a git revision, for `check --diff-base REF`: asked of the `git`
//! executable (what CI checkouts have; no network, no library that could disagree with the
//! user's git about their repository).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the changes since a revision could not be worked out.
#[derive(Debug)]
pub(crate) enum GitError {
    /// `git` could not be run.
    NotRunnable(std::io::Error),
    /// The place checked is not in a git work tree.
    NotARepository { dir: PathBuf, git_says: String },
    /// The revision names no commit here (in a shallow clone: not fetched).
    UnknownRevision(String),
    /// Another git command failed.
    Failed { command: String, git_says: String },
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::NotRunnable(e) => {
                write!(f, "--diff-base needs the `git` executable on PATH: {e}")
            }
            GitError::NotARepository { dir, git_says } => write!(
                f,
                "--diff-base: {} is not in a git repository ({git_says})",
                alertlint_diagnostics::source::display_path(dir)
            ),
            GitError::UnknownRevision(rev) => write!(
                f,
                "--diff-base: unknown git revision `{rev}`; in a shallow clone, fetch it first \
                 (`git fetch --depth=1 origin {rev}`)"
            ),
            GitError::Failed { command, git_says } => {
                write!(f, "--diff-base: `{command}` failed: {git_says}")
            }
        }
    }
}

/// Runs git in `dir`; its standard output, or what it said on failure.
fn git(dir: &Path, args: &[&str]) -> Result<Result<Vec<u8>, String>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        // Paths byte for byte (no octal escapes), and no lock taken on the index: a CI step may
        // run beside other git commands.
        .args(["-c", "core.quotepath=off"])
        .env("GIT_OPTIONAL_LOCKS", "0")
        .args(args)
        .output()
        .map_err(GitError::NotRunnable)?;
    if out.status.success() {
        Ok(Ok(out.stdout))
    } else {
        Ok(Err(String::from_utf8_lossy(&out.stderr).trim().to_string()))
    }
}

fn failed(args: &[&str], git_says: String) -> GitError {
    GitError::Failed {
        command: format!("git {}", args.join(" ")),
        git_says,
    }
}

/// Runs git in `dir` and returns its output, or the error it is.
fn git_ok(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    git(dir, args)?.map_err(|says| failed(args, says))
}

fn nul_separated(bytes: &[u8]) -> impl Iterator<Item = String> + '_ {
    bytes
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
}

/// The top of the work tree around `place` (a file or directory).
fn work_tree(place: &Path) -> Result<PathBuf, GitError> {
    let abs = alertlint_diagnostics::source::absolute(place);
    let dir = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().map_or_else(|| abs.clone(), Path::to_path_buf)
    };
    match git(&dir, &["rev-parse", "--show-toplevel"])? {
        Ok(out) => Ok(PathBuf::from(
            String::from_utf8_lossy(&out).trim_end_matches('\n'),
        )),
        Err(git_says) => Err(GitError::NotARepository { dir, git_says }),
    }
}

/// The commit `rev` names in the repository at `top`.
fn commit_of(top: &Path, rev: &str) -> Result<String, GitError> {
    let spec = format!("{rev}^{{commit}}");
    let verify = [
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        &spec,
    ];
    match git(top, &verify)? {
        Ok(out) => Ok(String::from_utf8_lossy(&out).trim().to_string()),
        Err(_) => Err(GitError::UnknownRevision(rev.to_string())),
    }
}

/// Every file of the work tree around `place` that differs from revision `rev` (committed or
/// not, untracked new files included), by absolute path, with its text at `rev` when it is a
/// YAML file that existed there (`None` otherwise). A renamed file is a new file.
pub(crate) fn changes_since(
    rev: &str,
    place: &Path,
) -> Result<Vec<(PathBuf, Option<String>)>, GitError> {
    let top = work_tree(place)?;
    let commit = commit_of(&top, rev)?;
    let mut paths: Vec<String> = nul_separated(&git_ok(
        &top,
        &["diff", "--name-only", "-z", "--no-renames", &commit, "--"],
    )?)
    .collect();
    paths.extend(nul_separated(&git_ok(
        &top,
        &["ls-files", "-z", "--others", "--exclude-standard"],
    )?));
    paths.sort();
    paths.dedup();
    let mut changes = Vec::with_capacity(paths.len());
    for path in paths {
        let yaml = Path::new(&path)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        let before = if yaml {
            // Not there at `rev` (a new file): git fails, and the file is all new.
            git(&top, &["cat-file", "blob", &format!("{commit}:{path}")])?
                .ok()
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        } else {
            None
        };
        changes.push((top.join(&path), before));
    }
    Ok(changes)
}

/// The YAML files under `paths` as they were at revision `rev`: each file's absolute path in
/// today's work tree (where it would be) and its text then. For `backtest --baseline-ref`.
pub(crate) fn files_at(rev: &str, paths: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, GitError> {
    let place = paths
        .first()
        .map_or_else(|| PathBuf::from("."), Clone::clone);
    let top = work_tree(&place)?;
    let commit = commit_of(&top, rev)?;
    // The paths as git names them: relative to the top of the work tree.
    let canonical_top = std::fs::canonicalize(&top).unwrap_or_else(|_| top.clone());
    let mut specs = Vec::new();
    for p in paths {
        let abs = alertlint_diagnostics::source::absolute(p);
        let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
        match abs.strip_prefix(&canonical_top) {
            Ok(rel) if rel.as_os_str().is_empty() => specs.push(".".to_string()),
            Ok(rel) => specs.push(rel.to_string_lossy().into_owned()),
            Err(_) => {
                return Err(GitError::Failed {
                    command: "git ls-tree".to_string(),
                    git_says: format!(
                        "{} is outside the repository at {}",
                        p.display(),
                        top.display()
                    ),
                });
            }
        }
    }
    let mut args = vec![
        "ls-tree",
        "-r",
        "-z",
        "--name-only",
        "--full-tree",
        commit.as_str(),
        "--",
    ];
    args.extend(specs.iter().map(String::as_str));
    let names: Vec<String> = nul_separated(&git_ok(&top, &args)?)
        .filter(|n| {
            Path::new(n)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        })
        .collect();
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        let blob = git_ok(&top, &["cat-file", "blob", &format!("{commit}:{name}")])?;
        files.push((top.join(&name), String::from_utf8_lossy(&blob).into_owned()));
    }
    Ok(files)
}
