//! Label matchers as Alertmanager parses and evaluates them (`pkg/labels` in
//! prometheus/alertmanager): the current string syntax (`team="ml"`, `!=`, `=~`, `!~`, quoted or
//! unquoted values, optional `{...}`, comma lists) and the legacy `match`/`match_re` maps.
//! Regular expressions are anchored (`^(?:re)$`) exactly as Alertmanager anchors them.

use alertlint_diagnostics::source::Span;
use regex::Regex;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchType {
    Equal,
    NotEqual,
    Regexp,
    NotRegexp,
}

impl MatchType {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Equal => "=",
            MatchType::NotEqual => "!=",
            MatchType::Regexp => "=~",
            MatchType::NotRegexp => "!~",
        }
    }
}

/// One matcher, with where it was written (the whole string or map entry it came from).
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchType,
    pub value: String,
    pub span: Span,
    re: Option<Regex>,
}

/// The labels of an alert, by name.
pub type LabelSet = BTreeMap<String, String>;

/// A regular expression (of `=~`, `!~` or `match_re`) that does not compile once anchored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRegex {
    /// The expression as written, unanchored.
    pub regex: String,
    /// Why: the last line of the regex crate's message.
    pub reason: String,
}

impl fmt::Display for InvalidRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid regular expression `{}`: {}",
            self.regex, self.reason
        )
    }
}

impl std::error::Error for InvalidRegex {}

/// Why a matcher string (`team="ml"`) is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatcherError {
    /// Not `name op value` (the matcher as written).
    BadFormat(String),
    /// A `"` inside the value, or a quoted value not closed (the value as written).
    UnescapedQuote(String),
    InvalidRegex(InvalidRegex),
}

impl fmt::Display for MatcherError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatcherError::BadFormat(s) => write!(f, "bad matcher format: {s}"),
            MatcherError::UnescapedQuote(raw) => {
                write!(f, "matcher value contains unescaped double quote: {raw}")
            }
            MatcherError::InvalidRegex(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for MatcherError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MatcherError::InvalidRegex(e) => Some(e),
            _ => None,
        }
    }
}

impl From<InvalidRegex> for MatcherError {
    fn from(e: InvalidRegex) -> Self {
        MatcherError::InvalidRegex(e)
    }
}

impl Matcher {
    /// A matcher; fails only for an invalid regular expression.
    pub fn new(
        op: MatchType,
        name: &str,
        value: &str,
        span: Span,
    ) -> Result<Matcher, InvalidRegex> {
        let re = match op {
            MatchType::Regexp | MatchType::NotRegexp => Some(compile_anchored(value)?),
            _ => None,
        };
        Ok(Matcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            span,
            re,
        })
    }

    /// Whether the matcher accepts this value (a missing label is the empty string).
    pub fn matches_value(&self, s: &str) -> bool {
        match self.op {
            MatchType::Equal => s == self.value,
            MatchType::NotEqual => s != self.value,
            MatchType::Regexp => self.re.as_ref().is_some_and(|r| r.is_match(s)),
            MatchType::NotRegexp => !self.re.as_ref().is_some_and(|r| r.is_match(s)),
        }
    }

    pub fn matches(&self, labels: &LabelSet) -> bool {
        self.matches_value(labels.get(&self.name).map_or("", String::as_str))
    }

    /// The finite set of values this matcher accepts, when it is obviously finite: an
    /// equality, or a regex that is an alternation of plain words (`a|b|c`).
    pub fn finite_values(&self) -> Option<Vec<String>> {
        match self.op {
            MatchType::Equal => Some(vec![self.value.clone()]),
            MatchType::Regexp => {
                let plain = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
                let body = self
                    .value
                    .strip_prefix('(')
                    .and_then(|v| v.strip_suffix(')'))
                    .unwrap_or(&self.value);
                body.split('|')
                    .map(|alt| alt.chars().all(plain).then(|| alt.to_string()))
                    .collect()
            }
            _ => None,
        }
    }
}

/// Alertmanager's `String()` form: `name="value"` with OpenMetrics escaping.
impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let escaped = self
            .value
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('"', "\\\"");
        write!(f, "{}{}\"{}\"", self.name, self.op.as_str(), escaped)
    }
}

/// `{a="b",c=~"d"}` for a list of matchers, as Alertmanager prints them.
pub fn display_list(ms: &[Matcher]) -> String {
    let parts: Vec<String> = ms.iter().map(ToString::to_string).collect();
    format!("{{{}}}", parts.join(","))
}

/// Whether every matcher accepts the label set.
pub(crate) fn all_match(ms: &[Matcher], labels: &LabelSet) -> bool {
    ms.iter().all(|m| m.matches(labels))
}

/// Compiles `^(?:re)$`, as Alertmanager does for `=~`, `!~` and `match_re`.
fn compile_anchored(re: &str) -> Result<Regex, InvalidRegex> {
    Regex::new(&format!("^(?:{re})$")).map_err(|e| {
        // The regex crate's message spans lines; its last line is the reason.
        let msg = e.to_string();
        InvalidRegex {
            regex: re.to_string(),
            reason: msg.lines().last().unwrap_or("").trim().to_string(),
        }
    })
}

/// Prometheus' label-name rule, which Alertmanager applies to `match`/`match_re` keys.
pub(crate) fn is_valid_label_name(s: &str) -> bool {
    crate::model::is_valid_label_name(s)
}

fn matcher_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // Go's `\s` is ASCII whitespace; `=~` before `=` so that `=~` is not read as `=`.
        Regex::new(
            r"^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*((?s).*?)[\t\n\f\r ]*$",
        )
        .unwrap_or_else(|_| unreachable!("static regex"))
    })
}

/// Parses a comma-separated list of matchers (`ParseMatchers`): an optional leading `{` and
/// trailing `}` are trimmed; commas inside double quotes do not separate.
pub fn parse_matchers(s: &str, span: Span) -> Result<Vec<Matcher>, MatcherError> {
    let s = s.strip_prefix('{').unwrap_or(s);
    let s = s.strip_suffix('}').unwrap_or(s);
    let mut inside_quotes = false;
    let mut escaped = false;
    let mut token = String::new();
    let mut tokens = Vec::new();
    for c in s.chars() {
        match c {
            ',' => {
                if !inside_quotes {
                    tokens.push(std::mem::take(&mut token));
                    continue;
                }
            }
            '"' => {
                if escaped {
                    escaped = false;
                } else {
                    inside_quotes = !inside_quotes;
                }
            }
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
        token.push(c);
    }
    let last = token.trim_matches(|c: char| c.is_whitespace());
    if !last.is_empty() {
        tokens.push(last.to_string());
    }
    tokens.iter().map(|t| parse_matcher(t, span)).collect()
}

/// Parses one matcher (`ParseMatcher`): a label name, an operator and a value that may be in
/// double quotes, with `\"`, `\n` and `\\` escapes.
fn parse_matcher(s: &str, span: Span) -> Result<Matcher, MatcherError> {
    let caps = matcher_re()
        .captures(s)
        .ok_or_else(|| MatcherError::BadFormat(s.to_string()))?;
    let name = caps.get(1).map_or("", |m| m.as_str());
    let op = match caps.get(2).map_or("", |m| m.as_str()) {
        "=" => MatchType::Equal,
        "!=" => MatchType::NotEqual,
        "=~" => MatchType::Regexp,
        _ => MatchType::NotRegexp,
    };
    let raw_full = caps.get(3).map_or("", |m| m.as_str());
    let (raw, mut expect_trailing_quote) = match raw_full.strip_prefix('"') {
        Some(rest) => (rest, true),
        None => (raw_full, false),
    };
    let mut value = String::new();
    let mut escaped = false;
    for (i, c) in raw.char_indices() {
        if escaped {
            escaped = false;
            match c {
                'n' => value.push('\n'),
                '"' | '\\' => value.push(c),
                _ => {
                    value.push('\\');
                    value.push(c);
                }
            }
            continue;
        }
        match c {
            '\\' => {
                if i < raw.len() - 1 {
                    escaped = true;
                    continue;
                }
                value.push('\\');
            }
            '"' => {
                if !expect_trailing_quote || i < raw.len() - 1 {
                    return Err(MatcherError::UnescapedQuote(raw_full.to_string()));
                }
                expect_trailing_quote = false;
            }
            _ => value.push(c),
        }
    }
    if expect_trailing_quote {
        return Err(MatcherError::UnescapedQuote(raw_full.to_string()));
    }
    Ok(Matcher::new(op, name, &value, span)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<String>, MatcherError> {
        parse_matchers(s, Span::default())
            .map(|ms| ms.iter().map(std::string::ToString::to_string).collect())
    }

    #[test]
    fn parses_alertmanager_examples() {
        assert_eq!(
            parse(r#"{foo = "bar", dings != "bums", }"#).unwrap(),
            [r#"foo="bar""#, r#"dings!="bums""#]
        );
        assert_eq!(
            parse("foo=bar,dings!=bums").unwrap(),
            [r#"foo="bar""#, r#"dings!="bums""#]
        );
        assert_eq!(
            parse(r#"{quote="She said: \"Hi, ladies! That's gender-neutral…\""}"#).unwrap(),
            [r#"quote="She said: \"Hi, ladies! That's gender-neutral…\"""#]
        );
        assert_eq!(
            parse(r#"statuscode=~"5..""#).unwrap(),
            [r#"statuscode=~"5..""#]
        );
        assert_eq!(parse(r"foo=~bar.*").unwrap(), [r#"foo=~"bar.*""#]);
        assert_eq!(parse(r#"foo!~"a,b""#).unwrap(), [r#"foo!~"a,b""#]);
        assert_eq!(parse("foo=").unwrap(), [r#"foo="""#]);
    }

    #[test]
    fn rejects_bad_matchers() {
        assert!(parse(r#"foo="bar"baz""#).is_err());
        assert!(parse(r#"foo="bar"#).is_err());
        assert!(parse("1foo=bar").is_err());
        assert!(parse("foo=~(").is_err());
        assert!(parse("foo").is_err());
        let msg = |s: &str| parse(s).unwrap_err().to_string();
        assert_eq!(msg("foo"), "bad matcher format: foo");
        assert_eq!(
            msg(r#"foo="bar"#),
            r#"matcher value contains unescaped double quote: "bar"#
        );
        assert_eq!(
            msg("foo=~("),
            "invalid regular expression `(`: error: unclosed group"
        );
    }

    #[test]
    fn regexes_are_anchored() {
        let m = parse_matcher("team=~ml", Span::default()).unwrap();
        assert!(m.matches_value("ml"));
        assert!(!m.matches_value("ml-platform"));
        let m = parse_matcher("team!~a|b", Span::default()).unwrap();
        assert!(!m.matches_value("a"));
        assert!(m.matches_value("ab"));
        assert!(m.matches_value(""));
    }
}
