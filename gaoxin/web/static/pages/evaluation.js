// evaluation page (static file: the Content-Security-Policy allows no inline script).
async function load() {
  const y = document.getElementById('year').value;
  document.getElementById('xlsx').href = '/api/evaluation/ranking?format=xlsx&year=' + y;
  const dx = document.getElementById('docx'); if (dx) { dx.href = '/api/reports/zone-evaluation?format=docx&year=' + y; document.getElementById('pdf').href = '/api/reports/zone-evaluation?format=pdf&year=' + y; }
  let d;
  try { d = await gx.getJSON('/api/evaluation/ranking?year=' + y); } catch (e) { gx.fail('ranking', e); return; }
  document.getElementById('meta').textContent = (d.meta.framework_name || '') + (d.meta.published ? '（已发布）' : '（未发布）') + (d.meta.note ? '　' + d.meta.note : '');
  // short names (长沙高新区) keep one line per zone; the full name is the link's tooltip
  const cols = d.columns.filter((c) => d.labels[c] && c !== 'unit' && c !== 'name');
  const shortName = (r) => r.short_name || r.name;
  gx.table('ranking', d, { columns: cols, labels: { short_name: '高新区' },
    render: { short_name: (v, r) => '<a class="nowrap" href="/evaluation/zones/' + encodeURIComponent(r.unit) + '?year=' + y + '" title="' + gx.esc(r.name || '') + '">' + gx.esc(shortName(r)) + '</a>',
              city: (v) => '<span class="nowrap">' + gx.esc(v || '') + '</span>', level: (v) => '<span class="nowrap">' + gx.esc(v || '') + '</span>' } });
  const el = document.getElementById('bar'); const rows = d.rows.slice().reverse();
  el.style.height = Math.max(380, rows.length * 22 + 50) + 'px';  // one readable row per zone
  const c = gx.chart('bar'); c.resize();
  c.setOption({ grid: { left: 10, right: 40, top: 10, bottom: 30, containLabel: true },
    tooltip: { formatter: (p) => gx.esc(rows[p.dataIndex].name) + '：' + p.value },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: rows.map(shortName), axisLabel: { fontSize: 11, interval: 0 } },
    series: [{ type: 'bar', data: rows.map((r) => r.score), itemStyle: { color: '#1f4e8c' }, label: { show: true, position: 'right', fontSize: 10 } }] });
}
gx.onReload(load);
load();
// 发布: confirm, then a success or a Chinese error on the page (never a silent failure)
const pub = document.getElementById('publish');
if (pub) pub.addEventListener('click', async () => {
  const y = document.getElementById('year').value;
  const msg = document.getElementById('publish-msg'); const ind = document.getElementById('pub-ind');
  if (!window.confirm('确认发布 ' + y + ' 年度排名？发布后高新区用户即可查看该年度的全省排名。')) return;
  pub.disabled = true; ind.hidden = false; msg.className = 'muted'; msg.textContent = '';
  try {
    const d = await gx.post('/api/evaluation/publish?year=' + encodeURIComponent(y), {});
    msg.className = 'alert alert-ok'; msg.textContent = d.detail || '已发布';
    load();
  } catch (e) { msg.className = 'alert alert-error'; msg.textContent = '发布失败：' + e.message; }
  finally { pub.disabled = false; ind.hidden = true; }
});
