// A time chart drawn by uPlot on a canvas, with its legend written by us as text (uPlot's own
// legend is off: the series labels are connector ids and stay text nodes).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './html.js';
import { locale, t } from './i18n.js';

const COLORS = ['#1d4e89', '#d1495b', '#2e933c', '#c77c02', '#6a4c93', '#00798c', '#8c564b'];
const HEIGHT = 180;

/** The x axis' ticks as local times in the console's language (uPlot's own are American). */
function timeTicks(u, splits) {
  const span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
  const format = new Intl.DateTimeFormat(locale(), span < 600
    ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
    : { hour: '2-digit', minute: '2-digit' });
  return splits.map((s) => format.format(new Date(s * 1000)));
}

function widthOf(box) {
  return Math.max(240, Math.floor(box.getBoundingClientRect().width));
}

/** title; times: seconds; series: [{ label, values }] of the same length as times. */
export function TimeChart({ title, times, series, id }) {
  const box = useRef(null);
  const plot = useRef(null);
  const labels = series.map((s) => s.label).join('\u0000');
  const enough = times.length >= 2;

  useEffect(() => {
    if (!enough || !box.current) return undefined;
    const element = box.current;
    plot.current = new uPlot({
      width: widthOf(element),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: '#475467', grid: { stroke: '#eaecf0' }, ticks: { stroke: '#eaecf0' },
          values: timeTicks },
        { stroke: '#475467', grid: { stroke: '#eaecf0' }, ticks: { stroke: '#eaecf0' }, size: 50 },
      ],
      series: [{}, ...series.map((s, i) => ({
        label: s.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false,
        points: { show: false },
      }))],
    }, [times, ...series.map((s) => s.values)], element);
    const observer = new ResizeObserver(() => {
      if (plot.current) plot.current.setSize({ width: widthOf(element), height: HEIGHT });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.current.destroy();
      plot.current = null;
    };
  }, [labels, enough]);

  useEffect(() => {
    if (plot.current) plot.current.setData([times, ...series.map((s) => s.values)]);
  }, [times, series]);

  return html`
    <figure class="chart" id=${id}>
      <figcaption>${title}</figcaption>
      ${enough ? html`<div class="chart-canvas" ref=${box}></div>`
               : html`<p class="muted chart-empty">${t('chart.empty')}</p>`}
      <ul class="legend">
        ${series.map((s, i) => html`
          <li key=${s.label}><span class=${'swatch c' + (i % COLORS.length)}></span>${s.label}</li>`)}
      </ul>
    </figure>`;
}
