//! `alertlint test`: runs promtool rule unit-test files.
//!
//! Exit codes: 0 every test passed, 1 a test failed (or, with `--min-coverage`, too few
//! alerting rules are asserted firing), 2 a file could not be loaded (or a rule file it names
//! is invalid) or the arguments are wrong.

use super::{CliError, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, write_stderr};
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
    // `--rules` and `--min-coverage` mean nothing without the coverage report: each asks for it.
    let coverage_wanted = args.coverage || !args.rules.is_empty() || args.min_coverage.is_some();
    // Read before the tests run, so that a wrong path fails at once.
    let extra_rules = if args.rules.is_empty() {
        Vec::new()
    } else {
        unittest::load_coverage_rules(&args.rules).map_err(CliError::usage)?
    };
    let opts = Options {
        run,
        ignore_unknown_fields: args.ignore_unknown_fields,
        jobs: args.jobs,
        prometheus_version: args.prometheus_version,
    };
    let results = unittest::run_files(&files, &opts);
    let coverage =
        coverage_wanted.then(|| unittest::compute_coverage(&results, &extra_rules, &args.run));
    // The JUnit file first: a reader of standard output that stops early (a broken pipe ends the
    // process) leaves it whole all the same.
    let junit = args
        .junit
        .as_ref()
        .map(|path| (path, std::fs::write(path, unittest::render_junit(&results))));
    let text = match args.format {
        TestFormat::Human => {
            let mut text =
                unittest::render_human(&results, &super::check::human_options(args.color));
            if let Some(coverage) = &coverage {
                text.push_str(&unittest::render_coverage_human(coverage));
            }
            text
        }
        TestFormat::Json => unittest::render_json(&results, coverage.as_ref()),
    };
    super::write_stdout(&text);
    if let Some((path, Err(e))) = junit {
        return Err(CliError::usage(format!(
            "cannot write {}: {e}",
            path.display()
        )));
    }
    // On standard error, so that the JSON report stays whole on standard output.
    let below_minimum = match (&coverage, args.min_coverage) {
        (Some(coverage), Some(minimum)) => coverage.check_minimum(minimum).err(),
        _ => None,
    };
    if let Some(below) = &below_minimum {
        write_stderr(&format!("error: {below}"));
    }
    if results.iter().any(|r| !r.load_errors.is_empty()) {
        Ok(ExitCode::from(EXIT_USAGE))
    } else if results.iter().any(alertlint_unittest::FileResult::failed) || below_minimum.is_some()
    {
        Ok(ExitCode::from(EXIT_PROBLEMS))
    } else {
        Ok(ExitCode::from(EXIT_OK))
    }
}
