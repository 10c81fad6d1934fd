//! Prometheus' template functions (Prometheus `template/template.go`,
//! `NewTemplateExpander`) on top of gotmpl's Go builtins.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc;

use gotmpl::{FuncMap, TemplateError, Value};

use super::QueryResultSample;
use super::gofmt::{format_g, go_int64, go_quote, parse_float};
use super::gotime::{GoTime, duration_method0, duration_string, parse_duration_string};

/// Names Go's `text/template` predefines; they are always callable.
pub(crate) const GO_BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// Every function Prometheus registers for alert label/annotation templates
/// (text mode). `tmpl` is deliberately absent: Prometheus only adds it in
/// `ExpandHTML` (console templates), so an alert template using it fails to
/// parse there.
pub(crate) const PROMETHEUS_FUNCS: &[&str] = &[
    "query",
    "first",
    "label",
    "value",
    "strvalue",
    "args",
    "reReplaceAll",
    "safeHtml",
    "match",
    "title",
    "toUpper",
    "toLower",
    "graphLink",
    "tableLink",
    "sortByLabel",
    "stripPort",
    "stripDomain",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
    "toTime",
    "toDuration",
    "now",
    "pathPrefix",
    "externalURL",
    "parseDuration",
    "urlQueryEscape",
];

/// Internal helpers the AST rewrite (see `ast.rs`) calls to give field access
/// and method calls Go's semantics. Their names cannot be written by users
/// without failing the undefined-function check first.
pub(crate) const FIELD_FN: &str = "__alertlint_field";
pub(crate) const METHOD_FN: &str = "__alertlint_method";
/// Ends every action that prints: a float is printed as Go's `fmt` prints it (`1e+06`,
/// `9.999999999999999e-05`), where gotmpl would print Rust's spelling (`1000000`,
/// `0.00009999999999999999`); anything else is passed on for gotmpl to print.
pub(crate) const PRINT_FN: &str = "__alertlint_print";

pub(crate) type QueryRequest = (String, mpsc::Sender<Result<Vec<QueryResultSample>, String>>);

/// Everything the functions need from the expansion context, owned so that
/// the functions can be `'static`.
pub(crate) struct FuncEnv {
    pub external_url: String,
    pub eval_time: f64,
    pub query: Option<mpsc::Sender<QueryRequest>>,
}

fn err(name: &str, msg: impl std::fmt::Display) -> TemplateError {
    TemplateError::Exec(format!("error calling {name}: {msg}"))
}

fn arity(name: &str, args: &[Value], want: usize) -> Result<(), TemplateError> {
    if args.len() != want {
        return Err(TemplateError::Exec(format!(
            "wrong number of args for {name}: want {want} got {}",
            args.len()
        )));
    }
    Ok(())
}

/// Go's `%T` spelling for the Go type the value stands for.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint64",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::List(_) => "template.queryResult",
        Value::Map(m) if is_sample(m) => "*template.sample",
        Value::Map(_) => "map[string]string",
        Value::Function(_) => "func",
        #[allow(unreachable_patterns, reason = "gotmpl's html feature adds variants")]
        _ => "interface {}",
    }
}

fn is_sample(m: &BTreeMap<Arc<str>, Value>) -> bool {
    m.len() == 2 && matches!(m.get("Labels"), Some(Value::Map(_))) && m.contains_key("Value")
}

fn wrong_type(expected: &str, got: &Value) -> TemplateError {
    TemplateError::Exec(format!(
        "wrong type for value; expected {expected}; got {}",
        go_type(got)
    ))
}

fn str_arg(v: &Value) -> Result<&str, TemplateError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(wrong_type("string", other)),
    }
}

fn sample_arg(v: &Value) -> Result<&BTreeMap<Arc<str>, Value>, TemplateError> {
    match v {
        Value::Map(m) if is_sample(m) => Ok(m),
        other => Err(wrong_type("*template.sample", other)),
    }
}

/// Prometheus' `convertToFloat` (prometheus/common `helpers/templates`).
pub(crate) fn convert_to_float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Uint(u) => Ok(*u as f64),
        // A `toDuration` result is a Go `time.Duration`, which converts to
        // seconds; here it travels as its String() text.
        Value::String(s) => parse_float(s).or_else(|e| {
            parse_duration_string(s)
                .filter(|_| s.ends_with(|c: char| c.is_ascii_alphabetic()))
                .map(|ns| ns as f64 / 1e9)
                .ok_or(e)
        }),
        other => Err(format!("can't convert {} to float", go_type(other))),
    }
}

fn make_sample(s: &QueryResultSample) -> Value {
    let labels: BTreeMap<Arc<str>, Value> = s
        .labels
        .iter()
        .map(|(k, v)| (Arc::from(k.as_str()), Value::String(Arc::from(v.as_str()))))
        .collect();
    let mut m = BTreeMap::new();
    m.insert(Arc::from("Labels"), Value::Map(Arc::new(labels)));
    m.insert(Arc::from("Value"), Value::Float(s.value));
    Value::Map(Arc::new(m))
}

pub(crate) fn humanize(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format_g(v, Some(4));
    }
    let mut v = v;
    let mut prefix = "";
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    format!("{}{prefix}", format_g(v, Some(4)))
}

pub(crate) fn humanize1024(v: f64) -> String {
    if v.abs() <= 1.0 || !v.is_finite() {
        return format_g(v, Some(4));
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    format!("{}{prefix}", format_g(v, Some(4)))
}

pub(crate) fn humanize_duration(v: f64) -> String {
    if !v.is_finite() {
        return format_g(v, Some(4));
    }
    if v == 0.0 {
        return format!("{}s", format_g(v, Some(4)));
    }
    if v.abs() >= 1.0 {
        let (sign, v) = if v < 0.0 { ("-", -v) } else { ("", v) };
        let d = go_int64(v);
        let (seconds, minutes, hours, days) = (d % 60, d / 60 % 60, d / 60 / 60 % 24, d / 86_400);
        if days != 0 {
            return format!("{sign}{days}d {hours}h {minutes}m {seconds}s");
        }
        if hours != 0 {
            return format!("{sign}{hours}h {minutes}m {seconds}s");
        }
        if minutes != 0 {
            return format!("{sign}{minutes}m {seconds}s");
        }
        return format!("{sign}{}s", format_g(v, Some(4)));
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", format_g(v, Some(4)))
}

/// Prometheus' `floatToTime`: `None` for NaN/Inf, an error when the value
/// does not fit int64 nanoseconds. The instant is truncated to milliseconds
/// because Prometheus round-trips it through `model.Time`.
pub(crate) fn float_to_time(v: f64) -> Result<Option<GoTime>, String> {
    if !v.is_finite() {
        return Ok(None);
    }
    let ts = v * 1e9;
    if ts > i64::MAX as f64 || ts < i64::MIN as f64 {
        return Err(format!(
            "{} cannot be represented as a nanoseconds timestamp since it overflows int64",
            format_g(v, None)
        ));
    }
    let millis = go_int64(ts) / 1_000_000;
    Ok(Some(GoTime {
        unix_nanos: i128::from(millis) * 1_000_000,
    }))
}

/// Go's `net.SplitHostPort`.
fn split_host_port(hp: &str) -> Option<(&str, &str)> {
    let i = hp.rfind(':')?;
    let (host, k) = if hp.starts_with('[') {
        let end = hp.find(']')?;
        if end + 1 != i {
            return None;
        }
        (&hp[1..end], end + 1)
    } else {
        let host = &hp[..i];
        if host.contains(':') {
            return None;
        }
        (host, 0)
    };
    let j = usize::from(hp.starts_with('['));
    if hp[j..].contains('[') || hp[k..].contains(']') {
        return None;
    }
    Some((host, &hp[i + 1..]))
}

fn strip_domain(hp: &str) -> String {
    let (host, port) = split_host_port(hp).unwrap_or((hp, ""));
    if host.parse::<std::net::IpAddr>().is_ok() {
        return hp.to_string();
    }
    let host = host.split('.').next().unwrap_or(host);
    if port.is_empty() {
        host.to_string()
    } else if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Go's deprecated `strings.Title`: upper-cases each letter that starts a word.
pub(crate) fn title(s: &str) -> String {
    fn is_separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphanumeric() {
            return false;
        }
        c.is_whitespace()
    }
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_separator(prev) {
                simple_upper(c)
            } else {
                c
            };
            prev = c;
            out
        })
        .collect()
}

/// Go maps case rune by rune (`unicode.ToUpper`); Rust's full mapping can
/// expand a rune ("ß" to "SS"), which Go never does.
fn simple_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn simple_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Prometheus `model.ParseDuration` (negative values allowed, as the
/// template function does since Prometheus 3.5), in seconds.
pub(crate) fn parse_prom_duration(s: &str) -> Result<f64, String> {
    use prometheus_time::duration::{DurationError, parse_duration_ms};
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) if !b.is_empty() => (true, b),
        _ => (false, s),
    };
    let millis = parse_duration_ms(body).map_err(|e| match e {
        DurationError::Empty => "empty duration string".to_string(),
        DurationError::Invalid => format!("not a valid duration string: {}", go_quote(s)),
        DurationError::OutOfRange => "duration out of range".to_string(),
    })?;
    // time.Duration is int64 nanoseconds.
    if millis > i64::MAX / 1_000_000 {
        return Err("duration out of range".to_string());
    }
    // As Go's Duration.Seconds() rounds: nanoseconds over 1e9.
    let secs = (i128::from(millis) * 1_000_000) as f64 / 1e9;
    Ok(if neg && secs != 0.0 { -secs } else { secs })
}

/// `/graph?g0.expr=...&g0.tab=N` as Prometheus' `strutil` builds it.
fn expr_link(expr: &str, tab: u8) -> String {
    format!("/graph?g0.expr={}&g0.tab={tab}", gotmpl::url_encode(expr))
}

/// The path component of the external URL (Go's `url.URL.Path`, unescaped).
pub(crate) fn url_path(u: &str) -> String {
    let no_frag = u.split('#').next().unwrap_or("");
    let no_query = no_frag.split('?').next().unwrap_or("");
    let path = match no_query.find("://") {
        Some(i) => {
            let after = &no_query[i + 3..];
            after.find('/').map_or("", |j| &after[j..])
        }
        None => no_query,
    };
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// Translates the ASCII-only Perl classes of Go's RE2 syntax (`\d`, `\w`,
/// `\s`, `\b`) into explicit forms, because Rust's regex makes them
/// Unicode-aware and would match more than Prometheus does.
pub(crate) fn go_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        if c == '\\' {
            let Some(n) = chars.next() else {
                out.push(c);
                break;
            };
            let repl = match (n, in_class) {
                ('d', false) => Some("[0-9]"),
                ('D', false) => Some("[^0-9]"),
                ('w', false) => Some("[0-9A-Za-z_]"),
                ('W', false) => Some("[^0-9A-Za-z_]"),
                ('s', false) => Some("[\\t\\n\\f\\r ]"),
                ('S', false) => Some("[^\\t\\n\\f\\r ]"),
                ('b', false) => Some("(?-u:\\b)"),
                ('B', false) => Some("(?-u:\\B)"),
                ('d', true) => Some("0-9"),
                ('w', true) => Some("0-9A-Za-z_"),
                ('s', true) => Some("\\t\\n\\f\\r "),
                _ => None,
            };
            if let Some(r) = repl {
                out.push_str(r);
            } else {
                out.push(c);
                out.push(n);
            }
            class_start = false;
            continue;
        }
        out.push(c);
        if in_class {
            if c == ']' && !class_start {
                in_class = false;
            } else if !(class_start && c == '^') {
                class_start = false;
            }
        } else if c == '[' {
            in_class = true;
            if chars.peek() == Some(&'^')
                && let Some(caret) = chars.next()
            {
                out.push(caret);
            }
            // A ']' right after '[' or '[^' is a literal.
            if chars.peek() == Some(&']')
                && let Some(b) = chars.next()
            {
                out.push(b);
            }
            class_start = false;
        }
    }
    out
}

fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(&go_regex(pattern)).map_err(|e| {
        let detail = e.to_string();
        let last = detail.lines().last().unwrap_or("").trim();
        format!("error parsing regexp: {last}: `{pattern}`")
    })
}

/// Is `m` a Go `map[string]string` (label set) rather than a struct or an
/// `args` map? Prometheus hands templates label sets with `missingkey=zero`,
/// so a missing label reads as "" there, not `<no value>`.
fn is_string_map(m: &BTreeMap<Arc<str>, Value>) -> bool {
    m.values().all(|v| matches!(v, Value::String(_)))
}

/// Field access / zero-argument method call with Go's semantics for the
/// types Prometheus puts in front of templates.
pub(crate) fn field(base: &Value, name: &str) -> Result<Value, TemplateError> {
    match base {
        Value::Map(m) => Ok(match m.get(name) {
            Some(v) => v.clone(),
            None if is_string_map(m) => Value::String(Arc::from("")),
            None => Value::Nil,
        }),
        Value::Nil => Ok(Value::Nil),
        Value::String(s) => {
            if let Some(v) = GoTime::parse_go_string(s).and_then(|t| t.method0(name)) {
                return Ok(v);
            }
            if let Some(v) = parse_duration_string(s).and_then(|d| duration_method0(d, name)) {
                return Ok(v);
            }
            Err(TemplateError::Exec(format!(
                "can't evaluate field {name} in type string"
            )))
        }
        other => Err(TemplateError::Exec(format!(
            "can't evaluate field {name} in type {}",
            go_type(other)
        ))),
    }
}

fn duration_arg(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Uint(u) => i64::try_from(*u).ok(),
        Value::String(s) => parse_duration_string(s),
        _ => None,
    }
}

/// Method calls with arguments on `time.Time` / `time.Duration` values.
pub(crate) fn method(name: &str, recv: &Value, args: &[Value]) -> Result<Value, TemplateError> {
    let bad = || {
        TemplateError::Exec(format!(
            "can't call method {name} on type {} with {} args",
            go_type(recv),
            args.len()
        ))
    };
    if let Value::String(s) = recv {
        if let Some(t) = GoTime::parse_go_string(s) {
            return match (name, args) {
                ("Format", [Value::String(layout)]) => Ok(Value::String(t.format(layout).into())),
                ("Add", [d]) => {
                    let d = duration_arg(d).ok_or_else(bad)?;
                    Ok(Value::String(
                        GoTime {
                            unix_nanos: t.unix_nanos + i128::from(d),
                        }
                        .to_go_string()
                        .into(),
                    ))
                }
                ("Sub", [Value::String(o)]) => {
                    let o = GoTime::parse_go_string(o).ok_or_else(bad)?;
                    let d = (t.unix_nanos - o.unix_nanos).clamp(i64::MIN.into(), i64::MAX.into());
                    Ok(Value::String(duration_string(d as i64).into()))
                }
                ("Before" | "After" | "Equal", [Value::String(o)]) => {
                    let o = GoTime::parse_go_string(o).ok_or_else(bad)?;
                    Ok(Value::Bool(match name {
                        "Before" => t.unix_nanos < o.unix_nanos,
                        "After" => t.unix_nanos > o.unix_nanos,
                        _ => t.unix_nanos == o.unix_nanos,
                    }))
                }
                (n, []) => t.method0(n).ok_or_else(bad),
                _ => Err(bad()),
            };
        }
        if let Some(d) = parse_duration_string(s) {
            return match (name, args) {
                ("Round" | "Truncate", [m]) => {
                    let m = duration_arg(m).ok_or_else(bad)?;
                    if m <= 0 {
                        return Ok(Value::String(duration_string(d).into()));
                    }
                    let r = d % m;
                    let out = if name == "Truncate" {
                        d - r
                    } else if r.unsigned_abs() * 2 >= m.unsigned_abs() {
                        d - r + if d < 0 { -m } else { m }
                    } else {
                        d - r
                    };
                    Ok(Value::String(duration_string(out).into()))
                }
                (n, []) => duration_method0(d, n).ok_or_else(bad),
                _ => Err(bad()),
            };
        }
    }
    Err(bad())
}

type Func = Arc<dyn Fn(&[Value]) -> Result<Value, TemplateError> + Send + Sync>;

fn numeric(name: &'static str, f: fn(f64) -> Result<Value, String>) -> Func {
    Arc::new(move |args: &[Value]| {
        arity(name, args, 1)?;
        let v = convert_to_float(&args[0]).map_err(|e| err(name, e))?;
        f(v).map_err(|e| err(name, e))
    })
}

fn string_fn(name: &'static str, f: fn(&str) -> String) -> Func {
    Arc::new(move |args: &[Value]| {
        arity(name, args, 1)?;
        Ok(Value::String(f(str_arg(&args[0])?).into()))
    })
}

/// Builds the complete function map for one expansion.
pub(crate) fn func_map(env: FuncEnv) -> FuncMap {
    let mut m: BTreeMap<String, Func> = BTreeMap::new();
    let mut add = |name: &str, f: Func| {
        m.insert(name.to_string(), f);
    };

    let query_tx = env.query;
    add(
        "query",
        Arc::new(move |args: &[Value]| {
            arity("query", args, 1)?;
            let q = str_arg(&args[0])?;
            let tx = query_tx
                .as_ref()
                .ok_or_else(|| err("query", "no query engine available"))?;
            let (reply_tx, reply_rx) = mpsc::channel();
            tx.send((q.to_string(), reply_tx))
                .map_err(|_| err("query", "query engine went away"))?;
            let samples = reply_rx
                .recv()
                .map_err(|_| err("query", "query engine went away"))?
                .map_err(|e| err("query", e))?;
            Ok(Value::List(samples.iter().map(make_sample).collect()))
        }),
    );
    add(
        "first",
        Arc::new(|args: &[Value]| {
            arity("first", args, 1)?;
            match &args[0] {
                Value::List(l) => l
                    .first()
                    .cloned()
                    .ok_or_else(|| err("first", "first() called on vector with no elements")),
                other => Err(wrong_type("template.queryResult", other)),
            }
        }),
    );
    add(
        "label",
        Arc::new(|args: &[Value]| {
            arity("label", args, 2)?;
            let l = str_arg(&args[0])?;
            let s = sample_arg(&args[1])?;
            field(s.get("Labels").unwrap_or(&Value::Nil), l)
        }),
    );
    add(
        "value",
        Arc::new(|args: &[Value]| {
            arity("value", args, 1)?;
            Ok(sample_arg(&args[0])?
                .get("Value")
                .cloned()
                .unwrap_or(Value::Nil))
        }),
    );
    add(
        "strvalue",
        Arc::new(|args: &[Value]| {
            arity("strvalue", args, 1)?;
            let s = sample_arg(&args[0])?;
            field(s.get("Labels").unwrap_or(&Value::Nil), "__value__")
        }),
    );
    add(
        "args",
        Arc::new(|args: &[Value]| {
            let m: BTreeMap<Arc<str>, Value> = args
                .iter()
                .enumerate()
                .map(|(i, a)| (Arc::from(format!("arg{i}")), a.clone()))
                .collect();
            Ok(Value::Map(Arc::new(m)))
        }),
    );
    add(
        "reReplaceAll",
        Arc::new(|args: &[Value]| {
            arity("reReplaceAll", args, 3)?;
            let (p, r, t) = (str_arg(&args[0])?, str_arg(&args[1])?, str_arg(&args[2])?);
            // Prometheus uses regexp.MustCompile; text/template turns the
            // panic into this error.
            let re = compile_regex(p).map_err(|e| {
                err(
                    "reReplaceAll",
                    format!("regexp: Compile({}): {e}", go_quote(p)),
                )
            })?;
            match replace_all_capped(&re, t, r) {
                Some(out) => Ok(Value::String(out.into())),
                None => Err(too_long("reReplaceAll")),
            }
        }),
    );
    add(
        "match",
        Arc::new(|args: &[Value]| {
            arity("match", args, 2)?;
            let (p, t) = (str_arg(&args[0])?, str_arg(&args[1])?);
            let re = compile_regex(p).map_err(|e| err("match", e))?;
            Ok(Value::Bool(re.is_match(t)))
        }),
    );
    add("safeHtml", string_fn("safeHtml", str::to_string));
    add("title", string_fn("title", title));
    add(
        "toUpper",
        string_fn("toUpper", |s| s.chars().map(simple_upper).collect()),
    );
    add(
        "toLower",
        string_fn("toLower", |s| s.chars().map(simple_lower).collect()),
    );
    add("graphLink", string_fn("graphLink", |e| expr_link(e, 0)));
    add("tableLink", string_fn("tableLink", |e| expr_link(e, 1)));
    add(
        "urlQueryEscape",
        string_fn("urlQueryEscape", gotmpl::url_encode),
    );
    add(
        "stripPort",
        string_fn("stripPort", |hp| {
            split_host_port(hp).map_or(hp, |(h, _)| h).to_string()
        }),
    );
    add("stripDomain", string_fn("stripDomain", strip_domain));
    add(
        "sortByLabel",
        Arc::new(|args: &[Value]| {
            arity("sortByLabel", args, 2)?;
            let l = str_arg(&args[0])?;
            let Value::List(items) = &args[1] else {
                return Err(wrong_type("template.queryResult", &args[1]));
            };
            let key = |v: &Value| -> String {
                match v {
                    Value::Map(m) => match m.get("Labels") {
                        Some(Value::Map(ls)) => match ls.get(l) {
                            Some(Value::String(s)) => s.to_string(),
                            _ => String::new(),
                        },
                        _ => String::new(),
                    },
                    _ => String::new(),
                }
            };
            let mut v: Vec<Value> = items.to_vec();
            // Vec::sort_by_key is stable, like Go's sort.Stable.
            v.sort_by_key(key);
            Ok(Value::List(v.into()))
        }),
    );
    add(
        "humanize",
        numeric("humanize", |v| Ok(Value::String(humanize(v).into()))),
    );
    add(
        "humanize1024",
        numeric("humanize1024", |v| {
            Ok(Value::String(humanize1024(v).into()))
        }),
    );
    add(
        "humanizeDuration",
        numeric("humanizeDuration", |v| {
            Ok(Value::String(humanize_duration(v).into()))
        }),
    );
    add(
        "humanizePercentage",
        numeric("humanizePercentage", |v| {
            Ok(Value::String(
                format!("{}%", format_g(v * 100.0, Some(4))).into(),
            ))
        }),
    );
    add(
        "humanizeTimestamp",
        numeric("humanizeTimestamp", |v| {
            Ok(Value::String(match float_to_time(v)? {
                Some(t) => t.to_go_string().into(),
                None => format_g(v, Some(4)).into(),
            }))
        }),
    );
    add(
        "toTime",
        numeric("toTime", |v| match float_to_time(v)? {
            Some(t) => Ok(Value::String(t.to_go_string().into())),
            None => Err("value is NaN or Inf".to_string()),
        }),
    );
    add(
        "toDuration",
        numeric("toDuration", |v| {
            Ok(Value::String(duration_string(go_int64(v * 1e9)).into()))
        }),
    );
    let eval_time = env.eval_time;
    add(
        "now",
        Arc::new(move |args: &[Value]| {
            arity("now", args, 0)?;
            Ok(Value::Float(eval_time))
        }),
    );
    let path = url_path(&env.external_url);
    add(
        "pathPrefix",
        Arc::new(move |args: &[Value]| {
            arity("pathPrefix", args, 0)?;
            Ok(Value::String(path.as_str().into()))
        }),
    );
    let ext = env.external_url;
    add(
        "externalURL",
        Arc::new(move |args: &[Value]| {
            arity("externalURL", args, 0)?;
            Ok(Value::String(ext.as_str().into()))
        }),
    );
    add(
        "parseDuration",
        Arc::new(|args: &[Value]| {
            arity("parseDuration", args, 1)?;
            let s = str_arg(&args[0])?;
            Ok(Value::Float(
                parse_prom_duration(s).map_err(|e| err("parseDuration", e))?,
            ))
        }),
    );
    add(
        FIELD_FN,
        Arc::new(|args: &[Value]| {
            let Some((base, names)) = args.split_first() else {
                return Ok(Value::Nil);
            };
            let mut v = base.clone();
            for n in names {
                v = field(&v, str_arg(n)?)?;
            }
            Ok(v)
        }),
    );
    add(
        PRINT_FN,
        Arc::new(|args: &[Value]| match args {
            [Value::Float(f)] => Ok(Value::String(Arc::from(format_g(*f, None).as_str()))),
            [v] => Ok(v.clone()),
            _ => Err(TemplateError::Exec("bad print call".to_string())),
        }),
    );
    add(
        METHOD_FN,
        Arc::new(|args: &[Value]| match args {
            [Value::String(name), recv, rest @ ..] => method(name, recv, rest),
            _ => Err(TemplateError::Exec("bad method call".to_string())),
        }),
    );
    // Go's own formatting and escaping functions build strings too: replaced by gotmpl's,
    // called with the size checked before and after.
    for name in ["print", "printf", "println", "html", "js", "urlquery"] {
        add(name, builtin_capped(name));
    }
    m.into_iter()
        .map(|(k, f)| {
            let f = cap_result(k.clone(), f);
            (k, f as gotmpl::ValueFunc)
        })
        .collect()
}

/// The error of a function whose result would pass [`super::MAX_STRING_BYTES`].
fn too_long(name: &str) -> TemplateError {
    err(
        name,
        format!(
            "result longer than {} bytes, the limit of a string a template builds",
            super::MAX_STRING_BYTES
        ),
    )
}

/// `f` with its string results held to [`super::MAX_STRING_BYTES`].
fn cap_result(name: String, f: Func) -> Func {
    Arc::new(move |args: &[Value]| {
        let v = f(args)?;
        match &v {
            Value::String(s) if s.len() > super::MAX_STRING_BYTES => Err(too_long(&name)),
            _ => Ok(v),
        }
    })
}

/// Bytes an argument adds to what a print function writes (its formatted length; only lists
/// and maps, from `query` results, need formatting to know).
fn printed_len(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Uint(_) | Value::Float(_) => 32,
        other => format!("{other}").len(),
    }
}

/// gotmpl's builtin `name`, refused before it runs when its result could pass the limit by
/// far (Go's `printf` pads up to 65535 characters a verb, escaping makes text up to six
/// times longer), and checked after.
fn builtin_capped(name: &'static str) -> Func {
    Arc::new(move |args: &[Value]| {
        let input: usize = args.iter().map(printed_len).sum();
        let bound = match (name, args.first()) {
            ("printf", Some(Value::String(f))) => input.saturating_add(padding_bound(f)),
            ("html" | "js" | "urlquery", _) => input.saturating_mul(6),
            _ => input.saturating_add(args.len()),
        };
        if bound > 4 * super::MAX_STRING_BYTES {
            return Err(too_long(name));
        }
        call_builtin(name, args)
    })
}

/// The most a `printf` format adds to its arguments: each verb's width or precision (Go
/// and gotmpl stop at 65535; `*` takes one from the arguments), plus what a number prints.
fn padding_bound(format: &str) -> usize {
    let b = format.as_bytes();
    let mut total = format.len();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        let mut widest = 0usize;
        let mut number = 0usize;
        while i < b.len() && !b[i].is_ascii_alphabetic() && b[i] != b'%' {
            match b[i] {
                b'0'..=b'9' => {
                    number = (number * 10 + usize::from(b[i] - b'0')).min(65_535);
                    widest = widest.max(number);
                }
                b'*' => widest = 65_535,
                _ => number = 0,
            }
            i += 1;
        }
        i += 1;
        total = total.saturating_add(widest + 32);
    }
    total
}

/// Calls gotmpl's builtin `name` (hidden once a function of that name is registered)
/// through a template of one action that applies it to the arguments.
fn call_builtin(name: &str, args: &[Value]) -> Result<Value, TemplateError> {
    use std::fmt::Write as _;
    let mut src = format!("{{{{{name}");
    for i in 0..args.len() {
        let _ = write!(src, " (index . {i})");
    }
    src.push_str("}}");
    let t = gotmpl::Template::new("builtin").parse(&src)?;
    match t.execute_to_string(&Value::List(args.to_vec().into())) {
        Ok(s) => Ok(Value::String(s.into())),
        // The builtin's own message, without the helper template's position.
        Err(TemplateError::Exec(m)) => Err(TemplateError::Exec(
            m.rsplit_once(&format!("error calling {name}: "))
                .map_or(m.clone(), |(_, rest)| {
                    format!("error calling {name}: {rest}")
                }),
        )),
        Err(e) => Err(e),
    }
}

/// `re.replace_all(text, rep)` (the same `$name` expansion), stopping as soon as the result
/// passes [`super::MAX_STRING_BYTES`].
fn replace_all_capped(re: &regex::Regex, text: &str, rep: &str) -> Option<String> {
    let mut out = String::new();
    let mut last = 0;
    for caps in re.captures_iter(text) {
        let m = caps.get(0).expect("group 0");
        out.push_str(&text[last..m.start()]);
        caps.expand(rep, &mut out);
        last = m.end();
        if out.len() > super::MAX_STRING_BYTES {
            return None;
        }
    }
    out.push_str(&text[last..]);
    (out.len() <= super::MAX_STRING_BYTES).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_host_port_like_go() {
        assert_eq!(split_host_port("foo:1"), Some(("foo", "1")));
        assert_eq!(split_host_port("[::1]:1"), Some(("::1", "1")));
        assert_eq!(split_host_port("::1"), None);
        assert_eq!(split_host_port("[2001:0DB8::1]::12345"), None);
        assert_eq!(split_host_port("foo"), None);
    }

    #[test]
    fn prom_duration() {
        assert_eq!(parse_prom_duration("1h2m10ms"), Ok(3720.01));
        assert_eq!(parse_prom_duration("0"), Ok(0.0));
        assert_eq!(parse_prom_duration("-30m"), Ok(-1800.0));
        assert_eq!(parse_prom_duration("1y"), Ok(31_536_000.0));
        assert_eq!(
            parse_prom_duration("1m1h"),
            Err(r#"not a valid duration string: "1m1h""#.to_string())
        );
        assert!(parse_prom_duration("").is_err());
        assert!(parse_prom_duration("5").is_err());
        assert!(parse_prom_duration("99999999999999999999y").is_err());
    }

    #[test]
    fn regex_classes_are_ascii_like_go() {
        let re = compile_regex(r"^\d+$");
        assert!(re.as_ref().is_ok_and(|r| r.is_match("123")));
        assert!(re.as_ref().is_ok_and(|r| !r.is_match("١٢٣")));
        assert!(compile_regex(r"[\d.]+").is_ok_and(|r| r.is_match("1.5")));
        assert!(compile_regex(r"[]a]").is_ok_and(|r| r.is_match("]")));
        assert!(compile_regex("(").is_err());
    }

    #[test]
    fn url_path_of_external_url() {
        assert_eq!(url_path("http://testhost:9090/path/prefix"), "/path/prefix");
        assert_eq!(url_path("http://testhost:9090"), "");
        assert_eq!(url_path("https://h/a%20b?x=1#f"), "/a b");
        assert_eq!(url_path(""), "");
    }

    #[test]
    fn title_like_go() {
        assert_eq!(title("aa bb CC"), "Aa Bb CC");
        assert_eq!(title("hello_world foo-bar"), "Hello_world Foo-Bar");
    }
}
