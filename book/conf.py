"""Sphinx configuration of the book (`make book`, tools/book.py).

tools/book.py stages the committed notebooks (with their stored outputs) and a generated home
page into a source folder and runs Sphinx with this folder as its configuration. Nothing here
executes a notebook, and nothing a page loads comes from the network.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from utils.meta import BRANCH, REPO_SLUG  # noqa: E402  (the badges' slug: one place)

project = "torch.nn, really"
author = "the torch.nn, really authors"
copyright = "the torch.nn, really authors"  # noqa: A001  (Sphinx's name for it)

extensions = ["myst_nb", "sphinx_copybutton", "sphinx_design"]
nb_execution_mode = "off"  # the stored outputs, never re-executed
nb_merge_streams = True  # one output block per cell, not one per print flush
# no dollar math (the notebooks have none, and MathJax would come from a CDN); colon fences for
# the boxes tools/book.py adds, whose titles hold `code`
myst_enable_extensions = ["colon_fence"]
exclude_patterns = []
nitpicky = True
suppress_warnings = []

html_theme = "sphinx_book_theme"
html_title = "torch.nn, really"
html_static_path = [str(Path(__file__).parent / "_static")]
html_css_files = ["book.css"]
html_favicon = str(Path(__file__).parent / "_static" / "favicon.svg")  # else a 404 for /favicon.ico
html_copy_source = False  # the .ipynb to run is on GitHub and Colab, not this staged copy
html_show_sourcelink = False
html_show_search_summary = False  # a summary fetch()es each page: fails from file://
html_last_updated_fmt = None  # the same files on every build
html_context = {"default_mode": "auto"}  # light or dark as the reader's system says; a toggle
html_theme_options = {
    "repository_url": f"https://github.com/{REPO_SLUG}",
    "repository_branch": BRANCH,
    "path_to_docs": "notebooks",  # the launch button opens notebooks/<page>.ipynb
    "launch_buttons": {"colab_url": "https://colab.research.google.com"},
    "use_repository_button": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "navbar_persistent": [],  # the sidebar has the search field: no second one in a top bar
    # accessible highlighting: each token colour at least 4.5:1 on its background
    "pygments_light_style": "a11y-high-contrast-light",
    "pygments_dark_style": "a11y-high-contrast-dark",
}
# copy buttons on the code a reader runs (inputs and solutions), not on outputs
copybutton_selector = "div.cell_input pre, .solution pre"
copybutton_exclude = ".linenos, .gp"


from myst_nb.core.render import NbElementRenderer  # noqa: E402


def _with_alt(render_image):
    """myst-nb reads only width/height from an output's metadata: take its `alt` text too."""

    def render(renderer, data):
        nodes = render_image(renderer, data)
        alt = data.output_metadata.get(data.mime_type, {}).get("alt")
        for node in nodes if alt else ():
            node["alt"] = str(alt)
        return nodes

    render.takes_alt = True
    return render


if not getattr(NbElementRenderer.render_image, "takes_alt", False):
    NbElementRenderer.render_image = _with_alt(NbElementRenderer.render_image)


def setup(app):
    # myst-nb copies its stylesheet into _static/ only when the build ends, so the pages of a
    # first build would link it without the ?v= checksum that later builds add: copy it first,
    # and every build with nothing changed writes the same files
    from myst_nb.sphinx_ext import add_global_html_resources

    def early(app):
        (Path(app.builder.outdir) / "_static").mkdir(parents=True, exist_ok=True)
        add_global_html_resources(app, None)

    app.connect("builder-inited", early)
