// Draws the oversight dashboard's charts with Apache ECharts (embedded at
// /assets/vendor/echarts.min.js). Each chart's data is a JSON block the
// server wrote beside its container (the CSP allows no inline script);
// the table under each chart holds the same numbers for readers without
// script. Percentages arrive as 0–100; null is a suppressed cell.
(function () {
  'use strict';
  if (typeof echarts === 'undefined') { return; }
  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var src = document.getElementById(el.getAttribute('data-chart'));
    if (!src) { return; }
    var d;
    try { d = JSON.parse(src.textContent); } catch (e) { return; }
    el.style.height = '320px';
    el.style.width = '100%';
    var right = d.series.some(function (s) { return s.axis === 1; });
    var option = {
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: right ? 56 : 16, top: 36, bottom: 56, containLabel: true },
      xAxis: { type: 'category', data: d.categories, axisLabel: { rotate: d.categories.length > 8 ? 40 : 0 } },
      yAxis: right ? [{ type: 'value' }, { type: 'value', splitLine: { show: false } }] : { type: 'value' },
      series: d.series.map(function (s) {
        return {
          name: s.name, type: s.kind || d.kind, data: s.values, yAxisIndex: s.axis || 0,
          stack: d.stack && !s.axis ? 'total' : undefined, connectNulls: false, smooth: false
        };
      })
    };
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(option);
    el.setAttribute('data-drawn', 'true');
    charts.push(chart);
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.resize(); });
  });
}());
