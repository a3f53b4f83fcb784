"""JavaScript run in the page by the browser test, one function per question asked of the page.

Each constant is an arrow function for Playwright's ``page.evaluate(JS, arg)``. They read only
the visible notebook panel. Selectors are JupyterLab 4's and ipywidgets 8's class names.
"""

#: The open notebook: kernel name shown in its toolbar and its execution indicator's status.
KERNEL_STATE = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return {name: '', status: ''};
  const name = panel.querySelector('.jp-Toolbar-kernelName');
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return {
    name: name ? name.textContent.trim() : '',
    status: indicator ? indicator.getAttribute('data-status') : '',
  };
}"""

#: The input prompt of every code cell, e.g. ``["[1]:", "[*]:", "[ ]:"]``.
PROMPTS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  return Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell.jp-CodeCell'))
    .map(cell => cell.querySelector('.jp-InputPrompt').textContent.trim());
}"""

#: Everything the checks need about each cell: its text, prompt, outputs and widgets.
CELLS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell'));
  const visible = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  return cells.map((cell, index) => {
    const editor = cell.querySelector('.jp-InputArea-editor .cm-content');
    const prompt = cell.querySelector('.jp-InputPrompt');
    const outputs = Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map(out => ({
      mime: out.getAttribute('data-mime-type') || '',
      text: (out.innerText || '').slice(0, 4000),
      nested: out.parentElement.closest('.jp-OutputArea-output') !== null,
    }));
    // A widget view is a top-level output whose child is a Lumino widget (ipywidgets' views
    // and anywidget's alike), or that says it failed.
    const views = Array.from(cell.querySelectorAll('.jp-OutputArea-output')).filter(out =>
      out.parentElement.closest('.jp-OutputArea-output') === null &&
      (out.querySelector(':scope > .lm-Widget') !== null ||
       /^(Loading widget|Error displaying widget)/.test(out.textContent)));
    const plots = Array.from(cell.querySelectorAll('.js-plotly-plot'));
    return {
      index,
      type: cell.classList.contains('jp-CodeCell') ? 'code'
        : cell.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw',
      source: editor ? editor.innerText : '',
      prompt: prompt ? prompt.textContent.trim() : '',
      outputs,
      views: views.map(v => ({
        rendered: Array.from(v.querySelectorAll(':scope > .lm-Widget')).some(visible),
        text: (v.innerText || '').slice(0, 300),
      })),
      sliders: cell.querySelectorAll('.widget-slider').length,
      buttons: cell.querySelectorAll('button.jupyter-button').length,
      plots: plots.map(p => ({
        svg: p.querySelector('svg.main-svg') !== null && visible(p),
        traces: Array.isArray(p.data) ? p.data.length : 0,
      })),
    };
  });
}"""

#: A control to move in each cell, in order of preference (null when the cell has none).
CONTROLS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell'));
  const kinds = [
    ['slider', '.widget-slider .noUi-handle'],
    ['dropdown', '.widget-dropdown select'],
    ['toggle', '.widget-toggle-buttons button:not(.mod-active)'],
    ['radio', '.widget-radio-box input[type="radio"]'],
    ['text', '.widget-text input[type="text"]'],
    ['button', 'button.jupyter-button'],
  ];
  return cells.map(cell => {
    const area = cell.querySelector('.jp-OutputArea');
    if (!area) return null;
    for (const [kind, selector] of kinds) {
      if (area.querySelector(selector)) {
        return {kind, selector, plot: area.querySelector('.js-plotly-plot') !== null};
      }
    }
    return null;
  });
}"""

#: What cell ``index`` draws: every plotly SVG (paths, heatmap images, texts), the data of each
#: plotly figure, the widgets' HTML and images. Control readouts are left out on purpose.
DRAWN = """(index) => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cell = panel.querySelectorAll('.jp-Notebook .jp-Cell')[index];
  const parts = [];
  for (const plot of cell.querySelectorAll('.js-plotly-plot')) {
    const drawn = 'svg.main-svg path, svg.main-svg image, svg.main-svg text';
    for (const el of plot.querySelectorAll(drawn)) {
      parts.push(el.getAttribute('d') || el.getAttribute('href') || el.textContent);
    }
    parts.push(JSON.stringify((plot.data || []).map(t => [t.x, t.y, t.z, t.text, t.visible])));
  }
  for (const el of cell.querySelectorAll('.widget-html-content, .widget-output pre, img')) {
    parts.push(el.tagName === 'IMG' ? el.getAttribute('src') : el.innerHTML);
  }
  return parts.join('\\u0001');
}"""

#: The value of the slider handle ``n`` in cell ``index``, and its bounds.
SLIDER_STATE = """([index, n]) => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cell = panel.querySelectorAll('.jp-Notebook .jp-Cell')[index];
  const handle = cell.querySelectorAll('.widget-slider .noUi-handle')[n];
  return {
    now: parseFloat(handle.getAttribute('aria-valuenow')),
    max: parseFloat(handle.getAttribute('aria-valuemax')),
  };
}"""

#: Text of any open dialog (a dead kernel, a failed save), or ''.
DIALOG = """() => {
  const dialog = document.querySelector('.jp-Dialog');
  return dialog ? dialog.innerText : '';
}"""
