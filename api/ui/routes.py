"""The app's pages: `/` (collections), a collection's search page, document pages and
the topic changes between two builds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

import api.convertors  # noqa: F401  (registers {doc_id:docid})
from api.deps import EmbeddersDep, ServicesDep, StoreDep, StoresDep
from api.ui import links
from api.ui.document_view import document_context
from api.ui.search_view import active_filters, form_values, offered, search_context
from api.ui.templating import templates
from corpusmap.builds.changes import build_changes
from corpusmap.config import SearchMode
from corpusmap.reports.render import report_emerging
from corpusmap.reports.saved import REPORT_DATA_FILE, load_report_data
from corpusmap.search.fusion import Fusion
from corpusmap.store.catalog import date_range, summarize_collection
from corpusmap.store.topic_store import TopicStore
from corpusmap.topics.emerging import EmergingTopic

router = APIRouter(include_in_schema=False)


def _nav(collection: str | None = None) -> list[links.NavLink]:
    nav = [links.NavLink("/", "Collections")]
    if collection is not None:
        nav += [
            links.NavLink(links.search_url(collection), "Search"),
            links.NavLink(links.report_url(collection), "Landscape"),
        ]
    return [*nav, links.NavLink("/docs", "API docs")]


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("nav_links", _nav(context.get("collection")))
    context.setdefault("stylesheet_href", "/static/corpusmap.css")
    return templates().TemplateResponse(request, name, {"links": links, **context}, status)


#: Where the app's pages are: errors there are answered as pages, not JSON.
APP_PAGES = "/ui/"
_TITLES = {404: "Not found", 409: "Not ready", 422: "Not understood", 503: "Unavailable"}


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An app page's error (what the API answers as JSON), as a page with that status."""
    title = _TITLES.get(status, "Something went wrong")
    return _page(request, "error.html", status, title=title, message=message)


def _emerging(stores: StoresDep, name: str) -> list[EmergingTopic]:
    """The collection's three most emerging topics, from the report data its build
    saved (nothing when it has none: the landing page computes no report)."""
    folder = stores.served_dir(name)
    data = load_report_data(folder / REPORT_DATA_FILE) if folder else None
    ranked = report_emerging(data) if data is not None else None
    return [t for t in ranked.topics if t.emerging][:3] if ranked else []


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, stores: StoresDep) -> HTMLResponse:
    """Every collection: its size, model, topics, dates and build, a search box each."""
    builds = stores.served_builds()
    collections = []
    for name in stores.collections():
        with stores.lease(name) as store:
            collections.append(
                {
                    "summary": summarize_collection(store, name),
                    "dates": date_range(store, name),
                    "build": builds.get(name),
                    "emerging": _emerging(stores, name),
                }
            )
    return _page(request, "landing.html", collections=collections)


@router.get("/ui/collections/{name}/search", response_class=HTMLResponse)
def search_page_html(
    request: Request,
    name: str,
    services: ServicesDep,
    store: StoreDep,
    embedders: EmbeddersDep,
) -> HTMLResponse:
    """The search page (GET, so a search is a shareable URL); no query: the form only."""
    values = form_values(request)
    context: dict[str, Any] = {
        "collection": name,
        "values": values,
        "modes": list(SearchMode),
        "offered": offered(store, name),
        "topics": TopicStore(store).list_topics(name) if TopicStore(store).has_topics(name) else [],
        "active": [],
    }
    if not values.get("q"):
        return _page(request, "search.html", **context)
    try:
        found = search_context(
            store, embedders, Fusion.from_settings(services.settings), name, values
        )
    except ValidationError as exc:
        errors = [
            f"{'.'.join(map(str, e['loc'][-1:])) or 'search'}: {e['msg']}" for e in exc.errors()
        ]
        return _page(request, "search.html", 400, errors=errors, **context)
    context["active"] = active_filters(name, values)
    return _page(request, "search.html", **context, **found)


@router.get("/ui/collections/{name}/documents/{doc_id:docid}", response_class=HTMLResponse)
def document_page(request: Request, name: str, doc_id: str, store: StoreDep) -> HTMLResponse:
    """A document: full text, metadata, topic, similar documents and prior art."""
    return _page(request, "document.html", collection=name, **document_context(store, name, doc_id))


@router.get("/ui/collections/{name}/topics/changes", response_class=HTMLResponse)
def changes_page(
    request: Request,
    name: str,
    services: ServicesDep,
    from_build: Annotated[str | None, Query(alias="from", max_length=100)] = None,
    to_build: Annotated[str | None, Query(alias="to", max_length=100)] = None,
) -> HTMLResponse:
    """What changed in the topics between two builds (default: the one before the
    published one, and the published one): `GET .../topics/changes` as a page."""
    changes = build_changes(services.stores.registry, name, from_build, to_build)
    values = {"from": from_build, "to": to_build}
    json_url = links.changes_url(name, values, page=False)
    return _page(request, "changes.html", collection=name, changes=changes, json_url=json_url)
