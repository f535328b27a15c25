// enterprises page (static file: the Content-Security-Policy allows no inline script).
// The list and the pool are paged on the server: the page shows "共 N 家，第 a–b 家" and the Excel
// links carry the same filters without a page, so an export holds every matching row.
const PAGE_SIZE = 50;
const $ = (id) => document.getElementById(id);
const zoneNames = {}; document.querySelectorAll('#zone option').forEach((o) => { zoneNames[o.value] = o.textContent; });
const dash = (v) => (gx.missing(v) ? '—' : gx.esc(gx.fmt(v)));
function qs(o) { return Object.entries(o).filter(([, v]) => v !== '' && v != null).map(([k, v]) => k + '=' + encodeURIComponent(v)).join('&'); }
// keep a select's choices in step with what the server says is present, keeping the current choice
function fillSelect(id, values, allText) {
  const el = $(id); const cur = el.value;
  el.innerHTML = (allText ? '<option value="">' + gx.esc(allText) + '</option>' : '') + values.map((v) => '<option value="' + gx.esc(v) + '">' + gx.esc(v) + '</option>').join('');
  if (values.indexOf(cur) >= 0 || (allText && cur === '')) el.value = cur;
}
function countText(d) { return d.total ? '共 ' + d.total.toLocaleString('zh-CN') + ' 家，第 ' + d.first + '–' + d.last + ' 家' : '共 0 家'; }
function pager(id, d, go) {
  const el = $(id); el.innerHTML = '';
  if (!d.pages || d.pages <= 1) return;
  const mk = (text, p, disabled) => { const b = document.createElement('button'); b.type = 'button'; b.className = 'btn btn-light'; b.textContent = text; b.disabled = disabled; b.addEventListener('click', () => go(p)); el.appendChild(b); };
  mk('首页', 1, d.page <= 1); mk('上一页', d.page - 1, d.page <= 1);
  const s = document.createElement('span'); s.textContent = '第 ' + d.page + ' / ' + d.pages + ' 页'; el.appendChild(s);
  mk('下一页', d.page + 1, d.page >= d.pages); mk('末页', d.pages, d.page >= d.pages);
}
function base() { return { zone: $('zone').value, as_of: $('asof').value }; }
const link = (r) => '/enterprises/' + encodeURIComponent(r.credit_code) + '?as_of=' + encodeURIComponent($('asof').value);

async function loadEnts(page) {
  const f = Object.assign(base(), { rung: $('ent-rung').value, industry: $('ent-industry').value, q: $('ent-q').value.trim() });
  $('x-ent').href = '/api/enterprises?' + qs(Object.assign({ format: 'xlsx' }, f));
  gx.reset('ents'); $('ent-count').textContent = '';
  try {
    const e = await gx.getJSON('/api/enterprises?' + qs(Object.assign({ page: page || 1, page_size: PAGE_SIZE }, f)));
    fillSelect('ent-rung', e.meta.rungs || [], '全部层级'); fillSelect('ent-industry', e.meta.industries || [], '全部产业');
    $('ent-count').textContent = countText(e) + (f.q || f.rung || f.industry ? '（已按条件筛选）' : '');
    gx.table('ents', e, { key: 'name', empty: '没有符合条件的企业', columns: e.columns.filter((c) => e.labels[c]),
      render: { zone_code: (v) => gx.esc(zoneNames[v] || '—'), industry: dash, points: (v) => gx.esc(gx.missing(v) ? '—' : gx.num(v, 1) + '分') },
      links: { name: link } });
    pager('ent-pager', e, loadEnts);
  } catch (err) { gx.fail('ents', err); }
}
async function loadPool(page) {
  const f = Object.assign(base(), { rung: $('pool-rung').value, industry: $('pool-industry').value, q: $('pool-q').value.trim() });
  const z = encodeURIComponent($('zone').value);
  const pf = Object.assign({}, f); delete pf.zone;
  $('x-pool').href = '/api/zones/' + z + '/pool?' + qs(Object.assign({ format: 'xlsx' }, pf));
  gx.reset('pool'); $('pool-count').textContent = '';
  try {
    const p = await gx.getJSON('/api/zones/' + z + '/pool?' + qs(Object.assign({ page: page || 1, page_size: PAGE_SIZE }, pf)));
    fillSelect('pool-rung', p.meta.targets || [], null); $('pool-rung').value = p.meta.target;
    fillSelect('pool-industry', p.meta.industries || [], '全部产业');
    $('pool-count').textContent = countText(p) + '（目标层级：' + p.meta.target + '；按差距从小到大）';
    gx.table('pool', p, { key: 'name', empty: '没有符合条件的企业', columns: ['name', 'industry', 'current', 'gaps', 'unknown'],
      render: { industry: dash, gaps: dash, unknown: dash }, links: { name: link } });
    pager('pool-pager', p, loadPool);
  } catch (err) { gx.fail('pool', err); }
}
async function load() {
  const z = encodeURIComponent($('zone').value), y = encodeURIComponent($('asof').value);
  gx.reset('funnel', 'subs'); $('funnel-note').textContent = '';
  $('x-sub').href = '/api/zones/' + z + '/subsidies?format=xlsx&as_of=' + y;
  try {
    const l = await gx.getJSON('/api/zones/' + z + '/ladder?as_of=' + y);
    const c = gx.chart('funnel');
    // ladder order from the lowest rung (top) to the highest (bottom); counts need not shrink
    const rs = l.rungs.slice().reverse();
    c.setOption({ tooltip: { trigger: 'item', formatter: '{b}：{c} 家' }, grid: { left: 150, right: 50, top: 10, bottom: 30 },
      xAxis: { type: 'value', name: '企业数' }, yAxis: { type: 'category', data: rs.map((r) => r.name) },
      series: [{ type: 'bar', data: rs.map((r) => r.count), label: { show: true, position: 'right', formatter: '{c} 家' }, itemStyle: { color: '#1f4e8c' } }] });
    $('funnel-note').textContent = '共 ' + l.total + ' 家企业（截至 ' + l.as_of + ' 年）；自上而下为梯度培育的层级顺序。';
  } catch (e) { gx.fail('funnel', e); }
  loadPool(1); loadEnts(1);
  try { const s = await gx.getJSON('/api/zones/' + z + '/subsidies?as_of=' + y); gx.table('subs', s); } catch (e) { gx.fail('subs', e); }
}
$('ent-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadEnts(1); });
$('pool-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadPool(1); });
$('ent-rung').addEventListener('change', () => loadEnts(1)); $('ent-industry').addEventListener('change', () => loadEnts(1));
$('pool-rung').addEventListener('change', () => loadPool(1)); $('pool-industry').addEventListener('change', () => loadPool(1));
gx.onReload(() => { $('ent-q').value = ''; $('pool-q').value = ''; $('ent-rung').value = ''; $('ent-industry').value = ''; $('pool-industry').value = ''; load(); });
load();
