//! promtool as the oracle of the project's own PromQL conformance set (`fixtures/promqltest/`).
//!
//! Every `load` + `eval instant at T` block with float samples becomes a promtool rule unit test
//! (`input_series` from the load lines, `interval` the load's, one `promql_expr_test` with the
//! expected samples); `promtool test rules` must agree with the expected values (to the
//! relative 1e-6 promqltest allows; promtool itself compares exactly, so when it reports a
//! mismatch the values it got are read back and compared again, NaN equal to NaN). promtool
//! neither orders results nor reports annotations, so `expect ordered` and `expect info`/`warn`
//! are not checked here (tier 1 checks them).
//!
//! Debian's promtool is 2.42; the set follows Prometheus 3.x. An eval whose 3.x answer differs
//! carries `# 2.42 differs: <why>` on the line right above it: it is excluded, and the test fails
//! if promtool agrees with it after all, so the marks stay honest. Evals promtool cannot express
//! (range queries, `expect fail`, string or range-vector results, native histograms) are skipped
//! and counted.

use crate::common::oracle::{oracle_binary, root};
use promql::almost_equal;
use promql::notation::{NotationValue, parse_float, parse_series_desc_prefix};
use promqltest::{Command, EvalKind, ExpectKind, parse};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The mark, on the line right above an eval, of an answer that differs in promtool 2.42.
const DIFFERS: &str = "# 2.42 differs:";

/// An expected or returned sample: sorted label pairs and the value.
type Sample = (Vec<(String, String)>, f64);

/// One instant eval as a promtool unit test.
#[derive(Debug)]
struct Case {
    /// `file:line` of the eval.
    origin: String,
    expr: String,
    eval_ms: i64,
    expected: Vec<Sample>,
    /// The reason given by a `# 2.42 differs:` mark.
    differs: Option<String>,
    /// The unit-test file.
    yaml: String,
}

/// What converting one file gave: the cases, and the evals skipped (`file:line`) by reason.
#[derive(Debug, Default)]
struct Converted {
    cases: Vec<Case>,
    skipped: BTreeMap<&'static str, Vec<String>>,
}

/// One `load` block: its interval, and each series' description and values as written.
struct Load {
    step_ms: i64,
    /// `(description, values)` as in the file.
    series: Vec<(String, String)>,
    /// Timestamp of the last value of the longest series.
    last_ms: i64,
    /// Native histograms (or classic ones loaded as native), which promtool 2.42 cannot load.
    histograms: bool,
}

/// A duration as promtool reads it.
fn duration(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// A YAML single-quoted scalar.
fn yaml_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A float as YAML reads it (yaml.v2: `.nan`, `.inf`, `-.inf`).
fn yaml_float(v: f64) -> String {
    if v.is_nan() {
        ".nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { ".inf" } else { "-.inf" }.into()
    } else {
        format!("{v:?}")
    }
}

/// A label set as Prometheus' metric parser reads it, `{a="b", c="d"}`.
fn label_set(labels: &[(String, String)]) -> String {
    let mut s = String::from("{");
    for (i, (n, v)) in labels.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let v = v
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        let _ = write!(s, "{n}=\"{v}\"");
    }
    s.push('}');
    s
}

fn samples_text(samples: &[Sample]) -> String {
    if samples.is_empty() {
        return "(nothing)".into();
    }
    samples
        .iter()
        .map(|(l, v)| format!("{} {v}", label_set(l)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The raw series lines of the `load` at 1-based line `line`.
fn load_block(lines: &[&str], line: usize, step_ms: i64, nhcb: bool) -> Result<Load, String> {
    let mut series = Vec::new();
    let mut last_ms = 0;
    for l in lines.iter().skip(line).map(|l| l.trim()) {
        if l.is_empty() || l.starts_with('#') {
            break;
        }
        let (_, rest) = parse_series_desc_prefix(l).map_err(|e| e.to_string())?;
        let desc = l[..l.len() - rest.len()].trim().to_string();
        let values = rest.trim().to_string();
        let count = promql::notation::parse_values(&values)
            .map_err(|e| e.to_string())?
            .len() as i64;
        last_ms = last_ms.max((count - 1).max(0) * step_ms);
        series.push((desc, values));
    }
    let histograms = nhcb || series.iter().any(|(_, v)| v.contains("{{"));
    Ok(Load {
        step_ms,
        series,
        last_ms,
        histograms,
    })
}

/// The promtool unit-test file of one instant eval over `loads`. A second expression, at a
/// whole minute after the last sample and the eval, makes promtool load every sample before it
/// runs the queries (it loads them as its rule-evaluation clock advances, up to the latest
/// `eval_time`), as promqltest has them all loaded. `evaluation_interval: 1m` is also the step
/// of subqueries written without one, as in promqltest.
fn unit_test(loads: &[Load], expr: &str, eval_ms: i64, expected: &[Sample]) -> String {
    let last = loads
        .iter()
        .map(|l| l.last_ms)
        .max()
        .unwrap_or(0)
        .max(eval_ms);
    let until = (last + 59_999) / 60_000 * 60_000;
    let mut y = String::new();
    let _ = writeln!(y, "rule_files: []");
    let _ = writeln!(y, "evaluation_interval: 1m");
    let _ = writeln!(y, "tests:");
    let _ = writeln!(y, "  - interval: {}", duration(loads[0].step_ms));
    let _ = writeln!(y, "    input_series:");
    for (desc, values) in loads.iter().flat_map(|l| &l.series) {
        let _ = writeln!(y, "      - series: {}", yaml_quote(desc));
        let _ = writeln!(y, "        values: {}", yaml_quote(values));
    }
    let _ = writeln!(y, "    promql_expr_test:");
    let _ = writeln!(y, "      - expr: {}", yaml_quote(expr));
    let _ = writeln!(y, "        eval_time: {}", duration(eval_ms));
    if expected.is_empty() {
        let _ = writeln!(y, "        exp_samples: []");
    } else {
        let _ = writeln!(y, "        exp_samples:");
        for (labels, v) in expected {
            let _ = writeln!(y, "          - labels: {}", yaml_quote(&label_set(labels)));
            let _ = writeln!(y, "            value: {}", yaml_float(*v));
        }
    }
    let _ = writeln!(y, "      - expr: {}", yaml_quote(DUMMY_EXPR));
    let _ = writeln!(y, "        eval_time: {}", duration(until));
    let _ = writeln!(y, "        exp_samples:");
    let _ = writeln!(y, "          - labels: '{{}}'");
    let _ = writeln!(y, "            value: 0");
    y
}

/// The expression that makes promtool load every sample (see [`unit_test`]).
const DUMMY_EXPR: &str = "vector(0)";

/// The unit tests of one promqltest file (`name` for messages).
fn convert(name: &str, text: &str) -> Converted {
    let commands = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Converted::default();
    let mut loads: Vec<Load> = Vec::new();
    for command in &commands {
        let cmd = match command {
            Command::Clear => {
                loads.clear();
                continue;
            }
            Command::Load {
                line,
                step_ms,
                with_nhcb,
                ..
            } => {
                let load = load_block(&lines, *line, *step_ms, *with_nhcb)
                    .unwrap_or_else(|e| panic!("{name}:{line}: {e}"));
                loads.push(load);
                continue;
            }
            Command::Eval(cmd) => cmd,
        };
        let origin = format!("{name}:{}", cmd.line);
        let float_values = cmd
            .expected_series
            .iter()
            .all(|(_, v)| matches!(v.as_slice(), [NotationValue::Float(_)]));
        let reason = match cmd.kind {
            EvalKind::Range { .. } => Some("range query"),
            _ if cmd.expects.iter().any(|e| e.kind == ExpectKind::Fail) => Some("expect fail"),
            _ if cmd.expected_string.is_some() => Some("string result"),
            _ if cmd.range_vector.is_some() => Some("range-vector result"),
            _ if loads.is_empty() => Some("no samples loaded"),
            _ if loads.iter().any(|l| l.step_ms != loads[0].step_ms) => {
                Some("loads with different intervals")
            }
            _ if loads.iter().any(|l| l.histograms) => Some("native histograms"),
            _ if !float_values => Some("expected values other than one float a series"),
            EvalKind::Instant { .. } => None,
        };
        if let Some(reason) = reason {
            out.skipped.entry(reason).or_default().push(origin);
            continue;
        }
        let EvalKind::Instant { at_ms } = cmd.kind else {
            unreachable!("range queries are skipped");
        };
        let expected: Vec<Sample> = match cmd.expected_scalar {
            Some(v) => vec![(Vec::new(), v)],
            None => cmd
                .expected_series
                .iter()
                .map(|(labels, values)| {
                    let pairs = labels
                        .iter()
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                        .collect();
                    let NotationValue::Float(v) = values[0] else {
                        unreachable!("checked above")
                    };
                    (pairs, v)
                })
                .collect(),
        };
        let differs = cmd
            .line
            .checked_sub(2)
            .and_then(|i| lines.get(i))
            .and_then(|l| l.trim().strip_prefix(DIFFERS))
            .map(|r| r.trim().to_string());
        assert_ne!(
            cmd.expr.trim(),
            DUMMY_EXPR,
            "{origin}: the converter's own expression"
        );
        out.cases.push(Case {
            yaml: unit_test(&loads, &cmd.expr, at_ms, &expected),
            origin,
            expr: cmd.expr.clone(),
            eval_ms: at_ms,
            expected,
            differs,
        });
    }
    out
}

/// What promtool said of one case.
#[derive(Debug, PartialEq)]
enum Answer {
    Agrees,
    /// promtool's result or error, for the message.
    Differs(String),
}

/// A Go-quoted string at the start of `s` (after its opening quote), unquoted, and the rest.
fn go_unquote(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                let hex = |n: usize, chars: &mut std::str::CharIndices| -> Option<char> {
                    let digits: String = (0..n).filter_map(|_| chars.next().map(|c| c.1)).collect();
                    char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
                };
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'a' => '\x07',
                    'b' => '\x08',
                    'f' => '\x0c',
                    'v' => '\x0b',
                    'x' => hex(2, &mut chars)?,
                    'u' => hex(4, &mut chars)?,
                    'U' => hex(8, &mut chars)?,
                    other => other,
                });
            }
            c => out.push(c),
        }
    }
    None
}

/// promtool's `got:` list: `nil`, or `{a="b", c="d"} 1.5E+00, {} NaN`.
fn parse_got(s: &str) -> Option<Vec<Sample>> {
    let mut rest = s.trim();
    let mut out = Vec::new();
    if rest == "nil" {
        return Some(out);
    }
    while !rest.is_empty() {
        rest = rest.strip_prefix('{')?;
        let mut labels = Vec::new();
        loop {
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let eq = rest.find("=\"")?;
            let name = rest[..eq].to_string();
            let (value, r) = go_unquote(&rest[eq + 2..])?;
            labels.push((name, value));
            rest = r.strip_prefix(", ").unwrap_or(r);
        }
        rest = rest.strip_prefix(' ')?;
        let end = rest.find(", ").unwrap_or(rest.len());
        let v = parse_float(&rest[..end]).ok()?;
        labels.sort();
        out.push((labels, v));
        rest = rest[end..].strip_prefix(", ").unwrap_or(&rest[end..]);
    }
    Some(out)
}

/// Whether two sets of samples are the same, values to promqltest's precision.
fn same_samples(expected: &[Sample], got: &[Sample]) -> bool {
    let mut e: Vec<&Sample> = expected.iter().collect();
    let mut g: Vec<&Sample> = got.iter().collect();
    e.sort_by(|a, b| a.0.cmp(&b.0));
    g.sort_by(|a, b| a.0.cmp(&b.0));
    e.len() == g.len()
        && e.iter()
            .zip(&g)
            .all(|(a, b)| a.0 == b.0 && almost_equal(a.1, b.1, 1e-6))
}

/// promtool's answer on one case from the lines it printed for the case's file.
fn answer(case: &Case, block: &[String]) -> Answer {
    if block.iter().any(|l| l.trim() == "SUCCESS") {
        return Answer::Agrees;
    }
    // Errors of the unit test, each starting `    expr: "<expr>", time: <t>`; the test's own
    // expression comes first, the loading expression second.
    let starts: Vec<usize> = (0..block.len())
        .filter(|&i| block[i].starts_with("    expr: "))
        .collect();
    if starts.is_empty() {
        // promtool refused the file, or failed loading the series.
        return Answer::Differs(block.join("\n").trim().to_string());
    }
    let dummy = format!("    expr: \"{DUMMY_EXPR}\", time: ");
    assert!(
        !starts.iter().any(|&s| block[s].starts_with(&dummy)),
        "{}: promtool failed the converter's loading expression:\n{}",
        case.origin,
        block.join("\n")
    );
    let entry = &block[starts[0]..starts.get(1).copied().unwrap_or(block.len())];
    if let Some((_, err)) = entry[0].split_once(", err: ") {
        return Answer::Differs(format!("error: {err}"));
    }
    let got = entry
        .iter()
        .find_map(|l| l.trim().strip_prefix("got: "))
        .unwrap_or_else(|| panic!("{}: no `got:` in {entry:?}", case.origin));
    let got = parse_got(got).unwrap_or_else(|| panic!("{}: cannot read got: {got}", case.origin));
    if same_samples(&case.expected, &got) {
        Answer::Agrees
    } else {
        Answer::Differs(samples_text(&got))
    }
}

/// Runs promtool on every case at once and returns its answer on each.
fn ask_promtool(cases: &[Case]) -> Vec<Answer> {
    let binary = oracle_binary("promtool", "PROMTOOL", "prometheus");
    let dir = tempfile::tempdir().expect("tempdir");
    let names: Vec<String> = (0..cases.len())
        .map(|i| format!("case-{i:04}.yml"))
        .collect();
    for (case, name) in cases.iter().zip(&names) {
        std::fs::write(dir.path().join(name), &case.yaml).expect("write unit test");
    }
    // stdout (`Unit Testing:`, `SUCCESS`) and stderr (the failures) into one file, in order:
    // promtool writes both unbuffered.
    let log_path = dir.path().join("promtool.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let status = std::process::Command::new(&binary)
        .args(["test", "rules"])
        .args(&names)
        .current_dir(dir.path())
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .status()
        .unwrap_or_else(|e| panic!("{binary}: {e}"));
    let text = std::fs::read_to_string(&log_path).expect("read promtool output");
    let mut blocks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(file) = line.strip_prefix("Unit Testing:") {
            current = Some(file.trim().to_string());
            blocks.entry(file.trim().to_string()).or_default();
        } else if let Some(c) = &current {
            blocks.entry(c.clone()).or_default().push(line.to_string());
        }
    }
    assert!(
        blocks.len() == cases.len(),
        "promtool ({status}) reported on {} of {} files:\n{text}",
        blocks.len(),
        cases.len()
    );
    cases
        .iter()
        .zip(&names)
        .map(|(case, name)| answer(case, &blocks[name]))
        .collect()
}

/// The problems in promtool's answers: a disagreement on an unmarked eval, agreement on a
/// marked one.
fn problems(cases: &[Case], answers: &[Answer]) -> Vec<String> {
    let mut out = Vec::new();
    for (case, answer) in cases.iter().zip(answers) {
        let at = duration(case.eval_ms);
        match (answer, &case.differs) {
            (Answer::Differs(got), None) => out.push(format!(
                "{}: {} at {at}: expected {}, promtool: {got}",
                case.origin,
                case.expr,
                samples_text(&case.expected)
            )),
            (Answer::Agrees, Some(why)) => out.push(format!(
                "{}: {} at {at} is marked `2.42 differs: {why}`, but promtool agrees",
                case.origin, case.expr
            )),
            _ => {}
        }
    }
    out
}

/// The `.test` files of the conformance set, sorted.
fn conformance_files() -> Vec<std::path::PathBuf> {
    let dir = root().join("fixtures/promqltest");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "test"))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn promtool_agrees_with_the_conformance_set() {
    let mut all = Converted::default();
    let mut evals = 0;
    for path in conformance_files() {
        let text = std::fs::read_to_string(&path).expect("read");
        let converted = convert(&file_name(&path), &text);
        evals += converted.cases.len() + converted.skipped.values().map(Vec::len).sum::<usize>();
        all.cases.extend(converted.cases);
        for (reason, origins) in converted.skipped {
            all.skipped.entry(reason).or_default().extend(origins);
        }
    }
    let answers = ask_promtool(&all.cases);
    let excluded: Vec<(&Case, &Answer)> = all
        .cases
        .iter()
        .zip(&answers)
        .filter(|(c, _)| c.differs.is_some())
        .collect();
    let skipped: usize = all.skipped.values().map(Vec::len).sum();
    println!(
        "{evals} evals: {} checked against promtool, {} excluded as differing in 2.42, \
         {skipped} skipped as inexpressible",
        all.cases.len() - excluded.len(),
        excluded.len()
    );
    for (case, answer) in &excluded {
        let promtool = match answer {
            Answer::Agrees => "agrees".to_string(),
            Answer::Differs(got) => got.clone(),
        };
        println!(
            "  excluded {}: {} ({}); promtool: {promtool}",
            case.origin,
            case.expr,
            case.differs.as_deref().unwrap_or_default()
        );
    }
    for (reason, origins) in &all.skipped {
        println!("  skipped ({reason}): {}", origins.len());
    }
    assert!(
        all.cases.len() - excluded.len() >= 300,
        "only {} evals checked against promtool",
        all.cases.len() - excluded.len()
    );
    let problems = problems(&all.cases, &answers);
    assert!(
        problems.is_empty(),
        "promtool disagrees with {} evals of fixtures/promqltest:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The converter and the reading of promtool's answers, on evals whose verdicts are known: the
/// oracle can fail.
#[test]
fn the_converter_lets_promtool_disagree() {
    let text = r#"load 1m
  probe{job="x"} 1 2 3
  probe{job="y"} 0.1+0.2x2

eval instant at 2m probe{job="x"}
  probe{job="x"} 3

eval instant at 2m probe{job="x"}
  probe{job="x"} 4

eval instant at 2m probe{job="y"} * 1
  {job="y"} 0.5

eval instant at 2m probe{job="y"}
  probe{job="y"} 0.50000000001

eval instant at 2m probe{job="z"}
  probe{job="z"} 1

eval instant at 2m probe{job="x"}

eval instant at 2m absent(probe{job="x"}) or probe{job="x"} > bool 10
  {job="x"} 1

# 2.42 differs: not really
eval instant at 1m probe{job="x"}
  probe{job="x"} 2

eval instant at 2m probe{job="x"} @ 3m
  probe{job="x"} 3

eval range from 0 to 1m step 1m probe{job="x"}
  probe{job="x"} 1 2
"#;
    let converted = convert("self-check", text);
    assert_eq!(
        converted.skipped.get("range query").map(Vec::len),
        Some(1),
        "{converted:?}"
    );
    let answers = ask_promtool(&converted.cases);
    let verdicts: Vec<bool> = answers.iter().map(|a| *a == Answer::Agrees).collect();
    assert_eq!(
        verdicts,
        [true, false, true, true, false, false, false, true, false],
        "{answers:#?}"
    );
    // promtool reports an error on `@ 3m` (a duration where it wants a timestamp).
    assert!(
        matches!(&answers[8], Answer::Differs(e) if e.starts_with("error:")),
        "{:?}",
        answers[8]
    );
    let problems = problems(&converted.cases, &answers);
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert!(problems[4].contains("marked `2.42 differs: not really`"));
}
