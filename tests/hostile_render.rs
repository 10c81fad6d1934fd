//! Reports on hostile and huge input (issue 15, rendering): a finding past column 65,535,
//! terminal escape sequences in comments, values and file names, CR-only and CRLF line ends,
//! JUnit XML for any test name, GitHub workflow-command escaping. The fixtures are generated
//! in a temporary directory; the cost of many findings is measured by
//! scripts/bench-render.sh, not timed here.

mod common;
use common::{alertlint, dir_with};

use serde_json::Value;
use std::path::Path;

/// Runs `alertlint` in `dir`; the exit code and stdout (bytes: they are what is checked).
fn run_in(dir: &Path, args: &[&str]) -> (i32, Vec<u8>) {
    let out = alertlint()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    (out.status.code().unwrap_or(-1), out.stdout)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Fails if `out` holds a character that would act on a terminal: a C0 control other than
/// LF, DEL, a C1 control, a bidi embedding, override or isolate.
#[track_caller]
fn assert_no_raw_controls(out: &str, context: impl std::fmt::Display) {
    let raw: Vec<char> = out
        .chars()
        .filter(|&c| {
            matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
                && c != '\n'
        })
        .collect();
    assert!(raw.is_empty(), "raw {raw:?} in: {context}");
}

/// One JSON rule file on a single line: an alert with all it needs, padded with a long
/// description, then `Far`, which lacks everything, past column 65,535.
fn long_line() -> String {
    let pad = "x".repeat(70_000);
    format!(
        concat!(
            r#"{{"groups": [{{"name": "g", "rules": [{{"alert": "Padded", "expr": "up{{job=\"a\"}} == 0", "for": "5m", "#,
            r#""labels": {{"severity": "critical", "team": "t"}}, "annotations": {{"summary": "Job a is down", "#,
            r#""description": "{{{{ $labels.instance }}}} is down ({{{{ $value }}}}) {pad}", "#,
            r#""runbook_url": "https://example.com/Padded"}}}}, {{"alert": "Far", "expr": "up == 0"}}]}}]}}"#
        ),
        pad = pad
    )
}

/// miette pads with `format!` widths, which panic past 65,535: a finding there used to
/// crash the human report (and print nothing). It prints a snippet elided around the span.
#[test]
fn a_finding_past_column_65535_prints_an_elided_snippet() {
    let dir = dir_with(&[("long.json", &long_line())]);
    let (code, json) = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "json", "long.json"],
    );
    assert_eq!(code, 1, "{}", text(&json));
    let doc: Value = serde_json::from_slice(&json).expect("json");
    let far = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["message"].as_str().is_some_and(|m| m.contains("`Far`")))
        .expect("a finding on Far");
    let col = far["location"]["start"]["column"].as_u64().expect("column");
    assert!(col > 65_535, "{far}");

    let (code, out) = run_in(
        dir.path(),
        &["check", "--no-config", "--color", "never", "long.json"],
    );
    let out = text(&out);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("[long.json:1:{col}]")), "{out}");
    assert!(
        out.contains(r#" 1 │ …", "runbook_url": "https://example.com/Padded"}}, {"alert": "Far", "expr": "up == 0"}]}]}"#),
        "{out}"
    );
    // Every line short, the 70,000 x's elided.
    let longest = out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest < 250, "a line of {longest} characters");
    insta::assert_snapshot!("long_line", out);
}

/// The rule file of the escape tests: raw ESC, OSC, BEL and a bidi override in a comment,
/// escape sequences in a double-quoted value that becomes part of a message.
const ESCAPES: &str = "groups:\n  - name: g\n    rules:\n      # \x1b]0;pwned\x07 \x1b[2J \u{202e}evil\n      - alert: \"Down\\e[31m\\a\\u202e\"\n        expr: up == 0\n";
/// And its name: an escape sequence too.
const ESCAPES_FILE: &str = "esc\x1b[31m.yaml";

/// No control character of the input reaches stdout raw, in any format, with or without
/// colours: in human output they show as `\u{1b}`, in JSON and SARIF as `\u001b` (the same
/// text once parsed).
#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = dir_with(&[(ESCAPES_FILE, ESCAPES)]);
    let (code, out) = run_in(
        dir.path(),
        &["check", "--no-config", "--color", "never", "."],
    );
    let out = text(&out);
    assert_eq!(code, 1, "{out}");
    assert_no_raw_controls(&out, &out);
    assert!(!out.bytes().any(|b| b == 0x1b || b == 0x07));
    // The comment, the message (from the value) and the file name, escaped.
    assert!(
        out.contains(r"# \u{1b}]0;pwned\u{7} \u{1b}[2J \u{202e}evil"),
        "{out}"
    );
    assert!(
        out.contains(r"alert `Down\u{1b}[31m\u{7}\u{202e}` has no"),
        "{out}"
    );
    assert!(out.contains(r"[esc\u{1b}[31m.yaml:5:16]"), "{out}");
    insta::assert_snapshot!("escapes", out);

    // With colours: miette's own escape sequences, none of the input's.
    let (_, out) = run_in(
        dir.path(),
        &["check", "--no-config", "--color", "always", "."],
    );
    let out = text(&out);
    assert!(out.contains('\x1b'), "colours expected: {out}");
    assert!(
        !out.contains('\x07') && !out.contains("\x1b]") && !out.contains("\x1b[2J"),
        "{out}"
    );
    assert!(!out.contains('\u{202e}'), "{out}");
    assert!(out.contains(r"\u{1b}]0;pwned\u{7}"), "{out}");

    for format in ["json", "sarif"] {
        let (_, out) = run_in(
            dir.path(),
            &["check", "--no-config", "--format", format, "."],
        );
        let out = text(&out);
        // Only the JSON's own line breaks (and indentation spaces).
        assert_no_raw_controls(&out, format!("{format}: {out}"));
        assert!(
            out.contains(r"Down\u001b[31m\u0007\u202e"),
            "{format}: {out}"
        );
        // SARIF's locations are URIs: the escape percent-encoded.
        let file = if format == "sarif" {
            "esc%1B%5B31m.yaml"
        } else {
            r"esc\u001b[31m.yaml"
        };
        assert!(out.contains(file), "{format}: {out}");
        let doc: Value = serde_json::from_str(&out).expect("valid JSON");
        // The text itself is unchanged.
        assert!(
            doc.to_string().contains("Down\\u001b[31m\\u0007\u{202e}"),
            "{format}"
        );
    }

    let (_, out) = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "github", "."],
    );
    let out = text(&out);
    assert_no_raw_controls(&out, &out);
    assert!(
        out.contains(r"file=esc\u{1b}[31m.yaml,line=5,col=16"),
        "{out}"
    );
    assert!(
        out.contains(r"alert `Down\u{1b}[31m\u{7}\u{202e}` has no"),
        "{out}"
    );
}

/// Lines end at `\n`, `\r\n` or a lone `\r`, as for the YAML reader: the same rules with any of
/// them have the same positions, in every format, and the same snippets.
#[test]
fn cr_only_and_crlf_files_have_the_positions_of_lf_files() {
    let lf = "groups:\n  - name: g\n    rules:\n      # a comment\n      - alert: Down\n        expr: up == 0\n        for: 5m\n";
    let dir = dir_with(&[
        ("lf.yaml", lf),
        ("crlf.yaml", &lf.replace('\n', "\r\n")),
        ("cr.yaml", &lf.replace('\n', "\r")),
    ]);
    let report = |file: &str, format: &str| {
        let (code, out) = run_in(
            dir.path(),
            &[
                "check",
                "--no-config",
                "--color",
                "never",
                "--format",
                format,
                file,
            ],
        );
        assert_eq!(code, 1, "{}", text(&out));
        text(&out).replace(file, "FILE")
    };
    let positions = |json: &str| -> Vec<(u64, u64, u64, u64)> {
        let doc: Value = serde_json::from_str(json).expect("json");
        doc["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| {
                let l = &d["location"];
                let n = |v: &Value| v.as_u64().expect("number");
                (
                    n(&l["start"]["line"]),
                    n(&l["start"]["column"]),
                    n(&l["end"]["line"]),
                    n(&l["end"]["column"]),
                )
            })
            .collect()
    };
    let want = positions(&report("lf.yaml", "json"));
    assert!(want.contains(&(5, 16, 5, 20)), "{want:?}");
    let human = report("lf.yaml", "human");
    let github = report("lf.yaml", "github");
    for file in ["crlf.yaml", "cr.yaml"] {
        assert_eq!(positions(&report(file, "json")), want, "{file}");
        let out = report(file, "human");
        assert_no_raw_controls(&out, format!("{file}: {out}"));
        assert_eq!(out, human, "{file}");
        assert_eq!(report(file, "github"), github, "{file}");
    }
    assert!(
        human.contains("[FILE:5:16]\n 4 │       # a comment\n 5 │       - alert: Down\n"),
        "{human}"
    );
}

/// `alertlint test --junit`: names with characters XML 1.0 forbids (U+FFFE, U+0001), an
/// escape sequence, a CR and markup still give a well-formed file; control characters are
/// written `\u{1b}` there as in the human report (a CR too: a raw one in an attribute would be
/// read back as a space).
#[test]
fn junit_is_well_formed_whatever_the_test_names() {
    let rules = "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n";
    let tests = concat!(
        "rule_files: [rules.yml]\n",
        "tests:\n",
        "  - name: \"odd \\uFFFE \\uFFFF \\x01 \\e[31m \\r & < > \\\" ' \\u202e name\"\n",
        "    interval: 1m\n",
        "    input_series:\n",
        "      - series: 'up{job=\"a\"}'\n",
        "        values: '0x5'\n",
        "    alert_rule_test:\n",
        "      - eval_time: 2m\n",
        "        alertname: Down\n",
        "        exp_alerts: []\n",
    );
    let dir = dir_with(&[("rules.yml", rules), ("odd.test.yml", tests)]);
    let (code, out) = run_in(
        dir.path(),
        &["test", "--junit", "junit.xml", "odd.test.yml"],
    );
    let out = text(&out);
    assert_eq!(code, 1, "{out}");
    assert_no_raw_controls(&out, &out);
    assert!(
        out.contains(r"\u{fffe}") && out.contains(r"\u{1b}[31m"),
        "{out}"
    );
    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).expect("junit.xml");
    assert_well_formed_xml(&xml);
    assert!(
        xml.contains(r#"<testcase name="odd \u{fffe} \u{ffff} \u{1} \u{1b}[31m \u{d} &amp; &lt; &gt; &quot; &apos; \u{202e} name""#),
        "{xml}"
    );
}

/// GitHub's workflow commands: `%`, CR and LF in a message, and also `:` and `,` in a
/// property, escaped as GitHub documents, so that a value cannot end the command or start
/// another.
#[test]
fn github_commands_escape_what_github_documents() {
    let rules = "groups:\n  - name: g\n    rules:\n      - alert: \"A 100%\\n::warning file=x.yaml::pwned\\r\\n::add-mask::x\"\n        expr: up == 0\n";
    let dir = dir_with(&[("a,b:c%.yaml", rules)]);
    let (code, out) = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "github", "a,b:c%.yaml"],
    );
    let out = text(&out);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let (summary, commands) = lines.split_last().expect("lines");
    assert!(summary.starts_with("Found "), "{out}");
    assert!(!commands.is_empty());
    for line in commands {
        assert!(
            line.starts_with("::error file=a%2Cb%3Ac%25.yaml,line=4,col=16,")
                || line.starts_with("::warning file=a%2Cb%3Ac%25.yaml,line=4,col=16,"),
            "{line}"
        );
        assert!(line.contains(",title=alertlint "), "{line}");
    }
    assert!(
        out.contains("alert `A 100%25%0A::warning file=x.yaml::pwned%0D%0A::add-mask::x` has no"),
        "{out}"
    );
    assert_no_raw_controls(&out, &out);
}

/// A small XML 1.0 well-formedness check (no XML parser is in the dependency tree): only
/// characters XML allows, an XML declaration, elements nested and closed, attribute values
/// quoted, `<` only as markup, `&` only in well-formed references to allowed characters.
fn assert_well_formed_xml(xml: &str) {
    fn allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
    }
    fn reference(s: &str) -> usize {
        let end = s
            .find(';')
            .unwrap_or_else(|| panic!("unterminated reference: {s:.20}"));
        let name = &s[1..end];
        let c = if let Some(hex) = name.strip_prefix("#x") {
            u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
        } else if let Some(dec) = name.strip_prefix('#') {
            dec.parse().ok().and_then(char::from_u32)
        } else {
            ["amp", "lt", "gt", "quot", "apos"]
                .contains(&name)
                .then_some('&')
        };
        assert!(c.is_some_and(allowed), "bad reference &{name};");
        end + 1
    }
    fn text(s: &str) {
        let mut i = 0;
        while let Some(at) = s[i..].find('&') {
            i += at;
            i += reference(&s[i..]);
        }
    }
    fn name(s: &str) -> usize {
        let n = s
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.')))
            .unwrap_or(s.len());
        assert!(n > 0, "a name expected: {s:.20}");
        n
    }
    if let Some(c) = xml.chars().find(|&c| !allowed(c)) {
        panic!("U+{:04X} is not allowed in XML 1.0", c as u32);
    }
    let rest = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .expect("XML declaration");
    let mut stack: Vec<&str> = Vec::new();
    let mut s = rest;
    let mut roots = 0;
    while let Some(lt) = s.find('<') {
        let (before, tag) = s.split_at(lt);
        assert!(
            !stack.is_empty() || before.trim().is_empty(),
            "text outside the root"
        );
        text(before);
        let tag = &tag[1..];
        if let Some(close) = tag.strip_prefix('/') {
            let n = name(close);
            assert_eq!(
                stack.pop(),
                Some(&close[..n]),
                "mismatched </{}>",
                &close[..n]
            );
            let after = close[n..].trim_start();
            s = after.strip_prefix('>').expect("> closing an end tag");
            continue;
        }
        let n = name(tag);
        let element = &tag[..n];
        let mut a = &tag[n..];
        loop {
            let trimmed = a.trim_start();
            if let Some(after) = trimmed.strip_prefix("/>") {
                a = after;
                if stack.is_empty() {
                    roots += 1;
                }
                break;
            }
            if let Some(after) = trimmed.strip_prefix('>') {
                a = after;
                if stack.is_empty() {
                    roots += 1;
                }
                stack.push(element);
                break;
            }
            assert!(
                trimmed.len() < a.len(),
                "no space before an attribute in <{element}"
            );
            let n = name(trimmed);
            let after = trimmed[n..]
                .strip_prefix('=')
                .expect("= after an attribute name");
            let quote = after.chars().next().expect("a quoted value");
            assert!(
                quote == '"' || quote == '\'',
                "unquoted attribute in <{element}"
            );
            let end = after[1..].find(quote).expect("closing quote") + 1;
            let value = &after[1..end];
            assert!(!value.contains('<'), "< in an attribute of <{element}");
            text(value);
            a = &after[end + 1..];
        }
        s = a;
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert!(s.trim().is_empty(), "text after the root");
    assert_eq!(roots, 1, "one root element");
}
