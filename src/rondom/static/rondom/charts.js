/* The monitoring charts, drawn by Chart.js (served by the app from the npm package, no CDN; no eval, so the
 * strict Content-Security-Policy holds). Each <canvas data-chart="bars|line" data-source="ID"> reads its data from
 * the <script type="application/json" id="ID"> that Django's json_script wrote (rondom.monitoring.monitoring:
 * bar_chart, line_chart): machine numbers with a decimal point, and every text already in the page's language.
 * This file formats no number itself: the figure written next to a bar or point is the server's text.
 * A withheld figure (too few children) is drawn as a marker with the text "afgeschermd (<5)", never as zero;
 * a figure without data is marked "geen gegevens". The table below each chart gives the same figures. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return; /* no chart library: the tables stand alone */
  }
  var DARK = "#154273";
  var LIGHT = "#5b8fc7";
  var TEXT = "#1a1a1a";
  var MARK = "#8a4b00";

  function fontFamily() {
    return window.getComputedStyle(document.body).fontFamily || "sans-serif";
  }

  /* Write the server's text next to every bar or point; a marker where a figure is withheld or missing. */
  var figures = {
    id: "rondomFigures",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var data = chart.options.plugins.rondomFigures.data;
      var horizontal = chart.options.indexAxis === "y";
      var area = chart.chartArea;
      ctx.save();
      ctx.font = "13px " + fontFamily();
      if (horizontal) {
        drawCategoryLabels(chart, ctx);
      }
      chart.data.datasets.forEach(function (dataset, d) {
        var series = data.series[d];
        var meta = chart.getDatasetMeta(d);
        if (meta.hidden) {
          return;
        }
        meta.data.forEach(function (element, i) {
          var value = series.values[i];
          var withheld = series.withheld[i];
          var text = withheld ? data.withheld : value === null ? data.missing : series.texts[i];
          var x;
          var y;
          if (horizontal) {
            x = value === null ? area.left : element.x;
            y = element.y;
            if (value === null) {
              drawMarker(ctx, x + 2, y, withheld);
              x += 16;
            } else {
              x += 6;
            }
            ctx.fillStyle = value === null ? MARK : TEXT;
            ctx.textAlign = "left";
            ctx.textBaseline = "middle";
            ctx.fillText(text, x, y);
          } else {
            x = chart.scales.x.getPixelForValue(i);
            if (value === null) {
              /* marker and text centred on the year, one row per series above the axis, kept inside the canvas */
              var width = ctx.measureText(text).width + 14;
              var start = Math.max(2, Math.min(x - width / 2, chart.width - width - 2));
              y = area.bottom - 12 - d * 20;
              drawMarker(ctx, start, y, withheld);
              ctx.fillStyle = MARK;
              ctx.textAlign = "left";
              ctx.textBaseline = "middle";
              ctx.fillText(text, start + 14, y);
            } else {
              y = d === 0 ? element.y - 12 : Math.min(element.y + 16, area.bottom - 6);
              ctx.fillStyle = TEXT;
              ctx.textAlign = "center";
              ctx.textBaseline = "middle";
              ctx.fillText(text, x, y);
            }
          }
        });
      });
      ctx.restore();
    },
  };

  /* Each category's label (its lines: name, unit) above its bars, starting at the left edge: it never competes with
   * the bars for width, so nothing is cut off on a phone (a y-axis would clip long labels at 320 px). */
  function drawCategoryLabels(chart, ctx) {
    var first = chart.getDatasetMeta(0);
    chart.data.labels.forEach(function (label, i) {
      var bar = first.data[i];
      if (!bar) {
        return;
      }
      var lines = Array.isArray(label) ? label : [label];
      var top = bar.y - bar.height / 2 - 3;
      ctx.fillStyle = TEXT;
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      lines.forEach(function (line, k) {
        ctx.font = (k === 0 ? "bold " : "") + "13px " + fontFamily();
        ctx.fillText(line, chart.chartArea.left, top - (lines.length - 1 - k) * 15);
      });
    });
    ctx.font = "13px " + fontFamily();
  }

  /* A hatched square: visibly not a bar and not a zero (withheld), or an open square (no data). */
  function drawMarker(ctx, x, y, withheld) {
    ctx.save();
    ctx.strokeStyle = MARK;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x, y - 5, 10, 10);
    if (withheld) {
      ctx.beginPath();
      ctx.moveTo(x, y + 5);
      ctx.lineTo(x + 10, y - 5);
      ctx.moveTo(x, y);
      ctx.lineTo(x + 5, y - 5);
      ctx.moveTo(x + 5, y + 5);
      ctx.lineTo(x + 10, y);
      ctx.stroke();
    }
    ctx.restore();
  }

  function tooltipText(data) {
    return function (item) {
      var series = data.series[item.datasetIndex];
      var i = item.dataIndex;
      var text = series.withheld[i] ? data.withheld : series.values[i] === null ? data.missing : series.texts[i];
      return series.name + ": " + text;
    };
  }

  function bars(canvas, data) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, d) {
          return {
            label: series.name,
            data: series.scaled,
            backgroundColor: d === 0 ? DARK : LIGHT,
            barPercentage: 0.9,
            categoryPercentage: 0.5 /* the upper part of each band holds its label */,
          };
        }),
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { right: 8, top: 20 } },
        scales: {
          /* each pair has its own scale (their units differ): no shared value axis; room for the texts */
          x: { display: false, min: 0, max: 150 },
          y: { display: false } /* labels are drawn above the bars (drawCategoryLabels) */,
        },
        plugins: {
          legend: { labels: { color: TEXT } },
          tooltip: { callbacks: { label: tooltipText(data) } },
          rondomFigures: { data: data },
        },
      },
      plugins: [figures],
    });
  }

  function line(canvas, data) {
    var values = [];
    data.series.forEach(function (series) {
      series.values.forEach(function (v) {
        if (v !== null) {
          values.push(v);
        }
      });
    });
    var top = values.length ? Math.max.apply(null, values) : 1;
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, d) {
          return {
            label: series.name,
            data: series.values,
            borderColor: d === 0 ? DARK : LIGHT,
            backgroundColor: d === 0 ? DARK : LIGHT,
            borderDash: d === 0 ? [] : [6, 4],
            pointRadius: 4,
            spanGaps: false,
          };
        }),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        /* room on both sides so that the first and the last school year's label are never cut off */
        layout: { padding: { left: 8, right: 40, top: 24 } },
        scales: {
          x: { offset: true, ticks: { color: TEXT, autoSkip: false, maxRotation: 0, font: { size: 12 } } },
          y: {
            min: 0,
            suggestedMax: top * 1.15,
            title: { display: true, text: data.unit, color: TEXT },
            ticks: { display: false },
          },
        },
        plugins: {
          legend: { labels: { color: TEXT } },
          tooltip: { callbacks: { label: tooltipText(data) } },
          rondomFigures: { data: data },
        },
      },
      plugins: [figures],
    });
  }

  function draw() {
    window.Chart.defaults.font.family = fontFamily();
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-source"));
      if (!source) {
        return;
      }
      var data = JSON.parse(source.textContent);
      canvas.rondomChart = canvas.getAttribute("data-chart") === "bars" ? bars(canvas, data) : line(canvas, data);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
