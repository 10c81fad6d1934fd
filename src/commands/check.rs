use super::{CliError, EXIT_OK, EXIT_PROBLEMS, write_stderr};
use crate::cli::{CheckArgs, CheckFormat, Color};
use alertlint_diagnostics::report::{self, HumanOptions, Summary};
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::config::Config;
use alertlint_linter::load::load_rule_files;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) fn human_options(color: Color) -> HumanOptions {
    let color = match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    HumanOptions { color, width: 100 }
}

/// Prints errors in a config file (`.alertlint.yaml`, `alertmanager.yml`) to stderr.
pub(crate) fn print_config_errors(
    errors: &[alertlint_diagnostics::diagnostic::Diagnostic],
    color: Color,
) {
    let text = report::render_human(errors, &Summary::default(), &human_options(color));
    // The summary line speaks of rule files, which were never read: print the errors only.
    let body = text.rsplit_once("\n\n").map_or(text.as_str(), |(b, _)| b);
    write_stderr(body);
}

/// Finds and reads the config for a run; config errors are printed and end the run.
pub(crate) fn load_config(
    explicit: Option<&PathBuf>,
    no_config: bool,
    first_path: &std::path::Path,
    color: Color,
) -> Result<Config, CliError> {
    if no_config {
        return Ok(Config::default());
    }
    let path = match explicit {
        Some(p) => Some(p.clone()),
        None => Config::discover(first_path),
    };
    let Some(path) = path else {
        return Ok(Config::default());
    };
    Config::load(&path).map_err(|errors| CliError::Config {
        errors,
        closing: format!(
            "invalid config {}",
            alertlint_diagnostics::source::display_path(&path)
        ),
        color,
    })
}

pub(crate) fn run(args: CheckArgs) -> Result<ExitCode, CliError> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut config = load_config(args.config.as_ref(), args.no_config, &paths[0], args.color)?;
    if args.ignore_unknown_fields {
        config.checks.set(
            alertlint_linter::checks::CheckId::SchemaUnknownField,
            alertlint_linter::config::CheckSetting::Off,
        );
    }
    if let Some(d) = args.dialect {
        config.dialect = d.into();
    }
    let mut excludes = config.exclude.clone();
    excludes.extend(args.exclude.iter().cloned());
    // The runbooks load on their own thread while the rule files load: neither needs the other.
    let (loaded, runbooks) = std::thread::scope(|s| {
        let runbooks = s.spawn(|| alertlint_linter::runbook::load(&config, &args.runbooks));
        let loaded = load_rule_files(&paths, &excludes, config.dialect);
        let runbooks = runbooks
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (loaded, runbooks)
    });
    let mut summary = Summary::default();
    let mut walk_notes = Vec::new();
    let rule_files = match loaded {
        Ok((files, skipped)) => {
            summary.skipped = skipped.files;
            summary.skipped_templates = skipped.templates;
            summary.skipped_rule_templates = skipped.rule_templates;
            walk_notes.extend(skipped.walk.lines("rule file", "rule files"));
            files
        }
        Err(e) => return Err(CliError::usage(e)),
    };
    summary.files = rule_files.len();

    // The runbook roots and the Alertmanager config are configuration: a missing path or a
    // mistake in them is a config error (exit 2), reported where it is written, as one in
    // .alertlint.yaml is; the report is not written.
    let mut config_errors = Vec::new();
    let runbooks = match runbooks {
        Ok(r) => r,
        Err(errors) => {
            config_errors.extend(errors);
            None
        }
    };
    let alertmanager =
        match alertlint_linter::alertmanager::load(&config, args.alertmanager.as_deref()) {
            Ok(a) => a,
            Err(errors) => {
                config_errors.extend(errors);
                None
            }
        };
    if !config_errors.is_empty() {
        return Err(config_error(config_errors, &config, args.color));
    }
    if let Some(rbs) = &runbooks {
        walk_notes.extend(rbs.walk.lines("runbook", "runbooks"));
    }
    for line in &walk_notes {
        write_stderr(&line.clone());
    }
    let mut diags = Vec::new();
    summary.runbooks = runbooks.as_ref().map_or(0, |r| r.docs.len());
    summary.alertmanager_configs = usize::from(alertmanager.is_some());
    // Files named one by one (pre-commit passes the changed ones) are part of a rule set
    // whose other files are unknown here.
    // (A named pipe, `<(helm template …)`, is a file here too.)
    let partial_rule_set = paths.iter().any(|p| !p.is_dir());
    if partial_rule_set && (runbooks.is_some() || alertmanager.is_some()) {
        write_stderr(
            "note: files were named, not directories: runbook/orphan and inhibit/unmatched, \
             which need every rule of the set, did not run (name the rules directory to run them)",
        );
    }
    let inputs = Inputs {
        runbooks: runbooks.as_ref(),
        alertmanager: alertmanager.as_ref(),
        partial_rule_set,
    };
    diags.extend(analyse(&rule_files, &config, &inputs));
    if let Some(path) = &args.write_baseline {
        let text = alertlint_linter::baseline::write(&diags, &rule_files, &config);
        write_whole(path, text.as_bytes()).map_err(|e| {
            CliError::usage(format!(
                "cannot write {}: {e}",
                alertlint_diagnostics::source::display_path(path)
            ))
        })?;
        write_stderr(&format!(
            "wrote baseline {}: {} finding{} accepted",
            alertlint_diagnostics::source::display_path(path),
            diags.len(),
            if diags.len() == 1 { "" } else { "s" }
        ));
        std::mem::forget((rule_files, runbooks, alertmanager, diags));
        return Ok(ExitCode::from(EXIT_OK));
    }
    if let Some(path) = &args.baseline {
        let baseline = alertlint_linter::baseline::Baseline::load(path).map_err(|errors| {
            CliError::Config {
                errors,
                closing: format!(
                    "invalid baseline {}",
                    alertlint_diagnostics::source::display_path(path)
                ),
                color: args.color,
            }
        })?;
        let found = diags.len();
        diags = baseline.apply(diags, &rule_files, &config);
        let new = diags
            .iter()
            .filter(|d| d.check != alertlint_linter::checks::CheckId::BaselineFixed.id())
            .count();
        write_stderr(&format!(
            "note: {} of {found} findings accepted by the baseline {}",
            found - new,
            alertlint_diagnostics::source::display_path(path)
        ));
    }
    if let Some(rev) = &args.diff_base {
        let changes = crate::git::changes_since(rev, &paths[0]).map_err(CliError::usage)?;
        let kept = alertlint_linter::changed::ChangeSet::new(changes, config.dialect)
            .keep(diags, &rule_files);
        diags = kept.diagnostics;
        let lost = if kept.lost_names.is_empty() {
            String::new()
        } else {
            format!(
                "; recorded before, by nothing now: {}",
                kept.lost_names.join(", ")
            )
        };
        write_stderr(&format!(
            "note: --diff-base {rev}: findings of {} new or changed rule{} in {} changed rule \
             file{}{lost}",
            kept.changed_rules,
            if kept.changed_rules == 1 { "" } else { "s" },
            kept.changed_files,
            if kept.changed_files == 1 { "" } else { "s" },
        ));
    }
    alertlint_diagnostics::diagnostic::sort(&mut diags);
    summary.count(&diags);
    // `--output -` is standard output, as `runbook new --out -`.
    let output = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    // Colours are for a terminal: a report written to a file gets them only when asked.
    let color = match (output, args.color) {
        (Some(_), Color::Auto) => Color::Never,
        (_, c) => c,
    };
    let out = report::render(
        args.format.into(),
        &diags,
        &summary,
        &human_options(color),
        &alertlint_linter::checks::docs(),
    );
    match output {
        None => super::write_stdout(&out),
        Some(path) => {
            if let Err(e) = write_whole(path, out.as_bytes()) {
                return Err(CliError::usage(format!(
                    "cannot write {}: {e}",
                    alertlint_diagnostics::source::display_path(path)
                )));
            }
            // The report is in the file; the log still says what it holds.
            let n = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            write_stderr(&format!(
                "wrote {}: {}, {}, {} in {}",
                alertlint_diagnostics::source::display_path(path),
                n(summary.errors, "error"),
                n(summary.warnings, "warning"),
                n(summary.infos, "info"),
                n(summary.files, "rule file")
            ));
        }
    }
    if args.format == CheckFormat::Human && rule_files.is_empty() && summary.skipped == 0 {
        write_stderr(&format!(
            "warning: no .yml/.yaml files found under {}",
            paths
                .iter()
                .map(|p| alertlint_diagnostics::source::display_path(p))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    let failed = super::fails_on(args.fail_on, &diags);
    // The process ends right after this: freeing every node, string and parsed runbook one by
    // one would cost tens of milliseconds on large rule sets for nothing.
    std::mem::forget((rule_files, runbooks, alertmanager, diags));
    Ok(ExitCode::from(if failed { EXIT_PROBLEMS } else { EXIT_OK }))
}

/// Prints errors found in the configuration once `.alertlint.yaml` was read (a runbook
/// directory that does not exist, a broken `alertmanager.yml`), in file order, with the
/// closing line; the run ends with exit code 2.
pub(crate) fn config_error(
    mut errors: Vec<alertlint_diagnostics::diagnostic::Diagnostic>,
    config: &Config,
    color: Color,
) -> CliError {
    alertlint_diagnostics::diagnostic::sort(&mut errors);
    let config_file = config.file.as_ref().map(|f| f.display_path());
    let all_in_config = errors
        .iter()
        .all(|d| Some(d.file.display_path()) == config_file);
    let closing = if all_in_config {
        format!("invalid config {}", config_sources(&errors))
    } else {
        format!("unusable configuration: {}", config_sources(&errors))
    };
    CliError::Config {
        errors,
        closing,
        color,
    }
}

/// The files some config errors are in, for the closing line (`.alertlint.yaml, am.yml`).
fn config_sources(errors: &[alertlint_diagnostics::diagnostic::Diagnostic]) -> String {
    let mut files: Vec<String> = Vec::new();
    for d in errors {
        let f = d.file.display_path();
        if !files.contains(&f) {
            files.push(f);
        }
    }
    files.join(", ")
}

/// Writes `bytes` to `path` so that `path` only ever holds a complete report: the bytes go to a
/// temporary file beside it (same directory, so same file system), which is then renamed over
/// `path`. A reader, or an upload step after a failed run, never sees a partial or empty file.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let written = std::fs::File::create_new(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    });
    if written.is_err() {
        // Nothing half-written is left behind (the file may not exist: that is fine).
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
