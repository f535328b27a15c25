// enterprises page (static file: the Content-Security-Policy allows no inline script).
async function load() {
  const z = encodeURIComponent(document.getElementById('zone').value), y = document.getElementById('asof').value;
  document.getElementById('x-ent').href = '/api/enterprises?format=xlsx&limit=100000&zone=' + z + '&as_of=' + y;
  document.getElementById('x-pool').href = '/api/zones/' + z + '/pool?format=xlsx&as_of=' + y;
  document.getElementById('x-sub').href = '/api/zones/' + z + '/subsidies?format=xlsx&as_of=' + y;
  try {
    const l = await gx.getJSON('/api/zones/' + z + '/ladder?as_of=' + y);
    const c = gx.chart('funnel');
    // ladder order from the lowest rung (top) to the highest (bottom); counts need not shrink
    const rs = l.rungs.slice().reverse();
    c.setOption({ tooltip: { trigger: 'item', formatter: '{b}：{c} 家' }, grid: { left: 150, right: 50, top: 10, bottom: 30 },
      xAxis: { type: 'value', name: '企业数' }, yAxis: { type: 'category', data: rs.map((r) => r.name) },
      series: [{ type: 'bar', data: rs.map((r) => r.count), label: { show: true, position: 'right', formatter: '{c} 家' }, itemStyle: { color: '#1f4e8c' } }] });
    document.getElementById('funnel-note').textContent = '共 ' + l.total + ' 家企业（截至 ' + l.as_of + ' 年）；自上而下为梯度培育的层级顺序。';
  } catch (e) { gx.fail('funnel', e); }
  try { const p = await gx.getJSON('/api/zones/' + z + '/pool?as_of=' + y); gx.table('pool', p, { links: { name: (r) => '/enterprises/' + encodeURIComponent(r.credit_code) + '?as_of=' + y } }); } catch (e) { gx.fail('pool', e); }
  try { const e = await gx.getJSON('/api/enterprises?limit=300&zone=' + z + '&as_of=' + y); gx.table('ents', e, { columns: e.columns.filter((c) => e.labels[c]), links: { name: (r) => '/enterprises/' + encodeURIComponent(r.credit_code) + '?as_of=' + y } }); } catch (e) { gx.fail('ents', e); }
  try { const s = await gx.getJSON('/api/zones/' + z + '/subsidies?as_of=' + y); gx.table('subs', s); } catch (e) { gx.fail('subs', e); }
}
gx.onReload(load);
load();
