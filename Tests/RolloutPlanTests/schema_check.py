"""Validates YAML files against the plan JSON Schema; used by SchemaTests.

Usage: schema_check.py SCHEMA FILE...  Prints one JSON object: {file: "valid" | "invalid: ..." | "unloadable: ..."}.
Exit 3 when jsonschema or PyYAML is missing, so the Swift test can skip with a reason.
"""
import json
import sys

try:
    import jsonschema
    import yaml
except ImportError as missing:  # pragma: no cover - reported to the Swift test
    print(f"missing python package: {missing.name}", file=sys.stderr)
    sys.exit(3)

schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
verdicts = {}
for path in sys.argv[2:]:
    try:
        document = yaml.safe_load(open(path, encoding="utf-8"))
    except Exception as error:  # noqa: BLE001 - any loader failure is a verdict
        verdicts[path] = f"unloadable: {type(error).__name__}"
        continue
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    verdicts[path] = "valid" if not errors else "invalid: " + errors[0].message[:200]
print(json.dumps(verdicts))
