//! A hand-written reader for the subset of Markdown most runbooks use: ATX headings,
//! paragraphs, bullet and numbered lists, fenced code, front matter, HTML comments and blocks,
//! and inline code, links, images, HTML comments and `*`/`_` emphasis. It collects exactly
//! what [`Scratch::collect_events`] collects from pulldown-cmark's events or, at the first
//! construct outside that subset (or one it is unsure of), gives up, and the runbook is read
//! by pulldown-cmark instead.
//!
//! Why by hand: reading 10,000 runbooks is most of what runbook checking costs, and
//! pulldown-cmark builds a full CommonMark tree (some 48,000 instructions a runbook) where the
//! checks need headings, code, prose, list items and links. This scanner reads the same
//! runbooks in half that. It is held to pulldown-cmark's reading by tests: every runbook of
//! the corpora, and generated documents mixing the subset with what lies outside it, must
//! come out the same both ways (`tests` in `markdown.rs`).
//!
//! Outside the subset (pulldown-cmark reads the document): tabs and other control characters,
//! setext headings, thematic breaks, block quotes, indented code, tables (and any paragraph
//! line that could be a table's delimiter row), link reference definitions, footnotes, task
//! lists, strikethrough, backslash escapes, entities, inline HTML other than comments that
//! end on their line, autolinks, headings with a closing `#` sequence or `{#id}` attributes,
//! headings, HTML and blocks other than paragraphs and fences inside list items, HTML blocks
//! other than comments and block-level tags, empty list items, fences ended by their list
//! item, emphasis next to a non-ASCII character, link titles, `<…>` destinations and
//! destinations nested deeper than 32 parentheses.

use super::Scratch;
use alertlint_diagnostics::source::Span;

/// Collects `text` into `sc` as [`Scratch::collect_events`] would and returns its front
/// matter's span (if any); `None` when `text` is outside the subset (`sc` is then partly
/// filled and must be cleared).
pub(super) fn collect(text: &str, sc: &mut Scratch) -> Option<Option<Span>> {
    let mut bufs = std::mem::take(&mut sc.scan);
    // (`inline` clears its own buffers.)
    bufs.items.clear();
    bufs.para.clear();
    let found = Scanner {
        text,
        b: text.as_bytes(),
        sc,
        bufs: &mut bufs,
        fence: None,
        html: None,
        // Searches that could go quadratic (closing backticks, emphasis openers) stop here.
        budget: 16 * text.len() + 4096,
    }
    .run();
    sc.scan = bufs;
    found
}

/// The scanner's buffers, kept from runbook to runbook.
#[derive(Default)]
pub(super) struct Buffers {
    /// The open list items' content columns, outermost first.
    items: Vec<usize>,
    /// The lines of the paragraph being read: (start of its text, end of the line).
    para: Vec<(usize, usize)>,
    delims: Vec<Delim>,
    marks: Vec<Mark>,
}

/// A run of `*` or `_` that may open or close emphasis.
#[derive(Clone, Copy)]
struct Delim {
    /// What is left of the run (an opener is used up from its end, a closer from its start).
    start: usize,
    end: usize,
    /// The run's whole length, for the rule of 3.
    len: usize,
    ch: u8,
    open: bool,
    close: bool,
    /// Still a candidate: not used up, not turned into text.
    alive: bool,
}

/// Inline markup the text goes around: a code span (with the length of its backtick runs)
/// or syntax that is dropped (emphasis markers, a link's brackets and destination).
#[derive(Clone, Copy)]
struct Mark {
    start: usize,
    end: usize,
    /// For a code span, its backtick runs' length; 0 for dropped syntax.
    ticks: usize,
}

/// An open fenced code block.
struct Fence {
    ch: u8,
    len: usize,
    /// The column of the container it is in (0, or a list item's content column).
    col: usize,
    start: usize,
}

/// An open HTML block: what ends it.
#[derive(Clone, Copy, PartialEq)]
enum HtmlEnd {
    /// `<!--`: the line holding `-->`.
    Comment,
    /// A block-level tag: a blank line.
    Blank,
}

impl HtmlEnd {
    /// Whether an HTML block of this kind ends at `line` (the whole line).
    fn ends_at(self, line: &[u8]) -> bool {
        match self {
            HtmlEnd::Comment => memchr::memmem::find(line, b"-->").is_some(),
            HtmlEnd::Blank => line.iter().all(|&c| c == b' '),
        }
    }
}

/// CommonMark's block-level HTML tags (its HTML blocks of type 6), in byte order.
#[rustfmt::skip]
const BLOCK_TAGS: [&str; 62] = [
    "address", "article", "aside", "base", "basefont", "blockquote", "body", "caption", "center",
    "col", "colgroup", "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5",
    "h6", "head", "header", "hr", "html", "iframe", "legend", "li", "link", "main", "menu",
    "menuitem", "nav", "noframes", "ol", "optgroup", "option", "p", "param", "search", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "track", "ul",
];

/// What ends the HTML block `rest` (a line from its `<`) starts, for the two kinds in the
/// subset: a comment, or a block-level tag (`<details>`, `</div>`) followed by a blank, `>`,
/// `/>` or the line's end.
fn html_block(rest: &[u8]) -> Option<HtmlEnd> {
    if rest.starts_with(b"<!--") {
        return Some(HtmlEnd::Comment);
    }
    let tag = rest.get(1..)?;
    let tag = tag.strip_prefix(b"/").unwrap_or(tag);
    let name = tag.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    let known = BLOCK_TAGS
        .binary_search_by(|probe| {
            let lower = tag[..name].iter().map(|c| c | 0x20);
            probe.bytes().cmp(lower)
        })
        .is_ok();
    let after = &tag[name..];
    let ends = after.is_empty() || after[0] == b' ' || after[0] == b'>' || after.starts_with(b"/>");
    (known && ends).then_some(HtmlEnd::Blank)
}

/// Where inline content goes: a heading's text, or prose.
#[derive(Clone, Copy, PartialEq)]
enum Sink {
    Heading,
    Prose,
}

struct Scanner<'a, 's> {
    text: &'a str,
    b: &'a [u8],
    sc: &'s mut Scratch,
    bufs: &'s mut Buffers,
    fence: Option<Fence>,
    html: Option<HtmlEnd>,
    budget: usize,
}

/// Bytes that may start inline markup (or put a line outside the subset).
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let special = b"`*_~<\\|&![]";
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = true;
        i += 1;
    }
    t
};

/// The length of the run of `c` at `b[i..]`.
fn run(b: &[u8], i: usize, c: u8) -> usize {
    b[i..].iter().take_while(|&&x| x == c).count()
}

/// Whether `rest` (a line from its first non-blank) is a thematic break: three or more of
/// one of `*`, `-`, `_`, blanks between.
fn is_thematic_break(rest: &[u8]) -> bool {
    let Some(&c) = rest.first() else { return false };
    matches!(c, b'*' | b'-' | b'_')
        && rest.iter().all(|&x| x == c || x == b' ')
        && rest.iter().filter(|&&x| x == c).count() >= 3
}

/// Whether `rest` (a line from its first non-blank) starts a block outside the subset that
/// may interrupt a paragraph: a thematic break, a block quote, a footnote definition (whose
/// brackets must not be read as the paragraph's text), or a `+++` line (pulldown-cmark takes
/// it, as a `---` one, for the start of a metadata block wherever a block may start).
fn starts_other_block(rest: &[u8]) -> bool {
    is_thematic_break(rest)
        || rest.first() == Some(&b'>')
        || rest.starts_with(b"[^")
        || rest.starts_with(b"+++")
}

/// The level of the ATX heading `rest` starts, if it does.
fn atx_level(rest: &[u8]) -> Option<usize> {
    let level = rest.iter().take_while(|&&c| c == b'#').count();
    ((1..=6).contains(&level) && rest.get(level).is_none_or(|&c| c == b' ')).then_some(level)
}

/// The fence character and length of the code fence `rest` starts, if it does.
fn fence_start(rest: &[u8]) -> Option<(u8, usize)> {
    let c = *rest.first()?;
    if c != b'`' && c != b'~' {
        return None;
    }
    let n = run(rest, 0, c);
    // A backtick fence's info string has no backtick (else it is inline code).
    (n >= 3 && (c == b'~' || !rest[n..].contains(&b'`'))).then_some((c, n))
}

/// A list item's marker at the start of `rest`.
struct Marker {
    /// Bytes of the marker (`-`, `12.`).
    width: usize,
    /// Blanks after it (1 to 4 for an item in the subset).
    spaces: usize,
    ordered: bool,
    number: usize,
    /// Nothing but blanks after the marker.
    empty: bool,
}

fn list_marker(rest: &[u8]) -> Option<Marker> {
    let c = *rest.first()?;
    let (width, ordered, number) = match c {
        b'-' | b'+' | b'*' => (1, false, 0),
        b'0'..=b'9' => {
            let digits = rest
                .iter()
                .take(9)
                .take_while(|c| c.is_ascii_digit())
                .count();
            if !matches!(rest.get(digits), Some(b'.' | b')')) {
                return None;
            }
            let number = rest[..digits]
                .iter()
                .fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
            (digits + 1, true, number)
        }
        _ => return None,
    };
    let spaces = run(rest, width, b' ');
    let empty = width + spaces == rest.len();
    if spaces == 0 && !empty {
        return None;
    }
    Some(Marker {
        width,
        spaces,
        ordered,
        number,
        empty,
    })
}

/// Whether `b[i..]` (after a `&`) could be an entity or numeric character reference.
fn entity_like(b: &[u8], i: usize) -> bool {
    let name = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'#')
        .count();
    name > 0 && b.get(i + name) == Some(&b';')
}

impl Scanner<'_, '_> {
    fn run(mut self) -> Option<Option<Span>> {
        // Tabs (whose columns the subset does not count), CR and other control bytes. (In
        // chunks, which the compiler compares a vector at a time.)
        let control = |c: &[u8]| {
            c.iter()
                .fold(false, |a, &x| a | ((x < 0x20) & (x != b'\n')))
        };
        if self.b.chunks(64).any(control) {
            return None;
        }
        let (metadata, mut pos) = self.front_matter()?;
        while pos < self.b.len() {
            let le = self.line_end(pos);
            self.line(pos, le)?;
            pos = le + 1;
        }
        // A fence still open at the end is closed by it.
        if let Some(f) = self.fence.take() {
            self.sc.code(Span::new(f.start, self.b.len()));
        }
        self.end_para()?;
        Some(metadata)
    }

    /// The end of the line starting at `pos`: its `\n`, or the text's end.
    fn line_end(&self, pos: usize) -> usize {
        memchr::memchr(b'\n', &self.b[pos..]).map_or(self.b.len(), |n| pos + n)
    }

    /// Front matter: `---` (or `+++`) alone on the first line, up to a line of exactly
    /// `---` or `...` (`+++`), as pulldown-cmark's metadata blocks. Returns its span and
    /// where the document goes on; `None` for a first line that looks like front matter but
    /// is not (a thematic break, mostly).
    fn front_matter(&self) -> Option<(Option<Span>, usize)> {
        let b = self.b;
        let c = match b.first() {
            Some(&c @ (b'-' | b'+')) => c,
            _ => return Some((None, 0)),
        };
        let first_end = self.line_end(0);
        let dashes = run(b, 0, c);
        if !b[dashes..first_end].iter().all(|&x| x == b' ') {
            // `- item`, `+ item`, `--- text`: not front matter.
            return if dashes >= 3 { None } else { Some((None, 0)) };
        }
        if dashes != 3 {
            return None;
        }
        let closes = |line: &[u8]| {
            let n = run(line, 0, c);
            let n = if n != 3 && c == b'-' {
                run(line, 0, b'.')
            } else {
                n
            };
            n == 3 && line[3..].iter().all(|&x| x == b' ')
        };
        let mut pos = first_end + 1;
        let mut first = true;
        while pos < b.len() {
            let le = self.line_end(pos);
            let line = &b[pos..le];
            if first && (closes(line) || line.iter().all(|&x| x == b' ')) {
                return None;
            }
            first = false;
            if closes(line) {
                return Some((Some(Span::new(0, pos + 3 + run(line, 3, b' '))), le + 1));
            }
            pos = le + 1;
        }
        None
    }

    /// Reads the line `ls..le` (without its `\n`) into the block it continues, ends or
    /// starts.
    fn line(&mut self, ls: usize, le: usize) -> Option<()> {
        let b = self.b;
        let indent = run(&b[..le], ls, b' ');
        let blank = ls + indent == le;
        if let Some(f) = &self.fence {
            if blank {
                return Some(());
            }
            // A line left of the fence's container would end the list item, and the block.
            let rel = indent.checked_sub(f.col)?;
            let at = ls + indent;
            if rel < 4 && b[at] == f.ch {
                let n = run(&b[..le], at, f.ch);
                let trailing = run(&b[..le], at + n, b' ');
                if n >= f.len && at + n + trailing == le {
                    let span = Span::new(f.start, at + n + trailing);
                    self.fence = None;
                    self.sc.code(span);
                }
            }
            return Some(());
        }
        if let Some(end) = self.html {
            // HTML is no prose, no code: nothing is collected from it.
            if end.ends_at(&b[ls..le]) {
                self.html = None;
            }
            return Some(());
        }
        if blank {
            return self.end_para();
        }
        let items = &self.bufs.items;
        let k = items.iter().take_while(|&&col| col <= indent).count();
        let current = k == items.len();
        let col = if k == 0 { 0 } else { items[k - 1] };
        let start = ls + indent;
        let rest = &b[start..le];
        let para_open = !self.bufs.para.is_empty();
        // Most lines are prose: only these first bytes can start anything else.
        if !matches!(
            rest[0],
            b'#' | b'`' | b'~' | b'-' | b'*' | b'+' | b'_' | b'=' | b'>' | b'<' | b'[' | b'0'
                ..=b'9'
        ) && indent - col < 4
        {
            return self.prose_line(para_open, k, start, le);
        }
        if indent - col >= 4 {
            // A paragraph's continuation (lazy, if left of its list item); else indented code.
            if para_open {
                self.bufs.para.push((start, le));
                return Some(());
            }
            return None;
        }
        let setext = |c: u8| rest.iter().all(|&x| x == c || x == b' ') && rest[0] == c;
        if (para_open && (setext(b'=') || setext(b'-'))) || starts_other_block(rest) {
            return None;
        }
        if rest[0] == b'<' {
            // Only outside list items; other HTML (inline, or blocks that cannot interrupt a
            // paragraph) is outside the subset.
            let end = html_block(rest).filter(|_| k == 0)?;
            self.end_para()?;
            self.bufs.items.clear();
            // A comment may end on the line it starts.
            if !(end == HtmlEnd::Comment && end.ends_at(rest)) {
                self.html = Some(end);
            }
            return Some(());
        }
        if let Some(level) = atx_level(rest) {
            if k > 0 {
                return None;
            }
            self.end_para()?;
            self.bufs.items.clear();
            return self.heading(start, le, level);
        }
        if let Some((ch, len)) = fence_start(rest) {
            self.end_para()?;
            self.bufs.items.truncate(k);
            self.fence = Some(Fence {
                ch,
                len,
                col,
                start,
            });
            return Some(());
        }
        if let Some(m) = list_marker(rest) {
            // In the paragraph's own container, only a non-empty bullet or `1.` item starts
            // a list; an empty one or another number continues the paragraph.
            if para_open && current && (m.empty || m.ordered && m.number != 1) {
                return self.prose_line(para_open, k, start, le);
            }
            // An empty item, or one whose text starts as indented code.
            if m.empty || m.spaces > 4 {
                return None;
            }
            self.end_para()?;
            self.bufs.items.truncate(k);
            let depth = k + 1;
            self.sc
                .items
                .push((Span::new(ls + col, le), m.ordered, depth));
            self.bufs.items.push(indent + m.width + m.spaces);
            let text_start = start + m.width + m.spaces;
            let first = &b[text_start..le];
            // A heading, fence, list, HTML or task box on the marker's line.
            if atx_level(first).is_some()
                || fence_start(first).is_some()
                || list_marker(first).is_some()
                || starts_other_block(first)
                || first[0] == b'<'
                || first.len() >= 3
                    && first[0] == b'['
                    && matches!(first[1], b' ' | b'x' | b'X')
                    && first[2] == b']'
            {
                return None;
            }
            self.bufs.para.push((text_start, le));
            return Some(());
        }
        self.prose_line(para_open, k, start, le)
    }

    /// A line of a paragraph, from `start` (its first non-blank) to `le`, whose indentation
    /// `k` open list items take.
    fn prose_line(&mut self, para_open: bool, k: usize, start: usize, le: usize) -> Option<()> {
        // A paragraph goes on, even on a line left of its list item (a lazy continuation
        // line, which keeps the item open); a new one starts in the container the line is in.
        if !para_open {
            self.bufs.items.truncate(k);
        }
        self.bufs.para.push((start, le));
        Some(())
    }

    fn heading(&mut self, start: usize, le: usize, level: usize) -> Option<()> {
        let b = self.b;
        let mut cs = start + level;
        cs += run(&b[..le], cs, b' ');
        let mut ce = le;
        while ce > cs && b[ce - 1] == b' ' {
            ce -= 1;
        }
        // A closing `#` sequence, or `{#id .class}` attributes.
        if ce > cs && matches!(b[ce - 1], b'#' | b'}') {
            return None;
        }
        self.sc.heading_text.clear();
        self.inline(cs, ce, Sink::Heading)?;
        let end = if le < b.len() { le + 1 } else { le };
        self.sc.heading(self.text, level as u8, start, end, None);
        Some(())
    }

    /// Reads the paragraph being collected, if any.
    fn end_para(&mut self) -> Option<()> {
        let (Some(&(start, _)), Some(&(_, end))) = (self.bufs.para.first(), self.bufs.para.last())
        else {
            return Some(());
        };
        // A paragraph starting `[label]:` (the label may hold code, or span lines) starts
        // with link reference definitions.
        if self.b[start] == b'[' && self.text[start..end].contains("]:") {
            return None;
        }
        // pulldown-cmark finds tables in the lines before it reads code spans, so a `|` in a
        // code span still makes a header row: a later line that could be a delimiter row
        // (`|---|:-:|`) may make the paragraph a table.
        let delimiter_row = |&(s, e): &(usize, usize)| {
            let line = &self.b[s..e];
            line.contains(&b'-') && line.iter().all(|c| matches!(c, b'|' | b'-' | b':' | b' '))
        };
        if self.bufs.para[1..].iter().any(delimiter_row) {
            return None;
        }
        let found = self.inline(start, end, Sink::Prose);
        self.bufs.para.clear();
        found
    }

    /// Reads the inline content `start..end`: a heading's text (one line), or a paragraph
    /// whose lines are in `bufs.para` (what lies between them is blanks and line ends).
    fn inline(&mut self, start: usize, end: usize, sink: Sink) -> Option<()> {
        let b = self.b;
        self.bufs.delims.clear();
        self.bufs.marks.clear();
        // The open `[` or `![`: (position, length, first delimiter inside).
        let mut bracket: Option<(usize, usize, usize)> = None;
        let mut i = start;
        while i < end {
            match b[i..end].iter().position(|&c| SPECIAL[usize::from(c)]) {
                Some(n) => i += n,
                None => break,
            }
            let c = b[i];
            match c {
                b'`' => {
                    let n = run(&b[..end], i, b'`');
                    match self.closing_backticks(i + n, end, n)? {
                        Some(j) => {
                            self.bufs.marks.push(Mark {
                                start: i,
                                end: j + n,
                                ticks: n,
                            });
                            i = j + n;
                        }
                        None => i += n,
                    }
                }
                b'*' | b'_' => {
                    let n = run(&b[..end], i, c);
                    // Beyond the content is a line's start or end: blank.
                    let before = if i > start { b[i - 1] } else { b' ' };
                    let after = if i + n < end { b[i + n] } else { b' ' };
                    if !before.is_ascii() || !after.is_ascii() {
                        return None;
                    }
                    let blank = |x: u8| x == b' ' || x == b'\n';
                    let left = !blank(after)
                        && (!after.is_ascii_punctuation()
                            || blank(before)
                            || before.is_ascii_punctuation());
                    let right = !blank(before)
                        && (!before.is_ascii_punctuation()
                            || blank(after)
                            || after.is_ascii_punctuation());
                    let (open, close) = if c == b'*' {
                        (left, right)
                    } else {
                        (
                            left && (!right || before.is_ascii_punctuation()),
                            right && (!left || after.is_ascii_punctuation()),
                        )
                    };
                    self.bufs.delims.push(Delim {
                        start: i,
                        end: i + n,
                        len: n,
                        ch: c,
                        open,
                        close,
                        alive: true,
                    });
                    i += n;
                }
                b'&' => {
                    if entity_like(&b[..end], i + 1) {
                        return None;
                    }
                    i += 1;
                }
                b'!' => {
                    if i + 1 < end && b[i + 1] == b'[' {
                        if bracket.is_some() {
                            return None;
                        }
                        bracket = Some((i, 2, self.bufs.delims.len()));
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                b'[' => {
                    if bracket.is_some() || b.get(i + 1) == Some(&b'^') {
                        return None;
                    }
                    bracket = Some((i, 1, self.bufs.delims.len()));
                    i += 1;
                }
                b']' => {
                    // (`[label]:` starting a paragraph was left to pulldown-cmark before: a
                    // link reference definition. Anywhere else, `]:` is text.)
                    if let Some((open, olen, first)) = bracket.take()
                        && i + 1 < end
                        && b[i + 1] == b'('
                        && let Some((ds, de, close)) = self.destination(i + 2, end)?
                    {
                        // The link's text is a scope of its own for emphasis.
                        self.emphasis(first)?;
                        self.bufs.marks.push(Mark {
                            start: open,
                            end: open + olen,
                            ticks: 0,
                        });
                        self.bufs.marks.push(Mark {
                            start: i,
                            end: close + 1,
                            ticks: 0,
                        });
                        self.sc.link(&self.text[ds..de], Span::new(open, close + 1));
                        i = close + 1;
                    } else {
                        i += 1;
                    }
                }
                // An HTML comment whose end is on its line (`### Step 2: <!-- TODO -->`):
                // dropped, as its `InlineHtml` event is. Other HTML, and autolinks, are
                // outside the subset.
                b'<' if b[i..end].starts_with(b"<!--") => {
                    let line_end = memchr::memchr(b'\n', &b[i..end]).map_or(end, |n| i + n);
                    let close = memchr::memmem::find(&b[i + 2..line_end], b"-->")?;
                    let close = i + 2 + close + 3;
                    self.bufs.marks.push(Mark {
                        start: i,
                        end: close,
                        ticks: 0,
                    });
                    i = close;
                }
                // A `<` before a blank or the end starts no tag, comment or autolink (Hugo's
                // `{{< ref "x.md" >}}`).
                b'<' if b.get(i + 1).is_none_or(|&c| c == b' ' || c == b'\n') || i + 1 == end => {
                    i += 1;
                }
                b'|' if sink == Sink::Prose => return None,
                b'|' => i += 1,
                // `~`, `<`, `\`.
                _ => return None,
            }
        }
        self.emphasis(0)?;
        self.emit(start, end, sink);
        Some(())
    }

    /// Where the backtick run of length `n` closing a code span starts, searching
    /// `from..end`: `Some(None)` when there is none (the backticks are text).
    fn closing_backticks(&mut self, from: usize, end: usize, n: usize) -> Option<Option<usize>> {
        let b = self.b;
        let mut j = from;
        while j < end {
            if b[j] == b'`' {
                let m = run(&b[..end], j, b'`');
                if m == n {
                    return Some(Some(j));
                }
                j += m;
            } else {
                j += 1;
            }
        }
        self.budget = self.budget.checked_sub(end - from)?;
        Some(None)
    }

    /// An inline link's destination from `from` (after `](`): its range and the closing
    /// parenthesis; `Some(None)` when there is no link here.
    fn destination(&self, from: usize, end: usize) -> Option<Option<(usize, usize, usize)>> {
        let b = self.b;
        let blanks = |mut j: usize| {
            while j < end && b[j] == b' ' {
                j += 1;
            }
            j
        };
        let ds = blanks(from);
        let mut j = ds;
        let mut depth = 0usize;
        while j < end {
            match b[j] {
                b' ' | b'\n' => break,
                // `<…>` destinations; a `<` inside one is a character like another.
                b'<' if j == ds => return None,
                b'\\' => return None,
                b'&' if entity_like(&b[..end], j + 1) => return None,
                // Deeper than pulldown-cmark's limit of nested parentheses, where it reads no
                // link: left to it.
                b'(' if depth >= 32 => return None,
                b'(' => depth += 1,
                b')' if depth == 0 => break,
                b')' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        let de = j;
        let close = blanks(j);
        if depth > 0 || close >= end || matches!(b[close], b'"' | b'\'' | b'(' | b'\n') {
            // Unbalanced parentheses, a title, or a line end.
            return None;
        }
        // Anything else after the destination (`](https://x?m={{ $labels.m }})`): no link,
        // and with no reference definitions, the brackets are text.
        Some((b[close] == b')').then_some((ds, de, close)))
    }

    /// Matches the emphasis delimiters from `bottom` on (CommonMark's "process emphasis"),
    /// marks what each match uses up (two of each run for strong emphasis, where both have
    /// two left, else one), and drops them all from the stack. What is left is text.
    fn emphasis(&mut self, bottom: usize) -> Option<()> {
        let d = &mut self.bufs.delims;
        let mut ci = bottom;
        while ci < d.len() {
            if !d[ci].alive || !d[ci].close {
                ci += 1;
                continue;
            }
            let closer = d[ci];
            self.budget = self.budget.checked_sub(ci - bottom)?;
            let opener = (bottom..ci).rev().find(|&oi| {
                let o = d[oi];
                o.alive
                    && o.open
                    && o.ch == closer.ch
                    // The rule of 3, on the runs' whole lengths.
                    && !((o.close || closer.open)
                        && (o.len + closer.len).is_multiple_of(3)
                        && !(o.len.is_multiple_of(3) && closer.len.is_multiple_of(3)))
            });
            let Some(oi) = opener else {
                if !closer.open {
                    d[ci].alive = false;
                }
                ci += 1;
                continue;
            };
            let used = if d[oi].end - d[oi].start >= 2 && closer.end - closer.start >= 2 {
                2
            } else {
                1
            };
            d[oi].end -= used;
            d[ci].start += used;
            for (start, end) in [
                (d[oi].end, d[oi].end + used),
                (closer.start, closer.start + used),
            ] {
                self.bufs.marks.push(Mark {
                    start,
                    end,
                    ticks: 0,
                });
            }
            for x in &mut d[oi + 1..ci] {
                x.alive = false;
            }
            if d[oi].start == d[oi].end {
                d[oi].alive = false;
            }
            // A closer with some left looks for another opener.
            if d[ci].start == d[ci].end {
                d[ci].alive = false;
                ci += 1;
            }
        }
        d.truncate(bottom);
        Some(())
    }

    /// Hands the inline content `start..end` to the sink: the text between the marks (split
    /// at line ends), and code spans.
    fn emit(&mut self, start: usize, end: usize, sink: Sink) {
        let mut marks = std::mem::take(&mut self.bufs.marks);
        marks.sort_unstable_by_key(|m| m.start);
        let mut at = start;
        let mut line = 0;
        for m in &marks {
            self.text_between(at, m.start, &mut line, sink);
            if m.ticks > 0 {
                let span = Span::new(m.start, m.end);
                match sink {
                    Sink::Prose => self.sc.code(span),
                    Sink::Heading => {
                        let code = &self.text[m.start + m.ticks..m.end - m.ticks];
                        // CommonMark strips one blank from each end of a code span's text
                        // that has one at both and is not all blanks.
                        let code = if code.len() >= 2
                            && code.starts_with(' ')
                            && code.ends_with(' ')
                            && code.bytes().any(|c| c != b' ')
                        {
                            &code[1..code.len() - 1]
                        } else {
                            code
                        };
                        self.sc.heading_text.push_str(code);
                    }
                }
            }
            at = m.end;
        }
        self.text_between(at, end, &mut line, sink);
        marks.clear();
        self.bufs.marks = marks;
    }

    /// The text of `from..to`, one piece per line it spans (a heading is one line).
    fn text_between(&mut self, from: usize, to: usize, line: &mut usize, sink: Sink) {
        if from >= to {
            return;
        }
        match sink {
            Sink::Heading => self.sc.heading_text.push_str(&self.text[from..to]),
            Sink::Prose => {
                let lines = &self.bufs.para;
                while *line < lines.len() && lines[*line].1 <= from {
                    *line += 1;
                }
                let mut l = *line;
                while l < lines.len() && lines[l].0 < to {
                    let (s, e) = lines[l];
                    let (s, e) = (s.max(from), e.min(to));
                    if s < e {
                        self.sc.prose(self.text, Span::new(s, e));
                    }
                    l += 1;
                }
            }
        }
    }
}
