//! Markdown runbooks: the runbook reader (`Runbook::parse_with`, over pulldown-cmark's offset
//! iterator) under both presets, the accessors the `runbook/*` checks call,
//! and the reader's own invariants (every span inside the text, on character boundaries, as
//! reports slice them).
#![no_main]

use alertlint_diagnostics::source::Span;
use alertlint_linter::config::runbooks::Settings;
use alertlint_linter::runbook::date::{format_date, parse_date};
use alertlint_linter::runbook::markdown::{NameKey, NameKeys, Runbook, Scratch};
use libfuzzer_sys::{Corpus, fuzz_target};
use std::path::PathBuf;

fn check_span(text: &str, s: Span, what: &str) {
    assert!(
        s.start <= s.end && text.get(s.range()).is_some(),
        "{what} span {s:?} in a {}-byte runbook",
        text.len()
    );
}

fuzz_target!(|data: &[u8]| -> Corpus {
    let Some(text) = fuzz_support::text(data, 64 * 1024) else {
        return Corpus::Reject;
    };
    let mut scratch = Scratch::default();
    for preset in ["incident", "prometheus-operator"] {
        let settings = Settings::preset(preset).expect("preset");
        let keys = NameKeys::new(&settings);
        let rb = Runbook::parse_with(
            PathBuf::from("runbooks/r.md"),
            text,
            0,
            "r.md".into(),
            &settings,
            &keys,
            &mut scratch,
        );
        for h in &rb.headings {
            check_span(text, h.span, "heading");
            check_span(text, h.body, "heading body");
            std::hint::black_box(rb.str(h.text));
        }
        for f in &rb.fields {
            check_span(text, f.name_span, "field name");
            check_span(text, f.value_span, "field value");
            if let Some(days) = parse_date(rb.field_value(f)) {
                std::hint::black_box(format_date(days));
            }
        }
        for s in &rb.steps {
            check_span(text, s.span, "step");
            check_span(text, s.body, "step body");
            std::hint::black_box(rb.step_title(s));
        }
        for l in &rb.links {
            check_span(text, l.span, "link");
            let dest = rb.str(l.dest);
            if let Some((_, fragment)) = dest.split_once('#') {
                std::hint::black_box(rb.anchor(fragment));
                std::hint::black_box(rb.closest_anchor(fragment));
            }
        }
        for r in &rb.step_refs {
            check_span(text, r.span, "step reference");
        }
        check_span(text, rb.title_span(), "title");
        std::hint::black_box(rb.slugs());
        for name in settings.sections.iter().chain(&settings.diagnosis) {
            std::hint::black_box(rb.section_by_key(&NameKey::section(name)));
        }
        for name in &settings.fields {
            std::hint::black_box(rb.field_by_key(&NameKey::field(name)));
        }
    }
    Corpus::Keep
});
