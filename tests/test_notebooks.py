"""The notebooks as files: decks, Colab, clean execution, one source for every helper, one
list of the series, and dependencies that a fresh install has."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import tomllib

import utils
from tools.notebooks import MARKER, SETUP, SOURCES, assemble, exported_cells, exported_modules
from utils.meta import REPO_SLUG, colab_url, pip_url
from utils.roadmap import STEPS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
SECRETS = re.compile(
    r"(WANDB_API_KEY|api_key)\W+[0-9a-f]{40}|/root/|/home/\w+|/Users/\w+|/tmp/|/work/"
)


def load(path):
    return nbformat.read(path, as_version=4)


def test_the_series_is_the_list_in_roadmap():
    """utils.roadmap.STEPS is the one list: every notebook, source and README row follows it."""
    names = [s.name for s in STEPS]
    assert [p.stem for p in NOTEBOOKS] == names, "a notebook is missing or not in STEPS"
    assert sorted(p.stem for p in SOURCES.glob("*.py")) == names
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| (\d\d) \| `(\w+)` \| (.+?) \| (.+?) \| (\d+) \|$", readme, re.M)
    assert rows == [(s.name[:2], s.name, s.title, s.idea, str(s.minutes)) for s in STEPS]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb_path(request):
    return request.param


def test_title_slide_comes_first_and_agrees_with_roadmap(nb_path):
    nb = load(nb_path)
    types = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert all(t in SLIDE_TYPES for t in types), types
    shown = [(t, c) for t, c in zip(types, nb.cells) if t != "skip"]
    first_type, first = shown[0]
    step = STEPS[int(nb_path.stem[:2])]
    assert first_type == "slide" and first.cell_type == "markdown"
    assert first.source.startswith(f"# torch.nn, really · {nb_path.stem[:2]} · {step.title}\n")
    assert f"*About {step.minutes} minutes." in first.source


def test_ends_with_links_to_read_more(nb_path):
    last = load(nb_path).cells[-1]
    assert last.cell_type == "markdown" and "**Read more:**" in last.source
    assert 2 <= len(re.findall(r"\]\(https://", last.source.split("**Read more:**")[1])) <= 4


def test_colab_badge_and_setup_cell_use_the_one_repo_slug(nb_path):
    badge, setup = load(nb_path).cells[:2]
    assert f"({colab_url(nb_path.name)})" in badge.source
    assert REPO_SLUG in badge.source and "colab.research.google.com" in badge.source
    assert setup.source == SETUP and pip_url() in setup.source
    assert setup.outputs == []  # with our utils importable it prints nothing


def test_executed_once_in_order_without_errors_warnings_or_timestamps(nb_path):
    code = [c for c in load(nb_path).cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for i, cell in enumerate(code, 1):
        assert "execution" not in cell.metadata, f"cell {i} stores timestamps"
        for out in cell.outputs:
            assert out.output_type != "error", f"cell {i}: {out.get('ename')}"
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                f"cell {i} wrote to stderr: {out.text[:200]}"
            )


def test_no_keys_or_personal_paths_in_outputs(nb_path):
    text = json.dumps([c.get("outputs", []) for c in load(nb_path).cells])
    assert not SECRETS.search(text), SECRETS.search(text)


def test_ignored_outputs_say_why(nb_path):
    """Every way nbval can be told to look away (tags and comment markers: ignore, skip,
    expect an error) is used only on a cell that says why; and only ignoring output is used."""
    from nbval.plugin import comment_markers, metadata_tags

    for cell in load(nb_path).cells:
        if cell.cell_type != "code":
            continue
        tags = set(cell.metadata.get("tags", [])) & set(metadata_tags)
        comments = {
            ln.lstrip("#").strip() for ln in cell.source.splitlines() if ln.strip().startswith("#")
        } & set(comment_markers)
        assert tags <= {"nbval-ignore-output"} and not comments, (tags, comments)
        if tags:
            assert cell.source.startswith("# Output ignored by the tests: "), cell.source[:80]


def cell_facts(cell) -> tuple:
    """What a cell is, beside its outputs: its type, source, slide type and tags (`long`
    decides what `make test-other-cpu` skips, `exercise` marks an exercise, nbval's tags what
    is compared)."""
    slide_type = cell.metadata.get("slideshow", {}).get("slide_type")
    return cell.cell_type, cell.source, slide_type, sorted(cell.metadata.get("tags", []))


def test_committed_notebook_matches_its_source(nb_path):
    """Edit notebooks/src/*.py, then `make notebooks`: the two never drift apart, tags and
    slide types included."""
    built = [cell_facts(c) for c in assemble(SOURCES / f"{nb_path.stem}.py").cells]
    committed = [cell_facts(c) for c in load(nb_path).cells]
    assert len(committed) == len(built), (
        f"{len(committed)} cells in {nb_path.name}, {len(built)} in its source: make notebooks"
    )
    for i, (got, want) in enumerate(zip(committed, built)):
        assert got == want, (
            f"cell {i} of {nb_path.name} differs from its source (type, source, slide type, "
            f"tags): {got[0]}, {got[2]}, {got[3]} in the notebook; {want[0]}, {want[2]}, "
            f"{want[3]} in the source; source equal: {got[1] == want[1]}. Run make notebooks"
        )


# ------------------------------------------------------------- one source for every helper
def test_generated_parts_of_utils_are_current():
    for path, text in exported_modules().items():
        assert path.read_text() == text, f"{path.name} is stale: run `make export`"


def definitions(tree):
    return {
        node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


def test_no_helper_is_written_twice():
    """A name defined in utils and in a notebook is the exported cell itself. Notebooks before
    it may show earlier versions (03-05's `fit`); notebooks after it must import it."""
    exported_in = {}
    for module, cells in exported_cells().items():
        for src, code in cells:
            for name in definitions(ast.parse(code)):
                exported_in[name] = (src, module)
    in_utils = {}
    for path in (ROOT / "utils").glob("*.py"):
        text = path.read_text()
        hand_written = text.split(MARKER)[0]
        for name in definitions(ast.parse(hand_written)):
            in_utils[name] = path.stem
    for src in sorted(SOURCES.glob("*.py")):
        code = "\n".join(c.source for c in jupytext.read(src).cells if c.cell_type == "code")
        for name in definitions(ast.parse(code)):
            assert name not in in_utils, f"{src.name} retypes utils.{in_utils[name]}.{name}"
            if name in exported_in:
                origin = exported_in[name][0]
                assert src.name <= Path(origin).name, (
                    f"{src.name} redefines {name}, which {origin} saved to utils: import it"
                )


def test_the_package_docstring_lists_every_module():
    listed = re.findall(r"^(\w+)\*?\s{2,}\S", utils.__doc__, re.M)
    modules = sorted(p.stem for p in (ROOT / "utils").glob("*.py") if p.stem != "__init__")
    modules = sorted(modules + [p.parent.name for p in (ROOT / "utils").glob("*/__init__.py")])
    assert sorted(listed) == modules
    generated = {p.stem for p in exported_modules()}
    assert set(re.findall(r"^(\w+)\*\s{2,}\S", utils.__doc__, re.M)) >= generated


# ------------------------------------------------------------- what a fresh install needs
IMPORT_NAMES = {"PIL": "pillow", "IPython": "ipython"}


def top_level_imports(code: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_pyproject_dependencies_cover_every_import_of_the_notebooks_and_utils():
    """A Colab learner gets only what pyproject says (plus Colab's own torch)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    declared = {re.split(r"[<>=!~ \[;]", d)[0].lower() for d in deps}
    code = [c.source for p in NOTEBOOKS for c in load(p).cells if c.cell_type == "code"]
    code += [p.read_text() for p in (ROOT / "utils").glob("*.py")]
    imported = set().union(*map(top_level_imports, code)) - set(sys.stdlib_module_names)
    imported -= {"utils", "google"}  # ours; Colab's own module, checked for, never imported
    missing = {IMPORT_NAMES.get(m, m).lower() for m in imported} - declared
    assert not missing, f"imported but not in pyproject's dependencies: {sorted(missing)}"


def test_setup_cell_names_the_fix_when_another_utils_is_found(tmp_path):
    """`utils` is a common name: a learner's own utils.py must not fail much later instead."""
    (tmp_path / "utils.py").write_text("def helper(): pass\n")
    out = subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 and "does not find this series' helpers" in lines[0]
    assert f"pip install {pip_url()}" in lines[0]
