//! Routing must agree with Alertmanager's own: every label set of the table is routed by
//! alertlint and by `amtool config routes test` (Debian package `prometheus-alertmanager`)
//! over the same non-trivial tree, and the receiver lists must be identical. The test fails,
//! rather than skips, when amtool is missing.

use alertlint::alertmanager::{Alertmanager, LabelSet};
use alertlint::source::SourceFile;
use std::path::Path;
use std::process::Command;

const CONFIG: &str = "fixtures/alertmanager/oracle.yml";

/// Label sets, as `name=value` pairs separated by spaces (a value may hold spaces inside `"`).
const CASES: &[&[(&str, &str)]] = &[
    &[],
    &[("alertname", "X")],
    &[("alertname", "Watchdog")],
    &[("alertname", "Watchdog"), ("team", "fraud-ml")],
    &[("team", "fraud-ml")],
    &[("alertname", "A"), ("team", "fraud-ml")],
    &[
        ("alertname", "A"),
        ("team", "fraud-ml"),
        ("severity", "critical"),
    ],
    &[
        ("alertname", "A"),
        ("team", "fraud-ml"),
        ("severity", "critical"),
        ("env", "staging"),
    ],
    &[
        ("alertname", "A"),
        ("team", "fraud-ml"),
        ("severity", "critical"),
        ("env", "prod"),
    ],
    &[
        ("alertname", "A"),
        ("team", "fraud-ml"),
        ("severity", "warning"),
    ],
    &[
        ("alertname", "A"),
        ("team", "fraud-ml"),
        ("severity", "info"),
    ],
    &[
        ("alertname", "A"),
        ("team", "fraud-ml"),
        ("severity", "page"),
    ],
    &[
        ("alertname", "A"),
        ("team", "fraud-ml"),
        ("severity", "Critical"),
    ],
    &[
        ("alertname", "A"),
        ("team", "fraud-ml "),
        ("severity", "critical"),
    ],
    &[
        ("alertname", "A"),
        ("team", "Fraud-ml"),
        ("severity", "critical"),
    ],
    &[("team", "fraud-ml"), ("severity", "critical")],
    &[("alertname", "A"), ("team", "ml-platform")],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "critical"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "crit"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "criticality"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "xcritical"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "warning"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "warning"),
        ("service", "gpu"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "warning"),
        ("service", "triton"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "warning"),
        ("service", "gpus"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "info"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "info"),
        ("service", "gpu"),
    ],
    &[("team", "ml-platform")],
    &[
        ("team", "ml-platform"),
        ("severity", "warning"),
        ("service", "gpu"),
    ],
    &[("alertname", "A"), ("team", "db")],
    &[("alertname", "A"), ("team", "db"), ("severity", "critical")],
    &[
        ("alertname", "A"),
        ("team", "storage"),
        ("severity", "critical"),
    ],
    &[
        ("alertname", "A"),
        ("team", "storage"),
        ("severity", "critical"),
        ("env", "dev"),
    ],
    &[("alertname", "A"), ("team", "storage"), ("env", "dev")],
    &[("alertname", "A"), ("team", "storage"), ("env", "prod")],
    &[("alertname", "A"), ("team", "db|storage")],
    &[
        ("alertname", "A"),
        ("team", "dbx"),
        ("severity", "critical"),
    ],
    &[("team", "db"), ("severity", "critical"), ("env", "dev")],
    &[("alertname", "A"), ("namespace", "kube-system")],
    &[
        ("alertname", "A"),
        ("namespace", "kube-system"),
        ("severity", "critical"),
    ],
    &[
        ("alertname", "KubePodCrashLooping"),
        ("namespace", "kube-system"),
    ],
    &[
        ("alertname", "KubePodCrashLooping"),
        ("namespace", "kube-system"),
        ("severity", "critical"),
    ],
    &[("alertname", "A"), ("namespace", "kube-")],
    &[("alertname", "A"), ("namespace", "kube")],
    &[("alertname", "A"), ("namespace", "my-kube-system")],
    &[("namespace", "kube-system")],
    &[
        ("namespace", "kube-system"),
        ("alertname", "KubePodCrashLooping"),
    ],
    &[
        ("alertname", "A"),
        ("namespace", "kube-system"),
        ("team", "fraud-ml"),
    ],
    &[
        ("alertname", "A"),
        ("namespace", "kube-system"),
        ("team", "db"),
    ],
    &[
        ("alertname", "A"),
        ("team", "fraud-ml"),
        ("namespace", "kube-system"),
        ("severity", "critical"),
    ],
    &[
        ("alertname", "Watchdog"),
        ("namespace", "kube-system"),
        ("severity", "critical"),
    ],
    &[
        ("alertname", "a b"),
        ("team", "fraud-ml"),
        ("severity", "warning"),
    ],
    &[
        ("alertname", "A,B"),
        ("team", "ml-platform"),
        ("severity", "warning"),
        ("service", "gpu"),
    ],
    &[
        ("alertname", "Ünïcödé"),
        ("team", "ml-platform"),
        ("severity", "critical"),
    ],
    &[("alertname", "A"), ("severity", "critical")],
    &[
        ("alertname", "A"),
        ("severity", "warning"),
        ("cluster", "eu-1"),
    ],
    &[("alertname", "A"), ("team", ""), ("severity", "critical")],
    &[
        ("alertname", ""),
        ("team", "fraud-ml"),
        ("severity", "critical"),
    ],
    &[("alertname", ""), ("team", "db")],
    &[
        ("alertname", "A"),
        ("env", "staging"),
        ("team", "fraud-ml"),
        ("severity", "warning"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "critical"),
        ("service", "gpu"),
    ],
    &[
        ("alertname", "A"),
        ("team", "ml-platform"),
        ("severity", "warning"),
        ("service", ""),
    ],
];

fn amtool() -> String {
    let path = std::env::var("AMTOOL").unwrap_or_else(|_| "amtool".to_string());
    match Command::new(&path).arg("--version").output() {
        Ok(o) if o.status.success() => path,
        _ => panic!(
            "amtool not found (`{path}`): install the Debian package `prometheus-alertmanager` \
             (apt-get install prometheus-alertmanager) or set AMTOOL; this test does not skip"
        ),
    }
}

fn quote(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

fn amtool_receivers(amtool: &str, labels: &[(&str, &str)]) -> Vec<String> {
    let mut cmd = Command::new(amtool);
    cmd.args([
        "config",
        "routes",
        "test",
        &format!("--config.file={CONFIG}"),
    ]);
    for (k, v) in labels {
        cmd.arg(format!("{k}={}", quote(v)));
    }
    let out = cmd.output().expect("run amtool");
    assert!(
        out.status.success(),
        "amtool failed for {labels:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("");
    line.split(',').map(str::to_string).collect()
}

#[test]
fn routing_agrees_with_amtool() {
    let amtool = amtool();
    assert!(CASES.len() >= 50);
    let text = std::fs::read_to_string(CONFIG).expect("read fixture");
    let am = Alertmanager::parse(&SourceFile::new(Path::new(CONFIG), text))
        .unwrap_or_else(|e| panic!("fixture does not parse: {}", e[0].message));
    let mut disagreements = Vec::new();
    for labels in CASES {
        let set: LabelSet = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let ours: Vec<String> = am
            .route_labels(&set)
            .iter()
            .map(|m| m.receiver_name().to_string())
            .collect();
        let theirs = amtool_receivers(&amtool, labels);
        if ours != theirs {
            disagreements.push(format!("{labels:?}: alertlint {ours:?}, amtool {theirs:?}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} label sets route differently:\n{}",
        disagreements.len(),
        CASES.len(),
        disagreements.join("\n")
    );
}
