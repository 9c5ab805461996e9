import { escapeXml, niceStep } from '../report/latency-chart.js';

/** One point of the ramp chart. */
export interface RampPoint {
  connections: number;
  /** P99 over every request, ms; undefined when nothing was answered. */
  p99Ms: number | undefined;
  passed: boolean;
}

const number = (value: number) => String(Number(value.toPrecision(4)));

/**
 * A self-contained SVG (no script, nothing fetched) of P99 latency against connections: x on
 * a log scale (levels grow by factors), y linear from 0 or log when the range is wide, the SLO
 * as a dashed red line, each level a dot (green met, red failed), the knee as a vertical line.
 *
 * @example
 * rampChartSvg([{ connections: 10, p99Ms: 60, passed: true }], 800, undefined, 'ramp');
 */
export function rampChartSvg(
  points: readonly RampPoint[],
  sloP99Ms: number,
  knee: number | undefined,
  title: string,
  width = 760,
  height = 360,
): string {
  const margin = { top: 36, right: 30, bottom: 44, left: 64 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const levels = points.map((point) => point.connections);
  const lowX = levels.length === 0 ? 0 : Math.log10(Math.max(1, Math.min(...levels)));
  const highX = Math.log10(Math.max(1, ...levels));
  const x = (connections: number) =>
    margin.left +
    (highX === lowX ? plotWidth / 2 : ((Math.log10(connections) - lowX) / (highX - lowX)) * plotWidth);
  const values = points
    .map((point) => point.p99Ms)
    .filter((value): value is number => value !== undefined && value > 0);
  const high = Math.max(sloP99Ms, ...values) * 1.1;
  const low = Math.min(sloP99Ms, ...values);
  const logarithmic = high / low > 50;
  const step = niceStep(high);
  const yMin = logarithmic ? 10 ** Math.floor(Math.log10(low)) : 0;
  const yMax = logarithmic ? 10 ** Math.ceil(Math.log10(high)) : Math.ceil(high / step) * step;
  const scale = (ms: number) =>
    logarithmic
      ? (Math.log10(Math.max(ms, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))
      : ms / yMax;
  const y = (ms: number) => margin.top + plotHeight - Math.min(1, scale(ms)) * plotHeight;
  const ticks: number[] = [];
  if (logarithmic) for (let decade = yMin; decade <= yMax; decade *= 10) ticks.push(decade);
  else for (let tick = 0; tick <= yMax + step / 2; tick += step) ticks.push(tick);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="20" font-size="13" font-weight="600">${escapeXml(title)}</text>`,
  ];
  for (const tick of ticks) {
    const ty = y(tick).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${ty}" y2="${ty}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${number(tick)}</text>`,
    );
  }
  for (const connections of levels) {
    const tx = x(connections).toFixed(1);
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#f0f0f0"/>`,
      `<text x="${tx}" y="${margin.top + plotHeight + 16}" text-anchor="middle">${connections}</text>`,
    );
  }
  const sloY = y(sloP99Ms).toFixed(1);
  parts.push(
    `<text x="${margin.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle">connections (log scale)</text>`,
    `<text transform="translate(14 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">p99 latency, every request (ms${logarithmic ? ', log scale' : ''})</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
    `<line class="slo" x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${sloY}" y2="${sloY}" stroke="#cf222e" stroke-dasharray="6 4" stroke-width="1.5"/>`,
    `<text x="${margin.left + plotWidth - 4}" y="${Number(sloY) - 5}" text-anchor="end" fill="#cf222e">SLO p99 &lt; ${number(sloP99Ms)} ms</text>`,
  );
  if (knee !== undefined) {
    const kx = x(knee).toFixed(1);
    parts.push(
      `<line class="knee" x1="${kx}" x2="${kx}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#8250df" stroke-dasharray="2 3" stroke-width="1.5"/>`,
      `<text x="${Number(kx) + 4}" y="${margin.top + 12}" fill="#8250df">knee: ${knee} connections</text>`,
    );
  }
  const measured = points.filter((point) => point.p99Ms !== undefined);
  const line = measured
    .map((point) => `${x(point.connections).toFixed(1)},${y(point.p99Ms as number).toFixed(1)}`)
    .join(' ');
  if (measured.length > 1) {
    parts.push(`<polyline points="${line}" fill="none" stroke="#4c78a8" stroke-width="2"/>`);
  }
  for (const point of measured) {
    parts.push(
      `<circle cx="${x(point.connections).toFixed(1)}" cy="${y(point.p99Ms as number).toFixed(1)}" r="4.5" fill="${point.passed ? '#1a7f37' : '#cf222e'}"><title>${point.connections} connections: p99 ${number(point.p99Ms as number)} ms, ${point.passed ? 'meets the SLO' : 'fails'}</title></circle>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
