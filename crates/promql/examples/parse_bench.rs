//! Parses the same expressions with `promql::syntax` and with `promql-parser` and prints how
//! long each took and the ratio.
//!
//!     cargo run --release -p promql --example parse_bench [DIR...] [--rounds N] [--only-ours]
//!
//! The expressions are every `expr:` value of the YAML files and every `eval` query of the
//! promqltest files under the given directories (by default the repository's `fixtures/`
//! and `rules-examples/`), plus a few long generated ones.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut rounds = 50usize;
    let mut only_ours = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--only-ours" {
            // For profiling.
            only_ours = true;
        } else if a == "--rounds" {
            rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(rounds);
        } else {
            dirs.push(PathBuf::from(a));
        }
    }
    if dirs.is_empty() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        dirs = vec![root.join("fixtures"), root.join("rules-examples")];
    }
    let mut exprs = Vec::new();
    for d in &dirs {
        let mut files = Vec::new();
        walk(d, &mut files);
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            match f.extension().and_then(|e| e.to_str()) {
                Some("yaml" | "yml") => exprs.extend(yaml_exprs(&text)),
                Some("test") => exprs.extend(eval_queries(&text)),
                _ => {}
            }
        }
    }
    // A few long ones: a wide selector, a long chain, a deep nest.
    let matchers: Vec<String> = (0..200).map(|i| format!("l{i}=\"v{i}\"")).collect();
    exprs.push(format!("up{{{}}}", matchers.join(",")));
    exprs.push(vec!["rate(x[5m])"; 300].join(" + "));
    exprs.push(format!("{}up{}", "sum(".repeat(200), ")".repeat(200)));
    let bytes: usize = exprs.iter().map(String::len).sum();

    let opts = promql::syntax::Options::all();
    let ours = |e: &str| promql::syntax::parse_with(e, &opts).is_ok();
    let theirs = |e: &str| promql_parser::parser::parse(e).is_ok();
    let ours_ok = exprs.iter().filter(|e| ours(e)).count();
    let theirs_ok = exprs.iter().filter(|e| theirs(e)).count();
    // The rounds alternate between the parsers and each keeps its fastest round, so that
    // other load on the machine (a shared CI box) weighs on neither.
    let (mut best_ours, mut best_theirs) = (Duration::MAX, Duration::MAX);
    let (mut total_ours, mut total_theirs) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        let t = round(&exprs, &ours);
        best_ours = best_ours.min(t);
        total_ours += t;
        if only_ours {
            continue;
        }
        let t = round(&exprs, &theirs);
        best_theirs = best_theirs.min(t);
        total_theirs += t;
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / exprs.len() as f64;
    let mbs = |d: Duration| bytes as f64 / d.as_secs_f64() / 1e6;
    println!(
        "{} expressions ({bytes} bytes), {rounds} rounds each; fastest round:",
        exprs.len()
    );
    println!(
        "promql::syntax: {:>8.3} ms  {:>6.2} µs/expr  {:>6.1} MB/s  ({ours_ok} accepted; all rounds {:.0} ms)",
        best_ours.as_secs_f64() * 1e3,
        per(best_ours),
        mbs(best_ours),
        total_ours.as_secs_f64() * 1e3
    );
    if only_ours {
        return;
    }
    println!(
        "promql-parser:  {:>8.3} ms  {:>6.2} µs/expr  {:>6.1} MB/s  ({theirs_ok} accepted; all rounds {:.0} ms)",
        best_theirs.as_secs_f64() * 1e3,
        per(best_theirs),
        mbs(best_theirs),
        total_theirs.as_secs_f64() * 1e3
    );
    println!(
        "promql::syntax is {:.1}x as fast (fastest rounds; {:.1}x over all rounds)",
        best_theirs.as_secs_f64() / best_ours.as_secs_f64(),
        total_theirs.as_secs_f64() / total_ours.as_secs_f64()
    );
}

fn round(exprs: &[String], f: &impl Fn(&str) -> bool) -> Duration {
    let start = Instant::now();
    for e in exprs {
        std::hint::black_box(f(std::hint::black_box(e)));
    }
    start.elapsed()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// `expr:` values: plain, quoted or block scalars (a simple reader, enough for rule files).
fn yaml_exprs(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let body = trimmed.strip_prefix("- ").map_or(trimmed, str::trim_start);
        let rest = ["expr:", "\"expr\":"]
            .iter()
            .find_map(|k| body.strip_prefix(k));
        let indent = lines[i].len() - body.len();
        i += 1;
        let Some(rest) = rest.map(str::trim) else {
            continue;
        };
        let mut more = Vec::new();
        while i < lines.len() {
            let l = lines[i];
            if !l.trim().is_empty() && l.len() - l.trim_start().len() <= indent {
                break;
            }
            more.push(l.trim());
            i += 1;
        }
        let value = if rest.starts_with('|') || rest.starts_with('>') {
            more.join("\n")
        } else if let Some(q) = rest.strip_prefix('\'') {
            q.trim_end_matches('\'').replace("''", "'")
        } else if let Some(q) = rest.strip_prefix('"') {
            q.trim_end_matches('"').replace("\\\"", "\"")
        } else {
            rest.to_string()
        };
        if !value.trim().is_empty() {
            out.push(value);
        }
    }
    out
}

fn eval_queries(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let skip = match w.as_slice() {
                [e, "instant", "at", _, ..] if e.starts_with("eval") => 4,
                [e, "range", "from", _, "to", _, "step", _, ..] if e.starts_with("eval") => 8,
                _ => return None,
            };
            Some(w[skip..].join(" "))
        })
        .filter(|q| !q.is_empty())
        .collect()
}
