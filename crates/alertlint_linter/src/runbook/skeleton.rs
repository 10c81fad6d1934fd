//! `alertlint runbook new`: a runbook skeleton filled from the rule, in a preset's layout, so
//! that writing a runbook starts from the facts rather than from a blank page. Everything the
//! rule cannot know is left as an HTML comment, which `runbook/sections` reports as empty
//! until someone fills it in.

use crate::config::Policy;
use crate::config::runbooks::Settings;
use crate::model::{Rule, RuleGroup};
use alertlint_diagnostics::source::display_path;
use promql::syntax::Expr;
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

/// What the skeleton is filled from.
pub struct Facts {
    pub alert: String,
    pub severity: Option<String>,
    pub owner: Option<String>,
    pub expr: Option<String>,
    /// `> 0.25`, when the expression is a comparison with a number.
    pub threshold: Option<String>,
    pub for_: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub dashboard: Option<String>,
}

impl Facts {
    pub fn of(group: &RuleGroup, rule: &Rule, policy: &Policy) -> Facts {
        let label = |n: &str| {
            rule.effective_label(group, n)
                .map(|p| p.value.value.clone())
        };
        let ann = |n: &str| rule.annotation(n).map(|p| p.value.value.trim().to_string());
        let threshold = match &rule.promql {
            Some(Ok(e)) => threshold_of(e),
            _ => None,
        };
        Facts {
            alert: rule.name().to_string(),
            severity: label(&policy.severity_label),
            owner: label(&policy.owner_label),
            expr: rule.expr.as_ref().map(|e| e.value.trim().to_string()),
            threshold,
            for_: rule.for_.as_ref().map(|f| f.value.clone()),
            summary: ann(&policy.summary_annotation),
            description: ann(&policy.description_annotation),
            dashboard: ann(&policy.dashboard_annotation),
        }
    }
}

/// The comparison at the top of an alert expression, such as `> 0.25`.
pub fn threshold_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Paren(p) => threshold_of(&p.expr),
        Expr::Binary(b) if b.op.is_comparison() => match (&b.lhs, &b.rhs) {
            (_, Expr::Number(n)) => Some(format!("{} {}", b.op.as_str(), n.value)),
            (Expr::Number(n), _) => Some(format!(
                "{} {} (number on the left)",
                b.op.as_str(),
                n.value
            )),
            _ => None,
        },
        Expr::Binary(b) => threshold_of(&b.lhs).or_else(|| threshold_of(&b.rhs)),
        _ => None,
    }
}

fn todo(what: &str) -> String {
    format!("<!-- TODO: {what} -->\n")
}

/// The Markdown of a new runbook.
pub fn render(f: &Facts, settings: &Settings, today: &str) -> String {
    let mut out = format!("# {}\n\n", f.alert);
    let or_todo = |v: &Option<String>, what: &str| {
        v.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("<!-- TODO: {what} -->"))
    };
    let facts_block = {
        let mut b = String::new();
        if let Some(s) = &f.summary {
            b.push_str(&format!("{s}\n\n"));
        }
        if let Some(d) = &f.description {
            b.push_str(&format!("The alert says: {}\n\n", d.replace('\n', " ")));
        }
        if let Some(e) = &f.expr {
            let when = match &f.for_ {
                Some(d) => format!(" for {d}"),
                None => String::new(),
            };
            b.push_str(&format!(
                "It fires when this expression returns series{when}:\n\n```promql\n{e}\n```\n\n"
            ));
        }
        if let Some(t) = &f.threshold {
            b.push_str(&format!("Threshold: `{t}`.\n\n"));
        }
        if let Some(d) = &f.dashboard {
            b.push_str(&format!("Dashboard: [{}]({d})\n\n", f.alert));
        }
        b
    };
    let first_step = {
        let mut b = String::from("Confirm the alert is real and see how far it has spread.\n\n");
        if let Some(d) = &f.dashboard {
            b.push_str(&format!("Open the [dashboard]({d}).\n\n"));
        }
        if let Some(e) = &f.expr {
            b.push_str(&format!(
                "Run the alert's query in Prometheus:\n\n```promql\n{e}\n```\n\n"
            ));
        }
        b.push_str(&todo("if … → go to Step 2; otherwise …"));
        b
    };

    if !settings.fields.is_empty() {
        for field in &settings.fields {
            let value = match super::markdown::normalize(field).as_str() {
                "alert" => f.alert.clone(),
                "severity" => or_todo(&f.severity, "severity"),
                "owner" | "team" => or_todo(&f.owner, "owning team"),
                "lastupdated" => today.to_string(),
                _ => format!("<!-- TODO: {field} -->"),
            };
            out.push_str(&format!("**{field}:** {value}  \n"));
        }
        out.push('\n');
    }

    let mut steps_written = false;
    for section in &settings.sections {
        let key = super::markdown::normalize(section);
        out.push_str(&format!("## {section}\n\n"));
        match key.as_str() {
            "context" | "meaning" => {
                out.push_str(&facts_block);
                out.push_str(&todo(
                    "what this means for users and the business; what usually causes it",
                ));
            }
            "impact" => out.push_str(&todo("who is affected and how badly")),
            "diagnosis" if !settings.require_steps => {
                out.push_str(&first_step);
                steps_written = true;
            }
            _ => out.push_str(&todo(section)),
        }
        out.push('\n');
        // Incident runbooks: the diagnostic steps come right after the context.
        if key == "context" && settings.require_steps && !steps_written {
            out.push_str(&steps(settings, &first_step));
            steps_written = true;
        }
    }
    if settings.require_steps && !steps_written {
        out.push_str(&steps(settings, &first_step));
    }
    out
}

fn steps(settings: &Settings, first: &str) -> String {
    let heading = settings
        .diagnosis
        .first()
        .cloned()
        .unwrap_or_else(|| "Diagnostic steps".to_string());
    format!(
        "## {heading}\n\n### Step 1: Confirm the alert\n\n{first}\n### Step 2: <!-- TODO: next check -->\n\n{}\n",
        todo("a command, a link, or a decision (\"if X → go to Step N\")")
    )
}

/// Where [`write`] puts a skeleton.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// Under a runbook root, never outside it: `rel` is the file's path under `root`,
    /// `/`-separated, as the `runbook_url` or the alert name gives it (`from` says which).
    UnderRoot {
        root: &'a Path,
        rel: &'a str,
        from: &'a str,
    },
    /// A file the user named (`--out FILE`): anywhere, its missing directories created.
    Chosen(&'a Path),
}

/// Why [`write`] wrote nothing. Paths are as shown to the user (relative to the working
/// directory where they can be, on one line); [`Display`](std::fmt::Display) gives the
/// one-line message.
#[derive(Debug)]
pub enum WriteError {
    /// Something is at the target already: without `force`, or put there meanwhile.
    Exists { shown: String },
    /// The path under the root, from the `runbook_url` or the alert name (`from`), is no path
    /// to a file inside the root.
    BadPath {
        shown: String,
        from: String,
        problem: PathProblem,
    },
    /// A directory on the way is a symbolic link leading outside the root (`root`, as shown,
    /// ends in `/`).
    LinkOutsideRoot {
        shown: String,
        dir: String,
        to: String,
        root: String,
    },
    /// A directory on the way is a symbolic link to something else than a directory.
    LinkNotDirectory {
        shown: String,
        dir: String,
        to: String,
    },
    /// A directory on the way is a symbolic link to nothing.
    LinkMissing {
        shown: String,
        dir: String,
        to: String,
    },
    /// A directory on the way is a file (or anything else but a directory).
    NotDirectory { shown: String, dir: String },
    /// A directory just created is not one any more.
    Changed { shown: String, dir: String },
    /// The directory of the target, as the file system resolves it, is outside the root.
    OutsideRoot {
        shown: String,
        dir: String,
        root: String,
    },
    /// `--out` names a directory path (`dir/`, `..`), no file.
    NoFile { shown: String },
    /// The target is a symbolic link (to `to`): never written through nor replaced.
    TargetIsLink { shown: String, to: String },
    /// The target is a directory.
    TargetIsDirectory { shown: String },
    /// The target is a FIFO, a socket, a device.
    TargetNotRegular { shown: String },
    /// The file system refused (`path` as shown: the target, or a directory on the way).
    Io { path: String, source: io::Error },
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Exists { shown } => write!(
                f,
                "{shown} already exists (use --force to overwrite, or --out - to print)"
            ),
            WriteError::BadPath {
                shown,
                from,
                problem,
            } => write!(
                f,
                "refusing to write {shown}: the path from the {from} {problem}"
            ),
            WriteError::LinkOutsideRoot {
                shown,
                dir,
                to,
                root,
            } => write!(
                f,
                "refusing to write {shown}: {dir} is a symbolic link to {to}, \
                 outside the runbook root {root}"
            ),
            WriteError::LinkNotDirectory { shown, dir, to } => write!(
                f,
                "refusing to write {shown}: {dir} is a symbolic link to {to}, \
                 not a directory"
            ),
            WriteError::LinkMissing { shown, dir, to } => write!(
                f,
                "refusing to write {shown}: {dir} is a symbolic link to {to}, \
                 which does not exist"
            ),
            WriteError::NotDirectory { shown, dir } => {
                write!(f, "refusing to write {shown}: {dir} is not a directory")
            }
            WriteError::Changed { shown, dir } => write!(
                f,
                "refusing to write {shown}: {dir} changed while it was created"
            ),
            WriteError::OutsideRoot { shown, dir, root } => write!(
                f,
                "refusing to write {shown}: {dir} leads outside the runbook root {root}"
            ),
            WriteError::NoFile { shown } => {
                write!(f, "refusing to write {shown}: it names no file")
            }
            WriteError::TargetIsLink { shown, to } => write!(
                f,
                "refusing to write {shown}: it is a symbolic link (to {to}), which alertlint \
                 neither writes through nor replaces; remove it, or name its target with --out"
            ),
            WriteError::TargetIsDirectory { shown } => {
                write!(f, "refusing to write {shown}: it is a directory")
            }
            WriteError::TargetNotRegular { shown } => write!(
                f,
                "refusing to write {shown}: it is not a regular file (use --out - to print)"
            ),
            WriteError::Io { path, source } => write!(f, "{path}: {source}"),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// What makes a path under a runbook root (from a `runbook_url` or an alert name) no path to
/// a file inside it; `root` is the root as shown, ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    ControlCharacter(char),
    Backslash {
        root: String,
    },
    Absolute {
        root: String,
    },
    ParentComponent {
        root: String,
    },
    /// `C:` (the drive as written).
    WindowsDrive {
        drive: String,
        root: String,
    },
    NoFile,
}

impl std::fmt::Display for PathProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathProblem::ControlCharacter(c) => {
                write!(f, "holds a control character ({})", c.escape_unicode())
            }
            PathProblem::Backslash { root } => write!(
                f,
                "holds a backslash, a separator on Windows, which may leave the runbook root {root}"
            ),
            PathProblem::Absolute { root } => {
                write!(f, "is absolute, outside the runbook root {root}")
            }
            PathProblem::ParentComponent { root } => write!(
                f,
                "has a `..` component, which may leave the runbook root {root}"
            ),
            PathProblem::WindowsDrive { drive, root } => write!(
                f,
                "names a Windows drive (`{drive}`), outside the runbook root {root}"
            ),
            PathProblem::NoFile => f.write_str("names no file"),
        }
    }
}

/// An [`WriteError::Io`] at `path` (as shown).
fn io_at(path: &str) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_string(),
        source,
    }
}

/// Writes a skeleton's `text` to `dest` atomically: into a new temporary file beside the
/// target, then renamed over it (`force`) or linked to its name, which fails if the name was
/// taken meanwhile. Never through a symbolic link: a link at the target is refused, and under a
/// root each directory on the way must lead to a directory inside the root. Missing
/// directories are created one at a time and removed again if the write fails.
///
/// Returns the path written, as shown to the user, or why nothing was written.
pub fn write(dest: Destination<'_>, text: &str, force: bool) -> Result<String, WriteError> {
    let mut created = Vec::new();
    let result = match dest {
        Destination::UnderRoot { root, rel, from } => {
            write_under_root(root, rel, from, text, force, &mut created)
        }
        Destination::Chosen(path) => write_chosen(path, text, force, &mut created),
    };
    if result.is_err() {
        // Nothing left behind: the directories made for the file, innermost first.
        for dir in created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
    result
}

/// The components of `rel`, a file's path under the runbook root `root` (as shown), or why it
/// is no such path. Percent-escapes are already decoded, so `%2e%2e` arrives as `..`.
fn components<'a>(rel: &'a str, root: &str) -> Result<Vec<&'a str>, PathProblem> {
    if let Some(c) = rel.chars().find(|c| c.is_control()) {
        return Err(PathProblem::ControlCharacter(c));
    }
    if rel.contains('\\') {
        return Err(PathProblem::Backslash {
            root: root.to_string(),
        });
    }
    if rel.starts_with('/') {
        return Err(PathProblem::Absolute {
            root: root.to_string(),
        });
    }
    let parts: Vec<&str> = rel
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    for c in &parts {
        if *c == ".." {
            return Err(PathProblem::ParentComponent {
                root: root.to_string(),
            });
        }
        let b = c.as_bytes();
        if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
            return Err(PathProblem::WindowsDrive {
                drive: c[..2].to_string(),
                root: root.to_string(),
            });
        }
    }
    if parts.is_empty() {
        return Err(PathProblem::NoFile);
    }
    Ok(parts)
}

/// `s` on one line: control characters escaped.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn write_under_root(
    root: &Path,
    rel: &str,
    from: &str,
    text: &str,
    force: bool,
    created: &mut Vec<PathBuf>,
) -> Result<String, WriteError> {
    let root_shown = display_path(root);
    let root_shown = root_shown.trim_end_matches('/');
    let shown = if rel.starts_with('/') {
        one_line(rel)
    } else {
        one_line(&format!("{root_shown}/{rel}"))
    };
    let root_dir = format!("{root_shown}/");
    let bad_path = |problem| WriteError::BadPath {
        shown: shown.clone(),
        from: from.to_string(),
        problem,
    };
    let parts = components(rel, &root_dir).map_err(bad_path)?;
    let root_real = fs::canonicalize(root).map_err(io_at(root_shown))?;
    // Never empty: `components` says `NoFile` first.
    let (file, dirs) = parts
        .split_last()
        .ok_or_else(|| bad_path(PathProblem::NoFile))?;

    // Down from the root: each directory a real one, or a link leading to one inside the root.
    let mut dir = root_real.clone();
    let mut dir_shown = root_shown.to_string();
    for c in dirs {
        let next = dir.join(c);
        dir_shown = one_line(&format!("{dir_shown}/{c}"));
        match fs::symlink_metadata(&next) {
            Ok(m) if m.is_dir() => dir = next,
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&next)
                    .map(|t| one_line(&t.to_string_lossy()))
                    .unwrap_or_default();
                match fs::canonicalize(&next) {
                    Ok(real) if !real.starts_with(&root_real) => {
                        return Err(WriteError::LinkOutsideRoot {
                            shown,
                            dir: dir_shown,
                            to,
                            root: root_dir,
                        });
                    }
                    Ok(real) if real.is_dir() => dir = real,
                    Ok(_) => {
                        return Err(WriteError::LinkNotDirectory {
                            shown,
                            dir: dir_shown,
                            to,
                        });
                    }
                    Err(_) => {
                        return Err(WriteError::LinkMissing {
                            shown,
                            dir: dir_shown,
                            to,
                        });
                    }
                }
            }
            Ok(_) => {
                return Err(WriteError::NotDirectory {
                    shown,
                    dir: dir_shown,
                });
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                fs::create_dir(&next).map_err(io_at(&dir_shown))?;
                created.push(next.clone());
                // Made here, so a directory: anything else means the tree is changing under us.
                if !fs::symlink_metadata(&next).is_ok_and(|m| m.is_dir()) {
                    return Err(WriteError::Changed {
                        shown,
                        dir: dir_shown,
                    });
                }
                dir = next;
            }
            Err(e) => return Err(io_at(&dir_shown)(e)),
        }
    }
    // The directory as the file system resolves it now, still inside the root.
    let real = fs::canonicalize(&dir).map_err(io_at(&dir_shown))?;
    if !real.starts_with(&root_real) {
        return Err(WriteError::OutsideRoot {
            shown,
            dir: dir_shown,
            root: root_dir,
        });
    }
    let target = real.join(file);
    let existing = check_target(&target, &shown, force)?;
    place(&real, &target, &shown, text, existing)?;
    Ok(shown)
}

fn write_chosen(
    path: &Path,
    text: &str,
    force: bool,
    created: &mut Vec<PathBuf>,
) -> Result<String, WriteError> {
    let shown = one_line(&display_path(path));
    if path.file_name().is_none() {
        return Err(WriteError::NoFile { shown });
    }
    let existing = check_target(path, &shown, force)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // The missing directories, outermost first: made one at a time, so that each can be
    // removed again if the write fails.
    let mut missing = Vec::new();
    for d in dir.ancestors().filter(|d| !d.as_os_str().is_empty()) {
        match fs::symlink_metadata(d) {
            Err(e) if e.kind() == ErrorKind::NotFound => missing.push(d),
            _ => break,
        }
    }
    for d in missing.into_iter().rev() {
        fs::create_dir(d).map_err(io_at(&one_line(&display_path(d))))?;
        created.push(d.to_path_buf());
    }
    place(dir, path, &shown, text, existing)?;
    Ok(shown)
}

/// What is at the target now: nothing (`Ok(None)`), or, with `force`, a regular file to
/// replace (its permissions, which the new file keeps). Anything else is refused.
fn check_target(
    target: &Path,
    shown: &str,
    force: bool,
) -> Result<Option<Permissions>, WriteError> {
    let shown = || shown.to_string();
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_at(&shown())(e)),
        Ok(m) if m.file_type().is_symlink() => {
            let to = fs::read_link(target)
                .map(|t| one_line(&t.to_string_lossy()))
                .unwrap_or_default();
            Err(WriteError::TargetIsLink { shown: shown(), to })
        }
        Ok(m) if m.is_dir() => Err(WriteError::TargetIsDirectory { shown: shown() }),
        Ok(m) if !m.is_file() => Err(WriteError::TargetNotRegular { shown: shown() }),
        Ok(_) if !force => Err(WriteError::Exists { shown: shown() }),
        Ok(m) => Ok(Some(m.permissions())),
    }
}

/// Writes `text` to a new temporary file in `dir`, then puts it at `target`: renamed over the
/// file there (`existing`), or linked to the free name, which fails if it was taken since it
/// was checked. The temporary file is gone either way.
fn place(
    dir: &Path,
    target: &Path,
    shown: &str,
    text: &str,
    existing: Option<Permissions>,
) -> Result<(), WriteError> {
    let (tmp, mut f) = temp_file(dir).map_err(io_at(shown))?;
    let written = f
        .write_all(text.as_bytes())
        .and_then(|()| match &existing {
            Some(p) => f.set_permissions(p.clone()),
            None => Ok(()),
        })
        .and_then(|()| f.sync_all());
    drop(f);
    let placed = written.and_then(|()| match existing {
        Some(_) => fs::rename(&tmp, target),
        None => link_new(&tmp, target),
    });
    match placed {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(if e.kind() == ErrorKind::AlreadyExists {
                WriteError::Exists {
                    shown: shown.to_string(),
                }
            } else {
                io_at(shown)(e)
            })
        }
    }
}

/// Gives the temporary file `tmp` the name `target` unless something has that name: a hard
/// link, which never replaces, then `tmp` removed. Where the file system has no hard links,
/// a rename after one more look.
fn link_new(tmp: &Path, target: &Path) -> io::Result<()> {
    match fs::hard_link(tmp, target) {
        Ok(()) => {
            let _ = fs::remove_file(tmp);
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(e),
        Err(_) => match fs::symlink_metadata(target) {
            Err(e) if e.kind() == ErrorKind::NotFound => fs::rename(tmp, target),
            Err(e) => Err(e),
            Ok(_) => Err(ErrorKind::AlreadyExists.into()),
        },
    }
}

/// A new, empty file in `dir` under a name nothing else uses (`create_new`: never an existing
/// file, never through a link), hidden from the runbook walk.
fn temp_file(dir: &Path) -> io::Result<(PathBuf, File)> {
    for n in 0..100 {
        let path = dir.join(format!(".alertlint-new-{}-{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        ErrorKind::AlreadyExists,
        "no free name for a temporary file",
    ))
}

#[cfg(test)]
mod tests {
    use super::{PathProblem, WriteError, components};

    #[test]
    fn paths_under_a_root() {
        assert_eq!(components("team/./A.md", "r/"), Ok(vec!["team", "A.md"]));
        assert_eq!(components("team//A.md", "r/"), Ok(vec!["team", "A.md"]));
        for bad in [
            "../x.md",
            "a/../../x.md",
            "..",
            "/abs/x.md",
            "a\\..\\x.md",
            "C:/x.md",
            "c:x.md",
            "a/D:x",
            "x\0.md",
            "x\n.md",
            "",
            "./",
        ] {
            assert!(components(bad, "r/").is_err(), "{bad:?}");
        }
        // A colon elsewhere is a file name character (`job:errors:rate5m`).
        assert!(components("Job:Errors.md", "r/").is_ok());
    }

    #[test]
    fn errors_read_as_one_line() {
        assert_eq!(
            components("C:/x.md", "r/").unwrap_err().to_string(),
            "names a Windows drive (`C:`), outside the runbook root r/"
        );
        assert_eq!(
            components("x\0.md", "r/").unwrap_err().to_string(),
            "holds a control character (\\u{0})"
        );
        let shown = "r/A.md".to_string();
        assert_eq!(
            WriteError::BadPath {
                shown: shown.clone(),
                from: "alert name".to_string(),
                problem: PathProblem::NoFile
            }
            .to_string(),
            "refusing to write r/A.md: the path from the alert name names no file"
        );
        assert_eq!(
            WriteError::Exists {
                shown: shown.clone()
            }
            .to_string(),
            "r/A.md already exists (use --force to overwrite, or --out - to print)"
        );
        assert_eq!(
            WriteError::Io {
                path: shown,
                source: std::io::Error::other("disk full")
            }
            .to_string(),
            "r/A.md: disk full"
        );
    }
}
