//! The least that checking a directory of runbooks can cost with this design: find the
//! Markdown files (the same gitignore-aware walk), read each one (the same read), and run
//! `pulldown-cmark` over it (the same options), on every core, keeping nothing and checking
//! nothing. `scripts/bench-runbooks.sh` times it beside `alertlint check`, so that the
//! overhead of runbook checking can be told apart from the cost of reading and parsing.
//!
//!   usage: cargo run --release --example runbook_floor -- DIR

use alertlint::runbook::markdown::{MARKDOWN, read_text};
use alertlint::runbook::markdown_files;
use pulldown_cmark::Parser;
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
    let events = alertlint::parallel::map(files.len(), |bytes: &mut Vec<u8>, i| {
        match read_text(&files[i], bytes) {
            Ok(text) => Parser::new_ext(&text, MARKDOWN).into_offset_iter().count(),
            Err(_) => 0,
        }
    });
    println!(
        "{} files, {} Markdown events",
        files.len(),
        events.iter().sum::<usize>()
    );
    ExitCode::SUCCESS
}
