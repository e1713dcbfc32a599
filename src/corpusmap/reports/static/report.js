/* corpusmap report: clicks on chart points open what they stand for.
   A point whose customdata is a URL (a bubble of the intertopic map: its topic's page
   or section; a point of the document map: its document's page) opens that URL on a
   click, in a new tab with Ctrl, Cmd or the middle button. Only http(s), file and
   same-page addresses are followed. Loaded after the charts (end of the page). */
(function () {
  "use strict";
  var PROTOCOLS = ["http:", "https:", "file:"];

  function address(point) {
    var url = point ? point.customdata : null;
    if (typeof url !== "string" || url === "") {
      return null;
    }
    var resolved;
    try {
      resolved = new URL(url, window.location.href);
    } catch (error) {
      return null;
    }
    return PROTOCOLS.indexOf(resolved.protocol) >= 0 ? resolved.href : null;
  }

  function follow(event) {
    var url = event && event.points && event.points.length ? address(event.points[0]) : null;
    if (url === null) {
      return;
    }
    var mouse = event.event || {};
    if (mouse.ctrlKey || mouse.metaKey || mouse.button === 1) {
      window.open(url, "_blank", "noopener");
    } else {
      window.location.assign(url);
    }
  }

  function attach() {
    var charts = document.querySelectorAll(".plotly-graph-div");
    for (var i = 0; i < charts.length; i += 1) {
      var chart = charts[i];
      if (typeof chart.on === "function" && chart.dataset.clicks !== "on") {
        chart.on("plotly_click", follow);
        chart.dataset.clicks = "on";
      }
    }
  }

  attach();
  window.addEventListener("load", attach);
})();
