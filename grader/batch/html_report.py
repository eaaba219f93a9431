"""``OUT/report.html``: the class on one self-contained page a TA opens offline.

The summary, the plots (embedded as base64 PNG), the common wrong answers, the
check-quality table, similar pairs when asked for, and a link to every student's feedback.
Every value is escaped; the one script only filters the students' table.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from grader.files import write_atomic

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;
vertical-align:top}th{background:#eee}.flag{color:#b00;font-weight:bold}.num{text-align:right}
details{margin:.3em 0}pre{background:#f6f6f6;padding:.4em;overflow-x:auto;max-height:15em}img{max-width:100%}
"""

SCRIPT = """
document.getElementById('filter').addEventListener('input', function (event) {
  var needle = event.target.value.toLowerCase();
  document.querySelectorAll('#students tbody tr').forEach(function (row) {
    row.style.display = row.textContent.toLowerCase().indexOf(needle) >= 0 ? '' : 'none';
  });
});
"""


def table(header: list[str], rows: list[list[str]], id_: str = "") -> str:
    """Cells are HTML already (callers escape what they put in)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table{f" id={id_!r}" if id_ else ""}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def image(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<p><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></p>'


def summary_section(summary: dict) -> str:
    p = summary["percent"]
    rows = [[escape(k), escape(str(v))] for k, v in (
        ("students", summary["count"]), ("statuses", ", ".join(f"{k}: {v}" for k, v in summary["statuses"].items())),
        ("mean %", p["mean"]), ("median %", p["median"]), ("quartiles %", f"{p['q1']} .. {p['q3']}"),
        ("min .. max %", f"{p['min']} .. {p['max']}"))]
    reasons = [[escape(r), str(v["students"]), str(v["checks"])] for r, v in summary["failures_by_reason"].items()]
    notes = "".join(f"<li>{escape(n)}</li>" for n in summary["notes"])
    return ("<h2>Summary</h2>" + table(["", ""], rows) + "<h3>Failures by reason</h3>"
            + table(["reason", "students", "checks"], reasons) + (f"<ul>{notes}</ul>" if notes else ""))


def wrong_answers_section(groups: dict[str, list[dict]]) -> str:
    parts = ["<h2>Common wrong answers</h2>"]
    if not groups:
        parts.append("<p>No check failed.</p>")
    for cid, found in sorted(groups.items(), key=lambda kv: -sum(g["size"] for g in kv[1])):
        rows = [[f'<span class="num">{g["size"]}</span>', escape(g["label"]), f"<pre>{escape(g['example'])}</pre>",
                 escape(", ".join(g["students"]))] for g in found]
        parts.append(f"<h3>{escape(cid)}</h3>" + table(["students", "in common", "example message", "who"], rows))
    return "".join(parts)


def items_section(items: list[dict]) -> str:
    def number(x):
        return "" if x is None else f"{x:.2f}"

    rows = [[escape(i["check"]), str(i["students"]), f"{100 * i['pass_rate']:.0f}%", number(i["point_biserial"]),
             number(i["discrimination"]), f'<span class="flag">{escape("; ".join(i["flags"]))}</span>']
            for i in items]
    return ("<h2>Check quality</h2><p>Point-biserial: correlation of passing a check with the score on the "
            "other checks. Discrimination: pass rate of the top 27% minus the bottom 27%. A flagged check is "
            "often broken or its exercise text misleading.</p>"
            + table(["check", "students", "pass rate", "point-biserial", "discrimination", "flags"], rows))


def pairs_section(pairs: list) -> str:
    if pairs is None:
        return ""
    parts = ["<h2>Similar submissions</h2><p>Ranked by shared code (starter code excluded); "
             "this never changes a grade.</p>"]
    for pair in pairs:
        regions = "".join(f"<details><summary>{escape(pair.a)} lines {r.lines_a[0]}-{r.lines_a[1]}, {escape(pair.b)} "
                          f"lines {r.lines_b[0]}-{r.lines_b[1]}</summary><pre>{escape(r.text_a)}</pre>"
                          f"<pre>{escape(r.text_b)}</pre></details>" for r in pair.regions)
        parts.append(f"<h3>{escape(pair.a)} and {escape(pair.b)}: {100 * pair.overlap_a:.0f}% / "
                     f"{100 * pair.overlap_b:.0f}% shared</h3>{regions}")
    if not pairs:
        parts.append("<p>No pair shares code beyond the starter code.</p>")
    return "".join(parts)


def students_section(students: list[dict]) -> str:
    rows = [[f'<a href="feedback/{escape(s["id"])}.md">{escape(s["id"])}</a>', f'{s["score"]:g} / {s["max_score"]:g}',
             f'{s["percent"]:g}', escape(s["status"]), escape(s["reason"])] for s in students]
    return ('<h2>Students</h2><p><label>Filter <input id="filter" type="search"></label></p>'
            + table(["student (feedback)", "score", "%", "status", "reason"], rows, "students"))


def write(path: Path, summary: dict, analysis: dict, plots: list[Path], pairs: list | None = None) -> None:
    body = (summary_section(summary) + "".join(image(p, p.stem) for p in plots)
            + wrong_answers_section(analysis["wrong_answers"]) + items_section(analysis["items"])
            + pairs_section(pairs) + students_section(summary["students"]))
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Class report</title>'
            f"<style>{STYLE}</style></head><body><h1>Class report: {summary['count']} submissions</h1>{body}"
            f"<script>{SCRIPT}</script></body></html>")
    write_atomic(path, page)
