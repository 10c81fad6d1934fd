use alertlint_diagnostics::source::Span;
use saphyr_parser::ScalarStyle;

#[derive(Debug, Clone)]
pub struct Scalar {
    /// The scalar's value after YAML unescaping and folding.
    pub text: String,
    pub style: ScalarStyle,
    /// An explicit tag such as `!!str`, if written.
    pub tag: Option<String>,
}

impl Scalar {
    pub fn null() -> Self {
        Scalar {
            text: String::new(),
            style: ScalarStyle::Plain,
            tag: None,
        }
    }

    /// Whether the YAML core schema reads this scalar as null.
    pub fn is_null(&self) -> bool {
        self.tag.is_none()
            && self.style == ScalarStyle::Plain
            && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    pub fn is_plain(&self) -> bool {
        self.style == ScalarStyle::Plain && self.tag.is_none()
    }
}

#[derive(Debug, Clone)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Entries in document order; duplicates are kept (and reported by the reader).
    Map(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Entry {
    pub fn is_merge(&self) -> bool {
        matches!(&self.key.value, Value::Scalar(s) if s.is_plain() && s.text == "<<")
    }
}

impl Node {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's text; `None` for collections.
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.text.as_str())
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(e) => Some(e),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    /// The value under a key of a mapping (the last one, as Go's decoder keeps it).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .rev()
            .find(|e| e.key.as_str() == Some(key))
            .map(|e| &e.value)
    }

    /// What kind of node this is, for messages such as "expected a list, found a mapping".
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar(s) if s.is_null() => "null",
            Value::Scalar(_) => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Where the last child of a collection ends.
    pub fn last_child_end(&self) -> Option<usize> {
        match &self.value {
            Value::Scalar(_) => None,
            Value::Seq(items) => items.iter().map(|n| n.span.end).max(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| e.value.span.end.max(e.key.span.end))
                .max(),
        }
    }

    /// Counts the nodes of this tree and the bytes of its scalars' text (keys, values and
    /// tags), stopping once either limit is passed (so a huge tree costs no more than
    /// `node_limit` steps to measure).
    pub fn measure(&self, node_limit: usize, byte_limit: usize) -> (usize, usize) {
        let (mut nodes, mut bytes) = (0usize, 0usize);
        let mut todo = vec![self];
        while let Some(node) = todo.pop() {
            nodes += 1;
            if let Value::Scalar(s) = &node.value {
                bytes = bytes
                    .saturating_add(s.text.len())
                    .saturating_add(s.tag.as_ref().map_or(0, String::len));
            }
            if nodes > node_limit || bytes > byte_limit {
                break;
            }
            match &node.value {
                Value::Scalar(_) => {}
                Value::Seq(items) => todo.extend(items.iter()),
                Value::Map(entries) => {
                    for e in entries {
                        todo.push(&e.key);
                        todo.push(&e.value);
                    }
                }
            }
        }
        (nodes, bytes)
    }
}
