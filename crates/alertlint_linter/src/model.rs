//! The spanned model of rule files: what the loader builds and every check reads.

use alertlint_diagnostics::source::{SourceFile, Span};
use alertlint_yaml::ScalarStyle;
use alertlint_yaml::scalar_map::{ScalarMap, map_value};
use std::collections::HashMap;
use std::sync::Arc;

/// A string from the file with where it was written.
#[derive(Debug, Clone)]
pub struct Str {
    pub value: String,
    pub span: Span,
    pub style: ScalarStyle,
}

impl Str {
    /// Maps offsets inside the value back to the file (see [`alertlint_yaml::scalar_map`]).
    pub fn offset_map(&self, file: &SourceFile) -> ScalarMap {
        map_value(&file.text, self.span, self.style, &self.value)
    }

    /// The file span of a byte range of the value.
    pub fn sub_span(&self, file: &SourceFile, start: usize, end: usize) -> Span {
        self.offset_map(file).file_span(start, end)
    }
}

/// A `key: value` pair of a `labels:` or `annotations:` mapping.
#[derive(Debug, Clone)]
pub struct Pair {
    pub key: Str,
    pub value: Str,
}

/// The rule evaluator the rule files are written for: each reads Prometheus' rule format with
/// some fields of its own, and Loki's expressions are LogQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    Prometheus,
    Thanos,
    Mimir,
    Cortex,
    Loki,
}

impl Dialect {
    pub const ALL: &'static [Dialect] = &[
        Dialect::Prometheus,
        Dialect::Thanos,
        Dialect::Mimir,
        Dialect::Cortex,
        Dialect::Loki,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Prometheus => "prometheus",
            Dialect::Thanos => "thanos",
            Dialect::Mimir => "mimir",
            Dialect::Cortex => "cortex",
            Dialect::Loki => "loki",
        }
    }

    pub fn parse(name: &str) -> Option<Dialect> {
        Dialect::ALL.iter().copied().find(|d| d.name() == name)
    }

    /// The group fields the dialect reads besides Prometheus' own: Thanos Rule's
    /// `partial_response_strategy`; Mimir's and Cortex's federated groups (`source_tenants`)
    /// and `evaluation_delay` (Mimir: also `align_evaluation_time_on_interval`).
    pub(crate) fn extra_group_fields(self) -> &'static [&'static str] {
        match self {
            Dialect::Prometheus | Dialect::Loki => &[],
            Dialect::Thanos => &["partial_response_strategy"],
            Dialect::Mimir => &[
                "source_tenants",
                "evaluation_delay",
                "align_evaluation_time_on_interval",
            ],
            Dialect::Cortex => &["source_tenants", "evaluation_delay"],
        }
    }

    /// Whether `expr` is PromQL (Loki's is LogQL, which alertlint does not read).
    pub(crate) fn expr_is_promql(self) -> bool {
        self != Dialect::Loki
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// A Prometheus rule file: `groups:` at the top.
    Prometheus,
    /// A Kubernetes `PrometheusRule` manifest: `spec.groups`.
    PrometheusRule,
}

/// A problem found while reading a file into the model (YAML or schema level).
#[derive(Debug, Clone)]
pub struct LoadProblem {
    pub kind: LoadProblemKind,
    pub span: Span,
    pub message: String,
    /// A second place that explains the first (the first of two duplicate keys, …).
    pub related: Option<(Span, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadProblemKind {
    /// Not valid YAML, not text, too large, or too deep to read.
    Syntax,
    DuplicateKey,
    UnknownField,
    WrongType,
}

#[derive(Debug)]
pub struct RuleFile {
    pub source: Arc<SourceFile>,
    pub format: FileFormat,
    pub groups: Vec<RuleGroup>,
    pub problems: Vec<LoadProblem>,
}

#[derive(Debug, Clone)]
pub struct RuleGroup {
    /// Which YAML document of the file the group is in (group names are unique per document).
    pub document: usize,
    pub span: Span,
    pub name: Option<Str>,
    pub interval: Option<Str>,
    pub query_offset: Option<Str>,
    pub limit: Option<Str>,
    pub labels: Vec<Pair>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule's whole mapping.
    pub span: Span,
    pub alert: Option<Str>,
    pub record: Option<Str>,
    pub expr: Option<Str>,
    pub for_: Option<Str>,
    pub keep_firing_for: Option<Str>,
    pub labels: Vec<Pair>,
    pub annotations: Vec<Pair>,
    /// The parsed `expr` (`None` when there is no expr); parsed once here, read by every check.
    pub promql: Option<Result<promql::Expr, Vec<promql::SyntaxError>>>,
}

impl Rule {
    pub fn is_alert(&self) -> bool {
        self.alert.is_some()
    }

    /// The alert or record name (the alert's if, wrongly, both are set).
    pub fn name(&self) -> &str {
        self.alert
            .as_ref()
            .or(self.record.as_ref())
            .map_or("", |s| s.value.as_str())
    }

    /// Where to point when the whole rule is meant: its name, else its mapping.
    pub fn name_span(&self) -> Span {
        self.alert
            .as_ref()
            .or(self.record.as_ref())
            .map_or(self.span, |s| s.span)
    }

    pub fn label(&self, name: &str) -> Option<&Pair> {
        self.labels.iter().rev().find(|p| p.key.value == name)
    }

    /// A label as the alert carries it: the rule's own, else its group's (group labels apply
    /// to every rule of the group).
    pub fn effective_label<'a>(&'a self, group: &'a RuleGroup, name: &str) -> Option<&'a Pair> {
        self.label(name)
            .or_else(|| group.labels.iter().rev().find(|p| p.key.value == name))
    }

    /// The labels the alert or series carries as written: its group's, then its own (a
    /// later pair of a name wins when collected into a map).
    pub fn labels_with<'a>(
        &'a self,
        group: &'a RuleGroup,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        group
            .labels
            .iter()
            .chain(&self.labels)
            .map(|p| (p.key.value.as_str(), p.value.value.as_str()))
    }

    /// The labels `overrides:` select rules by: the group's and the rule's labels, and an
    /// alert's name as `alertname` (as its alerts carry it).
    pub(crate) fn override_labels<'a>(&'a self, group: &'a RuleGroup) -> Vec<(&'a str, &'a str)> {
        let mut labels: Vec<(&str, &str)> = self.labels_with(group).collect();
        if let Some(alert) = &self.alert {
            labels.push(("alertname", alert.value.as_str()));
        }
        labels
    }

    pub fn annotation(&self, name: &str) -> Option<&Pair> {
        self.annotations.iter().rev().find(|p| p.key.value == name)
    }
}

impl RuleFile {
    pub fn rules(&self) -> impl Iterator<Item = (&RuleGroup, &Rule)> {
        self.groups
            .iter()
            .flat_map(|g| g.rules.iter().map(move |r| (g, r)))
    }
}

/// Whether a value is a Go template rather than a literal (so it can't be checked statically).
pub fn is_templated(s: &str) -> bool {
    s.contains("{{")
}

/// Prometheus' classic label-name rule (`[a-zA-Z_][a-zA-Z0-9_]*`), which every consumer accepts.
pub fn is_valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Prometheus' classic metric-name rule (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn is_valid_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Which rule each finding sits in, by file: the rules' spans in file order.
pub(crate) struct RuleIndex<'a> {
    files: HashMap<*const SourceFile, Vec<(Span, String)>>,
    /// Ties the raw pointers to the files they come from.
    _files: std::marker::PhantomData<&'a RuleFile>,
}

impl<'a> RuleIndex<'a> {
    pub(crate) fn new(files: &'a [RuleFile]) -> RuleIndex<'a> {
        let files = files
            .iter()
            .map(|f| {
                let rules = f
                    .rules()
                    .map(|(g, r)| {
                        let group = g.name.as_ref().map_or("", |n| n.value.as_str());
                        (r.span, format!("{group}/{}", r.name()))
                    })
                    .collect();
                (Arc::as_ptr(&f.source), rules)
            })
            .collect();
        RuleIndex {
            files,
            _files: std::marker::PhantomData,
        }
    }

    /// The rule of `file` that holds the offset `at`, if any: its span and `group/name`.
    pub(crate) fn rule_at(&self, file: &Arc<SourceFile>, at: usize) -> Option<(Span, &str)> {
        let rules = self.files.get(&Arc::as_ptr(file))?;
        let i = rules
            .partition_point(|(s, _)| s.start <= at)
            .checked_sub(1)?;
        let (span, name) = &rules[i];
        (at < span.end).then_some((*span, name.as_str()))
    }
}
