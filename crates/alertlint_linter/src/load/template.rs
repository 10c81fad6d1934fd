//! Templated YAML: Helm and other Go templates (`{{ … }}`, `{{- … -}}`) and Jinja templates
//! (`{% … %}`, `{# … #}`) kept next to rule files. Such a file is YAML only once rendered, so
//! it often fails to parse; [`detect`] tells, for a text that did fail, whether it is such a
//! template (to be skipped like other YAML that is not rules) or a rule file to report.
//!
//! Only called after a parse failure, so valid YAML with `{{ }}` in its scalars (Prometheus'
//! own alert templates in annotations) is never looked at.

/// A YAML text that failed to parse because it is a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Template {
    /// It renders to rules (it has `kind: PrometheusRule` or a nested `groups:` key), which can be
    /// checked only in the rendered output.
    pub defines_rules: bool,
}

/// Whether `text`, which failed to parse as YAML, is a template rather than a broken rule file.
///
/// It is a template when it has template syntax outside quoted scalars and comments that is not
/// a Prometheus alert template (see [`has_template_syntax`]), and is not plainly a rule file
/// (see [`is_rule_file`]), so a rule file broken by a template line keeps its syntax error.
pub(super) fn detect(text: &str) -> Option<Template> {
    // Cheap refusals first: most broken files have no template syntax at all.
    if !(text.contains("{{") || text.contains("{%") || text.contains("{#")) {
        return None;
    }
    if is_rule_file(text) {
        return None;
    }
    if !has_template_syntax(text) {
        return None;
    }
    Some(Template {
        defines_rules: text.lines().any(defines_rules),
    })
}

/// Whether a document of `text` has a `groups:` key at column 0, the top-level key of a
/// Prometheus rule file, whatever else is broken in it. Not when the document also has
/// `apiVersion:` and `kind:` at column 0: a Kubernetes manifest's `groups` (an OpenShift
/// `SecurityContextConstraints` has one) is not Prometheus', as when the file is read.
fn is_rule_file(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (mut groups, mut api_version, mut kind) = (false, false, false);
    for line in text.lines() {
        if top_level_key(line, "---") {
            if groups && !(api_version && kind) {
                return true;
            }
            (groups, api_version, kind) = (false, false, false);
        }
        groups |= top_level_key(line, "groups:");
        api_version |= top_level_key(line, "apiVersion:");
        kind |= top_level_key(line, "kind:");
    }
    groups && !(api_version && kind)
}

/// Whether `line` starts with `token` (a `key:`, maybe quoted, or `---`) and a blank or its end.
fn top_level_key(line: &str, token: &str) -> bool {
    let followed_by_blank = |rest: &str| rest.is_empty() || rest.starts_with([' ', '\t', '\r']);
    if line.strip_prefix(token).is_some_and(followed_by_blank) {
        return true;
    }
    let Some(key) = token.strip_suffix(':') else {
        return false;
    };
    ['"', '\''].iter().any(|q| {
        line.strip_prefix(*q)
            .and_then(|l| l.strip_prefix(key))
            .and_then(|l| l.strip_prefix(*q))
            .and_then(|l| l.strip_prefix(':'))
            .is_some_and(followed_by_blank)
    })
}

/// `kind: PrometheusRule`, or a nested `groups:` key (`spec.groups`, a rule file in a
/// ConfigMap). Not one at column 0: in a template, that is a manifest's own `groups`.
fn defines_rules(line: &str) -> bool {
    let trimmed = line.trim_start();
    let nested = trimmed.len() < line.len() || trimmed.starts_with("- ");
    let item = trimmed.strip_prefix("- ").unwrap_or(trimmed).trim_start();
    if let Some(rest) = item.strip_prefix("groups:") {
        return nested && (rest.is_empty() || rest.starts_with([' ', '\t', '\r']));
    }
    item.strip_prefix("kind:").is_some_and(|rest| {
        let value = rest.split(" #").next().unwrap_or("").trim();
        value.trim_matches(['"', '\'']) == "PrometheusRule"
    })
}

/// A template action or tag found outside quoted scalars and comments.
struct Marker {
    /// Jinja (`{% %}`, `{# #}`) rather than Go (`{{ }}`).
    jinja: bool,
    /// The line it starts on (0-based).
    line: usize,
    /// A Go action that uses what Prometheus gives alert templates (`$labels`, `$value`…).
    prometheus: bool,
    /// A Go action whose body is a Helm escape of braces (``{{`{{`}}``, `{{ "{{" }}`), written
    /// only in a template that is rendered before Prometheus reads it.
    escape: bool,
}

/// Template syntax outside quoted scalars and YAML comments that shows the file is rendered
/// before anything reads it as YAML.
///
/// Every Jinja tag counts. A Go action (`{{ … }}`) counts unless it is a Prometheus alert
/// template: an action on a line where some action uses `$labels`, `$value`,
/// `$externalLabels`, `$externalURL` (or `.Labels`, `.Value`…), `query` or a `humanize`
/// function. Those are written into rules as they are (unquoted, they break the YAML, and that
/// syntax error must be reported, not skipped as a template).
fn has_template_syntax(text: &str) -> bool {
    let markers = scan(text);
    let prometheus_lines: Vec<usize> = markers
        .iter()
        .filter(|m| m.prometheus && !m.escape)
        .map(|m| m.line)
        .collect();
    markers
        .iter()
        .any(|m| m.jinja || m.escape || prometheus_lines.binary_search(&m.line).is_err())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// Inside the content of a `|` or `>` block scalar whose header line is indented this much.
    Block(usize),
}

/// The template markers of `text` outside quoted scalars and comments, in order. A rough YAML
/// lexer (the text is broken YAML anyway): quoted scalars start where a token may start, `#`
/// after a blank starts a comment, and the lines of a block scalar are content. Linear in the
/// length of the text.
fn scan(text: &str) -> Vec<Marker> {
    let b = text.as_bytes();
    let mut markers = Vec::new();
    let mut mode = Mode::Plain;
    let mut line = 0;
    let mut line_start = 0;
    // The last non-blank byte of the line before `i` (0: none yet) and whether blanks followed.
    let mut last = 0u8;
    let mut gap = false;
    // Where the closer of each kind was last found, to keep the search linear: `None` once a
    // search found none (no later opener can find one either).
    let mut closers: [Option<Option<usize>>; 3] = [None; 3];
    let mut i = 0;
    while i < b.len() {
        if i == line_start {
            if let Mode::Block(parent) = mode {
                let indent = b[i..].iter().take_while(|&&c| c == b' ').count();
                let blank = matches!(b.get(i + indent), None | Some(b'\n' | b'\r' | b'\t'));
                if !blank && indent <= parent {
                    mode = Mode::Plain;
                }
            }
            last = 0;
            gap = false;
        }
        let c = b[i];
        if c == b'\n' {
            if mode == Mode::Plain
                && let Some(header_indent) = block_header(&text[line_start..i])
            {
                mode = Mode::Block(header_indent);
            }
            line += 1;
            line_start = i + 1;
            i += 1;
            continue;
        }
        match mode {
            Mode::SingleQuoted => {
                if c == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 1;
                    } else {
                        mode = Mode::Plain;
                        last = c;
                        gap = false;
                    }
                }
                i += 1;
                continue;
            }
            Mode::DoubleQuoted => {
                if c == b'\\' {
                    // An escaped byte, unless it is the line break (a line continuation).
                    if b.get(i + 1).is_some_and(|&n| n != b'\n') {
                        i += 1;
                    }
                } else if c == b'"' {
                    mode = Mode::Plain;
                    last = c;
                    gap = false;
                }
                i += 1;
                continue;
            }
            Mode::Plain | Mode::Block(_) => {}
        }
        if c == b'{'
            && let Some(kind) = opener_kind(b.get(i + 1).copied())
        {
            let closer = match closers[kind] {
                Some(Some(at)) if at >= i + 2 => Some(at),
                Some(None) => None,
                _ => {
                    let found = find(b, i + 2, CLOSERS[kind]);
                    closers[kind] = Some(found);
                    found
                }
            };
            if let Some(at) = closer {
                let body = &text[i + 2..at];
                markers.push(Marker {
                    jinja: kind != GO,
                    line,
                    prometheus: kind == GO && is_prometheus_action(body),
                    escape: kind == GO && is_brace_escape(body),
                });
                let end = at + 2;
                let newlines = b[i..end].iter().filter(|&&c| c == b'\n').count();
                if newlines > 0 {
                    line += newlines;
                    line_start = text[..end].rfind('\n').map_or(0, |n| n + 1);
                }
                // No quoted scalar starts right after an action.
                last = b'}';
                gap = false;
                i = end;
                continue;
            }
        }
        if mode == Mode::Plain {
            match c {
                b'#' if last == 0 || gap => {
                    // A comment: on to the line break (a block header may precede it).
                    i = find(b, i, b"\n").unwrap_or(b.len());
                    continue;
                }
                b'\'' | b'"' if starts_token(last, gap) => {
                    mode = if c == b'\'' {
                        Mode::SingleQuoted
                    } else {
                        Mode::DoubleQuoted
                    };
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        if c == b' ' || c == b'\t' || c == b'\r' {
            gap = true;
        } else {
            last = c;
            gap = false;
        }
        i += 1;
    }
    markers
}

const GO: usize = 0;
const CLOSERS: [&[u8]; 3] = [b"}}", b"%}", b"#}"];

fn opener_kind(second: Option<u8>) -> Option<usize> {
    match second? {
        b'{' => Some(GO),
        b'%' => Some(1),
        b'#' => Some(2),
        _ => None,
    }
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// Whether a quoted scalar may start after `last` (the last non-blank byte of the line so far,
/// 0 for none) and `gap` (blanks since): at the start of a line, after a flow indicator, or
/// after `:`, `-` or `?` and a blank. Elsewhere a quote is part of a plain scalar (`it's`).
fn starts_token(last: u8, gap: bool) -> bool {
    match last {
        0 | b'[' | b'{' | b',' => true,
        b':' | b'-' | b'?' => gap,
        _ => false,
    }
}

/// If `line` ends in a block scalar header (`key: |`, `- >-`, `|2+ # comment`), the line's
/// indentation: the lines indented deeper that follow are the scalar's content.
fn block_header(line: &str) -> Option<usize> {
    let indent = line.bytes().take_while(|&c| c == b' ').count();
    // Without its comment (a `#` after a blank); a header has no quotes, so this is safe.
    let mut code = line;
    if let Some(at) = line
        .match_indices('#')
        .find(|(at, _)| *at == 0 || line.as_bytes()[at - 1].is_ascii_whitespace())
        .map(|(at, _)| at)
    {
        code = &line[..at];
    }
    let code = code.trim_end();
    let start = code.rfind([' ', '\t']).map_or(0, |p| p + 1);
    let (before, header) = code.split_at(start);
    let mut chars = header.chars();
    if !matches!(chars.next(), Some('|' | '>'))
        || !chars.all(|c| matches!(c, '+' | '-' | '1'..='9'))
    {
        return None;
    }
    let before = before.trim_end();
    (before.is_empty() || before.ends_with([':', '-', '?'])).then_some(indent)
}

/// Names Prometheus gives alert templates, and its own template functions: an action using one
/// belongs in the rule as written.
const PROMETHEUS_NAMES: &[&str] = &[
    "$labels",
    "$value",
    "$externalLabels",
    "$externalURL",
    ".Labels",
    ".Value",
    ".ExternalLabels",
    ".ExternalURL",
    "query",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
];

fn is_prometheus_action(body: &str) -> bool {
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    PROMETHEUS_NAMES.iter().any(|name| {
        body.match_indices(name).any(|(at, _)| {
            let before = at.checked_sub(1).map(|p| body.as_bytes()[p]);
            let after = body.as_bytes().get(at + name.len()).copied();
            // Whole names only: not `.Values`, `$values`, `.Values.query`.
            let starts_name = name.starts_with(['$', '.'])
                || before.is_none_or(|c| !is_ident(c) && c != b'.' && c != b'$');
            starts_name && after.is_none_or(|c| !is_ident(c))
        })
    })
}

/// ``{{`{{`}}``, ``{{`{{ $labels.x }}`}}``, `{{ "{{" }}`: how Helm charts write braces for
/// Prometheus. (The first `}}` ends the action, so a raw string's body is cut short; its
/// opening backtick is what tells.)
fn is_brace_escape(body: &str) -> bool {
    let body = body.trim_start_matches('-').trim();
    body.starts_with('`') || body.starts_with("\"{{\"") || body.starts_with("\"}}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_template(text: &str) -> bool {
        detect(text).is_some()
    }

    #[test]
    fn helm_prometheus_rule_templates_are_templates_of_rules() {
        let text = "{{- if .Values.rules.enabled }}\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: {{ include \"chart.fullname\" . }}\nspec:\n  groups:\n  {{- toYaml .Values.rules | nindent 4 }}\n{{- end }}\n";
        assert_eq!(
            detect(text),
            Some(Template {
                defines_rules: true
            })
        );
    }

    #[test]
    fn other_helm_and_jinja_templates_are_templates() {
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }} # scaled\n  template:\n{{ include \"pod\" . | indent 4 }}\n";
        assert_eq!(
            detect(deployment),
            Some(Template {
                defines_rules: false
            })
        );
        assert!(is_template(
            "{% for s in services %}\n- job: {{ s.name }}\n{% endfor %}\n"
        ));
        assert!(is_template("{# header #}\nkey: [unclosed\n"));
    }

    #[test]
    fn top_level_groups_make_a_rule_file() {
        assert!(!is_template(
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up{job=\"{{ .Values.job }}\"} == 0\n    for: {{ .Values.for }} m\n"
        ));
        assert!(!is_template("\"groups\":\n{% for g in gs %}\n"));
        // Not `groupsx:` nor an indented `groups:`.
        assert!(is_template("groupsx:\n{% if x %}\n"));
        assert!(is_template("spec:\n  groups:\n{% if x %}\n"));
    }

    #[test]
    fn a_manifest_with_top_level_groups_is_no_rule_file() {
        // An OpenShift SecurityContextConstraints template has its own `groups`.
        let scc = "{{- if .Values.scc }}\napiVersion: security.openshift.io/v1\nkind: SecurityContextConstraints\nmetadata:\n  name: {{ .Release.Name }}\ngroups: []\n{{- end }}\n";
        assert_eq!(
            detect(scc),
            Some(Template {
                defines_rules: false
            })
        );
        // But a rule document next to a manifest is a rule file.
        let both = "apiVersion: v1\nkind: ConfigMap\n---\ngroups:\n{% for g in gs %}\n";
        assert!(!is_template(both));
        assert!(!is_template("\u{feff}groups:\n{% for g in gs %}\n"));
    }

    #[test]
    fn markers_in_quoted_scalars_and_comments_do_not_count() {
        assert!(!is_template(
            "a: '{{ .Values.x }}'\nb: \"{{ .Values.y }}\"\nc: [unclosed\n"
        ));
        assert!(!is_template(
            "# {{ .Values.x }}\na: 1 # {% if %}\nc: [unclosed\n"
        ));
        // Quoted over several lines, with escapes.
        assert!(!is_template(
            "a: 'it''s\n  {{ .Values.x }}'\nb: \"say \\\"\n  {{ .Values.y }}\"\nc: [unclosed\n"
        ));
        // A quote inside a plain scalar starts nothing.
        assert!(is_template("a: it's {{ .Values.x }}\nc: [unclosed\n"));
        // A `#` without a blank before it starts no comment.
        assert!(is_template("a: x#{{ .Values.x }}\nc: [unclosed\n"));
    }

    #[test]
    fn markers_in_block_scalars_count_and_hide_no_comment() {
        assert!(is_template(
            "data:\n  config: |\n    # not a comment: {{ .Values.x }}\n    a: b\nc: [unclosed\n"
        ));
        // The block ends at the first line indented no deeper than its header.
        assert!(!is_template(
            "data:\n  config: |-\n    text\n  # {{ .Values.x }}\nc: [unclosed\n"
        ));
    }

    #[test]
    fn prometheus_alert_templates_are_not_template_syntax() {
        // A PrometheusRule manifest with an unquoted annotation: a broken rule file, reported.
        let manifest = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - name: g\n    rules:\n    - alert: Down\n      expr: up == 0\n      annotations:\n        summary: {{ $labels.instance }} is down\n        description: {{ if gt $value 1.0 }}many{{ else }}one{{ end }} ({{ .Labels.job }})\n        value: {{ $value | humanize }} now\n";
        assert!(!is_template(manifest));
        // Not `.Values` nor `$values`, nor a `query` field of the values.
        assert!(is_template("a: {{ .Values.x }} b\n"));
        assert!(is_template("a: {{ $values.x }} b\n"));
        assert!(is_template("a: {{ .Values.query }} b\n"));
        // Helm's escapes of Prometheus templates are Helm.
        assert!(is_template(
            "a:\n  summary: {{`{{ $labels.instance }}`}} is down\n"
        ));
        assert!(is_template("a: {{ \"{{\" }} $labels.x {{ \"}}\" }} b\n"));
    }

    #[test]
    fn unclosed_openers_are_no_markers_and_cost_linear_time() {
        assert!(!is_template("a: {{ b\nc: [unclosed\n"));
        let hostile = "{{".repeat(200_000);
        let started = std::time::Instant::now();
        assert!(!is_template(&hostile));
        assert!(started.elapsed().as_secs() < 2);
    }

    #[test]
    fn defines_rules_by_kind_or_groups() {
        let jinja_rules = "rules.yml: |\n  {% for g in gs %}\n  - groups:\n  {% endfor %}\n";
        assert_eq!(
            detect(jinja_rules),
            Some(Template {
                defines_rules: true
            })
        );
        let kind = "kind: \"PrometheusRule\" # rules\n{{ include \"x\" . }}\n";
        assert_eq!(
            detect(kind),
            Some(Template {
                defines_rules: true
            })
        );
    }

    #[test]
    fn block_headers() {
        assert_eq!(block_header("  key: |"), Some(2));
        assert_eq!(block_header("  - >-"), Some(2));
        assert_eq!(block_header("key: |2+ # note"), Some(0));
        assert_eq!(block_header("|"), Some(0));
        assert_eq!(block_header("key: a |"), None);
        assert_eq!(block_header("key: x|"), None);
        assert_eq!(block_header("key: '|'"), None);
    }
}
