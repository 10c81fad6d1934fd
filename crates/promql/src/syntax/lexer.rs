//! The PromQL lexer: the whole text is cut into [`Token`]s in one pass before parsing.
//!
//! Like Prometheus' own lexer it is modal, and the modes follow the brackets it has seen:
//! inside `{...}` keywords are plain identifiers and only matcher operators are known;
//! inside `[...]` only what a duration expression may hold is (numbers, durations,
//! `step()`, `range()`, `min_of`, `max_of`, arithmetic, `:`). A lexical error ends the
//! stream: the last token is then [`Tok::Error`] and [`Lexed::error`] says what went wrong.

use super::Span;

/// What a token is. Values (names, numbers, strings) are read from the text by span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Eof,
    /// A lexical error; [`Lexed::error`] has the message.
    Error,
    /// An identifier without a colon.
    Ident,
    /// An identifier with a colon (`job:rate5m`): a metric name only.
    MetricIdent,
    Kw(Kw),
    /// A number literal, including `Inf` and `NaN`.
    Number,
    /// A duration literal (`5m`, `1h30m`).
    Duration,
    /// A quoted string (double, single or backtick quotes), quotes included.
    Str,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Colon,
    /// `=` (only meaningful inside braces).
    Assign,
    Op(Op),
    At,
}

/// Words the lexer recognises outside braces (case-insensitively, as Prometheus does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kw {
    And,
    Or,
    Unless,
    Atan2,
    Agg(super::ast::AggOp),
    Offset,
    Smoothed,
    Anchored,
    By,
    Without,
    On,
    Ignoring,
    GroupLeft,
    GroupRight,
    Fill,
    FillLeft,
    FillRight,
    Bool,
    Start,
    End,
    Step,
    Range,
    MaxOf,
    MinOf,
}

/// Symbolic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eqlc,
    Neq,
    Lte,
    Lss,
    Gte,
    Gtr,
    TrimUpper,
    TrimLower,
    EqlRegex,
    NeqRegex,
}

impl Kw {
    fn from_word(word: &str) -> Option<Kw> {
        use super::ast::AggOp;
        // Most words are metric and label names: longer than any keyword, or starting with
        // a letter no keyword starts with.
        if word.len() < 2 || word.len() > 12 {
            return None;
        }
        if !matches!(
            word.as_bytes()[0].to_ascii_lowercase(),
            b'a' | b'b'
                | b'c'
                | b'e'
                | b'f'
                | b'g'
                | b'i'
                | b'l'
                | b'm'
                | b'o'
                | b'q'
                | b'r'
                | b's'
                | b't'
                | b'u'
                | b'w'
        ) {
            return None;
        }
        let mut buf = [0u8; 12];
        let lower = &mut buf[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        Some(match &*lower {
            b"and" => Kw::And,
            b"or" => Kw::Or,
            b"unless" => Kw::Unless,
            b"atan2" => Kw::Atan2,
            b"sum" => Kw::Agg(AggOp::Sum),
            b"avg" => Kw::Agg(AggOp::Avg),
            b"count" => Kw::Agg(AggOp::Count),
            b"min" => Kw::Agg(AggOp::Min),
            b"max" => Kw::Agg(AggOp::Max),
            b"group" => Kw::Agg(AggOp::Group),
            b"stddev" => Kw::Agg(AggOp::Stddev),
            b"stdvar" => Kw::Agg(AggOp::Stdvar),
            b"topk" => Kw::Agg(AggOp::Topk),
            b"bottomk" => Kw::Agg(AggOp::Bottomk),
            b"count_values" => Kw::Agg(AggOp::CountValues),
            b"quantile" => Kw::Agg(AggOp::Quantile),
            b"limitk" => Kw::Agg(AggOp::Limitk),
            b"limit_ratio" => Kw::Agg(AggOp::LimitRatio),
            b"offset" => Kw::Offset,
            b"smoothed" => Kw::Smoothed,
            b"anchored" => Kw::Anchored,
            b"by" => Kw::By,
            b"without" => Kw::Without,
            b"on" => Kw::On,
            b"ignoring" => Kw::Ignoring,
            b"group_left" => Kw::GroupLeft,
            b"group_right" => Kw::GroupRight,
            b"fill" => Kw::Fill,
            b"fill_left" => Kw::FillLeft,
            b"fill_right" => Kw::FillRight,
            b"bool" => Kw::Bool,
            b"start" => Kw::Start,
            b"end" => Kw::End,
            b"step" => Kw::Step,
            b"range" => Kw::Range,
            b"max_of" => Kw::MaxOf,
            b"min_of" => Kw::MinOf,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) span: Span,
}

pub(crate) struct Lexed {
    pub(crate) tokens: Vec<Token>,
    /// The lexical error the stream ends with, if any.
    pub(crate) error: Option<(Span, String)>,
}

/// Cuts `text` into tokens (comments dropped). The last token is [`Tok::Eof`] or
/// [`Tok::Error`].
pub(crate) fn lex(text: &str) -> Lexed {
    let mut l = Lexer {
        text,
        b: text.as_bytes(),
        pos: 0,
        tokens: Vec::with_capacity(text.len() / 3 + 2),
        paren_opens: Vec::new(),
        brace_open: false,
        bracket_open: None,
        bracket_colon: false,
        bracket_value: false,
    };
    let error = l.run().err();
    let end = text.len();
    match &error {
        Some((span, _)) => l.tokens.push(Token {
            tok: Tok::Error,
            span: *span,
        }),
        None => l.tokens.push(Token {
            tok: Tok::Eof,
            span: Span::new(end, end),
        }),
    }
    Lexed {
        tokens: l.tokens,
        error,
    }
}

struct Lexer<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    /// Where each open parenthesis is, to point at the unclosed one.
    paren_opens: Vec<usize>,
    brace_open: bool,
    /// Where the open `[` is.
    bracket_open: Option<usize>,
    bracket_colon: bool,
    /// Whether a number or duration was met inside the open `[`.
    bracket_value: bool,
}

type LexResult = Result<(), (Span, String)>;

pub(crate) fn is_alpha(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

pub(crate) fn is_alnum(c: u8) -> bool {
    is_alpha(c) || c.is_ascii_digit()
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Go's `%q` of one character, as Prometheus' lexer messages quote it.
pub(crate) fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '\\' => "'\\\\'".to_string(),
        '\n' => "'\\n'".to_string(),
        '\t' => "'\\t'".to_string(),
        '\r' => "'\\r'".to_string(),
        c if c.is_control() => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

impl Lexer<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, i: usize) -> Option<u8> {
        self.b.get(self.pos + i).copied()
    }

    fn char_at(&self, i: usize) -> char {
        self.text[i..].chars().next().unwrap_or('\u{0}')
    }

    #[inline]
    fn push(&mut self, tok: Tok, start: usize) {
        self.tokens.push(Token {
            tok,
            span: Span::new(start, self.pos),
        });
    }

    /// A `(`: its position is kept until its `)`, for an unclosed one's message.
    fn open_paren(&mut self, start: usize) {
        self.paren_opens.push(start);
        self.single(Tok::LParen);
    }

    /// A `)`, which must close an open `(` (the same in every lexing mode).
    fn close_paren(&mut self, start: usize) -> Result<(), (Span, String)> {
        if self.paren_opens.pop().is_none() {
            return self.err(
                start,
                start + 1,
                "unexpected right parenthesis ')'".to_string(),
            );
        }
        self.single(Tok::RParen);
        Ok(())
    }

    fn err<T>(&self, start: usize, end: usize, message: String) -> Result<T, (Span, String)> {
        Err((Span::new(start, end.max(start)), message))
    }

    fn run(&mut self) -> LexResult {
        loop {
            // Spaces separate tokens the same way in every mode.
            while self.peek().is_some_and(is_space) {
                self.pos += 1;
            }
            if self.brace_open {
                self.inside_braces()?;
            } else if self.bracket_open.is_some() {
                self.inside_brackets()?;
            } else if !self.statement()? {
                return Ok(());
            }
        }
    }

    fn skip_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'\n' || c == b'\r' {
                break;
            }
            self.pos += 1;
        }
    }

    /// One token outside braces and brackets; `false` at the end of the text.
    fn statement(&mut self) -> Result<bool, (Span, String)> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            if let Some(&open) = self.paren_opens.last() {
                return self.err(open, open + 1, "unclosed left parenthesis".to_string());
            }
            return Ok(false);
        };
        match c {
            b'#' => self.skip_comment(),
            c if is_space(c) => self.pos += 1,
            b',' => self.single(Tok::Comma),
            b'*' => self.single(Tok::Op(Op::Mul)),
            b'/' => self.single(Tok::Op(Op::Div)),
            b'%' => self.single(Tok::Op(Op::Mod)),
            b'+' => self.single(Tok::Op(Op::Add)),
            b'-' => self.single(Tok::Op(Op::Sub)),
            b'^' => self.single(Tok::Op(Op::Pow)),
            b'@' => self.single(Tok::At),
            b'=' => match self.peek_at(1) {
                Some(b'=') => self.double(Tok::Op(Op::Eqlc)),
                Some(b'~') => {
                    return self.err(
                        start,
                        start + 2,
                        "unexpected character after '=': '~'".to_string(),
                    );
                }
                _ => self.single(Tok::Assign),
            },
            b'!' => {
                if let Some(b'=') = self.peek_at(1) {
                    self.double(Tok::Op(Op::Neq));
                } else {
                    let (shown, end) = if self.peek_at(1).is_none() {
                        ("EOF".to_string(), start + 1)
                    } else {
                        let ch = self.char_at(start + 1);
                        (quote_char(ch), start + 1 + ch.len_utf8())
                    };
                    return self.err(
                        start,
                        end,
                        format!("unexpected character after '!': {shown}"),
                    );
                }
            }
            b'<' => match self.peek_at(1) {
                Some(b'=') => self.double(Tok::Op(Op::Lte)),
                Some(b'/') => self.double(Tok::Op(Op::TrimUpper)),
                _ => self.single(Tok::Op(Op::Lss)),
            },
            b'>' => match self.peek_at(1) {
                Some(b'=') => self.double(Tok::Op(Op::Gte)),
                Some(b'/') => self.double(Tok::Op(Op::TrimLower)),
                _ => self.single(Tok::Op(Op::Gtr)),
            },
            b'0'..=b'9' => self.number_or_duration()?,
            b'.' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => {
                self.number_or_duration()?;
            }
            b'"' | b'\'' => self.string(c)?,
            b'`' => self.raw_string()?,
            c if is_alpha(c) || c == b':' => self.keyword_or_identifier(),
            b'(' => self.open_paren(start),
            b')' => self.close_paren(start)?,
            b'{' => {
                self.single(Tok::LBrace);
                self.brace_open = true;
            }
            b'[' => {
                self.single(Tok::LBracket);
                self.bracket_open = Some(start);
                self.bracket_colon = false;
                self.bracket_value = false;
            }
            b']' => {
                return self.err(start, start + 1, "unexpected right bracket ']'".to_string());
            }
            _ => {
                let ch = self.char_at(start);
                return self.err(
                    start,
                    start + ch.len_utf8(),
                    format!("unexpected character: {}", quote_char(ch)),
                );
            }
        }
        Ok(true)
    }

    #[inline]
    fn single(&mut self, tok: Tok) {
        let start = self.pos;
        self.pos += 1;
        self.push(tok, start);
    }

    fn double(&mut self, tok: Tok) {
        let start = self.pos;
        self.pos += 2;
        self.push(tok, start);
    }

    fn keyword_or_identifier(&mut self) {
        let start = self.pos;
        while self.peek().is_some_and(|c| is_alnum(c) || c == b':') {
            self.pos += 1;
        }
        let word = &self.text[start..self.pos];
        let tok = if word.eq_ignore_ascii_case("inf") || word.eq_ignore_ascii_case("nan") {
            Tok::Number
        } else if let Some(kw) = Kw::from_word(word) {
            // `fill`, `fill_left` and `fill_right` are keywords only before a `(`, so
            // that they stay usable as metric names.
            if matches!(kw, Kw::Fill | Kw::FillLeft | Kw::FillRight) && !self.paren_follows() {
                Tok::Ident
            } else {
                Tok::Kw(kw)
            }
        } else if word.contains(':') {
            Tok::MetricIdent
        } else {
            Tok::Ident
        };
        self.push(tok, start);
    }

    fn paren_follows(&self) -> bool {
        self.b[self.pos..]
            .iter()
            .find(|&&c| !is_space(c))
            .is_some_and(|&c| c == b'(')
    }

    fn inside_braces(&mut self) -> LexResult {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return self.err(
                start,
                start,
                "unexpected end of input inside braces".to_string(),
            );
        };
        match c {
            b'#' => self.skip_comment(),
            c if is_space(c) => self.pos += 1,
            c if is_alpha(c) => {
                while self.peek().is_some_and(is_alnum) {
                    self.pos += 1;
                }
                self.push(Tok::Ident, start);
            }
            b',' => self.single(Tok::Comma),
            b'"' | b'\'' => self.string(c)?,
            b'`' => self.raw_string()?,
            b'=' => match self.peek_at(1) {
                Some(b'~') => self.double(Tok::Op(Op::EqlRegex)),
                _ => self.single(Tok::Assign),
            },
            b'!' => match self.peek_at(1) {
                Some(b'~') => self.double(Tok::Op(Op::NeqRegex)),
                Some(b'=') => self.double(Tok::Op(Op::Neq)),
                next => {
                    let (shown, end) = if next.is_none() {
                        ("EOF".to_string(), start + 1)
                    } else {
                        let ch = self.char_at(start + 1);
                        (quote_char(ch), start + 1 + ch.len_utf8())
                    };
                    return self.err(
                        start,
                        end,
                        format!("unexpected character after '!' inside braces: {shown}"),
                    );
                }
            },
            b'{' => return self.err(start, start + 1, "unexpected left brace '{'".to_string()),
            b'}' => {
                self.single(Tok::RBrace);
                self.brace_open = false;
            }
            _ => {
                let ch = self.char_at(start);
                return self.err(
                    start,
                    start + ch.len_utf8(),
                    format!("unexpected character inside braces: {}", quote_char(ch)),
                );
            }
        }
        Ok(())
    }

    fn inside_brackets(&mut self) -> LexResult {
        let start = self.pos;
        let Some(c) = self.peek() else {
            let open = self.bracket_open.unwrap_or(start);
            return if self.bracket_value {
                self.err(open, open + 1, "unclosed left bracket".to_string())
            } else {
                self.err(
                    start,
                    start,
                    "unexpected end of input in duration expression".to_string(),
                )
            };
        };
        match c {
            b'#' if self.bracket_value => self.skip_comment(),
            c if is_space(c) => self.pos += 1,
            b']' => {
                self.single(Tok::RBracket);
                self.bracket_open = None;
            }
            b':' => {
                if self.bracket_colon {
                    return self.err(
                        start,
                        start + 1,
                        "unexpected repeated colon in duration expression".to_string(),
                    );
                }
                if !self.bracket_value {
                    return self.err(
                        start,
                        start + 1,
                        "unexpected colon before duration in duration expression".to_string(),
                    );
                }
                self.bracket_colon = true;
                self.single(Tok::Colon);
            }
            b'(' => self.open_paren(start),
            b')' => self.close_paren(start)?,
            b'+' => self.single(Tok::Op(Op::Add)),
            b'-' => self.single(Tok::Op(Op::Sub)),
            b'*' => self.single(Tok::Op(Op::Mul)),
            b'/' => self.single(Tok::Op(Op::Div)),
            b'%' => self.single(Tok::Op(Op::Mod)),
            b'^' => self.single(Tok::Op(Op::Pow)),
            b',' => self.single(Tok::Comma),
            b'[' => {
                return self.err(start, start + 1, "unexpected left bracket '['".to_string());
            }
            b'0'..=b'9' => {
                self.bracket_value = true;
                self.number_or_duration()?;
            }
            b'.' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => {
                self.bracket_value = true;
                self.number_or_duration()?;
            }
            c if is_alpha(c) => {
                while self.peek().is_some_and(is_alpha) {
                    self.pos += 1;
                }
                let word = &self.text[start..self.pos];
                if let Some(kw @ (Kw::Step | Kw::Range | Kw::MaxOf | Kw::MinOf)) =
                    Kw::from_word(word)
                {
                    self.bracket_value = true;
                    self.push(Tok::Kw(kw), start);
                } else {
                    let ch = self.char_at(start);
                    let message = if self.bracket_value {
                        format!("unexpected character: {}, expected ':'", quote_char(ch))
                    } else {
                        format!(
                            "unexpected character in duration expression: {}",
                            quote_char(ch)
                        )
                    };
                    return self.err(start, self.pos, message);
                }
            }
            _ => {
                let ch = self.char_at(start);
                return self.err(
                    start,
                    start + ch.len_utf8(),
                    format!(
                        "unexpected character in duration expression: {}",
                        quote_char(ch)
                    ),
                );
            }
        }
        Ok(())
    }

    fn string(&mut self, quote: u8) -> LexResult {
        let start = self.pos;
        self.pos += 1;
        loop {
            let Some(c) = self.peek() else {
                return self.err(start, self.pos, "unterminated quoted string".to_string());
            };
            match c {
                b'\\' => self.escape(start, quote)?,
                b'\n' => {
                    return self.err(start, self.pos, "unterminated quoted string".to_string());
                }
                c if c == quote => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    let ch = self.char_at(self.pos);
                    if ch == char::REPLACEMENT_CHARACTER {
                        // Go decodes U+FFFD as its "invalid rune", and Prometheus refuses it.
                        return self.err(
                            self.pos,
                            self.pos + ch.len_utf8(),
                            "invalid UTF-8 rune".to_string(),
                        );
                    }
                    self.pos += ch.len_utf8();
                }
            }
        }
        self.push(Tok::Str, start);
        Ok(())
    }

    /// An escape sequence in a quoted string; the backslash is at `self.pos`.
    fn escape(&mut self, string_start: usize, quote: u8) -> LexResult {
        let esc_start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return self.err(
                string_start,
                self.pos,
                "escape sequence not terminated".to_string(),
            );
        };
        let (digits, base, max) = match c {
            b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' => {
                self.pos += 1;
                return Ok(());
            }
            c if c == quote => {
                self.pos += 1;
                return Ok(());
            }
            b'0'..=b'7' => (3, 8, 255),
            b'x' => {
                self.pos += 1;
                (2, 16, 255)
            }
            b'u' => {
                self.pos += 1;
                (4, 16, 0x10FFFF)
            }
            b'U' => {
                self.pos += 1;
                (8, 16, 0x10FFFF)
            }
            _ => {
                let ch = self.char_at(self.pos);
                return self.err(
                    esc_start,
                    self.pos + ch.len_utf8(),
                    format!(
                        "unknown escape sequence U+{:04X} {}",
                        ch as u32,
                        quote_char(ch)
                    ),
                );
            }
        };
        let mut value: u32 = 0;
        for _ in 0..digits {
            let Some(d) = self.peek() else {
                return self.err(
                    string_start,
                    self.pos,
                    "escape sequence not terminated".to_string(),
                );
            };
            let v = (d as char).to_digit(16).filter(|&v| v < base);
            let Some(v) = v else {
                let ch = self.char_at(self.pos);
                return self.err(
                    esc_start,
                    self.pos + ch.len_utf8(),
                    format!(
                        "illegal character U+{:04X} {} in escape sequence",
                        ch as u32,
                        quote_char(ch)
                    ),
                );
            };
            value = value * base + v;
            self.pos += 1;
        }
        if value > max || (0xD800..0xE000).contains(&value) {
            return self.err(
                esc_start,
                self.pos,
                "escape sequence is an invalid Unicode code point".to_string(),
            );
        }
        Ok(())
    }

    fn raw_string(&mut self) -> LexResult {
        let start = self.pos;
        self.pos += 1;
        match self.b[self.pos..].iter().position(|&c| c == b'`') {
            Some(i) => {
                if let Some(j) = self.text[self.pos..self.pos + i].find('\u{FFFD}') {
                    let at = self.pos + j;
                    return self.err(at, at + 3, "invalid UTF-8 rune".to_string());
                }
                self.pos += i + 1;
                self.push(Tok::Str, start);
                Ok(())
            }
            None => self.err(start, self.b.len(), "unterminated raw string".to_string()),
        }
    }

    /// A number or a duration (`5m`, `1h30m`), cut where Prometheus cuts it.
    fn number_or_duration(&mut self) -> LexResult {
        let start = self.pos;
        match scan_number(self.b, start) {
            Ok(end) => {
                self.pos = end;
                self.push(Tok::Number, start);
                Ok(())
            }
            Err(stopped) => match scan_duration_rest(self.b, stopped) {
                Ok(end) => {
                    self.pos = end;
                    self.push(Tok::Duration, start);
                    Ok(())
                }
                Err(end) => {
                    let end = end.min(self.b.len());
                    let end = (end..=self.b.len())
                        .find(|&e| self.text.is_char_boundary(e))
                        .unwrap_or(self.b.len());
                    self.err(
                        start,
                        end,
                        format!(
                            "bad number or duration syntax: {}",
                            super::literal::go_quote(&self.text[start..end])
                        ),
                    )
                }
            },
        }
    }
}

/// Scans a number from `start` the way Prometheus' lexer does: `Ok(end)` when the number
/// ends there and is not followed by a letter or digit; `Err(pos)` with how far the scan
/// got otherwise (a duration may go on from there).
pub(crate) fn scan_number(b: &[u8], start: usize) -> Result<usize, usize> {
    let mut i = start;
    let accept = |i: &mut usize, set: &[u8]| -> bool {
        match b.get(*i) {
            Some(c) if set.contains(c) => {
                *i += 1;
                true
            }
            _ => false,
        }
    };
    const DEC: &[u8] = b"0123456789";
    const HEX: &[u8] = b"0123456789abcdefABCDEF";
    let mut digits = DEC;
    if accept(&mut i, b"0") && accept(&mut i, b"xX") {
        accept(&mut i, b"_");
        digits = HEX;
    }
    accept(&mut i, b".");
    accept(&mut i, digits);
    let mut dot = false;
    let mut exponent = false;
    while let Some(&c) = b.get(i) {
        let is_exp = c == b'e' || c == b'E';
        if !(digits.contains(&c) || c == b'.' || c == b'_' || is_exp) {
            break;
        }
        if c == b'.' && dot {
            return Err(i + 1);
        }
        if is_exp && exponent {
            return Err(i + 1);
        }
        if c == b'.' {
            i += 1;
            dot = true;
            if accept(&mut i, b"_.") || digits.len() > 10 {
                return Err(i);
            }
            continue;
        }
        if is_exp {
            i += 1;
            exponent = true;
            accept(&mut i, b"+-");
            if accept(&mut i, b"._eE") || i >= b.len() {
                return Err(i);
            }
            continue;
        }
        if c == b'_' {
            i += 1;
            if accept(&mut i, b"._eE") || i >= b.len() {
                return Err(i);
            }
            continue;
        }
        while b.get(i).is_some_and(|c| digits.contains(c)) {
            i += 1;
        }
    }
    if i == start {
        return Err(i);
    }
    if b.get(i).is_some_and(|&c| is_alnum(c)) {
        return Err(i);
    }
    Ok(i)
}

/// Continues a duration from where the number scan stopped: `Ok(end)`, or `Err(pos)` with
/// the position the (failed) scan consumed up to.
fn scan_duration_rest(b: &[u8], from: usize) -> Result<usize, usize> {
    let mut i = from;
    let accept = |i: &mut usize, set: &[u8]| -> bool {
        match b.get(*i) {
            Some(c) if set.contains(c) => {
                *i += 1;
                true
            }
            _ => false,
        }
    };
    if !accept(&mut i, b"smhdwy") {
        return Err(i);
    }
    accept(&mut i, b"s");
    while accept(&mut i, b"0123456789") {
        while accept(&mut i, b"0123456789") {}
        if !accept(&mut i, b"smhdw") {
            return Err(i);
        }
        accept(&mut i, b"s");
    }
    if b.get(i).is_some_and(|&c| is_alnum(c)) {
        return Err(i + 1);
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text).tokens.iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers_and_durations_are_cut_like_prometheus() {
        assert_eq!(kinds("5m"), [Tok::Duration, Tok::Eof]);
        assert_eq!(kinds("1h30m"), [Tok::Duration, Tok::Eof]);
        assert_eq!(kinds("0x1F"), [Tok::Number, Tok::Eof]);
        assert_eq!(kinds("1e5"), [Tok::Number, Tok::Eof]);
        assert_eq!(kinds(".5"), [Tok::Number, Tok::Eof]);
        assert_eq!(kinds("Inf"), [Tok::Number, Tok::Eof]);
        let l = lex("0deadbeef");
        assert_eq!(
            l.error.unwrap().1,
            r#"bad number or duration syntax: "0de""#
        );
        let l = lex("2.5.");
        assert_eq!(
            l.error.unwrap().1,
            r#"bad number or duration syntax: "2.5.""#
        );
    }

    #[test]
    fn keywords_are_words_outside_braces_only() {
        assert_eq!(
            kinds("sum{by='x'}"),
            [
                Tok::Kw(Kw::Agg(super::super::ast::AggOp::Sum)),
                Tok::LBrace,
                Tok::Ident,
                Tok::Assign,
                Tok::Str,
                Tok::RBrace,
                Tok::Eof
            ]
        );
        assert_eq!(kinds("fill"), [Tok::Ident, Tok::Eof]);
        assert_eq!(
            kinds("fill ("),
            [Tok::Kw(Kw::Fill), Tok::LParen, Tok::Error]
        );
    }
}
