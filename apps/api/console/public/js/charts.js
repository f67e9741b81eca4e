/* global queueMicrotask, window */ // browser code (ESLint's default environment is Node)
/* Charts with Chart.js (global `Chart`, UMD build served from node_modules). Every chart also gets its
 * data as a table (accessible, and the fallback when the library is not installed). */
import { fmtNumber, h } from './dom.js';

export const PALETTE = [
  '#2456c7',
  '#d9480f',
  '#2b8a3e',
  '#7048e8',
  '#c2255c',
  '#0b7285',
  '#e67700',
  '#495057',
];

export const chartLibraryLoaded = () => typeof window.Chart === 'function';

/**
 * A chart card: title, canvas (or a note when Chart.js is missing) and a collapsible data table.
 * `series`: [{ label, values: number[] }] over `labels`.
 */
export function chartCard({
  title,
  description,
  labels,
  series,
  type = 'line',
  unit = '',
  stacked = false,
  id,
}) {
  const table = dataTable(labels, series, unit);
  const card = h(
    'figure',
    { class: 'chart-card', id, dataset: { chart: title } },
    h('figcaption', {}, h('h3', {}, title), description ? h('p', { class: 'muted' }, description) : null),
  );
  const empty = series.every((s) => s.values.every((v) => v === null || v === undefined || Number.isNaN(v)));
  if (labels.length === 0 || empty) {
    card.append(h('p', { class: 'chart-empty' }, 'No data in this period yet.'));
    return card;
  }
  if (chartLibraryLoaded()) {
    const canvas = h('canvas', {
      role: 'img',
      'aria-label': `${title}: chart; the data table below lists the values.`,
    });
    const box = h('div', { class: 'chart-box' }, canvas);
    card.append(box);
    // Created once the canvas is in the document (Chart.js measures its parent).
    queueMicrotask(() => {
      const chart = new window.Chart(canvas, {
        type,
        data: {
          labels,
          datasets: series.map((s, i) => ({
            label: s.label,
            data: s.values,
            borderColor: s.color ?? PALETTE[i % PALETTE.length],
            backgroundColor: (s.color ?? PALETTE[i % PALETTE.length]) + (type === 'bar' ? 'cc' : '33'),
            fill: type === 'line' && series.length === 1,
            cubicInterpolationMode: 'monotone',
            pointRadius: 3,
            spanGaps: true,
          })),
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: 'index', intersect: false },
          plugins: {
            legend: { display: series.length > 1, position: 'bottom' },
            tooltip: {
              callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmtNumber(ctx.parsed.y, 2)}${unit}` },
            },
          },
          scales: {
            x: { stacked, grid: { display: false } },
            y: { stacked, beginAtZero: true, ticks: { callback: (v) => `${fmtNumber(v, 2)}${unit}` } },
          },
        },
      });
      canvas.dataset.rendered = 'true';
      charts.add(chart);
    });
  } else {
    card.append(
      h(
        'p',
        { class: 'chart-missing' },
        'Charts need the Chart.js package on the server (npm install chart.js@4); the values are in the table below.',
      ),
    );
    table.open = true;
  }
  card.append(table);
  return card;
}

const charts = new Set();
/** Frees the charts of the page being left. */
export function destroyCharts() {
  for (const chart of charts) chart.destroy();
  charts.clear();
}

function dataTable(labels, series, unit) {
  return h(
    'details',
    { class: 'chart-data' },
    h('summary', {}, 'Data table'),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Period'),
            series.map((s) => h('th', { scope: 'col' }, s.label)),
          ),
        ),
        h(
          'tbody',
          {},
          labels.map((label, i) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, label),
              series.map((s) =>
                h('td', { class: 'num' }, `${fmtNumber(s.values[i], 2)}${s.values[i] == null ? '' : unit}`),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
