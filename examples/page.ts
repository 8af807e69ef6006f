/** The collector's live page: one self-contained HTML document, no network. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>@jinpy/logger · live collector</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --bg:#0f1419; --panel:#161d26; --text:#d6dde6; --dim:#7d8896; --line:#233040; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 ui-sans-serif, system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { padding:14px 20px; border-bottom:1px solid var(--line); display:flex; gap:16px; align-items:baseline; }
  header h1 { font-size:18px; margin:0; }
  header .status { color:var(--dim); }
  main { display:grid; grid-template-columns: 440px 1fr; gap:16px; padding:16px 20px; }
  section { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px 14px; margin-bottom:16px; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--dim); margin:0 0 8px; }
  table { width:100%; border-collapse:collapse; }
  td, th { padding:3px 6px; text-align:left; border-bottom:1px solid var(--line); vertical-align:top; }
  th { color:var(--dim); font-weight:500; }
  .num { text-align:right; font-variant-numeric: tabular-nums; }
  #records td { font:12px/1.35 ui-monospace, monospace; }
  #records .ctx { color:var(--dim); word-break:break-all; }
  .lvl { display:inline-block; min-width:64px; padding:0 6px; border-radius:4px; font-weight:600; font-size:11px; text-transform:uppercase; }
  .trace { background:#2a313b; color:#9aa4b1; } .debug { background:#123845; color:#6fd3f5; }
  .info { background:#133a22; color:#6fe39a; } .warning { background:#463a10; color:#f5cf5b; }
  .error { background:#4a1717; color:#ff8a80; } .critical { background:#b71c1c; color:#fff; }
  .ok { color:#6fe39a; } .bad { color:#ff8a80; }
  svg { width:100%; height:120px; display:block; }
  #summary { white-space:pre; font:11px ui-monospace, monospace; overflow-x:auto; }
</style>
</head>
<body>
<header><h1>@jinpy/logger · live collector</h1><span class="status" id="status">connecting…</span><span class="status" id="total">0 records</span></header>
<main>
  <div>
    <section><h2>Summary</h2><div id="summary">scenario running…</div></section>
    <section><h2>Records per second</h2><svg id="chart" viewBox="0 0 300 120" preserveAspectRatio="none"></svg></section>
    <section><h2>Per backend</h2><table id="sources"><thead><tr><th>source</th><th class="num">records</th><th class="num">batches</th></tr></thead><tbody></tbody></table></section>
    <section><h2>Per level</h2><table id="levels"><tbody></tbody></table></section>
    <section><h2>Backend health</h2><table id="health"><thead><tr><th>backend</th><th>state</th><th class="num">written</th><th class="num">dropped</th></tr></thead><tbody></tbody></table></section>
  </div>
  <section><h2>Latest records</h2>
    <table id="records"><thead><tr><th>time</th><th>level</th><th>source</th><th>logger</th><th>message</th><th>context</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const bySource = new Map(), byLevel = new Map(), batches = new Map();
  const perSecond = new Map();
  let total = 0;
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&":"&amp;", "<":"&lt;", ">":"&gt;", '"':"&quot;" })[c]);
  function row(cells) { return "<tr>" + cells.join("") + "</tr>"; }
  function renderCounts() {
    $("total").textContent = total + " records";
    $("sources").tBodies[0].innerHTML = [...bySource].map(([s, n]) =>
      row(["<td>" + esc(s) + "</td>", '<td class="num">' + n + "</td>", '<td class="num">' + (batches.get(s) || 0) + "</td>"])).join("");
    $("levels").tBodies[0].innerHTML = [...byLevel].sort().map(([l, n]) =>
      row(['<td><span class="lvl ' + esc(l) + '">' + esc(l) + "</span></td>", '<td class="num">' + n + "</td>"])).join("");
  }
  function renderChart() {
    const now = Math.floor(Date.now() / 1000), pts = [];
    let max = 1;
    for (let i = 59; i >= 0; i--) { const v = perSecond.get(now - i) || 0; pts.push(v); if (v > max) max = v; }
    const d = pts.map((v, i) => (i ? "L" : "M") + (i * 300 / 59).toFixed(1) + "," + (115 - v / max * 105).toFixed(1)).join(" ");
    $("chart").innerHTML = '<path d="' + d + '" fill="none" stroke="#6fd3f5" stroke-width="2"/>' +
      '<text x="4" y="12" fill="#7d8896" font-size="10">' + max + '/s</text>';
  }
  const es = new EventSource("/events");
  es.onopen = () => { $("status").textContent = "live"; };
  es.onerror = () => { $("status").textContent = "disconnected"; };
  function addRows(items) {
    const body = $("records").tBodies[0];
    let html = "";
    for (const { source, r } of items) {
      html = row(["<td>" + esc(String(r.timestamp).slice(11, 23)) + "</td>", '<td><span class="lvl ' + esc(r.level) + '">' + esc(r.level) + "</span></td>",
        "<td>" + esc(source) + "</td>", "<td>" + esc(r.logger_name) + "</td>", "<td>" + esc(r.message) + "</td>",
        '<td class="ctx">' + esc(JSON.stringify(r.context)) + "</td>"]) + html;
    }
    body.insertAdjacentHTML("afterbegin", html);
    while (body.rows.length > 200) body.deleteRow(body.rows.length - 1);
  }
  es.addEventListener("snapshot", (ev) => {
    const snap = JSON.parse(ev.data);
    for (const [s, n, b] of snap.sources) { bySource.set(s, n); batches.set(s, b); total += n; }
    for (const [l, n] of snap.levels) byLevel.set(l, n);
    addRows(snap.recent.map((x) => ({ source: x.source, r: x.record })));
    renderCounts();
  });
  es.addEventListener("records", (ev) => {
    const { source, count, levels, records } = JSON.parse(ev.data);
    batches.set(source, (batches.get(source) || 0) + 1);
    bySource.set(source, (bySource.get(source) || 0) + count);
    for (const l in levels) byLevel.set(l, (byLevel.get(l) || 0) + levels[l]);
    total += count;
    const sec = Math.floor(Date.now() / 1000);
    perSecond.set(sec, (perSecond.get(sec) || 0) + count);
    addRows(records.map((r) => ({ source, r })));
    renderCounts();
  });
  es.addEventListener("stats", (ev) => {
    const stats = JSON.parse(ev.data);
    $("health").tBodies[0].innerHTML = stats.map((b) => row(["<td>" + esc(b.name) + "</td>",
      '<td class="' + (b.healthy ? "ok" : "bad") + '">' + (b.healthy ? "healthy" : "unhealthy") + "</td>",
      '<td class="num">' + b.messagesWritten + "</td>", '<td class="num">' + b.messagesDropped + "</td>"])).join("");
  });
  es.addEventListener("summary", (ev) => { $("summary").textContent = JSON.parse(ev.data).text; });
  setInterval(renderChart, 500);
  renderChart();
})();
</script>
</body>
</html>
`;
