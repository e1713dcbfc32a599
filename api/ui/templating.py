"""The app's templates: its own folder first, then the core's (`base.html`, macros),
in an overlay of the core's environment (so autoescape and filters are the same)."""

from __future__ import annotations

import functools

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, PackageLoader

from corpusmap.reports.templating import PACKAGE, TEMPLATES, environment


@functools.cache
def templates() -> Jinja2Templates:
    """FastAPI's Jinja2Templates on the app's environment (built once)."""
    loader = ChoiceLoader([PackageLoader("api.ui", "templates"), PackageLoader(PACKAGE, TEMPLATES)])
    return Jinja2Templates(env=environment().overlay(loader=loader))
