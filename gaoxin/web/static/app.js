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
    chart(id) { const el = document.getElementById(id); return el ? echarts.init(el) : null; },
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
// Render {columns, labels, rows} JSON as a bordered table; `links` maps a column to a URL builder.
gx.fmt = function (v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toLocaleString('zh-CN', { maximumFractionDigits: 2 });
  if (Array.isArray(v)) return v.join('、');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};
gx.esc = function (s) { return String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); };
gx.table = function (elId, data, opts) {
  opts = opts || {};
  const el = document.getElementById(elId); if (!el) return;
  const cols = opts.columns || data.columns; const labels = Object.assign({}, data.labels || {}, opts.labels || {});
  let h = '<div class="table-wrap"><table class="data"><thead><tr>' + cols.map((c) => '<th>' + gx.esc(labels[c] || c) + '</th>').join('') + '</tr></thead><tbody>';
  if (!data.rows.length) h += '<tr><td colspan="' + cols.length + '" class="muted">暂无数据</td></tr>';
  for (const r of data.rows) {
    h += '<tr>' + cols.map((c) => {
      const v = r[c]; let txt = gx.esc(gx.fmt(v));
      if (opts.render && opts.render[c]) txt = opts.render[c](v, r);
      else if (opts.links && opts.links[c]) txt = '<a href="' + gx.esc(gx.safeUrl(opts.links[c](r))) + '">' + txt + '</a>';
      return '<td class="' + (typeof v === 'number' ? 'num' : '') + '">' + txt + '</td>';
    }).join('') + '</tr>';
  }
  el.innerHTML = h + '</tbody></table></div>';
};
// A figure with its unit ("18%", "10,000 亿元"); '' when missing.
gx.qty = function (v, unit) {
  if (v === null || v === undefined || v === '') return '';
  const u = unit || ''; const n = typeof v === 'number' ? v.toLocaleString('zh-CN', { maximumFractionDigits: 2 }) : gx.fmt(v);
  return gx.esc(n) + (u === '%' || u === '' ? u : ' ' + gx.esc(u));
};
// 最新值 of a target row: a growth target's actual CAGR (%), its level shown beside it in grey.
// `compact`: the level goes into the tooltip instead of the cell.
gx.actual = function (v, r, compact) {
  if (v === null || v === undefined) return '<span class="muted">—</span>';
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
