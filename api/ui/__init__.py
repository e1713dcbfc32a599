"""The browser app: the landing page, search, document pages (HTML from Jinja2
templates that extend the topic report's `base.html`; forms and links, so every page
works without JavaScript).

Public API: `router`.
"""

from api.ui.routes import router

__all__ = ["router"]
