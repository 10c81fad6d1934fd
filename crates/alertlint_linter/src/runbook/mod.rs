//! Runbooks: resolving `runbook_url`s to Markdown files under configured runbook roots, and
//! reading those files into [`Runbook`]s that the `runbook/*` checks inspect.
//!
//! Roots come from `runbooks:` in `.alertlint.yaml` (see [`settings`]) and `--runbooks DIR`.
//! A `runbook_url` resolves when it is a relative path to a file under a root, or a URL under
//! a root's `url_prefix` (`https://wiki/runbooks/` + `kube/KubePodNotReady` finds
//! `kube/KubePodNotReady.md`, `…/index.md`, `…/_index.md` or `…/README.md`, case-insensitively
//! as Hugo serves them), optionally with a `#fragment` naming a heading by its GitHub anchor.
//! No network access is ever made.

pub mod date;
pub mod markdown;
pub mod skeleton;
mod slug;

pub use crate::config::runbooks::Settings;
pub use markdown::{Field, Heading, Link, Runbook, Step, StepRef};

use crate::alerts::AlertRef;
use crate::config::{Config, Policy};
use crate::model::{Pair, Rule, RuleFile, RuleGroup, Str};
use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::source::{SourceFile, Span};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// One directory of runbooks.
#[derive(Debug, Clone)]
pub struct Root {
    /// As shown in messages (relative to the working directory when possible).
    pub dir: PathBuf,
    abs: PathBuf,
    pub url_prefix: Option<String>,
    pub settings: Settings,
    /// The settings' names, as runbooks are searched for them.
    pub keys: markdown::NameKeys,
}

impl Root {
    fn new(dir: PathBuf, abs: PathBuf, url_prefix: Option<String>, settings: Settings) -> Root {
        Root {
            dir,
            abs,
            url_prefix,
            keys: markdown::NameKeys::new(&settings),
            settings,
        }
    }
}

/// The runbooks found under the configured roots.
#[derive(Debug, Default)]
pub struct Runbooks {
    pub roots: Vec<Root>,
    /// Every Markdown file under the roots, sorted by root then path.
    pub docs: Vec<Runbook>,
    /// Per root, the runbooks under each lookup key ([`key_of`]).
    by_key: Vec<HashMap<Box<str>, Candidates>>,
    /// The config's directory, absolute: relative `runbook_url`s may start there.
    config_root: PathBuf,
    /// Today, in days since 1970-01-01 (see [`date::today`]).
    pub today: i64,
    /// The settings of the `runbooks:` section itself (for `runbook new` without a root).
    pub defaults: Settings,
    /// What the walk of the roots met besides runbooks (entries that are not regular files,
    /// symbolic links), for the run to tell.
    pub walk: crate::load::WalkNotes,
}

/// The runbooks under one lookup key, in walk order: nearly always one (`a.md`), several
/// when spellings differ only in case or extension (`a.md`, `A.markdown`, `a/README.md`).
#[derive(Debug)]
struct Candidates {
    first: usize,
    more: Vec<usize>,
}

impl Candidates {
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.first).chain(self.more.iter().copied())
    }
}

/// Where a `runbook_url` leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A Go template: which runbook it renders to is not known before the alert fires.
    Templated,
    /// A runbook (and, with a fragment, a heading in it).
    Found { doc: usize, fragment: bool },
    /// Under a root, but no such file there.
    MissingFile {
        root: Option<usize>,
        expected: String,
    },
    /// The file exists but has no heading with that anchor.
    MissingHeading { doc: usize, fragment: String },
    /// Outside every root: cannot be verified without fetching it.
    Unverifiable,
}

impl Runbooks {
    pub fn doc(&self, i: usize) -> Option<&Runbook> {
        self.docs.get(i)
    }

    pub(crate) fn settings_of(&self, doc: &Runbook) -> &Settings {
        self.roots
            .get(doc.root)
            .map_or(&self.defaults, |r| &r.settings)
    }

    fn lookup(&self, root: usize, rest: &str) -> Option<usize> {
        let candidates = self.by_key.get(root)?.get(key_of(rest).as_str())?;
        if candidates.more.is_empty() {
            return Some(candidates.first);
        }
        // An exact spelling first, then a non-index page, then any.
        let rest = rest.trim_matches('/');
        candidates
            .iter()
            .find(|&i| self.docs[i].rel == rest || strip_ext(&self.docs[i].rel) == rest)
            .or_else(|| candidates.iter().find(|&i| !self.docs[i].is_index))
            .or(Some(candidates.first))
    }

    fn with_fragment(&self, doc: usize, fragment: Option<&str>) -> Resolution {
        match fragment.filter(|f| !f.is_empty()) {
            None => Resolution::Found {
                doc,
                fragment: false,
            },
            Some(f) => {
                let f = percent_decode(f);
                if self.docs[doc].anchor(&f).is_some() {
                    Resolution::Found {
                        doc,
                        fragment: true,
                    }
                } else {
                    Resolution::MissingHeading {
                        doc,
                        fragment: f.into_owned(),
                    }
                }
            }
        }
    }

    /// Resolves a `runbook_url` written in `rule_file`.
    pub fn resolve(&self, url: &str, rule_file: &Path) -> Resolution {
        self.resolve_into(url, rule_file, None)
    }

    /// Where `runbook new` puts the runbook of a `runbook_url` that resolves to no file under
    /// a root: that root and the file's path under it, `/`-separated, percent-decoded and
    /// otherwise as the URL wrote it. A `..` is kept, not normalised away: the writer refuses
    /// it rather than write wherever it leads. `None` when the URL resolves otherwise.
    pub fn new_file_under_root(&self, url: &str, rule_file: &Path) -> Option<(usize, String)> {
        let mut rel = String::new();
        match self.resolve_into(url, rule_file, Some(&mut rel)) {
            Resolution::MissingFile { root: Some(i), .. } => Some((i, rel)),
            _ => None,
        }
    }

    /// [`Runbooks::resolve`], also giving a missing file's path under its root in `rel`.
    fn resolve_into(&self, url: &str, rule_file: &Path, rel: Option<&mut String>) -> Resolution {
        let url = url.trim();
        if crate::model::is_templated(url) {
            return Resolution::Templated;
        }
        let (path, fragment) = match url.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (url, None),
        };
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        if has_scheme(path) || path.starts_with("//") {
            for (i, root) in self.roots.iter().enumerate() {
                let Some(prefix) = &root.url_prefix else {
                    continue;
                };
                let prefix = prefix.trim_end_matches('/');
                let Some(rest) = path.strip_prefix(prefix) else {
                    continue;
                };
                if !(rest.is_empty() || rest.starts_with('/')) {
                    continue;
                }
                let rest = percent_decode(rest.trim_matches('/'));
                return match self.lookup(i, &rest) {
                    Some(doc) => self.with_fragment(doc, fragment),
                    None => Resolution::MissingFile {
                        root: Some(i),
                        expected: expected_path(&root.dir, &rest, rel),
                    },
                };
            }
            return Resolution::Unverifiable;
        }

        // A relative path: from the rule file, the config's directory, or a root itself.
        let path = percent_decode(path);
        // A rule file named without a directory (`check rules.yaml`) has the parent "", which
        // is the current directory.
        let rule_dir = absolute(
            rule_file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        );
        let bases = [&rule_dir, &self.config_root]
            .into_iter()
            .chain(self.roots.iter().map(|r| &r.abs));
        let mut inside: Option<(usize, String)> = None;
        let mut exists = false;
        for base in bases {
            let abs = normalize(&base.join(path.as_ref()));
            for (i, root) in self.roots.iter().enumerate() {
                let Some(rel) = relative_to(&abs, &root.abs) else {
                    continue;
                };
                if let Some(doc) = self.lookup(i, &rel) {
                    return self.with_fragment(doc, fragment);
                }
                if inside.is_none() {
                    inside = Some((i, rel));
                }
            }
            exists |= abs.is_file();
        }
        match inside {
            Some((i, under)) => Resolution::MissingFile {
                root: Some(i),
                expected: expected_path(&self.roots[i].dir, &under, rel),
            },
            None if exists => Resolution::Unverifiable,
            None => Resolution::MissingFile {
                root: None,
                expected: path.into_owned(),
            },
        }
    }

    /// Every alert's `runbook_url` (non-empty ones; `alert/runbook` reports the rest) and
    /// where it leads, in file order. The checks share one result
    /// (`checks::Context::runbook_references`).
    pub fn references<'a>(&self, alerts: &[AlertRef<'a>]) -> Vec<Reference<'a>> {
        // On every core: the checks that need the links wait for them (they are computed
        // once, by the first check to ask), so a core left idle here is lost.
        crate::parallel::map(alerts.len(), |(): &mut (), i| self.reference(alerts[i]))
            .into_iter()
            .flatten()
            .collect()
    }

    /// The runbook link of one alert, if it has a non-empty one.
    fn reference<'a>(&self, ((file, group, rule), policy): AlertRef<'a>) -> Option<Reference<'a>> {
        let pair = rule.annotation(&policy.runbook_annotation)?;
        if pair.value.value.trim().is_empty() {
            return None;
        }
        Some(Reference {
            file,
            group,
            rule,
            url: pair,
            resolution: self.resolve(&pair.value.value, &file.source.path),
            policy,
        })
    }
}

/// One alert's link to its runbook.
pub struct Reference<'a> {
    pub file: &'a RuleFile,
    pub group: &'a RuleGroup,
    pub rule: &'a Rule,
    pub url: &'a Pair,
    pub resolution: Resolution,
    /// The alert's on-call policy (see [`Config::policy_for`]).
    pub policy: &'a Policy,
}

impl Reference<'_> {
    /// A label of the alert (its own, else its group's).
    pub fn label(&self, name: &str) -> Option<&Str> {
        self.rule
            .effective_label(self.group, name)
            .map(|p| &p.value)
    }
}

fn has_scheme(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn strip_ext(s: &str) -> &str {
    for ext in [".md", ".markdown", ".html", ".htm"] {
        if s.len() > ext.len() && s.is_char_boundary(s.len() - ext.len()) {
            let (stem, e) = s.split_at(s.len() - ext.len());
            if e.eq_ignore_ascii_case(ext) {
                return stem;
            }
        }
    }
    s
}

/// The lookup key of a path under a root: lower-case, without extension, an index page
/// standing for its directory.
fn key_of(rel: &str) -> String {
    let rel = strip_ext(rel.trim_matches('/'));
    // (`to_lowercase` takes ASCII a block at a time itself.)
    let mut k = rel.to_lowercase();
    for index in markdown::INDEX_STEMS {
        if k == index {
            return String::new();
        }
        if let Some(dir) = k.strip_suffix(index).and_then(|d| d.strip_suffix('/')) {
            k.truncate(dir.len());
            break;
        }
    }
    k.truncate(k.trim_end_matches('/').len());
    k
}

/// The file a link to `rest` under the root `dir` expects, as shown in messages; its path
/// under the root goes to `rel` when asked for.
fn expected_path(dir: &Path, rest: &str, rel: Option<&mut String>) -> String {
    let rest = rest.trim_matches('/');
    let file = if rest.is_empty() {
        "README.md".to_string()
    } else if strip_ext(rest) != rest {
        rest.to_string()
    } else {
        format!("{rest}.md")
    };
    let shown = alertlint_diagnostics::source::display_path(&dir.join(&file));
    if let Some(rel) = rel {
        *rel = file;
    }
    shown
}

/// `%20` and friends decoded; invalid escapes stay as written, invalid UTF-8 is replaced.
/// Borrowed when there is nothing to decode: nearly every runbook URL.
pub(crate) fn percent_decode(s: &str) -> std::borrow::Cow<'_, str> {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy()
}

/// The Markdown files under `root` (`.md`, `.markdown`), honouring `.gitignore`: their paths
/// relative to it, with `/`, in the order a walk visiting siblings by name meets them.
pub fn markdown_files(root: &Path) -> Vec<String> {
    markdown_files_noting(root, root, &mut crate::load::WalkNotes::default())
}

/// [`markdown_files`], following symbolic links (a runbook reached both through a link and
/// directly is read once, under its direct path), skipping entries that are not regular
/// files (a FIFO would block the read), and noting both in `notes` (paths shown under
/// `shown`, the root as the user wrote it).
pub(crate) fn markdown_files_noting(
    root: &Path,
    shown: &Path,
    notes: &mut crate::load::WalkNotes,
) -> Vec<String> {
    use crate::load::Walked;
    let is_md = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
    };
    let mut found: Vec<String> = Vec::new();
    // Those of `found` reached through a link: nearly always none.
    let mut linked: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut walk_notes = crate::load::WalkNotes::default();
    let mut not_regular = Vec::new();
    // Errors other than links that lead nowhere are skipped, as an unreadable runbook is.
    let _ = crate::load::walk(
        root,
        shown,
        false,
        false,
        &mut walk_notes,
        |entry| match entry {
            Walked::File { path, via_link } if is_md(&path) => {
                if let Some(rel) = relative_to(&path, root) {
                    if via_link {
                        linked.insert(rel.clone());
                    }
                    found.push(rel);
                }
            }
            Walked::NotRegular(path) if is_md(&path) => {
                not_regular.push(PathBuf::from(crate::load::shown_under(&path, root, shown)));
            }
            _ => {}
        },
    );
    // The walker's own sort asks each entry for its file name on every comparison, which was
    // half the walk on 10,000 files: sorted here instead.
    sort_in_walk_order(&mut found);
    walk_notes.not_regular.extend(not_regular);
    if !linked.is_empty() {
        let mut flagged: Vec<(String, bool)> = found
            .into_iter()
            .map(|rel| {
                let via_link = linked.contains(&rel);
                (rel, via_link)
            })
            .collect();
        walk_notes.duplicates =
            crate::load::drop_linked_twins(&mut flagged, |f| f.1, |f| root.join(&f.0));
        walk_notes.via_links = flagged.iter().filter(|f| f.1).count();
        found = flagged.into_iter().map(|(rel, _)| rel).collect();
    }
    notes.extend(walk_notes);
    found
}

/// `path` relative to `root`, with `/`. The walk yields `root` joined with the rest, so the
/// bytes are compared first (`Path::strip_prefix`, component by component, cost more than
/// the walk itself on 10,000 files); components are compared when the bytes differ.
fn relative_to(path: &Path, root: &Path) -> Option<String> {
    let (p, r) = (
        path.as_os_str().as_encoded_bytes(),
        root.as_os_str().as_encoded_bytes(),
    );
    let rel = match p.strip_prefix(r) {
        Some(rest) if rest.is_empty() || r.ends_with(b"/") => rest,
        Some([b'/' | b'\\', rest @ ..]) => rest,
        _ => path.strip_prefix(root).ok()?.as_os_str().as_encoded_bytes(),
    };
    Some(String::from_utf8_lossy(rel).replace('\\', "/"))
}

/// Sorts relative paths in the order a walk visiting siblings by name meets them: their
/// components compared in turn, which is their bytes compared with `/` below every other.
/// No file name holds a NUL byte, so with every `/` made a NUL for the sort the plain byte
/// order (a `memcmp` each) is that order: a comparison function doing the same byte by byte
/// took 4% of loading 10,000 runbooks.
fn sort_in_walk_order(paths: &mut [String]) {
    // Both are one ASCII byte, so each path is changed in place, without a new string.
    let swap = |paths: &mut [String], from: u8, to: u8| {
        for p in paths.iter_mut().filter(|p| p.as_bytes().contains(&from)) {
            let mut bytes = std::mem::take(p).into_bytes();
            for b in bytes.iter_mut().filter(|b| **b == from) {
                *b = to;
            }
            // Still UTF-8: one ASCII byte replaced by another.
            *p = String::from_utf8(bytes).unwrap_or_default();
        }
    };
    swap(paths, b'/', 0);
    paths.sort_unstable();
    swap(paths, 0, b'/');
}

/// Removes `.` and `..` without touching the file system.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// An absolute path without `.` and `..`.
pub(crate) fn absolute(p: &Path) -> PathBuf {
    normalize(&alertlint_diagnostics::source::absolute(p))
}

/// A path for messages: relative to the working directory when it is under it.
fn for_display(p: &Path) -> PathBuf {
    let abs = absolute(p);
    match std::env::current_dir() {
        Ok(cwd) => match abs.strip_prefix(normalize(&cwd)) {
            Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
            Ok(rel) => rel.to_path_buf(),
            Err(_) if p.is_relative() => normalize(p),
            Err(_) => abs,
        },
        Err(_) => normalize(p),
    }
}

fn config_error(config: &Config, span: Span, message: String) -> Diagnostic {
    let file = config
        .file
        .clone()
        .unwrap_or_else(|| SourceFile::new(".alertlint.yaml", String::new()));
    Diagnostic::new("config", &file, span, message)
}

/// Loads the runbook roots named in the config (`runbooks:`) and on the command line.
/// `Ok(None)` when none are configured: the runbook checks then have nothing to check.
pub fn load(config: &Config, dirs: &[PathBuf]) -> Result<Option<Runbooks>, Vec<Diagnostic>> {
    let Some(plan) = plan(config, dirs)? else {
        return Ok(None);
    };
    let batches = crate::parallel::map(plan.batches(), |sc: &mut ReadScratch, b| {
        plan.read_batch(b, sc)
    });
    Ok(Some(plan.finish(batches)))
}

/// Runbooks found under the roots but not read yet: [`plan`] finds them, [`Plan::read_batch`]
/// reads a batch of them (on whichever thread is free), [`Plan::finish`] puts the batches
/// together.
struct Plan {
    roots: Vec<Root>,
    defaults: Settings,
    config_root: PathBuf,
    /// (root, path relative to it), in the order a walk visiting siblings by name meets them.
    found: Vec<(usize, String)>,
    walk: crate::load::WalkNotes,
}

/// Runbooks per batch: enough to make handing one out cheap, few enough to keep the cores
/// evenly busy.
const BATCH: usize = 64;

/// Buffers a loading thread reuses from runbook to runbook: each file is read into one
/// buffer and parsed; the text is not kept.
#[derive(Default)]
struct ReadScratch {
    markdown: markdown::Scratch,
    bytes: Vec<u8>,
}

/// The roots named in the config and on the command line, and the Markdown files under them.
/// `Ok(None)` when no root is configured.
fn plan(config: &Config, dirs: &[PathBuf]) -> Result<Option<Plan>, Vec<Diagnostic>> {
    // The section was read with the config: only the directories are left to find.
    let defaults = &config.runbooks.defaults;
    let mut errors = Vec::new();
    let mut roots: Vec<Root> = Vec::new();
    for rc in config.runbooks.roots.iter().cloned() {
        let path = config.root.join(&rc.dir);
        if !path.is_dir() {
            errors.push(config_error(
                config,
                rc.span.unwrap_or_default(),
                format!(
                    "runbook directory `{}` does not exist (relative paths are read from the config's directory)",
                    alertlint_diagnostics::source::display_path(&for_display(&path))
                ),
            ));
            continue;
        }
        let abs = absolute(&path);
        if roots
            .iter()
            .any(|r| r.abs == abs && r.url_prefix == rc.url_prefix)
        {
            continue;
        }
        roots.push(Root::new(
            for_display(&path),
            abs,
            rc.url_prefix,
            rc.settings,
        ));
    }
    for d in dirs {
        if !d.is_dir() {
            errors.push(Diagnostic::new(
                "config",
                &SourceFile::new(d.clone(), String::new()),
                Span::point(0),
                format!(
                    "--runbooks {}: {}",
                    alertlint_diagnostics::source::display_path(d),
                    if d.exists() {
                        "not a directory"
                    } else {
                        "no such directory"
                    }
                ),
            ));
            continue;
        }
        let abs = absolute(d);
        // The same directory as a configured root keeps that root's URL prefix.
        if roots.iter().any(|r| r.abs == abs) {
            continue;
        }
        roots.push(Root::new(normalize(d), abs, None, defaults.clone()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if roots.is_empty() {
        return Ok(None);
    }

    // Every Markdown file under the roots, honouring .gitignore, in path order.
    let mut walk = crate::load::WalkNotes::default();
    let mut found: Vec<(usize, String)> = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        found.extend(
            markdown_files_noting(&root.abs, &root.dir, &mut walk)
                .into_iter()
                .map(|rel| (i, rel)),
        );
    }

    Ok(Some(Plan {
        roots,
        defaults: defaults.clone(),
        config_root: absolute(&config.root),
        found,
        walk,
    }))
}

impl Plan {
    fn batches(&self) -> usize {
        self.found.len().div_ceil(BATCH)
    }

    /// Reads and parses the runbooks of batch `b`.
    fn read_batch(&self, b: usize, sc: &mut ReadScratch) -> Vec<Runbook> {
        let batch = self.found.chunks(BATCH).nth(b).unwrap_or_default();
        batch
            .iter()
            .map(|(root, rel)| self.read(*root, rel, sc))
            .collect()
    }

    fn read(&self, root: usize, rel: &str, sc: &mut ReadScratch) -> Runbook {
        let r = &self.roots[root];
        // Sized up front: `join` grows the path once more for each of 10,000 runbooks.
        let mut path = PathBuf::with_capacity(r.dir.as_os_str().len() + 1 + rel.len());
        path.push(&r.dir);
        path.push(rel);
        match read_runbook(&path, &mut sc.bytes) {
            Err(size) => {
                let mut rb = Runbook::empty(path, root, rel.to_string());
                rb.too_large = Some(size);
                rb
            }
            Ok(text) => Runbook::parse_with(
                path,
                &text,
                root,
                rel.to_string(),
                &r.settings,
                &r.keys,
                &mut sc.markdown,
            ),
        }
    }

    /// The runbooks, from every batch in order.
    fn finish(self, batches: impl IntoIterator<Item = Vec<Runbook>>) -> Runbooks {
        let mut docs = Vec::with_capacity(self.found.len());
        for batch in batches {
            docs.extend(batch);
        }
        let mut by_key: Vec<HashMap<Box<str>, Candidates>> = self
            .roots
            .iter()
            .map(|_| HashMap::with_capacity(docs.len() / self.roots.len().max(1)))
            .collect();
        for (i, d) in docs.iter().enumerate() {
            let Some(keys) = by_key.get_mut(d.root) else {
                continue;
            };
            keys.entry(key_of(&d.rel).into_boxed_str())
                .and_modify(|c| c.more.push(i))
                .or_insert(Candidates {
                    first: i,
                    more: Vec::new(),
                });
        }
        Runbooks {
            roots: self.roots,
            docs,
            by_key,
            config_root: self.config_root,
            today: date::today(),
            defaults: self.defaults,
            walk: self.walk,
        }
    }
}

/// A runbook's text, read with the bound every input file is read with
/// ([`crate::load::read_bounded_into`], into the reused `bytes`) and decoded (invalid UTF-8
/// replaced); `Err` with the size of a file too large to read. An unreadable file reads as
/// empty.
fn read_runbook<'a>(path: &Path, bytes: &'a mut Vec<u8>) -> Result<std::borrow::Cow<'a, str>, u64> {
    let cap = markdown::MAX_RUNBOOK_BYTES;
    // No size asked first: the read that finds the end costs less than an `fstat` (measured
    // over 10,000 runbooks), and the buffer is reused.
    if let Err(crate::load::ReadError::TooLarge { .. }) =
        crate::load::read_bounded_into(path, cap, bytes, false)
    {
        return Err(std::fs::metadata(path).map_or(cap + 1, |m| m.len().max(cap + 1)));
    }
    // Checked at full speed first; only invalid UTF-8 takes the replacing path.
    Ok(match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_read_again_for_reports_and_survives_a_vanished_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = "# A\n\n**Owner:** team-a\n\n## Context\n\nx\n";
        std::fs::write(dir.path().join("A.md"), text).expect("write");
        std::fs::write(dir.path().join("B.md"), text).expect("write");
        let rbs = load(&Config::default(), &[dir.path().to_path_buf()])
            .expect("roots")
            .expect("runbooks");
        assert_eq!(rbs.docs.len(), 2);
        let (a, b) = (&rbs.docs[0], &rbs.docs[1]);
        let owner_key = markdown::NameKey::field("owner");
        let owner = a.field_by_key(&owner_key).expect("owner field");
        assert_eq!(a.field_value(owner), "team-a");
        // Read again on first use, the same text the checks saw.
        assert_eq!(a.file().text, text);
        assert!(std::sync::Arc::ptr_eq(a.file(), a.file()));
        // A file gone since loading reads as empty: positions clamp, nothing panics.
        std::fs::remove_file(&b.path).expect("remove");
        let at = b.field_by_key(&owner_key).expect("owner field").value_span;
        assert_eq!(b.file().text, "");
        assert_eq!(b.file().line_col(at.start).line, 1);
    }

    proptest::proptest! {
        #[test]
        // A shared prefix, as names under one root have, past the eight-byte steps.
        fn walk_order_compares_components(
            p in "[ab/]{0,20}", rest in proptest::collection::vec("[ab/.-]{0,6}", 0..8)
        ) {
            let mut paths: Vec<String> = rest.iter().map(|r| format!("{p}{r}")).collect();
            sort_in_walk_order(&mut paths);
            proptest::prop_assert!(
                paths.is_sorted_by(|a, b| a.split('/').cmp(b.split('/')).is_le()),
                "{:?}", paths
            );
        }
    }

    #[test]
    fn keys() {
        assert_eq!(key_of("kube/KubePodNotReady.md"), "kube/kubepodnotready");
        assert_eq!(key_of("kube/_index.md"), "kube");
        assert_eq!(key_of("README.md"), "");
        assert_eq!(key_of("/a/b/"), "a/b");
        assert_eq!(percent_decode("a%20b%zz%"), "a b%zz%");
        let mut paths =
            ["a.md", "a/b.md", "a-c.md", "a/a/z.md", "B.md", "a/ab.md"].map(String::from);
        sort_in_walk_order(&mut paths);
        assert_eq!(
            paths,
            ["B.md", "a/a/z.md", "a/ab.md", "a/b.md", "a-c.md", "a.md"]
        );
        assert!(has_scheme("https://x"));
        assert!(!has_scheme("runbooks/x.md"));
        assert!(!has_scheme("C:/x"));
    }
}
