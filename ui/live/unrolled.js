// The unrolled network and its backward pass (page 2): T, the hidden size, f, the spectral radius
// and the step the backward pass has reached in; the chain x_t -> h_t -> y_T coloured by
// ||dL/dh_t|| and the arithmetic of dL/dh_t at that step, out.
const UNROLLED = (() => {
  const { el } = RnnvizView;
  const D = RnnvizDraw;
  const SCALE = [-6, 2];  // log10 of ||dL/dh_t|| / ||dL/dh_T||: one scale for every setting (figures.UNROLLED_SCALE)

  function layout(state) {
    const grid = el("div", { class: "rv-grid" }, state.root);
    const controls = el("div", { class: "rv-controls" }, grid);
    const main = el("div", {}, grid);
    state.slots = {
      note: el("div", {}, main),
      graph: el("figure", { class: "rv-figure" }, main),
      fit: el("div", {}, main),
      step: el("div", {}, main),
    };
    el("p", { class: "rv-hint" }, main, "Colour: ‖∂L/∂h_t‖ relative to ‖∂L/∂h_T‖ at the loss, on one scale for every setting " +
       "unless fitted to these values. White: the backward pass has not reached h_t yet; black: its gradient is exactly 0 " +
       "(a dead ReLU unit passes nothing back).");
    const slots = { fit: state.slots.fit };
    for (const name of ["T", "H", "act", "radius", "back"]) slots[name] = controls;
    return slots;
  }

  function graph(state, run, norms) {
    const s = state.settings, font = state.font, T = s.T, H = s.H, back = s.back;
    const height = font > 13 ? 420 : 330, left = font * 6.5, right = font * 11, top = font * 2, bottom = font * 3.2;
    // at least a readable node per step: on a phone the chain scrolls sideways instead of shrinking to a smear
    const room = Math.max(state.slots.graph.clientWidth || 700, 300);
    const width = Math.max(room, left + right + (T + 0.4) * font * (T <= 16 ? 2.8 : 1.1));
    const X = (t) => left + ((t - 0.3) / (T + 0.4)) * (width - left - right);
    const Y = (row) => top + (2 - row) / 2.4 * (height - top - bottom) + font;
    const step = (width - left - right) / (T + 0.4);
    state.backX = X(back);  // where the backward pass is: a scrolled chain keeps it in view
    const node = Math.max(Math.min(step * 0.42, font * 1.6), 5), labelled = T <= 16;
    const relative = Array.from(norms, (v) => Math.log10(v / norms[T - 1]));
    let [low, high] = SCALE;
    const finite = relative.filter(Number.isFinite);
    if (s.fit && finite.length) {
      low = Math.floor(Math.min(...finite)); high = Math.ceil(Math.max(...finite));
      if (low === high) { low -= 1; high += 1; }
    }
    const colourOf = (v) => D.viridis(((Number.isFinite(v) ? v : v > 0 ? high : low) - low) / (high - low));
    const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${D.esc(state.graphLabel)}">`];
    out.push(`<g class="rv-axis">`);
    for (const [row, text] of [[0, "input x_{t}"], [1, "hidden h_{t}"], [2, "output y_{t}"]]) out.push(`<text x="${left - font}" y="${Y(row) + font * 0.35}" text-anchor="end">${D.rich(text)}</text>`);
    out.push(`</g><g stroke="#888" stroke-width="2">`);
    for (let t = 1; t <= T; t++) {
      out.push(`<line x1="${X(t)}" y1="${Y(0)}" x2="${X(t)}" y2="${Y(1)}"/>`);
      if (t > 1) out.push(`<line x1="${X(t - 1)}" y1="${Y(1)}" x2="${X(t)}" y2="${Y(1)}"/>`);
    }
    out.push(`<line x1="${X(T)}" y1="${Y(1)}" x2="${X(T)}" y2="${Y(2)}"/></g>`);
    for (let t = 1; t <= T; t++) {
      const v = run.x[t - 1];
      out.push(`<g><title>x_${t} = ${v.toFixed(3)}</title><circle cx="${X(t)}" cy="${Y(0)}" r="${node * 0.75}" fill="#eee" stroke="#333"/>` +
               (labelled ? `<text x="${X(t)}" y="${Y(0) + font * 0.35}" text-anchor="middle" font-size="${font * 0.85}">${D.number(v, 2)}</text>` : "") + "</g>");
      const reached = t >= back, zero = reached && norms[t - 1] === 0;
      const fill = !reached ? "#fff" : zero ? "#000" : colourOf(relative[t - 1]);
      const bright = reached && !zero && (relative[t - 1] - low) / (high - low) > 0.44;
      const ink = !reached ? "#6b6b6b" : bright ? "#222" : "#fff";
      const hidden = Array.from(run.full.hidden.subarray((t - 1) * H, Math.min(t * H, (t - 1) * H + 8)), (h) => h.toFixed(3)).join(", ");
      const tip = `h_${t} = [${hidden}]` + (reached ? `\n‖∂L/∂h_${t}‖ = ${D.python_g(norms[t - 1], 3)}` : "\nnot reached yet");
      out.push(`<g data-t="${t}"><title>${D.esc(tip)}</title><circle cx="${X(t)}" cy="${Y(1)}" r="${node}" fill="${fill}" stroke="${t === back ? "#D55E00" : reached ? "#333" : "#bbb"}" stroke-width="${t === back ? 5 : 1}"/>` +
               (labelled ? `<text x="${X(t)}" y="${Y(1) + font * 0.35}" text-anchor="middle" fill="${ink}" style="fill:${ink}" font-size="${font * 0.85}">h${t}</text>` : "") + "</g>");
    }
    out.push(`<circle cx="${X(T)}" cy="${Y(2)}" r="${node * 0.75}" fill="#CCE5F6" stroke="#333"/>` +
             (labelled ? `<text x="${X(T)}" y="${Y(2) + font * 0.35}" text-anchor="middle" font-size="${font * 0.85}">y${T}</text>` : ""));
    out.push(`<g class="rv-axis">`);
    for (let t = 1; t <= T; t++) if (T <= 16 || t % Math.ceil(T / 15) === 0 || t === 1) out.push(`<text x="${X(t)}" y="${height - bottom + font * 1.2}" text-anchor="middle">${t}</text>`);
    out.push(`<text x="${(left + width - right) / 2}" y="${height - font * 0.6}" text-anchor="middle">time step t</text></g>`);
    const tickStep = Math.max(1, Math.ceil((high - low) / 5)), ticks = [];
    for (let k = low; k <= high; k += tickStep) ticks.push([k, D.powerOfTen(k)]);
    out.push(D.colourBar(width - right + font * 1.5, top + font * 2, height - top - bottom - font * 2, low, high,
                         D.viridis, ticks, "‖∂L/∂h_{t}‖ ÷ ‖∂L/∂h_{T}‖", font));
    out.push(`</svg>`);
    return D.scrollable(out.join(""), width, height, room, "The unrolled network");
  }

  function draw(state) {
    const s = state.settings, font = state.font;
    const run = UNROLLED_RUN(state);
    const norms = RnnvizCells.norms(run.full.gradHidden, s.T, s.H);
    const lost = Math.log10(norms[0] / norms[s.T - 1]);
    const finding = Number.isFinite(lost)
      ? `From t = ${s.T} back to t = 1, ‖∂L/∂h_{t}‖ ${lost < 0 ? "shrinks" : "grows"} ${Math.abs(lost).toFixed(1)} orders of magnitude; the backward pass has reached t = ${s.back}.`
      : `The backward pass has reached t = ${s.back}; some gradients here are exactly 0.`;
    state.graphLabel = D.plain(`The unrolled network, x_{t} to h_{t} for t = 1 to ${s.T} and y_{${s.T}}, nodes coloured by ‖∂L/∂h_{t}‖. ${finding}`);
    state.slots.graph.innerHTML = graph(state, run, norms) + `<figcaption class="rv-finding">${D.rich(finding, true)}</figcaption>`;
    const scroller = state.slots.graph.querySelector(".rv-scroll");
    if (scroller) scroller.scrollLeft = Math.max(0, state.backX - scroller.clientWidth / 2);

    const slope = run.full.hidden.reduce((sum, h) => sum + (1 - h * h), 0) / run.full.hidden.length;  // tanh′ = 1 − h²
    RnnvizView.note(state.slots.note, "info", s.act === "tanh" && slope < state.data.saturated
      ? `At these settings the hidden units sit near ±1: tanh′ = 1 − h_t² is ${slope.toFixed(2)} on average, so tanh is saturated and its slope stops the gradient at every step, however large W_h is. That is why the colours fade fast here. At another seed the state may stay clear of ±1.`
      : null);

    const t = s.back, H = s.H, at = (array) => Array.from(array.subarray((t - 1) * H, t * H));
    const direct = at(run.full.gradDirect), total = at(run.full.gradHidden), recurrent = total.map((v, j) => v - direct[j]);
    const norm = Math.hypot(...total);
    const parts = [D.under(D.column(direct, 3), `from y_{${t}}`)];
    if (t < s.T) parts.push("+", D.under(D.column(recurrent, 3), `J_{${t + 1}}^{⊤} ∂L/∂h_{${t + 1}}`));
    state.slots.step.innerHTML = `<p><strong>Backward pass at step t = ${t}:</strong> ‖∂L/∂h<sub>${t}</sub>‖ = ${D.python_g(norm, 3)}</p>` +
      `<div class="rv-eq" role="math" aria-label="${D.esc(`dL/dh_${t} = ${direct.map((v) => D.number(v, 3)).join(", ")}` + (t < s.T ? ` plus ${recurrent.map((v) => D.number(v, 3)).join(", ")}` : "") + ` = ${total.map((v) => D.number(v, 3)).join(", ")}`)}">` +
      `<span>∂L/∂h<sub>${t}</sub> =</span>${parts.join("")}<span>=</span>${D.column(total, 3)}</div>`;
    state.root.numbers = { norms, hidden: run.full.hidden, direct, total };  // for the tests
  }

  return { layout, draw, limits: (s) => ({ back: s.T }) };
})();

export default function (component) {
  return RnnvizView.mount(component, UNROLLED);
}
