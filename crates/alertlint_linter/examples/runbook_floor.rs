//! The least that checking a directory of runbooks can cost: find the Markdown files (the
//! same gitignore-aware walk) and read each one (the same read), on every core, parsing,
//! keeping and checking nothing. `scripts/bench-runbooks.sh` times it beside
//! `alertlint check`, so that the overhead of runbook checking can be told apart from the
//! cost of getting 10,000 files off the disk.
//!
//!   usage: cargo run --release -p alertlint_linter --example runbook_floor -- DIR

use alertlint_linter::runbook::markdown::read_text;
use alertlint_linter::runbook::markdown_files;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: runbook_floor DIR");
        return ExitCode::from(2);
    };
    let files: Vec<PathBuf> = markdown_files(&dir)
        .iter()
        .map(|rel| dir.join(rel))
        .collect();
    // The text's length, so that the read (and its UTF-8 check) is not optimised away.
    let sizes = alertlint_linter::parallel::map(files.len(), |bytes: &mut Vec<u8>, i| {
        read_text(&files[i], bytes).map_or(0, |text| text.len())
    });
    println!(
        "{} files, {} bytes of text",
        files.len(),
        sizes.iter().sum::<usize>()
    );
    ExitCode::SUCCESS
}
