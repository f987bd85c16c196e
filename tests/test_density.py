"""Slides a room can read: at most 60 words of prose and 12 lines of code on a slide (speaker
notes and outputs do not count; see tools/density.py for how a slide is counted).

A slide that cannot be split without losing its point is listed in EXCEPTIONS with the
reason; the test fails on any other dense slide, and on an exception that is no longer needed
(so the list cannot go stale)."""

import pytest

from tools.density import MAX_CODE_LINES, MAX_WORDS, all_slides

# (notebook, the slide's title as tools/density.py prints it): why it may be dense
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("02", "`evaluate`: the validation check, named once"): "13 code lines: exported to "
    "utils/training.py as it stands, docstring and `# saved to` line included; shown whole",
    ("07", "`fit`, with two hooks"): "the lesson's code, exported to utils/training.py and "
    "shown whole: splitting it would split one `def`",
    ("07", "Fail early, and say why"): "`check_setup`, which `fit` calls, exported and shown "
    "whole: splitting it would split one `def`",
    ("10", "`DeviceBatches`"): "16 code lines: the class is the lesson's code, shown whole; "
    "its prose is on the slide before",
}

SLIDES = all_slides()


def test_the_counter_sees_every_notebook():
    assert {s.notebook for s in SLIDES} == {f"{i:02d}" for i in range(13)}
    assert len(SLIDES) > 200


@pytest.mark.parametrize("nb", sorted({s.notebook for s in SLIDES}))
def test_no_slide_is_too_dense(nb):
    dense = [
        f"{s.title[:60]!r}: {s.words} words, {s.code_lines} code lines"
        for s in SLIDES
        if s.notebook == nb and s.too_dense and (nb, s.title) not in EXCEPTIONS
    ]
    assert not dense, (
        f"notebook {nb}: slides over {MAX_WORDS} words or {MAX_CODE_LINES} code lines (split "
        "them or move words to speaker notes, slide_type='notes'):\n" + "\n".join(dense)
    )


def test_every_exception_is_still_needed():
    dense = {(s.notebook, s.title) for s in SLIDES if s.too_dense}
    stale = [key for key in EXCEPTIONS if key not in dense]
    assert not stale, f"no longer dense (remove from EXCEPTIONS): {stale}"
