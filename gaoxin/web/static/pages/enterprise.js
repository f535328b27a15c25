// enterprise page (static file: the Content-Security-Policy allows no inline script).
(async function () {
  let d; try { d = await gx.getJSON('/api/enterprises/' + encodeURIComponent(gx.page.credit_code) + '?as_of=' + encodeURIComponent(gx.page.year)); } catch (e) { gx.fail('head', e); return; }
  document.getElementById('head').innerHTML = '<b style="font-size:16px">' + gx.esc(d.name) + '</b>　统一社会信用代码：' + gx.esc(d.credit_code) + '　园区：' + gx.esc(d.zone_name || d.zone_code || '') + '　当前层级：<span class="tag tag-green">' + gx.esc(d.rung || '—') + '</span>' + (d.is_demo ? '　<span class="tag tag-red">示例数据</span>' : '');
  gx.table('rungs', d.judgements, { render: { passed: (v) => v ? '<span class="tag tag-green">符合</span>' : '<span class="tag tag-red">不符合</span>' } });
  gx.table('points', d.points);
  gx.table('subs', d.subsidies);
})();
