//! One runbook: its Markdown file read into headings, header fields, diagnostic steps, links
//! and `Step N` references, each with the byte span it was written at. Read by
//! `pulldown-cmark`'s offset iterator, which gives each event's byte range in the file.

use super::slug::Slugger;
use crate::config::runbooks::Settings;
use alertlint_diagnostics::source::{SourceFile, Span};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock};

/// A piece of text a runbook keeps beside its file's text (a heading as rendered, a link's
/// destination as decoded): a range of the runbook's string buffer, read with
/// [`Runbook::str`]. One buffer per runbook instead of a `String` per piece: 10,000 runbooks
/// hold some thirty pieces each, and every allocation is memory the kernel must hand over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Text {
    start: u32,
    end: u32,
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub level: u8,
    /// Whether `body` holds any prose or code (HTML comments and sub-headings don't count).
    pub has_content: bool,
    /// The heading's text as rendered (emphasis and code markers removed).
    pub text: Text,
    /// [`Fingerprint::of`] the text.
    print: Fingerprint,
    /// An explicit `{#id}`, if written.
    pub id: Option<Text>,
    pub span: Span,
    /// From the end of the heading to the next heading of the same or a higher level.
    pub body: Span,
}

/// A header field such as `**Severity:** critical`.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name as written (`Last updated`).
    pub name: Text,
    /// The value without its formatting (`critical`).
    pub value: Text,
    pub name_span: Span,
    /// Where [`Field::value`] is written; an empty value is a point after the colon.
    pub value_span: Span,
    /// [`Fingerprint::of`] the name.
    print: Fingerprint,
}

/// Where a step's title is written.
#[derive(Debug, Clone)]
pub enum StepTitle {
    /// The heading of this index (`### Step 2: Restart the pod`, or the whole section).
    Heading(usize),
    /// A numbered list item's first line, without its number.
    Line(Text),
}

#[derive(Debug, Clone)]
pub struct Step {
    pub number: usize,
    pub title: StepTitle,
    /// The step's heading or list item line.
    pub span: Span,
    pub body: Span,
    /// Whether the step has something to do: a command (code), a link, or a decision
    /// (`if … → go to Step 3`, or a reference to another step).
    pub actionable: bool,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub dest: Text,
    pub span: Span,
}

/// `Step N` written in the text (not in a heading that defines step N, not in code).
#[derive(Debug, Clone)]
pub struct StepRef {
    pub number: usize,
    pub span: Span,
}

#[derive(Debug)]
pub struct Runbook {
    /// The file, as shown in reports.
    pub path: PathBuf,
    /// The file's text, read again when a report needs it: see [`Runbook::file`].
    file: OnceLock<Arc<SourceFile>>,
    /// The headings' anchors, made on first use: see [`Runbook::slugs`].
    slugs: OnceLock<Box<[String]>>,
    /// Index of the root it was found under.
    pub root: usize,
    /// Path relative to the root, with `/`.
    pub rel: String,
    /// An index page (`_index.md`, `index.md`, `README.md`): never an orphan, not a runbook.
    pub is_index: bool,
    /// Set when the file was too large to read; everything else is then empty.
    pub too_large: Option<u64>,
    pub headings: Vec<Heading>,
    pub fields: Vec<Field>,
    pub steps: Vec<Step>,
    /// The section the steps were taken from, if any.
    pub diagnosis: Option<usize>,
    pub links: Vec<Link>,
    pub step_refs: Vec<StepRef>,
    /// What the [`Text`]s point into.
    strings: Box<str>,
}

/// Buffers one thread reuses from runbook to runbook, so that parsing 10,000 runbooks does
/// not allocate (and the kernel fault in) fresh scratch memory for each.
#[derive(Default)]
pub struct Scratch {
    /// Spans of text that counts as content (prose, code), to tell empty sections apart.
    content: Vec<Span>,
    code: Vec<Span>,
    /// Prose outside code and front matter.
    text_spans: Vec<Span>,
    /// List items: (span, in an ordered list, list depth).
    items: Vec<(Span, bool, usize)>,
    lists: Vec<bool>,
    headings: Vec<Heading>,
    fields: Vec<Field>,
    links: Vec<Link>,
    step_refs: Vec<StepRef>,
    /// Steps found, before their bodies are read: (number, title, span, body).
    step_heads: Vec<(usize, StepTitle, Span, Span)>,
    /// Top-level items of the diagnosis section's ordered lists.
    tops: Vec<Span>,
    /// Code blocks and headings in the part of a runbook where header fields are read.
    not_fields: Vec<Span>,
    /// The runbook's [`Text`]s, copied into an exact-size buffer at the end.
    strings: String,
    heading_text: String,
    /// A step's prose, joined for the decision pattern.
    body_text: String,
}

/// A piece of a runbook's strings.
fn piece(strings: &str, t: Text) -> &str {
    strings.get(t.start as usize..t.end as usize).unwrap_or("")
}

/// The first of `headings` (their texts in `strings`) whose [`normalize`]d text is the
/// section name `key`.
fn section_index(headings: &[Heading], strings: &str, key: &NameKey) -> Option<usize> {
    let (name, print) = key.names.first()?;
    headings
        .iter()
        .position(|h| print.matches(h.print, || piece(strings, h.text), name))
}

/// Appends `s` to `strings` and names the piece.
fn keep(strings: &mut String, s: &str) -> Text {
    // Pieces come from a file of at most `MAX_RUNBOOK_BYTES`, so their offsets fit.
    let start = u32::try_from(strings.len()).unwrap_or(u32::MAX);
    strings.push_str(s);
    let end = u32::try_from(strings.len()).unwrap_or(u32::MAX);
    Text { start, end }
}

/// The items of a scratch vector in a vector of exactly their number: what a runbook keeps
/// for the whole run takes no more memory than it needs.
fn exact<T>(v: &mut Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(v.len());
    out.append(v);
    out
}

/// A field or section name as runbooks are searched for it: [`normalize`]d, with a field's
/// aliases, each with its [`Fingerprint`]. Made once and asked of every runbook.
#[derive(Debug, Clone)]
pub struct NameKey {
    names: Vec<(String, Fingerprint)>,
}

impl NameKey {
    /// A header field's name and its aliases (`Owner` is also `Team`).
    pub fn field(name: &str) -> NameKey {
        let key = normalize(name);
        let aliases = aliases_of(&key);
        NameKey::new(key, aliases)
    }

    /// A section heading's name.
    pub fn section(name: &str) -> NameKey {
        NameKey::new(normalize(name), &[])
    }

    /// `key` (normalized) and its `aliases`, each with its fingerprint.
    fn new(key: String, aliases: &[&str]) -> NameKey {
        let names =
            std::iter::once(key).chain(aliases.iter().map(std::string::ToString::to_string));
        NameKey {
            names: names
                .map(|n| {
                    let print = Fingerprint::of_normalized(n.bytes());
                    (n, print)
                })
                .collect(),
        }
    }
}

/// A root's settings' names as runbooks are searched for them, made once per root.
#[derive(Debug, Clone)]
pub struct NameKeys {
    /// `Settings::fields`, in order.
    pub fields: Vec<NameKey>,
    /// `Settings::sections`, in order.
    pub sections: Vec<NameKey>,
    /// `Settings::diagnosis`, in order.
    pub diagnosis: Vec<NameKey>,
}

impl NameKeys {
    pub fn new(settings: &Settings) -> NameKeys {
        let sections = |names: &[String]| names.iter().map(|n| NameKey::section(n)).collect();
        NameKeys {
            fields: settings.fields.iter().map(|n| NameKey::field(n)).collect(),
            sections: sections(&settings.sections),
            diagnosis: sections(&settings.diagnosis),
        }
    }
}

/// Lower-case letters and digits only: how headings and field names are compared
/// (`Post-incident` = `post incident` = `POST INCIDENT:`). A leading `1.` numbering goes.
pub(crate) fn normalize(s: &str) -> String {
    normalized(s).collect()
}

/// `s` without a leading `1.` or `1)` numbering (and the blanks before it).
fn without_numbering(s: &str) -> &str {
    let t = s.trim_start();
    let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    match t.get(digits..) {
        Some(rest) if digits > 0 && rest.starts_with(['.', ')']) => &rest[1..],
        _ => t,
    }
}

/// The characters of [`normalize`]`(s)`.
fn normalized(s: &str) -> impl Iterator<Item = char> + '_ {
    without_numbering(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
}

/// Whether `normalize(s) == key`, without allocating: for names too long for their
/// [`Fingerprint`] to settle.
fn normalized_eq(s: &str, key: &str) -> bool {
    normalized(s).eq(key.chars())
}

/// A short stand-in for a [`normalize`]d name, computed from the name as written: its first
/// 15 bytes and, in the last byte, its length (at most 255). Kept with each heading and
/// field: the checks look up some ten names in each of 10,000 runbooks, and comparing two
/// fingerprints settles most lookups without normalizing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// The fingerprint of an already [`normalize`]d name.
    fn of_normalized(normalized: impl Iterator<Item = u8>) -> Fingerprint {
        let mut bytes = [0u8; 16];
        let mut len = 0usize;
        for b in normalized {
            // From the sixteenth byte on, they all land in the last place, where the length goes.
            bytes[len.min(15)] = b;
            len += 1;
        }
        bytes[15] = len.min(255) as u8;
        Fingerprint(bytes)
    }

    /// The fingerprint of `normalize(s)`, without building it.
    fn of(s: &str) -> Fingerprint {
        if !s.is_ascii() {
            return Fingerprint::of_normalized(normalize(s).bytes());
        }
        // 130,000 headings and fields in 10,000 runbooks come through here: one loop without
        // branches. Every byte is stored at the next free place, which only a kept one takes.
        let mut bytes = [0u8; 16];
        let mut len = 0usize;
        for &b in without_numbering(s).as_bytes() {
            let k = KEY_BYTE[usize::from(b)];
            bytes[len.min(15)] = k;
            len += usize::from(k != 0);
        }
        bytes[15] = len.min(255) as u8;
        Fingerprint(bytes)
    }

    /// Whether the name `written` (fingerprint `other`) normalizes to `name`, whose
    /// fingerprint this is. Names of up to 15 bytes are wholly in their fingerprints.
    fn matches<'s>(
        self,
        other: Fingerprint,
        written: impl FnOnce() -> &'s str,
        name: &str,
    ) -> bool {
        self == other && (self.0[15] <= 15 || normalized_eq(written(), name))
    }
}

/// What an ASCII byte is in a [`normalize`]d name: letters lower-cased, digits kept, and 0
/// for the rest (dropped). A table: one load a byte where two tests and a conversion were.
static KEY_BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// Whether an ASCII byte is a word character, as a `\b` of the `regex` crate sees it in
/// ASCII mode (every byte of a multi-byte character is not).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The number written at `b[i..]`: 1 to 6 ASCII digits that no word character follows.
fn step_number(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let digits = b
        .get(i..)?
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 || digits > 6 || b.get(i + digits).is_some_and(|&c| is_word_byte(c)) {
        return None;
    }
    let n = b[i..i + digits]
        .iter()
        .fold(0, |n, d| n * 10 + usize::from(d - b'0'));
    Some((n, i + digits))
}

/// The number of a step heading: `Step 2: Restart the pod`, `step #3`, `STEP 4` (`step` in
/// any case, blanks and a `#` around it, 1 to 6 digits ending a word), at the start.
/// Matched by hand rather than with a regex: 10,000 runbooks have some 30,000 headings,
/// and a regex search costs more than the rest of reading one.
fn step_heading_number(title: &str) -> Option<usize> {
    let t = title.trim_start();
    let b = t.as_bytes();
    if !b.get(..4).is_some_and(|w| w.eq_ignore_ascii_case(b"step")) {
        return None;
    }
    let rest = t[4..].trim_start();
    let rest = rest.strip_prefix('#').map_or(rest, str::trim_start);
    step_number(rest.as_bytes(), 0).map(|(n, _)| n)
}

/// `Step N` references in prose: `Step` (capitalised, starting a word), one space, an
/// optional `#`, and 1 to 6 digits ending a word: each one's number and byte range.
fn step_refs(t: &str) -> impl Iterator<Item = (usize, Range<usize>)> + '_ {
    let b = t.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            // A `memchr` for `S` first: most prose has none at all. (`from` follows an
            // ASCII byte, so it is a character boundary.)
            let at = from + t[from..].find('S')?;
            from = at + 1;
            if !b[at..].starts_with(b"Step ") || at > 0 && is_word_byte(b[at - 1]) {
                continue;
            }
            let digits = at + 5 + usize::from(b.get(at + 5) == Some(&b'#'));
            if let Some((n, end)) = step_number(b, digits) {
                from = end;
                return Some((n, at..end));
            }
        }
    })
}

/// Other names accepted for a required header field (by normalized name).
fn aliases_of(key: &str) -> &'static [&'static str] {
    match key {
        "alert" => &["alertname", "alerts"],
        "owner" => &["team", "owners", "owningteam"],
        "lastupdated" => &["updated", "lastreviewed", "reviewed", "lastmodified"],
        "severity" => &["severities"],
        _ => &[],
    }
}

static DECISION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)((?-u:\b)if(?-u:\b)|(?-u:\b)when(?-u:\b)|(?-u:\b)unless(?-u:\b)|(?-u:\b)otherwise(?-u:\b))[^\n]*?(→|->|=>|(?-u:\b)go to(?-u:\b)|(?-u:\b)escalate(?-u:\b)|(?-u:\b)page(?-u:\b)|(?-u:\b)roll ?back(?-u:\b)|(?-u:\b)continue(?-u:\b)|(?-u:\b)skip(?-u:\b)|(?-u:\b)step\s+\d)")
        .expect("static regex")
});
/// A `Name: value` header line, as the pattern
/// `^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?([A-Za-z][A-Za-z0-9 _-]{0,40}?)[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*(.*?)[ \t\\]*$`
/// reads it: the byte ranges of the name and of the value. Written out rather than left to
/// `regex` because that pattern's groups need its backtracking engine, a microsecond a line:
/// a tenth of reading 10,000 runbooks. The test `field_line_reads_as_the_pattern` holds
/// the two equal.
fn field_line(line: &str) -> Option<(Range<usize>, Range<usize>)> {
    let b = line.as_bytes();
    let blanks = |mut i: usize| {
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    };
    let after_bold = |i: usize| match b.get(i..i + 2) {
        Some(b"**" | b"__") => i + 2,
        _ => i,
    };
    // An optional list marker, then optional bold: neither can be skipped to find a match
    // elsewhere, as the name must start with a letter.
    let mut i = blanks(0);
    if matches!(b.get(i), Some(b'-' | b'*' | b'+')) && matches!(b.get(i + 1), Some(b' ' | b'\t')) {
        i = blanks(i + 1);
    }
    let start = after_bold(i);
    if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    // The shortest name (at most 41 characters) that blanks, optional bold and `:` follow.
    let mut end = start + 1;
    let colon = loop {
        let j = blanks(after_bold(blanks(end)));
        if b.get(j) == Some(&b':') {
            break j;
        }
        let more = b
            .get(end)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b' ' | b'_' | b'-'));
        if !more || end - start > 40 {
            return None;
        }
        end += 1;
    };
    let value_start = blanks(after_bold(blanks(colon + 1)));
    let mut value_end = b.len();
    while value_end > value_start && matches!(b[value_end - 1], b' ' | b'\t' | b'\\') {
        value_end -= 1;
    }
    Some((start..end, value_start..value_end))
}
static FIELD_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ \t]*\|[ \t]*(?:\*\*|__)?([A-Za-z][A-Za-z0-9 _-]{0,40}?)(?:\*\*|__)?:?[ \t]*\|[ \t]*(.*?)[ \t]*\|[ \t]*$")
        .expect("static regex")
});

/// The Markdown runbooks are read as: GitHub's extensions, `{#id}` on headings, and front
/// matter (YAML or TOML).
const MARKDOWN: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS)
    .union(Options::ENABLE_HEADING_ATTRIBUTES)
    .union(Options::ENABLE_YAML_STYLE_METADATA_BLOCKS)
    .union(Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS);

/// Markdown files larger than this are not parsed (no runbook comes close).
pub(crate) const MAX_RUNBOOK_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a runbook's bytes into `bytes` (cleared first), or, past [`MAX_RUNBOOK_BYTES`],
/// nothing and returns its size. An unreadable file reads as empty.
fn read_bytes(path: &Path, bytes: &mut Vec<u8>) -> Option<u64> {
    use std::io::Read;
    bytes.clear();
    let Ok(mut f) = std::fs::File::open(path) else {
        return None;
    };
    // Read to the end into the reused buffer, without asking the file's size first: the
    // read that finds the end costs less than an `fstat` (measured over 10,000 runbooks).
    // (`File::read_to_end` itself would ask, so the reads go through `take`.)
    if (&mut f)
        .take(MAX_RUNBOOK_BYTES + 1)
        .read_to_end(bytes)
        .is_err()
    {
        // A file that cannot be read reads as empty, whether it fails at once or part-way.
        bytes.clear();
    }
    if bytes.len() as u64 > MAX_RUNBOOK_BYTES {
        bytes.clear();
        return Some(f.metadata().map_or(MAX_RUNBOOK_BYTES + 1, |m| m.len()));
    }
    None
}

/// A runbook's text: [`read_bytes`] into `bytes`, then decoded (invalid UTF-8 replaced);
/// `Err` with the size of a file too large to read. (The read `check` does, without the
/// parse: `examples/runbook_floor.rs` times it as the floor of runbook checking.)
pub fn read_text<'a>(
    path: &Path,
    bytes: &'a mut Vec<u8>,
) -> Result<std::borrow::Cow<'a, str>, u64> {
    if let Some(size) = read_bytes(path, bytes) {
        return Err(size);
    }
    // Checked at full speed first; only invalid UTF-8 takes the replacing path.
    Ok(match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    })
}

impl Scratch {
    /// Empties what one runbook's reading collects.
    fn clear(&mut self) {
        self.content.clear();
        self.code.clear();
        self.text_spans.clear();
        self.items.clear();
        self.lists.clear();
        self.headings.clear();
        self.fields.clear();
        self.links.clear();
        self.step_refs.clear();
        self.strings.clear();
    }

    /// Collects `text`'s headings, code, prose, list items and links from pulldown-cmark's
    /// events; returns the front matter's span, if any.
    fn collect_events(&mut self, text: &str) -> Option<Span> {
        // (level, start, id) of the heading being read; its text goes to `heading_text`.
        let mut heading: Option<(u8, usize, Option<Text>)> = None;
        let mut code_depth = 0usize;
        let mut metadata: Option<Span> = None;
        for (event, range) in Parser::new_ext(text, MARKDOWN).into_offset_iter() {
            let span = Span::new(range.start, range.end.min(text.len()));
            match event {
                Event::Start(Tag::Heading { level, id, .. }) => {
                    self.heading_text.clear();
                    let id = id.map(|id| keep(&mut self.strings, &id));
                    heading = Some((level as u8, span.start, id));
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, start, id)) = heading.take() {
                        self.heading(text, level, start, span.end, id);
                    }
                }
                Event::Start(Tag::CodeBlock(_)) => {
                    code_depth += 1;
                    self.code(span);
                }
                Event::End(TagEnd::CodeBlock) => code_depth = code_depth.saturating_sub(1),
                Event::Start(Tag::MetadataBlock(_)) => metadata = Some(span),
                Event::Start(Tag::List(first)) => self.lists.push(first.is_some()),
                Event::End(TagEnd::List(_)) => {
                    self.lists.pop();
                }
                Event::Start(Tag::Item) => {
                    let ordered = self.lists.last().copied().unwrap_or(false);
                    self.items.push((span, ordered, self.lists.len()));
                }
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    self.link(&dest_url, span);
                }
                Event::Code(c) => {
                    if heading.is_some() {
                        self.heading_text.push_str(&c);
                    } else {
                        self.code(span);
                    }
                }
                Event::Text(t) => {
                    if heading.is_some() {
                        self.heading_text.push_str(&t);
                    } else if code_depth == 0 && metadata.is_none_or(|m| span.start >= m.end) {
                        self.prose(text, span);
                    }
                }
                Event::SoftBreak | Event::HardBreak if heading.is_some() => {
                    self.heading_text.push(' ');
                }
                _ => {}
            }
        }
        metadata
    }

    /// A heading of `level` written from `start`, whose Markdown ends at `end` (its line's
    /// end, blanks included), with the text read into `heading_text`.
    fn heading(&mut self, text: &str, level: u8, start: usize, end: usize, id: Option<Text>) {
        let htext = self.heading_text.trim();
        // Offsets come from the parser over `text`: `get` only guards them.
        let written_end = text
            .get(..end.max(start))
            .map_or(start, |t| t.trim_end().len().max(start));
        let print = Fingerprint::of(htext);
        let htext = keep(&mut self.strings, htext);
        self.headings.push(Heading {
            level,
            text: htext,
            print,
            id,
            span: Span::new(start, written_end),
            body: Span::point(end),
            has_content: false,
        });
    }

    /// A code block or code span.
    fn code(&mut self, span: Span) {
        self.code.push(span);
        self.content.push(span);
    }

    /// A link's or an image's destination.
    fn link(&mut self, dest: &str, span: Span) {
        self.links.push(Link {
            dest: keep(&mut self.strings, dest),
            span,
        });
    }

    /// A piece of prose. A piece that continues the previous one in the file (pulldown-cmark
    /// splits text at a character that turns out not to be markup, `x_y` as `x`, `_`, `y`)
    /// extends it: prose is the text as written, without its markup (so `Step 3_` is no
    /// reference to step 3).
    fn prose(&mut self, text: &str, span: Span) {
        if !text.get(span.range()).unwrap_or("").trim().is_empty() {
            self.content.push(span);
        }
        match self.text_spans.last_mut() {
            Some(last) if last.end == span.start => last.end = span.end,
            _ => self.text_spans.push(span),
        }
    }
}

impl Runbook {
    /// The runbook's file, for reports. Loading keeps what the checks read (headings, fields,
    /// steps, links) but not the text, the largest part of 10,000 runbooks' memory, which
    /// only runbooks with findings need: it is read again on first use. (A file changed in
    /// between shows as it is now; positions are clamped into it.)
    pub fn file(&self) -> &Arc<SourceFile> {
        self.file.get_or_init(|| {
            // A file already found too large is not read again (8 MiB, for nothing).
            if self.too_large.is_some() {
                return SourceFile::new(self.path.clone(), String::new());
            }
            // The buffer becomes the text (no copy).
            let mut bytes = Vec::new();
            let text = match read_bytes(&self.path, &mut bytes) {
                Some(_too_large) => String::new(),
                None => String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            };
            SourceFile::new(self.path.clone(), text)
        })
    }

    /// A piece of text kept with the runbook.
    pub fn str(&self, t: Text) -> &str {
        piece(&self.strings, t)
    }

    pub fn field_value(&self, f: &Field) -> &str {
        self.str(f.value)
    }

    pub fn step_title(&self, step: &Step) -> &str {
        match &step.title {
            StepTitle::Heading(i) => self.headings.get(*i).map_or("", |h| self.str(h.text)),
            StepTitle::Line(t) => self.str(*t),
        }
    }

    pub fn title(&self) -> Option<&Heading> {
        self.headings.iter().find(|h| h.level == 1)
    }

    /// The earliest header field under `key`'s name or one of its aliases (a key made once,
    /// asked of many runbooks).
    pub fn field_by_key(&self, key: &NameKey) -> Option<&Field> {
        // The earliest field under any of the names.
        self.fields.iter().find(|f| {
            key.names
                .iter()
                .any(|(name, print)| print.matches(f.print, || self.str(f.name), name))
        })
    }

    /// The first heading matching a section name (a key made once, asked of many runbooks).
    pub fn section_by_key(&self, key: &NameKey) -> Option<&Heading> {
        section_index(&self.headings, &self.strings, key).map(|i| &self.headings[i])
    }

    /// The headings' GitHub anchors, in order (unique in the document). Made on first use:
    /// only runbooks linked with a `#fragment` need them, and a shared one needs them for
    /// every alert linking into it.
    pub fn slugs(&self) -> &[String] {
        self.slugs.get_or_init(|| {
            let mut slugger = Slugger::default();
            self.headings
                .iter()
                .map(|h| slugger.slug(self.str(h.text)))
                .collect()
        })
    }

    /// The heading an anchor names (GitHub slug or explicit id; `user-content-` is optional).
    pub fn anchor(&self, fragment: &str) -> Option<&Heading> {
        let f = fragment.strip_prefix("user-content-").unwrap_or(fragment);
        let lower = f.to_lowercase();
        self.headings
            .iter()
            .zip(self.slugs())
            .find(|(h, slug)| **slug == lower || h.id.map(|id| self.str(id)) == Some(f))
            .map(|(h, _)| h)
    }

    /// The anchor closest to a `fragment` that names none, for a "did you mean".
    pub fn closest_anchor(&self, fragment: &str) -> Option<&str> {
        let slugs: Vec<&str> = self.slugs().iter().map(String::as_str).collect();
        crate::suggest::closest(&fragment.to_lowercase(), &slugs)
    }

    /// Where to point when the whole runbook is meant: its title, else its start.
    pub fn title_span(&self) -> Span {
        self.title()
            .or(self.headings.first())
            .map_or(Span::point(0), |h| h.span)
    }

    pub fn empty(path: PathBuf, root: usize, rel: String) -> Runbook {
        let is_index = is_index_name(&rel);
        Runbook {
            path,
            file: OnceLock::new(),
            slugs: OnceLock::new(),
            root,
            rel,
            is_index,
            too_large: None,
            headings: Vec::new(),
            fields: Vec::new(),
            steps: Vec::new(),
            diagnosis: None,
            links: Vec::new(),
            step_refs: Vec::new(),
            strings: Box::default(),
        }
    }

    /// Reads the runbook at `path` (`text` is its content) into what the checks inspect,
    /// with buffers kept from the previous runbook.
    pub fn parse_with(
        path: PathBuf,
        text: &str,
        root: usize,
        rel: String,
        settings: &Settings,
        keys: &NameKeys,
        sc: &mut Scratch,
    ) -> Runbook {
        sc.clear();
        let metadata = sc.collect_events(text);
        let mut rb = Runbook::empty(path, root, rel);
        sc.content.sort_unstable();

        // Section bodies run to the next heading of the same or a higher level.
        for i in 0..sc.headings.len() {
            let level = sc.headings[i].level;
            let end = sc.headings[i + 1..]
                .iter()
                .find(|h| h.level <= level)
                .map_or(text.len(), |h| h.span.start);
            let start = sc.headings[i].body.start.min(end);
            let body = Span::new(start, end);
            let c = sc.content.partition_point(|c| c.start < body.start);
            sc.headings[i].has_content = sc.content.get(c).is_some_and(|c| c.start < body.end);
            sc.headings[i].body = body;
        }
        rb.headings = exact(&mut sc.headings);
        rb.links = exact(&mut sc.links);

        rb.read_fields(text, metadata, sc);

        // `Step N` references, from prose only.
        for s in &sc.text_spans {
            let Some(t) = text.get(s.range()) else {
                continue;
            };
            for (number, at) in step_refs(t) {
                sc.step_refs.push(StepRef {
                    number,
                    span: Span::new(s.start + at.start, s.start + at.end),
                });
            }
        }
        rb.step_refs = exact(&mut sc.step_refs);

        rb.find_steps(text, settings, keys, sc);
        rb.strings = sc.strings.as_str().into();
        rb
    }

    /// Header fields: `Name: value` lines (optionally bold, in a list or a two-column table)
    /// in the front matter and before the first section heading below the title.
    fn read_fields(&mut self, text: &str, metadata: Option<Span>, sc: &mut Scratch) {
        let header_end = self
            .headings
            .iter()
            .find(|h| h.level >= 2)
            .map_or(text.len(), |h| h.span.start);
        let after_meta = metadata.map_or(0, |m| m.end);
        let body = (after_meta < header_end).then(|| Span::new(after_meta, header_end));
        for region in metadata.into_iter().chain(body) {
            let Some(chunk) = text.get(region.range()) else {
                continue;
            };
            // Code and headings in the region (the title, mostly): their lines are no fields.
            let overlaps = |s: &Span| s.start < region.end && region.start < s.end;
            sc.not_fields.clear();
            sc.not_fields
                .extend(sc.code.iter().copied().filter(overlaps));
            sc.not_fields
                .extend(self.headings.iter().map(|h| h.span).filter(overlaps));
            // Sorted and merged so that one cursor, moving forward with the lines, answers
            // "is this line inside code or a heading" (a scan per line was quadratic on a
            // runbook of many headings).
            merge_spans(&mut sc.not_fields);
            let mut next_excluded = 0;
            let mut offset = region.start;
            for line in chunk.split_inclusive('\n') {
                let start = offset;
                offset += line.len();
                let line = line.trim_end_matches(['\n', '\r']);
                while sc
                    .not_fields
                    .get(next_excluded)
                    .is_some_and(|c| c.end <= start)
                {
                    next_excluded += 1;
                }
                let in_code_or_heading = sc
                    .not_fields
                    .get(next_excluded)
                    .is_some_and(|c| c.start <= start);
                if in_code_or_heading || line.trim_start().starts_with("<!--") {
                    continue;
                }
                let found = if line.trim_start().starts_with('|') {
                    FIELD_ROW
                        .captures(line)
                        .and_then(|c| Some((c.get(1)?.range(), c.get(2)?.range())))
                } else if line.contains(':') {
                    field_line(line)
                } else {
                    None
                };
                let Some((name, value)) = found else { continue };
                // A URL such as `https://…` is not a `https` field.
                if line.get(value.clone()).is_none_or(|v| v.starts_with("//")) {
                    continue;
                }
                let (vs, ve) = clean_value(line, value.start, value.end);
                let name_text = line.get(name.clone()).unwrap_or("");
                sc.fields.push(Field {
                    print: Fingerprint::of(name_text),
                    name: keep(&mut sc.strings, name_text.trim()),
                    value: keep(&mut sc.strings, line.get(vs..ve).unwrap_or("")),
                    name_span: Span::new(start + name.start, start + name.end),
                    value_span: Span::new(start + vs, start + ve),
                });
            }
        }
        self.fields = exact(&mut sc.fields);
    }

    fn find_steps(&mut self, text: &str, settings: &Settings, keys: &NameKeys, sc: &mut Scratch) {
        let steps = &mut sc.step_heads;
        steps.clear();
        for (i, h) in self.headings.iter().enumerate() {
            if let Some(n) = step_heading_number(piece(&sc.strings, h.text)) {
                steps.push((n, StepTitle::Heading(i), h.span, h.body));
            }
        }
        self.diagnosis = keys
            .diagnosis
            .iter()
            .find_map(|key| section_index(&self.headings, &sc.strings, key));
        if steps.is_empty()
            && let Some(di) = self.diagnosis
            && let Some(d) = self.headings.get(di)
        {
            // Ordered list items at the section's top level are its steps…
            let inside_d = |s: &Span| d.body.start <= s.start && s.start < d.body.end;
            let top = sc
                .items
                .iter()
                .filter(|(s, ordered, _)| *ordered && inside_d(s))
                .map(|(_, _, depth)| *depth)
                .min();
            let tops = &mut sc.tops;
            tops.clear();
            tops.extend(
                sc.items
                    .iter()
                    .filter(|(s, ordered, depth)| *ordered && Some(*depth) == top && inside_d(s))
                    .map(|(s, _, _)| *s),
            );
            for (k, s) in tops.iter().enumerate() {
                // A step runs to the next one (its command often follows the item).
                let end = tops.get(k + 1).map_or(d.body.end, |next| next.start);
                let first_line = text
                    .get(s.range())
                    .and_then(|t| t.lines().next())
                    .unwrap_or("")
                    .trim_end();
                let rest = first_line
                    .trim_start()
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .trim_start_matches(['.', ')']);
                let title = rest.trim_start();
                steps.push((
                    k + 1,
                    StepTitle::Line(keep(&mut sc.strings, title)),
                    Span::new(s.start, s.start + first_line.len()),
                    Span::new(s.start, end),
                ));
            }
            // …and, where steps are required, a section without any is one step.
            if steps.is_empty() && settings.require_steps && d.has_content {
                steps.push((1, StepTitle::Heading(di), d.span, d.body));
            }
        }
        let (links, step_refs) = (&self.links, &self.step_refs);
        let steps = sc.step_heads.drain(..).map(|(number, title, span, body)| {
            let inside = |s: &Span| body.start <= s.start && s.start < body.end;
            // The cheap tests first: the decision pattern runs only on a step with neither a
            // command, a link nor a reference to another step (few steps, in real runbooks).
            let actionable = sc.code.iter().any(inside)
                || links.iter().any(|l| inside(&l.span))
                || step_refs
                    .iter()
                    .any(|r| inside(&r.span) && r.number != number)
                || {
                    // Prose only: a decision written in an HTML comment or a code block is
                    // not one. Pieces joined by a space (a trailing one changes no match).
                    let body_text = &mut sc.body_text;
                    body_text.clear();
                    for t in sc
                        .text_spans
                        .iter()
                        .filter(|s| inside(s))
                        .filter_map(|s| text.get(s.range()))
                    {
                        body_text.push_str(t);
                        body_text.push(' ');
                    }
                    DECISION.is_match(body_text)
                };
            Step {
                number,
                title,
                span,
                body,
                actionable,
            }
        });
        // Drained from a vector, the steps are collected into one of exactly their number.
        self.steps = steps.collect();
    }
}

/// Trims formatting around a field value: `**`, backticks, trailing `|`.
fn clean_value(line: &str, mut s: usize, mut e: usize) -> (usize, usize) {
    let b = line.as_bytes();
    loop {
        let before = (s, e);
        while s < e && matches!(b.get(s), Some(b'*' | b'_' | b'`' | b' ' | b'\t')) {
            s += 1;
        }
        while e > s && matches!(b.get(e - 1), Some(b'*' | b'_' | b'`' | b' ' | b'\t' | b'|')) {
            e -= 1;
        }
        if (s, e) == before {
            break;
        }
    }
    while !line.is_char_boundary(s) {
        s += 1;
    }
    while !line.is_char_boundary(e) && e > s {
        e -= 1;
    }
    (s.min(e), e)
}

/// A path's file name without its extension (`kube/KubePodNotReady.md` → `KubePodNotReady`).
pub(crate) fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// Index pages of static-site generators and repositories: not runbooks of an alert.
pub(crate) fn is_index_name(rel: &str) -> bool {
    let stem = stem(rel);
    INDEX_STEMS.iter().any(|n| stem.eq_ignore_ascii_case(n)) || stem.starts_with('_')
}

/// The names (lower-case, without extension) of a directory's index page, as Hugo and
/// GitHub serve them.
pub(crate) const INDEX_STEMS: [&str; 3] = ["index", "_index", "readme"];

/// Sorts `spans` by start and merges those that overlap or touch, leaving disjoint spans in
/// order.
fn merge_spans(spans: &mut Vec<Span>) {
    spans.sort_unstable_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans.drain(..) {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    *spans = merged;
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The hand-written matchers find what the patterns they replace found (ASCII mode:
        /// `\b` by ASCII word characters, digits ASCII).
        #[test]
        fn step_matchers_read_as_the_patterns(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                " ", "\t", "#", "Step", "step", "STEP", "Steps", "S", "1", "23", "4567", "_",
                "a", ".", ":", "é", "→",
            ]), 0..12)
        ) {
            let t = parts.concat();
            let heading = Regex::new(r"(?i-u)^\s*step\s*#?\s*(\d{1,6})\b").expect("pattern");
            let reference = Regex::new(r"(?-u)\bStep #?(\d{1,6})\b").expect("pattern");
            let number = |c: regex::Captures| c[1].parse::<usize>().ok();
            proptest::prop_assert_eq!(
                step_heading_number(&t),
                heading.captures(&t).and_then(number),
                "{:?}", t
            );
            let expected: Vec<_> = reference
                .captures_iter(&t)
                .map(|c| (c[1].parse::<usize>().unwrap_or(0), c.get(0).map(|m| m.range()).unwrap_or_default()))
                .collect();
            proptest::prop_assert_eq!(step_refs(&t).collect::<Vec<_>>(), expected, "{:?}", t);
        }
    }

    #[test]
    fn step_matcher_examples() {
        assert_eq!(step_heading_number("Step 2: Restart the pod"), Some(2));
        assert_eq!(step_heading_number("  step #3"), Some(3));
        // Any blank, as in a heading pasted from a wiki.
        assert_eq!(step_heading_number("STEP\u{a0}4"), Some(4));
        assert_eq!(step_heading_number("Steps 1"), None);
        assert_eq!(step_heading_number("Step 1234567"), None);
        assert_eq!(step_heading_number("Step 12a"), None);
        let refs = |t: &str| {
            step_refs(t)
                .map(|(n, r)| (n, t[r].to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            refs("If one → go to Step 2. If all, Step #3; not MyStep 4 or Step 5x"),
            vec![(2, "Step 2".to_string()), (3, "Step #3".to_string())]
        );
        assert_eq!(refs("Step 1é"), vec![(1, "Step 1".to_string())]);
    }

    proptest::proptest! {
        #[test]
        fn field_line_reads_as_the_pattern(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                " ", "\t", "-", "*", "+", "_", "__", "**", ":", "\\", "a", "Z", "9", "é", "|",
                "//", "Owner", "Last updated", "x",
            ]), 0..24)
        ) {
            let pattern = Regex::new(
                r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?([A-Za-z][A-Za-z0-9 _-]{0,40}?)[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*(.*?)[ \t\\]*$",
            )
            .expect("pattern");
            let line = parts.concat();
            let expected = pattern
                .captures(&line)
                .map(|c| (c[0].len(), c.get(1).map(|m| m.range()), c.get(2).map(|m| m.range())))
                .map(|(_, n, v)| (n.unwrap_or_default(), v.unwrap_or_default()));
            proptest::prop_assert_eq!(field_line(&line), expected, "{:?}", line);
        }
    }

    proptest::proptest! {
        #[test]
        fn normalized_eq_is_comparing_normalized(s in "[ 1.)a-zA-Z_:-é]{0,24}", t in "[ 1.)a-zA-Z_:-é]{0,24}") {
            let key = normalize(&t);
            proptest::prop_assert_eq!(normalized_eq(&s, &key), normalize(&s) == key);
            proptest::prop_assert!(normalized_eq(&t, &key));
            proptest::prop_assert_eq!(Fingerprint::of(&t), Fingerprint::of_normalized(key.bytes()));
            let (print, other) = (Fingerprint::of(&t), Fingerprint::of(&s));
            proptest::prop_assert_eq!(print.matches(other, || &s, &key), normalize(&s) == key);
            // Names alike in their first 15 bytes and their length, but not after.
            proptest::prop_assert!(print.matches(print, || &t, &key));
            let mut changed = key.clone();
            changed.pop();
            changed.push(if key.ends_with('q') { 'r' } else { 'q' });
            let u = Fingerprint::of(&changed);
            proptest::prop_assert_eq!(print.matches(u, || &changed, &key), changed == key);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        /// Whatever the Markdown, parsing does not panic and every position it keeps (what
        /// diagnostics point at) lies in the text, on character boundaries, and shows what
        /// was read from there: a field's value is the text at its span, a `Step N`
        /// reference says `Step` and its number.
        #[test]
        fn positions_point_at_what_was_read(
            lines in proptest::collection::vec(proptest::sample::select(vec![
                "# Title", "## Diagnosis", "### Step 1: Look", "### Step 2", "Step 2", "#",
                "Title\n=====", "---", "+++", "title: x", "**Owner:** team-a", "Severity: critical",
                "- **Alert:** X", "| Owner | team-b |", "|---|---|", "```sh", "```", "~~~",
                "    indented code", "> quoted Step 3", "1. first", "2) second", "  - nested",
                "[link](other.md#step-1)", "<!-- Owner: hidden -->", "`code` and Step 1",
                "If it fails → go to Step 2.", "Last updated: 2026-01-02", "é **Ünïcode:** ✓",
                "\\*not bold*", "[ref]: https://x", "", "\r", "\t- tab item", "Step #12",
            ]), 0..30),
            noise in "\\PC{0,40}",
            noise_at in 0usize..30,
        ) {
            let mut lines: Vec<&str> = lines;
            lines.insert(noise_at.min(lines.len()), &noise);
            let text = lines.join("\n");
            let settings = Settings::default();
            let keys = NameKeys::new(&settings);
            let rb = Runbook::parse_with(
                PathBuf::from("r.md"),
                &text,
                0,
                "r.md".into(),
                &settings,
                &keys,
                &mut Scratch::default(),
            );
            let at = |s: Span| {
                proptest::prop_assert!(s.start <= s.end && s.end <= text.len(), "{:?} in {:?}", s, text);
                proptest::prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                Ok(&text[s.range()])
            };
            for h in &rb.headings {
                at(h.span)?;
                at(h.body)?;
                proptest::prop_assert!(h.span.start <= h.body.start);
            }
            for f in &rb.fields {
                proptest::prop_assert_eq!(at(f.name_span)?.trim(), rb.str(f.name));
                proptest::prop_assert_eq!(at(f.value_span)?, rb.field_value(f));
            }
            for s in &rb.steps {
                at(s.span)?;
                at(s.body)?;
            }
            for l in &rb.links {
                at(l.span)?;
            }
            for r in &rb.step_refs {
                let written = at(r.span)?;
                proptest::prop_assert!(written.starts_with("Step"), "{:?}", written);
                proptest::prop_assert!(written.ends_with(&r.number.to_string()), "{:?}", written);
            }
        }
    }

    #[test]
    fn field_line_examples() {
        let read = |l: &str| field_line(l).map(|(n, v)| (l[n].to_string(), l[v].to_string()));
        let pair = |n: &str, v: &str| Some((n.to_string(), v.to_string()));
        assert_eq!(read("**Severity:** critical"), pair("Severity", "critical"));
        assert_eq!(read("- __Owner__ : team-a  \\"), pair("Owner", "team-a"));
        assert_eq!(read("Last updated:"), pair("Last updated", ""));
        // (read_fields drops a value starting with `//`: a URL, not a field)
        assert_eq!(read("See https://x"), pair("See https", "//x"));
        assert_eq!(read("no colon here"), None);
        assert_eq!(
            read(&format!("{}:", "a".repeat(41))),
            pair(&"a".repeat(41), "")
        );
        assert_eq!(read(&format!("{}:", "a".repeat(42))), None);
    }

    #[test]
    fn normalized_compare() {
        assert!(normalized_eq("1. Post-incident:", "postincident"));
        assert!(!normalized_eq("Post", "postincident"));
        assert!(!normalized_eq("Post-incidents", "postincident"));
        assert!(normalized_eq("Étape 1", "étape1"));
        assert!(!normalized_eq("Etape 1", "étape1"));
        assert!(normalized_eq(" 2) Last-Updated ", "lastupdated"));
        assert_eq!(normalize("Last updated"), "lastupdated");
    }
}
