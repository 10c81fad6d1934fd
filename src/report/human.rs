use super::{HumanOptions, Summary};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, NamedSource, SourceCode,
    SourceSpan, SpanContents,
};
use std::fmt;
use std::sync::Arc;

/// Lends a [`SourceFile`]'s text to miette without copying it per diagnostic.
#[derive(Debug)]
struct Text(Arc<SourceFile>);

impl SourceCode for Text {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        self.0
            .text
            .read_span(span, context_lines_before, context_lines_after)
    }
}

struct Report<'a> {
    d: &'a Diagnostic,
    source: NamedSource<Text>,
    related: Vec<Report<'a>>,
    label: Option<String>,
    span: (usize, usize),
    is_related: bool,
}

impl<'a> Report<'a> {
    fn new(d: &'a Diagnostic) -> Self {
        let same_file = |r: &&crate::diagnostic::Related| Arc::ptr_eq(&r.file, &d.file);
        let related = d
            .related
            .iter()
            .filter(|r| !same_file(r))
            .map(|r| Report {
                d,
                source: named(&r.file),
                related: Vec::new(),
                label: Some(r.message.clone()),
                span: clamp(&r.file, r.span.start, r.span.end),
                is_related: true,
            })
            .collect();
        Report {
            d,
            source: named(&d.file),
            related,
            label: d.label.clone(),
            span: clamp(&d.file, d.span.start, d.span.end),
            is_related: false,
        }
    }
}

fn named(file: &Arc<SourceFile>) -> NamedSource<Text> {
    NamedSource::new(file.display_path(), Text(Arc::clone(file)))
}

/// A span inside the text, on character boundaries (miette slices the text with it).
fn clamp(file: &SourceFile, start: usize, end: usize) -> (usize, usize) {
    let s = file.clamp(start);
    let e = file.clamp(end.max(start)).max(s);
    (s, e - s)
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_related {
            write!(f, "{}", self.label.as_deref().unwrap_or("related"))
        } else {
            write!(f, "{}", self.d.message)
        }
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
        if self.is_related {
            return None;
        }
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = LabeledSpan::new_primary_with_span(self.label.clone(), self.span);
        let mut labels = vec![primary];
        if !self.is_related {
            for r in self
                .d
                .related
                .iter()
                .filter(|r| Arc::ptr_eq(&r.file, &self.d.file))
            {
                labels.push(LabeledSpan::new_with_span(
                    Some(r.message.clone()),
                    clamp(&r.file, r.span.start, r.span.end),
                ));
            }
        }
        Some(Box::new(labels.into_iter()))
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
        .with_urls(false);
    let mut out = String::new();
    for d in diags {
        let report = Report::new(d);
        if handler.render_report(&mut out, &report).is_err() {
            // Rendering can only fail on a formatter error; fall back to a plain line.
            let at = d.start();
            out.push_str(&format!(
                "{}:{}:{}: {} [{}] {}\n",
                d.file.display_path(),
                at.line,
                at.col,
                d.severity.as_str(),
                d.check,
                d.message
            ));
        }
        out.push('\n');
    }
    out.push_str(&summary_line(summary));
    out.push('\n');
    out
}

pub fn summary_line(s: &Summary) -> String {
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
}
