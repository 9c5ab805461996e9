import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyChartSvg } from './latency-chart.js';
import { median, percentileOfSorted, sampleStats, spread } from './stats.js';

test('the chart draws one line per series, escapes names and references nothing outside', () => {
  const svg = latencyChartSvg(
    [
      {
        name: 'direct',
        curve: [
          [50, 51],
          [99, 58],
          [100, 70],
        ],
      },
      {
        name: 'a<b>&"c"',
        curve: [
          [50, 52],
          [99, 61],
          [100, 90],
        ],
      },
      { name: 'empty', curve: [] },
    ],
    'Latency & <more>',
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.match(svg, /a&lt;b&gt;&amp;&quot;c&quot;/);
  assert.match(svg, /Latency &amp; &lt;more&gt;/);
  assert.match(svg, />max</);
  assert.doesNotMatch(svg, /href|<script|<image/);
  assert.doesNotMatch(svg, /NaN|Infinity/);
  assert.match(svg, /latency \(ms\)</);
  const tail = latencyChartSvg(
    [
      {
        name: 'slow tail',
        curve: [
          [50, 50],
          [99, 300],
          [100, 6_000],
        ],
      },
    ],
    'Tail',
  );
  assert.match(tail, /latency \(ms, log scale\)/);
  assert.doesNotMatch(tail, /NaN|Infinity/);
});

test('statistics: medians, nearest-rank percentiles, histogram buckets', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.deepEqual(spread([undefined, 5, 1, 3]), { median: 3, min: 1, max: 5 });
  assert.equal(spread([undefined]), undefined);
  const sorted = Array.from({ length: 1000 }, (_, index) => index + 1);
  assert.equal(percentileOfSorted(sorted, 99), 990);
  assert.equal(percentileOfSorted(sorted, 99.9), 999);
  const stats = sampleStats([0.03, 0.2, 0.2, 0.7, 3, 200]);
  assert.equal(stats?.count, 6);
  assert.equal(stats?.max, 200);
  assert.equal(stats?.p50, 0.2);
  assert.deepEqual(
    stats?.histogram.filter((bucket) => bucket.count > 0),
    [
      { upToMs: 0.05, count: 1 },
      { upToMs: 0.25, count: 2 },
      { upToMs: 1, count: 1 },
      { upToMs: 5, count: 1 },
      { upToMs: null, count: 1 },
    ],
  );
  assert.equal(sampleStats([]), undefined);
});
