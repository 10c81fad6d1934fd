//! Reads `alertmanager.yml` with the span-preserving YAML reader into [`super::Alertmanager`].
//! Only what routing needs is modelled; other keys (`global`, `templates`, integration
//! settings) are accepted and ignored. Problems Alertmanager itself would reject the file for
//! are returned as errors with their position.

use super::matcher::{self, MatchType, Matcher};
use super::{Alertmanager, InhibitRule, Integration, Receiver, Route};
use crate::config::alertmanager::INTEGRATIONS;
use crate::config_reader::SectionReader;
use alertlint_diagnostics::source::{SourceFile, Span};
use alertlint_yaml::{self as yaml, Node};
use std::sync::Arc;

const TOP_KEYS: &[&str] = &[
    "global",
    "route",
    "receivers",
    "inhibit_rules",
    "templates",
    "time_intervals",
    "mute_time_intervals",
    "tracing",
];

const ROUTE_KEYS: &[&str] = &[
    "receiver",
    "group_by",
    "continue",
    "match",
    "match_re",
    "matchers",
    "mute_time_intervals",
    "active_time_intervals",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "routes",
];

const INHIBIT_KEYS: &[&str] = &[
    "source_match",
    "source_match_re",
    "source_matchers",
    "target_match",
    "target_match_re",
    "target_matchers",
    "equal",
];

struct Reader<'a> {
    sec: SectionReader<'a>,
}

impl Reader<'_> {
    fn bool(&mut self, node: &Node, what: &str) -> bool {
        self.sec.bool(node, what).unwrap_or(false)
    }

    /// A route's `group_wait`, `group_interval` or `repeat_interval`: a Prometheus duration,
    /// which Alertmanager refuses to be zero for the two intervals (`config.go`).
    fn duration(&mut self, node: &Node, what: &str, zero_ok: bool) -> Option<i64> {
        let ms = self.sec.duration(node, what)?;
        if ms == 0 && !zero_ok {
            self.sec.error(node.span, format!("{what} cannot be zero"));
            return None;
        }
        Some(ms)
    }

    /// `matchers:` strings, legacy `match:` and `match_re:` maps.
    fn matchers(&mut self, node: &Node) -> Vec<Matcher> {
        let mut out = Vec::new();
        for s in self.sec.strs(node, "matchers") {
            match matcher::parse_matchers(&s.value, s.span) {
                Ok(ms) => out.extend(ms),
                Err(e) => self.sec.error(s.span, e.to_string()),
            }
        }
        out
    }

    fn legacy(&mut self, node: &Node, op: MatchType, what: &str) -> Vec<Matcher> {
        let mut out = Vec::new();
        for (k, v, key_span) in self.sec.entries(node, &[], what) {
            if !matcher::is_valid_label_name(k) {
                self.sec
                    .error(key_span, format!("`{k}` is not a valid label name"));
                continue;
            }
            let Some(value) = self.sec.str(v, k) else {
                continue;
            };
            match Matcher::new(op, k, &value.value, key_span.join(v.span)) {
                Ok(m) => out.push(m),
                Err(e) => self.sec.error(v.span, e.to_string()),
            }
        }
        out
    }

    fn route(&mut self, node: &Node, depth: usize) -> Route {
        let mut route = Route {
            span: node.span,
            ..Route::default()
        };
        if depth > 64 {
            self.sec
                .error(node.span, "routing tree nested more than 64 levels deep");
            return route;
        }
        let mut legacy = Vec::new();
        let mut current = Vec::new();
        for (k, v, key_span) in self.sec.entries(node, ROUTE_KEYS, "route") {
            match k {
                "receiver" => route.receiver = self.sec.str(v, k),
                "group_by" => {
                    let labels = self.sec.strs(v, k);
                    let mut seen = std::collections::BTreeSet::new();
                    for l in &labels {
                        if !seen.insert(l.value.as_str()) {
                            self.sec.error(
                                l.span,
                                format!("duplicated label `{}` in group_by", l.value),
                            );
                        }
                    }
                    route.group_by = Some(labels);
                }
                "continue" => {
                    route.continue_ = self.bool(v, k);
                    route.continue_span = Some(key_span.join(v.span));
                }
                "match" => legacy.extend(self.legacy(v, MatchType::Equal, "match")),
                "match_re" => legacy.extend(self.legacy(v, MatchType::Regexp, "match_re")),
                "matchers" => current = self.matchers(v),
                "mute_time_intervals" => route.mute_time_intervals = self.sec.strs(v, k),
                "active_time_intervals" => route.active_time_intervals = self.sec.strs(v, k),
                "group_wait" => route.group_wait_ms = self.duration(v, k, true),
                "group_interval" => route.group_interval_ms = self.duration(v, k, false),
                "repeat_interval" => route.repeat_interval_ms = self.duration(v, k, false),
                "routes" => {
                    if v.is_null() {
                        continue;
                    }
                    match v.as_seq() {
                        Some(items) => {
                            route.routes = items.iter().map(|i| self.route(i, depth + 1)).collect();
                        }
                        None => self.sec.error(v.span, "`routes` must be a list"),
                    }
                }
                _ => {}
            }
        }
        // Alertmanager sorts a route's matchers by name, value and type (the order is only
        // visible when printing: all must match).
        legacy.extend(current);
        legacy.sort_by(|a, b| (&a.name, &a.value, a.op).cmp(&(&b.name, &b.value, b.op)));
        route.matchers = legacy;
        route
    }

    fn receiver(&mut self, node: &Node) -> Option<Receiver> {
        let mut name = None;
        let mut integrations = Vec::new();
        for (k, v, key_span) in self.sec.entries(node, &[], "receiver") {
            if k == "name" {
                name = self.sec.str(v, "name");
                continue;
            }
            let Some(kind) = k.strip_suffix("_configs") else {
                self.sec
                    .error(key_span, format!("unknown key `{k}` in receiver"));
                continue;
            };
            if !INTEGRATIONS.contains(&kind) {
                self.sec
                    .error(key_span, format!("unknown integration `{k}` in receiver"));
                continue;
            }
            match v.as_seq() {
                Some(items) => {
                    for item in items {
                        let send_resolved = item
                            .get("send_resolved")
                            .and_then(|v| self.sec.bool(v, "send_resolved"));
                        integrations.push(Integration {
                            kind: kind.to_string(),
                            span: item.span,
                            send_resolved,
                        });
                    }
                }
                None if v.is_null() => {}
                None => self.sec.error(v.span, format!("`{k}` must be a list")),
            }
        }
        match name {
            Some(name) if !name.value.is_empty() => Some(Receiver {
                name,
                span: node.span,
                integrations,
            }),
            _ => {
                self.sec.error(node.span, "a receiver needs a `name`");
                None
            }
        }
    }

    fn inhibit(&mut self, node: &Node) -> InhibitRule {
        let mut rule = InhibitRule {
            span: node.span,
            ..InhibitRule::default()
        };
        for (k, v, key_span) in self.sec.entries(node, INHIBIT_KEYS, "inhibit rule") {
            match k {
                "source_match" => rule.source.extend(self.legacy(v, MatchType::Equal, k)),
                "source_match_re" => rule.source.extend(self.legacy(v, MatchType::Regexp, k)),
                "source_matchers" => rule.source.extend(self.matchers(v)),
                "target_match" => rule.target.extend(self.legacy(v, MatchType::Equal, k)),
                "target_match_re" => rule.target.extend(self.legacy(v, MatchType::Regexp, k)),
                "target_matchers" => rule.target.extend(self.matchers(v)),
                _ => {
                    rule.equal = Some(self.sec.strs(v, k));
                    rule.equal_span = Some(key_span.join(v.span));
                }
            }
        }
        rule
    }
}

/// Parses an Alertmanager configuration. Errors carry the check id `config`.
pub(super) fn parse(
    file: &Arc<SourceFile>,
) -> Result<Alertmanager, Vec<alertlint_diagnostics::diagnostic::Diagnostic>> {
    let mut r = Reader {
        sec: SectionReader::new(file),
    };
    let (docs, problems) = yaml::parse(&file.text);
    for p in problems {
        r.sec.error(p.span, format!("invalid YAML: {}", p.message));
    }
    let mut config = Alertmanager {
        file: Arc::clone(file),
        ..Alertmanager::empty(file)
    };
    let Some(root) = docs.first().map(|d| &d.root) else {
        if r.sec.errors.is_empty() {
            r.sec
                .error(Span::point(0), "empty Alertmanager configuration");
        }
        return Err(r.sec.errors);
    };
    let mut saw_route = false;
    // Each receiver name with where it is first defined: one lookup per receiver.
    let mut receiver_names: std::collections::HashMap<String, Span> =
        std::collections::HashMap::new();
    for (k, v, _) in r.sec.entries(root, TOP_KEYS, "Alertmanager configuration") {
        match k {
            "route" => {
                saw_route = true;
                config.route = r.route(v, 0);
            }
            "receivers" => {
                for item in v.as_seq().unwrap_or(&[]) {
                    if let Some(rcv) = r.receiver(item) {
                        if let Some(&first) = receiver_names.get(&rcv.name.value) {
                            r.sec.errors.push(
                                alertlint_diagnostics::diagnostic::Diagnostic::new(
                                    "config",
                                    file,
                                    rcv.name.span,
                                    format!("receiver `{}` is defined twice", rcv.name.value),
                                )
                                .with_related(
                                    file,
                                    first,
                                    "first defined here",
                                ),
                            );
                            continue;
                        }
                        receiver_names.insert(rcv.name.value.clone(), rcv.name.span);
                        config.receivers.push(rcv);
                    }
                }
                if v.as_seq().is_none() && !v.is_null() {
                    r.sec.error(v.span, "`receivers` must be a list");
                }
            }
            "inhibit_rules" => {
                for item in v.as_seq().unwrap_or(&[]) {
                    let rule = r.inhibit(item);
                    config.inhibit_rules.push(rule);
                }
                if v.as_seq().is_none() && !v.is_null() {
                    r.sec.error(v.span, "`inhibit_rules` must be a list");
                }
            }
            "time_intervals" | "mute_time_intervals" => {
                for item in v.as_seq().unwrap_or(&[]) {
                    if let Some(name) = item.get("name").and_then(|n| r.sec.str(n, "name")) {
                        config.time_intervals.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    if saw_route {
        let root_route = &config.route;
        if root_route.receiver.is_none() {
            r.sec
                .error(root_route.span, "the root route must name a `receiver`");
        }
        if let Some(m) = root_route.matchers.first() {
            r.sec
                .error(m.span, "the root route must not have any matchers");
        }
        if let Some(span) = root_route.continue_span.filter(|_| root_route.continue_) {
            r.sec
                .error(span, "the root route cannot have `continue: true`");
        }
    } else {
        r.sec
            .error(root.span, "no `route` in the Alertmanager configuration");
    }
    if r.sec.errors.is_empty() {
        Ok(config)
    } else {
        Err(r.sec.errors)
    }
}
