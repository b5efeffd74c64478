"""The staff page's HTML and CSV, from an insight report and the grouped unanswered questions. Every text from
the tracker store is escaped; no script, no inline style (CSP-friendly); a table behind each chart."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any, Optional
from urllib.parse import urlencode

from bot.ops.staff import charts
from bot.tools.gaps import Group
from bot.tools.insight import Period, Report, timezone

TABLES = ("days", "groups", "unanswered", "not_helpful", "guides", "counter", "knm")


def when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone()).strftime("%Y-%m-%d %H:%M")


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _layout(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="/staff/staff.css"></head>'
        f'<body><main id="main">{body}</main></body></html>'
    )


def login_page(error: Optional[str] = None) -> str:
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return _layout(
        "Wegwijzer staff: log in",
        "<h1>Wegwijzer staff page</h1>"
        "<p>This page shows what people ask the assistant. Log in with the staff token "
        "(<code>WEGWIJZER_STAFF_TOKEN</code>, or the file <code>var/staff_token</code> on the server).</p>"
        f"{message}"
        '<form class="login" method="post" action="/staff/login">'
        '<label for="token">Staff token</label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" required>'
        '<button type="submit">Log in</button></form>',
    )


def error_page(message: str) -> str:
    return _layout("Wegwijzer staff: error", f'<h1>Wegwijzer staff page</h1><p class="error">{escape(message)}</p>')


def _table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            css = ' class="num"' if i in numeric else ""
            cells.append(f'<th scope="row"{css}>{cell}</th>' if i == 0 else f"<td{css}>{cell}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}">Nothing in this period.</td></tr>')
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _csv_link(table: str, period: Period) -> str:
    query = urlencode({"table": table, "from": period.first.isoformat(), "to": period.last.isoformat()})
    return f'<p class="export"><a href="/staff/export.csv?{escape(query)}" download>Download this table as CSV</a></p>'


def _section(section_id: str, heading: str, content: str) -> str:
    return f'<section aria-labelledby="{section_id}"><h2 id="{section_id}">{escape(heading)}</h2>{content}</section>'


def _legend(series: list[charts.Series]) -> str:
    items = "".join(
        f'<li><span class="swatch {css}" aria-hidden="true"></span>{escape(name)}</li>' for name, css, _ in series
    )
    return f'<ul class="legend">{items}</ul>'


def dashboard(report: Report, groups: list[Group], need_titles: dict[str, str], note: str = "") -> str:
    period, total = report.period, report.totals
    labels = [d.day.strftime("%d-%m") for d in report.days]
    days_series: list[charts.Series] = [("turns (messages)", "s-turns", [float(d.turns) for d in report.days])]
    outcome_series: list[charts.Series] = [
        ("answered", "s-answered", [float(d.answered) for d in report.days]),
        ("abstained", "s-abstained", [float(d.abstained) for d in report.days]),
        ("out of scope", "s-oos", [float(d.out_of_scope) for d in report.days]),
    ]
    parts = [
        "<h1>Wegwijzer staff page</h1>",
        '<div class="bar-top"><form class="filter" method="get" action="/staff/">'
        f'<label for="from">From</label><input id="from" name="from" type="date" value="{period.first.isoformat()}">'
        f'<label for="to">To</label><input id="to" name="to" type="date" value="{period.last.isoformat()}">'
        '<button type="submit">Show</button></form>'
        '<form method="post" action="/staff/logout"><button type="submit">Log out</button></form></div>',
        f'<p class="note" role="status">{escape(note)}</p>' if note else "",
        f'<p class="summary">{period.first} to {period.last}: <strong>{report.conversations}</strong> conversations, '
        f"<strong>{total.turns}</strong> messages; <strong>{total.answered}</strong> answered from a guide, "
        f"<strong>{total.abstained}</strong> abstained, <strong>{total.out_of_scope}</strong> out of scope, "
        f"<strong>{len(report.not_helpful)}</strong> marked not helpful. Texts are stored redacted.</p>",
    ]
    parts.append(
        _section(
            "h-days",
            "Conversations and messages per day",
            "<figure>"
            + charts.stacked_columns(
                "c-days", "Messages per day", labels, days_series, "Column chart; the numbers are in the table below."
            )
            + _legend(days_series)
            + "</figure>"
            + _table(
                "Conversations and messages per day",
                ["Day", "Conversations", "Messages"],
                ([d.day.isoformat(), str(d.conversations), str(d.turns)] for d in report.days),
                numeric=(1, 2),
            )
            + _csv_link("days", period),
        )
    )
    parts.append(
        _section(
            "h-outcomes",
            "Answered, abstained and out of scope per day",
            "<p>Answered: the reply cites a guide (a Source line). Abstained: the honest “I don't know” reply. "
            "Out of scope: the “I can only help with inburgering” reply.</p><figure>"
            + charts.stacked_columns(
                "c-outcomes",
                "Answered, abstained and out of scope per day",
                labels,
                outcome_series,
                "Stacked column chart; the numbers are in the table below.",
            )
            + _legend(outcome_series)
            + "</figure>"
            + _table(
                "Outcomes per day (other messages: greetings, small talk, the finder's and the practice's questions)",
                ["Day", "Answered", "Abstained", "Out of scope", "Other", "Answered share"],
                (
                    [
                        d.day.isoformat(),
                        str(d.answered),
                        str(d.abstained),
                        str(d.out_of_scope),
                        str(d.turns - d.answered - d.abstained - d.out_of_scope),
                        _percent(d.answered, d.answered + d.abstained + d.out_of_scope),
                    ]
                    for d in report.days
                ),
                numeric=(1, 2, 3, 4, 5),
            )
            + _csv_link("days", period),
        )
    )
    parts.append(
        _section(
            "h-gaps",
            "Unanswered questions, grouped by meaning",
            "<p>Abstained and out-of-scope questions, grouped with the search encoder; most asked first. "
            "<code>python -m bot gaps --since DAYS --out draft.yml</code> writes them as a test-set draft.</p>"
            + _table(
                f"{len(groups)} groups of {len(report.unanswered)} unanswered questions",
                ["Asked", "Questions (newest first)", "Newest", "Kind"],
                (
                    [
                        str(g.count),
                        '<ul class="examples">'
                        + "".join(f"<li>{escape(t)}</li>" for t in g.examples[:8])
                        + "</ul>"
                        + (f"<p>… and {len(g.examples) - 8} more</p>" if len(g.examples) > 8 else ""),
                        when(g.newest),
                        escape(", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(g.kinds.items()))),
                    ]
                    for g in groups
                ),
                numeric=(0,),
            )
            + _csv_link("groups", period)
            + _csv_link("unanswered", period).replace("this table", "every unanswered question"),
        )
    )
    parts.append(
        _section(
            "h-feedback",
            "Answers marked “not helpful”",
            _table(
                "Not helpful: the question, the guide and the passage that was shown",
                ["When", "Question", "Guide", "Passage shown"],
                (
                    [
                        when(n.timestamp),
                        escape(n.question or "-"),
                        escape(n.guide or "-"),
                        escape(n.passage or "-")
                        + (
                            f'<br><a href="{escape(n.url)}" rel="noopener noreferrer">{escape(n.url)}</a>'
                            if n.url
                            else ""
                        ),
                    ]
                    for n in report.not_helpful
                ),
            )
            + _csv_link("not_helpful", period),
        )
    )
    top_guides = report.guides[:15]
    parts.append(
        _section(
            "h-guides",
            "Most asked guides",
            "<p>Answers per guide (the guide named in the reply's source line).</p><figure>"
            + charts.horizontal_bars(
                "c-guides",
                "Answers per guide",
                [(g, float(n)) for g, n in top_guides],
                "Bar chart; the numbers are in the table below.",
            )
            + "</figure>"
            + _table(
                "Answers per guide",
                ["Guide", "Answers", "Share"],
                ([escape(g), str(n), _percent(n, total.answered)] for g, n in report.guides),
                numeric=(1, 2),
            )
            + _csv_link("guides", period),
        )
    )
    parts.append(
        _section(
            "h-counter",
            "Counter finder",
            "<p>Answered: the finder named the counter. Left: the user stopped or changed topic first. "
            "Unfinished: the conversation ended while the finder was asking.</p>"
            + _table(
                "Counter-finder outcomes per task",
                ["Task", "Answered", "Left", "Unfinished"],
                (
                    [
                        escape(need_titles.get(o.need, o.need) if o.need else "(no task chosen)"),
                        str(o.answered),
                        str(o.left),
                        str(o.unfinished),
                    ]
                    for o in report.counter
                ),
                numeric=(1, 2, 3),
            )
            + _csv_link("counter", period),
        )
    )
    knm_rows = [(r.theme.replace("_", " "), round(100 * r.right / r.asked) if r.asked else 0) for r in report.knm]
    parts.append(
        _section(
            "h-knm",
            "KNM practice per theme",
            (
                "<figure>"
                + charts.horizontal_bars(
                    "c-knm",
                    "Share of practice questions answered right, per theme",
                    [(name, float(p)) for name, p in knm_rows],
                    "Bar chart; the numbers are in the table below.",
                    unit="%",
                    top=100,
                )
                + "</figure>"
                if report.knm
                else ""
            )
            + _table(
                "KNM practice results (each conversation's totals)",
                ["Theme", "Questions asked", "Right", "Right share", "Conversations"],
                (
                    [
                        escape(r.theme.replace("_", " ")),
                        str(r.asked),
                        str(r.right),
                        _percent(r.right, r.asked),
                        str(r.conversations),
                    ]
                    for r in report.knm
                ),
                numeric=(1, 2, 3, 4),
            )
            + _csv_link("knm", period),
        )
    )
    return _layout("Wegwijzer staff page", "".join(parts))


def _safe(cell: object) -> str:
    """A cell a spreadsheet will not run as a formula (the text comes from users)."""
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(table: str, report: Report, groups: list[Group], need_titles: dict[str, str]) -> str:
    rows: list[list[Any]]
    if table == "days":
        rows = [["day", "conversations", "messages", "answered", "abstained", "out_of_scope"]]
        rows += [
            [d.day.isoformat(), d.conversations, d.turns, d.answered, d.abstained, d.out_of_scope] for d in report.days
        ]
    elif table == "groups":
        rows = [["asked", "distinct_questions", "newest", "representative", "all_questions"]]
        rows += [[g.count, len(g.items), when(g.newest), g.representative, " | ".join(g.examples)] for g in groups]
    elif table == "unanswered":
        rows = [["when", "kind", "question"]] + [[when(u.timestamp), u.kind, u.text] for u in report.unanswered]
    elif table == "not_helpful":
        rows = [["when", "question", "guide", "passage", "url"]]
        rows += [[when(n.timestamp), n.question, n.guide, n.passage, n.url] for n in report.not_helpful]
    elif table == "guides":
        rows = [["guide", "answers"]] + [[g, n] for g, n in report.guides]
    elif table == "counter":
        rows = [["need", "task", "answered", "left", "unfinished"]]
        rows += [[o.need, need_titles.get(o.need, ""), o.answered, o.left, o.unfinished] for o in report.counter]
    elif table == "knm":
        rows = [["theme", "asked", "right", "conversations"]]
        rows += [[r.theme, r.asked, r.right, r.conversations] for r in report.knm]
    else:
        raise KeyError(table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
    return out.getvalue()
