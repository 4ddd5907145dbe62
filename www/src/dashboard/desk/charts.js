// charts.js - the statistics' Chart.js set-up, in one place: only the
// pieces the desk uses are registered (vite bundles them with the page,
// so the CSP's script-src 'self' covers them), and each chart is made
// and destroyed through here so that a view never leaks a canvas.
import {
  Chart, BarController, LineController, DoughnutController, BarElement, LineElement,
  PointElement, ArcElement, CategoryScale, LinearScale, Legend, Tooltip,
} from 'chart.js';

Chart.register(BarController, LineController, DoughnutController, BarElement, LineElement,
  PointElement, ArcElement, CategoryScale, LinearScale, Legend, Tooltip);

export const COLORS = ['#1f5fa8', '#e07b00', '#2e8540', '#a83279', '#6b6b6b', '#00838f', '#c62828'];

// Draw (or redraw) a chart on canvas; returns it. Animations off: the
// figures are the point, and print and tests see the final drawing.
export function draw(canvas, old, config) {
  if (old) old.destroy();
  if (!canvas) return null;
  return new Chart(canvas, {
    ...config,
    options: { animation: false, responsive: true, maintainAspectRatio: false, ...(config.options || {}) },
  });
}

// The statistics' CSV link for one report and range.
export function csvUrl(report, params) {
  const u = new URLSearchParams({ ...params, format: 'csv' });
  return `/api/stats/${report}?${u}`;
}
