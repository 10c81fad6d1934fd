//! Reading configuration YAML with positioned errors. Shared by `.alertlint.yaml` (and the
//! sections other modules own in it) and `alertmanager.yml`, so every config mistake is worded
//! and positioned the same way.

use crate::model::Str;
use crate::suggest::closest;
use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::source::{SourceFile, Span};
use alertlint_yaml::Node;
use prometheus_time::duration::parse_duration;
use std::sync::Arc;

/// Collects `config` diagnostics while a config file is read.
pub(crate) struct SectionReader<'a> {
    pub file: &'a Arc<SourceFile>,
    pub errors: Vec<Diagnostic>,
}

impl<'a> SectionReader<'a> {
    pub(crate) fn new(file: &'a Arc<SourceFile>) -> Self {
        SectionReader {
            file,
            errors: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors
            .push(Diagnostic::new("config", self.file, span, message));
    }

    /// Reports an unknown key, suggesting the likely one.
    pub(crate) fn unknown_key(&mut self, span: Span, key: &str, known: &[&str], what: &str) {
        let hint = closest(key, known).map_or_else(
            || format!("expected one of: {}", known.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        self.error(span, format!("unknown key `{key}` in {what}; {hint}"));
    }

    /// The entries of a mapping with their key spans; `known` empty accepts any key. Null is an
    /// empty mapping; anything else that is not a mapping is reported.
    pub(crate) fn entries<'n>(
        &mut self,
        node: &'n Node,
        known: &[&str],
        what: &str,
    ) -> Vec<(&'n str, &'n Node, Span)> {
        if node.is_null() {
            return Vec::new();
        }
        let Some(entries) = node.as_map() else {
            self.error(
                node.span,
                format!("`{what}` must be a mapping, found {}", node.kind_name()),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries {
            let Some(k) = e.key.as_str() else {
                self.error(e.key.span, "keys must be strings");
                continue;
            };
            if !known.is_empty() && !known.contains(&k) {
                self.unknown_key(e.key.span, k, known, what);
                continue;
            }
            out.push((k, &e.value, e.key.span));
        }
        out
    }

    pub(crate) fn str(&mut self, node: &Node, what: &str) -> Option<Str> {
        match node.as_scalar() {
            Some(s) if !node.is_null() => Some(Str {
                value: s.text.clone(),
                span: node.span,
                style: s.style,
            }),
            _ => {
                self.error(
                    node.span,
                    format!("`{what}` must be a string, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    pub(crate) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        self.str(node, what).map(|s| s.value)
    }

    /// The items of a list; null is an empty list.
    pub(crate) fn list<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        if node.is_null() {
            return Some(&[]);
        }
        let items = node.as_seq();
        if items.is_none() {
            self.error(
                node.span,
                format!("`{what}` must be a list, found {}", node.kind_name()),
            );
        }
        items
    }

    pub(crate) fn strs(&mut self, node: &Node, what: &str) -> Vec<Str> {
        let items = self.list(node, what).unwrap_or(&[]);
        items.iter().filter_map(|i| self.str(i, what)).collect()
    }

    pub(crate) fn strings(&mut self, node: &Node, what: &str) -> Vec<String> {
        self.strs(node, what).into_iter().map(|s| s.value).collect()
    }

    pub(crate) fn duration(&mut self, node: &Node, what: &str) -> Option<i64> {
        let s = self.string(node, what)?;
        match parse_duration(&s) {
            Ok(ms) => Some(ms),
            Err(e) => {
                self.error(node.span, format!("`{what}`: {e}"));
                None
            }
        }
    }

    /// YAML booleans as Go's yaml.v3 reads them (`true`, `yes`, `on`, …).
    pub(crate) fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.as_str() {
            Some("true" | "True" | "TRUE" | "yes" | "Yes" | "on" | "On") => Some(true),
            Some("false" | "False" | "FALSE" | "no" | "No" | "off" | "Off") => Some(false),
            _ => {
                self.error(node.span, format!("`{what}` must be true or false"));
                None
            }
        }
    }
}
