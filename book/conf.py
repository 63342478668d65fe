"""Sphinx settings for the course's website: `make book` builds it into book/_build/html.

The source folder is the repository itself (`sphinx-build -c book . book/_build/html`), so every
lesson and assignment keeps its path in the site (notebooks/03_network_and_backprop.html) and the
launch buttons can point at the same path in the repository. Only the files in `include_patterns`
are read. Nothing is executed: the pages show the outputs committed in the notebooks. What the
reader sees (prose without the code that wrote it, solutions and speaker notes folded away,
helper cells gone, MathJax served from the site) is arranged by the extension in _ext/coursebook.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
sys.path.insert(0, str(BOOK / "_ext"))

import coursebook  # noqa: E402

project = "mnistnn"
author = "the mnistnn authors"
copyright = "the mnistnn authors, MIT licence"
html_title = "mnistnn: a neural network for MNIST, from scratch"

# The one setting for the launch buttons (Binder, Colab) and the repository button: the repository's
# public address, such as https://github.com/<owner>/mnistnn. Empty: no buttons. The Pages workflow
# sets it from the repository it runs in.
REPOSITORY_URL = os.environ.get("MNISTNN_BOOK_REPOSITORY", "").strip()

extensions = ["myst_nb", "sphinx_design", "sphinx.ext.autodoc", "sphinx.ext.mathjax", "coursebook"]

root_doc = "book/index"
include_patterns = ["book/*.md", "notebooks/[0-9]*.ipynb", "notebooks/assignments/release/*/*.ipynb"]
exclude_patterns = [".git", ".venv", "data", "book/_build", "**/.ipynb_checkpoints", "notebooks/slides"]
templates_path: list[str] = []

# The notebooks as committed: never executed here
nb_execution_mode = "off"
nb_render_markdown_format = "myst"  # the prose the lessons build from their numbers holds $formulas$
nb_ipywidgets_js: dict = {}  # widgets need a live kernel; the extension shows a sentence instead
nb_code_prompt_show = "Solution"  # only the exercises' solutions are folded (tag hide-cell), each with its number
nb_code_prompt_hide = "Solution"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # some lessons go from their title (#) to a ### box such as "Notation"
myst_update_mathjax = False  # its settings are for MathJax 3+; the site serves MathJax 2, as the slides do

# MathJax 2.7 from the slides' lock file (notebooks/slides/vendor.json), unpacked into _static/mathjax
mathjax_path = coursebook.MATHJAX_PATH
mathjax2_config = {"tex2jax": {"processEscapes": True}, "showMathMenu": False, "messageStyle": "none"}

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}
autodoc_typehints = "description"
autodoc_preserve_defaults = True

html_theme = "sphinx_book_theme"
html_static_path = [str(BOOK / "_static"), str(coursebook.prepare_mathjax())]
html_css_files = ["coursebook.css"]
html_js_files = ["coursebook.js"]  # a figure opens at full size on a click
html_extra_path = [str(BOOK / "_extra")]  # index.html at the root of the site: a link to the home page, book/index.html
html_show_search_summary = False  # summaries fetch() each page, which browsers refuse for pages opened from disk
html_sourcelink_suffix = ""  # the download button gives the .ipynb itself
html_last_updated_fmt = None
html_show_sphinx = False
html_context = {"default_mode": "auto"}  # light or dark as the reader's system prefers
html_theme_options = coursebook.theme_options(REPOSITORY_URL)
coursebook_repository = REPOSITORY_URL
