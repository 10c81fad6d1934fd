//! alertlint's own PromQL front end: a lexer, a parser and a printer for the Prometheus 3.x
//! expression language, written from Prometheus' grammar (`promql/parser` in
//! prometheus/prometheus) rather than wrapping another parser.
//!
//! - [`parse`] / [`parse_with`] turn text into an [`Expr`] whose every node and every
//!   token a diagnostic may name carries its byte [`Span`], or into every [`SyntaxError`]
//!   found (each positioned; the parser goes on after a bad argument or matcher).
//! - The checks Prometheus runs after parsing (operand and argument types, `bool` only on
//!   comparisons, set operators only between vectors, a selector must not match every
//!   series...) run on a tree that parsed, with Prometheus' messages.
//! - [`Expr`]'s `Display` writes the canonical single-line form Prometheus' printer writes.
//!
//! Experimental syntax (experimental functions and `limitk`/`limit_ratio`, duration
//! expressions, `anchored`/`smoothed`, `fill` modifiers) is refused unless [`Options`]
//! enables it, as Prometheus refuses it unless its feature flag is on.
//!
//! Hostile input is refused with a positioned error rather than a crash: nesting deeper
//! than [`MAX_DEPTH`] (measured as alertlint's earlier front end, `promql-parser`, measured
//! it, so that no verdict changed with the switch), numbers out of `float64` range,
//! durations out of `int64` nanoseconds, regexes that do not compile. Lexing and parsing are
//! linear in the text.

mod ast;
mod check;
mod lexer;
pub(crate) mod literal;
mod parser;
mod printer;
mod regex_cache;
mod signatures;

#[cfg(test)]
mod tests;

pub use ast::*;
pub(crate) use regex_cache::matcher_regex;
pub use signatures::{FUNCTIONS, Function, function};

/// Deepest nesting the parser accepts. Every opening bracket counts one level, and so does
/// every operator in a chain of binary or unary operations (`a or b or c` is nested three
/// deep: the tree is `((a or b) or c)`). Real rules stay far below it (the deepest in the
/// corpora alertlint is tested on is under 30); the evaluator, the checks and the parser's
/// own tree handling recurse per level and are measured to fit in the smallest stack they run
/// on (a 2 MiB test thread, debug build) at this depth.
pub const MAX_DEPTH: usize = 1000;
use std::fmt;

/// A byte range in the parsed text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// From this span's start to `other`'s end.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn is_empty(self) -> bool {
        self.start >= self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// Which experimental parts of the language to accept (Prometheus' feature flags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `promql-experimental-functions`: experimental functions, `limitk`, `limit_ratio`.
    pub experimental_functions: bool,
    /// `promql-duration-expr`: `[5m+1m]`, `offset step()`, `min_of`/`max_of`...
    pub duration_expressions: bool,
    /// `promql-extended-range-selectors`: `anchored` and `smoothed`.
    pub extended_range_selectors: bool,
    /// `promql-binop-fill-modifiers`: `fill`, `fill_left`, `fill_right`.
    pub binop_fill_modifiers: bool,
    /// Prometheus 2.x's function names rather than 3.x's: `holt_winters` is known (not
    /// experimental), `double_exponential_smoothing`, its 3.0 name (prometheus#14930), is not.
    /// Not a feature flag: [`Options::all`] leaves it off.
    pub v2_function_names: bool,
}

/// The names of Prometheus' `--enable-feature` flags that [`Options`] stands for, in the
/// order of its fields.
pub const FEATURES: [&str; 4] = [
    "promql-experimental-functions",
    "promql-duration-expr",
    "promql-extended-range-selectors",
    "promql-binop-fill-modifiers",
];

impl Options {
    /// Turns on the feature Prometheus enables with `--enable-feature=<name>` (one of
    /// [`FEATURES`]); `false` for a name that is not one.
    pub fn enable(&mut self, name: &str) -> bool {
        let flag = match name {
            "promql-experimental-functions" => &mut self.experimental_functions,
            "promql-duration-expr" => &mut self.duration_expressions,
            "promql-extended-range-selectors" => &mut self.extended_range_selectors,
            "promql-binop-fill-modifiers" => &mut self.binop_fill_modifiers,
            _ => return false,
        };
        *flag = true;
        true
    }

    /// Everything experimental enabled.
    pub fn all() -> Options {
        Options {
            experimental_functions: true,
            duration_expressions: true,
            extended_range_selectors: true,
            binop_fill_modifiers: true,
            v2_function_names: false,
        }
    }
}

/// A syntax or type error, with the span of the text it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// Parses with Prometheus' defaults (no experimental syntax).
pub fn parse(text: &str) -> Result<Expr, Vec<SyntaxError>> {
    parse_with(text, &Options::default())
}

/// Parses `text`; on failure, every error found (at least one), in the order Prometheus
/// finds them: syntax errors in the order of the text; type errors only when the syntax is
/// right, outermost first.
pub fn parse_with(text: &str, opts: &Options) -> Result<Expr, Vec<SyntaxError>> {
    let lexed = lexer::lex(text);
    if let Some(e) = depth_error(&lexed.tokens) {
        return Err(vec![e]);
    }
    let mut p = parser::Parser::new(text, &lexed.tokens, lexed.error.as_ref(), opts);
    let expr = p.parse_top();
    let mut errors = std::mem::take(&mut p.errors);
    match expr {
        Some(expr) if errors.is_empty() => {
            check::check(&expr, &mut errors);
            if errors.is_empty() {
                return Ok(expr);
            }
        }
        _ => {}
    }
    if errors.is_empty() {
        // Cannot happen: parsing stops only at a recorded error.
        errors.push(SyntaxError {
            message: "invalid expression".to_string(),
            span: Span::new(0, text.len()),
        });
    }
    Err(errors)
}

/// Checks a matcher's regex as Prometheus compiles it: anchored, `.` matching newlines.
/// Parsing it is enough to find a syntax error; only a regex that could compile to
/// something big (long, or with large repetitions) is compiled, to find out whether it
/// goes over the size limit. Compiling every regex would take most of the parse time.
pub(crate) fn check_matcher_regex(re: &str) -> Result<(), String> {
    if plainly_valid(re) {
        return Ok(());
    }
    let translated = unquote_go_regex(re);
    let pattern = format!("^(?s:{translated})$");
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(&pattern)
        .map_err(|e| regex_error(&e.to_string(), re))?;
    if pattern.len() > 1000 || weight(&hir) > 1000 {
        compile_matcher_regex(re)?;
    }
    Ok(())
}

/// Whether a regex is made only of what needs no parser to be known valid: literal
/// characters, `.`, `|`, and `*` or `+` after a literal character or `.` (`foo|bar.*`,
/// `5..`, `prod-.+`), as most matcher regexes are.
fn plainly_valid(re: &str) -> bool {
    let mut after_atom = false;
    for c in re.bytes() {
        after_atom = match c {
            b'*' | b'+' if after_atom => false,
            b'|' => false,
            c if c.is_ascii_alphanumeric() || b"_-:/ ,=@%.".contains(&c) => true,
            _ => return false,
        };
    }
    true
}

/// Whether a matcher's regex matches the empty string (the value of a label a series does
/// not have), from its parsed form when that says (a shortest match of length zero with no
/// look-around but the anchors), by running it otherwise. A regex that does not compile
/// matches nothing.
pub fn regex_matches_empty(re: &str) -> bool {
    use regex_syntax::hir::{Look, LookSet};
    let translated = unquote_go_regex(re);
    let pattern = format!("^(?s:{translated})$");
    if let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(&pattern) {
        let props = hir.properties();
        match props.minimum_len() {
            Some(n) if n > 0 => return false,
            None => return false,
            Some(_) => {
                let anchors = LookSet::empty().insert(Look::Start).insert(Look::End);
                if props.look_set().subtract(anchors).is_empty() {
                    return true;
                }
            }
        }
    }
    compile_matcher_regex(re).is_ok_and(|r| r.is_match(""))
}

/// Whether a matcher's regex, anchored as Prometheus anchors it, certainly matches every
/// string, the empty one included: `.*`, `(.*)`, `.*|foo`, `(?s).*`, `.*.*`... Decided from
/// the regex's structure, conservatively: `false` whenever that is not plain (`[\s\S]*` is
/// not recognised), and for a regex that does not parse.
pub fn regex_matches_everything(re: &str) -> bool {
    let translated = unquote_go_regex(re);
    regex_syntax::ParserBuilder::new()
        .dot_matches_new_line(true)
        .build()
        .parse(&translated)
        .is_ok_and(|hir| matches_everything(&hir))
}

fn matches_everything(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Repetition(r) => {
            let any_char = matches!(r.sub.kind(), HirKind::Class(Class::Unicode(c))
                if c.ranges().len() == 1
                    && c.ranges()[0].start() == '\0'
                    && c.ranges()[0].end() == char::MAX);
            // `.*`, or something matching everything repeated up to once or more (`(.*)?`).
            r.min <= 1
                && r.max != Some(0)
                && (r.min == 0 && r.max.is_none() && any_char || matches_everything(&r.sub))
        }
        HirKind::Capture(c) => matches_everything(&c.sub),
        HirKind::Alternation(hs) => hs.iter().any(matches_everything),
        HirKind::Concat(hs) => !hs.is_empty() && hs.iter().all(matches_everything),
        _ => false,
    }
}

/// Whether a matcher's regex matches only the empty string, or nothing at all (`""`, `()`,
/// `^$`): a series it selects does not have the label. `false` for a regex that does not
/// parse.
pub fn regex_matches_only_empty(re: &str) -> bool {
    let translated = unquote_go_regex(re);
    regex_syntax::ParserBuilder::new()
        .dot_matches_new_line(true)
        .build()
        .parse(&translated)
        .is_ok_and(|hir| hir.properties().maximum_len() == Some(0))
}

/// Whether a matcher's regex, anchored as Prometheus anchors it, matches `value`; `None`
/// when it does not compile. Compiled once per pattern (checks and the simulation ask of
/// the same matchers again and again).
pub fn matcher_regex_matches(re: &str, value: &str) -> Option<bool> {
    regex_cache::matcher_regex(re, true)
        .ok()
        .map(|r| r.is_match(value))
}

/// Roughly how many times the regex's pieces are repeated once compiled.
fn weight(hir: &regex_syntax::hir::Hir) -> u64 {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Repetition(r) => {
            let times = u64::from(r.max.unwrap_or(r.min).max(r.min).max(1));
            weight(&r.sub).saturating_mul(times)
        }
        HirKind::Capture(c) => weight(&c.sub),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => {
            hs.iter().map(weight).fold(0u64, u64::saturating_add)
        }
        _ => 1,
    }
}

/// A matcher's regex compiled as Prometheus compiles it: anchored, `.` matching newlines.
/// Go's `\Q...\E` quoting, which the `regex` crate lacks, is turned into escapes first.
pub fn compile_matcher_regex(re: &str) -> Result<regex::Regex, String> {
    compile_matcher_regex_as(re, true)
}

/// [`compile_matcher_regex`], or as Prometheus 2.x compiled it (`^(?:re)$`, `.` not matching
/// a newline) unless `dot_matches_newline`.
pub(crate) fn compile_matcher_regex_as(
    re: &str,
    dot_matches_newline: bool,
) -> Result<regex::Regex, String> {
    let translated = unquote_go_regex(re);
    let flags = if dot_matches_newline { "s" } else { "" };
    regex::Regex::new(&format!("^(?{flags}:{translated})$")).map_err(|e| match &e {
        regex::Error::Syntax(s) => regex_error(s, re),
        regex::Error::CompiledTooBig(limit) => format!(
            "error parsing regexp: compiled regex exceeds the size limit of {limit} bytes: `{re}`"
        ),
        other => format!("error parsing regexp: {other}: `{re}`"),
    })
}

/// Prometheus' wording around the `regex` crate's description of a syntax error.
fn regex_error(description: &str, re: &str) -> String {
    let detail = description
        .lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map_or_else(
            || description.to_string(),
            |l| l.trim_start_matches("error:").trim().to_string(),
        );
    format!("error parsing regexp: {detail}: `{re}`")
}

/// Replaces Go's `\Q...\E` (everything between taken literally; `\E` optional at the end)
/// with escaped text.
fn unquote_go_regex(re: &str) -> std::borrow::Cow<'_, str> {
    if !re.contains("\\Q") {
        return std::borrow::Cow::Borrowed(re);
    }
    let mut out = String::with_capacity(re.len() + 8);
    let mut rest = re;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.chars().next() {
            Some('Q') => {
                let quoted = &after[1..];
                let (lit, next) = match quoted.find("\\E") {
                    Some(j) => (&quoted[..j], &quoted[j + 2..]),
                    None => (quoted, ""),
                };
                out.push_str(&regex::escape(lit));
                rest = next;
            }
            Some(c) => {
                out.push('\\');
                out.push(c);
                rest = &after[c.len_utf8()..];
            }
            None => {
                out.push('\\');
                rest = "";
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Refuses text nested deeper than [`MAX_DEPTH`], measured as alertlint's earlier front end
/// (`promql-parser`) measured it, so that no verdict changed with the switch: each open
/// bracket is one level, and so is each operator in the chain of operators of the current
/// bracket (a comma starts a new chain).
fn depth_error(tokens: &[lexer::Token]) -> Option<SyntaxError> {
    use lexer::{Kw, Tok};
    let mut levels: Vec<usize> = vec![0];
    let mut depth = 1usize;
    let mut in_braces = false;
    for t in tokens {
        // Matchers do not nest: nothing between braces counts.
        match t.tok {
            Tok::LBrace => in_braces = true,
            Tok::RBrace => in_braces = false,
            _ if in_braces => continue,
            _ => {}
        }
        match t.tok {
            Tok::LParen | Tok::LBracket => {
                levels.push(0);
                depth += 1;
            }
            Tok::RParen | Tok::RBracket if levels.len() > 1 => {
                depth -= 1 + levels.pop().unwrap_or(0);
            }
            Tok::Comma => {
                if let Some(ops) = levels.last_mut() {
                    depth -= *ops;
                    *ops = 0;
                }
            }
            Tok::Op(_) | Tok::Kw(Kw::And | Kw::Or | Kw::Unless | Kw::Atan2) => {
                if let Some(ops) = levels.last_mut() {
                    *ops += 1;
                }
                depth += 1;
            }
            _ => {}
        }
        if depth > MAX_DEPTH {
            return Some(SyntaxError {
                message: format!("expression nested deeper than {MAX_DEPTH} levels"),
                span: t.span,
            });
        }
    }
    None
}
