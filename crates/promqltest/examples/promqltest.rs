//! Runs Prometheus promqltest `.test` files against the evaluator.
//!
//! Usage: `cargo run --release -p promqltest --example promqltest -- [--show-skipped] FILE...`

use promql::Engine;
use promqltest::{Verdict, run_str};

fn main() {
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    // Listing skipped evals (with the unsupported feature) shows what to
    // implement next.
    let show_skipped = files.iter().any(|f| f == "--show-skipped");
    files.retain(|f| f != "--show-skipped");
    if files.is_empty() {
        eprintln!("usage: promqltest FILE...");
        std::process::exit(2);
    }
    let engine = Engine::default();
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    let mut summaries = Vec::new();
    for file in &files {
        let content = match std::fs::read_to_string(file) {
            Ok(c) => c,
            Err(e) => {
                println!("{file}: cannot read: {e}");
                failed += 1;
                continue;
            }
        };
        let outcomes = match run_str(&engine, &content) {
            Ok(o) => o,
            Err(e) => {
                println!("{file}: cannot parse: {e}");
                failed += 1;
                continue;
            }
        };
        let (mut p, mut f, mut s) = (0usize, 0usize, 0usize);
        for o in outcomes {
            match o.verdict {
                Verdict::Pass => p += 1,
                Verdict::Fail(why) => {
                    f += 1;
                    println!("{file}:{}: {}: {why}", o.line, o.expr);
                }
                Verdict::Skip(why) => {
                    s += 1;
                    if show_skipped {
                        println!("{file}:{}: {}: skipped: {why}", o.line, o.expr);
                    }
                }
            }
        }
        summaries.push(format!("{file}: {p} passed, {f} failed, {s} skipped"));
        passed += p;
        failed += f;
        skipped += s;
    }
    for s in summaries {
        println!("{s}");
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 {
        std::process::exit(1);
    }
}
