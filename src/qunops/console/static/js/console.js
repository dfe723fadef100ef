// Draws the console's charts once the vendored ECharts has loaded (scripts load with defer), and again
// after HTMX swaps in new content; says why when the server refuses an HTMX request. Data come from JSON the server embeds: sparklines carry theirs in
// data-series; a page's larger charts read <script type="application/json" id="group-data|member-data">.
"use strict";
(function () {
  var ACCENT = "#2f7d6d", WARN = "#b5502c", SOFT = "#7fa9c9", MUTED = "#6b7b79";
  var WEEKDAYS = { en: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], zh: ["周一", "周二", "周三", "周四", "周五", "周六", "周日"] };

  function lang() { return (document.documentElement.lang || "en").slice(0, 2) === "zh" ? "zh" : "en"; }

  function init(el) {
    var existing = echarts.getInstanceByDom(el);
    if (existing) existing.dispose();
    return echarts.init(el, null, { renderer: el.classList.contains("spark") ? "svg" : "canvas" });
  }

  function drawSparklines(root) {
    root.querySelectorAll(".spark[data-series]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var series = JSON.parse(el.dataset.series);
      init(el).setOption({
        animation: false,
        grid: { left: 0, right: 0, top: 2, bottom: 2 },
        xAxis: { type: "category", show: false, data: series.map(function (_, i) { return i; }) },
        yAxis: { type: "value", show: false, min: 0 },
        series: [{ type: "line", data: series, symbol: "none", lineStyle: { width: 1.5, color: ACCENT },
                   areaStyle: { color: "rgba(47,125,109,0.15)" } }]
      });
      el.dataset.drawn = "1";
    });
  }

  function timeAxis(days) {
    return { type: "category", data: days, axisLabel: { color: MUTED, formatter: function (v) { return v.slice(5); } } };
  }

  function base(days) {
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { color: MUTED } },
      grid: { left: 40, right: 16, top: 30, bottom: 30 },
      xAxis: timeAxis(days),
      // Every series counts something (messages, people, days): no ticks between whole numbers.
      yAxis: { type: "value", min: 0, minInterval: 1, axisLabel: { color: MUTED } }
    };
  }

  var builders = {
    activity: function (d) {
      var c = d.charts, o = base(c.days);
      o.grid.right = 36;  // room for the speakers axis on the right
      o.yAxis = [{ type: "value", min: 0, minInterval: 1, axisLabel: { color: MUTED } },
                 { type: "value", min: 0, minInterval: 1, axisLabel: { color: MUTED } }];
      o.series = [
        { name: d.labels.messages, type: "bar", data: c.messages, itemStyle: { color: ACCENT } },
        { name: d.labels.speakers, type: "line", yAxisIndex: 1, data: c.speakers, symbol: "none", lineStyle: { color: WARN } }
      ];
      return o;
    },
    joins: function (d) {
      var c = d.charts, o = base(c.days);
      o.yAxis.min = undefined;
      o.series = [
        { name: d.labels.joins, type: "bar", stack: "flow", data: c.joins, itemStyle: { color: SOFT } },
        { name: d.labels.leaves, type: "bar", stack: "flow", data: c.leaves.map(function (v) { return -v; }), itemStyle: { color: WARN } }
      ];
      return o;
    },
    wad: function (d) {
      var c = d.charts, o = base(c.days);
      o.yAxis.max = 7;
      o.series = [{ name: d.labels.wad, type: "line", step: "end", data: c.wad, symbol: "none",
                    lineStyle: { color: ACCENT }, areaStyle: { color: "rgba(47,125,109,0.12)" } }];
      return o;
    },
    heatmap: function (d) {
      var c = d.charts, hours = [];
      for (var h = 0; h < 24; h++) hours.push(String(h));
      return {
        animation: false,
        tooltip: { position: "top" },
        grid: { left: 44, right: 16, top: 10, bottom: 60 },
        xAxis: { type: "category", data: hours, splitArea: { show: true }, axisLabel: { color: MUTED } },
        yAxis: { type: "category", data: WEEKDAYS[lang()], splitArea: { show: true }, axisLabel: { color: MUTED } },
        visualMap: { min: 0, max: Math.max(1, c.heatmap_max), calculable: false, orient: "horizontal", left: "center", bottom: 0,
                     itemHeight: 120, inRange: { color: ["#f3f7f6", ACCENT] }, textStyle: { color: MUTED } },
        series: [{ name: d.labels.messages, type: "heatmap", data: c.heatmap }]
      };
    },
    pyramid: function (d) {
      return {
        animation: false,
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 100, right: 24, top: 10, bottom: 24 },
        xAxis: { type: "value", min: 0, axisLabel: { color: MUTED } },
        yAxis: { type: "category", data: d.pyramid_labels, axisLabel: { color: MUTED } },
        series: [{ type: "bar", data: d.pyramid_counts, itemStyle: { color: ACCENT }, label: { show: true, position: "right" } }]
      };
    },
    member: function (d) {
      var c = d.chart, o = base(c.days);
      o.series = c.series.map(function (s) { return { name: s.name, type: "bar", stack: "all", data: s.data }; });
      if (!o.series.length) o.series = [{ type: "bar", data: [] }];
      return o;
    }
  };

  function drawCharts(root) {
    var source = document.getElementById("group-data") || document.getElementById("member-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    root.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var build = builders[el.dataset.chart];
      if (build) init(el).setOption(build(data));
    });
  }

  function draw(root) {
    if (typeof echarts === "undefined") return;
    drawSparklines(root);
    drawCharts(root);
  }

  // HTMX swaps nothing in when the server refuses a request (a snooze in the past, an upload too large, an
  // expired form): say why beside the form that sent it, in the words of the error page the server sent.
  function refusal(e) {
    var source = e.detail.elt, form = (source.closest && source.closest("form")) || source;
    var answer = new DOMParser().parseFromString(e.detail.xhr.responseText || "", "text/html");
    var said = answer.querySelector("[role=alert]");
    var note = form.querySelector(".refused");
    if (!note) {
      note = document.createElement("span");
      note.className = "field-error refused";
      note.setAttribute("role", "alert");
      form.appendChild(note);
    }
    note.textContent = said ? said.textContent.trim() : e.detail.xhr.status + " " + e.detail.xhr.statusText;
  }

  document.addEventListener("htmx:responseError", refusal);
  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = (e.detail.elt.closest && e.detail.elt.closest("form")) || e.detail.elt;
    var note = form.querySelector && form.querySelector(".refused");
    if (note) note.remove();
  });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
