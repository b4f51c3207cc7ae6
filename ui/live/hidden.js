// The hidden-state page's live view: the input sequence, the hidden size, f, the weight scale and
// the time step t in; the vectors of h_t = f(W_x x_t + W_h h_{t-1} + b) with their numbers, the
// same step written out, every unit's h_t over time and what the output layer predicts, out.
const HIDDEN = (() => {
  const { el, decode } = RnnvizView;
  const D = RnnvizDraw;
  const COLUMNS = ["W_{x} x_{t}", "+ W_{h} h_{t−1}", "+ b", "= a_{t}", "h_{t} = f(a_{t})"];
  const DIVERGING = [[0, [33, 102, 172]], [0.25, [146, 197, 222]], [0.5, [247, 247, 247]], [0.75, [244, 165, 130]], [1, [178, 24, 43]]];
  const UNITS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];

  function diverging(u) {
    u = Math.min(Math.max(u, 0), 1);
    const k = Math.min(Math.floor(u * 4), 3), f = (u - DIVERGING[k][0]) / 0.25;
    return `rgb(${DIVERGING[k][1].map((v, i) => Math.round(v + (DIVERGING[k + 1][1][i] - v) * f)).join(",")})`;
  }

  function layout(state) {
    const grid = el("div", { class: "rv-grid" }, state.root);
    const controls = el("div", { class: "rv-controls" }, grid);
    const main = el("div", {}, grid);
    state.slots = { note: el("div", {}, main), lead: el("p", {}, main), step: el("figure", { class: "rv-figure" }, main),
                    fit: el("div", {}, main), formula: el("div", {}, main) };
    const row = el("div", { class: "rv-row" }, state.root);
    state.slots.units = el("figure", { class: "rv-figure" }, row);
    state.slots.outputs = el("figure", { class: "rv-figure" }, row);
    state.picked = null;  // the unit picked out in the trajectories' legend
    state.slots.units.addEventListener("click", (event) => {
      const item = event.target.closest("[data-unit]");
      if (!item) return;
      const unit = Number(item.dataset.unit);
      state.picked = state.picked === unit ? null : unit;
      state.redraw();
    });
    return { numbers: controls, H: controls, act: controls, scale: controls, t: controls, fit: state.slots.fit };
  }

  function run(state) {
    const s = state.settings, data = state.data, H = s.H, T = s.numbers.length;
    const key = `${data.draw}|${H}`;
    if (!state.cache[key]) {
      const drawn = data.models[H - 2], base = {};
      for (const name of ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "head_weight", "head_bias"]) base[name] = decode(drawn[name]);
      state.cache = { [key]: { drawn, base } };
    }
    const { drawn, base } = state.cache[key];
    // as Model draws with weight_scale: W_x and W_h multiplied by it
    const p = { ...drawn, ...base, nonlinearity: s.act, weight_ih: base.weight_ih.map((v) => v * s.scale),
                weight_hh: base.weight_hh.map((v) => v * s.scale) };
    const x = Float64Array.from(s.numbers);
    // the target at each step is the next number, the last continuing the pattern (compute.hidden_state_trace)
    const y = Float64Array.from(s.numbers.slice(1).concat([2 * s.numbers[T - 1] - s.numbers[T - 2]]));
    return { p, x, y, T, rec: RnnvizCells.record(p, x, T, y, "all", null) };
  }

  // The parts of h_t for one step, as analysis.rnn_step_terms: W_x x_t, W_h h_{t-1}, b, a_t, h_t.
  function terms(r, t) {
    const H = r.p.H, prev = t > 1 ? r.rec.hidden.subarray((t - 2) * H, (t - 1) * H) : new Float64Array(H);
    const rows = [];
    for (let j = 0; j < H; j++) {
      let recurrent = 0;
      for (let k = 0; k < H; k++) recurrent += r.p.weight_hh[j * H + k] * prev[k];
      const input = r.p.weight_ih[j] * r.x[t - 1], bias = r.p.bias_ih[j] + r.p.bias_hh[j];
      rows.push([input, recurrent, bias, r.rec.run.a[(t - 1) * H + j], r.rec.hidden[(t - 1) * H + j]]);
    }
    return { rows, prev };
  }

  function stepFigure(state, rows, act) {
    const font = state.font, H = rows.length, width = Math.max(state.slots.step.clientWidth || 600, 300);
    const cellH = font * 2.6, top = font * 3.4, left = font * 4.5, right = font * 5, height = top + H * cellH + font;
    const cellW = (width - left - right) / 5, gap = Math.min(cellW * 0.12, 14);
    const values = rows.flat().filter(Number.isFinite);
    const bound = state.settings.fit && values.length && Math.max(...values.map(Math.abs)) > 0 ? Math.max(...values.map(Math.abs)) : 1;
    const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${D.esc(state.stepLabel)}">`];
    const staggered = cellW < font * 6.5;  // on a phone the column titles take turns on two lines
    COLUMNS.forEach((title, c) => out.push(`<text x="${left + (c + 0.5) * cellW}" y="${staggered && c % 2 ? font * 0.9 : font * 2.3}" text-anchor="middle" style="font-size:${font * 1.15}px">${D.rich(title.replace("f(", `${act}(`))}</text>`));
    rows.forEach((row, j) => {
      const y = top + j * cellH;
      out.push(`<text x="${left - font * 0.5}" y="${y + cellH / 2 + font * 0.35}" text-anchor="end">unit ${j + 1}</text>`);
      row.forEach((v, c) => {
        const u = 0.5 + v / (2 * bound);
        const ink = Math.abs(u - 0.5) > 0.32 ? "#fff" : "#222";
        out.push(`<rect x="${left + c * cellW + gap / 2}" y="${y + 2}" width="${cellW - gap}" height="${cellH - 4}" fill="${Number.isFinite(v) ? diverging(u) : "#000"}"><title>unit ${j + 1}, ${D.esc(D.plain(COLUMNS[c]))}: ${v.toFixed(4)}</title></rect>`);
        out.push(`<text x="${left + (c + 0.5) * cellW}" y="${y + cellH / 2 + font * 0.4}" text-anchor="middle" style="fill:${ink};font-size:${font * 1.2}px">${D.number(v)}</text>`);
      });
    });
    const ticks = state.settings.fit ? [[-bound, D.python_g(-bound, 3)], [0, "0"], [bound, D.python_g(bound, 3)]] : [[-1, "≤ −1"], [0, "0"], [1, "≥ 1"]];
    out.push(D.colourBar(width - right + font * 1.2, top, H * cellH, -bound, bound, diverging, ticks, "", font));
    out.push(`</svg>`);
    return out.join("");
  }

  function formula(r, t, act, rows, prev) {
    const f = act === "tanh" ? "tanh" : "ReLU", H = r.p.H;
    const Wx = Array.from({ length: H }, (_, j) => [r.p.weight_ih[j]]);
    const Wh = Array.from({ length: H }, (_, j) => Array.from(r.p.weight_hh.subarray(j * H, (j + 1) * H)));
    const col = (c) => rows.map((row) => row[c]);
    const b = col(2), a = col(3), h = col(4);
    const inside = H <= 4
      ? `${D.matrix(Wx)}${D.column([r.x[t - 1]])}<span>+</span>${D.matrix(Wh)}${D.column(prev)}<span>+</span>${D.column(b)}`
      : `${D.column(col(0))}<span>+</span>${D.column(col(1))}<span>+</span>${D.column(b)}`;
    return `<div class="rv-eq" role="math" aria-label="${D.esc(`h_${t} = ${f}(W_x x_${t} + W_h h_${t - 1} + b) = ${f}(${a.map((v) => D.number(v)).join(", ")}) = ${h.map((v) => D.number(v)).join(", ")}`)}">` +
      `<span>h<sub>${t}</sub> = ${f}(W<sub>x</sub> x<sub>${t}</sub> + W<sub>h</sub> h<sub>${t - 1}</sub> + b)</span></div>` +
      `<div class="rv-eq" aria-hidden="true"><span>= ${f}(</span>${inside}<span>)</span></div>` +
      `<div class="rv-eq" aria-hidden="true"><span>= ${f}(</span>${D.column(a)}<span>) =</span>${D.column(h)}</div>`;
  }

  function draw(state) {
    const s = state.settings, font = state.font, t = Math.min(s.t, s.numbers.length);
    const r = run(state), H = s.H, T = r.T;
    const { rows, prev } = terms(r, t);
    const dead = s.act === "relu" && r.rec.hidden.every((v) => v === 0);
    RnnvizView.note(state.slots.note, "info", dead
      ? "At this seed every unit's sum is negative at every step, so ReLU passes 0 all along: a dead network, whose state says nothing about its input. Try another seed or sequence."
      : null);
    state.slots.lead.innerHTML = `<strong>Step t = ${t}</strong>, reading x<sub>${t}</sub> = ${D.python_g(r.x[t - 1], 6)}. Each column is one vector of the sum; each row is one hidden unit.`;
    const largest = Math.max(...rows.map((row) => Math.abs(row[4])));
    const finding = `At t = ${t} the largest |h_{t}| is ${D.number(largest, 4)}${s.act === "tanh" ? ", inside tanh's (−1, 1)" : ""}.`;
    state.stepLabel = D.plain(`The vectors of h_{t} = f(W_{x} x_{t} + W_{h} h_{t−1} + b) at t = ${t}, one row per unit. ${finding}`);
    state.slots.step.innerHTML = stepFigure(state, rows, s.act) + `<figcaption class="rv-finding">${D.rich(finding, true)}</figcaption>`;
    state.slots.formula.innerHTML = formula(r, t, s.act, rows, prev);

    const steps = Array.from({ length: T }, (_, k) => k + 1), half = Math.max((state.slots.units.clientWidth || 400), 260);
    const series = Array.from({ length: H }, (_, j) => ({
      name: `unit ${j + 1}`, x: steps, y: steps.map((k) => r.rec.hidden[(k - 1) * H + j]), colour: UNITS[j % UNITS.length],
      width: state.picked === null || state.picked === j ? 3 : 1, markers: true,
      dash: state.picked === null || state.picked === j ? null : "2 3",
    }));
    const spread = steps.map((k) => Math.max(...series.map((u) => Math.abs(u.y[k - 1]))));
    const unitsFinding = `The largest |h_{t}| grows from ${D.number(spread[0], 3)} at t = 1 to ${D.number(spread[T - 1], 3)} at t = ${T}.`;
    state.slots.units.innerHTML = D.lineChart({ width: half, height: font > 13 ? 460 : 320 + 22 * H, font, title: "Hidden state h_{t}, one line per unit (click a unit below)",
      label: `Every hidden unit's h_t over time. ${unitsFinding}`, xLabel: "time step t", yLabel: "h_{t}", series, legend: true,
      xDomain: [1, Math.max(T, 2)], xTicks: steps }).replace(/<text x="([\d.]+)" y="([\d.]+)">unit (\d+)<\/text>/g,
      (m, x, y, unit) => `<text x="${x}" y="${y}" data-unit="${unit - 1}" style="cursor:pointer">unit ${unit}</text>`) +
      `<figcaption class="rv-finding">${D.rich(unitsFinding, true)}</figcaption>`;

    const outputs = Array.from(r.rec.outputs);
    const error = Math.sqrt(outputs.reduce((sum, v, k) => sum + (v - r.y[k]) ** 2, 0) / T);
    const outFinding = `The prediction misses the next number by ${D.python_g(error, 3)} on average (root mean square).`;
    state.slots.outputs.innerHTML = D.lineChart({ width: half, height: font > 13 ? 460 : 320 + 22 * H, font, title: "What the output layer says at each step",
      label: `The input, the next number and the prediction at each step. ${outFinding}`, xLabel: "time step t", yLabel: "value",
      legend: true, xDomain: [1, Math.max(T, 2)], xTicks: steps, marks: [t],
      series: [{ name: "input x_{t}", x: steps, y: Array.from(r.x), colour: "#0072B2", markers: true },
               { name: "next number (target)", x: steps, y: Array.from(r.y), colour: "#009E73", line: false, markers: true, hollow: true },
               { name: "prediction y_{t}", x: steps, y: outputs, colour: "#D55E00", dash: "3 4", markers: true }] }) +
      `<figcaption class="rv-finding">${D.rich(outFinding, true)}</figcaption>`;
    state.root.numbers = { hidden: r.rec.hidden, outputs: r.rec.outputs, rows };  // for the tests
  }

  return { layout, draw, limits: (s) => ({ t: s.numbers.length }) };
})();

export default function (component) {
  return RnnvizView.mount(component, HIDDEN);
}
