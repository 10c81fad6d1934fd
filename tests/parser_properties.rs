//! Property tests for the parsers: arbitrary text never panics them, and positions they report
//! always land inside the file on the character they describe.

use alertlint_diagnostics::source::SourceFile;
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, read_rule_file};
use alertlint_yaml::{self as yaml, scalar_map::map_scalar};
use proptest::prelude::*;

/// Text that looks like PromQL and templates, with the characters YAML escaping cares about.
fn expr_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("sum".to_string()),
            Just("rate(".to_string()),
            Just("x[5m]".to_string()),
            Just(")".to_string()),
            Just("{job=\"a\\\"b\"}".to_string()),
            Just(" by (le) ".to_string()),
            Just("'".to_string()),
            Just("\"".to_string()),
            Just("\\".to_string()),
            Just("{{ $value }}".to_string()),
            Just("é".to_string()),
            Just(" > ".to_string()),
            Just("#".to_string()),
            Just(" ".to_string()),
            "[a-z0-9_:]{1,6}",
        ],
        1..12,
    )
    .prop_map(|parts| parts.concat())
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn literal_block(s: &str) -> String {
    // An explicit indentation indicator: a value may start with blanks.
    let mut out = String::from("|4-\n");
    for line in s.split('\n') {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn yaml_reader_never_panics(text in "\\PC{0,200}") {
        let (docs, problems) = yaml::parse(&text);
        for p in problems {
            prop_assert!(p.span.start <= p.span.end && p.span.end <= text.len() + 4);
        }
        drop(docs);
    }

    /// YAML's indicators, quotes, blanks and line breaks: drives the re-reading of what
    /// Prometheus' YAML reader accepts (rewrites, probes of prefixes) through its branches.
    #[test]
    fn yaml_reader_never_panics_on_indicators(text in "[ \t\n\r'\"{}\\[\\],:#?&*!|>%ab.\\\\-]{0,160}") {
        let (docs, problems) = yaml::parse(&text);
        for p in problems {
            prop_assert!(p.span.start <= p.span.end && p.span.end <= text.len() + 4);
            prop_assert!(text.is_char_boundary(p.span.start.min(text.len())));
        }
        drop(docs);
    }

    /// A quoted scalar reads the same whatever the indentation of its continuation lines, at,
    /// below or past its key's (issue 19: go-yaml checks none), and its scalar map stays exact.
    #[test]
    fn quoted_scalars_read_alike_at_any_continuation_indent(
        words in proptest::collection::vec("[a-z{}=,()é]{1,8}", 2..6),
        indents in proptest::collection::vec(0..8usize, 5),
        double in any::<bool>(),
    ) {
        let quote = if double { '"' } else { '\'' };
        let written = |indent: &dyn Fn(usize) -> usize| {
            let mut scalar = format!("{quote}{}", words[0]);
            for (i, w) in words.iter().enumerate().skip(1) {
                scalar.push('\n');
                scalar.push_str(&" ".repeat(indent(i)));
                scalar.push_str(w);
            }
            scalar.push(quote);
            format!("rules:\n  - expr: {scalar}\n    for: 5m\n")
        };
        let reference = written(&|_| 6);
        let text = written(&|i| indents[i % indents.len()]);
        let value = |t: &str| {
            let (docs, problems) = yaml::parse(t);
            assert!(problems.is_empty(), "{problems:?} in {t:?}");
            let rule = docs[0].root.get("rules").and_then(|r| r.as_seq()).expect("rules")[0].clone();
            (rule.get("expr").cloned().expect("expr"), rule.get("for").and_then(|f| f.as_str()).map(str::to_string))
        };
        let (want, _) = value(&reference);
        let (got, for_) = value(&text);
        prop_assert_eq!(got.as_str(), want.as_str(), "{:?}", text);
        prop_assert_eq!(for_.as_deref(), Some("5m"));
        let map = map_scalar(&text, &got);
        prop_assert!(map.is_exact(), "no alignment for {:?}", text);
        for (i, c) in got.as_str().expect("scalar").char_indices() {
            if c != ' ' {
                let at = map.file_offset(i);
                prop_assert_eq!(text[at..].chars().next(), Some(c), "{:?}", text);
            }
        }
    }

    #[test]
    fn loader_and_checks_never_panic(body in "[ -~\\n]{0,300}") {
        let text = format!("groups:\n  - name: g\n    rules:\n{body}");
        if let Classified::Rules(f) = read_rule_file(
            SourceFile::new("p.yaml", text.clone()),
            alertlint_linter::model::Dialect::Prometheus,
        ) {
            let files = [f];
            for d in analyse(&files, &Config::default(), &Inputs::default()) {
                prop_assert!(d.span.end <= text.len() + 1, "{} {:?}", d.check, d.span);
            }
        }
    }

    #[test]
    fn scalar_offsets_map_back_in_every_style(value in expr_text(), style in 0..3u8) {
        let written = match style {
            0 => double_quoted(&value),
            1 => single_quoted(&value),
            _ => literal_block(&value),
        };
        let text = format!("expr: {written}");
        let (docs, problems) = yaml::parse(&text);
        prop_assert!(problems.is_empty(), "{problems:?} in {text:?}");
        let node = docs[0].root.get("expr").cloned().expect("expr");
        prop_assert_eq!(node.as_str(), Some(value.as_str()));
        let map = map_scalar(&text, &node);
        prop_assert!(map.is_exact(), "no alignment for {text:?}");
        for (i, c) in value.char_indices() {
            if c.is_whitespace() {
                continue;
            }
            let at = map.file_offset(i);
            let in_file = text[at..].chars().next();
            // Escaped characters map onto their backslash.
            prop_assert!(in_file == Some(c) || in_file == Some('\\') || (c == '\'' && in_file == Some('\'')),
                "value[{}]={:?} mapped to {:?} in {:?}", i, c, in_file, text);
        }
    }

    #[test]
    fn promql_errors_are_located_inside_the_expression(expr in expr_text()) {
        if let Err(errors) = promql::parse(&expr) {
            prop_assert!(!errors.is_empty());
            for e in errors {
                let r = e.span.range();
                prop_assert!(r.start <= r.end && r.end <= expr.len());
                prop_assert!(expr.is_char_boundary(r.start) && expr.is_char_boundary(r.end));
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}
