//! Load: finds rule files under the paths a user names and reads them into the model.

mod rule_file;
mod template;

pub use rule_file::{Classified, closest, read_rule_file};

use rule_file::Read;

use crate::model::{FileFormat, LoadProblem, LoadProblemKind, RuleFile};
use crate::source::{SourceFile, Span};
use std::path::{Path, PathBuf};

/// Larger files are refused with a diagnostic rather than read: no real rule file comes close.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

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
            crate::source::display_path(&self.path),
            self.message
        )
    }
}

/// Finds the YAML files under `paths`: directories are walked recursively, honouring
/// `.gitignore` and skipping hidden entries; files named explicitly are always taken.
/// `excludes` are gitignore-style globs. The result is sorted, so output is deterministic.
pub fn discover(paths: &[PathBuf], excludes: &[String]) -> Result<Vec<PathBuf>, PathError> {
    let excludes = build_excludes(excludes)?;
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| PathError {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .require_git(false)
            // Siblings compared by name, as bytes: the same order as by path, without
            // `Path`'s component-wise compare (a tenth of the walk on 10,000 files).
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| PathError {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let p = entry.path();
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            if is_file && is_yaml(p) && !excludes.is_match(p) {
                files.push(p.to_path_buf());
            }
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn build_excludes(globs: &[String]) -> Result<globset::GlobSet, PathError> {
    let mut set = globset::GlobSetBuilder::new();
    for g in globs {
        // Patterns match at any depth (`broken/` excludes every `broken` directory), so the
        // same config works whichever directory alertlint is run from.
        let g = g.trim_start_matches("./").trim_start_matches('/');
        let pattern = if g.starts_with("**") {
            g.to_string()
        } else {
            format!("**/{g}")
        };
        for p in [
            pattern.clone(),
            format!("{}/**", pattern.trim_end_matches('/')),
        ] {
            let glob = globset::GlobBuilder::new(&p)
                .literal_separator(true)
                .build()
                .map_err(|e| PathError {
                    path: PathBuf::from(&g),
                    message: format!("invalid --exclude glob: {e}"),
                })?;
            set.add(glob);
        }
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
pub fn load_file(path: &Path) -> Result<Classified, PathError> {
    load(path).map(Classified::from)
}

fn load(path: &Path) -> Result<Read, PathError> {
    let io_err = |e: std::io::Error| PathError {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let size = std::fs::metadata(path).map_err(io_err)?.len();
    if size > MAX_FILE_BYTES {
        return Ok(unreadable(
            path,
            String::new(),
            0,
            format!(
                "file is {} MiB; alertlint reads rule files of up to {} MiB",
                size / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(io_err)?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(rule_file::read(SourceFile::new(path, text))),
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

/// The YAML files found that [`load_rule_files`] did not check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Files that are not rule files (other manifests, test files, configs), templates included.
    pub files: usize,
    /// Of `files`, templates (Helm, Jinja) that did not parse as YAML: YAML only once rendered.
    pub templates: usize,
    /// Of `templates`, those that render to rules (`kind: PrometheusRule`, a nested `groups:`):
    /// their rules can be checked only in the rendered output.
    pub rule_templates: usize,
}

/// Rule files found under `paths`, loaded on all cores, and the YAML files that were not rule
/// files. The first unusable path ends the run (a usage error).
pub fn load_rule_files(
    paths: &[PathBuf],
    excludes: &[String],
) -> Result<(Vec<RuleFile>, Skipped), PathError> {
    let files = discover(paths, excludes)?;
    let mut rule_files = Vec::new();
    let mut skipped = Skipped::default();
    // Loaded on all cores; the results come back in the order of `files`.
    for loaded in crate::parallel::map(files.len(), |_: &mut (), i| load(&files[i])) {
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
