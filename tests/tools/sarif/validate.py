"""Validate a SARIF log against the official SARIF 2.1.0 JSON schema.

Usage: python validate.py SCHEMA LOG. Prints every violation and exits 1
when there is one. The schema is draft-04 (its "$schema" says so).
"""
import json
import sys

import jsonschema

with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    log = json.load(f)

validator = jsonschema.Draft4Validator(schema)
errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
for error in errors:
    print("/".join(str(p) for p in error.path) + ": " + error.message)
sys.exit(1 if errors else 0)
