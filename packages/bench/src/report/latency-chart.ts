/** One line of the chart: an arm's latency at each percentile. */
export interface ChartSeries {
  name: string;
  /** [percentile, ms], ascending percentiles; 100 is drawn as "max". */
  curve: Array<[number, number]>;
}

const palette = [
  '#4c78a8',
  '#f58518',
  '#54a24b',
  '#e45756',
  '#72b7b2',
  '#b279a2',
  '#eeca3b',
  '#9d755d',
  '#bab0ac',
  '#222222',
];

/** Text made safe inside SVG/HTML elements and attributes. */
export const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Where a percentile sits on the x axis: 1 / (1 - p), log-spaced, so the tail gets room. */
const position = (percentile: number) => Math.log10(1 / (1 - Math.min(percentile, 99.999) / 100));

/** A round axis step (1, 2 or 5 × a power of ten) giving about five ticks over `range`. */
export function niceStep(range: number): number {
  const rough = range / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/**
 * A self-contained SVG latency-percentile chart (no script, no fonts to fetch): x is the
 * percentile on a 1/(1-p) log scale, y the latency in ms (log scale when the tail is long),
 * one line per series.
 *
 * @example
 * const svg = latencyChartSvg([{ name: 'direct', curve: [[50, 51], [99, 58], [100, 70]] }], 'Latency');
 */
export function latencyChartSvg(
  series: readonly ChartSeries[],
  title: string,
  width = 760,
  height = 360,
): string {
  const margin = { top: 36, right: 150, bottom: 44, left: 60 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const percentiles = [
    ...new Set(series.flatMap((item) => item.curve.map(([percentile]) => percentile))),
  ].sort((a, b) => a - b);
  const values = series
    .flatMap((item) => item.curve.map(([, ms]) => ms))
    .filter((ms) => Number.isFinite(ms) && ms > 0);
  const low = values.length === 0 ? 1 : Math.min(...values);
  const high = values.length === 0 ? 1 : Math.max(...values);
  // A tail a hundred times the median would flatten everything else on a linear axis.
  const logarithmic = high / low > 20;
  const ticks: number[] = [];
  let yMin = 0;
  let yMax: number;
  if (logarithmic) {
    yMin = 10 ** Math.floor(Math.log10(low));
    yMax = 10 ** Math.ceil(Math.log10(high));
    for (let decade = yMin; decade < yMax; decade *= 10) ticks.push(decade, decade * 2, decade * 5);
    ticks.push(yMax);
  } else {
    const step = niceStep(high * 1.05);
    yMax = Math.ceil((high * 1.05) / step) * step;
    for (let tick = 0; tick <= yMax + step / 2; tick += step) ticks.push(tick);
  }
  const xMin = position(percentiles[0] ?? 50);
  const xMax = position(percentiles[percentiles.length - 1] ?? 100);
  const x = (percentile: number) =>
    margin.left + (xMax === xMin ? 0 : ((position(percentile) - xMin) / (xMax - xMin)) * plotWidth);
  const scale = (ms: number) =>
    logarithmic
      ? (Math.log10(Math.max(ms, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))
      : ms / yMax;
  const y = (ms: number) => margin.top + plotHeight - scale(ms) * plotHeight;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="20" font-size="13" font-weight="600">${escapeXml(title)}</text>`,
  ];
  for (const tick of ticks) {
    const ty = y(tick).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${ty}" y2="${ty}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${Number(tick.toPrecision(6))}</text>`,
    );
  }
  for (const percentile of percentiles) {
    const tx = x(percentile).toFixed(1);
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#f0f0f0"/>`,
      `<text x="${tx}" y="${margin.top + plotHeight + 16}" text-anchor="middle">${percentile >= 100 ? 'max' : `p${percentile}`}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle">percentile</text>`,
    `<text transform="translate(14 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">latency (ms${logarithmic ? ', log scale' : ''})</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
  );
  series.forEach((item, index) => {
    const color = palette[index % palette.length] as string;
    const points = item.curve
      .filter(([, ms]) => Number.isFinite(ms))
      .map(([percentile, ms]) => `${x(percentile).toFixed(1)},${y(ms).toFixed(1)}`)
      .join(' ');
    if (points !== '') {
      parts.push(
        `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2"><title>${escapeXml(item.name)}</title></polyline>`,
      );
    }
    const ly = margin.top + 8 + index * 16;
    parts.push(
      `<line x1="${margin.left + plotWidth + 12}" x2="${margin.left + plotWidth + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${margin.left + plotWidth + 36}" y="${ly}" dominant-baseline="middle">${escapeXml(item.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
