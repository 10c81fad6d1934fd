//! A YAML reader that keeps the byte span of every node.
//!
//! Written over `saphyr-parser`'s event stream rather than using `saphyr`'s own loader because
//! a linter needs three things that loader does not give: every duplicate key reported (not
//! the first one as a fatal error), the scalar style kept next to the span (to map offsets
//! inside `|`, `>-` and quoted scalars back to the file), and limits on alias expansion and
//! nesting depth that turn hostile input into a diagnostic instead of exhausting memory or stack.

mod char_index;
mod node;
pub mod scalar_map;

pub use node::{Entry, Node, Scalar, Value};
pub use saphyr_parser::ScalarStyle;

use crate::source::Span;
use char_index::CharIndex;
use saphyr_parser::{Event, Parser};
use std::collections::HashMap;

/// Nodes that alias expansion may copy in one file, in total; beyond it the file is rejected
/// (a "billion laughs" document expands to far more than any rule file needs).
pub const ALIAS_NODE_BUDGET: usize = 100_000;
/// Deepest nesting accepted: rule files nest about six levels; recursion over deeper trees
/// would risk the stack.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    Syntax,
    DuplicateKey { first: Span },
    AliasBudget,
    TooDeep,
}

/// Something wrong with the YAML itself, found while reading it.
#[derive(Debug, Clone)]
pub struct YamlProblem {
    pub kind: ProblemKind,
    pub span: Span,
    pub message: String,
}

struct Frame {
    node: Node,
    anchor: usize,
    /// For mappings: the key read, waiting for its value.
    pending_key: Option<Node>,
}

/// Reads every document of a YAML stream. Documents before a syntax error are kept; the
/// document the error is in is dropped (its partial tree would only produce follow-on noise).
pub fn parse(text: &str) -> (Vec<Document>, Vec<YamlProblem>) {
    let index = CharIndex::new(text);
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut alias_budget = ALIAS_NODE_BUDGET;
    let mut doc_root: Option<Node> = None;
    let mut parser = Parser::new_from_str(text);

    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(err)) => {
                let at = index.byte(err.marker().index());
                problems.push(YamlProblem {
                    kind: ProblemKind::Syntax,
                    span: Span::new(at, at + next_char_len(text, at)),
                    message: err.info().to_string(),
                });
                break;
            }
        };
        let span = Span::new(index.byte(span.start.index()), index.byte(span.end.index()));
        let completed = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart => None,
            Event::DocumentStart(_) => {
                doc_root = None;
                None
            }
            Event::DocumentEnd => {
                let root = doc_root.take().unwrap_or_else(|| Node {
                    value: Value::Scalar(Scalar::null()),
                    span: Span::point(span.start),
                });
                docs.push(Document { root });
                anchors.clear();
                None
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    problems.push(YamlProblem {
                        kind: ProblemKind::TooDeep,
                        span,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                    return (docs, problems);
                }
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::Seq(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                stack.push(Frame {
                    node: Node { value, span },
                    anchor,
                    pending_key: None,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => stack.pop().map(|mut frame| {
                // A flow collection ends at its `]`/`}`; a block one at its last child (the end
                // event of a block collection sits on the next token, often lines later).
                let closes_flow = matches!(text.as_bytes().get(span.start), Some(b']' | b'}'));
                frame.node.span.end = if closes_flow {
                    span.end
                } else {
                    frame.node.last_child_end().unwrap_or(frame.node.span.start)
                }
                .max(frame.node.span.start);
                if let Value::Map(entries) = &mut frame.node.value {
                    apply_merge_keys(entries);
                }
                (frame.node, frame.anchor)
            }),
            Event::Scalar(text_value, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                Some((
                    Node {
                        value: Value::Scalar(Scalar {
                            text: text_value.into_owned(),
                            style,
                            tag,
                        }),
                        span,
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(target) => {
                    let size = target.count_nodes(alias_budget.saturating_add(1));
                    if size > alias_budget {
                        problems.push(YamlProblem {
                            kind: ProblemKind::AliasBudget,
                            span,
                            message: format!(
                                "alias expansion exceeds {ALIAS_NODE_BUDGET} nodes (a \"billion laughs\" document?)"
                            ),
                        });
                        return (docs, problems);
                    }
                    alias_budget -= size;
                    let mut copy = target.clone();
                    // The copy is reported where the alias is written, not at the anchor.
                    copy.span = span;
                    Some((copy, 0))
                }
                None => {
                    problems.push(YamlProblem {
                        kind: ProblemKind::Syntax,
                        span,
                        message: "unknown anchor".to_string(),
                    });
                    return (docs, problems);
                }
            },
        };

        if let Some((node, anchor)) = completed {
            if anchor > 0 {
                anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                None => doc_root = Some(node),
                Some(parent) => match &mut parent.node.value {
                    Value::Seq(items) => items.push(node),
                    Value::Map(entries) => match parent.pending_key.take() {
                        None => parent.pending_key = Some(node),
                        Some(key) => {
                            if let Some(first) = duplicate_of(entries, &key) {
                                problems.push(YamlProblem {
                                    kind: ProblemKind::DuplicateKey { first },
                                    span: key.span,
                                    message: format!(
                                        "duplicate key `{}`",
                                        key.as_str().unwrap_or("<complex key>")
                                    ),
                                });
                            }
                            entries.push(Entry { key, value: node });
                        }
                    },
                    Value::Scalar(_) => {}
                },
            }
        }
    }
    (docs, problems)
}

fn duplicate_of(entries: &[Entry], key: &Node) -> Option<Span> {
    let name = key.as_str()?;
    if name == "<<" {
        return None;
    }
    entries
        .iter()
        .find(|e| e.key.as_str() == Some(name))
        .map(|e| e.key.span)
}

/// YAML 1.1 merge keys (`<<: *base`), which Go's yaml.v3 (and so Prometheus) honours: the
/// merged mapping's entries are added unless the mapping sets them itself.
fn apply_merge_keys(entries: &mut Vec<Entry>) {
    if !entries.iter().any(Entry::is_merge) {
        return;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries.drain(..).partition(Entry::is_merge);
    for merge in merges {
        let sources: Vec<&Node> = match &merge.value.value {
            Value::Map(_) => vec![&merge.value],
            Value::Seq(items) => items.iter().collect(),
            Value::Scalar(_) => {
                // Not mergeable: keep it, so the schema check reports it.
                own.push(merge);
                continue;
            }
        };
        for source in sources {
            if let Value::Map(src_entries) = &source.value {
                for e in src_entries {
                    let name = e.key.as_str();
                    if !own.iter().any(|o| o.key.as_str() == name) {
                        own.push(e.clone());
                    }
                }
            }
        }
    }
    *entries = own;
}

fn next_char_len(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|s| s.chars().next())
        .map_or(0, char::len_utf8)
}

#[cfg(test)]
mod tests;
