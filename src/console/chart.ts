import { formatNumber } from './components.js';
import { html, type Html } from './html.js';
import type { HourBucket } from './read-model.js';

// Provisioning calls per hour as a stacked bar chart in SVG, drawn on the server: no script, no inline style
// (colours come from classes in the stylesheet). Each bar has a <title> for pointer users; the same numbers per
// day are in a table below the chart for everyone else.

const WIDTH = 840;
const HEIGHT = 180;
const LEFT = 36;
const BOTTOM = 22;
const TOP = 8;

export interface ChartData {
  hours: HourBucket[];
  /** The first hour shown (UTC, on the hour). */
  start: Date;
  hoursShown: number;
}

/** Fills the hours without calls with zeros, oldest first. */
export function hourSeries(buckets: HourBucket[], start: Date, hoursShown: number): HourBucket[] {
  const byHour = new Map(buckets.map((b) => [b.hour, b]));
  const series: HourBucket[] = [];
  for (let i = 0; i < hoursShown; i++) {
    const hour = new Date(start.getTime() + i * 3_600_000).toISOString().slice(0, 13);
    series.push(byHour.get(hour) ?? { hour, ok: 0, clientErrors: 0, serverErrors: 0 });
  }
  return series;
}

/** A round top for the scale whose half is a whole number too: 4, 6, 8, 10, 20, 40, 60, 80, 100, 200... */
function niceMax(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 4, 6, 8, 10]) if (value <= step * magnitude && (step * magnitude) % 2 === 0) return step * magnitude;
  return 10 * magnitude;
}

const DAY = new Intl.DateTimeFormat('en', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });

export function callsChart(series: HourBucket[], labelledBy: string): Html {
  const totals = series.map((b) => b.ok + b.clientErrors + b.serverErrors);
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = WIDTH - LEFT - 4;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(1, series.length);
  const barWidth = Math.max(1, slot - (slot > 4 ? 1 : 0));
  const y = (value: number) => (value / max) * plotHeight;
  const bars = series.map((b, i) => {
    const x = LEFT + i * slot;
    let base = TOP + plotHeight;
    const parts: Html[] = [];
    for (const [value, css] of [[b.ok, 'bar-ok'], [b.clientErrors, 'bar-client'], [b.serverErrors, 'bar-server']] as const) {
      if (value <= 0) continue;
      const h = Math.max(1, y(value));
      base -= h;
      parts.push(html`<rect class="${css}" x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}"></rect>`);
    }
    if (parts.length === 0) return html``;
    const label = `${b.hour.replace('T', ' ')}:00 UTC: ${b.ok} succeeded, ${b.clientErrors} rejected (4xx), ${b.serverErrors} failed (5xx)`;
    return html`<g><title>${label}</title>${parts}</g>`;
  });
  const gridLines = [0, 0.5, 1].map((f) => {
    const lineY = TOP + plotHeight - f * plotHeight;
    return html`<line class="grid" x1="${LEFT}" x2="${WIDTH - 4}" y1="${lineY.toFixed(1)}" y2="${lineY.toFixed(1)}"></line>
<text class="axis-label" x="${LEFT - 6}" y="${(lineY + 4).toFixed(1)}" text-anchor="end">${formatNumber(Math.round(f * max))}</text>`;
  });
  const dayLabels = series.map((b, i) => {
    if (!b.hour.endsWith('T00') && i !== 0) return html``;
    if (i === 0 && !b.hour.endsWith('T00') && series.length > 12) return html``;
    if (LEFT + i * slot > WIDTH - 70) return html``; // no room for a label at the right edge
    return html`<text class="axis-label" x="${(LEFT + i * slot).toFixed(1)}" y="${HEIGHT - 6}">${DAY.format(new Date(`${b.hour}:00:00Z`))}</text>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${labelledBy}" focusable="false">
${gridLines}
${bars}
${dayLabels}
</svg>`;
}

export interface DayTotal {
  day: string;
  ok: number;
  clientErrors: number;
  serverErrors: number;
}

export function dailyTotals(series: HourBucket[]): DayTotal[] {
  const days = new Map<string, DayTotal>();
  for (const b of series) {
    const day = b.hour.slice(0, 10);
    const total = days.get(day) ?? { day, ok: 0, clientErrors: 0, serverErrors: 0 };
    total.ok += b.ok;
    total.clientErrors += b.clientErrors;
    total.serverErrors += b.serverErrors;
    days.set(day, total);
  }
  return [...days.values()];
}
