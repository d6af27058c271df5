"""The README and docs/ as a visitor and a maintainer read them: links that lead somewhere, a short front page
that starts with the two commands, and the configuration and module tables complete for the code as it is."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where brackets are code, not links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+\s+(.*)$", re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_names_a_file_of_the_repository(page):
    broken = []
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: are not files of the repository
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        missing_anchor = anchor and linked.suffix == ".md" and anchor not in anchors(linked)
        if not linked.is_file() or not linked.is_relative_to(ROOT) or missing_anchor:
            broken.append(target)
    assert not broken, f"{page.name} links to what does not exist: {broken}"


def test_the_readme_is_a_front_page_that_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert len(text.encode()) <= 12 * 1024
    front_matter, rest = re.match(r"^---\n(.*?)\n---\n\n(.*)$", text, re.S).groups()
    assert "sdk: gradio" in front_matter and "app_file: app.py" in front_matter
    first = rest.splitlines()[:4]
    assert first[0] == "```bash" and first[3] == "```"
    assert first[1].startswith("pip install -r requirements.txt && python app.py ")
    assert first[2].startswith("bash tests/run.sh ")


def test_every_environment_variable_the_code_reads_is_in_the_configuration_table():
    sources = [ROOT / "app.py", *(ROOT / "colorization").rglob("*.py"), *(ROOT / "webapp").rglob("*.py")]
    names = set()
    for source in sources:
        names |= set(re.findall(r"[\"']((?:COLORIZATION|HF|GRADIO|XDG)_[A-Z_]+)[\"']", source.read_text()))
    assert {"COLORIZATION_MODEL", "HF_ENDPOINT", "GRADIO_EXAMPLES_CACHE"} <= names  # the scan finds them
    table = (ROOT / "docs" / "configuration.md").read_text()
    assert not [name for name in sorted(names) if f"`{name}`" not in table]


def test_every_module_is_in_the_development_map():
    modules = [ROOT / "app.py", *(ROOT / "colorization").rglob("*.py"), *(ROOT / "webapp").glob("*.py")]
    text = (ROOT / "docs" / "development.md").read_text().split("## Where each concern lives")[1].split("\n## ")[0]
    missing = [str(m.relative_to(ROOT)) for m in modules
               if m.name not in ("__init__.py", "__main__.py") and not re.search(rf"[`/]{re.escape(m.name)}`", text)]
    assert not missing, f"docs/development.md does not say where these belong: {missing}"
