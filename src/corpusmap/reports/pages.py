"""The topic report as pages: an overview and a page per topic, sharing one plotly.js.

`write_report_folder` writes them as a folder that works from disk with no network:

    index.html          the overview; its topic table links to topics/<id>.html
    topics/<id>.html    a page per topic (the outlier topic -1 included)
    plotly.min.js       the plotly.js bundle of the installed plotly package, once
    corpusmap.css       the stylesheet, report.js the charts' click handlers
                        (`static/` of this package)

Pages load plotly.js, the stylesheet and report.js by relative paths, so the folder
can be moved or zipped whole; its pages link only each other and the documents'
URL template. The API serves the same pages (`served_links`): the overview at
`/collections/{name}/report`, topic pages under `.../report/topics/{id}`, a topic's
paged document list under `.../report/topics/{id}/documents`, the bundle at
`.../report/plotly.min.js` and the static files under `/static`, with absolute paths
(as its document links are) so that no page depends on a trailing slash. Served
pages also carry the app's navigation (collections, search, landscape, API docs),
link documents to the app's document page and search within a topic. The pages are
the templates `overview_page.html`, `topic_page.html` and `topic_documents_page.html`;
every id in a link is percent-encoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpusmap.errors import TopicNotFoundError
from corpusmap.reports import charts
from corpusmap.reports.data import ReportData, collect_report_data
from corpusmap.reports.render import OVERVIEW_NAV, overview_context
from corpusmap.reports.saved import load_report_data
from corpusmap.reports.tables import topic_view
from corpusmap.reports.templating import (
    SCRIPT,
    STYLESHEET,
    NavLink,
    render,
    urlquote,
    with_id,
    write_static,
)
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicSummary

PLOTLY_FILE = "plotly.min.js"
TOPICS_DIR = "topics"


@dataclass(frozen=True)
class ReportLinks:
    """Where the pages of a report point; `{id}` is filled in by each template."""

    overview: str  # the overview, from a topic page
    topic: str  # a topic page, from the overview
    sibling: str  # a topic page, from another topic page
    plotly_from_overview: str
    plotly_from_topic: str
    document: str  # a document's page
    stylesheet_from_overview: str
    stylesheet_from_topic: str
    script_from_overview: str  # report.js
    #: A topic's paged document list ("": none, as in a folder).
    topic_documents: str = ""
    #: The collection's search page, for "search within this topic" ("": none).
    search: str = ""
    #: The app's navigation on every page ((): the page's own links only).
    app_nav: tuple[NavLink, ...] = ()

    def topic_href(self, topic_id: int) -> str:
        """A topic page's address from the overview."""
        return with_id(self.topic, topic_id)

    def sibling_href(self, topic_id: int) -> str:
        """A topic page's address from another topic page."""
        return with_id(self.sibling, topic_id)

    def nav(self, own: list[NavLink]) -> dict[str, list[NavLink]]:
        """A page's `nav_links` (the app's, else its own) and `page_links` (its own,
        under the app's)."""
        if self.app_nav:
            return {"nav_links": list(self.app_nav), "page_links": own}
        return {"nav_links": own, "page_links": []}


def folder_links(document_url: str) -> ReportLinks:
    """Links between the files of a report folder; documents link to `document_url`."""
    return ReportLinks(
        overview="../index.html",
        topic=f"{TOPICS_DIR}/{{id}}.html",
        sibling="{id}.html",
        plotly_from_overview=PLOTLY_FILE,
        plotly_from_topic=f"../{PLOTLY_FILE}",
        document=document_url,
        stylesheet_from_overview=STYLESHEET,
        stylesheet_from_topic=f"../{STYLESHEET}",
        script_from_overview=SCRIPT,
    )


def served_links(
    base: str, document_url: str, static: str, *, search: str = "", home: str = "/"
) -> ReportLinks:
    """Links between the pages the API serves under `base` (the overview's path, its
    parts percent-encoded), the static files under `static`, documents at
    `document_url` and the collection's search page at `search` ("": none); the
    app's navigation starts at `home`. The bundle's address carries the plotly.js
    version, so it can be cached for good."""
    bundle = f"{base}/{PLOTLY_FILE}?v={charts.plotly_version()}"
    topic = f"{base}/{TOPICS_DIR}/{{id}}"
    css = f"{static}/{STYLESHEET}"
    app = [NavLink(home, "Collections")]
    app += [NavLink(search, "Search")] if search else []
    app += [NavLink(base, "Landscape"), NavLink(f"{home.rstrip('/')}/docs", "API docs")]
    return ReportLinks(
        *(base, topic, topic, bundle, bundle, document_url, css, css),
        script_from_overview=f"{static}/{SCRIPT}",
        topic_documents=f"{topic}/documents",
        search=search,
        app_nav=tuple(app),
    )


def cached_report_data(
    store: MilvusStore, collection: str, saved: Path | None = None
) -> ReportData:
    """The report data the indexer saved at `saved` (`reports.saved`), or else
    `collect_report_data`; kept on Milvus Lite until the file is written to, so the
    overview and every topic page of one build are computed once."""

    def compute() -> ReportData:
        data = load_report_data(saved) if saved is not None else None
        return data if data is not None else collect_report_data(store, collection)

    return store.cached(("report data", collection), compute)


def app_document_url(base: str, collection: str) -> str:
    """The app's page of a document of `collection`, under `base` (a URL or a path,
    "" for this server's root), `{id}` to fill in; the collection percent-encoded."""
    return f"{base.rstrip('/')}/ui/collections/{urlquote(collection)}/documents/{{id}}"


def render_overview_page(data: ReportData, links: ReportLinks) -> str:
    """The overview page: its topic table and tables link to the topic pages, map
    bubbles to them too and map points to the documents."""
    return render(
        "overview_page.html",
        **overview_context(data, links.topic_href, links.document),
        **links.nav(OVERVIEW_NAV),
        stylesheet_href=links.stylesheet_from_overview,
        plotly_src=links.plotly_from_overview,
        script_src=links.script_from_overview,
    )


def topic_nav(data: ReportData, topic: TopicSummary, links: ReportLinks) -> list[NavLink]:
    """Links to the overview and to the topics before and after this one in the table."""
    order = [t.topic_id for t in data.topics]
    at = order.index(topic.topic_id)
    nav = [NavLink(links.overview, "All topics")]
    if at > 0:
        nav.append(NavLink(links.sibling_href(order[at - 1]), "Previous topic"))
    if at + 1 < len(order):
        nav.append(NavLink(links.sibling_href(order[at + 1]), "Next topic"))
    return nav


def find_topic(data: ReportData, topic_id: int) -> TopicSummary:
    """A topic of the report; `TopicNotFoundError` (404) for none."""
    topic = next((t for t in data.topics if t.topic_id == topic_id), None)
    if topic is None:
        raise TopicNotFoundError(f"collection {data.collection!r} has no topic {topic_id}")
    return topic


def render_topic_page(data: ReportData, topic_id: int, links: ReportLinks) -> str:
    """A topic's page: keywords with weights, trend, class mix, nearest topics (linked
    to their pages), words per time bin and representative documents; served, also
    its full document list and a search within it."""
    topic = find_topic(data, topic_id)
    total = sum(t.size for t in data.topics)
    view = data.over_time
    documents = with_id(links.topic_documents, topic_id) if links.topic_documents else ""
    return render(
        "topic_page.html",
        data=data,
        view=topic_view(topic, data),
        share=topic.size / total if total else 0.0,
        trend_chart=charts.topic_trend_chart(view, topic) if view and view.bins else None,
        href=links.sibling_href,
        document_url=links.document,
        documents_href=documents,
        search_url=links.search,
        **links.nav(topic_nav(data, topic, links)),
        stylesheet_href=links.stylesheet_from_topic,
        plotly_src=links.plotly_from_topic,
    )


def write_report_folder(data: ReportData, folder: Path, *, document_url: str) -> dict[str, Any]:
    """Write the report as a folder (see the module docstring); topic pages left from an
    earlier report in the same folder are removed. Returns what was written."""
    links = folder_links(document_url)
    pages = folder / TOPICS_DIR
    pages.mkdir(parents=True, exist_ok=True)
    (folder / PLOTLY_FILE).write_text(charts.plotly_bundle(), encoding="utf-8")
    write_static(folder)
    written = set()
    for topic in data.topics:
        path = pages / f"{topic.topic_id}.html"
        path.write_text(render_topic_page(data, topic.topic_id, links), encoding="utf-8")
        written.add(path.name)
    for stale in pages.glob("*.html"):
        if stale.name not in written:
            stale.unlink()
    index = folder / "index.html"
    index.write_text(render_overview_page(data, links), encoding="utf-8")
    points = data.document_map
    return {
        "folder": str(folder),
        "index": str(index),
        "topic_pages": len(written),
        "documents": points.total if points else 0,
        "documents_on_map": len(points.ids) if points else 0,
    }
