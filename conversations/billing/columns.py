"""Which column is which: the header found among the first rows of the sources, a name for
each column, and each field's column (from the person's answers, then the header's words),
or the question to ask when that is not clear.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice

from conversations.billing.cells import _is_blank, _shown, _text
from conversations.billing.headers import _header_match, _header_score
from conversations.billing.model import (
    _HEADER_SEARCH_ROWS,
    _MIN_HEADER_FIELDS,
    _NO_HEADER,
    DATE_ORDER,
    FIELDS,
    MAX_COLUMNS,
    REQUIRED_FIELDS,
    BrokenLine,
    ColumnQuestion,
    ExportError,
    Row,
    RowSource,
)
from conversations.texts import N_, Phrase


def _find_header(sources: Sequence[RowSource]) -> tuple[RowSource, int, list[object]]:
    """The source and row that look most like a transactions header."""
    best: tuple[tuple[int, int], RowSource, int, Row] | None = None
    for source in sources:
        produced = source()
        rows = (item for item in produced if not _is_blank(item[1]))
        try:
            for line, cells in islice(rows, _HEADER_SEARCH_ROWS):
                score = _header_score(cells)
                if best is None or score > best[0]:
                    best = (score, source, line, cells)
        except BrokenLine:
            # One wrong separator can make a long line one oversized cell; another
            # separator may still read the file, and a broken line below the header
            # is reported when the rows are read.
            continue
        finally:
            # Let go of this reading's buffers (a copy of the text, an open zip part)
            # before the next one is made, not whenever the generator is collected.
            produced.close()
    if best is None or best[0][0] < _MIN_HEADER_FIELDS:
        raise ExportError(_NO_HEADER)
    return best[1], best[2], list(best[3])[:MAX_COLUMNS]


def _assign_columns(
    header: list[object], labels: list[str], answers: dict[str, str]
) -> tuple[dict[str, int], ColumnQuestion | None]:
    """Each field's column, from the answers and then the header words; or a question."""
    columns: dict[str, int] = {}
    taken: set[int] = set()
    for name, answer in answers.items():
        if name == DATE_ORDER:
            continue
        if not answer.strip():
            if name in REQUIRED_FIELDS:
                raise ExportError(
                    N_("I can't read the transactions without a %(column)s column."),
                    column=FIELDS[name],
                )
            continue
        if answer.strip() not in labels:
            raise ExportError(
                N_("There's no column “%(column)s” in that file."), column=_shown(answer)
            )
        columns[name] = labels.index(answer.strip())
        taken.add(columns[name])

    ranked: dict[str, list[tuple[int, int]]] = {}
    for index, cell in enumerate(header):
        if index not in taken and isinstance(cell, str):
            match = _header_match(cell)
            if match is not None:
                ranked.setdefault(match[0], []).append((match[1], index))

    questions: list[ColumnQuestion] = []
    for name in FIELDS:
        if name in columns or name in answers:
            continue
        found = ranked.get(name, [])
        top = max((rank for rank, _ in found), default=0)
        best = [index for rank, index in found if rank == top]
        if len(best) == 1:
            columns[name] = best[0]
            taken.add(best[0])
        elif len(best) > 1:
            questions.append(ColumnQuestion(name, tuple(labels[i] for i in best)))
    for name in REQUIRED_FIELDS:
        if name not in columns and not any(q.field == name for q in questions):
            free = tuple(
                label
                for index, label in enumerate(labels)
                if index not in taken and _text(header[index])
            )
            if not free:
                raise ExportError(
                    N_(
                        "I couldn't find the %(column)s column in that file. Export it from "
                        "Ads Manager → Finance → Transactions (CSV or XLSX) and send it "
                        "without editing."
                    ),
                    column=FIELDS[name],
                )
            questions.append(ColumnQuestion(name, free))
    questions.sort(key=lambda q: q.field not in REQUIRED_FIELDS)  # stable: FIELDS order
    return columns, (questions[0] if questions else None)


def _labels(header: list[object]) -> list[str]:
    """A name per column to show and answer with: the header text, made unique if needed."""
    texts = [_text(cell) for cell in header]
    return [
        text
        if text and texts.count(text) == 1
        else Phrase("%(name)s (column %(number)s)", name=text or Phrase("Column"), number=number)
        for number, text in enumerate(texts, start=1)
    ]
