//! Templated YAML next to rule files (Helm charts, Jinja templates): a template that does not
//! parse is skipped and counted like other YAML that is not rules, while a broken rule file,
//! templated or not, keeps its `yaml/syntax` error. Fixtures under `fixtures/templated/`.

mod common;
use common::alertlint;

use serde_json::Value;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = alertlint().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check_json(path: &str) -> (i32, Value) {
    let (code, out, err) = run(&["check", "--no-config", "--format", "json", path]);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, doc)
}

/// A Helm chart: a `PrometheusRule` template and a ConfigMap template (neither YAML until
/// rendered), next to `Chart.yaml` and `values.yaml` (YAML, not rules).
#[test]
fn helm_prometheus_rule_template_is_skipped_and_said_so() {
    let (code, out, err) = run(&["check", "--no-config", "fixtures/templated/helm"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(err, "");
    insta::assert_snapshot!(out);
}

#[test]
fn a_template_named_on_the_command_line_is_skipped_too() {
    let (code, out, err) = run(&[
        "check",
        "--no-config",
        "fixtures/templated/helm/templates/prometheusrule.yaml",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "in 0 rule files; 1 file skipped (YAML that is not rules; 1 template that renders to rules: lint the rendered output)."
        ),
        "{out}"
    );
}

#[test]
fn jinja_template_is_skipped_like_other_yaml_that_is_not_rules() {
    let (code, out, err) = run(&["check", "--no-config", "fixtures/templated/jinja"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "No problems found in 1 rule file; 1 file skipped (YAML that is not rules; 1 template).\n"
    );
}

/// `groups:` at column 0 makes a rule file: a template line that breaks it is reported.
#[test]
fn rule_file_with_a_broken_template_line_keeps_its_syntax_error() {
    let (code, out, _) = run(&[
        "check",
        "--no-config",
        "fixtures/templated/broken-rule-file.yaml",
    ]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!(out);
}

/// Prometheus' own alert templates are not template syntax of a templated file: a manifest
/// broken by an unquoted `{{ $labels.x }}` is a broken rule file.
#[test]
fn unquoted_alert_template_in_a_manifest_is_a_syntax_error_not_a_template() {
    let (code, out, _) = run(&[
        "check",
        "--no-config",
        "fixtures/templated/unquoted-annotation.yaml",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("yaml/syntax\n"), "{out}");
    assert!(
        out.contains("fixtures/templated/unquoted-annotation.yaml:15:58"),
        "{out}"
    );
    assert!(!out.contains("skipped"), "{out}");
}

#[test]
fn valid_rule_file_with_alert_templates_is_linted_as_before() {
    let (code, out, _) = run(&[
        "check",
        "--no-config",
        "fixtures/templated/annotations.yaml",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "No problems found in 1 rule file.\n");
    // Its templates are read and checked: a misspelt variable is found.
    let text = std::fs::read_to_string("fixtures/templated/annotations.yaml").expect("fixture");
    let dir = common::dir_with(&[("rules.yaml", &text.replace("{{ $value", "{{ $valeu"))]);
    let (code, doc) = check_json(dir.path().to_str().expect("utf8"));
    assert_eq!(code, 1, "{doc}");
    let checks: Vec<&Value> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| &d["check"])
        .collect();
    assert!(checks.contains(&&Value::from("template/syntax")), "{doc}");
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(doc["summary"]["skipped"], 0);
    assert!(doc["summary"].get("skipped_templates").is_none(), "{doc}");
}

#[test]
fn json_summary_counts_skipped_templates() {
    let (code, doc) = check_json("fixtures/templated/helm");
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["diagnostics"], Value::Array(Vec::new()));
    insta::assert_json_snapshot!(doc["summary"]);

    // The whole directory: two broken rule files reported, three templates skipped.
    let (code, doc) = check_json("fixtures/templated");
    assert_eq!(code, 1, "{doc}");
    let summary = &doc["summary"];
    assert_eq!(summary["files"], 4, "{summary}");
    assert_eq!(summary["skipped"], 5, "{summary}");
    assert_eq!(summary["skipped_templates"], 3, "{summary}");
    assert_eq!(summary["skipped_rule_templates"], 1, "{summary}");
    let mut broken: Vec<&str> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            assert_eq!(d["check"], "yaml/syntax", "{d}");
            d["location"]["file"].as_str().unwrap_or("")
        })
        .collect();
    broken.sort_unstable();
    assert_eq!(
        broken,
        [
            "fixtures/templated/broken-rule-file.yaml",
            "fixtures/templated/unquoted-annotation.yaml"
        ]
    );
}

/// Several templates of rules among other templates: the summary says how many render to rules.
#[test]
fn summary_tells_templates_of_rules_from_other_templates() {
    let helm = |name: &str| {
        format!(
            "{{{{- if .Values.{name} }}}}\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  {{{{- toYaml .Values.{name}.groups | nindent 4 }}}}\n{{{{- end }}}}\n"
        )
    };
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n{{ include \"labels\" . | indent 4 }}\n";
    let dir = common::dir_with(&[
        ("templates/api-rules.yaml", &helm("api")),
        ("templates/db-rules.yaml", &helm("db")),
        ("templates/service.yaml", service),
    ]);
    let (code, out, _) = run(&["check", "--no-config", dir.path().to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "No problems found in 0 rule files; 3 files skipped (YAML that is not rules; 3 templates, of which 2 render to rules: lint the rendered output).\n"
    );
}
