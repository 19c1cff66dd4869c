"""Renders templates with real Jinja2, as the differential test (jinja-diff.test.ts) compares them.

Usage: python jinja_render.py TEMPLATES_DIR < jobs.json, where jobs.json is [{"name": ..., "context": {...}}].
Prints {name: {"text": ...} | {"error": ...}} as JSON. The environment mirrors src/prompt/templates.ts:
trim_blocks, lstrip_blocks, no autoescape, Jinja2's default Undefined and keep_trailing_newline=False.
"""

import json
import sys

import jinja2


def main() -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(sys.argv[1]),
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    out = {}
    for job in json.load(sys.stdin):
        try:
            out[job["name"]] = {"text": env.get_template(job["name"]).render(**job["context"])}
        except Exception as err:  # every failure is a result the test compares
            out[job["name"]] = {"error": f"{type(err).__name__}: {err}"}
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
