//! The series notation shared by promqltest files and promtool's
//! `input_series`: `metric{a="b"} 1+2x3 _ stale {{schema:0 sum:1 count:1}}`.

use super::histogram::{FloatHistogram, parse_histogram_body};
use super::labels::{Labels, METRIC_NAME};

#[derive(Clone, Debug, PartialEq)]
pub enum NotationValue {
    Missing,
    Stale,
    Float(f64),
    /// Boxed: a histogram is ~100 bytes, and a run of ten million plain floats should not
    /// pay for it (the value cap bounds the count, this keeps each value at 16 bytes).
    Histogram(Box<FloatHistogram>),
}

/// Why a text in series notation could not be read. Each variant keeps the input (or the part
/// of it) its message quotes; [`Display`](std::fmt::Display) gives the message.
#[derive(Clone, Debug, PartialEq)]
pub enum NotationError {
    /// Not a number of the series notation (decimal, `Inf`, `NaN`, optional sign).
    InvalidNumber(String),
    /// A value sequence with a `{{` left open.
    UnterminatedHistogram(String),
    /// A sequence item whose histogram literal has no closing `}}`.
    BadHistogram(String),
    /// An item whose `xN` is not a whole number.
    InvalidRepetition(String),
    /// An item with something left after its base, increment and repetition.
    InvalidSequenceItem(String),
    /// `a+b` without `xN`.
    IncrementWithoutRepetition(String),
    /// A histogram increased by a number (or the other way round).
    MixedIncrement(String),
    /// A histogram literal's body (inside `{{ }}`) holds a field without `:`.
    BadHistogramField(String),
    /// A histogram literal's list field (`[...]`) without its `]`.
    UnterminatedList(String),
    /// A `counter_reset_hint` that is none of Prometheus' four.
    BadCounterResetHint(String),
    /// A histogram field Prometheus does not know.
    UnknownHistogramField(String),
    /// A negative `offset` in a histogram with custom buckets.
    NegativeCustomOffset,
    /// A sequence that would expand to more than [`MAX_EXPANDED_VALUES`] values (the total,
    /// saturated at `u64::MAX`).
    TooManyValues(u64),
    /// A sequence that would expand to more than [`MAX_EXPANDED_BUCKETS`] histogram buckets.
    TooManyBuckets(u64),
    /// No quote where a quoted string was expected.
    ExpectedQuoted(String),
    /// A backslash at the end of the input.
    UnterminatedEscape,
    /// `\x` not followed by two hexadecimal digits.
    BadHexEscape,
    /// `\u`/`\U` not followed by the hexadecimal digits of a character.
    BadUnicodeEscape,
    /// `\0`..`\7` not followed by an octal byte.
    BadOctalEscape,
    /// A quoted string without its closing quote (the whole input quoted).
    UnterminatedString(String),
    /// A series description where a label name was expected.
    ExpectedLabelName(String),
    /// A label name not followed by `=`.
    ExpectedEquals(String),
    /// Neither a metric name nor `{` where a series description was expected.
    ExpectedSeriesDesc(String),
    /// Something after a complete series description.
    TrailingInput(String),
    /// A series description followed by values without whitespace between.
    ExpectedWhitespace(String),
}

impl std::fmt::Display for NotationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotationError::InvalidNumber(s) => write!(f, "invalid number {s:?}"),
            NotationError::UnterminatedHistogram(s) => write!(f, "unterminated histogram in {s:?}"),
            NotationError::BadHistogram(item) => write!(f, "bad histogram {item:?}"),
            NotationError::InvalidRepetition(item) => write!(f, "invalid repetition in {item:?}"),
            NotationError::InvalidSequenceItem(item) => write!(f, "invalid sequence item {item:?}"),
            NotationError::IncrementWithoutRepetition(item) => {
                write!(f, "increment without repetition in {item:?}")
            }
            NotationError::MixedIncrement(item) => write!(f, "mixed increment in {item:?}"),
            NotationError::BadHistogramField(s) => write!(f, "bad histogram field in {s:?}"),
            NotationError::UnterminatedList(s) => write!(f, "unterminated list in {s:?}"),
            NotationError::BadCounterResetHint(v) => write!(f, "bad counter_reset_hint {v:?}"),
            NotationError::UnknownHistogramField(k) => write!(f, "unknown histogram field {k:?}"),
            NotationError::NegativeCustomOffset => {
                f.write_str("negative offset for custom buckets")
            }
            NotationError::TooManyValues(total) => {
                f.write_str("series values would expand to ")?;
                if *total == u64::MAX {
                    f.write_str("more than 18446744073709551614")?;
                } else {
                    write!(f, "{total}")?;
                }
                write!(f, " values, more than the limit of {MAX_EXPANDED_VALUES}")
            }
            NotationError::TooManyBuckets(buckets) => write!(
                f,
                "series values would expand to {buckets} histogram buckets (each histogram counting {HISTOGRAM_OVERHEAD_BUCKETS} for its fixed part), more than the limit of {MAX_EXPANDED_BUCKETS}"
            ),
            NotationError::ExpectedQuoted(s) => write!(f, "expected quoted string at {s:?}"),
            NotationError::UnterminatedEscape => f.write_str("unterminated escape"),
            NotationError::BadHexEscape => f.write_str("bad \\x escape"),
            NotationError::BadUnicodeEscape => f.write_str("bad unicode escape"),
            NotationError::BadOctalEscape => f.write_str("bad octal escape"),
            NotationError::UnterminatedString(s) => write!(f, "unterminated string in {s:?}"),
            NotationError::ExpectedLabelName(s) => write!(f, "expected label name at {s:?}"),
            NotationError::ExpectedEquals(s) => write!(f, "expected '=' at {s:?}"),
            NotationError::ExpectedSeriesDesc(s) => {
                write!(f, "expected series description at {s:?}")
            }
            NotationError::TrailingInput(s) => write!(f, "unexpected trailing input {s:?}"),
            NotationError::ExpectedWhitespace(s) => {
                write!(f, "expected whitespace before values in {s:?}")
            }
        }
    }
}

impl std::error::Error for NotationError {}

/// Parses a number the way Prometheus' series notation does: decimal
/// literals, `Inf`/`NaN` in any case, optional sign. No hexadecimal: the
/// series lexer disallows it, since `0x10` reads as `0` repeated 10 times.
pub fn parse_float(s: &str) -> Result<f64, NotationError> {
    let t = s.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = body.to_ascii_lowercase();
    let v = if lower == "inf" || lower == "infinity" {
        f64::INFINITY
    } else if lower == "nan" {
        f64::NAN
    } else if body
        .chars()
        .all(|c| c.is_ascii_digit() || "._eE+-".contains(c))
        && !body.is_empty()
    {
        body.replace('_', "")
            .parse::<f64>()
            .map_err(|_| NotationError::InvalidNumber(s.to_string()))?
    } else {
        return Err(NotationError::InvalidNumber(s.to_string()));
    };
    Ok(if neg { -v } else { v })
}

/// Splits a value sequence into items, keeping `{{...}}` together.
fn tokenize(s: &str) -> Result<Vec<String>, NotationError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && chars.peek() == Some(&'{') {
            chars.next();
            depth += 1;
            cur.push_str("{{");
            continue;
        }
        if c == '}' && chars.peek() == Some(&'}') && depth > 0 {
            chars.next();
            depth -= 1;
            cur.push_str("}}");
            continue;
        }
        if c.is_whitespace() && depth == 0 {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        cur.push(c);
    }
    if depth != 0 {
        return Err(NotationError::UnterminatedHistogram(s.to_string()));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

enum Base {
    F(f64),
    H(FloatHistogram),
}

/// Splits `base`, optional `+inc`/`-inc`, optional `xN` of one item.
/// An item split into base term, optional signed increment and repetition.
type ItemParts = (String, Option<(bool, String)>, Option<u64>);

fn split_item(item: &str) -> Result<ItemParts, NotationError> {
    // Find the end of the base term: a histogram literal or a number.
    let (base, mut rest) = if item.starts_with("{{") {
        let end = item
            .find("}}")
            .ok_or_else(|| NotationError::BadHistogram(item.to_string()))?;
        (item[..end + 2].to_string(), &item[end + 2..])
    } else {
        // A leading sign belongs to the number.
        let start = usize::from(item.starts_with('-') || item.starts_with('+'));
        let mut end = item.len();
        for (i, c) in item.char_indices().skip(start) {
            let prev = item[..i].chars().last();
            if (c == '+' || c == '-') && !matches!(prev, Some('e' | 'E')) {
                end = i;
                break;
            }
            // Series values have no hexadecimal literals: `0x59` is zero
            // repeated, as in Prometheus' series lexer.
            if c == 'x' {
                end = i;
                break;
            }
        }
        (item[..end].to_string(), &item[end..])
    };
    let mut inc = None;
    if rest.starts_with('+') || rest.starts_with('-') {
        let neg = rest.starts_with('-');
        let r = &rest[1..];
        let (incs, after) = if r.starts_with("{{") {
            let end = r
                .find("}}")
                .ok_or_else(|| NotationError::BadHistogram(item.to_string()))?;
            (r[..end + 2].to_string(), &r[end + 2..])
        } else {
            let end = r.find('x').unwrap_or(r.len());
            (r[..end].to_string(), &r[end..])
        };
        inc = Some((neg, incs));
        rest = after;
    }
    let mut times = None;
    if let Some(n) = rest.strip_prefix('x') {
        times = Some(
            n.parse::<u64>()
                .map_err(|_| NotationError::InvalidRepetition(item.to_string()))?,
        );
        rest = "";
    }
    if !rest.is_empty() {
        return Err(NotationError::InvalidSequenceItem(item.to_string()));
    }
    Ok((base, inc, times))
}

fn parse_base(s: &str) -> Result<Base, NotationError> {
    if let Some(body) = s.strip_prefix("{{").and_then(|b| b.strip_suffix("}}")) {
        Ok(Base::H(parse_histogram_body(body)?))
    } else {
        Ok(Base::F(parse_float(s)?))
    }
}

fn add_hist(a: &FloatHistogram, b: &FloatHistogram, sign: f64) -> FloatHistogram {
    // Histogram arithmetic proper (schemas and zero buckets reconciled);
    // bucket-wise addition only for the exponential/custom mix it refuses.
    if let Ok((mut r, _)) = a.combine(b, sign) {
        r.counter_reset_hint = a.counter_reset_hint;
        return r;
    }
    let mut r = a.clone();
    r.count += sign * b.count;
    r.sum += sign * b.sum;
    r.zero_count += sign * b.zero_count;
    let merge = |x: &mut Vec<(i32, f64)>, y: &[(i32, f64)]| {
        for (i, c) in y {
            super::histogram::add_bucket(x, *i, sign * c);
        }
    };
    merge(&mut r.positive, &b.positive);
    merge(&mut r.negative, &b.negative);
    r
}

/// The most values [`parse_values`] expands a sequence into (its callers hold them all in
/// memory). Sequences are checked against it before anything is expanded.
pub(crate) const MAX_EXPANDED_VALUES: u64 = 10_000_000;

/// One item of a value sequence, read but not expanded: what it stands for is computed
/// step by step, so `1x18446744073709551615` costs no more memory than `1x1`.
#[derive(Clone, Debug, PartialEq)]
pub enum SeqItem {
    /// `_` (one) or `_xN` (N) missing values.
    Missing(u64),
    Stale,
    /// `a`, `axN`, `a+bxN`, `a-bxN`: `count` values from `start`, each adding `step` to the
    /// previous one (accumulated, as Prometheus does).
    Floats {
        start: f64,
        step: f64,
        count: u64,
    },
    /// The same for histograms: `inc` is the increment with its sign (`1.0` or `-1.0`).
    Histograms {
        start: Box<FloatHistogram>,
        inc: Option<Box<(f64, FloatHistogram)>>,
        count: u64,
    },
}

impl SeqItem {
    /// How many values (steps) the item stands for.
    pub fn len(&self) -> u64 {
        match self {
            SeqItem::Missing(n) => *n,
            SeqItem::Stale => 1,
            SeqItem::Floats { count, .. } | SeqItem::Histograms { count, .. } => *count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// At most how many histogram buckets the item's values hold together (a run's
    /// histograms have the buckets of its start and of its increment at most), each
    /// histogram counting [`HISTOGRAM_OVERHEAD_BUCKETS`] more for its fixed fields: ten
    /// million empty histograms are gigabytes too.
    pub fn buckets(&self) -> u64 {
        let of = |h: &FloatHistogram| {
            (h.positive.len() + h.negative.len() + h.custom_values.len()) as u64
        };
        let of = |h: &FloatHistogram| of(h) + HISTOGRAM_OVERHEAD_BUCKETS;
        match self {
            SeqItem::Histograms { start, inc, count } => {
                let each = of(start) + inc.as_ref().map_or(0, |i| of(&i.1));
                each.saturating_mul(*count)
            }
            _ => 0,
        }
    }
}

/// The most histogram buckets [`parse_values`] expands a sequence into, all values together:
/// [`MAX_EXPANDED_VALUES`] counts values, and a histogram is many times the size of a float.
pub(crate) const MAX_EXPANDED_BUCKETS: u64 = 10_000_000;

/// What a histogram value costs in [`MAX_EXPANDED_BUCKETS`] besides its buckets: its boxed
/// fixed part (schema, count, sum, zero bucket, span and bucket vectors) is about the size of
/// ten buckets.
pub(crate) const HISTOGRAM_OVERHEAD_BUCKETS: u64 = 10;

/// Checks that `items` expand within [`MAX_EXPANDED_VALUES`] values and
/// [`MAX_EXPANDED_BUCKETS`] histogram buckets; returns how many values they stand for.
pub fn check_expansion(items: &[SeqItem]) -> Result<u64, NotationError> {
    let total = items
        .iter()
        .fold(0u64, |acc, i| acc.saturating_add(i.len()));
    if total > MAX_EXPANDED_VALUES {
        return Err(NotationError::TooManyValues(total));
    }
    let buckets = items
        .iter()
        .fold(0u64, |acc, i| acc.saturating_add(i.buckets()));
    if buckets > MAX_EXPANDED_BUCKETS {
        return Err(NotationError::TooManyBuckets(buckets));
    }
    Ok(total)
}

/// The next histogram of a run after `cur`.
pub fn next_histogram(cur: &FloatHistogram, inc: &(f64, FloatHistogram)) -> FloatHistogram {
    add_hist(cur, &inc.1, inc.0)
}

/// Reads every item of a value sequence, expanding none: the whole sequence is checked
/// before a caller expands any of it. A repetition `xN` stands for `N + 1` values (`_xN` for
/// `N`), as in Prometheus; one beyond `u64` saturates (no test reads that far).
pub fn parse_items(s: &str) -> Result<Vec<SeqItem>, NotationError> {
    let mut out = Vec::new();
    for item in tokenize(s)? {
        if item == "_" {
            out.push(SeqItem::Missing(1));
            continue;
        }
        if let Some(n) = item.strip_prefix("_x") {
            let n: u64 = n
                .parse()
                .map_err(|_| NotationError::InvalidRepetition(item.clone()))?;
            out.push(SeqItem::Missing(n));
            continue;
        }
        if item == "stale" {
            out.push(SeqItem::Stale);
            continue;
        }
        let (base, inc, times) = split_item(&item)?;
        let base = parse_base(&base)?;
        if inc.is_some() && times.is_none() {
            return Err(NotationError::IncrementWithoutRepetition(item));
        }
        let count = times.map_or(1, |n| n.saturating_add(1));
        out.push(match base {
            Base::F(start) => {
                let step = match &inc {
                    Some((neg, s)) => {
                        let v = parse_float(s)?;
                        if *neg { -v } else { v }
                    }
                    None => 0.0,
                };
                SeqItem::Floats { start, step, count }
            }
            Base::H(start) => {
                let inc = match &inc {
                    Some((neg, s)) => match parse_base(s)? {
                        Base::H(h) => Some(Box::new((if *neg { -1.0 } else { 1.0 }, h))),
                        Base::F(_) => return Err(NotationError::MixedIncrement(item)),
                    },
                    None => None,
                };
                SeqItem::Histograms {
                    start: Box::new(start),
                    inc,
                    count,
                }
            }
        });
    }
    Ok(out)
}

/// Expands a value sequence into one value per step, after checking all of it: at most
/// [`MAX_EXPANDED_VALUES`] values and [`MAX_EXPANDED_BUCKETS`] histogram buckets.
pub fn parse_values(s: &str) -> Result<Vec<NotationValue>, NotationError> {
    let items = parse_items(s)?;
    let total = check_expansion(&items)?;
    let mut out = Vec::with_capacity(total as usize);
    for item in items {
        match item {
            SeqItem::Missing(n) => out.extend((0..n).map(|_| NotationValue::Missing)),
            SeqItem::Stale => out.push(NotationValue::Stale),
            SeqItem::Floats {
                mut start,
                step,
                count,
            } => {
                for _ in 0..count {
                    out.push(NotationValue::Float(start));
                    start += step;
                }
            }
            SeqItem::Histograms { start, inc, count } => {
                let mut cur = *start;
                for k in 0..count {
                    let next = match &inc {
                        Some(inc) if k + 1 < count => Some(next_histogram(&cur, inc)),
                        _ => None,
                    };
                    out.push(NotationValue::Histogram(Box::new(match next {
                        Some(n) => std::mem::replace(&mut cur, n),
                        None => cur.clone(),
                    })));
                }
            }
        }
    }
    Ok(out)
}

/// Reads a quoted string (Go syntax: "...", '...', `...`) at the start of
/// `s`; returns the unescaped value and the remainder.
pub fn read_quoted(s: &str) -> Result<(String, &str), NotationError> {
    let mut chars = s.char_indices();
    let Some((_, quote @ ('"' | '\'' | '`'))) = chars.next() else {
        return Err(NotationError::ExpectedQuoted(s.to_string()));
    };
    let mut out = String::new();
    let mut bytes: Vec<u8> = Vec::new();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            if !bytes.is_empty() {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
            return Ok((out, &s[i + c.len_utf8()..]));
        }
        if c == '\\' && quote != '`' {
            let (_, e) = chars.next().ok_or(NotationError::UnterminatedEscape)?;
            let flush = |out: &mut String, bytes: &mut Vec<u8>| {
                if !bytes.is_empty() {
                    out.push_str(&String::from_utf8_lossy(bytes));
                    bytes.clear();
                }
            };
            match e {
                'n' => {
                    flush(&mut out, &mut bytes);
                    out.push('\n');
                }
                't' => {
                    flush(&mut out, &mut bytes);
                    out.push('\t');
                }
                'r' => {
                    flush(&mut out, &mut bytes);
                    out.push('\r');
                }
                'a' => bytes.push(7),
                'b' => bytes.push(8),
                'f' => bytes.push(12),
                'v' => bytes.push(11),
                'x' => {
                    let h: String = (0..2).filter_map(|_| chars.next().map(|p| p.1)).collect();
                    bytes
                        .push(u8::from_str_radix(&h, 16).map_err(|_| NotationError::BadHexEscape)?);
                }
                'u' | 'U' => {
                    flush(&mut out, &mut bytes);
                    let n = if e == 'u' { 4 } else { 8 };
                    let h: String = (0..n).filter_map(|_| chars.next().map(|p| p.1)).collect();
                    let cp =
                        u32::from_str_radix(&h, 16).map_err(|_| NotationError::BadUnicodeEscape)?;
                    out.push(char::from_u32(cp).ok_or(NotationError::BadUnicodeEscape)?);
                }
                '0'..='7' => {
                    let mut h = String::from(e);
                    for _ in 0..2 {
                        if let Some((_, d)) = chars.next() {
                            h.push(d);
                        }
                    }
                    bytes.push(
                        u8::from_str_radix(&h, 8).map_err(|_| NotationError::BadOctalEscape)?,
                    );
                }
                other => {
                    flush(&mut out, &mut bytes);
                    out.push(other);
                }
            }
            continue;
        }
        if !bytes.is_empty() {
            out.push_str(&String::from_utf8_lossy(&bytes));
            bytes.clear();
        }
        out.push(c);
    }
    Err(NotationError::UnterminatedString(s.to_string()))
}

fn is_name_char(c: char, first: bool) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':' || (!first && c.is_ascii_digit())
}

fn read_ident(s: &str) -> (&str, &str) {
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if is_name_char(c, i == 0) {
            end = i + c.len_utf8();
        } else {
            break;
        }
    }
    (&s[..end], &s[end..])
}

/// Parses `metric{a="b"}` (or `{__name__="m", a="b"}`) at the start of `s`
/// and returns the labels and the remainder.
pub fn parse_series_desc_prefix(s: &str) -> Result<(Labels, &str), NotationError> {
    let s = s.trim_start();
    let (name, mut rest) = read_ident(s);
    let mut pairs: Vec<(String, String)> = Vec::new();
    if !name.is_empty() {
        pairs.push((METRIC_NAME.to_string(), name.to_string()));
    }
    let trimmed = rest.trim_start();
    if let Some(r) = trimmed.strip_prefix('{').filter(|r| !r.starts_with('{')) {
        rest = r.trim_start();
        loop {
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let (lname, r) = if rest.starts_with('"') || rest.starts_with('\'') {
                read_quoted(rest)?
            } else {
                let (n, r) = read_ident(rest);
                if n.is_empty() {
                    return Err(NotationError::ExpectedLabelName(rest.to_string()));
                }
                (n.to_string(), r)
            };
            let r = r.trim_start();
            // A bare quoted string is a metric name (UTF-8 syntax).
            if r.starts_with(',') || r.starts_with('}') {
                pairs.push((METRIC_NAME.to_string(), lname));
                rest = r.strip_prefix(',').unwrap_or(r).trim_start();
                continue;
            }
            let r = r
                .strip_prefix('=')
                .ok_or_else(|| NotationError::ExpectedEquals(r.to_string()))?;
            let (val, r) = read_quoted(r.trim_start())?;
            pairs.push((lname, val));
            let r = r.trim_start();
            rest = match r.strip_prefix(',') {
                Some(r) => r.trim_start(),
                None => r,
            };
        }
    } else if name.is_empty() {
        return Err(NotationError::ExpectedSeriesDesc(s.to_string()));
    }
    Ok((Labels::from_pairs(pairs), rest))
}

/// Writes a series description that [`parse_series_desc`] (and promtool) reads back to
/// `labels`: `metric{a="b"}`, or `{__name__="my.metric", a="b"}` for a name outside the
/// classic charset; values and unusual label names quoted as Go quotes them.
pub fn series_desc(labels: &Labels) -> String {
    let classic = |s: &str, first: &dyn Fn(char) -> bool, rest: &dyn Fn(char) -> bool| {
        let mut chars = s.chars();
        chars.next().is_some_and(first) && chars.all(rest)
    };
    let name = labels.metric_name().unwrap_or("");
    let plain_name = classic(
        name,
        &|c| c.is_ascii_alphabetic() || c == '_' || c == ':',
        &|c| c.is_ascii_alphanumeric() || c == '_' || c == ':',
    );
    let mut inner: Vec<String> = Vec::new();
    if !plain_name && !name.is_empty() {
        inner.push(format!(
            "{METRIC_NAME}={}",
            crate::syntax::literal::quote(name)
        ));
    }
    for (k, v) in labels.iter().filter(|(k, _)| *k != METRIC_NAME) {
        let plain = classic(k, &|c| c.is_ascii_alphabetic() || c == '_', &|c| {
            c.is_ascii_alphanumeric() || c == '_'
        });
        let key = if plain {
            k.to_string()
        } else {
            crate::syntax::literal::quote(k)
        };
        inner.push(format!("{key}={}", crate::syntax::literal::quote(v)));
    }
    let shown = if plain_name { name } else { "" };
    format!("{shown}{{{}}}", inner.join(", "))
}

/// Parses a series description: `metric{a="b"}` or `{__name__="m", a="b"}`.
pub fn parse_series_desc(s: &str) -> Result<Labels, NotationError> {
    let (l, rest) = parse_series_desc_prefix(s)?;
    if !rest.trim().is_empty() {
        return Err(NotationError::TrailingInput(rest.to_string()));
    }
    Ok(l)
}

/// Parses a full line `metric{a="b"} <values>`.
pub fn parse_series_line(s: &str) -> Result<(Labels, Vec<NotationValue>), NotationError> {
    let (l, rest) = parse_series_desc_prefix(s)?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return Err(NotationError::ExpectedWhitespace(s.to_string()));
    }
    Ok((l, parse_values(rest)?))
}

#[cfg(test)]
mod tests {

    /// What `series_desc` writes reads back to the same labels: quotes, backslashes and
    /// newlines in values, a name outside the classic charset, a UTF-8 label name.
    #[test]
    fn series_descriptions_read_back() {
        for pairs in [
            vec![("__name__", "x_total"), ("job", "a\"b\\c\nd")],
            vec![("__name__", "my.metric"), ("code", "500")],
            vec![("__name__", "up"), ("ünïcode", "v")],
            vec![("job", "only-labels")],
        ] {
            let labels = Labels::from_pairs(pairs.iter().copied());
            let text = super::series_desc(&labels);
            assert_eq!(super::parse_series_desc(&text), Ok(labels), "{text}");
        }
        let l = Labels::from_pairs([("__name__", "x_total"), ("job", "a\"b")]);
        assert_eq!(super::series_desc(&l), r#"x_total{job="a\"b"}"#);
        let l = Labels::from_pairs([("__name__", "my.metric")]);
        assert_eq!(super::series_desc(&l), r#"{__name__="my.metric"}"#);
    }
    use super::*;

    fn floats(v: &[NotationValue]) -> Vec<Option<f64>> {
        v.iter()
            .map(|x| match x {
                NotationValue::Float(f) => Some(*f),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn expands_sequences() {
        let v = parse_values("1+2x3 _ stale -1-1x1 3x2 _x2 Inf").unwrap();
        assert_eq!(
            floats(&v),
            vec![
                Some(1.0),
                Some(3.0),
                Some(5.0),
                Some(7.0),
                None,
                None,
                Some(-1.0),
                Some(-2.0),
                Some(3.0),
                Some(3.0),
                Some(3.0),
                None,
                None,
                Some(f64::INFINITY)
            ]
        );
        assert_eq!(v[5], NotationValue::Stale);
        assert!(parse_values("1+x").is_err());
        assert!(parse_values("1e3 0x10").is_ok());
    }

    #[test]
    fn sequences_are_checked_whole_before_expansion() {
        // A huge run before an invalid item: rejected without expanding the run.
        assert_eq!(
            parse_values("{{schema:0 sum:1 count:1}}x9999999 1+")
                .unwrap_err()
                .to_string(),
            "increment without repetition in \"1+\""
        );
        assert!(
            parse_values("_x18446744073709551615")
                .unwrap_err()
                .to_string()
                .contains("more than the limit")
        );
        assert!(
            parse_values("1x18446744073709551615")
                .unwrap_err()
                .to_string()
                .contains("more than the limit of 10000000")
        );
        let items = parse_items("1x18446744073709551615 _x5 stale").unwrap();
        assert_eq!(items[0].len(), u64::MAX);
        assert_eq!(items[1].len(), 5);
        assert!(parse_items("1x18446744073709551616").is_err());
    }

    #[test]
    fn errors_read_as_before() {
        let msg = |r: Result<Vec<NotationValue>, NotationError>| r.unwrap_err().to_string();
        assert_eq!(msg(parse_values("1x")), "invalid repetition in \"1x\"");
        assert_eq!(
            msg(parse_values("{{}}+1x2")),
            "mixed increment in \"{{}}+1x2\""
        );
        assert_eq!(msg(parse_values("{{ 1}}")), "bad histogram field in \" 1\"");
        assert_eq!(
            msg(parse_values("{{sum:1")),
            "unterminated histogram in \"{{sum:1\""
        );
        assert_eq!(
            msg(parse_values("_x18446744073709551615 1")),
            "series values would expand to more than 18446744073709551614 values, more than \
             the limit of 10000000"
        );
        assert_eq!(
            read_quoted(r#""a\x""#).unwrap_err().to_string(),
            r"bad \x escape"
        );
        assert_eq!(
            parse_series_desc("m{a=\"b\"} x").unwrap_err().to_string(),
            "unexpected trailing input \" x\""
        );
    }

    #[test]
    fn no_hexadecimal_in_series_values() {
        // `0x10` is zero repeated: 1 + 10 values, never the number 16.
        assert_eq!(floats(&parse_values("0x10").unwrap()), vec![Some(0.0); 11]);
        assert_eq!(floats(&parse_values("0+0x2").unwrap()), vec![Some(0.0); 3]);
        assert!(parse_float("0x10").is_err());
        assert!(parse_values("0X10").is_err());
        assert!(parse_values("1+0x10x5").is_err());
    }

    #[test]
    fn histograms_in_sequence() {
        let v = parse_values("{{schema:0 sum:1 count:1}}x2 {{sum:1 count:1}}+{{sum:2 count:2}}x1")
            .unwrap();
        assert_eq!(v.len(), 5);
        match &v[4] {
            NotationValue::Histogram(h) => assert_eq!(h.count, 3.0),
            _ => panic!("expected histogram"),
        }
    }

    #[test]
    fn series_desc() {
        let l = parse_series_desc(r#"m{a="b", c='d\n'}"#).unwrap();
        assert_eq!(l.metric_name(), Some("m"));
        assert_eq!(l.get("c"), Some("d\n"));
        let l = parse_series_desc(r#"{__name__="m", a="b"}"#).unwrap();
        assert_eq!(l.metric_name(), Some("m"));
        assert!(parse_series_desc("m{a=}").is_err());
        let (l, v) = parse_series_line("{} 1 2").unwrap();
        assert!(l.is_empty());
        assert_eq!(v.len(), 2);
    }
}
