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
