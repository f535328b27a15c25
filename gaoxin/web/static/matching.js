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
      const have = d.columns || [];
      const cols = ['rank', 'title', 'institution', have.includes('strength') ? 'strength' : 'score', 'explanation'].concat(canWrite ? ['op'] : []);
      gx.table('matches', d, { columns: cols, labels: { op: '经纪人确认' }, render: { op: (v, r) => opButtons(code, r) } });
      const p = document.createElement('p'); p.className = 'muted';
      p.textContent = (d.meta && d.meta.note ? d.meta.note + ' ' : '') + '需求 ' + code + ' 的匹配结果（确认或否决会记入审计日志，并用于改进后续排序）';
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
  async function loadRoadshows() {
    try { const r = await gx.getJSON('/api/matching/roadshows'); r.rows = r.rows.slice(0, 200); gx.table('roadshows', r); } catch (e) { gx.fail('roadshows', e); }
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
