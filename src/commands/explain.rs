use super::{CliError, EXIT_OK, write_stdout};
use crate::cli::ChecksFormat;
use alertlint_linter::checks::{CHECKS, CheckId};
use alertlint_linter::suggest::closest;
use std::process::ExitCode;

pub(crate) fn list(format: ChecksFormat) -> Result<ExitCode, CliError> {
    if format == ChecksFormat::Markdown {
        write_stdout(&alertlint_linter::checks::markdown_table());
        return Ok(ExitCode::from(EXIT_OK));
    }
    let width = CHECKS.iter().map(|c| c.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in CHECKS {
        let sev = if c.default_enabled {
            c.default_severity.as_str()
        } else {
            "off"
        };
        out.push_str(&format!("{:width$}  {:7}  {}\n", c.id, sev, c.summary));
    }
    write_stdout(&out);
    Ok(ExitCode::from(EXIT_OK))
}

pub(crate) fn explain(id: &str) -> Result<ExitCode, CliError> {
    if let Some(c) = CheckId::from_id(id).map(CheckId::check) {
        let state = if c.default_enabled {
            format!("on by default, severity {}", c.default_severity.as_str())
        } else {
            "off by default".to_string()
        };
        write_stdout(&format!(
            "# {}\n\n{}. ({state})\n\n{}",
            c.id,
            capitalise(c.summary),
            c.doc()
        ));
        Ok(ExitCode::from(EXIT_OK))
    } else {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        let hint = closest(id, &ids).map_or_else(
            || "; `alertlint checks` lists them".to_string(),
            |s| format!("; did you mean `{s}`?"),
        );
        Err(CliError::usage(format!("unknown check `{id}`{hint}")))
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
