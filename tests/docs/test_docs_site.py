"""The documentation site: ``mkdocs build --strict`` succeeds (every page in the nav,
every link and anchor resolved, every docstring rendered), the built site fetches
nothing from other hosts, ``mkdocs serve`` serves it, the API reference covers
every public module, and the README is a front page whose links all resolve."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docs_pages import DOCS, README, ROOT, blocks, name, pages

MKDOCS_ENV = os.environ | {"NO_MKDOCS_2_WARNING": "1"}  # material's banner, not our warning


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=ROOT, env=MKDOCS_ENV, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return out


def built(site: Path, page: Path) -> Path:
    """Where the site has a docs page: ``how-to/csv-data.md`` -> ``how-to/csv-data/index.html``."""
    relative = page.relative_to(DOCS).with_suffix("")
    if relative.name == "index":
        return site / relative.parent / "index.html"
    return site / relative / "index.html"


def test_the_site_builds_strictly_with_every_page(site):
    for page in DOCS.rglob("*.md"):
        assert built(site, page).is_file(), name(page)
    for key in ("index.html", "tutorial/shapes-and-maths/index.html",
                "how-to/the-doctor/index.html", "reference/network/index.html",
                "explanation/design/index.html", "search/search_index.json",
                "images/vanishing-gradients.png", "404.html"):
        assert (site / key).is_file(), key
    home = (site / "index.html").read_text()
    assert "total parameters: 354" in home and "Two commands" in home
    assert not (site / "griffe_sphinx_roles.py").exists()  # the extension is not published


def test_the_api_reference_renders_the_docstrings(site):
    network = (site / "reference/network/index.html").read_text()
    assert 'id="steepest.network.Network"' in network
    assert "A fully connected feed-forward network trained by gradient descent" in network
    # fit, save and explain are functions of other modules bound to Network: the
    # page links to where they are documented.
    assert 'href="../training/#steepest.training.fit"' in network
    assert 'id="steepest.training.fit"' in (site / "reference/training/index.html").read_text()
    errors = (site / "reference/errors/index.html").read_text()
    assert 'id="steepest.errors.DataError"' in errors
    # Sphinx roles and bare doctests are rendered as Markdown, not left as text.
    for html in (site / "reference").rglob("*.html"):
        text = html.read_text()
        assert not re.search(r":(class|func|meth|mod|attr):`", text), html
    top = (site / "reference/index.html").read_text()
    assert "&gt;&gt;&gt;" in top and "[(2, 3), (3, 3), (3, 2)]" in top  # the doctest, as code


# Every public module has a reference page, except these (documented elsewhere).
NOT_IN_REFERENCE = {
    "cli": "the steepest command: how-to/command-line.md",
    "demos": "steepest demo: tutorial/tutorials-examples.md",
    "images": "image files for steepest predict: how-to/command-line.md",
    "metrics": "internal figures behind Network.evaluate",
}


def test_every_public_module_has_a_reference_page():
    src = ROOT / "src" / "steepest"
    public = {p.stem for p in src.glob("*.py") if not p.stem.startswith("_")}
    public |= {p.parent.name for p in src.glob("*/__init__.py")}
    referenced = {}
    for page in (DOCS / "reference").glob("*.md"):
        for module in re.findall(r"^::: steepest\.?(\w*)$", page.read_text(), re.M):
            referenced[module] = page.name
    assert referenced.pop("") == "index.md"  # the package itself
    assert set(referenced) == public - set(NOT_IN_REFERENCE)
    assert all(referenced[m] == f"{m}.md" for m in referenced)
    assert set(NOT_IN_REFERENCE) <= public


#: The attribute of each tag that makes a browser fetch something.
FETCHED = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
           "video": "src", "audio": "src", "embed": "src", "object": "data", "image": "href",
           "use": "href"}


class _Fetches(HTMLParser):
    """Every URL a page makes the browser fetch: scripts, styles, icons, fonts,
    images, frames (not the links a reader may follow)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.style: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get(FETCHED.get(tag, ""))
        if url:
            self.urls.append(url)
        if attrs.get("style"):
            self.style.append(attrs["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style.append(data)


EXTERNAL = re.compile(r"^(https?:)?//", re.I)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.I)


def test_the_site_fetches_nothing_from_other_hosts(site):
    htmls = list(site.rglob("*.html"))
    assert len(htmls) >= 40
    for html in htmls:
        parser = _Fetches()
        parser.feed(html.read_text())
        external = [u for u in parser.urls if EXTERNAL.match(u)]
        external += [u for css in parser.style for u in CSS_URL.findall(css)
                     if EXTERNAL.match(u)]
        assert not external, f"{html.relative_to(site)} fetches {external}"
    for css in site.rglob("*.css"):
        external = [u for u in CSS_URL.findall(css.read_text()) if EXTERNAL.match(u)]
        assert not external, f"{css.relative_to(site)} fetches {external}"
    for asset in [*htmls, *site.rglob("*.css"), *site.rglob("*.js")]:
        assert "fonts.googleapis" not in asset.read_text(errors="replace"), asset
    # And the check itself sees an external script, style and font.
    parser = _Fetches()
    parser.feed('<script src="https://cdn.example/x.js"></script><link href="//f.example/c.css">'
                '<style>@font-face{src:url(https://fonts.example/f.woff2)}</style>')
    assert [u for u in parser.urls if EXTERNAL.match(u)] == ["https://cdn.example/x.js",
                                                            "//f.example/c.css"]
    assert CSS_URL.findall(parser.style[0]) == ["https://fonts.example/f.woff2"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mkdocs_serve_serves_the_site_on_this_machine(tmp_path):
    port = _free_port()
    # mkdocs serve builds into a folder of its own under TMPDIR, removed when it stops
    # on Ctrl-C (SIGINT); SIGTERM would leave a copy of the site behind.
    temp = tmp_path / "tmp"
    temp.mkdir()
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--config-file", str(ROOT / "mkdocs.yml"),
         "--dev-addr", f"127.0.0.1:{port}"],
        cwd=ROOT, env=MKDOCS_ENV | {"TMPDIR": str(temp)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline, page = time.monotonic() + 120, None
        while page is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    page = reply.read().decode()
            except OSError:
                time.sleep(0.5)
        assert page is not None, f"mkdocs serve did not answer: {server.poll()}"
        assert "<title>steepest</title>" in page and "Quick start" in page
        assert [p.name[:7] for p in temp.iterdir()] == ["mkdocs_"]  # the site it serves
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
    assert list(temp.iterdir()) == []


# ------------------------------------------------------------------ README and links


def test_the_readme_is_a_front_page():
    text = README.read_text()
    lines = text.splitlines()
    assert len(lines) <= 200
    # It starts with the two commands (tests/test_project.py checks them word for word).
    assert lines[0].startswith("# ") and lines[2] == "```bash"
    assert "steepest train" in lines[3] and "python -m pytest -q" in lines[4]
    assert len(blocks(README, "python")) == 1
    assert 10 <= len(blocks(README, "python")[0].strip().splitlines()) <= 20
    assert len(re.findall(r"!\[[^\]]*\]\(docs/images/", text)) == 1  # one picture
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)", text))
    # Into every part of the docs.
    for part in ("tutorial", "how-to", "reference", "explanation"):
        assert any(f"docs/{part}/" in link for link in linked), part
    assert 'pip install -e ".[docs]" && mkdocs serve' in text


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """The anchor of a heading, as MkDocs and GitHub make it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return re.sub(r"\s+", "-", text)


def test_every_relative_link_points_at_a_file_and_anchor_that_exist():
    checked = 0
    for page in pages():
        text = re.sub(r"^```.*?^```$", "", page.read_text(), flags=re.S | re.M)  # not code
        for target in LINK.findall(text):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve()
            assert file.exists(), f"{name(page)} links to {target}, which does not exist"
            assert ROOT in file.parents, f"{name(page)} links outside the repository: {target}"
            if anchor and file.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", file.read_text(), re.M)
                assert anchor in {_slug(h) for h in headings}, f"{name(page)}: {target}"
            checked += 1
    assert checked >= 60
    assert _slug("Explain one training step") == "explain-one-training-step"
    assert _slug("The tutorials' examples") == "the-tutorials-examples"


# ------------------------------------------------------------------ the Griffe extension


def _extension():
    spec = importlib.util.spec_from_file_location("griffe_sphinx_roles",
                                                  DOCS / "griffe_sphinx_roles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_griffe_extension_rewrites_rst_habits():
    ext = _extension()
    assert ext.plain_roles("a :class:`~steepest.Network` and :meth:`Network.fit`") == (
        "a `Network` and `Network.fit`")
    assert ext.plain_roles("see :mod:`steepest.losses`") == "see `steepest.losses`"
    assert ext.fence_doctests("Intro.\n\n>>> 1 + 1\n2\n\nAfter.") == (
        "Intro.\n\n```pycon\n>>> 1 + 1\n2\n```\n\nAfter.")
    fenced = "```python\n>>> x\n```"
    assert ext.fence_doctests(fenced) == fenced
    assert ext.literal_markers("In one call::\n\n    code") == "In one call:\n\n    code"
    assert ext.attribute_items("Attributes\n----------\nnet_: the network.\n") == (
        "Attributes\n----------\nnet_\n    the network.\n")
    # Parameters that share a description get an item each (Griffe would give them
    # all the first one's type and default); other sections are left alone.
    grouped = ("Parameters\n----------\nx:\n    The x.\na, b:\n    Both.\n\n"
               "Attributes\n----------\nc, d: both.\n")
    assert ext.separate_parameters(grouped) == (
        "Parameters\n----------\nx:\n    The x.\na:\n    Both.\nb:\n    Both.\n\n"
        "Attributes\n----------\nc, d: both.\n")


def test_docs_pictures_exist_are_small_pngs_and_say_how_they_were_made():
    from PIL import Image

    pictures = []  # (page, picture, caption) in the README and every docs page
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for path, caption in re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)\n\n\*([^*]+)\*",
                                        page.read_text()):
            pictures.append((page, (page.parent / path).resolve(), caption))
    assert len(pictures) >= 3
    assert {file.name for _, file, _ in pictures} == {
        p.name for p in (ROOT / "docs" / "images").glob("*.png")}  # each one is shown
    for page, file, caption in pictures:
        assert "steepest " in caption or "snippet" in caption, (page, caption)
        assert file.parent == ROOT / "docs" / "images", (page, file)
        assert file.stat().st_size < 100_000, file
        with Image.open(file) as image:
            assert image.format == "PNG"
