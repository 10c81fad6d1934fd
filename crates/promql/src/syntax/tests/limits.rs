//! Hostile input: every limit is a positioned error, never a panic or a stack overflow,
//! and big input takes time in proportion to its size.

use crate::syntax::MAX_DEPTH;
use crate::syntax::*;

fn first_error(text: &str) -> SyntaxError {
    match parse_with(text, &Options::all()) {
        Ok(e) => panic!("accepted: {e}"),
        Err(errors) => errors.into_iter().next().expect("at least one error"),
    }
}

/// `n - 1` levels of parentheses, each with one operator inside, around a selector: exactly
/// `n` deep by the measure the limit uses.
fn deepest(n: usize) -> String {
    let half = (n - 1) / 2;
    format!("{}up{}", "(1 + ".repeat(half), ")".repeat(half))
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_at_the_bracket_that_crosses_it() {
    let deep = format!("{}up{}", "sum(".repeat(100_000), ")".repeat(100_000));
    let e = first_error(&deep);
    assert_eq!(
        e.message,
        format!("expression nested deeper than {MAX_DEPTH} levels")
    );
    assert_eq!(&deep[e.span.range()], "(");
    for text in [
        vec!["up"; 5000].join(" or "),
        format!("{}1", "-".repeat(100_000)),
        vec!["2"; 5000].join(" ^ "),
        format!("up[{}1m{}]", "(".repeat(5000), ")".repeat(5000)),
        format!("up{}", " + up".repeat(2000)),
    ] {
        assert_eq!(
            first_error(&text).message,
            format!("expression nested deeper than {MAX_DEPTH} levels")
        );
    }
}

#[test]
fn the_deepest_accepted_expression_parses_prints_checks_and_drops_on_a_test_thread() {
    // Test threads have 2 MiB of stack; the parser, checker, printer and drop recurse once
    // or a few times a level.
    let text = deepest(MAX_DEPTH);
    let expr = parse(&text).expect("at the limit");
    assert_eq!(expr.to_string().len(), text.len());
    drop(expr);
    let chain = vec!["up"; MAX_DEPTH].join(" or ");
    let expr = parse(&chain).expect("at the limit");
    assert_eq!(expr.to_string(), chain);
    assert!(parse(&format!("{chain} or up")).is_err());
    let unary = format!("{}up", "-".repeat(MAX_DEPTH - 1));
    assert!(parse(&unary).is_ok());
    let pow = vec!["2"; MAX_DEPTH].join(" ^ ");
    assert!(parse(&pow).is_ok());
}

#[test]
fn the_deepest_accepted_expression_evaluates_on_a_worker_stack() {
    // Expressions are evaluated on the main thread or on workers with `STACK_BYTES` (8 MiB,
    // as much as the main thread's). In a debug build the evaluator needs a few KiB a
    // level, so 1000 levels leave room to spare.
    let text = deepest(MAX_DEPTH);
    let worker = std::thread::Builder::new()
        .stack_size(crate::STACK_BYTES)
        .spawn(move || {
            let expr = parse(&text).expect("at the limit");
            let mut storage = crate::Storage::new();
            storage.append(
                &crate::Labels::from_pairs([("__name__", "up")]),
                0,
                crate::StoredValue::Float(1.0),
            );
            crate::Engine::default()
                .instant(&storage, &expr, 0)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .expect("thread");
    assert_eq!(worker.join().ok(), Some(Ok(())), "stack overflow or error");
}

#[test]
fn what_is_not_nesting_does_not_count() {
    // Brackets in strings and comments, and long lists, are wide, not deep.
    let quoted = format!("up{{a=\"{}\"}} # {}", "(".repeat(5000), "(".repeat(5000));
    assert!(parse(&quoted).is_ok());
    let wide = format!(
        "label_join(up, \"a\", \"-\", {})",
        vec!["\"b\""; 30_000].join(", ")
    );
    assert!(parse(&wide).is_ok());
    let matchers: Vec<String> = (0..30_000).map(|i| format!("l{i}!~\"x+\"")).collect();
    assert!(parse(&format!("up{{{}}}", matchers.join(","))).is_ok());
}

#[test]
fn a_number_of_ten_thousand_digits_is_out_of_range() {
    let digits = "9".repeat(10_000);
    let e = first_error(&digits);
    assert!(e.message.ends_with("value out of range"), "{}", e.message);
    assert_eq!(e.span, Span::new(0, 10_000));
    let text = format!("up + 0.{digits}");
    assert!(parse(&text).is_ok(), "a long fraction is fine");
    let e = first_error(&format!("up * 1e{digits}"));
    assert_eq!(e.span.start, 5);
}

#[test]
fn durations_beyond_int64_nanoseconds_are_out_of_range() {
    for (text, at) in [
        ("up[99999999999y]", 3),
        ("up offset 99999999999y", 10),
        ("up[5m:99999999999y]", 6),
        ("up[293y]", 3),
        ("up offset 9.5e10", 10),
        ("up[9.5e10]", 3),
        ("up offset -9.5e10", 11),
    ] {
        let e = first_error(text);
        assert_eq!(e.message, "duration out of range", "{text}");
        assert_eq!(e.span.start, at, "{text}");
    }
    assert!(parse("up[292y]").is_ok());
    assert!(parse("up offset -292y").is_ok());
}

#[test]
fn timestamps_beyond_int64_are_out_of_bounds() {
    let e = first_error("up @ 1e19");
    assert!(
        e.message
            .starts_with("timestamp out of bounds for @ modifier: ")
    );
    assert_eq!(e.span, Span::new(0, 2));
    assert!(parse("up @ 1e15").is_ok());
}

#[test]
fn regexes_that_do_not_compile_are_errors_at_the_matcher() {
    let text = r#"up{job=~"(", instance!~"[z-a]", le=~"ok"}"#;
    let errors = parse(text).expect_err("bad regexes");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(&text[errors[0].span.range()], r#"job=~"(""#);
    assert!(errors[0].message.starts_with("error parsing regexp: "));
    assert_eq!(&text[errors[1].span.range()], r#"instance!~"[z-a]""#);
    // A regex too big to compile is refused, not compiled for ever.
    let huge = format!("up{{a=~\"{}\"}}", "(a{1000}){1000}");
    assert!(
        first_error(&huge)
            .message
            .starts_with("error parsing regexp: ")
    );
}

#[test]
fn a_megabyte_expression_parses() {
    let value = "x".repeat(1 << 20);
    let text = format!("up{{job=\"{value}\"}} + on(job) group_left sum by (job) (rate(up[5m]))");
    let expr = parse(&text).expect("a megabyte");
    assert!(expr.to_string().len() > 1 << 20);
    let sum = vec!["up"; 900].join(" + ");
    let args: Vec<String> = (0..250).map(|_| format!("({sum})")).collect();
    let text = format!("max_of({})", args.join(", "));
    assert!(text.len() > 1 << 20);
    // Wide, not deep: every argument starts a new operator chain.
    let errors = parse_with(&text, &Options::all()).expect_err("max_of takes two");
    assert!(errors[0].message.contains("max_of"), "{errors:?}");
}

#[test]
fn errors_are_collected_across_arguments_and_matchers() {
    let text = r#"sum(rate(up{a="b" c}[5m]), foo bar, baz{x=~"("})"#;
    let errors = parse(text).expect_err("three errors");
    let at: Vec<&str> = errors.iter().map(|e| &text[e.span.range()]).collect();
    assert_eq!(at, ["c", "bar", r#"x=~"(""#], "{errors:?}");
}

proptest::proptest! {
    /// Checking a regex without compiling it gives the verdict compiling would, and so
    /// does telling whether it matches the empty string.
    #[test]
    fn regex_checks_agree_with_compiling(re in "[a-c.*+?|()\\[\\]{}0-9,^$\\\\bdwQE-]{0,12}") {
        let compiled = crate::syntax::compile_matcher_regex(&re);
        proptest::prop_assert_eq!(
            crate::syntax::check_matcher_regex(&re).is_ok(),
            compiled.is_ok(),
            "{:?}", re
        );
        if let Ok(r) = compiled {
            proptest::prop_assert_eq!(crate::syntax::regex_matches_empty(&re), r.is_match(""), "{:?}", re);
            // What is said to match everything or only the empty string does.
            for s in ["", "a", "b\nc", "x.y", "0-9*"] {
                if crate::syntax::regex_matches_everything(&re) {
                    proptest::prop_assert!(r.is_match(s), "{:?} on {:?}", re, s);
                }
                if crate::syntax::regex_matches_only_empty(&re) && !s.is_empty() {
                    proptest::prop_assert!(!r.is_match(s), "{:?} on {:?}", re, s);
                }
            }
        }
    }
}

#[test]
fn regexes_that_match_every_string() {
    use crate::syntax::{regex_matches_everything as all, regex_matches_only_empty as empty};
    for re in [".*", "(.*)", ".*|foo", "foo|.*", ".*.*", "(?:.*)?", ".*?"] {
        assert!(all(re), "{re}");
    }
    for re in [".+", "", "foo", ".*foo", "[^x]*", "(", "a*"] {
        assert!(!all(re), "{re}");
    }
    for re in ["", "()", "^$"] {
        assert!(empty(re), "{re}");
    }
    for re in [".*", "a?", "x"] {
        assert!(!empty(re), "{re}");
    }
}
