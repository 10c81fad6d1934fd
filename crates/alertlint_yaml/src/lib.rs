//! A YAML reader that keeps the byte span of every node.
//!
//! Written over `saphyr-parser`'s event stream rather than using `saphyr`'s own loader because
//! a linter needs three things that loader does not give: every duplicate key reported (not
//! the first one as a fatal error), the scalar style kept next to the span (to map offsets
//! inside `|`, `>-` and quoted scalars back to the file), and limits on alias expansion and
//! nesting depth that turn hostile input into a diagnostic instead of exhausting memory or stack.
//! Nothing is quadratic in the size of a mapping: duplicate keys and merge keys are found
//! through hash sets once a mapping has more than a few keys.

mod char_index;
mod go_yaml;
mod node;
pub mod scalar_map;

pub use node::{Entry, Node, Scalar, Value};
pub use saphyr_parser::ScalarStyle;

use alertlint_diagnostics::source::Span;
use char_index::CharIndex;
use go_yaml::Rewrite;
use saphyr_parser::{Event, Parser};
use std::collections::HashMap;

/// Nodes that alias expansion may copy in one file, in total; beyond it the file is rejected
/// (a "billion laughs" document expands to far more than any rule file needs).
pub const ALIAS_NODE_BUDGET: usize = 100_000;
/// Bytes of scalar text (values, keys, tags) that alias expansion may copy in one file, in
/// total: few nodes can still be many bytes (one 1 MB scalar aliased 3,000 times).
pub const ALIAS_BYTE_BUDGET: usize = 16 * 1024 * 1024;
/// Deepest nesting accepted: rule files nest about six levels; recursion over deeper trees
/// would risk the stack.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
    /// Where the document starts: its `---` when it has one.
    pub start: Span,
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
    /// For mappings of more than [`SCAN_KEYS`] entries: the first span of each string key.
    keys: Option<HashMap<String, Span>>,
    /// A flow collection (`[…]`, `{…}`), not a block one.
    flow: bool,
}

/// Up to this many entries a mapping's keys are compared one by one (cheaper than hashing for
/// the few keys nearly every mapping has); past it, through [`Frame::keys`].
const SCAN_KEYS: usize = 8;

/// Reads every document of a YAML stream. Documents before a syntax error are kept; the
/// document the error is in is dropped (its partial tree would only produce follow-on noise).
///
/// What Prometheus' YAML reader accepts and saphyr does not is read as Prometheus reads it
/// (see the `go_yaml` module): when saphyr fails, the construct it failed at is rewritten in a
/// working copy of the same length and the copy is read again.
pub fn parse(text: &str) -> (Vec<Document>, Vec<YamlProblem>) {
    let mut reading = read(text, None);
    let Some(mut stop) = reading.stopped.take() else {
        return (reading.docs, reading.problems);
    };
    let mut rewrite = Rewrite::new(text);
    while rewrite.rewrite_at(stop.at, &stop.message) {
        if !rewrite.spend(text.len()) {
            break;
        }
        reading = read(rewrite.working(), Some(&rewrite));
        match reading.stopped.take() {
            Some(next) => stop = next,
            None => break,
        }
    }
    (reading.docs, reading.problems)
}

/// Where saphyr stopped reading, and why.
struct Stop {
    at: usize,
    message: String,
}

struct Reading {
    docs: Vec<Document>,
    problems: Vec<YamlProblem>,
    /// Set when saphyr failed (its error is also the last of `problems`).
    stopped: Option<Stop>,
}

/// One reading of `text` (the file, or the working copy of `rewrite`, whose offsets are the
/// file's).
fn read(text: &str, rewrite: Option<&Rewrite>) -> Reading {
    let original = rewrite.map_or(text, Rewrite::original);
    let index = CharIndex::new(text);
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut alias_budget = ALIAS_NODE_BUDGET;
    let mut alias_bytes = ALIAS_BYTE_BUDGET;
    // What the copies kept for anchors have cost: an anchor inside an anchored section is
    // copied again with it, so anchors nested around a large section copy it once per level
    // (120 levels around 300,000 items took 3 GB). Within the document's own size plus the
    // alias budgets, they are accepted; nesting beyond that is refused.
    let mut nodes_read = 0usize;
    let (mut anchored_nodes, mut anchored_bytes) = (0usize, 0usize);
    let mut doc_root: Option<Node> = None;
    let mut doc_start = Span::point(0);
    let mut parser = Parser::new_from_str(text);
    let mut stopped = None;

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
                stopped = Some(Stop {
                    at,
                    message: err.info().to_string(),
                });
                break;
            }
        };
        let span = Span::new(index.byte(span.start.index()), index.byte(span.end.index()));
        if matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
        ) {
            nodes_read += 1;
        }
        let completed = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart => None,
            Event::DocumentStart(_) => {
                doc_root = None;
                doc_start = span;
                None
            }
            Event::DocumentEnd => {
                let root = doc_root.take().unwrap_or_else(|| Node {
                    value: Value::Scalar(Scalar::null()),
                    span: Span::point(span.start),
                });
                docs.push(Document {
                    root,
                    start: doc_start,
                });
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
                    return Reading::ended(docs, problems);
                }
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::Seq(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                // A flow collection's event ends just past its bracket.
                let flow = span.end > span.start
                    && matches!(text.as_bytes().get(span.end - 1), Some(b'[' | b'{'));
                stack.push(Frame {
                    node: Node { value, span },
                    anchor,
                    pending_key: None,
                    keys: None,
                    flow,
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
                if style == ScalarStyle::DoubleQuoted
                    && let Some(at) = go_yaml::slash_escape(original, span)
                {
                    problems.push(YamlProblem {
                        kind: ProblemKind::Syntax,
                        span: Span::new(at, at + 2),
                        message: "`\\/` is no escape for Prometheus' YAML reader (go-yaml): \
                                  write `/`"
                            .to_string(),
                    });
                    return Reading::ended(docs, problems);
                }
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                // saphyr read a rewritten copy of this scalar: its value is the file's, as
                // go-yaml reads it.
                let text_value = rewrite
                    .and_then(|r| r.scalar_value(span, style))
                    .unwrap_or_else(|| text_value.into_owned());
                Some((
                    Node {
                        value: Value::Scalar(Scalar {
                            text: text_value,
                            style,
                            tag,
                        }),
                        span,
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => {
                if let Some(target) = anchors.get(&id) {
                    // Measured before it is copied, and no further than the budget left.
                    let (nodes, bytes) = target.measure(
                        alias_budget.saturating_add(1),
                        alias_bytes.saturating_add(1),
                    );
                    if nodes > alias_budget || bytes > alias_bytes {
                        let what = if nodes > alias_budget {
                            format!("{ALIAS_NODE_BUDGET} nodes")
                        } else {
                            format!("{} MiB of text", ALIAS_BYTE_BUDGET / (1024 * 1024))
                        };
                        problems.push(YamlProblem {
                            kind: ProblemKind::AliasBudget,
                            span,
                            message: format!(
                                "alias expansion exceeds {what} (a \"billion laughs\" document?)"
                            ),
                        });
                        return Reading::ended(docs, problems);
                    }
                    alias_budget -= nodes;
                    alias_bytes -= bytes;
                    let mut copy = target.clone();
                    // The copy is reported where the alias is written, not at the anchor.
                    copy.span = span;
                    Some((copy, 0))
                } else {
                    problems.push(YamlProblem {
                        kind: ProblemKind::Syntax,
                        span,
                        message: "unknown anchor".to_string(),
                    });
                    return Reading::ended(docs, problems);
                }
            }
        };

        if let Some((node, anchor)) = completed {
            if anchor > 0 {
                let node_limit = (nodes_read + ALIAS_NODE_BUDGET).saturating_sub(anchored_nodes);
                let byte_limit = (span.end + ALIAS_BYTE_BUDGET).saturating_sub(anchored_bytes);
                let (nodes, bytes) =
                    node.measure(node_limit.saturating_add(1), byte_limit.saturating_add(1));
                if nodes > node_limit || bytes > byte_limit {
                    problems.push(YamlProblem {
                        kind: ProblemKind::AliasBudget,
                        span: node.span,
                        message: format!(
                            "anchors nested in anchored sections copy more than the document \
                             itself and {ALIAS_NODE_BUDGET} nodes more (an anchor on each level \
                             around a large section?)"
                        ),
                    });
                    return Reading::ended(docs, problems);
                }
                anchored_nodes += nodes;
                anchored_bytes += bytes;
                anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                None => doc_root = Some(node),
                Some(parent) => match &mut parent.node.value {
                    Value::Seq(items) => {
                        if !parent.flow
                            && let Some(at) = go_yaml::tab_after_dash(original, node.span.start)
                        {
                            problems.push(YamlProblem {
                                kind: ProblemKind::Syntax,
                                span: Span::new(at, at + 1),
                                message: "a tab after `-`: Prometheus' YAML reader (go-yaml) \
                                          takes only spaces there"
                                    .to_string(),
                            });
                            return Reading::ended(docs, problems);
                        }
                        items.push(node);
                    }
                    Value::Map(entries) => match parent.pending_key.take() {
                        None if go_yaml::key_is_split(text, original, node.span) => {
                            problems.push(YamlProblem {
                                kind: ProblemKind::Syntax,
                                span: node.span,
                                message: "a mapping key must end, with its `:`, on the line \
                                          it starts on"
                                    .to_string(),
                            });
                            return Reading::ended(docs, problems);
                        }
                        None => parent.pending_key = Some(node),
                        Some(key) => {
                            if let Some(first) = duplicate_of(entries, &mut parent.keys, &key) {
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
    Reading {
        docs,
        problems,
        stopped,
    }
}

impl Reading {
    /// A reading that ended on a problem saphyr did not report (no rewrite can help).
    fn ended(docs: Vec<Document>, problems: Vec<YamlProblem>) -> Self {
        Reading {
            docs,
            problems,
            stopped: None,
        }
    }
}

/// Where `key` was first written in the mapping whose entries so far are `entries`, if it
/// was; `keys` indexes them once there are more than [`SCAN_KEYS`] (the caller then adds
/// `key` to `entries`, and this adds it to `keys`).
fn duplicate_of(
    entries: &[Entry],
    keys: &mut Option<HashMap<String, Span>>,
    key: &Node,
) -> Option<Span> {
    let name = key.as_str();
    if keys.is_none() && entries.len() >= SCAN_KEYS {
        let mut index = HashMap::with_capacity(entries.len() * 2);
        for e in entries {
            if let Some(k) = e.key.as_str().filter(|k| *k != "<<") {
                index.entry(k.to_string()).or_insert(e.key.span);
            }
        }
        *keys = Some(index);
    }
    let name = name.filter(|n| *n != "<<")?;
    match keys {
        Some(index) => {
            if let Some(first) = index.get(name) {
                Some(*first)
            } else {
                index.insert(name.to_string(), key.span);
                None
            }
        }
        None => entries
            .iter()
            .find(|e| e.key.as_str() == Some(name))
            .map(|e| e.key.span),
    }
}

/// YAML 1.1 merge keys (`<<: *base`), which Go's yaml.v3 (and so Prometheus) honours: the
/// merged mapping's entries are added unless the mapping sets them itself.
fn apply_merge_keys(entries: &mut Vec<Entry>) {
    if !entries.iter().any(Entry::is_merge) {
        return;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries.drain(..).partition(Entry::is_merge);
    // The keys set so far (own, then merged), each added once: a lookup per merged entry.
    let mut present: std::collections::HashSet<Option<String>> = own
        .iter()
        .map(|o| o.key.as_str().map(str::to_string))
        .collect();
    for merge in merges {
        let sources: Vec<&Node> = match &merge.value.value {
            Value::Map(_) => vec![&merge.value],
            Value::Seq(items) => items.iter().collect(),
            Value::Scalar(_) => {
                // Not mergeable: keep it, so the schema check reports it.
                present.insert(merge.key.as_str().map(str::to_string));
                own.push(merge);
                continue;
            }
        };
        for source in sources {
            if let Value::Map(src_entries) = &source.value {
                for e in src_entries {
                    if present.insert(e.key.as_str().map(str::to_string)) {
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
