//! The layering the README's "Development" section draws: Cargo refuses cycles between the
//! workspace's crates, and this test refuses them between the top-level modules inside each
//! crate (a module "uses" another when its files name `crate::other`). A cycle would mean
//! that the layers no longer point one way: e.g. the config naming the checks while the
//! checks read the config.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules of a crate's `src/` (files and directories beside `lib.rs` or
/// `main.rs`) with the other top-level modules each one's files name.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files_of: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("src/") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("UTF-8 name")
            .to_string();
        if name == "lib" || name == "main" {
            continue;
        }
        let files = files_of.entry(name).or_default();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    let names: BTreeSet<String> = files_of.keys().cloned().collect();
    files_of
        .iter()
        .map(|(module, files)| {
            let mut uses = BTreeSet::new();
            for file in files {
                let text = std::fs::read_to_string(file).expect("read");
                for (i, _) in text.match_indices("crate::") {
                    let rest = &text[i + "crate::".len()..];
                    let end = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    let used = &rest[..end];
                    // `$crate::` in a macro is not a module's use of another.
                    let in_macro = text[..i].ends_with('$');
                    if used != module && names.contains(used) && !in_macro {
                        uses.insert(used.to_string());
                    }
                }
            }
            (module.clone(), uses)
        })
        .collect()
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_a_cycle_between_its_modules() {
    let mut sources = vec![Path::new(ROOT).join("src")];
    for entry in std::fs::read_dir(Path::new(ROOT).join("crates")).expect("crates/") {
        sources.push(entry.expect("entry").path().join("src"));
    }
    sources.sort();
    let mut modules = 0;
    for src in &sources {
        let graph = module_graph(src);
        modules += graph.len();
        if let Some(cycle) = find_cycle(&graph) {
            panic!(
                "{}: modules in a cycle: {}",
                src.display(),
                cycle.join(" -> ")
            );
        }
    }
    // The walk found the crates' modules (a layout change must not make this vacuous).
    assert!(sources.len() >= 9, "{sources:?}");
    assert!(modules >= 40, "only {modules} modules found");
}

#[test]
fn a_cycle_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("config", &["checks"][..]),
        ("checks", &["model", "runbook"][..]),
        ("runbook", &["config"][..]),
        ("model", &[][..]),
    ]
    .into_iter()
    .map(|(m, uses)| {
        (
            m.to_string(),
            uses.iter().map(std::string::ToString::to_string).collect(),
        )
    })
    .collect();
    assert_eq!(
        find_cycle(&graph),
        Some(
            ["checks", "runbook", "config", "checks"]
                .map(String::from)
                .to_vec()
        )
    );
}
