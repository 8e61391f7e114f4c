"""The line breaking of techxfer's PDFs (``pdf_frame.wrap``), measured with fpdf2's own
Helvetica widths: nothing is lost or cut short, no line is wider than its cell, and words
are broken only when a word is wider than the whole cell."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from fpdf import FPDF

from techxfer.reports.pdf_frame import wrap


@pytest.fixture(scope="module")
def measure() -> Callable[[str], float]:
    pdf = FPDF()
    pdf.set_font("helvetica", size=7)
    return pdf.get_string_width


def test_a_sha256_is_wrapped_whole_inside_its_cell(measure: Callable[[str], float]) -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    lines = wrap(digest, 50.0, measure)
    assert len(lines) == 2 and "".join(lines) == digest
    assert all(measure(line) <= 50.0 for line in lines)


def test_words_are_kept_whole_when_they_fit(measure: Callable[[str], float]) -> None:
    text = "Design changes batch 12 sent to the manufacturer for review and approval"
    lines = wrap(text, 30.0, measure)
    assert len(lines) > 1
    assert " ".join(lines) == text
    assert all(measure(line) <= 30.0 for line in lines)
    assert set(" ".join(lines).split()) == set(text.split())


def test_wide_characters_break_anywhere_and_line_breaks_are_kept(measure: Callable[[str], float]) -> None:
    def cjk(char: str) -> float:
        return 2.0 if ord(char) > 0x2E80 else 1.0

    lines = wrap("注册人的设计文件转移清单 with words\nsecond", 10.0, cjk)
    assert lines == ["注册人的设", "计文件转移", "清单 with", "words", "second"]
    assert wrap("", 10.0, cjk) == [""]
    assert wrap("a\n\nb", 10.0, cjk) == ["a", "", "b"]
