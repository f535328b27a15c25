// enterprise page (static file: the Content-Security-Policy allows no inline script).
// The rung judgements as a checklist an enterprise can act on: per condition 要求 / 实际 / 结论 / 差距 / 依据.
const VERDICT_TAG = { '符合': 'tag tag-green', '不符合': 'tag tag-red', '数据缺失': 'tag tag-missing', '不适用': 'tag' };
function verdictTag(v) { return '<span class="' + (VERDICT_TAG[v] || 'tag') + '"' + (v === '数据缺失' ? ' style="background:#fff4e5;color:#8a5300"' : '') + '>' + gx.esc(v || '—') + '</span>'; }
function card(c) {
  const open = c.verdict === '不符合' || c.verdict === '数据缺失';
  let h = '<details class="rung-card"' + (open ? ' open' : '') + '><summary><b>' + gx.esc(c.rung) + '</b>　' + verdictTag(c.verdict) + '　<span class="muted">' + gx.esc(c.note || '') + '</span></summary>';
  if (c.document) h += '<p class="muted">依据文件：' + gx.esc(gx.cite(c.document)) + '</p>';
  if (c.effective_note) h += '<p class="muted">' + gx.esc(c.effective_note) + '</p>';
  if (c.rows.length) {
    h += '<div class="table-wrap"><table class="data"><thead><tr><th class="key">条件</th><th>要求</th><th>实际</th><th>结论</th><th>差距</th><th>依据</th></tr></thead><tbody>';
    for (const r of c.rows) {
      const pad = r.depth ? ' style="padding-left:' + (8 + 16 * r.depth) + 'px"' : '';
      h += '<tr' + (r.group ? ' class="group-row"' : '') + '><td class="key"' + pad + '>' + (r.group ? '<b>' : '') + gx.esc(r.condition || '条件组') + (r.group ? '</b>' : '') + '</td><td>' + gx.esc(r.requirement) + '</td><td>' + gx.esc(r.actual) + '</td><td>' + verdictTag(r.verdict) + '</td><td>' + gx.esc(r.gap) + '</td><td>' + gx.esc(gx.cite(r.basis)) + '</td></tr>';
    }
    h += '</tbody></table></div>';
  }
  if (c.not_checked && c.not_checked.length) h += '<p class="muted">平台未核验的条件：' + c.not_checked.map((x) => gx.esc(x.condition) + '（' + gx.esc(x.reason) + '）').join('；') + '</p>';
  return h + '</details>';
}
(async function () {
  let d; try { d = await gx.getJSON('/api/enterprises/' + encodeURIComponent(gx.page.credit_code) + '?as_of=' + encodeURIComponent(gx.page.year)); } catch (e) { gx.fail('head', e); return; }
  const reached = d.reached ? '<span class="tag tag-green">' + gx.esc(d.rung) + '</span>' : '<span class="tag">尚未达到任一梯度层级</span>';
  const other = (d.passed_other || []).length ? '　另符合：' + d.passed_other.map(gx.esc).join('、') : '';
  document.getElementById('head').innerHTML = '<b style="font-size:16px">' + gx.esc(d.name) + '</b>　统一社会信用代码：' + gx.esc(d.credit_code) + '　园区：' + gx.esc(d.zone_name || '—') + '　当前层级：' + reached + other + (d.is_demo ? '　<span class="tag tag-red">示例数据</span>' : '');
  document.getElementById('asof-note').textContent = (d.as_of_text || ('截至 ' + d.as_of + ' 年')) + '；数据截至 ' + d.as_of + ' 年。';
  gx.table('rungs', d.judgements, { key: 'rung', render: { verdict: (v) => verdictTag(v) } });
  document.getElementById('checklist').innerHTML = d.checklist.map(card).join('');
  gx.table('points', d.points);
  gx.table('subs', d.subsidies, { empty: d.subsidies.note || '本年度无可享受的奖补' });
})();
