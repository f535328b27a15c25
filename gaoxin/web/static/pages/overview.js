// overview page (static file: the Content-Security-Policy allows no inline script).
// Every field of /api/overview may be missing or null (no evaluation yet, targets unavailable): each
// block checks before it reads, so a half-ready answer never throws "Cannot read properties of null".
(async function () {
  let d;
  try { d = await gx.getJSON('/api/overview'); } catch (e) { gx.fail('kpis', e); return; }
  d = d || {};
  const cities = Array.isArray(d.cities) ? d.cities : [];
  const goals = Array.isArray(d.goals) ? d.goals : [];
  const nZones = d.n_zones == null ? null : d.n_zones; const nNat = d.n_national == null ? null : d.n_national;
  const kp = [['高新区总数', nZones == null ? '—' : gx.qtyText(nZones, '家')], ['国家级高新区', nNat == null ? '—' : gx.qtyText(nNat, '家')],
    ['省级高新区', nZones == null || nNat == null ? '—' : gx.qtyText(nZones - nNat, '家')], ['评价年度', d.year ? d.year + '年' : '暂无评价结果']];
  const kpis = document.getElementById('kpis');
  if (kpis) kpis.innerHTML = kp.map((k) => '<div class="kpi"><div class="label">' + gx.esc(k[0]) + '</div><div class="value">' + gx.esc(k[1]) + '</div></div>').join('');
  const mapNote = document.getElementById('map-note');
  if (mapNote && d.map_note) mapNote.textContent = d.map_note;
  try {
    await gx.hunanMap();
    const c = gx.chart('map');
    if (c) {
      const data = cities.map((x) => ({ name: x.name, value: x.score, zones: x.zones || [] }));
      const vals = data.map((x) => x.value).filter((v) => !gx.missing(v));
      c.setOption({
        tooltip: { trigger: 'item', formatter: (p) => { const z = (p.data && p.data.zones) || []; return '<b>' + gx.esc(p.name) + '</b>' + (p.data && !gx.missing(p.data.value) ? '（' + gx.esc(d.map_class || '') + '高新区平均得分 ' + gx.score(p.data.value) + '）' : '') + '<br>' + z.map((q) => gx.esc(q.name) + '（' + gx.esc(q.level) + '）' + (!gx.missing(q.score) ? '：' + gx.score(q.score) : '')).join('<br>'); } },
        visualMap: vals.length ? { min: Math.min(...vals), max: Math.max(...vals), left: 10, bottom: 10, text: ['高', '低'], calculable: true, inRange: { color: ['#dce6f2', '#6f95c8', '#1f4e8c'] } } : undefined,
        series: [{ type: 'map', map: '湖南', roam: true, label: { show: true, fontSize: 11 }, labelLayout: { hideOverlap: true }, data: data, emphasis: { itemStyle: { areaColor: '#f5c27a' } } }],
      });
      window.addEventListener('resize', () => c.resize());
    }
  } catch (e) { gx.fail('map', e); }
  // a zone user's home: its own zone's pages in one place (profile, targets, enterprises, matches)
  const myBox = document.getElementById('my-zone');
  if (myBox && gx.user.role === 'zone_user') {
    const own = []; for (const city of cities) for (const z of (city.zones || [])) if (gx.canSeeZone(z.code)) own.push(z);
    const q = (z) => encodeURIComponent(z.code);
    document.getElementById('my-zone-body').innerHTML = own.map((z) => '<p><b>' + gx.esc(z.name) + '</b>（' + gx.esc(z.level || '') + '）' +
      (!gx.missing(z.score) ? '　综合得分 ' + gx.score(z.score) : '') + '</p><p class="toolbar">' +
      '<a class="btn" href="/evaluation/zones/' + q(z) + '">本园区评价画像</a>' +
      '<a class="btn btn-light" href="/targets">本园区相关目标</a>' +
      '<a class="btn btn-light" href="/enterprises?zone=' + q(z) + '">本园区企业培育</a>' +
      '<a class="btn btn-light" href="/matching">本园区成果对接</a></p>').join('') || '<span class="muted">账号未关联高新区，请联系省级管理员。</span>';
    myBox.hidden = false;
  }
  const rows = [];
  for (const city of cities) for (const z of (city.zones || [])) rows.push({ city: city.name, name: z.name, level: z.level, score: z.score, code: z.code });
  // a zone user's own zone first and highlighted; other zones are text, not links that end in 无权访问
  const mine = (r) => gx.user.role === 'zone_user' && gx.canSeeZone(r.code);
  rows.sort((a, b) => (mine(b) ? 1 : 0) - (mine(a) ? 1 : 0));
  gx.table('cities', { columns: ['city', 'name', 'level', 'score'], labels: { city: '市州', name: '高新区', level: '级别', score: '综合得分（本级别评价体系）' }, rows: rows },
    { key: 'name', links: { name: (r) => gx.canSeeZone(r.code) ? '/evaluation/zones/' + encodeURIComponent(r.code) : null },
      render: { score: (v) => gx.score(v) }, highlight: mine, empty: '暂无评价结果' });
  const gm = d.goals_meta || {};
  const note = document.getElementById('goals-note');
  if (note && gm.as_of) note.textContent = '截至 ' + gm.as_of + ' 年，' + (gm.plans || []).map((n) => '《' + n + '》').join('、');
  const nw = (h) => '<span class="nowrap">' + h + '</span>';
  const box = document.getElementById('goals');
  if (goals.length) gx.table('goals', { columns: ['indicator_name', 'target_value', 'actual', 'status'], labels: { indicator_name: '指标', target_value: '目标值（目标年）', actual: '最新值（年份）', status: '状态' }, rows: goals },
    { render: { status: (v, r) => nw(gx.status(v, r)),
                target_value: (v, r) => nw((r.kind === 'growth' ? '年均 ' : '') + gx.qty(v, r.unit)) + (r.target_year ? ' ' + nw('<span class="muted">' + gx.esc(r.target_year) + '年</span>') : ''),
                actual: (v, r) => nw(gx.actual(v, r, true)) + (r.actual_year ? ' ' + nw('<span class="muted">' + gx.esc(r.actual_year) + '年</span>') : '') } });
  else if (box) box.innerHTML = '<div class="alert alert-info">目标监测数据暂不可用。</div>';
})();
