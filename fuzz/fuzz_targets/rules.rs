//! YAML rule loading and every check: the bytes as a rule file (in memory when UTF-8, through
//! `load_file` on a temporary file otherwise, as `alertlint check` reads them), analysed with
//! the default config and rendered in every output format.
#![no_main]

use alertlint_diagnostics::source::SourceFile;
use alertlint_linter::analyse::{Inputs, analyse};
use alertlint_linter::config::Config;
use alertlint_linter::load::{Classified, load_file, read_rule_file};
use alertlint_linter::model::Dialect;
use libfuzzer_sys::{Corpus, fuzz_target};

const MAX: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| -> Corpus {
    if data.len() > MAX {
        return Corpus::Reject;
    }
    let classified = match std::str::from_utf8(data) {
        Ok(text) => read_rule_file(
            SourceFile::new("rules.yaml", text.to_string()),
            Dialect::Prometheus,
        ),
        Err(_) => {
            let dir = std::env::temp_dir().join(format!("alertlint-fuzz-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join("rules.yaml");
            std::fs::write(&path, data).expect("write temp file");
            load_file(&path, Dialect::Prometheus).expect("a readable file loads")
        }
    };
    if let Classified::Rules(file) = classified {
        let diags = analyse(
            std::slice::from_ref(&file),
            &Config::default(),
            &Inputs::default(),
        );
        fuzz_support::render_all(&diags);
    }
    Corpus::Keep
});
