"""The Jinja2 environment of corpusmap's HTML pages, shared by the topic report and any
web app that extends its layout.

Templates live in `corpusmap/reports/templates/` (`base.html` is the layout: blocks
title, styles, head, nav, content and scripts; its `<nav>` lists the context's
`nav_links`), the stylesheet in `corpusmap/reports/static/corpusmap.css` and the
charts' click handlers in `static/report.js`. Every `.html`
template escapes what it prints (`select_autoescape`): corpus values are user data, so
only `Markup` (plotly's chart divs, the plotly.js bundle, the stylesheet and report.js)
goes in as is.

Filters: `urlquote` (a value as one URL path part: `a/b` -> `a%2Fb`), `with_id` (a URL
template's `{id}` filled with the quoted value), `percent`, `decimal`, `sparkpoints`
(the points of an SVG sparkline) and `snippet` (text cut at a word).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from corpusmap.search.engine import snippet

PACKAGE = "corpusmap.reports"
TEMPLATES = "templates"
STATIC = "static"
#: The stylesheet, in `static/`: pages link it (or the one-page report inlines it).
STYLESHEET = "corpusmap.css"
#: The charts' click handlers, in `static/`: pages load it (the one-page report inlines it).
SCRIPT = "report.js"


class NavLink(NamedTuple):
    """A link of a page's `<nav>` (base.html's `nav_links`)."""

    href: str
    text: str


def urlquote(value: Any) -> str:
    """`value` as text, percent-encoded as one URL path part (no `/`, `#`, `?` left)."""
    return quote(str(value), safe="")


def with_id(url_template: str, value: Any) -> str:
    """`url_template` with `{id}` filled in by `value`, percent-encoded (`urlquote`)."""
    return url_template.format(id=urlquote(value))


def percent(value: float, digits: int = 1) -> str:
    """A share as a percentage: 0.25 -> '25.0%'."""
    return f"{value:.{digits}%}"


def decimal(value: float, digits: int = 3) -> str:
    """A number with `digits` decimals."""
    return f"{value:.{digits}f}"


def sparkpoints(counts: Sequence[int], width: int = 120, height: int = 24) -> str:
    """The `points` of an SVG polyline drawing `counts` in a `width` x `height` box."""
    top = max(max(counts, default=0), 1)
    step = width / max(len(counts) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 1 - (height - 2) * n / top:.1f}" for i, n in enumerate(counts)
    )


@functools.cache
def environment() -> Environment:
    """The package's environment (one per process): templates from the package,
    autoescaped, undefined names an error, and the filters of the module docstring."""
    env = Environment(
        loader=PackageLoader(PACKAGE, TEMPLATES),
        autoescape=select_autoescape(),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        urlquote=urlquote,
        with_id=with_id,
        percent=percent,
        decimal=decimal,
        sparkpoints=sparkpoints,
        snippet=snippet,
    )
    return env


def render(template_name: str, **context: Any) -> str:
    """Render one of the package's templates with `context`."""
    return environment().get_template(template_name).render(**context)


def static_files() -> list[str]:
    """The names of the files in `static/` (the stylesheet, report.js)."""
    folder = resources.files(PACKAGE).joinpath(STATIC)
    return sorted(item.name for item in folder.iterdir() if item.is_file())


def static_text(name: str) -> str:
    """A file of `static/` as text."""
    return resources.files(PACKAGE).joinpath(STATIC, name).read_text(encoding="utf-8")


@functools.cache
def stylesheet() -> Markup:
    """The stylesheet's text, to inline in a `<style>` element (the one-page report)."""
    return Markup(static_text(STYLESHEET))


@functools.cache
def script() -> Markup:
    """report.js as text, to inline in a `<script>` element (the one-page report)."""
    return Markup(static_text(SCRIPT))


def write_static(folder: Path) -> list[Path]:
    """Copy the files of `static/` into `folder` (next to a report's pages)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in static_files():
        target = folder / name
        target.write_text(static_text(name), encoding="utf-8")
        written.append(target)
    return written
