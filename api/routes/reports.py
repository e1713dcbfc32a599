"""The HTML topic report: the overview, a page per topic, and the plotly.js and
stylesheet they load.

The pages are those `corpusmap report` writes as a folder (`corpusmap.reports.pages`),
linked by absolute paths under `/collections/{name}/report`. Nothing is fetched from
elsewhere: plotly.js comes from this API, with a version in its address and a cache
header of a year, so a browser loads it once for every page and collection; the
stylesheet (`corpusmap/reports/static/corpusmap.css`, shared by every page that
extends the templates' `base.html`) from `/static`, mounted by `static_app`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from api.deps import StoreDep
from api.errors import NOT_FOUND
from api.routes.topics import TopicId
from corpusmap.reports.charts import plotly_bundle
from corpusmap.reports.pages import (
    ReportLinks,
    cached_report_data,
    render_overview_page,
    render_topic_page,
    served_links,
)
from corpusmap.reports.templating import PACKAGE, STATIC, urlquote

router = APIRouter(tags=["report"], responses=NOT_FOUND)  # every route names a collection
#: plotly.js changes only with the plotly package, and its address carries the version.
BUNDLE_CACHE = "public, max-age=31536000, immutable"
#: Where the app mounts the files of `corpusmap/reports/static` (`static_app`).
STATIC_URL = "/static"


def static_app() -> StaticFiles:
    """The package's static files (the stylesheet), to mount at `STATIC_URL`."""
    return StaticFiles(packages=[(PACKAGE, STATIC)])


def report_links(name: str) -> ReportLinks:
    """Where the served pages of collection `name` point (its name percent-encoded)."""
    collection = f"/collections/{urlquote(name)}"
    return served_links(f"{collection}/report", f"{collection}/documents/{{id}}", STATIC_URL)


@router.get("/collections/{name}/report", response_class=HTMLResponse)
def topic_report(name: str, store: StoreDep) -> HTMLResponse:
    """The HTML topic report's overview: topic table, sizes, intertopic map, document map
    (a sample of at most 5,000 documents), topics over time, per class and hierarchy;
    each topic links to its page. plotly.js is served by this API, never a CDN."""
    return HTMLResponse(render_overview_page(cached_report_data(store, name), report_links(name)))


@router.get("/collections/{name}/report/topics/{topic_id}", response_class=HTMLResponse)
def topic_report_page(name: str, topic_id: TopicId, store: StoreDep) -> HTMLResponse:
    """A topic's page of the report: keywords with weights, trend, class mix, nearest
    topics and representative documents linked to the document view; 404 for no such
    topic."""
    data = cached_report_data(store, name)
    return HTMLResponse(render_topic_page(data, topic_id, report_links(name)))


@router.get(
    "/collections/{name}/report/plotly.min.js",
    response_class=Response,
    responses={200: {"content": {"text/javascript": {"schema": {"type": "string"}}}}},
)
def report_plotly(name: str, store: StoreDep) -> Response:
    """The plotly.js bundle the report pages load (from the installed plotly package)."""
    headers = {"Cache-Control": BUNDLE_CACHE}
    return Response(plotly_bundle(), media_type="text/javascript", headers=headers)
