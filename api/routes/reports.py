"""The HTML topic report: the overview, a page per topic, a topic's paged document
list, and the plotly.js, stylesheet and script they load.

The pages are those `corpusmap report` writes as a folder (`corpusmap.reports.pages`),
linked by absolute paths under `/collections/{name}/report`, with the app's
navigation; documents link to the app's document page (`/ui/collections/{name}/
documents/{id}`) and a topic page searches within its topic on the app's search page
(`/ui/collections/{name}/search?q=&topic=`). Nothing is fetched from elsewhere:
plotly.js comes from this API, with a version in its address and a cache header of a
year, so a browser loads it once for every page and collection; the stylesheet and
report.js (`corpusmap/reports/static/`, shared by every page that extends the
templates' `base.html`) from `/static`, mounted by `static_app`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from api.deps import StoreDep, StoresDep
from api.errors import NOT_FOUND
from api.routes.topics import MAX_OFFSET, TopicId
from corpusmap.reports.charts import plotly_bundle
from corpusmap.reports.data import ReportData
from corpusmap.reports.pages import (
    ReportLinks,
    app_document_url,
    cached_report_data,
    render_overview_page,
    render_topic_page,
    served_links,
)
from corpusmap.reports.saved import REPORT_DATA_FILE
from corpusmap.reports.templating import PACKAGE, STATIC, urlquote
from corpusmap.reports.topic_documents import (
    PAGE_SIZE,
    read_topic_documents,
    render_topic_documents_page,
)

router = APIRouter(tags=["report"], responses=NOT_FOUND)  # every route names a collection
#: plotly.js changes only with the plotly package, and its address carries the version.
BUNDLE_CACHE = "public, max-age=31536000, immutable"
#: Where the app mounts the files of `corpusmap/reports/static` (`static_app`).
STATIC_URL = "/static"
#: Where the app's pages start ("": at the root of this API).
APP_BASE = ""


def static_app() -> StaticFiles:
    """The package's static files (the stylesheet), to mount at `STATIC_URL`."""
    return StaticFiles(packages=[(PACKAGE, STATIC)])


def _report_data(name: str, store: StoreDep, stores: StoresDep) -> ReportData:
    """The served build's report data: saved by its indexer, else computed (once)."""
    folder = stores.served_dir(name)
    return cached_report_data(store, name, folder / REPORT_DATA_FILE if folder else None)


ReportDataDep = Annotated[ReportData, Depends(_report_data)]


def report_links(name: str) -> ReportLinks:
    """Where the served pages of collection `name` point (its name percent-encoded):
    documents to the app's document page, searches to its search page."""
    quoted = urlquote(name)
    app = f"{APP_BASE}/ui/collections/{quoted}"
    return served_links(
        f"{APP_BASE}/collections/{quoted}/report",
        app_document_url(APP_BASE, name),
        STATIC_URL,
        search=f"{app}/search",
        home=f"{APP_BASE}/",
    )


@router.get("/collections/{name}/report", response_class=HTMLResponse)
def topic_report(name: str, store: StoreDep, data: ReportDataDep) -> HTMLResponse:
    """The HTML topic report's overview: topic table, sizes, intertopic map, document map
    (a sample of at most 5,000 documents), topics over time, per class and hierarchy;
    each topic links to its page, a map bubble opens its topic and a map point its
    document. plotly.js is served by this API, never a CDN."""
    page = store.cached(
        ("report overview", name), lambda: render_overview_page(data, report_links(name))
    )
    return HTMLResponse(page)


@router.get("/collections/{name}/report/topics/{topic_id}", response_class=HTMLResponse)
def topic_report_page(name: str, topic_id: TopicId, data: ReportDataDep) -> HTMLResponse:
    """A topic's page of the report: keywords with weights, trend, class mix, nearest
    topics and representative documents linked to the app's document page, a link to
    the topic's full document list and a search within the topic; 404 for no such
    topic."""
    return HTMLResponse(render_topic_page(data, topic_id, report_links(name)))


@router.get(
    "/collections/{name}/report/topics/{topic_id}/documents",
    response_class=HTMLResponse,
    responses=NOT_FOUND,
)
def topic_report_documents(
    name: str,
    topic_id: TopicId,
    store: StoreDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = PAGE_SIZE,
) -> HTMLResponse:
    """A page of a topic's documents, ordered by id, each linked to the app's document
    page, with previous and next links; 404 for no such topic."""
    topic, rows = read_topic_documents(store, name, topic_id, offset, limit)
    page = render_topic_documents_page(
        name, topic, rows, report_links(name), offset=offset, limit=limit, max_offset=MAX_OFFSET
    )
    return HTMLResponse(page)


@router.get(
    "/collections/{name}/report/plotly.min.js",
    response_class=Response,
    responses={200: {"content": {"text/javascript": {"schema": {"type": "string"}}}}},
)
def report_plotly(name: str, store: StoreDep) -> Response:
    """The plotly.js bundle the report pages load (from the installed plotly package)."""
    headers = {"Cache-Control": BUNDLE_CACHE}
    return Response(plotly_bundle(), media_type="text/javascript", headers=headers)
