"""The evaluation report: JSON (one entry per check) and one self-contained HTML page."""
from __future__ import annotations

import html
import json
from dataclasses import asdict
from typing import Any

from .checks import Check

COLOURS = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "skipped": "#57606a"}


def as_json(checks: list[Check], meta: dict[str, Any]) -> str:
    return json.dumps({**meta, "checks": [asdict(c) for c in checks]}, indent=2, sort_keys=True, default=str)


def _cell(value: Any, catalog: dict[str, dict]) -> str:
    text = str(value)
    product = catalog.get(text)
    if not product:
        return html.escape(text)
    image = product.get("image", "")
    picture = (f'<img src="{html.escape(image)}" alt="" width="48" height="48"> '
               if image.startswith(("https://", "http://")) else "")
    return f'{picture}{html.escape(product.get("name", text))}<br><small>{html.escape(text)}</small>'


def as_html(checks: list[Check], meta: dict[str, Any], catalog: dict[str, dict]) -> str:
    sections = []
    for check in checks:
        colour = COLOURS.get(check.status, "#57606a")
        tables = []
        for table in check.tables:
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table["columns"])
            rows = "".join(
                "<tr>" + "".join(f"<td>{_cell(v, catalog)}</td>" for v in row) + "</tr>" for row in table["rows"]
            )
            tables.append(f'<table><caption>{html.escape(table["title"])}</caption><tr>{head}</tr>{rows}</table>')
        sections.append(
            f'<section id="{html.escape(check.name)}"><h2><span class="status" style="background:{colour}">'
            f'{check.status.upper()}</span> {html.escape(check.name)}</h2><p>{html.escape(check.summary)}</p>'
            + "".join(tables)
            + f"<details><summary>evidence</summary><pre>{html.escape(json.dumps(check.evidence, indent=2, default=str))}"
            "</pre></details></section>"
        )
    counts = {s: sum(1 for c in checks if c.status == s) for s in COLOURS}
    header = " · ".join(f"{n} {s}" for s, n in counts.items() if n)
    facts = "".join(f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in meta.items())
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Personalize evaluation</title><style>"
        "body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}caption{text-align:left;"
        "font-weight:bold}.status{color:#fff;padding:2px 8px;border-radius:4px;font-size:.8em}</style></head><body>"
        f"<h1>Personalize evaluation</h1><p>{html.escape(header)}</p><ul>{facts}</ul>{''.join(sections)}</body></html>"
    )
