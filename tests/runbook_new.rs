//! `alertlint runbook new` on hostile input: it writes a skeleton only inside the runbook root
//! its `runbook_url` (or the alert's name) leads to, never through a symbolic link, never over
//! a runbook other alerts share, and atomically. Each refusal exits 2 with a one-line message
//! and leaves every file as it was: the whole tree around the repository, including a
//! directory beside it that links point to, is compared before and after.

#![cfg(unix)]

mod common;
use common::alertlint;

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};

const CONFIG: &str =
    "runbooks:\n  - dir: runbooks/\n    url_prefix: https://runbooks.example.com/x/\n";

/// A temporary directory holding `repo/` (the config, `rules.yaml`, `runbooks/`) and, beside
/// it, `outside/`, where the hostile links point.
struct Repo {
    base: tempfile::TempDir,
}

impl Repo {
    /// `alerts`: names and `runbook_url`s (`None`: no annotation).
    fn new(alerts: &[(&str, Option<&str>)]) -> Repo {
        let base = tempfile::tempdir().expect("tempdir");
        let mut rules = String::from("groups:\n  - name: g\n    rules:\n");
        for (name, url) in alerts {
            rules.push_str(&format!(
                "      - alert: {}\n        expr: up == 0\n        labels: {{severity: critical, team: sre}}\n",
                quote(name)
            ));
            if let Some(url) = url {
                rules.push_str(&format!(
                    "        annotations:\n          runbook_url: {}\n",
                    quote(url)
                ));
            }
        }
        let repo = Repo { base };
        std::fs::create_dir_all(repo.root().join("runbooks")).expect("mkdir");
        std::fs::create_dir_all(repo.outside()).expect("mkdir");
        repo.write(".alertlint.yaml", CONFIG);
        repo.write("rules.yaml", &rules);
        repo
    }

    fn root(&self) -> PathBuf {
        self.base.path().join("repo")
    }

    fn outside(&self) -> PathBuf {
        self.base.path().join("outside")
    }

    /// Writes `text` at `rel` under the repository.
    fn write(&self, rel: &str, text: &str) {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
    }

    /// A symbolic link at `rel` under the repository, to `to`.
    fn link(&self, rel: &str, to: &Path) {
        symlink(to, self.root().join(rel)).expect("symlink");
    }

    /// `alertlint runbook new ARGS` in the repository: exit code, stdout, stderr.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = alertlint()
            .current_dir(self.root())
            .args(["runbook", "new"])
            .args(args)
            .output()
            .expect("run");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Every entry under the base directory (the repository and `outside/`): files with their
    /// contents and mode, links with their targets, directories.
    fn tree(&self) -> BTreeMap<String, String> {
        fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<String, String>) {
            for entry in std::fs::read_dir(dir).expect("read_dir") {
                let path = entry.expect("entry").path();
                let rel = path
                    .strip_prefix(base)
                    .expect("under base")
                    .display()
                    .to_string();
                let meta = std::fs::symlink_metadata(&path).expect("metadata");
                let what = if meta.file_type().is_symlink() {
                    format!(
                        "link -> {}",
                        std::fs::read_link(&path).expect("link").display()
                    )
                } else if meta.is_dir() {
                    walk(&path, base, out);
                    "dir".to_string()
                } else {
                    format!(
                        "file {:o} {:?}",
                        meta.permissions().mode() & 0o777,
                        std::fs::read_to_string(&path).expect("read")
                    )
                };
                out.insert(rel, what);
            }
        }
        let mut out = BTreeMap::new();
        walk(self.base.path(), self.base.path(), &mut out);
        out
    }

    /// `runbook new ARGS`, which must refuse: exit 2, one line on stderr, nothing on stdout,
    /// no file or directory anywhere created, changed or removed. The message, with the
    /// temporary directory's path as `[BASE]`.
    fn refused(&self, args: &[&str]) -> String {
        let before = self.tree();
        let (code, stdout, stderr) = self.run(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert_eq!(self.tree(), before, "{args:?} wrote something: {stderr}");
        // Nothing above the base either (`../../..` would land there).
        stderr.replace(&self.base.path().display().to_string(), "[BASE]")
    }

    /// `runbook new ARGS`, which must write: exit 0 and what it said.
    fn written(&self, args: &[&str]) -> String {
        let (code, _, stderr) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        stderr
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root().join(rel)).expect("read")
    }
}

/// A YAML double-quoted string.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The paths in `tree`: a temporary file left behind shows here.
fn names(tree: &BTreeMap<String, String>) -> Vec<&str> {
    tree.keys().map(String::as_str).collect()
}

// Escapes through the URL.

#[test]
fn dot_dot_in_the_url_is_refused() {
    let repo = Repo::new(&[(
        "Escape",
        Some("https://runbooks.example.com/x/../../outside/x"),
    )]);
    insta::assert_snapshot!(repo.refused(&["Escape", "rules.yaml"]));
    insta::assert_snapshot!(
        "dot_dot_in_the_url_is_refused_with_force",
        repo.refused(&["Escape", "rules.yaml", "--force"])
    );
}

#[test]
fn percent_encoded_dots_in_the_url_are_refused() {
    let repo = Repo::new(&[(
        "Escape",
        Some("https://runbooks.example.com/x/%2e%2e/%2E%2E/outside/x"),
    )]);
    insta::assert_snapshot!(repo.refused(&["Escape", "rules.yaml"]));
}

#[test]
fn other_tricks_in_the_url_are_refused() {
    for (url, why) in [
        (
            "team/%2e%2e/%2e%2e/%2e%2e/outside/x",
            "(percent-decoded) has a `..` component",
        ),
        (
            "..%2f..%2foutside%2fx",
            "(percent-decoded) has a `..` component",
        ),
        (
            "..%5c..%5coutside%5cx",
            "(percent-decoded) holds a backslash",
        ),
        ("C:%5cx", "(percent-decoded) holds a backslash"),
        ("C:/x", "names a Windows drive (`C:`)"),
        (
            "team/x%00.md",
            "(percent-decoded) holds a control character (\\u{0})",
        ),
        (
            "x%0a.md",
            "(percent-decoded) holds a control character (\\u{a})",
        ),
    ] {
        let url = format!("https://runbooks.example.com/x/{url}");
        let repo = Repo::new(&[("Escape", Some(&url))]);
        let message = repo.refused(&["Escape", "rules.yaml", "--force"]);
        assert!(
            message.contains(&format!("the path from the runbook_url {why}")),
            "{url}: {message}"
        );
    }
}

// Escapes through the alert's name (the file is `<root>/<ALERT>.md` without a runbook_url).

#[test]
fn dot_dot_in_the_alert_name_is_refused() {
    let repo = Repo::new(&[("../../outside/x", None)]);
    insta::assert_snapshot!(repo.refused(&["../../outside/x", "rules.yaml"]));
}

#[test]
fn absolute_alert_name_is_refused() {
    let repo = Repo::new(&[]);
    let name = format!("{}/x", repo.outside().display());
    repo.write(
        "rules.yaml",
        &format!(
            "groups:\n  - name: g\n    rules:\n      - alert: {}\n        expr: up == 0\n",
            quote(&name)
        ),
    );
    insta::assert_snapshot!(repo.refused(&[&name, "rules.yaml", "--force"]));
}

// Escapes through symbolic links.

#[test]
fn dangling_symlink_at_the_target_is_refused() {
    let repo = Repo::new(&[("Alert", Some("https://runbooks.example.com/x/Alert"))]);
    repo.link("runbooks/Alert.md", &repo.outside().join("created.md"));
    insta::assert_snapshot!(repo.refused(&["Alert", "rules.yaml"]));
    repo.refused(&["Alert", "rules.yaml", "--force"]);
    // The same without a runbook_url: the name-derived file is the link.
    let repo = Repo::new(&[("Alert", None)]);
    repo.link("runbooks/Alert.md", &repo.outside().join("created.md"));
    repo.refused(&["Alert", "rules.yaml", "--force"]);
}

#[test]
fn symlinked_subfolder_leading_outside_is_refused() {
    let repo = Repo::new(&[("Alert", Some("https://runbooks.example.com/x/team/Alert"))]);
    std::fs::create_dir(repo.outside().join("team")).expect("mkdir");
    repo.link("runbooks/team", &repo.outside().join("team"));
    insta::assert_snapshot!(repo.refused(&["Alert", "rules.yaml", "--force"]));
    // Deeper: the link is crossed on the way to a directory that does not exist yet.
    let repo = Repo::new(&[(
        "Alert",
        Some("https://runbooks.example.com/x/team/sub/Alert"),
    )]);
    repo.link("runbooks/team", &repo.outside());
    repo.refused(&["Alert", "rules.yaml"]);
    // A link to a directory that does not exist is not created through.
    let repo = Repo::new(&[("Alert", Some("https://runbooks.example.com/x/team/Alert"))]);
    repo.link("runbooks/team", &repo.outside().join("missing"));
    repo.refused(&["Alert", "rules.yaml"]);
    // A relative runbook_url through the link.
    let repo = Repo::new(&[("Alert", Some("runbooks/team/Alert.md"))]);
    std::fs::create_dir(repo.outside().join("team")).expect("mkdir");
    repo.link("runbooks/team", &repo.outside().join("team"));
    repo.refused(&["Alert", "rules.yaml", "--force"]);
}

#[test]
fn force_onto_a_symlink_leading_outside_is_refused() {
    let repo = Repo::new(&[("Alert", Some("https://runbooks.example.com/x/Alert"))]);
    std::fs::write(repo.outside().join("victim.md"), "precious\n").expect("write");
    repo.link("runbooks/Alert.md", &repo.outside().join("victim.md"));
    insta::assert_snapshot!(repo.refused(&["Alert", "rules.yaml", "--force"]));
    repo.refused(&["Alert", "rules.yaml"]);
    // Even a link inside the root: the link is not replaced, its target not written.
    let repo = Repo::new(&[("Alert", Some("https://runbooks.example.com/x/Alert"))]);
    repo.write("runbooks/Other.md", "# Other\n");
    repo.link("runbooks/Alert.md", Path::new("Other.md"));
    repo.refused(&["Alert", "rules.yaml", "--force"]);
}

// Shared runbooks.

#[test]
fn force_never_replaces_a_shared_runbook() {
    let shared = "# Alerts\n\n## AlertA\n\nA's runbook.\n\n## AlertB\n\nB's runbook.\n";
    let repo = Repo::new(&[
        (
            "AlertA",
            Some("https://runbooks.example.com/x/shared#alerta"),
        ),
        (
            "AlertB",
            Some("https://runbooks.example.com/x/shared#alertb"),
        ),
    ]);
    repo.write("runbooks/shared.md", shared);
    insta::assert_snapshot!(repo.refused(&["AlertA", "rules.yaml", "--force"]));
    repo.refused(&["AlertB", "rules.yaml"]);

    // A section link, even when no other alert links to the file (yet).
    let repo = Repo::new(&[(
        "AlertA",
        Some("https://runbooks.example.com/x/shared#alerta"),
    )]);
    repo.write("runbooks/shared.md", shared);
    insta::assert_snapshot!(
        "force_never_replaces_a_shared_runbook_section_link",
        repo.refused(&["AlertA", "rules.yaml", "--force"])
    );
    // A section the file does not have yet: the skeleton does not go elsewhere either.
    let repo = Repo::new(&[(
        "AlertC",
        Some("https://runbooks.example.com/x/shared#alertc"),
    )]);
    repo.write("runbooks/shared.md", shared);
    repo.refused(&["AlertC", "rules.yaml", "--force"]);

    // Whole-file links from several alerts.
    let repo = Repo::new(&[
        ("AlertA", Some("https://runbooks.example.com/x/shared")),
        ("AlertB", Some("https://runbooks.example.com/x/shared")),
        ("AlertC", Some("runbooks/shared.md")),
    ]);
    repo.write("runbooks/shared.md", shared);
    insta::assert_snapshot!(
        "force_never_replaces_a_shared_runbook_whole_file_links",
        repo.refused(&["AlertA", "rules.yaml", "--force"])
    );
}

// What still works.

#[test]
fn writes_the_skeleton_where_the_url_points() {
    let repo = Repo::new(&[("Alert", Some("https://runbooks.example.com/x/Alert"))]);
    let said = repo.written(&["Alert", "rules.yaml"]);
    assert_eq!(
        said,
        "wrote runbooks/Alert.md (incident preset); fill in the TODOs, then run `alertlint check`\n"
    );
    let text = repo.read("runbooks/Alert.md");
    assert!(text.starts_with("# Alert\n"), "{text}");
    assert!(text.contains("**Severity:** critical"), "{text}");
    // Again: the file exists now.
    insta::assert_snapshot!(repo.refused(&["Alert", "rules.yaml"]));
    // The name-derived file without a runbook_url.
    let repo = Repo::new(&[("Alert", None)]);
    repo.written(&["Alert", "rules.yaml"]);
    assert!(repo.read("runbooks/Alert.md").starts_with("# Alert\n"));
}

#[test]
fn nested_url_creates_the_directories_inside_the_root() {
    let repo = Repo::new(&[(
        "Alert",
        Some("https://runbooks.example.com/x/team/sub/Alert"),
    )]);
    let said = repo.written(&["Alert", "rules.yaml"]);
    assert!(
        said.starts_with("wrote runbooks/team/sub/Alert.md "),
        "{said}"
    );
    assert!(
        repo.read("runbooks/team/sub/Alert.md")
            .starts_with("# Alert\n")
    );
    // A link inside the root to a directory inside it is followed.
    let repo = Repo::new(&[("Alert", Some("https://runbooks.example.com/x/team/Alert"))]);
    std::fs::create_dir(repo.root().join("runbooks/teams")).expect("mkdir");
    repo.link("runbooks/team", Path::new("teams"));
    repo.written(&["Alert", "rules.yaml"]);
    assert!(
        repo.read("runbooks/teams/Alert.md")
            .starts_with("# Alert\n")
    );
}

#[test]
fn force_replaces_a_single_alert_runbook_atomically() {
    let repo = Repo::new(&[("Alert", Some("https://runbooks.example.com/x/Alert"))]);
    repo.write("runbooks/Alert.md", "# Alert\n\nold\n");
    let path = repo.root().join("runbooks/Alert.md");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let inode = std::fs::metadata(&path).expect("metadata").ino();
    repo.written(&["Alert", "rules.yaml", "--force"]);
    let text = repo.read("runbooks/Alert.md");
    assert!(text.contains("## Context"), "{text}");
    let meta = std::fs::metadata(&path).expect("metadata");
    // A new file renamed over the old one (not the old one truncated and rewritten), with
    // the old one's permissions, and no temporary file left beside it.
    assert_ne!(meta.ino(), inode);
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    let tree = repo.tree();
    assert_eq!(
        names(&tree),
        [
            "outside",
            "repo",
            "repo/.alertlint.yaml",
            "repo/rules.yaml",
            "repo/runbooks",
            "repo/runbooks/Alert.md"
        ]
    );
}

#[test]
fn out_dash_prints_and_writes_nothing() {
    let repo = Repo::new(&[(
        "Alert",
        Some("https://runbooks.example.com/x/../../outside/x"),
    )]);
    let before = repo.tree();
    let (code, stdout, stderr) = repo.run(&["Alert", "rules.yaml", "--out", "-"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.starts_with("# Alert\n"), "{stdout}");
    assert_eq!(repo.tree(), before);
}

#[test]
fn out_file_is_the_users_choice_but_not_over_an_existing_file() {
    let repo = Repo::new(&[(
        "Alert",
        Some("https://runbooks.example.com/x/../../outside/x"),
    )]);
    let out = repo.outside().join("new/dir/Alert.md");
    let out_arg = out.display().to_string();
    repo.written(&["Alert", "rules.yaml", "--out", &out_arg]);
    assert!(
        std::fs::read_to_string(&out)
            .expect("read")
            .starts_with("# Alert\n")
    );
    insta::assert_snapshot!(repo.refused(&["Alert", "rules.yaml", "--out", &out_arg]));
    std::fs::write(&out, "old\n").expect("write");
    repo.written(&["Alert", "rules.yaml", "--out", &out_arg, "--force"]);
    assert!(
        std::fs::read_to_string(&out)
            .expect("read")
            .starts_with("# Alert\n")
    );
    // A link named with --out is not written through either.
    repo.link("link.md", &out);
    insta::assert_snapshot!(
        "out_file_onto_a_symlink",
        repo.refused(&["Alert", "rules.yaml", "--out", "link.md", "--force"])
    );
}
