// zone_profile page (static file: the Content-Security-Policy allows no inline script).
async function load() {
  const y = document.getElementById('year').value;
  gx.reset('kpis', 'radar', 'trend', 'strengths', 'weaknesses', 'contrib');
  document.getElementById('xlsx').href = '/api/evaluation/zones/' + encodeURIComponent(gx.page.zone_code) + '?format=xlsx&year=' + y;
  let d;
  try { d = await gx.getJSON('/api/evaluation/zones/' + encodeURIComponent(gx.page.zone_code) + '?year=' + y); } catch (e) { gx.fail('kpis', e); return; }
  const iv = d.rank_interval ? d.rank_interval[0] + '–' + d.rank_interval[1] : '—';
  const kp = [['综合得分', gx.score(d.score) + ' 分'], [(d.zone_class || '') + '高新区内排名', d.rank == null ? '未发布' : d.rank + ' / ' + d.n_units], ['排名区间（不确定性分析）', iv], ['同比得分变化', gx.missing(d.yoy) ? '—' : (d.yoy > 0 ? '+' : '') + gx.score(d.yoy) + ' 分']];
  document.getElementById('kpis').innerHTML = kp.map((k) => '<div class="kpi"><div class="label">' + gx.esc(k[0]) + '</div><div class="value">' + gx.esc(k[1]) + '</div></div>').join('');
  const fwEl = document.getElementById('framework-note');
  if (fwEl) fwEl.textContent = '评价体系：' + (d.framework_name || '') + (d.document ? '（' + d.document + '）' : '') +
    '；在' + (d.zone_class || '') + '高新区之间标准化和排名' + (d.note ? '。' + d.note : '');
  const r = gx.chart('radar');
  r.setOption({ tooltip: {}, legend: { bottom: 0, data: ['本园区', d.mean_label || '同级别平均'] }, radar: { indicator: d.dimensions.map((x) => ({ name: x.name, max: d.dimension_max || 100 })), radius: '62%' },
    series: [{ type: 'radar', data: [{ name: '本园区', value: d.dimensions.map((x) => x.score), areaStyle: { opacity: 0.2 } }, { name: d.mean_label || '同级别平均', value: d.dimensions.map((x) => x.mean) }] }] });
  const t = gx.chart('trend');
  t.setOption({ tooltip: { trigger: 'axis' }, legend: { data: ['得分', '排名'] }, xAxis: { type: 'category', data: d.history.map((h) => h.year) },
    yAxis: [{ type: 'value', name: '得分（分）' }, { type: 'value', name: '排名', inverse: true, minInterval: 1, min: 1, max: d.n_units }],
    series: [{ name: '得分', type: 'line', data: d.history.map((h) => h.score) }, { name: '排名', type: 'line', yAxisIndex: 1, data: d.history.map((h) => h.rank) }] });
  const L = { indicator: '指标', name: '指标名称', rank: '园区排名', value: '数值', contribution: '贡献（分）', share: '占比' };
  // indicator values in their unit where the framework declares one; shares of the score in percent
  const R = { value: (v, x) => gx.qty(v, x.unit), rank: (v) => gx.missing(v) ? '—' : gx.esc(Math.round(v)), contribution: (v) => gx.esc(gx.score(v)), share: (v) => gx.esc(gx.pct(v)) };
  gx.table('strengths', { columns: ['name', 'value', 'rank'], labels: L, rows: d.strengths || [], render: R });
  gx.table('weaknesses', { columns: ['name', 'value', 'rank'], labels: L, rows: d.weaknesses || [], render: R });
  gx.table('contrib', { columns: ['name', 'contribution', 'share'], labels: L, rows: d.contributions || [], render: R });
}
gx.onReload(load);
load();
