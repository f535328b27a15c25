// zone_profile page (static file: the Content-Security-Policy allows no inline script).
async function load() {
  const y = document.getElementById('year').value;
  document.getElementById('xlsx').href = '/api/evaluation/zones/' + encodeURIComponent(gx.page.zone_code) + '?format=xlsx&year=' + y;
  let d;
  try { d = await gx.getJSON('/api/evaluation/zones/' + encodeURIComponent(gx.page.zone_code) + '?year=' + y); } catch (e) { gx.fail('kpis', e); return; }
  const iv = d.rank_interval ? d.rank_interval[0] + '–' + d.rank_interval[1] : '—';
  const kp = [['综合得分', d.score], ['排名', d.rank == null ? '未发布' : d.rank + ' / ' + d.n_units], ['排名区间（不确定性分析）', iv], ['同比得分变化', d.yoy == null ? '—' : (d.yoy > 0 ? '+' : '') + d.yoy]];
  document.getElementById('kpis').innerHTML = kp.map((k) => '<div class="kpi"><div class="label">' + k[0] + '</div><div class="value">' + gx.esc(gx.fmt(k[1])) + '</div></div>').join('');
  const r = gx.chart('radar');
  r.setOption({ tooltip: {}, legend: { bottom: 0, data: ['本园区', '全省平均'] }, radar: { indicator: d.dimensions.map((x) => ({ name: x.name, max: d.dimension_max || 100 })), radius: '62%' },
    series: [{ type: 'radar', data: [{ name: '本园区', value: d.dimensions.map((x) => x.score), areaStyle: { opacity: 0.2 } }, { name: '全省平均', value: d.dimensions.map((x) => x.mean) }] }] });
  const t = gx.chart('trend');
  t.setOption({ tooltip: { trigger: 'axis' }, legend: { data: ['得分', '排名'] }, xAxis: { type: 'category', data: d.history.map((h) => h.year) },
    yAxis: [{ type: 'value', name: '得分' }, { type: 'value', name: '排名', inverse: true, minInterval: 1, min: 1, max: d.n_units }],
    series: [{ name: '得分', type: 'line', data: d.history.map((h) => h.score) }, { name: '排名', type: 'line', yAxisIndex: 1, data: d.history.map((h) => h.rank) }] });
  const L = { indicator: '指标', name: '指标名称', rank: '园区排名', value: '数值', contribution: '贡献（分）', share: '占比' };
  gx.table('strengths', { columns: ['name', 'value', 'rank'], labels: L, rows: d.strengths });
  gx.table('weaknesses', { columns: ['name', 'value', 'rank'], labels: L, rows: d.weaknesses });
  gx.table('contrib', { columns: ['name', 'contribution', 'share'], labels: L, rows: d.contributions });
}
gx.onReload(load);
load();
