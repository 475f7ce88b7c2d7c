/**
 * The report's only script of its own, run in the browser after uPlot: draws each region's drift chart from the
 * embedded data (`DriftChartData`, drift-section.ts) into its `[data-drift-chart]` element. Plain ES2017, no imports.
 */
export const CHART_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('warden-report-data').textContent);
  var palette = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#b91c1c'];
  var utc = function (seconds) { return uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'); };

  function markerPlugin(markers) {
    return {
      hooks: {
        draw: function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.font = Math.round(11 * devicePixelRatio) + 'px system-ui, sans-serif';
          ctx.textBaseline = 'top';
          markers.forEach(function (marker, index) {
            var x = Math.round(u.valToPos(marker.time, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = '#6b7280';
            ctx.fillStyle = '#374151';
            ctx.setLineDash([2 * devicePixelRatio, 3 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            // Labels near the right edge go left of their line, so that they stay inside the plot.
            var leftOfLine = x > u.bbox.left + u.bbox.width * 0.8;
            ctx.textAlign = leftOfLine ? 'right' : 'left';
            var offset = (leftOfLine ? -4 : 4) * devicePixelRatio;
            ctx.fillText(marker.label, x + offset, u.bbox.top + (2 + (index % 4) * 13) * devicePixelRatio);
          });
          ctx.restore();
        }
      }
    };
  }

  function draw(element) {
    var chart = data.drift[Number(element.getAttribute('data-drift-chart'))];
    if (!chart || chart.times.length === 0) {
      element.textContent = 'No drift datapoints.';
      return;
    }
    var thresholds = chart.series
      .map(function (s) { return s.threshold; })
      .filter(function (t, i, all) { return typeof t === 'number' && all.indexOf(t) === i; });
    // The time axis also spans the marks, so that a deployment after the last window still shows.
    var times = chart.times.concat(chart.markers.map(function (m) { return m.time; }));
    var first = Math.min.apply(null, times) - 600;
    var last = Math.max.apply(null, times) + 600;
    var series = [{ label: 'window end (UTC)' }];
    var columns = [chart.times];
    chart.series.forEach(function (s, i) {
      series.push({ label: s.feature, stroke: palette[i % palette.length], width: 2, spanGaps: false,
        points: { show: true, size: 5 }, value: function (u, v) { return v == null ? '—' : v.toFixed(4); } });
      columns.push(s.values);
    });
    thresholds.forEach(function (t) {
      series.push({ label: 'threshold ' + t, stroke: '#dc2626', width: 1, dash: [6, 4], points: { show: false } });
      columns.push(chart.times.map(function () { return t; }));
    });
    var options = {
      width: Math.max(320, element.clientWidth),
      height: 300,
      tzDate: utc,
      series: series,
      scales: {
        x: { time: true, range: function () { return [first, last]; } },
        y: { range: function (u, min, max) { return [0, Math.max(max, thresholds[0] || 0) * 1.1]; } }
      },
      axes: [{}, { label: 'PSI', size: 60 }],
      plugins: [markerPlugin(chart.markers)]
    };
    new uPlot(options, columns, element);
    element.setAttribute('data-rendered', 'true');
  }

  document.querySelectorAll('[data-drift-chart]').forEach(draw);
})();
`;
