//! Oracle: Prometheus `template/template_test.go` (`TestTemplateExpansion`,
//! `Test_floatToTime`) and `model/rulefmt` template parse checks. Inputs and
//! expected outputs are Prometheus'; HTML-mode scenarios are omitted because
//! alert templates are expanded in text mode.

use super::*;

fn sample(labels: &[(&str, &str)], value: f64) -> QueryResultSample {
    QueryResultSample {
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        value,
    }
}

/// Runs `text` (no alert header) on `data` like Prometheus' test harness:
/// external URL `http://testhost:9090/path/prefix`, query results fixed.
fn run_with(
    text: &str,
    data: Value,
    result: Option<Vec<QueryResultSample>>,
) -> Result<String, String> {
    let empty = BTreeMap::new();
    let answer = move |_: &str| Ok(result.clone().unwrap_or_default());
    let ctx = TemplateContext {
        labels: &empty,
        external_labels: &empty,
        external_url: "http://testhost:9090/path/prefix",
        value: 0.0,
        query: Some(&answer),
    };
    render("test", text, data, &ctx, 0.0).map_err(|e| e.to_string())
}

fn run(text: &str) -> Result<String, String> {
    run_with(text, Value::Nil, None)
}

fn list<T: gotmpl::ToValue>(items: &[T]) -> Value {
    Value::List(items.iter().map(gotmpl::ToValue::to_value).collect())
}

fn ok(text: &str, want: &str) {
    assert_eq!(run(text).as_deref(), Ok(want), "template {text:?}");
}

fn ok_on(text: &str, data: Value, want: &str) {
    assert_eq!(
        run_with(text, data, None).as_deref(),
        Ok(want),
        "template {text:?}"
    );
}

#[test]
fn basics() {
    ok("plain text", "plain text");
    ok("{{ 1 }}", "1");
    ok(r#"{{ "<b>" }}"#, "<b>");
    ok(
        r#"{{define "x"}}{{.arg0}} {{.arg1}}{{end}}{{template "x" (args 1 "2")}}"#,
        "1 2",
    );
    ok("{{ .Foo }}", "<no value>");
    ok(r#"{{ reReplaceAll "(a)b" "x$1" "ab" }}"#, "xa");
    ok(r#"{{ "aa bb CC" | title }}"#, "Aa Bb CC");
    ok(r#"{{ "aa bb CC" | toUpper }}"#, "AA BB CC");
    ok(r#"{{ "aA bB CC" | toLower }}"#, "aa bb cc");
    ok(
        r#"{{ match "a+" "aa" }} {{ match "a+" "b" }}"#,
        "true false",
    );
    ok(r#"{{ graphLink "up" }}"#, "/graph?g0.expr=up&g0.tab=0");
    ok(r#"{{ tableLink "up" }}"#, "/graph?g0.expr=up&g0.tab=1");
    ok("{{ pathPrefix }}", "/path/prefix");
    ok("{{ externalURL }}", "http://testhost:9090/path/prefix");
    ok(
        r#"{{ printf "%0.2f" (parseDuration "1h2m10ms") }}"#,
        "3720.01",
    );
}

#[test]
fn parse_errors() {
    let e = run("{{").unwrap_err();
    assert!(
        e.starts_with("error parsing template test: template: test:1: ")
            && e.contains("unclosed action"),
        "{e}"
    );
    assert_eq!(
        run("{{\u{a0}}}"),
        Err("error parsing template test: template: test:1: unrecognized character in action: U+00A0".to_string())
    );
    assert_eq!(run("{{ \"\u{a0}\" }}").as_deref(), Ok("\u{a0}"));
    let e = check_syntax("ok {{ $value\u{a0}}}").unwrap_err();
    assert_eq!((e.offset, e.col), (12, 13));
}

#[test]
fn query_functions() {
    let one = Some(vec![sample(&[], 1.5)]);
    assert_eq!(
        run_with(r#"{{ query "1.5" | first | value }}"#, Value::Nil, one).as_deref(),
        Ok("1.5")
    );
    let inst_a = || {
        Some(vec![sample(
            &[("__name__", "metric"), ("instance", "a")],
            11.0,
        )])
    };
    let cases = [
        (
            r#"{{ query "metric{instance='a'}" | first | value }}"#,
            "11",
        ),
        (
            r#"{{ query "metric{instance='a'}" | first | label "instance" }}"#,
            "a",
        ),
        (
            r#"{{ query "metric{instance='a'}" | first | label "foo" }}"#,
            "",
        ),
        (
            r#"{{ $x := query "metric" | first }}{{ $x.Labels.foo }}"#,
            "",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(
            run_with(text, Value::Nil, inst_a()).as_deref(),
            Ok(want),
            "{text}"
        );
    }
    let strv = Some(vec![sample(
        &[("__name__", "metric"), ("__value__", "a")],
        11.0,
    )]);
    assert_eq!(
        run_with(
            r#"{{ query "metric{__value__='a'}" | first | strvalue }}"#,
            Value::Nil,
            strv
        )
        .as_deref(),
        Ok("a")
    );
    let two = Some(vec![
        sample(&[("__name__", "metric"), ("instance", "b")], 21.0),
        sample(&[("__name__", "metric"), ("instance", "a")], 11.0),
    ]);
    assert_eq!(
        run_with(
            r#"{{ range query "metric" | sortByLabel "instance" }}{{.Labels.instance}}:{{.Value}}: {{end}}"#,
            Value::Nil,
            two
        )
        .as_deref(),
        Ok("a:11: b:21: ")
    );
    assert_eq!(
        run_with(r#"{{ query "missing" | first }}"#, Value::Nil, Some(vec![])),
        Err("error executing template test: error calling first: first() called on vector with no elements".to_string())
    );
    let e = run_with(
        r#"{{ (query "missing").banana }}"#,
        Value::Nil,
        Some(vec![]),
    )
    .unwrap_err();
    assert!(
        e.contains("can't evaluate field banana in type template.queryResult"),
        "{e}"
    );
}

#[test]
fn strip_port_and_domain() {
    let port = [
        ("foo.example.com", "foo.example.com"),
        ("foo.example.com:12345", "foo.example.com"),
        ("192.0.2.1", "192.0.2.1"),
        ("192.0.2.1:12345", "192.0.2.1"),
        ("2001:0DB8::1", "2001:0DB8::1"),
        ("[2001:0DB8::1]:12345", "2001:0DB8::1"),
        ("[2001:0DB8::1]::12345", "[2001:0DB8::1]::12345"),
    ];
    for (input, want) in port {
        ok(&format!("{{{{ {input:?} | stripPort }}}}"), want);
    }
    let domain = [
        ("foo.example.com", "foo"),
        ("foo.example.com:12345", "foo:12345"),
        ("192.0.2.1", "192.0.2.1"),
        ("192.0.2.1:12345", "192.0.2.1:12345"),
        ("2001:0DB8::1", "2001:0DB8::1"),
        ("[2001:0DB8::1]:12345", "[2001:0DB8::1]:12345"),
        ("[2001:0DB8::1]::12345", "[2001:0DB8::1]::12345"),
    ];
    for (input, want) in domain {
        ok(&format!("{{{{ {input:?} | stripDomain }}}}"), want);
    }
}

const RANGE: &str = "{{ range . }}{{ FN . }}:{{ end }}";

fn over(func: &str, data: Value, want: &str) {
    ok_on(&RANGE.replace("FN", func), data, want);
}

fn fails(text: &str, data: Value, want: &str) {
    let e = run_with(text, data, None).unwrap_err();
    assert_eq!(
        e,
        format!("error executing template test: {want}"),
        "{text}"
    );
}

#[test]
fn humanize() {
    over(
        "humanize",
        list(&[0.0, 1.0, 1234567.0, 0.12]),
        "0:1:1.235M:120m:",
    );
    over(
        "humanize",
        list(&["0.0", "1.0", "1234567.0", ".12"]),
        "0:1:1.235M:120m:",
    );
    over(
        "humanize",
        list(&[0i64, -1, 1, 1234567, i64::MAX]),
        "0:-1:1:1.235M:9.223E:",
    );
    over(
        "humanize",
        list(&[0u64, 1, 1234567, u64::MAX]),
        "0:1:1.235M:18.45E:",
    );
    fails(
        r#"{{ humanize "one" }}"#,
        Value::Nil,
        r#"error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax"#,
    );
}

#[test]
fn humanize1024() {
    over(
        "humanize1024",
        list(&[0.0, 1.0, 1048576.0, 0.12]),
        "0:1:1Mi:0.12:",
    );
    over(
        "humanize1024",
        list(&["0.0", "1.0", "1048576.0", ".12"]),
        "0:1:1Mi:0.12:",
    );
    over(
        "humanize1024",
        list(&[0i64, -1, 1, 1234567, i64::MAX]),
        "0:-1:1:1.177Mi:8Ei:",
    );
    over(
        "humanize1024",
        list(&[0u64, 1, 1234567, u64::MAX]),
        "0:1:1.177Mi:16Ei:",
    );
    fails(
        r#"{{ humanize1024 "one" }}"#,
        Value::Nil,
        r#"error calling humanize1024: strconv.ParseFloat: parsing "one": invalid syntax"#,
    );
}

#[test]
fn humanize_duration() {
    over(
        "humanizeDuration",
        list(&[
            0.0,
            1.0,
            60.0,
            3600.0,
            86400.0,
            86400.0 + 3600.0,
            -(86400.0 * 2.0 + 3600.0 * 3.0 + 60.0 * 4.0 + 5.0),
            899.99,
        ]),
        "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:",
    );
    over(
        "humanizeDuration",
        list(&["0", "1", "60", "3600", "86400"]),
        "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:",
    );
    over(
        "humanizeDuration",
        list(&[0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345]),
        "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:",
    );
    over(
        "humanizeDuration",
        list(&[".1", ".0001", ".12345", "60.1", "60.5", "1.2345", "12.345"]),
        "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:",
    );
    over(
        "humanizeDuration",
        list(&[0i64, -1, 1, 1234567]),
        "0s:-1s:1s:14d 6h 56m 7s:",
    );
    over(
        "humanizeDuration",
        list(&[0u64, 1, 1234567]),
        "0s:1s:14d 6h 56m 7s:",
    );
    fails(
        r#"{{ humanizeDuration "one" }}"#,
        Value::Nil,
        r#"error calling humanizeDuration: strconv.ParseFloat: parsing "one": invalid syntax"#,
    );
}

#[test]
fn humanize_inf_nan() {
    let text = "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}";
    let want = "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:";
    ok_on(
        text,
        list(&[f64::INFINITY, f64::NEG_INFINITY, f64::NAN]),
        want,
    );
    ok_on(text, list(&["+Inf", "-Inf", "NaN"]), want);
}

#[test]
fn humanize_percentage() {
    ok(
        "{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}",
        "-22.22%:0%:12.35%:123.5%",
    );
    over(
        "humanizePercentage",
        list(&[0i64, -1, 1, 1234567, i64::MAX]),
        "0%:-100%:100%:1.235e+08%:9.223e+20%:",
    );
    over(
        "humanizePercentage",
        list(&[0u64, 1, 1234567, u64::MAX]),
        "0%:100%:1.235e+08%:1.845e+21%:",
    );
    ok(
        r#"{{ "-0.22222" | humanizePercentage }}:{{ "0.0" | humanizePercentage }}:{{ "0.1234567" | humanizePercentage }}:{{ "1.23456" | humanizePercentage }}"#,
        "-22.22%:0%:12.35%:123.5%",
    );
    fails(
        r#"{{ "one" | humanizePercentage }}"#,
        Value::Nil,
        r#"error calling humanizePercentage: strconv.ParseFloat: parsing "one": invalid syntax"#,
    );
}

#[test]
fn humanize_timestamp() {
    over(
        "humanizeTimestamp",
        list(&[0i64, -1, 1, 1234567, 9223372036]),
        "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:",
    );
    over(
        "humanizeTimestamp",
        list(&[0u64, 1, 1234567, 9223372036]),
        "1970-01-01 00:00:00 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:",
    );
    fails(
        &RANGE.replace("FN", "humanizeTimestamp"),
        list(&[i64::MIN, i64::MAX]),
        "error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64",
    );
    fails(
        &RANGE.replace("FN", "humanizeTimestamp"),
        list(&[u64::MAX]),
        "error calling humanizeTimestamp: 1.8446744073709552e+19 cannot be represented as a nanoseconds timestamp since it overflows int64",
    );
    ok(
        "{{ 1435065584.128 | humanizeTimestamp }}",
        "2015-06-23 13:19:44.128 +0000 UTC",
    );
    ok(
        r#"{{ "1435065584.128" | humanizeTimestamp }}"#,
        "2015-06-23 13:19:44.128 +0000 UTC",
    );
}

#[test]
fn to_time_and_durations() {
    ok(r#"{{ (1435065584.128 | toTime).Format "2006" }}"#, "2015");
    ok(r#"{{ ("1435065584.128" | toTime).Format "2006" }}"#, "2015");
    ok("{{ toTime 0 }}", "1970-01-01 00:00:00 +0000 UTC");
    ok("{{ (toTime 1657155181).Unix }}", "1657155181");
    // Prometheus 3.5 (PR #16619) Loki-style time arithmetic.
    ok(
        r#"{{ ((toTime 1800).Add (toDuration (parseDuration "-30m"))).UnixMilli }}"#,
        "0",
    );
    ok(
        r#"{{ ( "-30m" | parseDuration | toDuration | ( toTime 3600 ).Add ).Unix }}"#,
        "1800",
    );
    ok("{{ toDuration 5400 }}", "1h30m0s");
    ok("{{ (toDuration 1.5).Seconds }}", "1.5");
    ok("{{ toDuration 5400 | humanizeDuration }}", "1h 30m 0s");
    let e = run("{{ toTime 1e300 }}").unwrap_err();
    assert!(
        e.contains("1e+300 cannot be represented as a nanoseconds timestamp"),
        "{e}"
    );
}

#[test]
fn float_to_time_like_prometheus() {
    use super::funcs::float_to_time;
    assert_eq!(
        float_to_time(1657155181.0).map(|t| t.map(gotime::GoTime::to_go_string)),
        Ok(Some("2022-07-07 00:53:01 +0000 UTC".to_string()))
    );
    assert!(float_to_time(1.797_693_134_862_315_7e300).is_err());
    assert!(float_to_time(-1.797_693_134_862_315_7e300).is_err());
}

fn alert_ctx<'a>(
    labels: &'a BTreeMap<String, String>,
    ext: &'a BTreeMap<String, String>,
) -> TemplateContext<'a> {
    TemplateContext {
        labels,
        external_labels: ext,
        external_url: "http://prom.example:9090",
        value: 0.5,
        query: None,
    }
}

#[test]
fn alert_header_variables() {
    let labels: BTreeMap<String, String> = [("instance".to_string(), "host:9100".to_string())]
        .into_iter()
        .collect();
    let ext: BTreeMap<String, String> = [("cluster".to_string(), "eu".to_string())]
        .into_iter()
        .collect();
    let ctx = alert_ctx(&labels, &ext);
    let got = expand(
        "__alert_X",
        "{{ $labels.instance }} {{ $externalLabels.cluster }} {{ $externalURL }} {{ $value }} {{ $value | humanizePercentage }} [{{ $labels.missing }}] {{ .Labels.instance | stripPort }}",
        &ctx,
    );
    assert_eq!(
        got.as_deref(),
        Ok("host:9100 eu http://prom.example:9090 0.5 50% [] host")
    );
    assert_eq!(
        expand_at("a", "{{ now }}", &ctx, 120.5).as_deref(),
        Ok("120.5")
    );
    let e = expand("__alert_X", "{{ humanize $labels.instance }}", &ctx).unwrap_err();
    assert_eq!(
        error_text(&e),
        r#"<error expanding template: error executing template __alert_X: error calling humanize: strconv.ParseFloat: parsing "host:9100": invalid syntax>"#
    );
    assert_eq!(
        expand_or_error_text("__alert_X", "{{ query \"up\" }}", &ctx),
        "<error expanding template: error executing template __alert_X: error calling query: no query engine available>"
    );
}

#[test]
fn check_syntax_accepts_valid_templates() {
    for src in [
        "",
        "plain",
        "{{ $labels.instance }} is {{ $value | humanize }}",
        "{{ with query \"up\" }}{{ . | first | value | humanize }}{{ end }}",
        "{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}",
        "{{ if gt $value 1.0 }}{{ $x := 1 }}{{ $x }}{{ else }}{{ $externalURL }}{{ end }}",
        "{{ $x := $x }}",
        "{{ define \"t\" }}{{ . }}{{ end }}{{ template \"t\" $labels }}",
        "{{ urlQueryEscape $labels.job }} {{ now | toTime }} {{ toDuration 1 }}",
    ] {
        assert_eq!(check_syntax(src), Ok(()), "{src:?}");
    }
}

#[test]
fn check_syntax_rejects_like_prometheus() {
    let e = check_syntax("value {{ humanise $value }}").unwrap_err();
    assert_eq!(
        e,
        TemplateSyntaxError {
            line: 1,
            col: 10,
            offset: 9,
            message: "function \"humanise\" not defined".to_string()
        }
    );
    let e = check_syntax("a\nb {{ $lables.instance }}").unwrap_err();
    assert_eq!((e.line, e.col, e.offset), (2, 6, 7));
    assert_eq!(e.message, "undefined variable \"$lables\"");
    // Variables die at the {{end}} of the control structure declaring them.
    let e = check_syntax("{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}").unwrap_err();
    assert_eq!(e.message, "undefined variable \"$x\"");
    // A {{define}} body does not see the header's variables.
    let e = check_syntax("{{ define \"t\" }}{{ $labels }}{{ end }}").unwrap_err();
    assert_eq!(e.offset, 19);
    // An {{end}} or {{else}} outside any block is Go's "unexpected {{end}}" (gotmpl alone ends
    // the template there and drops the rest); blocks, `else if` and quoted braces still nest.
    let e = check_syntax("ok {{ end }} {{ $nope }}").unwrap_err();
    assert_eq!((e.offset, e.message.as_str()), (3, "unexpected {{end}}"));
    let e = check_syntax("{{ if 1 }}a{{ end }}{{- else -}}").unwrap_err();
    assert_eq!((e.offset, e.message.as_str()), (20, "unexpected {{else}}"));
    check_syntax(
        "{{ if 1 }}{{ else if 2 }}{{ \"{{ end }}\" }}{{ end }}{{ range $labels }}{{ end }}",
    )
    .expect("nested blocks");
    // tmpl exists only in console (HTML) templates.
    assert!(check_syntax("{{ tmpl \"x\" . }}").is_err());
    let e = check_syntax("ok\n  {{ .Labels ").unwrap_err();
    assert_eq!(e.line, 2);
    assert_eq!(e.offset, 16, "{e:?}");
    assert!(e.message.contains("unclosed action"), "{e:?}");
    // Columns count characters, offsets count bytes.
    let src = "é{{ $nope }}";
    let e = check_syntax(src).unwrap_err();
    assert_eq!(e.col, src[..e.offset].chars().count() + 1);
}

#[test]
fn syntax_error_positions_stay_in_user_text() {
    for src in [
        "{{",
        "}}{{",
        "{{ end }}",
        "\u{a0}{{\u{a0}}}",
        "{{ \"abc",
        "x\n{{/* unterminated",
    ] {
        if let Err(e) = check_syntax(src) {
            assert!(e.offset <= src.len(), "{src:?}: {e:?}");
            assert!(src.is_char_boundary(e.offset), "{src:?}: {e:?}");
            assert!(e.line >= 1 && e.col >= 1);
        }
    }
}

/// gotmpl's own result for `text`, as `render` reports it.
fn plain_gotmpl(text: &str) -> Result<String, String> {
    gotmpl::Template::new("test")
        .parse(text)
        .and_then(|t| t.execute_to_string(&Value::Nil))
        .map_err(|e| format!("error executing template test: {}", exec_message(e)))
}

#[test]
fn print_functions_behave_as_gotmpl_builtins_below_the_limit() {
    for text in [
        r#"{{ printf "%5.2f|%s|%d|%v|%q" 3.14159 "a" 42 true "x" }}"#,
        r#"{{ print "a" 1 2 "b" nil }}"#,
        r#"{{ println "a" 1 }}"#,
        r#"{{ html "<a href='x'>" }}"#,
        r#"{{ js "a'b\"<>" }}"#,
        r#"{{ urlquery "a b&c" }}"#,
        r#"{{ "x" | printf "%s-%s" "y" }}"#,
        r#"{{ printf "%d" }}"#,
        r"{{ printf 1 }}",
        r"{{ printf }}",
        r"{{ html }}",
        r"{{ html 1 2 }}",
    ] {
        assert_eq!(run(text), plain_gotmpl(text), "{text}");
    }
}

#[test]
fn runaway_templates_stop_at_the_limits() {
    // Nested reReplaceAll: 9 times longer at each level.
    let mut t = String::from("\"x\"");
    for _ in 0..10 {
        t = format!("(reReplaceAll \"\" \"xxxxxxxx\" {t})");
    }
    let e = run(&format!("{{{{ {} }}}}", &t[1..t.len() - 1])).unwrap_err();
    assert_eq!(
        e,
        "error executing template test: error calling reReplaceAll: result longer than 1048576 \
         bytes, the limit of a string a template builds"
    );
    // printf of its own output, doubling through a variable.
    let mut t = String::from(r#"{{ $a := printf "%65535s" "" }}"#);
    for _ in 0..40 {
        t.push_str(r#"{{ $a = printf "%s%s" $a $a }}"#);
    }
    t.push_str("{{ len $a }}");
    let e = run(&t).unwrap_err();
    assert!(
        e.contains("error calling printf: result longer than 1048576 bytes"),
        "{e}"
    );
    // A format of many wide verbs is refused before it is formatted.
    let wide = format!(
        r#"{{{{ printf "{}" {} }}}}"#,
        "%65535d".repeat(100),
        "1 ".repeat(100)
    );
    let e = run(&wide).unwrap_err();
    assert!(
        e.contains("error calling printf: result longer than"),
        "{e}"
    );
    // Escaping: up to 6 times longer at each level.
    let mut t = String::from(r#"(reReplaceAll "." "<" (printf "%65535s" ""))"#);
    for _ in 0..12 {
        t = format!("(html {t})");
    }
    let e = run(&format!("{{{{ {} }}}}", &t[1..t.len() - 1])).unwrap_err();
    assert!(e.contains("error calling html: result longer than"), "{e}");
    // Output: many small pieces.
    let data = list(&[1; 100]);
    let e = run_with(
        r#"{{ range . }}{{ printf "%65535s" "" }}{{ end }}"#,
        data,
        None,
    )
    .unwrap_err();
    assert_eq!(
        e,
        "error executing template test: output longer than 1048576 bytes, the limit of a \
         template's output"
    );
    // Just below: fine.
    let data = list(&[1; 16]);
    let out = run_with(
        r#"{{ range . }}{{ printf "%65535s" "" }}{{ end }}"#,
        data,
        None,
    )
    .unwrap();
    assert_eq!(out.len(), 16 * 65535);
}

/// A float printed by an action is spelled as Go's `fmt` spells it (promtool compares the
/// expanded annotations as text): exponents below 1e-4 and from 1e21, as `%v` does.
#[test]
fn printed_floats_are_spelled_as_go_prints_them() {
    let labels = BTreeMap::new();
    let ext = BTreeMap::new();
    for (value, text) in [
        (0.5, "0.5"),
        (9.999999999999999e-5, "9.999999999999999e-05"),
        (0.0001, "0.0001"),
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (f64::INFINITY, "+Inf"),
    ] {
        let mut ctx = alert_ctx(&labels, &ext);
        ctx.value = value;
        assert_eq!(
            expand("a", "{{ $value }}", &ctx).as_deref(),
            Ok(text),
            "{value}"
        );
        // Through a variable, and printed by `print` (gotmpl's fmt): the same spelling.
        assert_eq!(
            expand("a", "{{ $v := $value }}{{ $v }}", &ctx).as_deref(),
            Ok(text),
            "{value}"
        );
    }
}

/// `check_syntax` takes the header's variables as declared instead of parsing the header: the
/// same verdict, message and position as parsing `HEADER + src`, as Prometheus does, on every
/// template built from up to three of these pieces.
#[test]
fn check_syntax_agrees_with_parsing_the_header() {
    let with_header = |src: &str| -> Result<(), TemplateSyntaxError> {
        let full = format!("{HEADER}{src}");
        parse(&full, &[]).map(|_| ()).map_err(|f| {
            let offset = f.offset.saturating_sub(HEADER.len()).min(src.len());
            let (line, col) = line_col(src, offset);
            TemplateSyntaxError {
                line,
                col,
                offset,
                message: f.message,
            }
        })
    };
    let pieces = [
        "",
        "text ",
        "\n",
        "é",
        "{{",
        "}}",
        "{{ end }}",
        "{{ else }}",
        "{{ if $value }}",
        "{{ range $labels }}",
        "{{ with $externalLabels }}",
        "{{ define \"t\" }}",
        "{{ template \"t\" . }}",
        "{{ $labels.instance }}",
        "{{ .Labels.job }}",
        "{{ $externalURL }}",
        "{{ $x := 1 }}",
        "{{ $x }}",
        "{{ $labels := 2 }}",
        "{{ humanise $value }}",
        "{{ $value | humanizePercentage }}",
        "{{- \"}}\" -}}",
        "{{/* a comment */}}",
        "{{ \u{a0}$value }}",
        "{{ (",
        "{{ \"unterminated }}",
        // The shapes `plainly_valid` takes without parsing, and their near misses.
        "{{$value}}",
        "{{ .Value | humanize }}",
        "{{ $labels.job | toUpper | title }}",
        "{{ .Labels }}",
        "{{ .Labels.pod }}",
        "{{ $value.x }}",
        "{{ $labels.a.b }}",
        "{{ $value | nothere }}",
        "{{ $value | }}",
        "{{ | humanize }}",
        "{{ }}",
        "{{-$value}}",
        "{{ $value -}}",
        "{{ $value - }}",
        "{{ $nope.x }}",
        "{{ $value | printf }}",
        "{{ $labels.é }}",
        "{{ $labels.instance {{ }}",
    ];
    let mut compared = 0;
    for a in pieces {
        for b in pieces {
            for c in ["", "{{ end }}", "{{ $value }}", "\n{{ $nope }}", "{{"] {
                let src = format!("{a}{b}{c}");
                assert_eq!(check_syntax(&src), with_header(&src), "{src:?}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, pieces.len() * pieces.len() * 5);
}

/// What `check_syntax` takes as valid without parsing: whole templates of plain actions only.
#[test]
fn plain_templates_need_no_parse() {
    assert!(plainly_valid(
        "{{ $value | humanizePercentage }} of {{ $labels.instance }} fail"
    ));
    assert!(plainly_valid("no actions at all"));
    assert!(plainly_valid(
        "{{.Labels.pod}} {{ $externalURL }}\n{{ .Value }}"
    ));
    for src in [
        "{{ $value | nothere }}",
        "{{ $value | printf \"%.2f\" }}",
        "{{- $value }}",
        "{{/* c */}}",
        "{{ if $value }}x{{ end }}",
        "{{ $x }}",
        "{{ $value",
    ] {
        assert!(!plainly_valid(src), "{src:?}");
    }
}

#[test]
fn action_spans_are_each_open_to_the_next_close() {
    let src = "a {{ x }} b {{- \"}}\" -}}{{ unclosed";
    let spans: Vec<&str> = action_spans(src).map(|r| &src[r]).collect();
    // A plain reading: the quoted `}}` ends the second action, as it would a regex's.
    assert_eq!(spans, ["{{ x }}", "{{- \"}}"]);
    assert_eq!(action_spans("no actions }}").count(), 0);
}
