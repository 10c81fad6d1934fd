//! The generated corpus under `fixtures/oracle/check-rules/`: small rule files, each a valid
//! seed rule with one mutation (a character of the expression deleted or inserted, a duration,
//! label name, template, record name or structure changed), so that tier 1 holds alertlint to
//! promtool's verdicts on a few hundred near-miss inputs without any third-party corpus.
//!
//! Deterministic: the oracle tier checks that the committed files are exactly what this writes,
//! and `ALERTLINT_RECORD=1` writes them (before promtool's verdicts on them are recorded).

use std::collections::BTreeMap;

/// Seed rules, written for this corpus: typical shapes of alerting and recording expressions.
const SEED_EXPRS: &[&str] = &[
    r#"sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05"#,
    r"histogram_quantile(0.99, sum by (le, service) (rate(request_seconds_bucket[10m]))) > 0.5",
    r#"up{job="api"} == 0"#,
    r#"absent(up{job="batch"})"#,
    r"max_over_time(queue_depth[15m:1m]) > 1000",
    r#"predict_linear(node_filesystem_avail_bytes{fstype!="tmpfs"}[6h], 4 * 3600) < 0"#,
    r"rate(errors_total[5m] offset 1h) * on (instance) group_left (team) owner_info > 1",
    r"count without (instance) (changes(config_hash[30m]) > 0) >= 2",
    r"avg_over_time(gpu_memory_used_ratio[5m] @ end()) > bool 0.9",
    r#"label_replace(kube_pod_info, "pod_name", "$1", "pod", "(.*)") unless on (pod) ready == 1"#,
    r"topk(3, sum by (model) (increase(predictions_total[1h]))) < 10",
    r"-(1 - time() % 86400 / 3600) ^ 2 > 3 or vector(0)",
];

/// Characters inserted into expressions: PromQL's punctuation, where a single extra character
/// most often turns a valid expression into an invalid one (or into another valid one).
const INSERTS: &[char] = &[
    '(', ')', '[', ']', '{', '}', ',', '"', '=', '~', '!', ':', '@',
];

const DURATIONS: &[&str] = &[
    "5m", "0s", "1h30m", "5", "5 m", "-5m", "1.5m", "5M", "1y", "5mm", "1d2h", "2w", "90s", "1m1h",
    "0", "''",
];

const LABEL_NAMES: &[&str] = &[
    "severity",
    "sev-erity",
    "__name__",
    "0team",
    "team_1",
    "_private",
    "a.b",
    "é",
];

const TEMPLATES: &[&str] = &[
    "{{ $labels.instance }} is down",
    "{{ $labels.instance is down",
    "{{ humanize $value }} errors",
    "{{ nosuchfunc $value }}",
    r#"{{ $value | printf "%.2f" }}"#,
    "{{ end }}",
    "{{ $undefined }}",
    "{{ range $i, $x := query \"up\" }}{{ $x.Labels.job }}{{ end }}",
    "{{ if gt $value 1.0 }}high{{ else }}low{{ end }}",
    "{{ .Labels.job }} {{ .Value }}",
];

const RECORD_NAMES: &[&str] = &[
    "job:requests:rate5m",
    "job:requests:rate5m{x}",
    "1job:rate",
    "job-rate",
    "job_rate",
    ":leading:colon",
    "job:rate:",
];

/// One file with one group around `rules` (already indented for a rule list item).
fn file(group_fields: &str, rules: &str) -> String {
    format!("groups:\n  - name: generated\n{group_fields}    rules:\n{rules}")
}

/// An alerting rule around `expr` (a block scalar, so any character may stand in it).
fn alert(expr: &str, extra: &str) -> String {
    format!(
        "      - alert: Generated\n        expr: |\n          {expr}\n{extra}        labels:\n          severity: warning\n        annotations:\n          summary: generated\n"
    )
}

fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Every file of the corpus: name → text. Names sort in generation order.
pub(crate) fn corpus() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut add = |name: String, text: String| {
        assert!(files.insert(name, text).is_none(), "duplicate name");
    };
    for (e, expr) in SEED_EXPRS.iter().enumerate() {
        add(format!("expr-{e:02}-seed.yaml"), file("", &alert(expr, "")));
        // Positions spread over the expression; both a deletion and an insertion at each.
        let chars: Vec<char> = expr.chars().collect();
        let step = (chars.len() / 7).max(1);
        for (k, at) in (0..chars.len()).step_by(step).enumerate() {
            let deleted: String = chars
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != at)
                .map(|(_, c)| c)
                .collect();
            add(
                format!("expr-{e:02}-del-{at:03}.yaml"),
                file("", &alert(&deleted, "")),
            );
            let insert = INSERTS[(e + k) % INSERTS.len()];
            let mut inserted = chars.clone();
            inserted.insert(at, insert);
            let inserted: String = inserted.into_iter().collect();
            add(
                format!("expr-{e:02}-ins-{at:03}.yaml"),
                file("", &alert(&inserted, "")),
            );
        }
    }
    let base = SEED_EXPRS[2];
    for (i, d) in DURATIONS.iter().enumerate() {
        add(
            format!("for-{i:02}.yaml"),
            file("", &alert(base, &format!("        for: {d}\n"))),
        );
        add(
            format!("keep-firing-{i:02}.yaml"),
            file("", &alert(base, &format!("        keep_firing_for: {d}\n"))),
        );
        add(
            format!("interval-{i:02}.yaml"),
            file(&format!("    interval: {d}\n"), &alert(base, "")),
        );
    }
    for (i, name) in LABEL_NAMES.iter().enumerate() {
        let label = format!("        labels:\n          {}: x\n", single_quoted(name));
        let rule = format!(
            "      - alert: Generated\n        expr: {}\n{label}",
            single_quoted(base)
        );
        add(format!("label-name-{i:02}.yaml"), file("", &rule));
        let annotation = format!(
            "      - alert: Generated\n        expr: {}\n        annotations:\n          {}: x\n",
            single_quoted(base),
            single_quoted(name)
        );
        add(
            format!("annotation-name-{i:02}.yaml"),
            file("", &annotation),
        );
    }
    for (i, t) in TEMPLATES.iter().enumerate() {
        let rule = format!(
            "      - alert: Generated\n        expr: {}\n        annotations:\n          description: {}\n",
            single_quoted(base),
            single_quoted(t)
        );
        add(format!("template-annotation-{i:02}.yaml"), file("", &rule));
        let rule = format!(
            "      - alert: Generated\n        expr: {}\n        labels:\n          summary: {}\n",
            single_quoted(base),
            single_quoted(t)
        );
        add(format!("template-label-{i:02}.yaml"), file("", &rule));
    }
    for (i, name) in RECORD_NAMES.iter().enumerate() {
        let rule = format!(
            "      - record: {}\n        expr: sum by (job) (rate(requests_total[5m]))\n",
            single_quoted(name)
        );
        add(format!("record-name-{i:02}.yaml"), file("", &rule));
    }
    let structures: &[(&str, &str)] = &[
        (
            "both-kinds",
            "      - alert: A\n        record: a:b\n        expr: up\n",
        ),
        ("no-kind", "      - expr: up\n"),
        ("no-expr", "      - alert: A\n"),
        ("empty-expr", "      - alert: A\n        expr: ''\n"),
        ("unknown-field", "      - alert: A\n        exp: up\n"),
        (
            "labels-list",
            "      - alert: A\n        expr: up\n        labels: [a]\n",
        ),
        (
            "record-with-for",
            "      - record: a:b\n        expr: up\n        for: 5m\n",
        ),
        (
            "record-with-annotations",
            "      - record: a:b\n        expr: up\n        annotations:\n          summary: x\n",
        ),
        (
            "duplicate-record",
            "      - record: a:b\n        expr: up\n      - record: a:b\n        expr: up\n",
        ),
        (
            "duplicate-alert",
            "      - alert: A\n        expr: up\n      - alert: A\n        expr: up\n",
        ),
        (
            "alert-name-odd",
            "      - alert: 'not a metric name!'\n        expr: up\n",
        ),
        ("expr-number", "      - alert: A\n        expr: 1\n"),
        (
            "expr-string",
            "      - alert: A\n        expr: '\"text\"'\n",
        ),
        ("expr-matrix", "      - alert: A\n        expr: up[5m]\n"),
        ("rules-mapping", "        alert: A\n"),
    ];
    for (name, rules) in structures {
        add(format!("structure-{name}.yaml"), file("", rules));
    }
    let groups: &[(&str, &str)] = &[
        (
            "no-name",
            "groups:\n  - rules:\n      - alert: A\n        expr: up\n",
        ),
        (
            "duplicate-name",
            "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n",
        ),
        ("no-rules", "groups:\n  - name: g\n"),
        (
            "limit-text",
            "groups:\n  - name: g\n    limit: ten\n    rules: []\n",
        ),
        (
            "limit-negative",
            "groups:\n  - name: g\n    limit: -1\n    rules: []\n",
        ),
        (
            "unknown-group-field",
            "groups:\n  - name: g\n    namespace: x\n    rules: []\n",
        ),
        ("groups-mapping", "groups:\n  name: g\n"),
        ("empty-file", ""),
        ("groups-null", "groups:\n"),
    ];
    for (name, text) in groups {
        add(format!("group-{name}.yaml"), (*text).to_string());
    }
    files
}
