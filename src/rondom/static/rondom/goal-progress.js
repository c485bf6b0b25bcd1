/* Progress per goal (cases/_goal_progress.html; cases.progress): each <canvas data-goal-chart data-source="ID"> reads
 * its points from the <script type="application/json" id="ID"> that Django's json_script wrote: machine numbers with
 * a decimal point, the dates and the value texts already in the page's language and number format. Drawn by
 * Chart.js (served by the app, no CDN, no eval: the strict Content-Security-Policy holds). The aim is a dashed line.
 * The table below each chart gives the same points; without this script or Chart.js the table stands alone.
 * The include may be on a page many times (and this file with it): every canvas is drawn once. */
(function () {
  "use strict";
  var VALUE = "#154273";
  var AIM = "#8a4b00";
  var TEXT = "#1a1a1a";

  function draw(canvas) {
    if (canvas.getAttribute("data-drawn") === "1") {
      return;
    }
    var source = document.getElementById(canvas.getAttribute("data-source"));
    if (!source) {
      return;
    }
    canvas.setAttribute("data-drawn", "1");
    var data = JSON.parse(source.textContent);
    var datasets = [
      {
        label: data.valueName,
        data: data.values,
        borderColor: VALUE,
        backgroundColor: VALUE,
        pointRadius: 4,
        tension: 0,
      },
    ];
    if (data.aim !== null) {
      datasets.push({
        label: data.aimName + " (" + data.aimText + ")",
        data: data.values.map(function () {
          return data.aim;
        }),
        borderColor: AIM,
        backgroundColor: AIM,
        borderDash: [6, 4],
        pointRadius: 0,
      });
    }
    var y = { title: { display: Boolean(data.unit), text: data.unit, color: TEXT }, ticks: { color: TEXT } };
    if (data.min !== null) {
      y.min = data.min;
      y.max = data.max;
    } else {
      var all = data.values.concat(data.aim === null ? [] : [data.aim]);
      var low = Math.min.apply(null, all);
      var high = Math.max.apply(null, all);
      y.suggestedMin = low >= 0 ? 0 : low;
      y.suggestedMax = high + Math.max(1, (high - Math.min(0, low)) * 0.1);
    }
    canvas.rondomChart = new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        locale: document.documentElement.lang || "nl",
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { left: 4, right: 12, top: 8 } },
        scales: {
          x: { offset: true, ticks: { color: TEXT, maxRotation: 0, autoSkip: true, font: { size: 12 } } },
          y: y,
        },
        plugins: {
          legend: { labels: { color: TEXT } },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.datasetIndex === 0
                  ? data.valueName + ": " + data.texts[item.dataIndex]
                  : data.aimName + ": " + data.aimText;
              },
            },
          },
        },
      },
    });
  }

  function drawAll() {
    if (typeof window.Chart === "undefined") {
      return; /* no chart library: the tables stand alone */
    }
    document.querySelectorAll("canvas[data-goal-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
