// overview page (static file: the Content-Security-Policy allows no inline script).
(async function () {
  let d;
  try { d = await gx.getJSON('/api/overview'); } catch (e) { gx.fail('kpis', e); return; }
  const kp = [['高新区总数', d.n_zones], ['国家级高新区', d.n_national], ['省级高新区', d.n_zones - d.n_national], ['评价年度', d.year || '—']];
  document.getElementById('kpis').innerHTML = kp.map((k) => '<div class="kpi"><div class="label">' + gx.esc(k[0]) + '</div><div class="value">' + gx.esc(k[1]) + '</div></div>').join('');
  try {
    await gx.hunanMap();
    const c = gx.chart('map');
    const data = d.cities.map((x) => ({ name: x.name, value: x.score, zones: x.zones }));
    const vals = data.map((x) => x.value).filter((v) => v !== null);
    c.setOption({
      tooltip: { trigger: 'item', formatter: (p) => { const z = (p.data && p.data.zones) || []; return '<b>' + gx.esc(p.name) + '</b>' + (p.data && p.data.value != null ? '（平均得分 ' + gx.esc(p.data.value) + '）' : '') + '<br>' + z.map((q) => gx.esc(q.name) + '（' + gx.esc(q.level) + '）' + (q.score != null ? '：' + gx.esc(q.score) : '')).join('<br>'); } },
      visualMap: vals.length ? { min: Math.min(...vals), max: Math.max(...vals), left: 10, bottom: 10, text: ['高', '低'], calculable: true, inRange: { color: ['#dce6f2', '#6f95c8', '#1f4e8c'] } } : undefined,
      series: [{ type: 'map', map: '湖南', roam: true, label: { show: true, fontSize: 11 }, data: data, emphasis: { itemStyle: { areaColor: '#f5c27a' } } }],
    });
    window.addEventListener('resize', () => c.resize());
  } catch (e) { gx.fail('map', e); }
  const rows = [];
  for (const city of d.cities) for (const z of city.zones) rows.push({ city: city.name, name: z.name, level: z.level, score: z.score, code: z.code });
  gx.table('cities', { columns: ['city', 'name', 'level', 'score'], labels: { city: '市州', name: '高新区', level: '级别', score: '综合得分' }, rows: rows },
    { links: { name: (r) => '/evaluation/zones/' + encodeURIComponent(r.code) } });
  if (d.goals_meta && d.goals_meta.as_of) document.getElementById('goals-note').textContent = '截至 ' + d.goals_meta.as_of + ' 年，' + (d.goals_meta.plans || []).map((n) => '《' + n + '》').join('、');
  const nw = (h) => '<span class="nowrap">' + h + '</span>';
  if (d.goals.length) gx.table('goals', { columns: ['indicator_name', 'target_value', 'actual', 'status'], labels: { indicator_name: '指标', target_value: '目标值（目标年）', actual: '最新值（年份）', status: '状态' }, rows: d.goals },
    { render: { status: (v, r) => nw(gx.status(v, r)),
                target_value: (v, r) => nw((r.kind === 'growth' ? '年均 ' : '') + gx.qty(v, r.unit)) + (r.target_year ? ' ' + nw('<span class="muted">' + r.target_year + '年</span>') : ''),
                actual: (v, r) => nw(gx.actual(v, r, true)) + (r.actual_year ? ' ' + nw('<span class="muted">' + r.actual_year + '年</span>') : '') } });
  else document.getElementById('goals').innerHTML = '<div class="alert alert-info">目标监测数据暂不可用。</div>';
})();
