//! Load: finds rule files under the paths a user names and reads them into the model.
//!
//! Every input file alertlint reads (rule files, `.alertlint.yaml`, `alertmanager.yml`,
//! unit-test files, runbooks) goes through [`read_bounded_into`], which stops reading past a
//! limit whatever the file is: a regular file, a pipe (`alertlint check <(helm template …)`),
//! a FIFO or a device such as `/dev/zero`, whose size the file system does not know.

mod rule_file;
mod template;

pub use rule_file::{Classified, read_rule_file};

use rule_file::Read;

use crate::model::{Dialect, FileFormat, LoadProblem, LoadProblemKind, RuleFile};
use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::source::{SourceFile, Span};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Larger files are refused with a diagnostic rather than read: no real rule file, config or
/// unit-test file comes close.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// More than `cap` bytes: reading stopped there.
    TooLarge {
        cap: u64,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::TooLarge { cap } => write!(
                f,
                "larger than {}, the most alertlint reads from one file",
                size_text(*cap)
            ),
        }
    }
}

/// `64 MiB`, `8 MiB`, or bytes for limits that are not whole mebibytes.
fn size_text(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads the file at `path` into `buf` (cleared first), stopping once more than `cap` bytes
/// have come: the limit holds while reading, not by the size the file system reports, which
/// is 0 for a pipe, a FIFO or `/dev/zero`. The one reader of every input file. `size_hint`
/// asks the file's size first (one `fstat`; a reused buffer needs none), to allocate once and
/// to refuse a regular file known to be too large without reading it. On an error `buf` is
/// left empty.
pub(crate) fn read_bounded_into(
    path: &Path,
    cap: u64,
    buf: &mut Vec<u8>,
    size_hint: bool,
) -> Result<(), ReadError> {
    use std::io::Read as _;
    buf.clear();
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    if size_hint
        && let Ok(meta) = file.metadata()
        && meta.is_file()
    {
        // A regular file's size is known: one too large is not read at all.
        if meta.len() > cap {
            return Err(ReadError::TooLarge { cap });
        }
        // One byte more than the file holds, so the read that finds the end needs no growth.
        let want = usize::try_from(meta.len() + 1).unwrap_or(usize::MAX);
        buf.reserve(want);
    }
    // Through `take`, so that no more than `cap + 1` bytes are ever asked for.
    if let Err(e) = (&file).take(cap.saturating_add(1)).read_to_end(buf) {
        buf.clear();
        return Err(ReadError::Io(e));
    }
    if buf.len() as u64 > cap {
        buf.clear();
        buf.shrink_to_fit();
        return Err(ReadError::TooLarge { cap });
    }
    Ok(())
}

/// [`read_bounded_into`] a new buffer, allocated once for a regular file.
pub fn read_bounded(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    read_bounded_into(path, cap, &mut buf, true)?;
    Ok(buf)
}

/// Reads a config or unit-test file whole (at most [`MAX_FILE_BYTES`]), or gives the
/// diagnostic `check` reports when it cannot be read (`cannot read {what}: …`, at the start of
/// the file; for text that is not UTF-8, at the first invalid byte).
pub fn read_source(
    path: &Path,
    check: &'static str,
    what: &str,
) -> Result<Arc<SourceFile>, Vec<Diagnostic>> {
    let error = |text: String, at: usize, message: String| {
        vec![Diagnostic::new(
            check,
            &SourceFile::new(path, text),
            Span::point(at),
            format!("cannot read {what}: {message}"),
        )]
    };
    let bytes =
        read_bounded(path, MAX_FILE_BYTES).map_err(|e| error(String::new(), 0, e.to_string()))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Err(error(
                text,
                at,
                format!("not UTF-8 text (invalid byte at offset {at})"),
            ))
        }
    }
}

/// A path that could not be used at all (missing, unreadable): a usage error, exit code 2.
#[derive(Debug)]
pub struct PathError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            alertlint_diagnostics::source::display_path(&self.path),
            self.message
        )
    }
}

/// What a directory walk met besides the files it returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkNotes {
    /// Entries with a name the walk looks for that are not regular files (FIFOs, sockets,
    /// devices): skipped, never opened (a FIFO would block, a device never end).
    pub not_regular: Vec<PathBuf>,
    /// Files found through a symbolic link (to the file or to a directory above it).
    pub via_links: usize,
    /// Files reached both through a link and another way: read once.
    pub duplicates: usize,
    /// Links not followed, each with why: a loop back to a directory above it, or a link to
    /// nothing.
    pub link_problems: Vec<String>,
}

impl WalkNotes {
    pub fn is_empty(&self) -> bool {
        self == &WalkNotes::default()
    }

    pub fn extend(&mut self, other: WalkNotes) {
        self.not_regular.extend(other.not_regular);
        self.via_links += other.via_links;
        self.duplicates += other.duplicates;
        self.link_problems.extend(other.link_problems);
    }

    /// One line each for what a user should know (`warning: …`, `note: …`), for stderr.
    /// `one` and `many` name the files looked for (`rule file`, `rule files`).
    pub fn lines(&self, one: &str, many: &str) -> Vec<String> {
        let mut out = Vec::new();
        if !self.not_regular.is_empty() {
            const SHOWN: usize = 5;
            let mut names: Vec<String> = self
                .not_regular
                .iter()
                .take(SHOWN)
                .map(|p| alertlint_diagnostics::source::display_path(p))
                .collect();
            if self.not_regular.len() > SHOWN {
                names.push(format!("and {} more", self.not_regular.len() - SHOWN));
            }
            out.push(format!(
                "warning: skipped {} (a FIFO, socket or device: never opened; name it to read it): {}",
                plural(
                    self.not_regular.len(),
                    "entry that is not a regular file",
                    "entries that are not regular files"
                ),
                names.join(", ")
            ));
        }
        for p in &self.link_problems {
            out.push(format!("warning: {p}"));
        }
        if self.via_links > 0 || self.duplicates > 0 {
            let mut line = format!(
                "note: {} reached through symbolic links",
                plural(self.via_links, one, many)
            );
            if self.duplicates > 0 {
                line.push_str(&format!(
                    "; {} to files already found skipped (each file is read once)",
                    plural(self.duplicates, "other path", "other paths")
                ));
            }
            out.push(line);
        }
        out
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One entry of a directory walk that follows symbolic links.
pub(crate) enum Walked {
    /// A regular file (`via_link`: reached through a symbolic link).
    File { path: PathBuf, via_link: bool },
    /// A FIFO, socket or device.
    NotRegular(PathBuf),
    /// A directory, or the walk's root.
    Dir,
}

/// Walks `root` recursively, honouring `.gitignore` and skipping hidden entries, following
/// symbolic links to files and directories (a link back to a directory above it is a loop:
/// reported in `notes`, not followed; so is a link to nothing). Other errors end the walk
/// when `strict`, else are passed over. `sort` visits siblings by name. Notes show paths
/// under `root` as under `shown` (the root as the user wrote it).
pub(crate) fn walk(
    root: &Path,
    shown: &Path,
    sort: bool,
    strict: bool,
    notes: &mut WalkNotes,
    mut visit: impl FnMut(Walked),
) -> Result<(), PathError> {
    let mut builder = ignore::WalkBuilder::new(root);
    builder.require_git(false).follow_links(true);
    if sort {
        // Siblings compared by name, as bytes: the same order as by path, without
        // `Path`'s component-wise compare (a tenth of the walk on 10,000 files).
        builder.sort_by_file_name(std::cmp::Ord::cmp);
    }
    // The directories reached through a link that the walk is inside of (it is depth-first).
    let mut link_dirs: Vec<PathBuf> = Vec::new();
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => match link_problem(&err, &|p| shown_under(p, root, shown)) {
                Some(problem) => {
                    notes.link_problems.push(problem);
                    continue;
                }
                None if !strict => continue,
                None => {
                    return Err(PathError {
                        path: root.to_path_buf(),
                        message: err.to_string(),
                    });
                }
            },
        };
        let path = entry.path();
        while link_dirs.last().is_some_and(|d| !path.starts_with(d)) {
            link_dirs.pop();
        }
        // With links followed, the type is the target's.
        let Some(ty) = entry.file_type() else {
            continue;
        };
        let is_link = entry.depth() > 0 && entry.path_is_symlink();
        if ty.is_dir() {
            if is_link {
                link_dirs.push(path.to_path_buf());
            }
            visit(Walked::Dir);
        } else if ty.is_file() {
            visit(Walked::File {
                via_link: is_link || !link_dirs.is_empty(),
                path: entry.into_path(),
            });
        } else {
            visit(Walked::NotRegular(entry.into_path()));
        }
    }
    Ok(())
}

/// A walk error about a symbolic link that is not followed (a loop, a link to nothing),
/// worded for the user; `None` for other errors.
fn link_problem(err: &ignore::Error, show: &dyn Fn(&Path) -> String) -> Option<String> {
    match err {
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            link_problem(err, show)
        }
        ignore::Error::Loop { ancestor, child } => Some(format!(
            "symbolic link loop: {} leads back to {}; not followed",
            show(child),
            show(ancestor)
        )),
        ignore::Error::WithPath { path, err } => {
            let dangling = err
                .io_error()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            if dangling {
                Some(format!(
                    "symbolic link {} leads to nothing; skipped",
                    show(path)
                ))
            } else {
                link_problem(err, show)
            }
        }
        _ => None,
    }
}

/// `path`, found under `root`, as under `shown`, for messages.
pub(crate) fn shown_under(path: &Path, root: &Path, shown: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rest) if !rest.as_os_str().is_empty() => {
            alertlint_diagnostics::source::display_path(&shown.join(rest))
        }
        Ok(_) => alertlint_diagnostics::source::display_path(shown),
        Err(_) => alertlint_diagnostics::source::display_path(path),
    }
}

/// The identity of a file (device and inode), to tell when two paths are one file.
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Drops the files of `files` (with whether each was reached through a link) that are one
/// file with another kept: each file is read once, under the path that reaches it without a
/// link if there is one, else under the first. Order is kept. Asks the file system only when
/// some file was reached through a link. Returns how many were dropped.
pub(crate) fn drop_linked_twins<T>(
    files: &mut Vec<T>,
    via_link: impl Fn(&T) -> bool,
    path: impl Fn(&T) -> PathBuf,
) -> usize {
    if !files.iter().any(&via_link) {
        return 0;
    }
    let mut seen = HashSet::new();
    for f in files.iter().filter(|f| !via_link(f)) {
        if let Some(id) = file_id(&path(f)) {
            seen.insert(id);
        }
    }
    let before = files.len();
    files.retain(|f| !via_link(f) || file_id(&path(f)).is_none_or(|id| seen.insert(id)));
    before - files.len()
}

/// Finds the YAML files under `paths`: directories are walked recursively, honouring
/// `.gitignore` and skipping hidden entries; files named explicitly are always taken.
/// `excludes` are gitignore-style globs. The result is sorted, so output is deterministic.
pub fn discover(paths: &[PathBuf], excludes: &[String]) -> Result<Vec<PathBuf>, PathError> {
    discover_noting(paths, excludes).map(|(files, _)| files)
}

/// [`discover`], and what the walk met besides (see [`WalkNotes`]). Symbolic links inside the
/// directories are followed; entries that are not regular files are skipped, not opened.
/// Files named explicitly are taken whatever they are: a pipe (`<(helm template …)`) is read,
/// within the limit.
pub(crate) fn discover_noting(
    paths: &[PathBuf],
    excludes: &[String],
) -> Result<(Vec<PathBuf>, WalkNotes), PathError> {
    let excludes = build_excludes(excludes)?;
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    let mut notes = WalkNotes::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| PathError {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if !meta.is_dir() {
            files.push((path.clone(), false));
            continue;
        }
        let mut walk_notes = WalkNotes::default();
        let mut not_regular = Vec::new();
        walk(
            path,
            path,
            true,
            true,
            &mut walk_notes,
            |entry| match entry {
                Walked::File { path, via_link } => {
                    if is_yaml(&path) && !excludes.is_match(&path) {
                        files.push((path, via_link));
                    }
                }
                Walked::NotRegular(path) => {
                    if is_yaml(&path) && !excludes.is_match(&path) {
                        not_regular.push(path);
                    }
                }
                Walked::Dir => {}
            },
        )?;
        walk_notes.not_regular.extend(not_regular);
        notes.extend(walk_notes);
    }
    // By path; one named twice (or named and found in a directory) is taken once, and one
    // found without a link before one through it.
    files.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    files.dedup_by(|b, a| a.0 == b.0);
    notes.duplicates = drop_linked_twins(&mut files, |f| f.1, |f| f.0.clone());
    notes.via_links = files.iter().filter(|f| f.1).count();
    Ok((files.into_iter().map(|(p, _)| p).collect(), notes))
}

/// The two globs an `exclude` pattern stands for: patterns match at any depth (`broken/`
/// excludes every `broken` directory), so the same config works whichever directory
/// alertlint is run from, and a directory's pattern excludes what is under it.
fn exclude_globs(g: &str) -> Result<[globset::Glob; 2], globset::Error> {
    let g = g.trim_start_matches("./").trim_start_matches('/');
    let pattern = if g.starts_with("**") {
        g.to_string()
    } else {
        format!("**/{g}")
    };
    let build = |p: &str| globset::GlobBuilder::new(p).literal_separator(true).build();
    Ok([
        build(&pattern)?,
        build(&format!("{}/**", pattern.trim_end_matches('/')))?,
    ])
}

/// Why an `exclude` glob is invalid, if it is (the config reports it at its position).
pub(crate) fn exclude_glob_error(glob: &str) -> Option<String> {
    exclude_globs(glob).err().map(|e| e.kind().to_string())
}

fn build_excludes(globs: &[String]) -> Result<globset::GlobSet, PathError> {
    let mut set = globset::GlobSetBuilder::new();
    for g in globs {
        let [a, b] = exclude_globs(g).map_err(|e| PathError {
            path: PathBuf::from(g),
            message: format!("invalid --exclude glob: {}", e.kind()),
        })?;
        set.add(a);
        set.add(b);
    }
    set.build().map_err(|e| PathError {
        path: PathBuf::new(),
        message: e.to_string(),
    })
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml"))
}

/// Reads a file into the model. Files too large, or not UTF-8 text, become a rule file
/// holding one syntax problem, so they are reported like any other broken file. A template
/// (Helm, Jinja) that does not parse is [`Classified::NotRules`].
pub fn load_file(path: &Path, dialect: Dialect) -> Result<Classified, PathError> {
    load(path, dialect).map(Classified::from)
}

fn load(path: &Path, dialect: Dialect) -> Result<Read, PathError> {
    let bytes = match read_bounded(path, MAX_FILE_BYTES) {
        Ok(bytes) => bytes,
        Err(ReadError::Io(e)) => {
            return Err(PathError {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
        Err(e @ ReadError::TooLarge { .. }) => {
            return Ok(unreadable(path, String::new(), 0, e.to_string()));
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(rule_file::read(SourceFile::new(path, text), dialect)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // Lossy decoding keeps the valid prefix byte for byte, so `at` is still right.
            Ok(unreadable(
                path,
                text,
                at,
                format!("not UTF-8 text (invalid byte at offset {at}); is this a binary file?"),
            ))
        }
    }
}

fn unreadable(path: &Path, text: String, at: usize, message: String) -> Read {
    Read::Rules(RuleFile {
        source: SourceFile::new(path, text),
        format: FileFormat::Prometheus,
        groups: Vec::new(),
        problems: vec![LoadProblem {
            kind: LoadProblemKind::Syntax,
            span: Span::new(at, at + 1),
            message,
            related: None,
        }],
    })
}

/// The YAML files found that [`load_rule_files`] did not check, and what the walk met.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Files that are not rule files (other manifests, test files, configs), templates included.
    pub files: usize,
    /// Of `files`, templates (Helm, Jinja) that did not parse as YAML: YAML only once rendered.
    pub templates: usize,
    /// Of `templates`, those that render to rules (`kind: PrometheusRule`, a nested `groups:`):
    /// their rules can be checked only in the rendered output.
    pub rule_templates: usize,
    /// What the directory walk met besides: entries that are not regular files, links.
    pub walk: WalkNotes,
}

/// Rule files found under `paths`, loaded on all cores, and the YAML files that were not rule
/// files. The first unusable path ends the run (a usage error).
pub fn load_rule_files(
    paths: &[PathBuf],
    excludes: &[String],
    dialect: Dialect,
) -> Result<(Vec<RuleFile>, Skipped), PathError> {
    let (files, walk) = discover_noting(paths, excludes)?;
    let mut rule_files = Vec::new();
    let mut skipped = Skipped {
        walk,
        ..Skipped::default()
    };
    // Loaded on all cores; the results come back in the order of `files`.
    for loaded in crate::parallel::map(files.len(), |(): &mut (), i| load(&files[i], dialect)) {
        match loaded? {
            Read::Rules(f) => rule_files.push(f),
            Read::NotRules => skipped.files += 1,
            Read::Template(t) => {
                skipped.files += 1;
                skipped.templates += 1;
                skipped.rule_templates += usize::from(t.defines_rules);
            }
        }
    }
    Ok((rule_files, skipped))
}
