/**
 * The status page: one self-contained HTML document (no CDN, no external file), built once.
 * Its script fetches `status.json` next to it every `refreshMs` and draws the figures with
 * `textContent` and SVG elements only: upstream names, tenants and alert titles come from
 * configuration and from clients' headers, so nothing is ever parsed as HTML.
 *
 * @example
 * const html = statusPageHtml(2_000);
 */
export function statusPageHtml(refreshMs: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ferry status</title>
<style>
  :root { color-scheme: light dark; --fg: #1b1f24; --muted: #6a737d; --bg: #f6f8fa; --card: #fff; --line: #d0d7de;
          --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --plot: #0969da; --plot2: #8250df; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --card: #161b22; --line: #30363d; --plot: #4493f8; --plot2: #ab7df8; } }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; justify-content: space-between; align-items: baseline; padding: 12px 20px; border-bottom: 1px solid var(--line); }
  h1 { font-size: 18px; margin: 0; } h2 { font-size: 14px; margin: 0 0 8px; color: var(--muted); font-weight: 600; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; padding: 12px 20px; }
  section.wide { grid-column: span 2; } @media (max-width: 700px) { section.wide { grid-column: auto; } }
  .scroll { overflow-x: auto; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
  .figures { display: flex; gap: 18px; flex-wrap: wrap; }
  .figure b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
  .figure span { color: var(--muted); font-size: 12px; }
  svg { width: 100%; height: 70px; display: block; margin-top: 8px; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); } th { color: var(--muted); font-weight: 600; }
  .closed, .info { color: var(--ok); } .half-open, .warning { color: var(--warn); } .open, .critical { color: var(--bad); }
  .muted { color: var(--muted); } #error { color: var(--bad); }
</style>
</head>
<body>
<header><h1>Ferry status</h1><span><span id="error"></span> <span class="muted" id="at">loading…</span></span></header>
<main>
  <section><h2>Traffic</h2>
    <div class="figures">
      <div class="figure"><b id="rps">–</b><span>requests/s</span></div>
      <div class="figure"><b id="eps">–</b><span>5xx/s</span></div>
      <div class="figure"><b id="inflight">–</b><span>in flight</span></div>
    </div>
    <svg id="chart-rps" viewBox="0 0 300 70" preserveAspectRatio="none" aria-label="requests per second"></svg>
  </section>
  <section><h2>Latency (whole request)</h2>
    <div class="figures">
      <div class="figure"><b id="lat-p50">–</b><span>P50 ms</span></div>
      <div class="figure"><b id="lat-p95">–</b><span>P95 ms</span></div>
      <div class="figure"><b id="lat-p99">–</b><span>P99 ms</span></div>
    </div>
    <svg id="chart-latency" viewBox="0 0 300 70" preserveAspectRatio="none" aria-label="latency P50 and P99"></svg>
  </section>
  <section><h2>Time to first byte (upstream)</h2>
    <div class="figures">
      <div class="figure"><b id="ttfb-p50">–</b><span>P50 ms</span></div>
      <div class="figure"><b id="ttfb-p95">–</b><span>P95 ms</span></div>
      <div class="figure"><b id="ttfb-p99">–</b><span>P99 ms</span></div>
    </div>
    <svg id="chart-ttfb" viewBox="0 0 300 70" preserveAspectRatio="none" aria-label="time to first byte P99"></svg>
  </section>
  <section class="wide"><h2>Upstreams (last minutes)</h2>
    <div class="scroll"><table><thead><tr><th>upstream</th><th>breaker</th><th>attempts</th><th>failed</th><th>cooling keys</th><th>queue</th><th>remaining</th></tr></thead>
    <tbody id="upstreams"></tbody></table></div>
  </section>
  <section><h2>Open alerts</h2>
    <table><thead><tr><th>severity</th><th>alert</th><th>since</th></tr></thead><tbody id="alerts"></tbody></table>
  </section>
  <section><h2>Spend today (UTC, this instance)</h2>
    <table><thead><tr><th>tenant</th><th>requests</th><th>USD</th></tr></thead><tbody id="spend"></tbody></table>
  </section>
</main>
<script>
(() => {
  const refreshMs = ${Number(refreshMs)};
  const svgNs = 'http://www.w3.org/2000/svg';
  const byId = (id) => document.getElementById(id);
  const text = (id, value) => { byId(id).textContent = value === null || value === undefined ? '–' : String(value); };
  const row = (cells) => {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      td.textContent = cell.text;
      if (cell.className) td.className = cell.className;
      tr.append(td);
    }
    return tr;
  };
  const fill = (id, rows, empty) => {
    const body = byId(id);
    body.replaceChildren(...(rows.length > 0 ? rows : [row([{ text: empty, className: 'muted' }])]));
  };
  const chart = (id, lines) => {
    const svg = byId(id);
    let max = 1;
    for (const { values } of lines) for (const value of values) if (value !== null && value > max) max = value;
    const children = [];
    for (const { values, colour } of lines) {
      const step = values.length > 1 ? 300 / (values.length - 1) : 300;
      let points = '';
      values.forEach((value, index) => {
        if (value !== null) points += (index * step).toFixed(1) + ',' + (68 - (value / max) * 64).toFixed(1) + ' ';
      });
      const line = document.createElementNS(svgNs, 'polyline');
      line.setAttribute('points', points.trim());
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', colour);
      line.setAttribute('stroke-width', '1.5');
      line.setAttribute('vector-effect', 'non-scaling-stroke');
      children.push(line);
    }
    const label = document.createElementNS(svgNs, 'text');
    label.setAttribute('x', '2');
    label.setAttribute('y', '10');
    label.setAttribute('font-size', '9');
    label.setAttribute('fill', 'currentColor');
    label.textContent = 'max ' + Math.round(max);
    children.push(label);
    svg.replaceChildren(...children);
  };
  const render = (status) => {
    text('at', 'updated ' + new Date(status.at).toLocaleTimeString());
    text('rps', status.now.requestsPerSecond);
    text('eps', status.now.errorsPerSecond);
    text('inflight', status.now.inFlight);
    text('lat-p50', status.now.latencyMs.p50);
    text('lat-p95', status.now.latencyMs.p95);
    text('lat-p99', status.now.latencyMs.p99);
    text('ttfb-p50', status.now.firstByteMs.p50);
    text('ttfb-p95', status.now.firstByteMs.p95);
    text('ttfb-p99', status.now.firstByteMs.p99);
    chart('chart-rps', [{ values: status.series.requestsPerSecond, colour: 'var(--plot)' }, { values: status.series.errorsPerSecond, colour: 'var(--bad)' }]);
    chart('chart-latency', [{ values: status.series.latencyP50Ms, colour: 'var(--plot)' }, { values: status.series.latencyP99Ms, colour: 'var(--plot2)' }]);
    chart('chart-ttfb', [{ values: status.series.firstByteP99Ms, colour: 'var(--plot2)' }]);
    fill('upstreams', status.upstreams.map((upstream) => row([
      { text: upstream.name },
      { text: upstream.breaker, className: upstream.breaker },
      { text: upstream.attempts },
      { text: upstream.failures },
      { text: upstream.coolingKeys.map((key) => key.key + ' (' + Math.ceil(key.coolsForMs / 1000) + ' s)').join(', ') || '–' },
      { text: upstream.pacingQueue === null ? '–' : upstream.pacingQueue },
      { text: upstream.rateLimit === null ? '–' : upstream.rateLimit.remaining + ' / ' + upstream.rateLimit.limit },
    ])), 'no upstreams');
    fill('alerts', status.alerts.map((alert) => row([
      { text: alert.severity, className: alert.severity },
      { text: alert.title },
      { text: new Date(alert.since).toLocaleTimeString() },
    ])), 'none');
    fill('spend', status.spendToday.tenants.map((tenant) => row([
      { text: tenant.tenant }, { text: tenant.requests }, { text: tenant.usd.toFixed(6) },
    ])), 'no spend yet');
  };
  const refresh = async () => {
    try {
      const answer = await fetch('status.json', { cache: 'no-store', credentials: 'same-origin' });
      if (!answer.ok) throw new Error('HTTP ' + answer.status);
      render(await answer.json());
      text('error', '');
    } catch (error) {
      text('error', 'refresh failed: ' + error.message);
    } finally {
      setTimeout(refresh, refreshMs);
    }
  };
  refresh();
})();
</script>
</body>
</html>
`;
}
