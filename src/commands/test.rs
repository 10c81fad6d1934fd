//! `alertlint test`: runs promtool rule unit-test files.
//!
//! Exit codes: 0 every test passed, 1 a test failed, 2 a file could not be loaded (or a rule
//! file it names is invalid) or the arguments are wrong.

use super::{CliError, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::cli::{TestArgs, TestFormat};
use alertlint_unittest::{self as unittest, Options};
use std::process::ExitCode;

pub(crate) fn run(args: TestArgs) -> Result<ExitCode, CliError> {
    let mut run = Vec::new();
    for r in &args.run {
        match regex::Regex::new(r) {
            Ok(re) => run.push(re),
            Err(e) => return Err(CliError::usage(format!("invalid --run regex {r:?}: {e}"))),
        }
    }
    let files = match unittest::discover(&args.paths) {
        Ok(f) => f,
        Err(e) => return Err(CliError::usage(e)),
    };
    if files.is_empty() {
        return Err(CliError::usage("no unit-test files found"));
    }
    let opts = Options {
        run,
        ignore_unknown_fields: args.ignore_unknown_fields,
        jobs: args.jobs,
        prometheus_version: args.prometheus_version,
    };
    let results = unittest::run_files(&files, &opts);
    // The JUnit file first: a reader of standard output that stops early (a broken pipe ends the
    // process) leaves it whole all the same.
    let junit = args
        .junit
        .as_ref()
        .map(|path| (path, std::fs::write(path, unittest::render_junit(&results))));
    let text = match args.format {
        TestFormat::Human => {
            unittest::render_human(&results, &super::check::human_options(args.color))
        }
        TestFormat::Json => unittest::render_json(&results),
    };
    super::write_stdout(&text);
    if let Some((path, Err(e))) = junit {
        return Err(CliError::usage(format!(
            "cannot write {}: {e}",
            path.display()
        )));
    }
    if results.iter().any(|r| !r.load_errors.is_empty()) {
        Ok(ExitCode::from(EXIT_USAGE))
    } else if results.iter().any(alertlint_unittest::FileResult::failed) {
        Ok(ExitCode::from(EXIT_PROBLEMS))
    } else {
        Ok(ExitCode::from(EXIT_OK))
    }
}
