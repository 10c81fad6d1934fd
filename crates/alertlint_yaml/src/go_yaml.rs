//! What Prometheus' YAML reader (go-yaml, gopkg.in/yaml.v3 for rule files and v2 for promtool's
//! unit-test files: one scanner) accepts and saphyr, which follows YAML 1.2 to the letter,
//! rejects:
//!
//! - continuation lines of a quoted scalar indented at or below their key (go-yaml checks no
//!   indentation inside quoted scalars, only document markers at column 0);
//! - lines of a flow collection (`{…}`, `[…]`) indented at or below their key (go-yaml checks no
//!   indentation inside flow collections at all);
//! - a tab after the `:` of a key (go-yaml skips tabs wherever no key may start);
//! - the escape `\'` in a double-quoted scalar.
//!
//! and what go-yaml rejects and saphyr reads, which the reader reports as syntax errors: a key
//! not on one line with its `:` inside a flow collection ([`key_is_split`]), YAML 1.2's `\/`
//! escape ([`slash_escape`]), a tab after a block sequence's `-` ([`tab_after_dash`]).
//!
//! How: only once saphyr has failed. The reader re-reads a *working copy* of the text in which
//! the construct saphyr stopped at has been rewritten into one saphyr accepts, byte for byte in
//! place: line breaks inside the quoted scalar or flow collection, and comments inside the flow
//! collection, become spaces; tabs after the `:` become spaces; `\'` becomes `\"`. Nothing is
//! inserted or removed, so every offset saphyr reports in the copy is the offset in the file, and
//! spans, the scalar map and every diagnostic's line and column stay exact without a mapping
//! back. Re-indenting the continuation lines instead would have inserted bytes and every span
//! after them would have needed translating. The values of the scalars rewritten are decoded from
//! the file as go-yaml decodes them ([`read_quoted`], [`fold_plain`]), not taken from saphyr's
//! reading of the copy. Joining lines is neutral for go-yaml except for keys, which it requires
//! on one line: [`key_is_split`] reads the line breaks of the file, not of the copy.
//!
//! Why after a failure, not in a pass over the text before reading it: finding quoted scalars
//! and flow collections in block YAML takes a tokenizer (`'` in `it's`, `{` in a plain
//! scalar's continuation, block scalars are none), which saphyr is; its error says where one is.
//! Saphyr's error says where it stopped; what is there decides the rewrite: a quoted scalar
//! starting there, a flow collection open there (found by reading the text up to there again,
//! [`probe`]), or a tab after a key's `:`. Anything go-yaml rejects too (a document marker at
//! column 0 inside the construct, an unknown escape, a tab that indents a plain scalar's
//! continuation, a node after a comment where go-yaml wants `,`) is left alone, so the original
//! error is reported. Each rewrite changes at least one byte and never undoes another, and the
//! re-reading is bounded by [`Rewrite::work_left`], so a file full of such constructs costs a
//! bounded multiple of its size.
//!
//! Files saphyr reads without error are never rewritten (only the three checks above apply).

use crate::char_index::CharIndex;
use alertlint_diagnostics::source::Span;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Bytes that re-reading a file may cost in all, beyond a first reading: this many times the
/// file's size plus [`REREAD_BYTES`]. A rule file with a few dozen such constructs is re-read
/// well within it; a huge generated one with thousands stops with saphyr's error.
const REREAD_FACTOR: usize = 32;
const REREAD_BYTES: usize = 8 * 1024 * 1024;

/// saphyr's error for a tab after a `:` (the only error met here that is matched by its text:
/// the others are told apart by what is written where saphyr stopped).
const TAB_AFTER_COLON: &str = "':' must be followed by a valid YAML whitespace";
/// saphyr's error for a text that ends inside a quoted scalar; its position is the opening quote.
const OPEN_QUOTE_AT_END: &str = "while scanning a quoted scalar, found unexpected end of stream";

/// The working copy saphyr reads, and what was rewritten in it.
pub(crate) struct Rewrite<'a> {
    original: &'a str,
    /// The original with rewrites in place: same length, whole characters replaced by ASCII
    /// (a comment's `é` by two spaces), so byte offsets are the original's.
    working: Vec<u8>,
    /// Sorted, disjoint byte ranges whose scalars are decoded from the original.
    regions: Vec<(usize, usize)>,
    /// Bytes of reading left (see [`REREAD_FACTOR`]).
    work_left: usize,
}

impl<'a> Rewrite<'a> {
    pub(crate) fn new(original: &'a str) -> Self {
        Rewrite {
            original,
            working: original.as_bytes().to_vec(),
            regions: Vec::new(),
            work_left: original
                .len()
                .saturating_mul(REREAD_FACTOR)
                .saturating_add(REREAD_BYTES),
        }
    }

    /// The text saphyr reads next.
    pub(crate) fn working(&self) -> &str {
        // Only whole characters are ever replaced, by ASCII: still UTF-8.
        std::str::from_utf8(&self.working).unwrap_or(self.original)
    }

    /// Takes `bytes` of reading from what is left; false when that is exhausted.
    pub(crate) fn spend(&mut self, bytes: usize) -> bool {
        match self.work_left.checked_sub(bytes) {
            Some(left) => {
                self.work_left = left;
                true
            }
            None => false,
        }
    }

    /// Rewrites the construct saphyr stopped at (`at`, with its error `message`) into one it
    /// reads, where go-yaml reads the original. False when there is no such construct or
    /// nothing left to rewrite.
    pub(crate) fn rewrite_at(&mut self, at: usize, message: &str) -> bool {
        let mut edits = Vec::new();
        if message == TAB_AFTER_COLON {
            tabs_after_colon(self.original, at, &mut edits);
            return self.apply(&edits, None);
        }
        if is_quote(self.original, at) && message.contains("quoted scalar") {
            return self.rewrite_quoted(at);
        }
        // Elsewhere (a token indented too little, a tab in indentation): what is open there.
        if !self.spend(at) {
            return false;
        }
        let found = probe(&self.working()[..at]);
        if let Some(flow) = found.outermost_flow {
            return self.rewrite_flow(flow);
        }
        if let Some(quote) = found.open_quote {
            // The quoted scalar may itself be inside a flow collection opened before it, which
            // saphyr had not reported when it failed inside the scalar.
            if !self.spend(quote) {
                return false;
            }
            return match probe(&self.working()[..quote]).outermost_flow {
                Some(flow) => self.rewrite_flow(flow),
                None => self.rewrite_quoted(quote),
            };
        }
        false
    }

    fn rewrite_quoted(&mut self, start: usize) -> bool {
        let Some(scalar) = read_quoted(self.original, start) else {
            return false;
        };
        let mut edits = Vec::new();
        quoted_edits(self.original, start, &scalar, &mut edits);
        self.apply(&edits, Some((start, scalar.end)))
    }

    fn rewrite_flow(&mut self, start: usize) -> bool {
        let mut edits = Vec::new();
        match flow_collection(self.original, start, &mut edits) {
            Some(end) => self.apply(&edits, Some((start, end))),
            None => false,
        }
    }

    /// Applies `edits` (offset, new byte) and records `region`; false if no byte changed.
    fn apply(&mut self, edits: &[(usize, u8)], region: Option<(usize, usize)>) -> bool {
        let mut changed = false;
        for &(at, byte) in edits {
            if let Some(b) = self.working.get_mut(at)
                && *b != byte
            {
                *b = byte;
                changed = true;
            }
        }
        if changed && let Some((start, end)) = region {
            self.regions.push((start, end));
            self.regions.sort_unstable();
            let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.regions.len());
            for &(s, e) in &self.regions {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            self.regions = merged;
        }
        changed
    }

    /// Whether `span` overlaps a rewritten region.
    fn rewritten(&self, span: Span) -> bool {
        let after = self
            .regions
            .partition_point(|&(s, _)| s < span.end.max(span.start + 1));
        after > 0 && self.regions[after - 1].1 > span.start
    }

    /// The value of the scalar at `span` as go-yaml reads the original, if it was rewritten.
    pub(crate) fn scalar_value(&self, span: Span, style: ScalarStyle) -> Option<String> {
        if !self.rewritten(span) {
            return None;
        }
        let start = skip_properties(self.original, span.start);
        match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                read_quoted(self.original, start).map(|q| q.value)
            }
            ScalarStyle::Plain => self
                .original
                .get(start..span.end.max(start))
                .map(fold_plain),
            _ => None,
        }
    }

    pub(crate) fn original(&self) -> &'a str {
        self.original
    }
}

/// Whether the implicit key at `span` of the text saphyr read (`read`, the file or its working
/// copy) does not end, with its `:`, on the line it starts on in the file (`original`). go-yaml
/// rejects such a key; saphyr accepts one inside a flow collection (`{a\n  b: c}`), and the
/// working copy may have joined its lines. An explicit key (`? a`) may span lines.
pub(crate) fn key_is_split(read: &str, original: &str, span: Span) -> bool {
    let (read, original) = (read.as_bytes(), original.as_bytes());
    // The `:` after the key, past blanks, line breaks and comments.
    let mut p = span.end;
    let mut after_blank = true;
    let colon = loop {
        match read.get(p) {
            Some(b' ' | b'\t' | b'\n' | b'\r') => {
                after_blank = true;
                p += 1;
            }
            Some(b'#') if after_blank => {
                while !matches!(read.get(p), None | Some(b'\n' | b'\r')) {
                    p += 1;
                }
            }
            Some(b':') => break p,
            // No `:`: a key alone in a flow mapping (`{a\n b}`), which go-yaml reads on any
            // number of lines.
            _ => return false,
        }
    };
    let broken = original
        .get(span.start..colon)
        .is_some_and(|key| key.iter().any(|b| matches!(b, b'\n' | b'\r')));
    if !broken {
        return false;
    }
    let before = original[..span.start]
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    before.is_none_or(|i| original[i] != b'?')
}

/// Where the double-quoted scalar at `span` of `text` writes `\/`: an escape of YAML 1.2 that
/// saphyr reads and go-yaml rejects ("found unknown escape character").
pub(crate) fn slash_escape(text: &str, span: Span) -> Option<usize> {
    let source = text.as_bytes().get(span.start..span.end)?;
    let mut i = source.iter().position(|&b| b == b'\\')?;
    while i + 1 < source.len() {
        match (source[i], source[i + 1]) {
            (b'\\', b'/') => return Some(span.start + i),
            (b'\\', _) => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// Where a tab is written between a block sequence's `-` and its item starting at `item`:
/// saphyr reads the tab as separation, go-yaml rejects it ("found character that cannot start
/// any token").
pub(crate) fn tab_after_dash(text: &str, item: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut tab = None;
    let mut p = item.min(bytes.len());
    while p > 0 {
        match bytes[p - 1] {
            b'\t' => tab = Some(p - 1),
            b' ' => {}
            b'-' => return tab,
            _ => return None,
        }
        p -= 1;
    }
    None
}

/// A quoted scalar read as go-yaml reads it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct QuotedScalar {
    /// Offset just past the closing quote.
    pub(crate) end: usize,
    pub(crate) value: String,
    /// Offsets of the backslashes of `\'` escapes (go-yaml knows them, YAML 1.2 does not).
    escaped_quotes: Vec<usize>,
}

/// Reads the quoted scalar whose opening quote is at `start` of `text` as go-yaml's scanner
/// does: continuation lines may be indented anyhow (by tabs too), lines are folded as YAML
/// folds them, and the escapes are go-yaml's (`\'` but not `\/`). `None` where go-yaml fails:
/// no closing quote, a document marker at column 0, an unknown or malformed escape.
pub(crate) fn read_quoted(text: &str, start: usize) -> Option<QuotedScalar> {
    let bytes = text.as_bytes();
    let single = match bytes.get(start) {
        Some(b'\'') => true,
        Some(b'"') => false,
        _ => return None,
    };
    let mut value = String::new();
    let mut escaped_quotes = Vec::new();
    let mut pos = start + 1;
    loop {
        if starts_line(bytes, pos) && is_document_marker(bytes, pos) {
            return None;
        }
        // A run of non-blank characters.
        let mut joined_by_escape = false;
        loop {
            let c = text.get(pos..)?.chars().next()?;
            match c {
                ' ' | '\t' | '\n' | '\r' => break,
                '\'' if single => {
                    if bytes.get(pos + 1) == Some(&b'\'') {
                        value.push('\'');
                        pos += 2;
                    } else {
                        break;
                    }
                }
                '"' if !single => break,
                '\\' if !single => {
                    let e = text.get(pos + 1..)?.chars().next()?;
                    if matches!(e, '\n' | '\r') {
                        // An escaped line break joins the lines without a space.
                        pos = skip_break(bytes, pos + 1);
                        joined_by_escape = true;
                        break;
                    }
                    if e == '\'' {
                        escaped_quotes.push(pos);
                    }
                    let (decoded, len) = go_escape(text, pos + 1, e)?;
                    value.push(decoded);
                    pos += 1 + len;
                }
                c => {
                    value.push(c);
                    pos += c.len_utf8();
                }
            }
        }
        match bytes.get(pos) {
            None => return None,
            Some(b'\'') if single => break,
            Some(b'"') if !single => break,
            Some(_) => {}
        }
        // Blanks and line breaks between runs: kept within a line, folded across lines.
        let mut blanks = String::new();
        let mut broke = false;
        let mut empty_lines = 0usize;
        while let Some(&b) = bytes.get(pos) {
            match b {
                b' ' | b'\t' => {
                    if !broke && !joined_by_escape {
                        blanks.push(b as char);
                    }
                    pos += 1;
                }
                b'\n' | b'\r' => {
                    if broke || joined_by_escape {
                        empty_lines += 1;
                    } else {
                        broke = true;
                    }
                    pos = skip_break(bytes, pos);
                }
                _ => break,
            }
        }
        if broke {
            if empty_lines == 0 {
                value.push(' ');
            }
        } else if !joined_by_escape {
            value.push_str(&blanks);
        }
        value.extend(std::iter::repeat_n('\n', empty_lines));
    }
    Some(QuotedScalar {
        end: pos + 1,
        value,
        escaped_quotes,
    })
}

/// The character a double-quoted scalar's escape `\e` (its `e` at `at`) stands for in go-yaml,
/// and how many bytes the escape takes after the backslash.
fn go_escape(text: &str, at: usize, e: char) -> Option<(char, usize)> {
    let simple = match e {
        '0' => '\0',
        'a' => '\x07',
        'b' => '\x08',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\x0b',
        'f' => '\x0c',
        'r' => '\r',
        'e' => '\x1b',
        ' ' => ' ',
        '"' => '"',
        '\'' => '\'',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        'x' | 'u' | 'U' => {
            let digits = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let hex = text.get(at + 1..at + 1 + digits)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let code = u32::from_str_radix(hex, 16).ok()?;
            return char::from_u32(code).map(|c| (c, 1 + digits));
        }
        // `\/` among them: YAML 1.2 has it, go-yaml does not.
        _ => return None,
    };
    Some((simple, e.len_utf8()))
}

/// Edits that put a quoted scalar on one line for saphyr: its line breaks become spaces (an
/// escaped line break `\`+break becomes the escaped space `\ `), `\'` becomes `\"`.
fn quoted_edits(text: &str, start: usize, scalar: &QuotedScalar, edits: &mut Vec<(usize, u8)>) {
    for (i, b) in text.as_bytes()[start..scalar.end].iter().enumerate() {
        if matches!(b, b'\n' | b'\r') {
            edits.push((start + i, b' '));
        }
    }
    for &backslash in &scalar.escaped_quotes {
        edits.push((backslash + 1, b'"'));
    }
}

/// A plain scalar's value as go-yaml folds its source lines: each line trimmed of blanks, one
/// line break read as a space, each further one kept.
pub(crate) fn fold_plain(source: &str) -> String {
    let mut value = String::with_capacity(source.len());
    let mut empty_lines = 0usize;
    for line in source.split('\n') {
        let line = line.trim_matches([' ', '\t', '\r']);
        if line.is_empty() {
            empty_lines += 1;
            continue;
        }
        if !value.is_empty() {
            if empty_lines == 0 {
                value.push(' ');
            } else {
                value.extend(std::iter::repeat_n('\n', empty_lines));
            }
        }
        value.push_str(line);
        empty_lines = 0;
    }
    value
}

/// Reads the flow collection opening at `start` as go-yaml's scanner does, collecting the edits
/// that put it on one line for saphyr (line breaks and comments become spaces, quoted scalars
/// as [`quoted_edits`], tabs after a `:` spaces). Returns where it ends, or `None` where go-yaml
/// would fail or this reading is not sure to be go-yaml's: no end, a document marker or
/// directive at column 0, a quoted scalar go-yaml rejects, a tab indenting a plain scalar's
/// continuation line, a node after a comment that follows a node, indicators that go-yaml
/// tokenizes otherwise than saphyr (`?` inside a plain scalar, `- ` or `:x` where a node starts).
fn flow_collection(text: &str, start: usize, edits: &mut Vec<(usize, u8)>) -> Option<usize> {
    let bytes = text.as_bytes();
    if !matches!(bytes.get(start), Some(b'[' | b'{')) {
        return None;
    }
    // go-yaml refuses a tab indenting a plain scalar's continuation line left of the block
    // indentation plus one; that indentation is left of the collection's opening bracket, so
    // tabs left of the bracket are refused (sometimes where go-yaml would accept them).
    let opening_column = start - line_start(bytes, start);
    let mut depth = 0usize;
    let mut pos = start;
    let mut in_plain = false;
    // The last thing read was a whole node (scalar, alias, closed collection): after it go-yaml
    // wants `,`, `:` or a closing bracket.
    let mut node_ended = false;
    // A comment followed a node: joined, the node and whatever follows would run together.
    let mut comment_after_node = false;
    // Where the current line starts, once past the opening line; whether only blanks precede
    // `pos` on it.
    let mut continuation_line: Option<usize> = None;
    let mut indenting = false;
    loop {
        let &b = bytes.get(pos)?;
        if starts_line(bytes, pos) && (is_document_marker(bytes, pos) || b == b'%') {
            return None;
        }
        match b {
            b'\n' | b'\r' => {
                edits.push((pos, b' '));
                pos += 1;
                continuation_line = Some(pos);
                indenting = true;
                continue;
            }
            b' ' | b'\t' => {
                if b == b'\t'
                    && in_plain
                    && indenting
                    && continuation_line.is_some_and(|line| pos - line <= opening_column)
                {
                    return None;
                }
                pos += 1;
                continue;
            }
            _ => indenting = false,
        }
        let after_blank = pos == 0 || matches!(bytes[pos - 1], b' ' | b'\t' | b'\n' | b'\r');
        // go-yaml reads a comment wherever a token may start (`[#c`), not only after a blank as
        // saphyr does; inside a plain scalar, `#` after a blank.
        if b == b'#' && (after_blank || !in_plain) {
            if in_plain {
                in_plain = false;
                node_ended = true;
            }
            comment_after_node |= node_ended;
            while let Some(&c) = bytes.get(pos) {
                if matches!(c, b'\n' | b'\r') {
                    break;
                }
                edits.push((pos, b' '));
                pos += 1;
            }
            continue;
        }
        let next = bytes.get(pos + 1).copied();
        let next_is_blank = matches!(next, None | Some(b' ' | b'\t' | b'\n' | b'\r'));
        if in_plain {
            // go-yaml ends a plain scalar at a `?` and reads a key indicator there, which it
            // then rejects; saphyr reads on.
            if b == b'?' {
                return None;
            }
            let ends =
                matches!(b, b',' | b'[' | b']' | b'{' | b'}') || (b == b':' && next_is_blank);
            if !ends {
                pos += char_len(text, pos);
                continue;
            }
            in_plain = false;
            node_ended = true;
        }
        let continues_node = matches!(b, b',' | b']' | b'}' | b':');
        if comment_after_node && !continues_node {
            return None;
        }
        comment_after_node = false;
        match b {
            b'[' | b'{' => {
                depth += 1;
                node_ended = false;
                pos += 1;
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                node_ended = true;
                pos += 1;
                if depth == 0 {
                    return Some(pos);
                }
            }
            b',' => {
                node_ended = false;
                pos += 1;
            }
            b':' if next_is_blank || node_ended => {
                node_ended = false;
                pos += 1;
                // go-yaml skips tabs after it; saphyr wants a space before some values.
                while let Some(&c @ (b' ' | b'\t')) = bytes.get(pos) {
                    if c == b'\t' {
                        edits.push((pos, b' '));
                    }
                    pos += 1;
                }
            }
            b'?' if next_is_blank => pos += 1,
            // go-yaml reads `-` and a blank as a block sequence entry (and rejects it), and a
            // `:` where a token starts as a value indicator, where saphyr may read a plain
            // scalar.
            b'-' if next_is_blank => return None,
            b':' => return None,
            b'\'' | b'"' => {
                let scalar = read_quoted(text, pos)?;
                quoted_edits(text, pos, &scalar, edits);
                pos = scalar.end;
                node_ended = true;
            }
            b'&' | b'!' | b'*' => {
                pos = token_end(bytes, pos);
                node_ended = b == b'*';
            }
            _ => {
                in_plain = true;
                node_ended = false;
                pos += char_len(text, pos);
            }
        }
    }
}

/// Edits turning the tabs between a key's `:` and the value saphyr stopped at (`at`) into
/// spaces. Only after a key written before the `:` on its line: after `? key` or a `- `, go-yaml
/// refuses the tab as well.
fn tabs_after_colon(text: &str, at: usize, edits: &mut Vec<(usize, u8)>) {
    let bytes = text.as_bytes();
    let mut colon = at.min(bytes.len());
    while colon > 0 && matches!(bytes[colon - 1], b' ' | b'\t') {
        colon -= 1;
    }
    let Some(colon) = colon.checked_sub(1).filter(|&c| bytes[c] == b':') else {
        return;
    };
    let mut before = colon;
    while before > 0 && matches!(bytes[before - 1], b' ' | b'\t') {
        before -= 1;
    }
    let key_before = before > 0
        && !matches!(
            bytes[before - 1],
            b'\n' | b'\r' | b'-' | b'?' | b':' | b',' | b'[' | b'{'
        );
    if key_before {
        for (i, &b) in bytes.iter().enumerate().take(at).skip(colon + 1) {
            if b == b'\t' {
                edits.push((i, b' '));
            }
        }
    }
}

/// What is open at the end of a text: the outermost flow collection, and the quoted scalar the
/// text ends in.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Probe {
    pub(crate) outermost_flow: Option<usize>,
    pub(crate) open_quote: Option<usize>,
}

/// Reads `prefix` (a file up to where saphyr stopped): saphyr's events for collections are
/// complete up to its end, as they are not when saphyr fails in the middle of a line it had to
/// read ahead in.
pub(crate) fn probe(prefix: &str) -> Probe {
    let index = CharIndex::new(prefix);
    let bytes = prefix.as_bytes();
    // For each open collection, its opening bracket if it is a flow one.
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut found = Probe::default();
    let mut parser = Parser::new_from_str(prefix);
    loop {
        match parser.next_event() {
            None | Some(Ok((Event::StreamEnd, _))) => break,
            Some(Err(err)) => {
                if err.info() == OPEN_QUOTE_AT_END {
                    found.open_quote = Some(index.byte(err.marker().index()));
                }
                break;
            }
            Some(Ok((event, span))) => match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    // A flow collection's event ends just past its bracket (after any anchor or
                    // tag); a block one's is empty or ends before its first node.
                    let end = index.byte(span.end.index());
                    let bracket = end
                        .checked_sub(1)
                        .filter(|&b| matches!(bytes.get(b), Some(b'[' | b'{')));
                    open.push(bracket);
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    open.pop();
                }
                Event::DocumentEnd => open.clear(),
                _ => {}
            },
        }
    }
    found.outermost_flow = open.into_iter().flatten().next();
    found
}

/// Where a node starts past its anchor and tag (`&a !!str "x"`): saphyr's span of a node
/// starts at its properties.
fn skip_properties(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while matches!(bytes.get(pos), Some(b'&' | b'!')) {
        pos = token_end(bytes, pos);
        while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            pos += 1;
        }
    }
    pos
}

/// End of an anchor, alias or tag: the next blank or flow indicator.
fn token_end(bytes: &[u8], mut pos: usize) -> usize {
    pos += 1;
    while let Some(&b) = bytes.get(pos) {
        if matches!(
            b,
            b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}'
        ) {
            break;
        }
        pos += 1;
    }
    pos
}

fn is_quote(text: &str, at: usize) -> bool {
    matches!(text.as_bytes().get(at), Some(b'\'' | b'"'))
}

/// Whether `pos` is the first byte of a line (not of the text: a quoted scalar or a flow
/// collection never starts one there).
fn starts_line(bytes: &[u8], pos: usize) -> bool {
    pos > 0 && matches!(bytes[pos - 1], b'\n' | b'\r')
}

fn line_start(bytes: &[u8], pos: usize) -> usize {
    bytes[..pos]
        .iter()
        .rposition(|b| matches!(b, b'\n' | b'\r'))
        .map_or(0, |i| i + 1)
}

/// `---` or `...` followed by a blank, a line break or the end.
fn is_document_marker(bytes: &[u8], pos: usize) -> bool {
    let marker = bytes.get(pos..pos + 3);
    matches!(marker, Some(b"---" | b"..."))
        && matches!(
            bytes.get(pos + 3),
            None | Some(b' ' | b'\t' | b'\n' | b'\r')
        )
}

/// Past the line break at `pos` (`\r\n` is one).
fn skip_break(bytes: &[u8], pos: usize) -> usize {
    if bytes.get(pos) == Some(&b'\r') && bytes.get(pos + 1) == Some(&b'\n') {
        pos + 2
    } else {
        pos + 1
    }
}

fn char_len(text: &str, pos: usize) -> usize {
    text.get(pos..)
        .and_then(|s| s.chars().next())
        .map_or(1, char::len_utf8)
}
