// @ts-check
// The perf stat comparison webview. Data arrives only by postMessage (StatViewMessage in
// src/extension/stat-view.ts); every string from a stat file goes into the DOM through textContent or
// setAttribute, never through innerHTML. Charts are drawn with chart.js when it loaded (the table does not need it).
(function () {
  'use strict';
  /** @type {{ postMessage(m: unknown): void }} */
  // @ts-ignore: provided by the webview host
  const vscode = acquireVsCodeApi();
  /** @type {any[]} */
  let charts = [];

  /** @param {string} tag @param {Record<string, string>} [attrs] @param {string} [text] */
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /**
   * The colour rule, stated in the legend under the title: a change is coloured only on a metric with a better
   * direction (marked ↓ or ↑ beside its name), green when it moved that way, red when the other; a change that
   * prints as 0.0% is never coloured. Rows without a direction (raw counters) stay plain whatever their change.
   */
  function tone(row, cell) {
    if (!row.better || cell.changePct === null || Math.abs(cell.changePct) < 0.05) return '';
    const lower = cell.changePct < 0;
    return (row.better === 'lower') === lower ? 'better' : 'worse';
  }

  function renderTable(model) {
    const table = /** @type {HTMLTableElement} */ (document.getElementById('metrics'));
    table.replaceChildren();
    const thead = el('thead');
    const top = el('tr');
    const sub = el('tr');
    top.appendChild(el('th', { rowspan: '2', scope: 'col' }, 'Metric'));
    model.runs.forEach((r, i) => {
      const isBase = i === model.base;
      const th = el(
        'th',
        { colspan: isBase ? '2' : '4', scope: 'colgroup', title: r.file, 'data-run': String(i) },
        isBase ? `${r.label} (base)` : r.label,
      );
      top.appendChild(th);
      sub.appendChild(el('th', { scope: 'col' }, 'value'));
      sub.appendChild(el('th', { scope: 'col' }, '±'));
      if (!isBase) {
        sub.appendChild(
          el(
            'th',
            { scope: 'col', title: `${r.label} ÷ ${model.runs[model.base].label} − 1` },
            `vs ${model.runs[model.base].label}`,
          ),
        );
        sub.appendChild(el('th', { scope: 'col', title: `${r.label} − ${model.runs[model.base].label}` }, 'Δ'));
      }
    });
    thead.append(top, sub);
    const tbody = el('tbody');
    for (const row of model.rows) {
      const tr = el('tr', { 'data-metric': row.id });
      const name = el(
        'th',
        {
          scope: 'row',
          title: `${row.how || ''}${row.better ? `${row.how ? '; ' : ''}${row.better} is better` : '; no better direction: not coloured'}`,
        },
        row.label,
      );
      if (row.better) name.appendChild(el('span', { class: 'direction' }, row.better === 'lower' ? ' ↓' : ' ↑'));
      tr.appendChild(name);
      row.cells.forEach((cell, i) => {
        const common = { 'data-metric': row.id, 'data-run': String(i) };
        const status = cell.status === 'ok' ? '' : cell.status;
        tr.appendChild(
          el(
            'td',
            { ...common, 'data-kind': 'value', class: `num ${status}`.trim(), title: cell.note || '' },
            cell.value,
          ),
        );
        tr.appendChild(el('td', { ...common, 'data-kind': 'variance', class: 'num var' }, cell.variance));
        if (i !== model.base) {
          tr.appendChild(
            el('td', { ...common, 'data-kind': 'change', class: `num ${tone(row, cell)}`.trim() }, cell.change),
          );
          tr.appendChild(el('td', { ...common, 'data-kind': 'delta', class: 'num' }, cell.delta));
        }
      });
      tbody.appendChild(tr);
    }
    table.append(thead, tbody);
  }

  function renderBase(model) {
    const select = /** @type {HTMLSelectElement} */ (document.getElementById('base'));
    select.replaceChildren(...model.runs.map((r, i) => el('option', { value: String(i) }, r.label)));
    select.value = String(model.base);
  }

  function renderText(model) {
    const gaps = /** @type {HTMLElement} */ (document.getElementById('gaps'));
    gaps.replaceChildren();
    if (model.gaps.length) gaps.appendChild(el('h2', {}, 'Cycle-gap decomposition'));
    for (const g of model.gaps) {
      gaps.appendChild(el('h3', {}, g.title));
      if (!g.rows.length) continue;
      const t = el('table', { class: 'gap' });
      const head = el('tr');
      for (const h of ['', 'cycles', 'share of the gap']) head.appendChild(el('th', { scope: 'col' }, h));
      t.appendChild(head);
      for (const r of g.rows) {
        const tr = el('tr');
        tr.appendChild(el('th', { scope: 'row' }, r[0]));
        tr.appendChild(el('td', { class: 'num' }, r[1]));
        tr.appendChild(el('td', { class: 'num' }, r[2]));
        t.appendChild(tr);
      }
      gaps.appendChild(t);
    }
    const notes = /** @type {HTMLElement} */ (document.getElementById('notes'));
    notes.replaceChildren(...model.notes.map((n) => el('li', {}, n)));
  }

  function color(name, fallback) {
    const v = getComputedStyle(document.body).getPropertyValue(name).trim();
    return v || fallback;
  }

  function renderCharts(model) {
    for (const c of charts) c.destroy();
    charts = [];
    const host = /** @type {HTMLElement} */ (document.getElementById('charts'));
    host.replaceChildren();
    // @ts-ignore: chart.umd.min.js defines the global
    const Chart = typeof window.Chart === 'function' ? window.Chart : undefined;
    if (!Chart) {
      host.appendChild(el('p', { class: 'muted' }, 'Charts unavailable (chart.js was not loaded).'));
      return;
    }
    const fg = color('--vscode-foreground', '#888');
    const grid = color('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    const palette = [
      '--vscode-charts-blue',
      '--vscode-charts-orange',
      '--vscode-charts-green',
      '--vscode-charts-purple',
      '--vscode-charts-red',
      '--vscode-charts-yellow',
    ].map((v, i) => color(v, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'][i]));
    Chart.defaults.color = fg;
    Chart.defaults.borderColor = grid;
    Chart.defaults.animation = false;
    const others = model.runs.map((_, i) => i).filter((i) => i !== model.base);
    const changeRows = model.rows.filter((r) => others.some((i) => r.cells[i].changePct !== null));
    if (others.length && changeRows.length) {
      host.appendChild(el('h2', {}, `Change against ${model.runs[model.base].label} (%)`));
      const wrap = el('div', { class: 'chart wide' });
      const canvas = el('canvas', {
        role: 'img',
        'aria-label': 'Change of each metric against the base run, in percent',
      });
      wrap.appendChild(canvas);
      host.appendChild(wrap);
      // CSSOM, not a style attribute: allowed under the CSP without 'unsafe-inline'.
      wrap.style.height = `${Math.max(160, 28 * changeRows.length * Math.max(1, others.length * 0.7) + 60)}px`;
      charts.push(
        new Chart(canvas, {
          type: 'bar',
          data: {
            labels: changeRows.map((r) => r.label),
            datasets: others.map((i) => ({
              label: model.runs[i].label,
              data: changeRows.map((r) => r.cells[i].changePct),
              backgroundColor: palette[i % palette.length],
            })),
          },
          options: {
            indexAxis: 'y',
            responsive: true,
            maintainAspectRatio: false,
            plugins: {
              tooltip: {
                callbacks: {
                  label: (c) =>
                    `${c.dataset.label}: ${c.raw === null ? 'n/a' : (c.raw > 0 ? '+' : '') + c.raw.toFixed(1) + '%'}`,
                },
              },
            },
          },
        }),
      );
    }
    host.appendChild(el('h2', {}, 'Values per run'));
    const grid_ = el('div', { class: 'multiples' });
    host.appendChild(grid_);
    for (const row of model.rows) {
      if (!row.cells.some((c) => c.number !== null)) continue;
      const box = el('figure', { class: 'chart small', 'data-metric': row.id });
      box.appendChild(el('figcaption', {}, row.label));
      const canvas = el('canvas', { role: 'img', 'aria-label': `${row.label} per run` });
      // chart.js sizes a responsive chart from its parent, which must hold the canvas alone.
      const holder = el('div', { class: 'holder' });
      holder.appendChild(canvas);
      box.appendChild(holder);
      grid_.appendChild(box);
      charts.push(
        new Chart(canvas, {
          type: 'bar',
          data: {
            labels: model.runs.map((r) => r.label),
            datasets: [
              {
                label: row.label,
                data: row.cells.map((c) => c.number),
                backgroundColor: model.runs.map((_, i) => palette[i % palette.length]),
              },
            ],
          },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            plugins: {
              legend: { display: false },
              tooltip: { callbacks: { label: (c) => row.cells[c.dataIndex].value } },
            },
            scales: { y: { beginAtZero: true } },
          },
        }),
      );
    }
  }

  /** The table as drawn, read back from the DOM (what a user sees, not what was sent). */
  function reportRendered() {
    const cells = [...document.querySelectorAll('td[data-metric]')].map((td) => ({
      metric: td.getAttribute('data-metric'),
      run: Number(td.getAttribute('data-run')),
      kind: td.getAttribute('data-kind'),
      text: td.textContent,
    }));
    vscode.postMessage({ type: 'rendered', cells, charts: charts.length });
  }

  function render(model) {
    const status = /** @type {HTMLElement} */ (document.getElementById('status'));
    status.textContent = `${model.runs.length} run${model.runs.length === 1 ? '' : 's'}; ratios are run ÷ base − 1, Δ is run − base (percentage points for rates); ± is perf's -r variance (derived metrics: combined).`;
    const legend = /** @type {HTMLElement} */ (document.getElementById('legend'));
    legend.replaceChildren(
      'Colour: on metrics marked ↓ (lower is better) or ↑ (higher is better), a change is ',
      el('span', { class: 'better' }, 'green'),
      ' when it goes the better way and ',
      el('span', { class: 'worse' }, 'red'),
      ' when it goes the other; unmarked rows and changes of 0.0% are not coloured.',
    );
    renderBase(model);
    renderTable(model);
    renderText(model);
    try {
      renderCharts(model);
    } catch (e) {
      document
        .getElementById('charts')
        ?.appendChild(el('p', { class: 'muted' }, `Charts failed: ${e instanceof Error ? e.message : String(e)}`));
    }
    reportRendered();
  }

  document.getElementById('add')?.addEventListener('click', () => vscode.postMessage({ type: 'addRun' }));
  document.getElementById('base')?.addEventListener('change', (e) => {
    vscode.postMessage({ type: 'setBase', base: Number(/** @type {HTMLSelectElement} */ (e.target).value) });
  });
  window.addEventListener('message', (event) => {
    const m = event.data;
    if (m && m.type === 'show' && m.model) render(m.model);
  });
  vscode.postMessage({ type: 'ready' });
})();
