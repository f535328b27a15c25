// evaluation page (static file: the Content-Security-Policy allows no inline script).
// 分类评价: one class (国家级 / 省级) at a time, ranked among its own zones on its own system unless
// another system is chosen; the class comes from the page data, the year and system from the pickers.
const zoneClass = (gx.page && gx.page.zone_class) || '';
function query(extra) {
  const y = document.getElementById('year').value;
  const fw = document.getElementById('framework').value;
  return 'zone_class=' + encodeURIComponent(zoneClass) + '&year=' + encodeURIComponent(y) +
    (fw ? '&framework=' + encodeURIComponent(fw) : '') + (extra || '');
}
async function load() {
  const y = document.getElementById('year').value;
  // a new year replaces the whole view: clear table, chart and note first, so nothing of the
  // previous year stays on screen if this one cannot be shown
  const xl = document.getElementById('xlsx'); const dx = document.getElementById('docx'); const pdf = document.getElementById('pdf');
  const links = [xl, dx, pdf].filter(Boolean);
  links.forEach((a) => { a.hidden = true; });
  document.getElementById('ranking').innerHTML = '<span class="muted"><span class="spinner"></span> 正在计算…</span>';
  document.getElementById('meta').textContent = '';
  document.getElementById('gaps').innerHTML = '';
  const c = gx.chart('bar');
  const pub = gx.page && gx.page.published_years;
  if (Array.isArray(pub) && !pub.includes(Number(y))) {
    // a zone user before publication: say so and point to the zone's own scores, without a refused request
    const own = (gx.user.zones || [])[0];
    document.getElementById('ranking').innerHTML = '<div class="alert alert-info">' + gx.esc(y + '年度' + zoneClass + '高新区排名尚未发布。') +
      (own ? '排名发布前，可在<a href="' + gx.esc(gx.safeUrl('/evaluation/zones/' + encodeURIComponent(own) + '?year=' + encodeURIComponent(y))) + '">本园区评价画像</a>查看本园区的得分和指标值。' : '') + '</div>';
    return;
  }
  let d;
  try { d = await gx.getJSON('/api/evaluation/ranking?' + query()); } catch (e) { gx.fail('ranking', e); return; }
  if (xl) xl.href = '/api/evaluation/ranking?' + query('&format=xlsx');
  if (dx) dx.href = '/api/reports/zone-evaluation?format=docx&year=' + encodeURIComponent(y);
  if (pdf) pdf.href = '/api/reports/zone-evaluation?format=pdf&year=' + encodeURIComponent(y);
  links.forEach((a) => { a.hidden = false; });
  const meta = d.meta || {};
  const doc = meta.document ? '（' + meta.document + '）' : '';
  document.getElementById('meta').textContent = '评价体系：' + (meta.framework_name || '') + doc + '　' +
    (meta.zone_class || zoneClass) + '高新区 ' + (meta.n_units == null ? d.rows.length : meta.n_units) + ' 家，在本级别内排名' +
    (meta.published ? '（已发布）' : '（未发布）') + (meta.note ? '　' + gx.cite(meta.note) : '');
  const gaps = Array.isArray(meta.gaps) ? meta.gaps : [];
  if (gaps.length) {
    document.getElementById('gaps').innerHTML = '<div class="alert alert-info"><b>该评价体系的公开文本不完整：</b><ul>' +
      gaps.map((g) => '<li>' + gx.esc(g) + '</li>').join('') + '</ul></div>';
  }
  // short names (长沙高新区) keep one line per zone; the full name is the link's tooltip
  // one class per table: the 级别 column would repeat the same word on every row
  const cols = d.columns.filter((c) => d.labels[c] && c !== 'unit' && c !== 'name' && c !== 'level');
  const shortName = (r) => r.short_name || r.name;
  const mine = (r) => gx.user.role === 'zone_user' && gx.canSeeZone(r.unit);
  const scoreCols = {}; for (const c of cols) if (d.rows.some((r) => typeof r[c] === 'number') && !/rank|名/.test(c)) scoreCols[c] = (v) => gx.score(v);
  gx.table('ranking', d, { columns: cols, labels: { short_name: '高新区', rank: '本级别排名' }, key: 'short_name', highlight: mine,
    render: Object.assign(scoreCols, { short_name: (v, r) => gx.canSeeZone(r.unit)
      ? '<a class="nowrap" href="/evaluation/zones/' + encodeURIComponent(r.unit) + '?year=' + encodeURIComponent(y) + '" title="' + gx.esc(r.name || '') + '">' + gx.esc(shortName(r)) + '</a>'
      : '<span class="nowrap" title="' + gx.esc(r.name || '') + '">' + gx.esc(shortName(r)) + '</span>',
              city: (v) => '<span class="nowrap">' + gx.esc(v || '') + '</span>', level: (v) => '<span class="nowrap">' + gx.esc(v || '') + '</span>' }) });
  if (!c) return;
  const el = document.getElementById('bar'); const rows = d.rows.slice().reverse();
  el.style.height = Math.max(380, rows.length * 22 + 50) + 'px';  // one readable row per zone
  c.resize();
  c.setOption({ grid: { left: 10, right: 50, top: 10, bottom: 30, containLabel: true },
    tooltip: { formatter: (p) => gx.esc(rows[p.dataIndex].name) + '：' + gx.score(p.value) + ' 分' },
    xAxis: { type: 'value', name: '分', axisLabel: { hideOverlap: true } },
    yAxis: { type: 'category', data: rows.map(shortName), axisLabel: { fontSize: 11, interval: 0 } },
    series: [{ type: 'bar', data: rows.map((r) => ({ value: r.score, itemStyle: { color: mine(r) ? '#c8161d' : '#1f4e8c' } })),
               label: { show: true, position: 'right', fontSize: 10, formatter: (p) => gx.score(p.value) } }] });
}
gx.onReload(load);
load();
// the class switch opens the page of that class (its years and its own system)
const cls = document.getElementById('zone-class');
if (cls) cls.addEventListener('change', () => { window.location.href = '/evaluation?zone_class=' + encodeURIComponent(cls.value); });
// 发布: confirm, then a success or a Chinese error on the page (never a silent failure)
const pub = document.getElementById('publish');
if (pub) pub.addEventListener('click', async () => {
  const y = document.getElementById('year').value;
  const fw = document.getElementById('framework').value;
  const msg = document.getElementById('publish-msg'); const ind = document.getElementById('pub-ind');
  if (!window.confirm('确认发布 ' + y + ' 年度' + zoneClass + '高新区排名？发布后本级别高新区用户即可查看该年度的排名。')) return;
  pub.disabled = true; ind.hidden = false; msg.className = 'muted'; msg.textContent = '';
  try {
    const d = await gx.post('/api/evaluation/publish?zone_class=' + encodeURIComponent(zoneClass) + '&year=' + encodeURIComponent(y) +
      (fw ? '&framework=' + encodeURIComponent(fw) : ''), {});
    msg.className = 'alert alert-ok'; msg.textContent = d.detail || '已发布';
    load();
  } catch (e) { msg.className = 'alert alert-error'; msg.textContent = '发布失败：' + e.message; }
  finally { pub.disabled = false; ind.hidden = true; }
});
