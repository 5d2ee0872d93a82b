#!/usr/bin/env python3
"""Writes Tests/LoupeWorkflowsTests/Fixtures/kubernetes-job-schema.json: the JSON Schema of a
Kubernetes batch/v1 Job, self-contained, for KubernetesJobSchemaTests (which validate the
manifests `loupe plan kubernetes` writes without a cluster).

Source: the PyPI package kubernetes-validate, which ships the JSON schemas generated from the
upstream Kubernetes OpenAPI document, one folder per Kubernetes version; the "-strict" variant
sets additionalProperties: false on every object with declared properties, so a misspelled or
unknown field is rejected (as `kubectl apply` does: its field validation is Strict by default
since Kubernetes 1.27). Install with `pip install kubernetes-validate==1.37.0`.

The Kubernetes version defaults to 1.30, the oldest of the versions this fixture is meant for:
a field the API server of 1.30 does not know fails strict field validation there, so a manifest
valid against the 1.30 schema also uses only fields later versions know (batch/v1 Job only
ever gained fields). `--kubernetes-version 1.37` takes the newest the package ships.

What is written: job-batch-v1.json with every `$ref` ("/api/_definitions.json#/$defs/X" in the
kind's file, "#/$defs/X" inside _definitions.json) rewritten to the local "#/$defs/X", and
"$defs" holding only the definitions reachable from Job. Descriptions are dropped (the size);
everything else is kept as shipped. "x-loupe-provenance" records the package, its version, the
Kubernetes version, the variant and the SHA-256 of both source files. Keys are sorted, so a
rerun with the same package writes the same bytes. Run from anywhere:
    python3 scripts/kubernetes-job-schema.py [--kubernetes-version 1.30]"""
import argparse, hashlib, importlib.metadata, json, pathlib, re

import kubernetes_validate

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/LoupeWorkflowsTests/Fixtures/kubernetes-job-schema.json"
PACKAGE = "kubernetes-validate"
REF = re.compile(r"^(?:/api/_definitions\.json)?#/\$defs/(.+)$")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kubernetes-version", default="1.30", help="major.minor, e.g. 1.30")
    args = parser.parse_args()
    if not re.fullmatch(r"\d+\.\d+", args.kubernetes_version):
        raise SystemExit(f"--kubernetes-version: expected major.minor such as 1.30, got {args.kubernetes_version!r}")
    variant = "local-strict"
    folder = pathlib.Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    folder = folder / f"v{args.kubernetes_version}.0-{variant}"
    if not folder.is_dir():
        raise SystemExit(f"{folder}: {PACKAGE} {importlib.metadata.version(PACKAGE)} has no such schema folder")
    job_file, definitions_file = folder / "job-batch-v1.json", folder / "_definitions.json"
    job = json.loads(job_file.read_text())
    definitions = json.loads(definitions_file.read_text())["$defs"]

    reachable = {}

    def rewrite(node):
        """The node without descriptions and with local refs; queues the definitions it names."""
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        result = {}
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                continue
            if key == "$ref":
                match = REF.match(value)
                if not match or match.group(1) not in definitions:
                    raise SystemExit(f"{job_file}: unexpected $ref {value!r}")
                name = match.group(1)
                result[key] = f"#/$defs/{name}"
                if name not in reachable:
                    reachable[name] = None  # reserved before recursing: definitions refer to themselves
                    reachable[name] = rewrite(definitions[name])
                continue
            if key == "properties":
                # Property names are data, not keywords: a property called "description" stays.
                result[key] = {name: rewrite(schema) for name, schema in value.items()}
                continue
            result[key] = rewrite(value)
        return result

    schema = rewrite(job)
    schema.pop("$id", None)
    schema["$defs"] = reachable
    schema["$comment"] = (
        f"io.k8s.api.batch.v1.Job, Kubernetes {args.kubernetes_version}, from {PACKAGE} "
        f"{importlib.metadata.version(PACKAGE)} ({variant}); written by scripts/kubernetes-job-schema.py")
    schema["x-loupe-provenance"] = {
        "package": PACKAGE,
        "packageVersion": importlib.metadata.version(PACKAGE),
        "kubernetesVersion": args.kubernetes_version,
        "variant": variant,
        "sourceFiles": {
            f"{folder.name}/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
            for path in [job_file, definitions_file]
        },
        "definitions": len(reachable),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size} bytes, {len(reachable)} definitions")


if __name__ == "__main__":
    main()
