//! The README's table of checks is the check registry's (`alertlint checks --format markdown`,
//! `checks::markdown_table`): this fails when they drift apart, e.g. after a check is added.
//! `ALERTLINT_UPDATE_README=1 cargo test --test check_table` rewrites the table in README.md.

mod common;

use alertlint_linter::checks::markdown_table;

const HEADER: &str = "| check | default | what it reports |\n";

/// README.md with its table of checks (the header line and the `|` lines after it) replaced.
fn with_table(readme: &str, table: &str) -> Option<String> {
    let start = readme.find(HEADER)?;
    let mut end = start;
    for line in readme[start..].split_inclusive('\n') {
        if !line.starts_with('|') {
            break;
        }
        end += line.len();
    }
    Some(format!("{}{table}{}", &readme[..start], &readme[end..]))
}

#[test]
fn the_readme_lists_every_check_as_the_registry_does() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let table = markdown_table();
    if readme.contains(&table) {
        return;
    }
    if std::env::var_os("ALERTLINT_UPDATE_README").is_some() {
        let updated = with_table(&readme, &table).expect("README.md has a table of checks");
        std::fs::write(path, updated).expect("write README.md");
        return;
    }
    panic!(
        "README.md's table of checks is not the registry's; regenerate it with \
         `ALERTLINT_UPDATE_README=1 cargo test --test check_table` (or paste \
         `alertlint checks --format markdown`). The registry's:\n{table}"
    );
}

#[test]
fn checks_prints_the_table_as_markdown() {
    let out = common::alertlint()
        .args(["checks", "--format", "markdown"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), markdown_table());
}

#[test]
fn the_table_is_found_and_replaced_whole() {
    let readme = format!("intro\n\n{HEADER}|---|---|---|\n| `a/b` | error | old |\n\nafter\n");
    assert_eq!(
        with_table(&readme, "TABLE\n").as_deref(),
        Some("intro\n\nTABLE\n\nafter\n")
    );
}
