// 成果对接 page (static file: the Content-Security-Policy allows no inline script or event handler).
// Server values come from <script type="application/json" id="page-data">; codes travel in data-* attributes.
(function () {
  const canWrite = !!gx.page.can_write;
  function setTag(span, cls, text) {
    const t = document.createElement('span'); t.className = 'tag ' + cls; t.textContent = text;
    span.replaceChildren(t);
  }
  async function verdict(btn) {
    const span = btn.parentElement;
    const demand = btn.dataset.demand, result = btn.dataset.result, v = btn.dataset.verdict;
    try {
      const d = await gx.post('/api/matching/feedback', { demand_code: demand, result_code: result, verdict: v });
      setTag(span, v === 'accept' ? 'tag-green' : 'tag-red', d.detail);
    } catch (e) { setTag(span, 'tag-red', e.message); }
  }
  function opButtons(demand, r) {
    const b = (v, label) => '<button type="button" class="btn btn-light" data-verdict="' + v + '" data-demand="' + gx.esc(demand) +
      '" data-result="' + gx.esc(r.code) + '">' + label + '</button>';
    return '<span>' + b('accept', '确认') + ' ' + b('reject', '否决') + '</span>';
  }
  async function showMatches(code) {
    const box = document.getElementById('matches');
    box.innerHTML = '<span class="muted"><span class="spinner"></span> 正在匹配…</span>';
    try {
      const d = await gx.getJSON('/api/matching/demands/' + encodeURIComponent(code) + '/matches');
      const cols = ['rank', 'strength', 'title', 'institution', 'trl', 'explanation'].concat(canWrite ? ['op'] : []);
      const meta = d.meta || {};
      gx.table('matches', d, { columns: cols, labels: { op: '技术经理人确认' }, empty: meta.message || '暂无数据',
        render: { op: (v, r) => opButtons(code, r) } });
      const p = document.createElement('p'); p.className = 'muted';
      p.textContent = '需求 ' + code + ' 的匹配结果' + (meta.mode ? '（检索方式：' + meta.mode + '）' : '') +
        '；匹配强度“高 / 中 / 低”为绝对标准，未达到“低”档的不列出。确认或否决会记入审计日志，并用于改进后续排序。';
      box.prepend(p);
    } catch (e) { gx.fail('matches', e); }
  }
  async function loadDemands() {
    const z = document.getElementById('zone').value;
    const qEl = document.getElementById('demand-q'); const q = qEl ? qEl.value.trim() : '';
    const params = new URLSearchParams(); if (z) params.set('zone', z); if (q) params.set('q', q);
    const qs = params.toString();
    try {
      const d = await gx.getJSON('/api/matching/demands' + (qs ? '?' + qs : '')); d.rows = d.rows.slice(0, 200);
      gx.table('demands', d, { columns: ['code', 'enterprise_name', 'title', 'field'],
        render: { title: (v, r) => '<a href="#" data-demand-code="' + gx.esc(r.code) + '">' + gx.esc(v) + '</a>' } });
    } catch (e) { gx.fail('demands', e); }
  }
  // the roadshow plan: one block per event (header line, then its results table and demands table)
  async function loadRoadshows() {
    const box = document.getElementById('roadshows');
    try {
      const r = await gx.getJSON('/api/matching/roadshows');
      const events = (r.events || []).slice(0, 50);
      if (!events.length) { box.innerHTML = '<span class="muted">暂无可组织的路演（每场至少需要两项有合适匹配的需求）。</span>'; return; }
      box.replaceChildren();
      events.forEach((e, i) => {
        const sec = document.createElement('section'); sec.className = 'roadshow';
        const h = document.createElement('h4');
        h.textContent = e['场次'] + '：' + e['领域'] + ' · ' + e['片区'] + '（建议日期 ' + e['日期'] + '；需求 ' + e['需求数'] + ' 项，成果 ' + e['成果数'] + ' 项）';
        const who = document.createElement('p'); who.className = 'muted';
        who.textContent = '建议邀请：' + e['建议邀请高校院所'] + '；企业：' + e['建议邀请企业'] + '；技术经理人：' + e['建议技术经理人'];
        const rt = document.createElement('div'); rt.id = 'rs-r-' + i;
        const dt = document.createElement('div'); dt.id = 'rs-d-' + i;
        sec.append(h, who, rt, dt); box.append(sec);
        gx.table(rt.id, e.results); gx.table(dt.id, e.demands);
      });
    } catch (e) { gx.fail('roadshows', e); }
  }
  // one delegated listener: the tables are re-rendered, the body may be swapped in by htmx later
  document.addEventListener('click', (e) => {
    const a = e.target.closest('[data-demand-code]');
    if (a) { e.preventDefault(); showMatches(a.dataset.demandCode); return; }
    const b = e.target.closest('button[data-verdict]');
    if (b) { e.preventDefault(); verdict(b); }
  });
  document.addEventListener('change', (e) => { if (e.target && e.target.id === 'zone') loadDemands(); });
  document.addEventListener('submit', (e) => {
    if (e.target && e.target.id === 'demand-search') { e.preventDefault(); loadDemands(); }
  });
  // the body is on the page at once when the index is ready, or swapped in by the progress poll later
  let started = false;
  function init() {
    const body = document.getElementById('match-body');
    if (started || !body || !body.dataset.ready) return;
    started = true; loadDemands(); loadRoadshows();
  }
  document.body.addEventListener('htmx:afterSettle', init);
  init();
})();
