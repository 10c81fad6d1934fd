#!/usr/bin/env python3
"""Regenerates fuzz/seeds/<target>/ from the repository's own fixtures (fixtures/,
rules-examples/): whole files for the file-level targets, and the PromQL expressions,
templates and series lines found inside them for the others. Seeds are named by the SHA-1 of
their content (as libFuzzer names corpus files), so rerunning it is idempotent.

    python3 fuzz/make_seeds.py          # from the repository root; needs PyYAML

`scripts/fuzz.sh` runs the targets on these seeds (read-only) plus fuzz/corpus/<target>/.
After regenerating, `cargo fuzz cmin <target> fuzz/seeds/<target>` may shrink a set to the
inputs that add coverage.
"""

import hashlib
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"
SOURCES = [ROOT / "fixtures", ROOT / "rules-examples"]


def files(*patterns):
    out = []
    for src in SOURCES:
        for pattern in patterns:
            out.extend(p for p in src.rglob(pattern) if p.is_file())
    return sorted(set(out))


def load_all(path):
    try:
        return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except Exception:
        return []


def rule_groups(doc):
    if not isinstance(doc, dict):
        return []
    if isinstance(doc.get("groups"), list):
        return doc["groups"]
    spec = doc.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("groups"), list):
        return spec["groups"]
    return []


def rules_of(doc):
    for g in rule_groups(doc):
        if isinstance(g, dict) and isinstance(g.get("rules"), list):
            yield from (r for r in g["rules"] if isinstance(r, dict))


class Seeds:
    def __init__(self):
        self.sets = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        self.sets.setdefault(target, {})[hashlib.sha1(data).hexdigest()] = data

    def write(self):
        for target, seeds in sorted(self.sets.items()):
            d = SEEDS / target
            d.mkdir(parents=True, exist_ok=True)
            for name, data in seeds.items():
                (d / name).write_bytes(data)
            print(f"{target}: {len(seeds)} seeds", file=sys.stderr)


def main():
    s = Seeds()
    yamls = files("*.yaml", "*.yml")
    for path in yamls:
        text = path.read_bytes()
        docs = load_all(path)
        name = path.name
        if name in (".alertlint.yaml", ".alertlint.yml"):
            s.add("config", text)
            continue
        if name.startswith("alertmanager") or name == "oracle.yml" and "alertmanager" in str(path):
            s.add("alertmanager", text)
            continue
        if any(isinstance(d, dict) and "tests" in d for d in docs):
            s.add("unittest", text)
            for d in docs:
                for t in d.get("tests") or []:
                    if not isinstance(t, dict):
                        continue
                    for series in t.get("input_series") or []:
                        if isinstance(series, dict):
                            desc = str(series.get("series", ""))
                            values = str(series.get("values", ""))
                            s.add("series", f"{desc} {values}".strip())
                            s.add("series", values)
                    for p in t.get("promql_expr_test") or []:
                        if isinstance(p, dict) and p.get("expr"):
                            s.add("promql", str(p["expr"]).strip())
                    for a in t.get("alert_rule_test") or []:
                        for e in (a or {}).get("exp_alerts") or []:
                            for v in ((e or {}).get("exp_annotations") or {}).values():
                                s.add("template", str(v))
            continue
        # Everything else (rule files, templated YAML, broken files, manifests) is a rule
        # file seed: the loader decides what it is.
        s.add("rules", text)
        for d in docs:
            for r in rules_of(d):
                if r.get("expr") is not None:
                    s.add("promql", str(r["expr"]).strip())
                for key in ("labels", "annotations"):
                    m = r.get(key)
                    if isinstance(m, dict):
                        for v in m.values():
                            if isinstance(v, str) and "{{" in v:
                                s.add("template", v)
    for path in files("*.md"):
        s.add("runbook", path.read_bytes())
    # promqltest files: eval expressions and load-block series lines.
    for path in files("*.test"):
        in_load = False
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                in_load = False
                continue
            m = re.match(r"eval(?:_\w+)?\s+(?:instant|range)\s+(?:at\s+\S+\s+)?(?:from\s+\S+\s+to\s+\S+\s+step\s+\S+\s+)?(.*)", stripped)
            if m:
                s.add("promql", m.group(1))
                in_load = False
                continue
            if stripped.startswith("load"):
                in_load = True
                continue
            if in_load and line[:1].isspace():
                s.add("series", stripped)
            elif not line[:1].isspace():
                in_load = False
    s.write()


if __name__ == "__main__":
    main()
