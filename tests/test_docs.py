"""The docs stay true: generated pages match their sources, the README stays a guide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import docs

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: Markdown links and images: [text](target) or ![alt](target).
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def relative_links(page: Path) -> list[str]:
    """The targets of a page's links that point into the repository (no URL, no anchor)."""
    targets = (m.group(1) for m in LINK.finditer(page.read_text(encoding="utf-8")))
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", t)]


def test_generated_pages_are_up_to_date():
    for path, text in docs.generated().items():
        assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `python -m bench.docs`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is out of date: run `python -m bench.docs`"
        )


def test_check_passes_now_and_names_a_stale_page(tmp_path, capsys):
    assert docs.main(["--check"]) == 0
    stale = tmp_path / "page.md"
    stale.write_text("old\n")
    assert docs.out_of_date({stale: "new\n", tmp_path / "missing.md": "x\n"}) == [
        stale,
        tmp_path / "missing.md",
    ]
    assert docs.out_of_date({stale: "old\n"}) == []


def test_generation_is_deterministic():
    assert docs.render_benchmarks() == docs.render_benchmarks()
    assert docs.render_configuration() == docs.render_configuration()


def test_every_results_file_has_a_section_with_its_command():
    page = docs.render_benchmarks()
    for results in sorted(docs.RESULTS.glob("*.json")):
        assert f"`bench/results/{results.name}`" in page
    assert "python -m bench.encoding --batch-sizes 8,16,32,64" in page
    assert "python -m bench.query --sizes 10000,100000" in page


def test_configuration_lists_every_setting():
    page = docs.render_configuration()
    for name in docs.Settings.model_fields:
        assert f"| `CORPUSMAP_{name.upper()}` |" in page


def test_readme_is_a_guide_of_at_most_200_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move detail to docs/"


@pytest.mark.parametrize(
    "page", [README, *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_relative_links_point_to_files(page):
    links = relative_links(page)
    if page == README:
        assert links, "README.md links to no docs page"
    missing = [t for t in links if not (page.parent / t.split("#")[0]).exists()]
    assert missing == [], f"{page.relative_to(ROOT)} links to missing files: {missing}"


@pytest.mark.parametrize(
    "page", [README, *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_links_to_a_section_find_its_heading(page):
    broken = []
    for target in relative_links(page) + _anchors_only(page):
        path, _, fragment = target.partition("#")
        if not fragment:
            continue
        linked = page.parent / path if path else page
        headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.MULTILINE)
        if fragment not in {docs.anchor(h) for h in headings}:
            broken.append(target)
    assert broken == [], f"{page.relative_to(ROOT)} links to missing sections: {broken}"


def _anchors_only(page: Path) -> list[str]:
    """Links within the page itself (`#section`)."""
    targets = (m.group(1) for m in LINK.finditer(page.read_text(encoding="utf-8")))
    return [t for t in targets if t.startswith("#")]
