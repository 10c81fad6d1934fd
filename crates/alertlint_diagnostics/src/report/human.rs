//! The human report: each diagnostic drawn by miette with the source around its spans.
//!
//! miette is never handed a whole file. Each diagnostic gets a [`Window`]: the lines around
//! its spans (one line of context each side, as miette shows), copied with their spans re-based
//! into the copy and their line numbers kept, so rendering costs the size of the snippet, not
//! of the file (10,000 findings in a 2 MB file, a one-line JSON rule file). In the copy:
//! - line breaks are `\n` whatever the file used (`\r\n`, or a lone `\r`, a line break for
//!   YAML as for [`SourceFile`]'s line numbers);
//! - control characters and bidi overrides are escaped (`\u{1b}`, see
//!   [`super::escape_controls`]), as they are in messages, labels, help and file names: no text
//!   of the input reaches the terminal raw, with or without `--color`;
//! - lines longer than [`MAX_COLUMNS`] characters keep only the text around the spans'
//!   ends, the rest elided with `…`, so that a finding at column 1,000,000 prints a short
//!   snippet (and miette, which pads with `format!` widths, never sees a column past 65,535).

use super::{HumanOptions, Summary, escape_controls, is_control, push_escaped};
use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::source::SourceFile;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, SourceCode, SourceSpan,
    SpanContents,
};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Lines of context miette shows above and below a span.
const CONTEXT_LINES: usize = 1;
/// Two spans of one diagnostic whose lines (with their context) are at most this many lines
/// apart share one snippet, the lines between shown; farther apart, each gets its own snippet,
/// with its own `file:line:col` header (a snippet of 400 lines helped no one).
const MERGE_GAP: usize = 8;
/// Lines up to this many characters are shown whole; longer ones are elided around the spans.
const MAX_COLUMNS: usize = 200;
/// Characters kept before a span's start and after its end on an elided line.
const AROUND: usize = 60;
/// Characters kept at each end of a span longer than twice this on an elided line.
const SPAN_ENDS: usize = 40;
/// Spans of one diagnostic whose text is kept on one elided line (the primary first); the
/// others' ends may fall in the elided text. Bounds the copied line whatever the input.
const MAX_SPANS_PER_LINE: usize = 4;
/// The mark of elided text.
const ELLIPSIS: char = '…';
/// The control characters the source text keeps: miette expands tabs to spaces.
const KEEP_IN_SOURCE: &[char] = &['\t'];
/// And those messages, labels and help keep: miette wraps them at their line breaks.
const KEEP_IN_MESSAGES: &[char] = &['\n'];

/// Where one line of the file went in a window.
struct LineMap {
    /// The line's text in the file, without its line break.
    content: Range<usize>,
    /// Where the next line starts in the file (past this one's break, if any).
    next: usize,
    /// Where the line's text ends in the window (where its `\n` goes).
    end: usize,
    /// The line's text as pieces: kept (copied, escaped) or elided (one `…`).
    pieces: Vec<Piece>,
}

struct Piece {
    /// Its bytes in the file.
    real: Range<usize>,
    /// Where it starts in the window.
    at: usize,
    kept: bool,
}

/// Consecutive lines of the file in a window.
struct Segment {
    /// Its bytes in the window.
    text: Range<usize>,
    /// The 0-based numbers of its first and last lines in the file.
    first_line: usize,
    last_line: usize,
}

/// The part of a file one diagnostic shows, as miette reads it (see the module doc).
#[derive(Default)]
struct Window {
    /// The file name, escaped.
    name: String,
    text: String,
    segments: Vec<Segment>,
    /// Each span's start in the window with its 0-based line and column (characters) in the
    /// file: miette's header (`file:line:col`) reads them.
    starts: Vec<(usize, usize, usize)>,
}

impl fmt::Debug for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Window({})", self.name)
    }
}

impl Window {
    /// The window of `file` that shows `spans` (byte ranges on character boundaries, the
    /// primary first), with the spans re-based into it.
    fn new(file: &SourceFile, spans: &[Range<usize>]) -> (Window, Vec<SourceSpan>) {
        let last_line = file.line_count() - 1;
        // The lines each span needs, 0-based, with their context; then merged.
        let mut needed: Vec<(usize, usize)> = spans
            .iter()
            .map(|s| {
                let first = file.line_of(s.start) - 1;
                let last = if s.end > s.start {
                    file.line_of(s.end - 1) - 1
                } else {
                    first
                };
                (
                    first.saturating_sub(CONTEXT_LINES),
                    (last + CONTEXT_LINES).min(last_line),
                )
            })
            .collect();
        needed.sort_unstable();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for (lo, hi) in needed {
            match ranges.last_mut() {
                Some(r) if lo <= r.1 + 1 + MERGE_GAP => r.1 = r.1.max(hi),
                _ => ranges.push((lo, hi)),
            }
        }
        let mut w = Window {
            name: escape_controls(&file.display_path(), &[]).into_owned(),
            ..Window::default()
        };
        let mut lines = Vec::new();
        for (lo, hi) in ranges {
            let start = w.text.len();
            for line in lo..=hi {
                lines.push(copy_line(file, line + 1, spans, &mut w.text));
            }
            w.segments.push(Segment {
                text: start..w.text.len(),
                first_line: lo,
                last_line: hi,
            });
        }
        let virt: Vec<SourceSpan> = spans
            .iter()
            .map(|s| {
                let start = locate(file, &lines, s.start);
                let end = locate(file, &lines, s.end).max(start);
                SourceSpan::from((start, end - start))
            })
            .collect();
        w.starts = spans
            .iter()
            .zip(&virt)
            .map(|(s, v)| {
                let at = file.line_col(s.start);
                (v.offset(), at.line - 1, at.col - 1)
            })
            .collect();
        (w, virt)
    }
}

/// Copies 1-based `line` of `file` to the end of `out` (see [`Window`]), with a `\n` if it has
/// a line break.
fn copy_line(file: &SourceFile, line: usize, spans: &[Range<usize>], out: &mut String) -> LineMap {
    let content = file.line_start(line)..file.line_end(line);
    let next = file.line_start(line + 1).min(file.text.len());
    let mut pieces = Vec::new();
    let kept = if file.chars_between(content.start, content.end) <= MAX_COLUMNS {
        vec![content.clone()]
    } else {
        kept_ranges(file, &content, next, spans)
    };
    let mut at = content.start;
    // An empty range at the end stands for the elided text after the last kept range.
    let end_of_line = content.end..content.end;
    for range in kept.into_iter().chain(std::iter::once(end_of_line)) {
        if range.start > at {
            pieces.push(Piece {
                real: at..range.start,
                at: out.len(),
                kept: false,
            });
            out.push(ELLIPSIS);
        }
        if range.end > range.start {
            pieces.push(Piece {
                real: range.clone(),
                at: out.len(),
                kept: true,
            });
            push_escaped(out, &file.text[range.clone()], KEEP_IN_SOURCE);
        }
        at = at.max(range.end);
    }
    let end = out.len();
    if next > content.end {
        out.push('\n');
    }
    LineMap {
        content,
        next,
        end,
        pieces,
    }
}

/// The parts of a long line to keep (sorted, disjoint, on character boundaries): around the
/// ends of the spans on it, or its start when none is.
fn kept_ranges(
    file: &SourceFile,
    content: &Range<usize>,
    next: usize,
    spans: &[Range<usize>],
) -> Vec<Range<usize>> {
    let text = &file.text;
    // `n` characters back from `o`, or forward, within the line.
    let back = |o: usize, n: usize| {
        text[content.start..o]
            .char_indices()
            .rev()
            .nth(n.saturating_sub(1))
            .map_or(content.start, |(i, _)| content.start + i)
    };
    let fwd = |o: usize, n: usize| {
        text[o..content.end]
            .char_indices()
            .nth(n)
            .map_or(content.end, |(i, _)| o + i)
    };
    let on_line = |o: usize| (content.start..=content.end).contains(&o);
    let mut ranges = Vec::new();
    let mut spans_here = 0;
    for s in spans {
        let start = on_line(s.start).then_some(s.start);
        // A span that ends in this line's break ends at the end of its text.
        let end = if on_line(s.end) {
            Some(s.end)
        } else {
            (s.end > content.end && s.end <= next && s.start < s.end).then_some(content.end)
        };
        if start.is_none() && end.is_none() {
            continue;
        }
        spans_here += 1;
        if spans_here > MAX_SPANS_PER_LINE {
            break;
        }
        match (start, end) {
            (Some(a), Some(b)) if file.chars_between(a, b) <= 2 * SPAN_ENDS => {
                ranges.push(back(a, AROUND)..fwd(b, AROUND));
            }
            (a, b) => {
                if let Some(a) = a {
                    ranges.push(back(a, AROUND)..fwd(a, SPAN_ENDS));
                }
                if let Some(b) = b {
                    ranges.push(back(b, SPAN_ENDS)..fwd(b, AROUND));
                }
            }
        }
    }
    if ranges.is_empty() {
        ranges.push(content.start..fwd(content.start, MAX_COLUMNS / 2));
    }
    ranges.sort_unstable_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            // Ranges a few characters apart are joined: an `…` would hide nothing.
            Some(m) if r.start <= fwd(m.end, 4) => m.end = m.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Where byte `offset` of the file (on a character boundary, on a line of the window) is in
/// the window. An offset in a line's break (between CR and LF) is the end of the line's text,
/// as [`SourceFile::line_col`] has it; one in elided text is the `…`.
fn locate(file: &SourceFile, lines: &[LineMap], offset: usize) -> usize {
    let i = lines
        .partition_point(|l| l.content.start <= offset)
        .saturating_sub(1);
    let Some(line) = lines.get(i) else {
        return 0;
    };
    if offset >= line.content.end {
        // Past the break is the start of the next line: the end of a span that takes in a
        // line's break, the last line of the window's (the file's last line break).
        let past_break = offset >= line.next && line.next > line.content.end;
        return line.end + usize::from(past_break);
    }
    let p = line
        .pieces
        .partition_point(|p| p.real.start <= offset)
        .saturating_sub(1);
    match line.pieces.get(p) {
        Some(piece) if piece.kept => {
            piece.at + escaped_len(&file.text[piece.real.start..offset.max(piece.real.start)])
        }
        Some(piece) => piece.at,
        None => line.end,
    }
}

/// The length of `s` once escaped as the window copies it.
fn escaped_len(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if is_control(c) && !KEEP_IN_SOURCE.contains(&c) {
                format!("\\u{{{:x}}}", c as u32).len()
            } else {
                c.len_utf8()
            }
        })
        .sum()
}

/// What [`Window::read_span`] lends miette: a part of one segment, numbered as in the file.
struct Contents<'a> {
    data: &'a [u8],
    span: SourceSpan,
    name: &'a str,
    line: usize,
    column: usize,
    line_count: usize,
}

impl<'a> SpanContents<'a> for Contents<'a> {
    fn data(&self) -> &'a [u8] {
        self.data
    }
    fn span(&self) -> &SourceSpan {
        &self.span
    }
    fn name(&self) -> Option<&str> {
        Some(self.name)
    }
    fn line(&self) -> usize {
        self.line
    }
    fn column(&self) -> usize {
        self.column
    }
    fn line_count(&self) -> usize {
        self.line_count
    }
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (from, to) = (span.offset(), span.offset() + span.len());
        // A span never crosses segments: miette asks for one when it tries to join two
        // snippets, and then draws them apart.
        let segment = self
            .segments
            .iter()
            .find(|s| s.text.start <= from && from < s.text.end && to <= s.text.end)
            .or_else(|| {
                self.segments
                    .iter()
                    .find(|s| s.text.start <= from && to <= s.text.end)
            })
            .ok_or(MietteError::OutOfBounds)?;
        let base = segment.text.start;
        let text = &self.text[segment.text.clone()];
        let inner = text.read_span(
            &SourceSpan::from((from - base, span.len())),
            context_lines_before,
            context_lines_after,
        )?;
        let line = segment.first_line + inner.line();
        // Without context, miette reads a span for the header's `line:col`: the column in
        // the file, in characters, not in the escaped and elided copy.
        let column = match self.starts.iter().find(|s| s.0 == from) {
            Some(&(_, _, col)) if context_lines_before == 0 => col,
            _ => inner.column(),
        };
        Ok(Box::new(Contents {
            data: inner.data(),
            span: SourceSpan::from((inner.span().offset() + base, inner.span().len())),
            name: &self.name,
            line,
            column,
            // miette joins two snippets when the first's line plus its line count reaches the
            // second's line: counting to the end of the segment joins exactly those of one
            // segment.
            line_count: segment.last_line.saturating_sub(line),
        }))
    }
}

struct Report<'a> {
    d: &'a Diagnostic,
    /// What miette prints, escaped: the message (a related location's: its message).
    message: String,
    help: Option<String>,
    source: Window,
    /// The primary label, then those of related locations in the same file.
    labels: Vec<(Option<String>, SourceSpan)>,
    related: Vec<Report<'a>>,
    is_related: bool,
}

fn escaped(s: &str) -> String {
    escape_controls(s, KEEP_IN_MESSAGES).into_owned()
}

impl<'a> Report<'a> {
    fn new(d: &'a Diagnostic) -> Self {
        let same_file = |r: &&Related| Arc::ptr_eq(&r.file, &d.file);
        let related = d
            .related
            .iter()
            .filter(|r| !same_file(r))
            .map(|r| {
                let (source, spans) =
                    Window::new(&r.file, &[clamp(&r.file, r.span.start, r.span.end)]);
                Report {
                    d,
                    message: escaped(&r.message),
                    help: None,
                    source,
                    labels: vec![(Some(escaped(&r.message)), spans[0])],
                    related: Vec::new(),
                    is_related: true,
                }
            })
            .collect();
        let same: Vec<&Related> = d.related.iter().filter(same_file).collect();
        let mut spans = vec![clamp(&d.file, d.span.start, d.span.end)];
        spans.extend(
            same.iter()
                .map(|r| clamp(&r.file, r.span.start, r.span.end)),
        );
        let (source, virt) = Window::new(&d.file, &spans);
        let mut labels = vec![(d.label.as_deref().map(escaped), virt[0])];
        labels.extend(
            same.iter()
                .zip(&virt[1..])
                .map(|(r, v)| (Some(escaped(&r.message)), *v)),
        );
        Report {
            d,
            message: escaped(&d.message),
            help: d.help.as_deref().map(escaped),
            source,
            labels,
            related,
            is_related: false,
        }
    }
}

/// A span inside the text, on character boundaries.
fn clamp(file: &SourceFile, start: usize, end: usize) -> Range<usize> {
    let s = file.clamp(start);
    let e = file.clamp(end.max(start)).max(s);
    s..e
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.is_related).then(|| Box::new(self.d.check) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            _ if self.is_related => miette::Severity::Advice,
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.labels.iter().enumerate().map(|(i, (label, span))| {
            if i == 0 {
                LabeledSpan::new_primary_with_span(label.clone(), *span)
            } else {
                LabeledSpan::new_with_span(label.clone(), *span)
            }
        });
        Some(Box::new(labels))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

pub fn render_human(diags: &[Diagnostic], summary: &Summary, opts: &HumanOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        // Identifiers, anchors and paths in messages stay whole when a line wraps (miette
        // would split `#alert-name-kubepodcrashlooping` at a hyphen), so they can be copied.
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_break_words(false)
        .with_links(false)
        .with_urls(false)
        .with_context_lines(CONTEXT_LINES);
    let mut out = String::new();
    for d in diags {
        let report = Report::new(d);
        if handler.render_report(&mut out, &report).is_err() {
            // Rendering can only fail on a formatter error; fall back to a plain line.
            let at = d.start();
            out.push_str(&format!(
                "{}:{}:{}: {} [{}] {}\n",
                escape_controls(&d.file.display_path(), &[]),
                at.line,
                at.col,
                d.severity.as_str(),
                d.check,
                escaped(&d.message)
            ));
        }
        out.push('\n');
    }
    out.push_str(&summary_line(summary));
    out.push('\n');
    out
}

pub(super) fn summary_line(s: &Summary) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let problems = s.errors + s.warnings + s.infos;
    let mut line = if problems == 0 {
        format!("No problems found in {}", plural(s.files, "rule file"))
    } else {
        let mut parts = Vec::new();
        if s.errors > 0 {
            parts.push(plural(s.errors, "error"));
        }
        if s.warnings > 0 {
            parts.push(plural(s.warnings, "warning"));
        }
        if s.infos > 0 {
            parts.push(plural(s.infos, "info"));
        }
        format!(
            "Found {} ({}) in {}",
            plural(problems, "problem"),
            parts.join(", "),
            plural(s.files, "rule file")
        )
    };
    if s.runbooks > 0 {
        line.push_str(&format!(", {}", plural(s.runbooks, "runbook")));
    }
    if s.alertmanager_configs > 0 {
        line.push_str(" and the Alertmanager config");
    }
    if s.skipped > 0 {
        let templates = match (s.skipped_templates, s.skipped_rule_templates) {
            (0, _) => String::new(),
            (t, 0) => format!("; {}", plural(t, "template")),
            (t, r) if r == t => format!(
                "; {} that {} to rules: lint the rendered output",
                plural(t, "template"),
                if t == 1 { "renders" } else { "render" }
            ),
            (t, r) => format!(
                "; {}, of which {r} {} to rules: lint the rendered output",
                plural(t, "template"),
                if r == 1 { "renders" } else { "render" }
            ),
        };
        line.push_str(&format!(
            "; {} skipped (YAML that is not rules{templates})",
            plural(s.skipped, "file")
        ));
    }
    line.push('.');
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, Span};

    /// A long hyphenated anchor in a message wraps to the next line whole, not split at a
    /// hyphen: what the reader copies from the message is the anchor.
    #[test]
    fn wrapped_messages_keep_identifiers_whole() {
        let file = SourceFile::new("rules.yaml", "runbook_url: x\n".to_string());
        let anchor = "#alert-name-kubedeploymentgenerationmismatch";
        let d = Diagnostic::new(
            "runbook/missing",
            &file,
            Span::new(13, 14),
            format!("`runbooks/runbook.md` has no heading with the anchor `{anchor}`"),
        );
        // Whatever the width, including those where a hyphen falls at the end of a line.
        for width in 40..=100 {
            let opts = HumanOptions {
                color: false,
                width,
            };
            let out = render_human(std::slice::from_ref(&d), &Summary::default(), &opts);
            assert!(out.contains(anchor), "width {width}:\n{out}");
        }
    }
    fn render(diags: &[Diagnostic]) -> String {
        let opts = HumanOptions {
            color: false,
            width: 100,
        };
        render_human(diags, &Summary::default(), &opts)
    }

    fn raw_controls(out: &str) -> Vec<char> {
        out.chars()
            .filter(|&c| is_control(c) && c != '\n')
            .collect()
    }

    /// A span from column 11 to column 5,011 of a 10,000-character line shows both of its ends
    /// and the text around them, the rest elided.
    #[test]
    fn a_long_span_on_a_long_line_shows_its_ends() {
        let line = format!(
            "key: {}{}{}",
            "a".repeat(5),
            "b".repeat(5000),
            "c".repeat(4995)
        );
        let file = SourceFile::new("f.yaml", format!("before\n{line}\nafter\n"));
        let start = 7 + 10;
        let d = Diagnostic::new("yaml/syntax", &file, Span::new(start, start + 5000), "long")
            .with_label("here");
        let out = render(&[d]);
        assert!(out.contains("[f.yaml:2:11]"), "{out}");
        assert!(out.contains("before") && out.contains("after"), "{out}");
        let snippet = out.lines().find(|l| l.starts_with(" 2 │")).expect("line 2");
        let want = format!(
            " 2 │ key: aaaaa{}…{}…",
            "b".repeat(SPAN_ENDS),
            "b".repeat(SPAN_ENDS) + &"c".repeat(AROUND)
        );
        assert_eq!(snippet, want, "{out}");
        // The underline spans the elided middle, under both ends.
        let under = out
            .lines()
            .find(|l| l.contains('─') && l.starts_with("   ·"))
            .expect("underline");
        assert_eq!(
            under.trim_start_matches([' ', '·']).chars().count(),
            2 * SPAN_ENDS + 1,
            "{out}"
        );
    }

    /// No column is too far: a finding at column 1,000,001 prints its line elided around it,
    /// with the column of the file in the header.
    #[test]
    fn a_finding_at_column_one_million() {
        let file = SourceFile::new(
            "f.json",
            format!("{}\"Far\"{}", "é".repeat(1_000_000), "x".repeat(10)),
        );
        let at = 2_000_000;
        let d = Diagnostic::new("alert/for", &file, Span::new(at, at + 5), "far away")
            .with_label("this");
        let out = render(&[d]);
        assert!(out.contains("[f.json:1:1000001]"), "{out}");
        let snippet = out.lines().find(|l| l.starts_with(" 1 │")).expect("line 1");
        assert_eq!(
            snippet,
            format!(" 1 │ …{}\"Far\"xxxxxxxxxx", "é".repeat(AROUND)),
            "{out}"
        );
    }

    /// Spans of one diagnostic far apart get a snippet each, with its own header; near ones
    /// share one, the lines between shown.
    #[test]
    fn far_apart_spans_get_a_snippet_each() {
        let text: String = (1..=500).map(|i| format!("line{i}: value\n")).collect();
        let file = SourceFile::new("f.yaml", text.clone());
        let at = |line: usize| text.find(&format!("line{line}:")).expect("line");
        let d = Diagnostic::new(
            "rule/duplicate",
            &file,
            Span::new(at(400), at(400) + 7),
            "again",
        )
        .with_related(&file, Span::new(at(3), at(3) + 5), "first here");
        let out = render(&[d]);
        assert!(
            out.contains("[f.yaml:3:1]") && out.contains("[f.yaml:400:1]"),
            "{out}"
        );
        assert!(out.contains("first here"), "{out}");
        assert!(!out.contains("line200:"), "{out}");
        assert!(out.lines().count() < 30, "{out}");
        let d = Diagnostic::new(
            "rule/duplicate",
            &file,
            Span::new(at(12), at(12) + 7),
            "again",
        )
        .with_related(&file, Span::new(at(3), at(3) + 5), "first here");
        let out = render(&[d]);
        assert!(
            out.contains("[f.yaml:12:1]") && !out.contains("[f.yaml:3:1]"),
            "{out}"
        );
        assert!(
            (2..=13).all(|l| out.contains(&format!("line{l}:"))),
            "{out}"
        );
    }

    /// Control characters in the source, the message, the label, the help, a related message
    /// and the file name are escaped; tabs in the source are spaces, as before.
    #[test]
    fn control_characters_are_escaped_everywhere() {
        let file = SourceFile::new(
            "f\u{1b}[31m.yaml",
            "a: \u{1b}]0;t\u{7}\tb\u{9b}\u{202e}\u{7f}\nb: c\n".to_string(),
        );
        let other = SourceFile::new("g\u{7}.yaml", "x: y\n".to_string());
        let d = Diagnostic::new("schema/type", &file, Span::new(3, 10), "m\u{1b}[2J")
            .with_label("l\u{7}")
            .with_help("h\u{202e}\nnext")
            .with_related(&file, Span::new(17, 18), "r\u{1b}")
            .with_related(&other, Span::new(0, 1), "o\u{1b}");
        let out = render(&[d]);
        assert!(raw_controls(&out).is_empty(), "{out}");
        for s in [
            r"[f\u{1b}[31m.yaml:1:4]",
            r"a: \u{1b}]0;t\u{7}  b\u{9b}\u{202e}\u{7f}",
            r"m\u{1b}[2J",
            r"l\u{7}",
            r"h\u{202e}",
            "        next",
            r"r\u{1b}",
            r"o\u{1b}",
            r"[g\u{7}.yaml:1:1]",
        ] {
            assert!(out.contains(s), "{s} in\n{out}");
        }
    }

    /// Any span on any text renders, without a panic or a raw control character, and with
    /// short lines: lines of every length, CR, CRLF and LF ends, control and multi-byte
    /// characters, spans starting and ending anywhere (in line breaks too).
    #[test]
    fn any_span_renders() {
        let text = format!(
            "a: b\r\nc: \u{1b}d\rlong: {}\nwide: {}\n\n{}\u{7}\r\nend",
            "x".repeat(300),
            "界é".repeat(2000),
            "y".repeat(70_000)
        );
        let file = SourceFile::new("f.yaml", text.clone());
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(97).collect();
        offsets.extend((0..40).chain(text.len() - 40..=text.len()));
        for (n, &start) in offsets.iter().enumerate() {
            let end = offsets[(n * 7 + 3) % offsets.len()].max(start);
            for end in [start, end, file.clamp(start + 1)] {
                let d = Diagnostic::new("yaml/syntax", &file, Span::new(start, end), "m")
                    .with_label("l")
                    .with_related(&file, Span::new(end, end), "r");
                let out = render(&[d]);
                assert!(raw_controls(&out).is_empty(), "{start}..{end}:\n{out}");
                let at = file.line_col(start);
                assert!(
                    out.contains(&format!("[f.yaml:{}:{}]", at.line, at.col)),
                    "{start}..{end}:\n{out}"
                );
                let longest = out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
                assert!(longest < 600, "{start}..{end}: a line of {longest}\n{out}");
            }
        }
    }

    /// Lines end at a lone CR too: the gutter shows each line on its own.
    #[test]
    fn cr_only_lines_have_their_own_gutter() {
        let file = SourceFile::new("f.yaml", "a: 1\rb: 2\rc: 3\r".to_string());
        let d = Diagnostic::new("schema/type", &file, Span::new(8, 9), "m");
        let out = render(&[d]);
        assert!(
            out.contains("[f.yaml:2:4]\n 1 │ a: 1\n 2 │ b: 2\n"),
            "{out}"
        );
        assert!(out.contains(" 3 │ c: 3\n"), "{out}");
    }
}
