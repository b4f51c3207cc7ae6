// Truncated BPTT on the unrolled page: the window k in (the network's settings from the view
// above); each step's term of dL/dW_h, the terms the window keeps, and how much the truncated
// gradient differs from the full one, out.
const TRUNCATION = (() => {
  const { el, pinControl } = RnnvizView;
  const D = RnnvizDraw;

  function layout(state) {
    const grid = el("div", { class: "rv-grid rv-grid-wide" }, state.root);
    const figure = el("figure", { class: "rv-figure" }, grid);
    const side = el("div", { class: "rv-controls" }, grid);
    const control = el("div", {}, side);
    state.slots = { bars: figure, metrics: el("div", { class: "rv-metrics" }, side) };
    state.pinned = pinControl(state, "bars", side);
    el("p", { class: "rv-hint" }, side, "With the loss on the last output only, truncation to k steps keeps exactly the terms of the last k steps and drops the rest.");
    return { k: control };
  }

  function draw(state) {
    const s = state.settings, T = s.T, k = Math.min(s.k, T), font = state.font;
    const full = UNROLLED_RUN(state).full;
    const truncated = UNROLLED_RUN(state, k).full;
    const exact = full.paramGrads.weight_hh, cut = truncated.paramGrads.weight_hh;
    let diff = 0, size = 0;
    for (let i = 0; i < exact.length; i++) { diff += (cut[i] - exact[i]) ** 2; size += exact[i] ** 2; }
    const relative = Math.sqrt(diff) / Math.max(Math.sqrt(size), 1e-300);
    const kept = Array.from({ length: T }, (_, t) => t + 1 > T - k);
    const steps = Array.from({ length: T }, (_, t) => t + 1);
    let finding = `Truncating to k = ${k} keeps ${k} of ${T} terms and changes ∂L/∂W_{h} by ${(relative * 100).toFixed(2)} %.`;
    state.current.bars = { name: `T = ${T}, ρ = ${s.radius}, k = ${k}`, values: Array.from(full.weightHhStepNorms), relative };
    const pinned = state.pinned();
    if (pinned) finding += ` Pinned (${pinned.name}, outlined): ${(pinned.relative * 100).toFixed(2)} %.`;
    state.slots.bars.innerHTML = bars(state, steps, full.weightHhStepNorms, kept, finding, pinned) + `<figcaption class="rv-finding">${D.rich(finding, true)}</figcaption>`;
    state.slots.metrics.innerHTML =
      `<div class="rv-metric"><div class="rv-metric-label">Steps whose term is kept (k = ${k})</div><div class="rv-metric-value" data-metric="kept">${k} of ${T}</div></div>` +
      `<div class="rv-metric"><div class="rv-metric-label">‖truncated − full‖ ÷ ‖full‖ for ∂L/∂W<sub>h</sub></div><div class="rv-metric-value" data-metric="change">${(relative * 100).toFixed(2)}%</div></div>`;
    state.root.numbers = { relative, stepNorms: full.weightHhStepNorms };  // for the tests
  }

  function bars(state, steps, values, kept, finding, pinned) {
    const font = state.font, width = Math.max(state.slots.bars.clientWidth || 600, 280), height = font > 13 ? 420 : 320;
    const left = font * 5.2, right = font, top = font, bottom = font * 3.4;
    const ghost = pinned ? pinned.values : [];
    const plotW = width - left - right, plotH = height - top - bottom, T = Math.max(steps.length, ghost.length);
    const high = Math.max(...values, ...ghost, 1e-300), ticks = D.niceTicks(0, high, 5);
    const top_ = Math.max(high, ticks[ticks.length - 1]);
    const X = (t) => left + ((t - 0.5) / T) * plotW, Y = (v) => top + plotH - (v / top_) * plotH, w = Math.max(plotW / T * 0.8, 1);
    const out = [D.heading("∂L/∂W_{h} is a sum over time steps"), `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${D.esc(D.plain("∂L/∂W_{h} is a sum over time steps: each step's term, kept or dropped by the window. " + finding))}">`];
    out.push(`<g class="rv-grid">`);
    for (const v of ticks) out.push(`<line x1="${left}" x2="${left + plotW}" y1="${Y(v)}" y2="${Y(v)}"/>`);
    out.push(`</g><g class="rv-axis">`);
    for (const v of ticks) out.push(`<text x="${left - font * 0.4}" y="${Y(v) + font * 0.35}" text-anchor="end">${D.python_g(v, 3)}</text>`);
    for (let t = 1; t <= T; t++) if (T <= 16 || t % Math.ceil(T / 15) === 0) out.push(`<text x="${X(t)}" y="${top + plotH + font * 1.4}" text-anchor="middle">${t}</text>`);
    out.push(`<text x="${left + plotW / 2}" y="${top + plotH + font * 2.8}" text-anchor="middle">time step t</text>`);
    out.push(`<text transform="translate(${font * 1.1},${top + plotH / 2}) rotate(-90)" text-anchor="middle">${D.rich("‖step t's term of ∂L/∂W_{h}‖")}</text></g>`);
    steps.forEach((t, k) => {
      const v = values[k];
      out.push(`<rect x="${X(t) - w / 2}" y="${Y(v)}" width="${w}" height="${Math.max(top + plotH - Y(v), 0)}" fill="${kept[k] ? "#0072B2" : "#BBBBBB"}"><title>t = ${t}: ${D.python_g(v, 3)} (${kept[k] ? "kept" : "dropped by truncation"})</title></rect>`);
    });
    // the pinned settings' terms, outlined over the bars
    ghost.forEach((v, k) => out.push(`<rect x="${X(k + 1) - w / 2}" y="${Y(v)}" width="${w}" height="${Math.max(top + plotH - Y(v), 0)}" fill="none" stroke="#222" stroke-width="2" stroke-dasharray="4 3"/>`));
    out.push(`</svg>`);
    return out.join("");
  }

  return { layout, draw, limits: (s) => ({ k: s.T }) };
})();

export default function (component) {
  return RnnvizView.mount(component, TRUNCATION);
}
