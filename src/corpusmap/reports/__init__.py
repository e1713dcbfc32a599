"""The topic report: its data, charts, tables and pages, rendered from Jinja2
templates (`templates/`, `static/`) as a folder or served by the API.

Public API: the names in `__all__`; the modules below hold the rest.
"""

from corpusmap.reports.data import ReportData, collect_report_data
from corpusmap.reports.pages import (
    ReportLinks,
    render_overview_page,
    render_topic_page,
    write_report_folder,
)
from corpusmap.reports.render import render_report
from corpusmap.reports.saved import load_report_data, save_report_data
from corpusmap.reports.topic_documents import render_topic_documents_page

__all__ = [
    "ReportData",
    "ReportLinks",
    "collect_report_data",
    "load_report_data",
    "render_overview_page",
    "render_report",
    "render_topic_documents_page",
    "render_topic_page",
    "save_report_data",
    "write_report_folder",
]
