// targets page (static file: the Content-Security-Policy allows no inline script).
async function detail(id) {
  const y = document.getElementById('asof').value;
  let d; try { d = await gx.getJSON('/api/targets/' + encodeURIComponent(id) + '?as_of=' + y); } catch (e) { gx.fail('parts', e); return; }
  const c = gx.chart('tree');
  // the root's label sits left of its node: leave it room (it was clipped at 12 %)
  c.setOption({ tooltip: {}, series: [{ type: 'tree', data: [d.tree], top: '5%', left: '22%', bottom: '5%', right: '22%', label: { fontSize: 11, position: 'left', verticalAlign: 'middle', align: 'right' }, leaves: { label: { position: 'right', align: 'left' } }, initialTreeDepth: 2 }] });
  const px = document.getElementById('parts-xlsx'); px.href = '/api/targets/' + encodeURIComponent(id) + '?format=xlsx&as_of=' + y; px.style.display = '';
  gx.table('parts', d.parts, { render: { light: gx.light, progress: pct } });
  document.getElementById('tree').scrollIntoView({ behavior: 'smooth' });
}
const pct = (v) => gx.esc(gx.pct(v));
function baseRender() {
  return { status: gx.status, progress: pct, time_elapsed: pct,
    target_value: (v, r) => (r.kind === 'growth' ? '年均 ' : '') + gx.qty(v, r.unit),
    baseline_value: (v, r) => gx.qty(v, r.kind === 'growth' ? r.level_unit : r.unit), actual: gx.actual };
}
async function load() {
  const y = document.getElementById('asof').value;
  const all = document.getElementById('scope').value === 'all';
  gx.reset('targets', 'progress-chart', 'warnings', 'tree', 'parts');
  const px0 = document.getElementById('parts-xlsx'); if (px0) px0.style.display = 'none';
  const q = 'as_of=' + y + (all ? '' : '&active=true');
  document.getElementById('xlsx').href = '/api/targets?format=xlsx&' + q;
  const dx = document.getElementById('docx'); if (dx) dx.href = '/api/reports/circular?format=docx&as_of=' + y;
  let d; try { d = await gx.getJSON('/api/targets?' + q); } catch (e) { gx.fail('targets', e); return; }
  document.getElementById('targets-title').textContent = all ? '全部规划的目标（在期规划在前）' : '在期规划的目标';
  document.getElementById('targets-note').textContent = all
    ? '共 ' + d.meta.n_all + ' 项目标，其中规划期包含 ' + d.meta.as_of + ' 年的 ' + d.meta.n_active + ' 项排在前面。'
    : '规划期包含 ' + d.meta.as_of + ' 年的规划共 ' + d.meta.n_active + ' 项目标；已结束或尚未开始的规划另有 ' + (d.meta.n_all - d.meta.n_active) + ' 项，选“全部规划”查看。';
  const cols = ['indicator_name', 'scope_name', 'baseline_year', 'baseline_value', 'target_year', 'target_value', 'actual_year', 'actual', 'progress', 'time_elapsed', 'status', 'message'];
  if (all) cols.splice(0, 0, 'plan_active');
  const render = Object.assign(baseRender(), { indicator_name: (v, r) => '<a href="#" data-target-id="' + gx.esc(r.target_id) + '">' + gx.esc(v) + '</a>' });
  gx.table('targets', d, { columns: cols, render: render });
  const rows = d.rows.filter((r) => r.progress != null).slice(0, 25).reverse();
  const c = gx.chart('progress-chart');
  if (!c) return;
  const narrow = window.innerWidth < 700;
  // the legend sits above the plot (never over the bars) and shows the colours the bars really use
  const statusColors = [['已完成/进度正常', '#2e7d32'], ['进度滞后', '#f9a825'], ['严重滞后', '#c62828'], ['逾期未完成', '#7f0000']];
  c.setOption({ grid: { left: narrow ? 110 : 180, right: 30, top: narrow ? 70 : 46, bottom: 30 },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 10, data: statusColors.map((x) => ({ name: x[0], itemStyle: { color: x[1] } })).concat([{ name: '时间进度', icon: 'diamond', itemStyle: { color: '#163c6e' } }]) },
    tooltip: { trigger: 'axis', valueFormatter: (v) => gx.pct(v) },
    xAxis: { type: 'value', axisLabel: { formatter: (v) => Math.round(v * 100) + '%', hideOverlap: true } }, yAxis: { type: 'category', data: rows.map((r) => (r.scope_name || '') + ' ' + r.indicator_name), axisLabel: { fontSize: 10, width: narrow ? 100 : 170, overflow: 'truncate' } },
    series: statusColors.map((x) => ({ name: x[0], type: 'bar', data: [], itemStyle: { color: x[1] } })).concat([{ name: '完成进度', type: 'bar', barGap: '-100%', data: rows.map((r) => ({ value: r.progress, itemStyle: { color: r.status === '逾期未完成' ? '#7f0000' : ({ green: '#2e7d32', yellow: '#f9a825', red: '#c62828' }[r.light] || '#9e9e9e') } })) },
             { name: '时间进度', type: 'scatter', symbol: 'diamond', symbolSize: 10, data: rows.map((r) => r.time_elapsed), itemStyle: { color: '#163c6e' } }]) });
  let w; try { w = await gx.getJSON('/api/targets/warnings?' + q); } catch (e) { gx.fail('warnings', e); return; }
  // the engine's warning_group keeps 逾期未完成 (deadline passed: needs an account) apart from 进度滞后 (can still catch up)
  const groups = [['逾期未完成', '逾期未完成：已过目标年份，仍未完成', 'warn-overdue'], ['进度滞后', '进度滞后：规划期内，落后于时间进度', 'warn-behind']];
  const box = document.getElementById('warnings');
  box.innerHTML = groups.map((g, i) => '<h4 class="' + g[2] + '">' + g[1] + '（<span id="wn' + i + '"></span> 项）</h4><div id="w' + i + '"></div>').join('');
  groups.forEach((g, i) => {
    const rows = w.rows.filter((r) => r.warning_group === g[0]);
    document.getElementById('wn' + i).textContent = rows.length;
    gx.table('w' + i, { columns: w.columns, labels: w.labels, rows: rows }, { columns: ['indicator_name', 'scope_name', 'target_year', 'progress', 'time_elapsed', 'status', 'message'], render: baseRender() });
  });
}
gx.onReload(load);
load();
// a click on a target's name opens its decomposition (delegated: the table is re-rendered on reload)
document.getElementById('targets').addEventListener('click', (e) => {
  const a = e.target.closest('a[data-target-id]'); if (!a) return;
  e.preventDefault(); detail(a.dataset.targetId);
});
