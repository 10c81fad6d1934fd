use super::scalar_map::map_scalar;
use super::*;

fn root(text: &str) -> Node {
    let (docs, problems) = parse(text);
    assert!(problems.is_empty(), "{problems:?}");
    docs.into_iter().next().expect("a document").root
}

#[test]
fn spans_are_byte_offsets_of_nodes() {
    let text = "a: 1\nbé: [x, y]\n";
    let r = root(text);
    let v = r.get("bé").expect("key");
    let items = v.as_seq().expect("seq");
    assert_eq!(&text[items[1].span.range()], "y");
}

#[test]
fn duplicate_keys_are_all_reported_and_reading_goes_on() {
    let (docs, problems) = parse("a: 1\na: 2\nb: 3\na: 4\n");
    assert_eq!(docs.len(), 1);
    assert_eq!(problems.len(), 2);
    assert!(matches!(problems[0].kind, ProblemKind::DuplicateKey { first } if first.start == 0));
    assert_eq!(docs[0].root.get("a").and_then(Node::as_str), Some("4"));
}

#[test]
fn syntax_error_keeps_earlier_documents() {
    let (docs, problems) = parse("a: 1\n---\nb: [1, 2\n");
    assert_eq!(docs.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::Syntax);
}

#[test]
fn alias_bomb_is_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (_, problems) = parse(&text);
    assert!(problems.iter().any(|p| p.kind == ProblemKind::AliasBudget));
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let text = "[".repeat(100_000);
    let (_, problems) = parse(&text);
    assert!(!problems.is_empty());
}

#[test]
fn merge_keys_are_applied() {
    let r = root("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
    let m = r.get("m").expect("m");
    assert_eq!(m.get("x").and_then(Node::as_str), Some("1"));
    assert_eq!(m.get("y").and_then(Node::as_str), Some("3"));
}

/// Every non-blank character of the value must map onto the same character in the file.
fn assert_maps_exactly(text: &str, key: &str) {
    let r = root(text);
    let node = r.get(key).expect("key");
    let map = map_scalar(text, node);
    assert!(map.is_exact(), "no alignment for {key}");
    let value = node.as_str().expect("scalar");
    for (i, c) in value.char_indices() {
        if c.is_whitespace() {
            continue;
        }
        let at = map.file_offset(i);
        let in_file = text[at..].chars().next();
        let escaped = text[..at].ends_with('\\') || in_file == Some('\\');
        assert!(
            in_file == Some(c) || escaped,
            "{key}: value[{i}]={c:?} mapped to {in_file:?}"
        );
    }
}

#[test]
fn scalar_offsets_map_back_for_every_style() {
    let text = r#"lit: |
  sum(rate(x[5m]))
    > 1
fold: >-
  foo
  bar

  baz
dq: "a\"b\n c \u00e9 d"
sq: 'it''s {{ $value }}'
plain: rate(x[5m])
  > 0
keep: |+
  a

"#;
    for key in ["lit", "fold", "dq", "sq", "plain", "keep"] {
        assert_maps_exactly(text, key);
    }
}

#[test]
fn scalar_map_points_into_block_scalar() {
    let text = "expr: |\n  sum(x)\n    > bogus(\n";
    let r = root(text);
    let node = r.get("expr").expect("expr");
    let map = map_scalar(text, node);
    let value = node.as_str().expect("scalar");
    let at = value.find("bogus").expect("bogus");
    let file_at = map.file_offset(at);
    assert_eq!(&text[file_at..file_at + 5], "bogus");
}

/// Few nodes, many bytes: the budget counts the text copied as well as the nodes.
#[test]
fn alias_bomb_by_bytes_is_refused() {
    let big = "x".repeat(1 << 20);
    let mut text = format!("big: &big \"{big}\"\nmany:\n");
    for _ in 0..17 {
        text.push_str("  - *big\n");
    }
    let (_, problems) = parse(&text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].kind, ProblemKind::AliasBudget);
    assert!(
        problems[0].message.contains("16 MiB of text"),
        "{problems:?}"
    );
    // Sixteen copies are within it.
    let within = text.trim_end().rsplit_once('\n').expect("lines").0;
    assert!(parse(within).1.is_empty());
}

/// Past a few keys a mapping's keys are looked up through a hash map: the same duplicates,
/// each pointing at the first time its key was written.
#[test]
fn duplicate_keys_in_large_mappings_point_at_the_first() {
    for n in [3, SCAN_KEYS - 1, SCAN_KEYS, SCAN_KEYS + 1, 100] {
        let mut text = String::new();
        for i in 0..n {
            text.push_str(&format!("k{i}: {i}\n"));
        }
        text.push_str("k0: again\n<<: {}\n<<: {}\nk1: again\nk0: thrice\n");
        let (docs, problems) = parse(&text);
        let found: Vec<(String, usize)> = problems
            .iter()
            .map(|p| match p.kind {
                ProblemKind::DuplicateKey { first } => {
                    (text[p.span.range()].to_string(), first.start)
                }
                _ => panic!("{p:?}"),
            })
            .collect();
        let k1 = text.find("k1:").expect("k1");
        assert_eq!(
            found,
            [
                ("k0".to_string(), 0),
                ("k1".to_string(), k1),
                ("k0".to_string(), 0)
            ],
            "{n} keys"
        );
        assert_eq!(
            docs[0].root.get("k0").and_then(Node::as_str),
            Some("thrice")
        );
    }
}

/// Merge keys with large mappings on both sides: the mapping's own keys win, merged keys are
/// added once, in order.
#[test]
fn merge_keys_of_large_mappings() {
    let mut text = String::from("base: &b {");
    for i in 0..50 {
        text.push_str(&format!("k{i}: base, "));
    }
    text.push_str("}\nm:\n  <<: [*b, {k0: second, extra: second}]\n");
    for i in (0..50).step_by(2) {
        text.push_str(&format!("  k{i}: own\n"));
    }
    let r = root(&text);
    let m = r.get("m").expect("m");
    let entries = m.as_map().expect("map");
    assert_eq!(entries.len(), 51);
    assert_eq!(m.get("k0").and_then(Node::as_str), Some("own"));
    assert_eq!(m.get("k1").and_then(Node::as_str), Some("base"));
    assert_eq!(m.get("extra").and_then(Node::as_str), Some("second"));
}

#[test]
fn documents_know_where_they_start() {
    let text = "a: 1\n---\nb: 2\n";
    let (docs, _) = parse(text);
    assert_eq!(&text[docs[1].start.range()], "---");
}

/// An anchor on every level around a large section: each level's anchor keeps a copy of all
/// below it. Refused once the copies pass the document's size and the budget; a few nested
/// anchors around small sections are fine.
#[test]
fn nested_anchors_around_a_large_section_are_refused() {
    let items = vec!["a"; 150_000].join(",");
    let open: String = (0..120).map(|i| format!("&a{i} [")).collect();
    let text = format!("x: {open}{items}{}\n", "]".repeat(120));
    let (_, problems) = parse(&text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].kind, ProblemKind::AliasBudget);
    assert!(
        problems[0]
            .message
            .starts_with("anchors nested in anchored sections")
    );

    let r = root("x: &a {b: &b {c: &c [1, 2]}, d: *c}\ny: *b\n");
    assert_eq!(
        r.get("y")
            .and_then(|y| y.get("c"))
            .and_then(Node::as_seq)
            .map(<[Node]>::len),
        Some(2)
    );
}

// What Prometheus' YAML reader (go-yaml) accepts and saphyr alone rejects: read as go-yaml
// reads it, with spans and scalar maps into the file.

/// The node at `path` (keys, or list indices as numbers) under the root of `text`.
fn node_at<'a>(root: &'a Node, path: &[&str]) -> &'a Node {
    path.iter()
        .fold(root, |node, step| match step.parse::<usize>() {
            Ok(i) => &node.as_seq().expect("a list")[i],
            Err(_) => node.get(step).unwrap_or_else(|| panic!("no {step}")),
        })
}

/// `needle`, found in the value of the scalar at `path`, maps onto `needle` in the file at the
/// given 1-based line and column.
fn assert_maps_to(text: &str, path: &[&str], needle: &str, line: usize, column: usize) {
    let r = root(text);
    let node = node_at(&r, path);
    let value = node.as_str().expect("scalar");
    let map = map_scalar(text, node);
    assert!(map.is_exact(), "no alignment for {path:?}: {value:?}");
    let at = map.file_offset(value.find(needle).expect("needle in value"));
    assert_eq!(&text[at..at + needle.len()], needle);
    let before = &text[..at];
    let found_line = before.matches('\n').count() + 1;
    let found_column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    assert_eq!((found_line, found_column), (line, column), "{needle}");
}

#[test]
fn quoted_continuation_at_or_below_the_key_is_read_as_go_yaml_reads_it() {
    let text = concat!(
        "tests:\n",
        "  - input_series:\n",
        "      - series: 'up{job=\"a\",\n",
        "        instance=\"b\"}'\n",
        "        values: '1+0x10'\n",
        "      - series: \"down{x=\\\"1\\\",\n",
        "   y=\\\"2\\\"}\"\n",
        "        values: 0\n",
    );
    let r = root(text);
    let first = node_at(&r, &["tests", "0", "input_series", "0"]);
    assert_eq!(
        first.get("series").and_then(Node::as_str),
        Some("up{job=\"a\", instance=\"b\"}")
    );
    assert_eq!(first.get("values").and_then(Node::as_str), Some("1+0x10"));
    let second = node_at(&r, &["tests", "0", "input_series", "1"]);
    assert_eq!(
        second.get("series").and_then(Node::as_str),
        Some("down{x=\"1\", y=\"2\"}")
    );
    // The spans are the file's: the scalar starts at its quote, ends past its closing quote.
    let series = first.get("series").expect("series");
    assert_eq!(
        &text[series.span.range()],
        "'up{job=\"a\",\n        instance=\"b\"}'"
    );
    assert_maps_to(
        text,
        &["tests", "0", "input_series", "0", "series"],
        "instance",
        4,
        9,
    );
    assert_maps_to(
        text,
        &["tests", "0", "input_series", "1", "series"],
        "y=",
        7,
        4,
    );
}

#[test]
fn quoted_continuation_folds_as_go_yaml_folds() {
    // Column 0, a blank line, tab indentation, trailing blanks, an escaped line break, CRLF.
    let cases: &[(&str, &str)] = &[
        ("k:\n  v: 'a,\nb'\n", "a, b"),
        ("k:\n  v: 'a\n\n  b'\n", "a\nb"),
        ("k:\n  v: 'a\n\n\n b'\n", "a\n\nb"),
        ("k:\n  v: 'a\n\t\tb'\n", "a b"),
        ("k:\n  v: 'a  \n b  '\n", "a b  "),
        ("k:\n  v: \"a\\\n b\"\n", "ab"),
        ("k:\n  v: \"a\\\n\n b\"\n", "a\nb"),
        ("k:\r\n  v: \"a\r\n  b\"\r\n", "a b"),
        ("k:\n  v: 'it''s\n a'\n", "it's a"),
    ];
    for (text, want) in cases {
        let r = root(text);
        assert_eq!(node_at(&r, &["k", "v"]).as_str(), Some(*want), "{text:?}");
    }
}

#[test]
fn escaped_single_quote_in_double_quotes_is_read() {
    let text = "a:\n  b: \"it\\'s {{ $value }}\"\n  \"k\\'s\": x\n";
    let r = root(text);
    assert_eq!(node_at(&r, &["a", "b"]).as_str(), Some("it's {{ $value }}"));
    assert_eq!(node_at(&r, &["a", "k's"]).as_str(), Some("x"));
    assert_maps_to(text, &["a", "b"], "$value", 2, 16);
}

#[test]
fn flow_collections_at_or_below_the_key_are_read() {
    let text = concat!(
        "r:\n",
        "  labels: {severity: warning,\n",
        "team: db, # who\n",
        "      note: \"two\n",
        " lines\", plain: one\n",
        " two\n",
        "}\n",
        "  next: [a,\n",
        " b]\n",
    );
    let r = root(text);
    let labels = node_at(&r, &["r", "labels"]);
    let pairs: Vec<(&str, &str)> = labels
        .as_map()
        .expect("map")
        .iter()
        .map(|e| {
            (
                e.key.as_str().expect("key"),
                e.value.as_str().expect("value"),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("severity", "warning"),
            ("team", "db"),
            ("note", "two lines"),
            ("plain", "one two")
        ]
    );
    assert_eq!(
        &text[labels.span.range()],
        &text[13..=text.find("}\n").expect("}")]
    );
    let team = &labels.as_map().expect("map")[1].key;
    assert_eq!(&text[team.span.range()], "team");
    assert_maps_to(text, &["r", "labels", "note"], "lines", 5, 2);
    assert_maps_to(text, &["r", "labels", "plain"], "two", 6, 2);
    let next: Vec<&str> = node_at(&r, &["r", "next"])
        .as_seq()
        .expect("seq")
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(next, ["a", "b"]);
}

#[test]
fn tabs_after_a_keys_colon_are_separation() {
    let r = root("a:\tb\nm: {k:\tv, l: [x,\ty]}\n");
    assert_eq!(r.get("a").and_then(Node::as_str), Some("b"));
    let m = r.get("m").expect("m");
    assert_eq!(m.get("k").and_then(Node::as_str), Some("v"));
    assert_eq!(
        m.get("l").and_then(Node::as_seq).map(<[Node]>::len),
        Some(2)
    );
}

/// What go-yaml rejects stays rejected, however close to what it accepts.
#[test]
fn what_go_yaml_rejects_stays_a_syntax_error() {
    let rejected = [
        // A document marker at column 0 inside a quoted scalar or a flow collection.
        "k:\n  v: 'a\n--- b'\n",
        "k:\n  v: 'a\n... b'\n",
        "k:\n  v: {a: b,\n--- : c}\n",
        // A directive at column 0 inside a flow collection.
        "k:\n  v: {a: b,\n%c: d}\n",
        // A key on two lines, or away from its `:`.
        "k:\n  'a\n  b': c\n",
        "k:\n  v: {a\n b: c}\n",
        "k:\n  v: {a\n : c}\n",
        "k:\n  v: {\"a\"\n : c}\n",
        // A plain scalar, a comment, and more of it on the next line.
        "k:\n  v: {a: b # c\n d}\n",
        // A tab indenting a plain scalar's continuation inside a flow collection.
        "k:\n  v: {a: b\n\tc}\n",
        // A plain scalar continued at or below its key.
        "k:\n  v: a\n  b\n",
        // Tabs as block indentation, and after `- `.
        "k:\n\tv: a\n",
        "k:\n  -\tv\n",
        // After `key:` a tab, then a block sequence entry.
        "k:\t- a\n",
        // Rejected by go-yaml, read by saphyr alone: a key continued on the next line inside a
        // flow collection, YAML 1.2's `\/` escape, a tab after a block sequence's `-`.
        "k:\n  v: {sev\n    erity: warning}\n",
        "k:\n  v: {severity\n    : warning}\n",
        "k: \"a\\/b\"\n",
        "k:\n  - \tv\n",
        // An unknown escape; no closing quote.
        "k:\n  v: \"a\\q\n b\"\n",
        "k:\n  v: 'a\n b\n",
    ];
    for text in rejected {
        let (_, problems) = parse(text);
        assert!(
            problems.iter().any(|p| p.kind == ProblemKind::Syntax),
            "{text:?} was read: {problems:?}"
        );
    }
}

#[test]
fn a_split_key_is_reported_where_it_is_written() {
    let text = "k:\n  v: {sev\n  erity: warning}\n";
    let (_, problems) = parse(text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(&text[problems[0].span.range()], "sev\n  erity");
    assert!(problems[0].message.contains("key"), "{problems:?}");
}

/// After a construct go-yaml accepts, a real error further on is the one reported.
#[test]
fn the_error_after_a_rewritten_construct_is_reported() {
    let text = "k:\n  v: 'a\n  b'\n  w: [1, 2\n";
    let (_, problems) = parse(text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].span.start > text.find("w:").expect("w"),
        "{problems:?}"
    );
}

/// Each construct costs a re-reading: a few hundred are read, a file made of nothing else stops
/// within a bounded multiple of its size.
#[test]
fn rereading_is_bounded() {
    let mut text = String::from("k:\n");
    for i in 0..300 {
        text.push_str(&format!("  v{i}: 'a\n  b'\n"));
    }
    let r = root(&text);
    assert_eq!(node_at(&r, &["k", "v299"]).as_str(), Some("a b"));

    let mut text = String::from("k:\n");
    for i in 0..20_000 {
        text.push_str(&format!("  v{i}: 'a\n  b'\n"));
    }
    let started = std::time::Instant::now();
    let (_, problems) = parse(&text);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::Syntax);
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn quoted_scalars_are_read_with_go_yamls_escapes() {
    use super::go_yaml::read_quoted;
    let read = |t: &str| read_quoted(t, 0).map(|q| q.value);
    assert_eq!(read(r#""a\'b""#).as_deref(), Some("a'b"));
    assert_eq!(
        read(r#""\x41\u00e9\U0001F600\t\	""#).as_deref(),
        Some("Aé😀\t\t")
    );
    // YAML 1.2's `\/` is no escape in go-yaml; surrogates are refused.
    assert_eq!(read(r#""a\/b""#), None);
    assert_eq!(read(r#""\ud800""#), None);
    assert_eq!(read(r#""\x4""#), None);
    assert_eq!(read("'a"), None);
    assert_eq!(read("\"a\\"), None);
    assert_eq!(
        read_quoted("x: 'a' b", 3).map(|q| q.end),
        Some(6),
        "ends past the closing quote"
    );
}

#[test]
fn probe_finds_what_is_open() {
    use super::go_yaml::{Probe, probe};
    assert_eq!(
        probe("a:\n  b: {c: [d,\n"),
        Probe {
            outermost_flow: Some(8),
            open_quote: None
        }
    );
    assert_eq!(
        probe("a:\n  b: 'c\n"),
        Probe {
            outermost_flow: None,
            open_quote: Some(8)
        }
    );
    assert_eq!(probe("a: {b: c}\nd: "), Probe::default());
}

#[test]
fn an_explicit_key_may_span_lines() {
    let r = root("? a\n  b\n: c\n");
    assert_eq!(r.get("a b").and_then(Node::as_str), Some("c"));
}

#[test]
fn go_yaml_only_rejections_say_why_where() {
    let text = "k: \"a\\\\/b \\/c\"\n";
    let (_, problems) = parse(text);
    assert_eq!(&text[problems[0].span.range()], "\\/", "{problems:?}");
    assert_eq!(problems[0].span.start, text.rfind('\\').expect("\\"));
    let text = "k:\n  -\t v\n";
    let (_, problems) = parse(text);
    assert_eq!(&text[problems[0].span.range()], "\t", "{problems:?}");
}
