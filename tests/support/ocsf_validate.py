"""Validate NDJSON on stdin as OCSF Detection Findings with py-ocsf-models.

Each line must parse as a DetectionFinding, and every key outside `unmapped` and a
resource's free-form `data` must be a field of the OCSF model (pydantic would otherwise
ignore a misspelt or misplaced attribute). Prints one line per problem; exits 1 if any.
"""
import json
import sys

from pydantic import BaseModel
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

FREE_FORM = {"unmapped", "data"}


def unknown_keys(value, parsed, path):
    problems = []
    if isinstance(parsed, BaseModel) and isinstance(value, dict):
        fields = type(parsed).model_fields
        for key, sub in value.items():
            if key not in fields:
                problems.append(f"{path}.{key} is not an OCSF attribute here")
            elif key not in FREE_FORM:
                problems += unknown_keys(sub, getattr(parsed, key), f"{path}.{key}")
    elif isinstance(parsed, list) and isinstance(value, list):
        for i, (sub, item) in enumerate(zip(value, parsed)):
            problems += unknown_keys(sub, item, f"{path}[{i}]")
    return problems


def main():
    problems, count = [], 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        count += 1
        event = json.loads(line)
        try:
            parsed = DetectionFinding.model_validate(event)
        except Exception as e:  # pydantic.ValidationError, reported per line
            problems.append(f"line {number}: {e}")
            continue
        if parsed.class_uid != 2004:
            problems.append(f"line {number}: class_uid {parsed.class_uid}")
        problems += [f"line {number}: {p}" for p in unknown_keys(event, parsed, "$")]
    for p in problems:
        print(p)
    print(f"{count} events, {len(problems)} problems", file=sys.stderr)
    sys.exit(1 if problems or count == 0 else 0)


if __name__ == "__main__":
    main()
