// Shared page helpers: CSRF header for htmx/fetch, ECharts loading, Hunan map registration.
(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const token = meta ? meta.content : '';
  document.body.addEventListener('htmx:configRequest', (e) => { e.detail.headers['X-CSRF-Token'] = token; });
  // error answers (403 refused import, 422 invalid file …) carry a Chinese fragment: show it, not nothing
  if (window.htmx) htmx.config.responseHandling = [{ code: '204', swap: false }, { code: '[23]..', swap: true },
    { code: '4..', swap: true, error: true }, { code: '...', swap: true, error: true }];
  window.gx = {
    csrf: token,
    async getJSON(url) {
      const r = await fetch(url, { credentials: 'same-origin' });
      if (!r.ok) { let d = ''; try { d = (await r.json()).detail; } catch (_) {} throw new Error(d || ('请求失败：' + r.status)); }
      return r.json();
    },
    // one ECharts instance per element: a reload reuses (and clears) it instead of stacking a second one
    chart(id) {
      const el = document.getElementById(id); if (!el || !window.echarts) return null;
      const c = echarts.getInstanceByDom(el) || echarts.init(el);
      c.clear(); return c;
    },
    async hunanMap() {
      if (echarts.getMap('湖南')) return;
      const gj = await gx.getJSON('/api/map/hunan.geojson');
      echarts.registerMap('湖南', gj);
    },
    fail(id, err) { const el = document.getElementById(id); if (el) el.innerHTML = '<div class="alert alert-error">' + gx.esc(err.message) + '</div>'; },
    // server values for a page's script: <script type="application/json" id="page-data"> (rendered with tojson)
    get page() { const el = document.getElementById('page-data'); try { return el ? JSON.parse(el.textContent) : {}; } catch (_) { return {}; } },
    // filters marked data-reload re-run the page's loader when changed
    onReload(fn) { document.querySelectorAll('[data-reload]').forEach((el) => el.addEventListener('change', fn)); },
  };
})();
// Display rules of gaoxin/reference/display.yaml (the server's formatter, gaoxin.display), and the user.
gx.json = function (id) { const el = document.getElementById(id); try { return el ? JSON.parse(el.textContent) : null; } catch (_) { return null; } };
gx.rules = gx.json('display-rules') || { units: {}, default: { kind: 'number', decimals: 2 }, score_decimals: 2, percent_decimals: 1, missing: '—', citations: {} };
gx.user = gx.json('user-data') || { role: '', zones: [] };
// may this user open a zone's pages? (a zone user: only its own zones)
gx.canSeeZone = function (code) { return gx.user.role !== 'zone_user' || (gx.user.zones || []).indexOf(code) >= 0; };
gx.missing = function (v) { return v === null || v === undefined || v === '' || (typeof v === 'number' && !isFinite(v)); };
gx.num = function (v, d) { return Number(v).toLocaleString('zh-CN', { minimumFractionDigits: d, maximumFractionDigits: d }); };
gx.pct = function (fraction, d) { return gx.missing(fraction) ? gx.rules.missing : gx.num(fraction * 100, d == null ? gx.rules.percent_decimals : d) + '%'; };
gx.score = function (v) { return gx.missing(v) ? gx.rules.missing : gx.num(v, gx.rules.score_decimals); };
// a value in its unit, by the same rules as gaoxin.display.qty: counts integer, 万元 → 亿元, % one decimal
gx.qtyText = function (v, unit) {
  if (gx.missing(v)) return gx.rules.missing;
  if (typeof v !== 'number') { const n = Number(v); if (isNaN(n)) return String(v); v = n; }
  const u = unit || ''; const r = gx.rules.units[u] || gx.rules.default; const k = r.kind || 'number';
  if (k === 'count') return Math.round(v).toLocaleString('zh-CN') + u;
  if (k === 'year') return String(Math.round(v)) + u;
  if (k === 'fraction') return gx.pct(v, r.decimals);
  if (k === 'percent') return gx.num(v, r.decimals == null ? 1 : r.decimals) + '%';
  if (k === 'score') return gx.score(v) + u;
  if (k === 'money') for (const st of (r.scale || [])) if (Math.abs(v) >= st.at_least) return gx.num(v / st.divide, r.decimals == null ? 2 : r.decimals) + st.unit;
  return gx.num(v, r.decimals == null ? 2 : r.decimals) + u;
};
// a time in Beijing time (Asia/Shanghai), whatever the browser's zone
gx.time = function (v) {
  if (gx.missing(v)) return gx.rules.missing;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? v : String(v) + 'Z'); if (isNaN(d)) return String(v);
  const p = new Intl.DateTimeFormat('zh-CN', { timeZone: gx.rules.timezone || 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).formatToParts(d);
  const g = (t) => (p.find((x) => x.type === t) || {}).value || '';
  return g('year') + '-' + g('month') + '-' + g('day') + ' ' + g('hour') + ':' + g('minute');
};
// a source text as a reader should see it: file names of the policy documents become 《title》（文号）
gx.cite = function (s) {
  if (gx.missing(s)) return '';
  s = String(s);
  for (const [k, v] of Object.entries(gx.rules.citations || {})) s = s.split(k).join(v);
  return s;
};
// Render {columns, labels, rows} JSON as a bordered table; `links` maps a column to a URL builder.
gx.fmt = function (v) {
  if (v === null || v === undefined || (typeof v === 'number' && !isFinite(v))) return '';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'number') return Number.isInteger(v) ? (Math.abs(v) >= 10000 ? v.toLocaleString('zh-CN') : String(v)) : gx.num(v, 2);
  if (Array.isArray(v)) return v.map(gx.fmt).join('、');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => k + '：' + gx.fmt(x)).join('；');
  return gx.cite(v);
};
gx.esc = function (s) { return String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); };
gx.table = function (elId, data, opts) {
  // options may come in the data object itself (columns, labels, rows, render, links …) or separately
  opts = Object.assign({}, data || {}, opts || {});
  const el = document.getElementById(elId); if (!el) return;
  const cols = opts.columns || data.columns; const labels = Object.assign({}, data.labels || {}, opts.labels || {});
  // the key column (default: the first) stays in view when a narrow screen scrolls the table sideways
  const key = opts.key || cols[0]; const rows = (data && data.rows) || [];
  let h = '<div class="table-wrap"><table class="data"><thead><tr>' + cols.map((c) => '<th class="' + (c === key ? 'key' : '') + '">' + gx.esc(labels[c] || c) + '</th>').join('') + '</tr></thead><tbody>';
  if (!rows.length) h += '<tr><td colspan="' + cols.length + '" class="muted">' + gx.esc(opts.empty || '暂无数据') + '</td></tr>';
  for (const r of rows) {
    h += '<tr' + (opts.highlight && opts.highlight(r) ? ' class="mine"' : '') + '>' + cols.map((c) => {
      const v = r[c]; let txt = gx.esc(gx.fmt(v));
      if (opts.render && opts.render[c]) txt = opts.render[c](v, r);
      else if (opts.links && opts.links[c]) { const u = opts.links[c](r); txt = u ? '<a href="' + gx.esc(gx.safeUrl(u)) + '">' + txt + '</a>' : txt; }
      return '<td class="' + (typeof v === 'number' ? 'num' : '') + (c === key ? ' key' : '') + '">' + txt + '</td>';
    }).join('') + '</tr>';
  }
  el.innerHTML = h + '</tbody></table></div>';
};
// A figure with its unit, escaped for HTML ("18.0%", "1.00亿元", "10家"); '—' when missing.
gx.qty = function (v, unit) { return gx.esc(gx.qtyText(v, unit)); };
// 最新值 of a target row: a growth target's actual CAGR (%), its level shown beside it in grey.
// `compact`: the level goes into the tooltip instead of the cell.
gx.actual = function (v, r, compact) {
  if (gx.missing(v)) return '<span class="muted">—</span>';
  if (r.kind !== 'growth') return gx.qty(v, r.unit);
  const level = r.actual_level != null ? gx.qty(r.actual_level, r.level_unit) : '';
  if (compact) return '<span title="' + (r.actual_year || '') + '年水平 ' + level + '">年均 ' + gx.qty(v, r.unit) + '</span>';
  return '年均 ' + gx.qty(v, r.unit) + (level ? ' <span class="muted" title="最新年份的水平值">（' + level + '）</span>' : '');
};
// A status label with its light; 逾期未完成 gets its own dark square so it never reads as 严重滞后.
gx.status = function (v, r) {
  if (v === '逾期未完成') return '<span class="nowrap"><span class="light light-overdue"></span><b class="overdue">逾期未完成</b></span>';
  const k = { green: 'light-green', yellow: 'light-yellow', red: 'light-red' }[r && r.light] || 'light-grey';
  return '<span class="nowrap"><span class="light ' + k + '"></span>' + gx.esc(v == null ? '' : v) + '</span>';
};
gx.light = function (v) {
  const m = { green: ['light-green', '正常'], yellow: ['light-yellow', '关注'], red: ['light-red', '预警'], grey: ['light-grey', '无数据'] };
  const k = m[v] ? v : 'grey'; return '<span class="light ' + m[k][0] + '"></span>' + m[k][1];
};
gx.post = async function (url, body) {
  const r = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': gx.csrf }, body: JSON.stringify(body) });
  let d = {}; try { d = await r.json(); } catch (_) {}
  if (!r.ok) throw new Error(d.detail || ('请求失败：' + r.status));
  return d;
};
// Only same-site paths become links (never javascript: or another origin).
gx.safeUrl = function (u) { u = String(u == null ? '' : u); return (u.startsWith('/') && !u.startsWith('//')) ? u : '#'; };
// A form marked data-keep keeps what the user typed when the server answers with an error page
// (values saved on submit, restored when the answer shows .alert-error; passwords are never kept).
(function () {
  document.querySelectorAll('form[data-keep]').forEach((f) => {
    const key = 'gx-form:' + location.pathname + ':' + (f.id || f.getAttribute('action') || '');
    f.addEventListener('submit', () => {
      const v = {}; for (const el of f.elements) if (el.name && el.type !== 'password' && el.type !== 'hidden' && el.type !== 'file') v[el.name] = el.value;
      try { sessionStorage.setItem(key, JSON.stringify(v)); } catch (_) {}
    });
    let saved = null; try { saved = JSON.parse(sessionStorage.getItem(key) || 'null'); sessionStorage.removeItem(key); } catch (_) {}
    if (saved && document.querySelector('.alert-error')) for (const el of f.elements) if (el.name in saved && el.type !== 'password') el.value = saved[el.name];
  });
})();
// Before a filter's new view loads: empty every block of the old one (charts cleared, tables replaced by
// a loading note), so nothing of the previous year or zone is left on screen if the new one fails.
gx.reset = function (...ids) {
  for (const id of ids) {
    const el = document.getElementById(id); if (!el) continue;
    const c = window.echarts ? echarts.getInstanceByDom(el) : null;
    if (c) c.clear(); else if (!el.classList.contains('chart')) el.innerHTML = '<span class="muted"><span class="spinner"></span> 正在加载…</span>';
  }
};
