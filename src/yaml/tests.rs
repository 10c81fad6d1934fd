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
