//! One runbook: its Markdown file read into headings, header fields, diagnostic steps, links
//! and `Step N` references, each with the byte span it was written at. Parsed with
//! `pulldown-cmark`'s offset iterator, so every position maps back to the file.

use super::settings::Settings;
use super::slug::Slugger;
use crate::source::{SourceFile, Span};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;
use std::sync::{Arc, LazyLock};

#[derive(Debug, Clone)]
pub struct Heading {
    pub level: usize,
    /// The heading's text as rendered (emphasis and code markers removed).
    pub text: String,
    /// Its GitHub anchor (unique in the document).
    pub slug: String,
    /// The text compared with required section names (see [`normalize`]).
    pub key: String,
    /// An explicit `{#id}`, if written.
    pub id: Option<String>,
    pub span: Span,
    /// From the end of the heading to the next heading of the same or a higher level.
    pub body: Span,
}

impl Heading {
    /// The text compared with required section names (see [`normalize`]).
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A header field such as `**Severity:** critical`.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// `name` as compared (see [`normalize`]).
    pub key: String,
    pub value: String,
    pub name_span: Span,
    /// The value without its formatting; an empty value is a point after the colon.
    pub value_span: Span,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub number: usize,
    pub title: String,
    /// The step's heading or list item line.
    pub span: Span,
    pub body: Span,
    pub has_command: bool,
    pub has_link: bool,
    pub has_decision: bool,
}

impl Step {
    pub fn is_actionable(&self) -> bool {
        self.has_command || self.has_link || self.has_decision
    }
}

#[derive(Debug, Clone)]
pub struct Link {
    pub dest: String,
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
    pub file: Arc<SourceFile>,
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
    /// Spans of text that counts as content (prose, code), to tell empty sections apart.
    content: Vec<Span>,
}

/// Lower-case letters and digits only: how headings and field names are compared
/// (`Post-incident` = `post incident` = `POST INCIDENT:`). A leading `1.` numbering goes.
pub fn normalize(s: &str) -> String {
    let t = s.trim_start();
    let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let t = match t.get(digits..) {
        Some(rest) if digits > 0 && rest.starts_with(['.', ')']) => &rest[1..],
        _ => t,
    };
    t.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
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

/// The names accepted for a required header field: its own and its aliases, normalized.
pub fn field_aliases(name: &str) -> Vec<String> {
    let n = normalize(name);
    let extra: &[&str] = match n.as_str() {
        "alert" => &["alertname", "alerts"],
        "owner" => &["team", "owners", "owningteam"],
        "lastupdated" => &["updated", "lastreviewed", "reviewed", "lastmodified"],
        "severity" => &["severities"],
        _ => &[],
    };
    std::iter::once(n)
        .chain(extra.iter().map(|s| s.to_string()))
        .collect()
}

static STEP_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*step\s*#?\s*(\d{1,6})(?-u:\b)").expect("static regex"));
static STEP_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)Step #?(\d{1,6})(?-u:\b)").expect("static regex"));
static DECISION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)((?-u:\b)if(?-u:\b)|(?-u:\b)when(?-u:\b)|(?-u:\b)unless(?-u:\b)|(?-u:\b)otherwise(?-u:\b))[^\n]*?(→|->|=>|(?-u:\b)go to(?-u:\b)|(?-u:\b)escalate(?-u:\b)|(?-u:\b)page(?-u:\b)|(?-u:\b)roll ?back(?-u:\b)|(?-u:\b)continue(?-u:\b)|(?-u:\b)skip(?-u:\b)|(?-u:\b)step\s+\d)")
        .expect("static regex")
});
static FIELD_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?([A-Za-z][A-Za-z0-9 _-]{0,40}?)[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*(.*?)[ \t\\]*$",
    )
    .expect("static regex")
});
static FIELD_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ \t]*\|[ \t]*(?:\*\*|__)?([A-Za-z][A-Za-z0-9 _-]{0,40}?)(?:\*\*|__)?:?[ \t]*\|[ \t]*(.*?)[ \t]*\|[ \t]*$")
        .expect("static regex")
});

/// Markdown files larger than this are not parsed (no runbook comes close).
pub const MAX_RUNBOOK_BYTES: u64 = 8 * 1024 * 1024;

impl Runbook {
    pub fn title(&self) -> Option<&Heading> {
        self.headings.iter().find(|h| h.level == 1)
    }

    /// The first header field of these names.
    pub fn field(&self, name: &str) -> Option<&Field> {
        let key = normalize(name);
        let aliases = aliases_of(&key);
        self.fields
            .iter()
            .find(|f| f.key == key || aliases.contains(&f.key.as_str()))
    }

    /// The first heading matching a section name.
    pub fn section(&self, name: &str) -> Option<&Heading> {
        let key = normalize(name);
        self.headings.iter().find(|h| h.key == key)
    }

    /// Whether a span holds any prose or code (HTML comments and sub-headings don't count).
    pub fn has_content(&self, span: Span) -> bool {
        let i = self.content.partition_point(|c| c.start < span.start);
        self.content.get(i).is_some_and(|c| c.start < span.end)
    }

    /// The heading an anchor names (GitHub slug or explicit id; `user-content-` is optional).
    pub fn anchor(&self, fragment: &str) -> Option<&Heading> {
        let f = fragment.strip_prefix("user-content-").unwrap_or(fragment);
        let lower = f.to_lowercase();
        self.headings
            .iter()
            .find(|h| h.slug == lower || h.id.as_deref() == Some(f))
    }

    /// Where to point when the whole runbook is meant: its title, else its start.
    pub fn title_span(&self) -> Span {
        self.title()
            .or(self.headings.first())
            .map_or(Span::point(0), |h| h.span)
    }

    pub fn empty(file: Arc<SourceFile>, root: usize, rel: String) -> Runbook {
        let is_index = is_index_name(&rel);
        Runbook {
            file,
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
            content: Vec::new(),
        }
    }

    pub fn parse(file: Arc<SourceFile>, root: usize, rel: String, settings: &Settings) -> Runbook {
        let mut rb = Runbook::empty(Arc::clone(&file), root, rel);
        let text = file.text.as_str();
        let opts = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_HEADING_ATTRIBUTES
            | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
            | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
        let mut slugger = Slugger::default();
        // (level, start, text, id)
        let mut heading: Option<(usize, usize, String, Option<String>)> = None;
        let mut code_depth = 0usize;
        let mut metadata: Option<Span> = None;
        let mut code: Vec<Span> = Vec::new();
        let mut text_spans: Vec<Span> = Vec::new();
        // (span, ordered, depth)
        let mut items: Vec<(Span, bool, usize)> = Vec::new();
        let mut lists: Vec<bool> = Vec::new();
        for (event, range) in Parser::new_ext(text, opts).into_offset_iter() {
            let span = Span::new(range.start, range.end.min(text.len()));
            match event {
                Event::Start(Tag::Heading { level, id, .. }) => {
                    heading = Some((
                        level as usize,
                        span.start,
                        String::new(),
                        id.map(|s| s.to_string()),
                    ));
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, start, htext, id)) = heading.take() {
                        let htext = htext.trim().to_string();
                        let slug = slugger.slug(&htext);
                        let end = text[..span.end.max(start)].trim_end().len().max(start);
                        rb.headings.push(Heading {
                            key: normalize(&htext),
                            level,
                            text: htext,
                            slug,
                            id,
                            span: Span::new(start, end),
                            body: Span::point(span.end),
                        });
                    }
                }
                Event::Start(Tag::CodeBlock(_)) => {
                    code_depth += 1;
                    code.push(span);
                    rb.content.push(span);
                }
                Event::End(TagEnd::CodeBlock) => code_depth = code_depth.saturating_sub(1),
                Event::Start(Tag::MetadataBlock(_)) => metadata = Some(span),
                Event::Start(Tag::List(first)) => lists.push(first.is_some()),
                Event::End(TagEnd::List(_)) => {
                    lists.pop();
                }
                Event::Start(Tag::Item) => {
                    items.push((span, lists.last().copied().unwrap_or(false), lists.len()));
                }
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    rb.links.push(Link {
                        dest: dest_url.to_string(),
                        span,
                    });
                }
                Event::Code(c) => {
                    if let Some(h) = heading.as_mut() {
                        h.2.push_str(&c);
                    } else {
                        code.push(span);
                        rb.content.push(span);
                    }
                }
                Event::Text(t) => {
                    if let Some(h) = heading.as_mut() {
                        h.2.push_str(&t);
                    } else if code_depth == 0 && metadata.is_none_or(|m| span.start >= m.end) {
                        if !t.trim().is_empty() {
                            rb.content.push(span);
                        }
                        text_spans.push(span);
                    }
                }
                Event::SoftBreak | Event::HardBreak => {
                    if let Some(h) = heading.as_mut() {
                        h.2.push(' ');
                    }
                }
                Event::Rule | Event::TaskListMarker(_) | Event::FootnoteReference(_) => {}
                _ => {}
            }
        }
        rb.content.sort();
        code.sort();

        // Section bodies run to the next heading of the same or a higher level.
        for i in 0..rb.headings.len() {
            let level = rb.headings[i].level;
            let end = rb.headings[i + 1..]
                .iter()
                .find(|h| h.level <= level)
                .map_or(text.len(), |h| h.span.start);
            let start = rb.headings[i].body.start.min(end);
            rb.headings[i].body = Span::new(start, end);
        }

        rb.read_fields(metadata, &code);

        // `Step N` references, from prose only.
        for s in &text_spans {
            let Some(t) = text.get(s.range()).filter(|t| t.contains("Step")) else {
                continue;
            };
            for c in STEP_REF.captures_iter(t) {
                let (Some(all), Some(n)) = (c.get(0), c.get(1)) else {
                    continue;
                };
                if let Ok(number) = n.as_str().parse() {
                    rb.step_refs.push(StepRef {
                        number,
                        span: Span::new(s.start + all.start(), s.start + all.end()),
                    });
                }
            }
        }

        rb.find_steps(settings, &items, &code, &text_spans);
        rb
    }

    /// Header fields: `Name: value` lines (optionally bold, in a list or a two-column table)
    /// in the front matter and before the first section heading below the title.
    fn read_fields(&mut self, metadata: Option<Span>, code: &[Span]) {
        let text = self.file.text.as_str();
        let header_end = self
            .headings
            .iter()
            .find(|h| h.level >= 2)
            .map_or(text.len(), |h| h.span.start);
        let mut regions = Vec::new();
        if let Some(m) = metadata {
            regions.push(m);
        }
        let after_meta = metadata.map_or(0, |m| m.end);
        if after_meta < header_end {
            regions.push(Span::new(after_meta, header_end));
        }
        for region in regions {
            let Some(chunk) = text.get(region.range()) else {
                continue;
            };
            let mut offset = region.start;
            for line in chunk.split_inclusive('\n') {
                let start = offset;
                offset += line.len();
                let line = line.trim_end_matches(['\n', '\r']);
                let in_code = code.iter().any(|c| c.start <= start && start < c.end);
                let in_heading = self
                    .headings
                    .iter()
                    .any(|h| h.span.start <= start && start < h.span.end);
                if in_code || in_heading || line.trim_start().starts_with("<!--") {
                    continue;
                }
                let caps = if line.trim_start().starts_with('|') {
                    FIELD_ROW.captures(line)
                } else if line.contains(':') {
                    FIELD_LINE.captures(line)
                } else {
                    None
                };
                let Some(caps) = caps else { continue };
                let (Some(name), Some(value)) = (caps.get(1), caps.get(2)) else {
                    continue;
                };
                // A URL such as `https://…` is not a `https` field.
                if value.as_str().starts_with("//") {
                    continue;
                }
                let (vs, ve) = clean_value(line, value.start(), value.end());
                self.fields.push(Field {
                    key: normalize(name.as_str()),
                    name: name.as_str().trim().to_string(),
                    value: line[vs..ve].to_string(),
                    name_span: Span::new(start + name.start(), start + name.end()),
                    value_span: Span::new(start + vs, start + ve),
                });
            }
        }
    }

    fn find_steps(
        &mut self,
        settings: &Settings,
        items: &[(Span, bool, usize)],
        code: &[Span],
        prose: &[Span],
    ) {
        let text = self.file.text.as_str();
        let mut steps: Vec<(usize, String, Span, Span)> = Vec::new();
        for h in &self.headings {
            if let Some(n) = STEP_HEADING
                .captures(&h.text)
                .and_then(|c| c.get(1))
                .and_then(|m| m.as_str().parse().ok())
            {
                steps.push((n, h.text.clone(), h.span, h.body));
            }
        }
        let wanted: Vec<String> = settings.diagnosis.iter().map(|s| normalize(s)).collect();
        self.diagnosis = wanted
            .iter()
            .find_map(|w| self.headings.iter().position(|h| &h.key == w));
        if steps.is_empty()
            && let Some(d) = self.diagnosis.and_then(|i| self.headings.get(i))
        {
            {
                // Ordered list items at the section's top level are its steps…
                let top = items
                    .iter()
                    .filter(|(s, ordered, _)| {
                        *ordered && d.body.start <= s.start && s.start < d.body.end
                    })
                    .map(|(_, _, depth)| *depth)
                    .min();
                let mut n = 0;
                let tops: Vec<&(Span, bool, usize)> = items
                    .iter()
                    .filter(|(s, ordered, depth)| {
                        *ordered
                            && Some(*depth) == top
                            && d.body.start <= s.start
                            && s.start < d.body.end
                    })
                    .collect();
                for (k, (s, _, _)) in tops.iter().enumerate() {
                    // A step runs to the next one (its command often follows the item).
                    let end = tops.get(k + 1).map_or(d.body.end, |next| next.0.start);
                    {
                        n += 1;
                        let first_line = text
                            .get(s.range())
                            .and_then(|t| t.lines().next())
                            .unwrap_or("")
                            .trim_end();
                        let title = first_line
                            .trim_start()
                            .trim_start_matches(|c: char| c.is_ascii_digit())
                            .trim_start_matches(['.', ')'])
                            .trim()
                            .to_string();
                        steps.push((
                            n,
                            title,
                            Span::new(s.start, s.start + first_line.len()),
                            Span::new(s.start, end),
                        ));
                    }
                }
                // …and, where steps are required, a section without any is one step.
                if steps.is_empty() && settings.require_steps && self.has_content(d.body) {
                    steps.push((1, d.text.clone(), d.span, d.body));
                }
            }
        }
        for (number, title, span, body) in steps {
            let inside = |s: &Span| body.start <= s.start && s.start < body.end;
            // Prose only: a decision written in an HTML comment or a code block is not one.
            let body_text = prose
                .iter()
                .filter(|s| inside(s))
                .filter_map(|s| text.get(s.range()))
                .collect::<Vec<_>>()
                .join(" ");
            let refs_other = self
                .step_refs
                .iter()
                .any(|r| inside(&r.span) && r.number != number);
            self.steps.push(Step {
                number,
                title,
                span,
                body,
                has_command: code.iter().any(inside),
                has_link: self.links.iter().any(|l| inside(&l.span)),
                has_decision: refs_other || DECISION.is_match(&body_text),
            });
        }
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

/// Index pages of static-site generators and repositories: not runbooks of an alert.
pub fn is_index_name(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_lowercase();
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
    matches!(stem, "_index" | "index" | "readme") || stem.starts_with('_')
}
