// Draws the small charts of the console once ECharts has loaded (it is vendored, loaded with defer).
"use strict";
function drawSparklines(root) {
  if (typeof echarts === "undefined") return;
  root.querySelectorAll(".spark[data-series]").forEach(function (el) {
    if (el.dataset.drawn) return;
    var series = JSON.parse(el.dataset.series);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 0, right: 0, top: 2, bottom: 2 },
      xAxis: { type: "category", show: false, data: series.map(function (_, i) { return i; }) },
      yAxis: { type: "value", show: false, min: 0 },
      series: [{ type: "line", data: series, symbol: "none", lineStyle: { width: 1.5, color: "#2f7d6d" },
                 areaStyle: { color: "rgba(47,125,109,0.15)" } }]
    });
    el.dataset.drawn = "1";
  });
}
document.addEventListener("DOMContentLoaded", function () { drawSparklines(document); });
document.addEventListener("htmx:afterSwap", function (e) { drawSparklines(e.target); });
