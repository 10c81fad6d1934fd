//! `promtool check rules`, live: its verdicts on the project's inputs are the recorded ones
//! (tier 1 holds alertlint to those), and alertlint agrees with it on the third-party corpora.

use crate::common::oracle::{
    corpus, key, oracle_binary, oracle_version, read_recording_for_update, recording, root,
    write_recording, yaml_files_under,
};
use crate::common::promtool::{self, Recording, Verdict, compare};
use crate::generated_rules;
use alertlint_linter::load::{Classified, load_file};

fn promtool_binary() -> String {
    oracle_binary("promtool", "PROMTOOL", "prometheus")
}

/// The generated corpus on disk is exactly what the generator writes (written first when
/// recording), so its recorded verdicts are about the inputs the generator describes.
fn generated_corpus_is_current() {
    let dir = root().join("fixtures/oracle/check-rules");
    let want = generated_rules::corpus();
    if recording() {
        if dir.is_dir() {
            std::fs::remove_dir_all(&dir).expect("clear generated corpus");
        }
        std::fs::create_dir_all(&dir).expect("mkdir");
        for (name, text) in &want {
            std::fs::write(dir.join(name), text).expect("write generated file");
        }
        return;
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/oracle/check-rules")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let names: Vec<&String> = want.keys().collect();
    assert_eq!(
        on_disk.iter().collect::<Vec<_>>(),
        names,
        "the generated corpus is out of date: scripts/record-oracles.sh"
    );
    for (name, text) in &want {
        let found = std::fs::read_to_string(dir.join(name)).expect("read");
        assert_eq!(
            &found, text,
            "{name} is not what the generator writes: scripts/record-oracles.sh"
        );
    }
}

#[test]
fn recorded_verdicts_are_promtools_own() {
    let binary = promtool_binary();
    generated_corpus_is_current();
    let mut recorded: Recording = read_recording_for_update(promtool::RECORDING);
    let inputs = promtool::inputs();
    assert!(inputs.len() > 200, "only {} inputs", inputs.len());
    let live: Vec<(String, Verdict)> = inputs
        .iter()
        .map(|p| (key(p), promtool::run(&binary, p)))
        .collect();
    if recording() {
        recorded.promtool = oracle_version(&binary);
        recorded.verdicts = live.into_iter().collect();
        recorded
            .differs_in_3x
            .retain(|k, _| recorded.verdicts.contains_key(k));
        write_recording(promtool::RECORDING, &recorded);
        return;
    }
    let changed: Vec<String> = live
        .iter()
        .filter(|(k, v)| recorded.verdicts.get(k) != Some(v))
        .map(|(k, v)| {
            format!(
                "{k}: recorded {:?}, promtool now {v:?}",
                recorded.verdicts.get(k)
            )
        })
        .collect();
    assert!(
        changed.is_empty(),
        "promtool ({}) disagrees with the recording ({}); re-record with \
         scripts/record-oracles.sh and review the diff:\n{}",
        oracle_version(&binary),
        recorded.promtool,
        changed.join("\n")
    );
}

#[test]
fn agrees_with_promtool_on_the_awesome_prometheus_alerts_corpus() {
    let binary = promtool_binary();
    let files = yaml_files_under(&corpus("awesome-prometheus-alerts"));
    assert!(files.len() > 100, "{} files", files.len());
    let problems: Vec<String> = files
        .iter()
        .filter_map(|f| compare(f, &promtool::run(&binary, f), false).err())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn agrees_with_promtool_on_its_own_rule_fixtures() {
    let binary = promtool_binary();
    let mut checked = 0;
    for f in yaml_files_under(&corpus("promtool-unittest")) {
        // Unit-test files are not rule files: alertlint skips them (promtool rejects them).
        if !matches!(
            load_file(&f, alertlint_linter::model::Dialect::Prometheus),
            Ok(Classified::Rules(_))
        ) {
            continue;
        }
        compare(&f, &promtool::run(&binary, &f), false).unwrap_or_else(|e| panic!("{e}"));
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} promtool fixtures compared");
}
