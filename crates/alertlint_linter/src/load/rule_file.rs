//! Reads one YAML text into [`RuleFile`]s: Prometheus rule files and `PrometheusRule`
//! manifests, recording schema problems (unknown fields, wrong types) with their spans.

use super::template::{self, Template};
use crate::model::{
    Dialect, FileFormat, LoadProblem, LoadProblemKind, Pair, Rule, RuleFile, RuleGroup, Str,
};
use crate::suggest::closest;
use alertlint_diagnostics::source::SourceFile;
use alertlint_yaml::{self as yaml, Entry, Node, ProblemKind, Value};
use std::sync::Arc;

const GROUP_FIELDS: &[&str] = &[
    "name",
    "interval",
    "query_offset",
    "limit",
    "rules",
    "labels",
];
/// The `PrometheusRule` CRD also accepts Thanos' `partial_response_strategy`.
const CRD_GROUP_FIELDS: &[&str] = &[
    "name",
    "interval",
    "query_offset",
    "limit",
    "rules",
    "labels",
    "partial_response_strategy",
];
const RULE_FIELDS: &[&str] = &[
    "record",
    "alert",
    "expr",
    "for",
    "keep_firing_for",
    "labels",
    "annotations",
];

/// What a YAML text turned out to be.
pub enum Classified {
    Rules(RuleFile),
    /// Valid YAML that is no rule file (a Deployment, a unit-test file, an Alertmanager config…),
    /// or a template (Helm, Jinja) that is YAML only once rendered.
    NotRules,
}

/// [`Classified`], telling templates from other YAML that is not rules.
pub(crate) enum Read {
    Rules(RuleFile),
    NotRules,
    Template(Template),
}

impl From<Read> for Classified {
    fn from(read: Read) -> Self {
        match read {
            Read::Rules(f) => Classified::Rules(f),
            Read::NotRules | Read::Template(_) => Classified::NotRules,
        }
    }
}

pub fn read_rule_file(source: Arc<SourceFile>, dialect: Dialect) -> Classified {
    read(source, dialect).into()
}

pub(crate) fn read(source: Arc<SourceFile>, dialect: Dialect) -> Read {
    let (docs, yaml_problems) = yaml::parse(&source.text);
    let mut problems: Vec<LoadProblem> = yaml_problems
        .into_iter()
        .map(|p| match p.kind {
            ProblemKind::DuplicateKey { first } => LoadProblem {
                kind: LoadProblemKind::DuplicateKey,
                span: p.span,
                message: p.message,
                related: Some((first, "first defined here".to_string())),
            },
            _ => LoadProblem {
                kind: LoadProblemKind::Syntax,
                span: p.span,
                message: p.message,
                related: None,
            },
        })
        .collect();

    let mut format = None;
    let mut groups = Vec::new();
    for (index, doc) in docs.iter().enumerate() {
        let mut reader = Reader {
            problems: &mut problems,
            dialect,
        };
        if let Some(groups_node) = doc.root.get("groups").filter(|_| !is_manifest(&doc.root)) {
            reader.unknown_fields(&doc.root, &["groups"], "rule file");
            format.get_or_insert(FileFormat::Prometheus);
            groups.extend(reader.groups(groups_node, index, GROUP_FIELDS));
        } else if doc.root.get("kind").and_then(Node::as_str) == Some("PrometheusRule") {
            format.get_or_insert(FileFormat::PrometheusRule);
            match doc.root.get("spec") {
                Some(spec) if reader.map(spec, "spec").is_some() => {
                    reader.unknown_fields(spec, &["groups"], "PrometheusRule spec");
                    if let Some(g) = spec.get("groups") {
                        groups.extend(reader.groups(g, index, CRD_GROUP_FIELDS));
                    }
                }
                _ => {}
            }
        }
    }

    let broken = problems.iter().any(|p| p.kind == LoadProblemKind::Syntax);
    // A template (Helm, Jinja) often fails to parse: unless it is plainly a rule file or rules
    // were read before the error, it is skipped, as YAML that is not rules yet.
    if broken
        && groups.is_empty()
        && let Some(template) = template::detect(&source.text)
    {
        return Read::Template(template);
    }
    // Any other file that failed to parse may still have been meant as rules: report it as such.
    match format {
        Some(format) => Read::Rules(RuleFile {
            source,
            format,
            groups,
            problems,
        }),
        None if broken => Read::Rules(RuleFile {
            source,
            format: FileFormat::Prometheus,
            groups,
            problems,
        }),
        None => Read::NotRules,
    }
}

fn is_manifest(root: &Node) -> bool {
    root.get("apiVersion").is_some() && root.get("kind").is_some()
}

struct Reader<'p> {
    problems: &'p mut Vec<LoadProblem>,
    dialect: Dialect,
}

impl Reader<'_> {
    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        self.problems.push(LoadProblem {
            kind: LoadProblemKind::WrongType,
            span: node.span,
            message: format!("`{what}` must be {expected}, found {}", node.kind_name()),
            related: None,
        });
    }

    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        if node.is_null() {
            return None;
        }
        let map = node.as_map();
        if map.is_none() {
            self.wrong_type(node, what, "a mapping");
        }
        map
    }

    fn seq<'n>(&mut self, node: &'n Node, what: &str) -> &'n [Node] {
        if node.is_null() {
            return &[];
        }
        if let Some(items) = node.as_seq() {
            items
        } else {
            self.wrong_type(node, what, "a list");
            &[]
        }
    }

    /// A string field; null (`key:` with nothing after it) counts as absent, as in Prometheus.
    fn string(&mut self, node: Option<&Node>, what: &str) -> Option<Str> {
        let node = node?;
        match &node.value {
            Value::Scalar(s) if s.is_null() => None,
            Value::Scalar(s) => Some(Str {
                value: s.text.clone(),
                span: node.span,
                style: s.style,
            }),
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    fn unknown_fields(&mut self, node: &Node, known: &[&str], what: &str) {
        for entry in node.as_map().unwrap_or(&[]) {
            let Some(key) = entry.key.as_str() else {
                self.wrong_type(&entry.key, what, "keyed by strings");
                continue;
            };
            if known.contains(&key) {
                continue;
            }
            let dialects: Vec<&str> = Dialect::ALL
                .iter()
                .filter(|d| what == "rule group" && d.extra_group_fields().contains(&key))
                .map(|d| d.name())
                .collect();
            let suggestion = if dialects.is_empty() {
                closest(key, known).map_or_else(
                    || format!("expected one of: {}", known.join(", ")),
                    |k| format!("did you mean `{k}`?"),
                )
            } else {
                format!(
                    "a field of {}: set `dialect: {}` in .alertlint.yaml (or `--dialect`)",
                    dialects.join(" and "),
                    dialects[0]
                )
            };
            self.problems.push(LoadProblem {
                kind: LoadProblemKind::UnknownField,
                span: entry.key.span,
                message: format!("unknown field `{key}` in {what}; {suggestion}"),
                related: None,
            });
        }
    }

    fn pairs(&mut self, node: Option<&Node>, what: &str) -> Vec<Pair> {
        let Some(node) = node else { return Vec::new() };
        let Some(entries) = self.map(node, what) else {
            return Vec::new();
        };
        let mut pairs = Vec::with_capacity(entries.len());
        for e in entries {
            let key = self.string(Some(&e.key), what);
            let value = if e.value.is_null() {
                // `summary:` with no value is an empty string to Prometheus.
                Some(Str {
                    value: String::new(),
                    span: e.value.span,
                    style: yaml::ScalarStyle::Plain,
                })
            } else if let Some(scalar) = e.value.as_scalar() {
                Some(Str {
                    value: scalar.text.clone(),
                    span: e.value.span,
                    style: scalar.style,
                })
            } else {
                // Only a wrong type needs the field's full name, for the message.
                self.string(
                    Some(&e.value),
                    &format!("{what}.{}", e.key.as_str().unwrap_or("?")),
                )
            };
            if let (Some(key), Some(value)) = (key, value) {
                pairs.push(Pair { key, value });
            }
        }
        pairs
    }

    fn groups(&mut self, node: &Node, document: usize, fields: &[&str]) -> Vec<RuleGroup> {
        let mut groups = Vec::new();
        for g in self.seq(node, "groups") {
            if self.map(g, "groups[]").is_none() {
                if g.is_null() {
                    self.wrong_type(g, "groups[]", "a mapping");
                }
                continue;
            }
            let extra = self.dialect.extra_group_fields();
            if extra.is_empty() {
                self.unknown_fields(g, fields, "rule group");
            } else {
                let known: Vec<&str> = fields.iter().chain(extra).copied().collect();
                self.unknown_fields(g, &known, "rule group");
                self.dialect_fields(g);
            }
            let rules_node = g.get("rules");
            let rules = match rules_node {
                Some(r) => self
                    .seq(r, "rules")
                    .iter()
                    .filter_map(|r| self.rule(r))
                    .collect(),
                None => Vec::new(),
            };
            let limit = self.string(g.get("limit"), "limit");
            if let Some(l) = limit.as_ref().filter(|l| l.value.parse::<i64>().is_err()) {
                self.problems.push(LoadProblem {
                    kind: LoadProblemKind::WrongType,
                    span: l.span,
                    message: format!("`limit` must be a whole number, found `{}`", l.value),
                    related: None,
                });
            }
            groups.push(RuleGroup {
                document,
                span: g.span,
                name: self.string(g.get("name"), "name"),
                interval: self.string(g.get("interval"), "interval"),
                query_offset: self.string(g.get("query_offset"), "query_offset"),
                limit,
                labels: self.pairs(g.get("labels"), "labels"),
                rules,
            });
        }
        groups
    }

    /// The types of the dialect's own group fields, as its ruler reads them.
    fn dialect_fields(&mut self, g: &Node) {
        if let Some(v) = g.get("partial_response_strategy")
            && let Some(s) = self.string(Some(v), "partial_response_strategy")
            && !["warn", "abort"].contains(&s.value.to_ascii_lowercase().as_str())
        {
            self.problems.push(LoadProblem {
                kind: LoadProblemKind::WrongType,
                span: s.span,
                message: format!(
                    "`partial_response_strategy` must be `warn` or `abort`, found `{}`",
                    s.value
                ),
                related: None,
            });
        }
        if let Some(v) = g.get("source_tenants") {
            for t in self.seq(v, "source_tenants") {
                self.string(Some(t), "source_tenants[]");
            }
        }
        if let Some(s) = self.string(g.get("evaluation_delay"), "evaluation_delay")
            && prometheus_time::duration::parse_duration(&s.value).is_err()
        {
            self.problems.push(LoadProblem {
                kind: LoadProblemKind::WrongType,
                span: s.span,
                message: format!("`evaluation_delay` must be a duration, found `{}`", s.value),
                related: None,
            });
        }
        if let Some(v) = g.get("align_evaluation_time_on_interval")
            && !matches!(v.as_str(), Some("true" | "false"))
        {
            self.wrong_type(v, "align_evaluation_time_on_interval", "true or false");
        }
    }

    fn rule(&mut self, node: &Node) -> Option<Rule> {
        if node.as_map().is_none() {
            self.wrong_type(node, "rules[]", "a mapping");
            return None;
        }
        self.unknown_fields(node, RULE_FIELDS, "rule");
        let expr = self.string(node.get("expr"), "expr");
        let promql = expr
            .as_ref()
            .filter(|e| !e.value.is_empty() && self.dialect.expr_is_promql())
            // Every feature on: whether the rules' Prometheus enables the experimental syntax
            // an expression uses is the config's to say (`promql/syntax` asks).
            .map(|e| promql::parse_with(&e.value, &promql::Options::all()));
        Some(Rule {
            span: node.span,
            alert: self.string(node.get("alert"), "alert"),
            record: self.string(node.get("record"), "record"),
            expr,
            promql,
            for_: self.string(node.get("for"), "for"),
            keep_firing_for: self.string(node.get("keep_firing_for"), "keep_firing_for"),
            labels: self.pairs(node.get("labels"), "labels"),
            annotations: self.pairs(node.get("annotations"), "annotations"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> RuleFile {
        match read_rule_file(
            SourceFile::new("t.yaml", text.to_string()),
            Dialect::Prometheus,
        ) {
            Classified::Rules(f) => f,
            Classified::NotRules => panic!("not classified as rules"),
        }
    }

    #[test]
    fn reads_groups_and_rules() {
        let f = load(
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: {severity: page}\n",
        );
        assert_eq!(f.groups.len(), 1);
        let r = &f.groups[0].rules[0];
        assert_eq!(r.name(), "A");
        assert_eq!(
            r.label("severity").map(|p| p.value.value.as_str()),
            Some("page")
        );
        assert!(f.problems.is_empty());
    }

    #[test]
    fn reads_prometheus_rule_manifests() {
        let f = load(
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec:\n  groups:\n  - name: g\n    rules:\n    - record: a:b\n      expr: up\n",
        );
        assert_eq!(f.format, FileFormat::PrometheusRule);
        assert_eq!(f.groups[0].rules[0].name(), "a:b");
    }

    #[test]
    fn other_manifests_are_not_rules() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n";
        assert!(matches!(
            read_rule_file(
                SourceFile::new("d.yaml", text.to_string()),
                Dialect::Prometheus
            ),
            Classified::NotRules
        ));
    }

    #[test]
    fn templates_that_do_not_parse_are_skipped_unless_rules_were_read() {
        let read_text = |text: &str| {
            read(
                SourceFile::new("t.yaml", text.to_string()),
                Dialect::Prometheus,
            )
        };
        let helm = "{{- if .Values.on }}\nkind: PrometheusRule\nspec:\n  groups:\n  {{- toYaml .Values.groups | nindent 4 }}\n{{- end }}\n";
        assert!(matches!(
            read_text(helm),
            Read::Template(Template {
                defines_rules: true
            })
        ));
        assert!(matches!(
            read_rule_file(
                SourceFile::new("t.yaml", helm.to_string()),
                Dialect::Prometheus
            ),
            Classified::NotRules
        ));
        // Rules read from a document before the broken one: reported, not skipped.
        let after_rules = "kind: PrometheusRule\nspec:\n  groups:\n  - name: g\n    rules:\n    - record: a:b\n      expr: up\n---\n{{- if .Values.more }}\nkey: [\n";
        let Read::Rules(f) = read_text(after_rules) else {
            panic!("not rules")
        };
        assert_eq!(f.groups.len(), 1);
        assert_eq!(f.problems[0].kind, LoadProblemKind::Syntax);
        // Template syntax in valid YAML is no concern of the loader.
        assert!(matches!(
            read_text("kind: Deployment\nname: {{ .Values.name }}\n"),
            Read::NotRules
        ));
    }

    #[test]
    fn unknown_fields_suggest_the_likely_one() {
        let f =
            load("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    anotations: {}\n");
        assert_eq!(f.problems.len(), 1);
        assert!(
            f.problems[0].message.contains("did you mean `annotations`"),
            "{}",
            f.problems[0].message
        );
    }

    #[test]
    fn wrong_types_are_reported_and_reading_goes_on() {
        let f = load(
            "groups:\n- name: g\n  rules:\n  - alert: [A]\n    expr: up\n  - alert: B\n    expr: up\n",
        );
        assert_eq!(f.problems[0].kind, LoadProblemKind::WrongType);
        assert_eq!(f.groups[0].rules.len(), 2);
    }
}
