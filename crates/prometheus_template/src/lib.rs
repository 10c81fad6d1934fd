//! Prometheus alert label/annotation templates: parse checks for the linter
//! and expansion for the unit-test runner.
//!
//! Prometheus (`rules/alerting.go`, `model/rulefmt`) prepends a header that
//! binds `$labels`, `$externalLabels`, `$externalURL` and `$value` to each
//! label/annotation text, then parses and runs it as a Go `text/template`
//! (option `missingkey=zero`) with the functions of `template/template.go`.
//! This module does the same on top of the `gotmpl` crate and maps error
//! positions back to the user's text.

mod ast;
mod funcs;
mod gofmt;
mod gotime;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc;

use gotmpl::parse::{DefineNode, ListNode, Parser};
use gotmpl::{Template, TemplateError, Value};

pub use gofmt::format_g;

/// The most a template may write, and the longest string any function in it may return:
/// Prometheus has no limit, but an alert label or annotation over a mebibyte is a runaway
/// template (nested `reReplaceAll`, `printf` of its own output), not a message.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

/// See [`MAX_OUTPUT_BYTES`].
pub const MAX_STRING_BYTES: usize = MAX_OUTPUT_BYTES;

/// Exactly the header Prometheus prepends (no newline, so lines keep their
/// numbers and only the first line's columns shift).
pub const HEADER: &str = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/// The variables [`HEADER`] declares: what a syntax check takes as declared instead of
/// parsing the header in front of every template (three times the work of a short template).
const HEADER_VARIABLES: [&str; 4] = ["$labels", "$externalLabels", "$externalURL", "$value"];

/// A template syntax error, positioned in the user's text (header excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// Byte offset into the checked text.
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for TemplateSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for TemplateSyntaxError {}

/// One sample of a `query` result.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResultSample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The `query` callback: PromQL text in, instant-vector samples out.
pub type QueryFn<'a> = &'a dyn Fn(&str) -> Result<Vec<QueryResultSample>, String>;

/// What an alert template sees when it is expanded.
pub struct TemplateContext<'a> {
    pub labels: &'a BTreeMap<String, String>,
    pub external_labels: &'a BTreeMap<String, String>,
    pub external_url: &'a str,
    /// The alert's sample value (`$value`).
    pub value: f64,
    /// Backs the `query` function; without it `query` fails at execution.
    pub query: Option<QueryFn<'a>>,
}

/// Stack of the thread a template executes on while its queries are answered: as much as a
/// main thread's, for deeply nested templates (a spawned thread gets a quarter of that).
const STACK_BYTES: usize = 8 << 20;

/// Is `name` callable in a Prometheus alert template?
pub fn is_template_function(name: &str) -> bool {
    funcs::GO_BUILTINS.contains(&name) || funcs::PROMETHEUS_FUNCS.contains(&name)
}

/// Byte offset in `src` of a 1-based (line, column-in-chars) position.
fn offset_of(src: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match src[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    src[start..]
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(src.len(), |(i, _)| start + i)
}

/// 1-based (line, column-in-chars) of a byte offset in `src`.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(src.len());
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    let before = &src[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// A parse failure, positioned as a byte offset into the parsed text.
struct ParseFailure {
    offset: usize,
    message: String,
}

struct Parsed {
    tree: ListNode,
    defines: Vec<DefineNode>,
}

/// Where gotmpl's parser accepts what Go's `text/template` rejects, found by
/// scanning the actions (quote- and comment-aware) before gotmpl parses:
/// * Go's lexer only skips ASCII spaces inside an action and rejects other
///   whitespace such as U+00A0; gotmpl skips all Unicode whitespace.
/// * A `{{end}}` or `{{else}}` outside any block is "unexpected" in Go;
///   gotmpl ends its top-level list there and silently drops the rest.
fn lexical_failure(full: &str) -> Option<ParseFailure> {
    let mut rest = full;
    let mut base = 0;
    // Open `if`/`range`/`with`/`define`/`block` actions.
    let mut depth = 0usize;
    while let Some(open) = rest.find("{{") {
        let inner_start = base + open + 2;
        let keyword = action_keyword(&full[inner_start..]);
        match keyword {
            "if" | "range" | "with" | "define" | "block" => depth += 1,
            "end" | "else" if depth == 0 => {
                return Some(ParseFailure {
                    offset: base + open,
                    message: format!("unexpected {{{{{keyword}}}}}"),
                });
            }
            "end" => depth -= 1,
            _ => {}
        }
        let mut quote: Option<char> = None;
        let mut escaped = false;
        let mut end = full.len();
        let mut iter = full[inner_start..].char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            let at = inner_start + i;
            if let Some(q) = quote {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q != '`' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            } else {
                if full[at..].starts_with("}}") {
                    end = at + 2;
                    break;
                }
                if full[at..].starts_with("/*") {
                    match full[at..].find("*/") {
                        Some(j) => {
                            while iter
                                .peek()
                                .is_some_and(|(k, _)| inner_start + k < at + j + 2)
                            {
                                iter.next();
                            }
                            continue;
                        }
                        None => return None,
                    }
                }
                if matches!(c, '"' | '`' | '\'') {
                    quote = Some(c);
                } else if c.is_whitespace() && !matches!(c, ' ' | '\t' | '\r' | '\n') {
                    return Some(ParseFailure {
                        offset: at,
                        message: format!("unrecognized character in action: U+{:04X}", c as u32),
                    });
                }
            }
        }
        if end >= full.len() {
            return None;
        }
        base = end;
        rest = &full[end..];
    }
    None
}

/// The keyword an action starts with (`if`, `end`, ...), after an optional
/// trim marker and spaces; empty when it starts with anything else.
fn action_keyword(inner: &str) -> &str {
    let inner = match inner.strip_prefix('-') {
        Some(after) if after.starts_with([' ', '\t', '\r', '\n']) => after,
        _ => inner,
    };
    let inner = inner.trim_start_matches([' ', '\t', '\r', '\n']);
    let len = inner
        .find(|c: char| !c.is_ascii_lowercase())
        .unwrap_or(inner.len());
    &inner[..len]
}

/// Parses like Go's `text/template` Parse with Prometheus' function set:
/// gotmpl's syntax check, then Go's parse-time name checks, with `declared` (besides `$`)
/// in scope in the main body as if declared before it.
fn parse(text: &str, declared: &[&str]) -> Result<Parsed, ParseFailure> {
    if let Some(f) = lexical_failure(text) {
        return Err(f);
    }
    let parsed = Parser::with_name(None, text, "{{", "}}").and_then(Parser::parse);
    let (tree, defines) = match parsed {
        Ok(p) => p,
        Err(
            TemplateError::Parse {
                line, col, message, ..
            }
            | TemplateError::Lex {
                line, col, message, ..
            },
        ) => {
            let offset = if line == 0 {
                0
            } else {
                offset_of(text, line, col)
            };
            // gotmpl reports a bare "{{" at the end of input as an empty
            // command; Go's lexer (and so Prometheus) says "unclosed action".
            let message = if offset >= text.len() && message == "empty command" {
                "unclosed action".to_string()
            } else {
                message
            };
            return Err(ParseFailure { offset, message });
        }
        Err(other) => {
            return Err(ParseFailure {
                offset: 0,
                message: other.to_string(),
            });
        }
    };
    let mut first: Option<ast::Found> = None;
    // `{{define}}` bodies start with only `$` in scope.
    let trees =
        std::iter::once((&tree, declared)).chain(defines.iter().map(|d| (&d.body, &[][..])));
    for (t, declared) in trees {
        if let Err(f) = ast::check(t, &is_template_function, declared)
            && first.as_ref().is_none_or(|p| f.offset < p.offset)
        {
            first = Some(f);
        }
    }
    match first {
        Some(f) => Err(ParseFailure {
            offset: f.offset,
            message: f.message,
        }),
        None => Ok(Parsed { tree, defines }),
    }
}

/// Checks an alert label/annotation template the way Prometheus does when it
/// loads rules (`rulefmt` `testTemplateParsing`), including undefined
/// functions and variables.
pub fn check_syntax(src: &str) -> Result<(), TemplateSyntaxError> {
    if plainly_valid(src) {
        return Ok(());
    }
    // The header only declares its variables: the same verdict and positions as parsing
    // `HEADER + src` (it has no newline and opens no block), without parsing it each time.
    match parse(src, &HEADER_VARIABLES) {
        Ok(_) => Ok(()),
        Err(f) => {
            let offset = f.offset.min(src.len());
            let (line, col) = line_col(src, offset);
            Err(TemplateSyntaxError {
                line,
                col,
                offset,
                message: f.message,
            })
        }
    }
}

/// Where each action `{{ ... }}` of `src` is, delimiters included, as a plain reading finds
/// them: each `{{` up to the next `}}` (a `}}` inside a quoted string ends it too). For
/// checks that look into actions without parsing the template.
pub fn action_spans(src: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let open = from + src[from..].find("{{")?;
        let close = open + 2 + src[open + 2..].find("}}")?;
        from = close + 2;
        Some(open..from)
    })
}

/// Whether every action of `src` is one Go's parser accepts on sight, as most alert templates'
/// are: a header variable or `.Labels`/`.Value`, with at most one field (`$labels.job`,
/// `.Labels.pod`), piped into known functions without arguments (`$value | humanize`), spaces
/// around. Such a template needs no parse to be known valid; anything else (comments, trim
/// markers, strings, blocks, unknown names) is parsed. Parsing would be most of `check`'s
/// template work.
fn plainly_valid(src: &str) -> bool {
    fn ident(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_alphabetic() || b[0] == b'_')
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
    }
    fn operand(s: &str) -> bool {
        let (base, field) = match s.find('.').filter(|&i| i > 0) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => match s.strip_prefix(".Labels.") {
                Some(f) => (".Labels", Some(f)),
                None => (s, None),
            },
        };
        let known = HEADER_VARIABLES.contains(&base) || matches!(base, ".Labels" | ".Value");
        known && field.is_none_or(ident)
    }
    let mut end = 0;
    for action in action_spans(src) {
        end = action.end;
        let inner = &src[action.start + 2..action.end - 2];
        let space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
        let mut commands = inner.split('|').map(|c| c.trim_matches(space));
        let first = commands.next().unwrap_or("");
        // `{{-` and `-}}` (trim markers), `{{/*` (comments): not a plain action.
        if !operand(first) || inner.starts_with(['-', '/']) || inner.ends_with('-') {
            return false;
        }
        if !commands.all(|f| ident(f) && is_template_function(f)) {
            return false;
        }
    }
    // An unclosed action after the last one.
    !src[end..].contains("{{")
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    Value::Map(Arc::new(
        m.iter()
            .map(|(k, v)| (Arc::from(k.as_str()), Value::String(Arc::from(v.as_str()))))
            .collect(),
    ))
}

fn exec_message(e: TemplateError) -> String {
    match e {
        TemplateError::Exec(m) => m,
        other => other.to_string(),
    }
}

/// Why a template could not be expanded. [`Display`](std::fmt::Display) reads like
/// Prometheus' message (`error parsing template ...`, `error executing template ...`), which
/// [`error_text`] turns into what Prometheus puts into the label/annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    /// The template named `name` does not parse: the reason, at its `line` (1-based).
    Parse {
        name: String,
        line: usize,
        message: String,
    },
    /// The template named `name` failed while executing (or could not be started).
    Exec { name: String, message: String },
    /// The output grew past [`MAX_OUTPUT_BYTES`].
    OutputTooLong { name: String },
    /// The template's execution panicked.
    Panic { name: String },
}

impl std::fmt::Display for ExpandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpandError::Parse {
                name,
                line,
                message,
            } => write!(
                f,
                "error parsing template {name}: template: {name}:{line}: {message}"
            ),
            ExpandError::Exec { name, message } => {
                write!(f, "error executing template {name}: {message}")
            }
            ExpandError::OutputTooLong { name } => write!(
                f,
                "error executing template {name}: output longer than {MAX_OUTPUT_BYTES} bytes, \
                 the limit of a template's output"
            ),
            ExpandError::Panic { name } => write!(f, "panic expanding template {name}"),
        }
    }
}

impl std::error::Error for ExpandError {}

/// Expands `src` as Prometheus expands an alert label/annotation named
/// `name` (Prometheus names the template `__alert_<alertname>`), with the
/// evaluation time for `now` at the Unix epoch; see [`expand_at`].
///
/// Errors read like Prometheus' (`error parsing template ...` /
/// `error executing template ...`); see [`error_text`] for what Prometheus
/// then puts into the label/annotation.
pub fn expand(name: &str, src: &str, ctx: &TemplateContext) -> Result<String, ExpandError> {
    expand_at(name, src, ctx, 0.0)
}

/// [`expand`] with the rule evaluation time (Unix seconds) that the `now`
/// function returns.
pub fn expand_at(
    name: &str,
    src: &str,
    ctx: &TemplateContext,
    eval_time: f64,
) -> Result<String, ExpandError> {
    let mut data = BTreeMap::new();
    data.insert(Arc::from("Labels"), string_map(ctx.labels));
    data.insert(Arc::from("ExternalLabels"), string_map(ctx.external_labels));
    data.insert(
        Arc::from("ExternalURL"),
        Value::String(Arc::from(ctx.external_url)),
    );
    data.insert(Arc::from("Value"), Value::Float(ctx.value));
    let data = Value::Map(Arc::new(data));
    render(name, &format!("{HEADER}{src}"), data, ctx, eval_time)
}

/// Parses and executes a complete template text (header included) on `data`.
fn render(
    name: &str,
    full: &str,
    data: Value,
    ctx: &TemplateContext,
    eval_time: f64,
) -> Result<String, ExpandError> {
    let parsed = parse(full, &[]).map_err(|f| {
        // Go's parse errors name only the line; the header adds none.
        let (line, _) = line_col(full, f.offset);
        ExpandError::Parse {
            name: name.to_string(),
            line,
            message: f.message,
        }
    })?;

    let build = |query: Option<mpsc::Sender<funcs::QueryRequest>>| {
        let env = funcs::FuncEnv {
            external_url: ctx.external_url.to_string(),
            eval_time,
            query,
        };
        let mut t = Template::new(name).funcs(funcs::func_map(env));
        for d in &parsed.defines {
            t = t.add_parse_tree(&d.name, ast::rewrite(d.body.clone()));
        }
        t.add_parse_tree(name, ast::rewrite(parsed.tree.clone()))
    };
    let run = move |t: Template| {
        let mut out = CappedOutput::default();
        match t.execute_template_fmt(&mut out, name, &data) {
            Ok(()) => Ok(out.text),
            Err(_) if out.over => Err(ExpandError::OutputTooLong {
                name: name.to_string(),
            }),
            Err(e) => Err(ExpandError::Exec {
                name: name.to_string(),
                message: exec_message(e),
            }),
        }
    };

    // A template can only call `query` by name: without it, no thread is needed to answer.
    let Some(query) = ctx.query.filter(|_| full.contains("query")) else {
        return run(build(None));
    };
    // gotmpl functions must be 'static, but the query callback is borrowed:
    // execute on a scoped thread and answer its queries here, on the caller's
    // thread, until the template (which owns every sender) is dropped.
    let (tx, rx) = mpsc::channel::<funcs::QueryRequest>();
    let tmpl = build(Some(tx));
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .stack_size(STACK_BYTES)
            .spawn_scoped(s, move || run(tmpl))
            .map_err(|e| ExpandError::Exec {
                name: name.to_string(),
                message: e.to_string(),
            })?;
        for (q, reply) in &rx {
            let _ = reply.send(query(&q));
        }
        worker.join().unwrap_or_else(|_| {
            Err(ExpandError::Panic {
                name: name.to_string(),
            })
        })
    })
}

/// Template output, refused past [`MAX_OUTPUT_BYTES`].
#[derive(Default)]
struct CappedOutput {
    text: String,
    over: bool,
}

impl std::fmt::Write for CappedOutput {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.text.len() + s.len() > MAX_OUTPUT_BYTES {
            self.over = true;
            return Err(std::fmt::Error);
        }
        self.text.push_str(s);
        Ok(())
    }
}

/// What Prometheus stores in a label/annotation whose expansion failed.
pub fn error_text(err: &ExpandError) -> String {
    format!("<error expanding template: {err}>")
}

/// A label or annotation of alert `alert` expanded as the rule manager expands it at
/// `eval_ms`: the template named `__alert_<alert>`, `now` the evaluation time, a failure
/// recorded as its [`error_text`]; text without an action as it is. `alertlint test`,
/// `backtest` and `simulate` all expand alerts' templates through this.
pub fn expand_alert_field(alert: &str, text: &str, ctx: &TemplateContext, eval_ms: i64) -> String {
    if !text.contains("{{") {
        return text.to_string();
    }
    expand_at(
        &format!("__alert_{alert}"),
        text,
        ctx,
        eval_ms as f64 / 1000.0,
    )
    .unwrap_or_else(|e| error_text(&e))
}

/// Expansion result as Prometheus records it: the text, or [`error_text`].
pub fn expand_or_error_text(name: &str, src: &str, ctx: &TemplateContext) -> String {
    expand(name, src, ctx).unwrap_or_else(|e| error_text(&e))
}

#[cfg(test)]
mod tests;
