// The gates page's "one step, one unit": the time step t and the unit in; the cell's data flow
// with that step's numbers on it, its gate equations with the same numbers, and the unit's gates
// over time, out. Every number is the engine's (analysis.cell_step_table), sent ahead.
const CELLSTEP = (() => {
  const { el, decode } = RnnvizView;
  const D = RnnvizDraw;
  const LINES = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];

  function layout(state) {
    const grid = el("div", { class: "rv-grid" }, state.root);
    const controls = el("div", { class: "rv-controls" }, grid);
    const main = el("div", {}, grid);
    state.slots = { diagram: el("figure", { class: "rv-figure" }, main), lead: el("p", {}, main),
                    formula: el("div", {}, main), lines: el("figure", { class: "rv-figure" }, state.root) };
    return { t: controls, unit: controls };
  }

  const at = (state, name, t, unit) => state.table[name][(t - 1) * state.data.H + unit];

  function diagram(state, t, unit) {
    const data = state.data, font = state.font, nodes = data.layout.nodes;
    // wide enough that the gates' boxes never touch: on a phone the diagram scrolls sideways
    const room = Math.max(state.slots.diagram.clientWidth || 700, 320), width = Math.max(room, font * 44);
    const height = font > 13 ? 600 : 470;
    const X = (x) => ((x + 0.7) / 8.2) * width, Y = (y) => height - ((y + 1.8) / 5.4) * height;
    const size = { state: 2.5, input: 2.2, op: 1.7, squash: 3.2, gate: 3.2 };
    const out = [`<defs><marker id="${state.id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>`];
    for (const [tail, head] of data.layout.edges) {
      const [x0, y0] = nodes[tail], [x1, y1] = nodes[head];
      const dx = X(x1) - X(x0), dy = Y(y1) - Y(y0), length = Math.hypot(dx, dy);
      const r0 = size[nodes[tail][2]] * font * 0.52, r1 = size[nodes[head][2]] * font * 0.58;
      out.push(`<line x1="${X(x0) + (dx / length) * r0}" y1="${Y(y0) + (dy / length) * r0}" x2="${X(x1) - (dx / length) * r1}" y2="${Y(y1) - (dy / length) * r1}" stroke="#777" stroke-width="1.5" marker-end="url(#${state.id}-arrow)"/>`);
    }
    for (const [name, [x, y, kind, label, source]] of Object.entries(nodes)) {
      const r = size[kind] * font * 0.5, cx = X(x), cy = Y(y);
      const value = name === "x" ? null : at(state, source, t, unit);
      const fill = kind === "gate" ? D.viridis(value) : "#fff", ink = kind === "gate" && value < 0.6 ? "#fff" : "#222";
      const shape = kind === "gate" || kind === "squash"
        ? `<rect x="${cx - r}" y="${cy - r * 0.8}" width="${2 * r}" height="${1.6 * r}" rx="4" fill="${fill}" stroke="#333" stroke-width="1.5"/>`
        : `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${fill}" stroke="#333" stroke-width="1.5"/>`;
      const shown = name === "x" ? Array.from(state.table.x.subarray((t - 1) * data.I, t * data.I), (v) => v.toFixed(2)).join(", ") : value.toFixed(2);
      const below = { state: 1.55, input: 1.6, op: -1.35, squash: 1.45, gate: 1.45 }[kind] * r;
      out.push(`<g><title>${D.esc(D.plain(label))}: ${shown}</title>${shape}<text x="${cx}" y="${cy + font * 0.35}" text-anchor="middle" style="fill:${ink}">${D.rich(label)}</text>` +
               `<text class="rv-halo" x="${cx}" y="${cy + below + font * 0.35}" text-anchor="middle" style="fill:#B34700;font-weight:600">${shown}</text></g>`);
    }
    return D.scrollable(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${D.esc(D.plain(state.diagramLabel))}">${out.join("")}</svg>`,
                        width, height, room, "The cell's diagram");
  }

  // formulas.gate_step's lines, with the table's numbers
  function equations(state, t, unit) {
    const v = (name) => at(state, name, t, unit), n = (value) => D.number(value, 3), pre = (value) => D.number(value, 2);
    const line = (left, right) => `<div class="rv-eq"><span>${left}</span><span>${right}</span></div>`;
    if (state.data.cell === "lstm") {
      return [["i", "input gate", "σ"], ["f", "forget gate", "σ"], ["g", "candidate", "tanh"], ["o", "output gate", "σ"]]
        .map(([g, name, squash]) => line(`${g}<sub>t</sub> = ${squash}(${pre(v(`pre_${g}`))}) = ${n(v(g))}`, `(${name})`)).join("") +
        line(`c<sub>t</sub> = f<sub>t</sub> c<sub>t−1</sub> + i<sub>t</sub> g<sub>t</sub> = ${n(v("f"))} · ${n(v("c_prev"))} + ${n(v("i"))} · ${n(v("g"))} = ${n(v("c"))}`, "") +
        line(`h<sub>t</sub> = o<sub>t</sub> tanh(c<sub>t</sub>) = ${n(v("o"))} · tanh(${n(v("c"))}) = ${n(v("h"))}`, "");
    }
    return line(`r<sub>t</sub> = σ(${pre(v("pre_r"))}) = ${n(v("r"))}`, "(reset gate)") +
      line(`z<sub>t</sub> = σ(${pre(v("pre_z"))}) = ${n(v("z"))}`, "(update gate)") +
      line(`n<sub>t</sub> = tanh(${pre(v("pre_xn"))} + r<sub>t</sub> · ${pre(v("pre_hn"))}) = ${n(v("n"))}`, "") +
      line(`h<sub>t</sub> = (1 − z<sub>t</sub>) n<sub>t</sub> + z<sub>t</sub> h<sub>t−1</sub> = ${n(1 - v("z"))} · ${n(v("n"))} + ${n(v("z"))} · ${n(v("h_prev"))} = ${n(v("h"))}`, "");
  }

  function draw(state) {
    const data = state.data, s = state.settings, font = state.font;
    if (!state.table || state.tableFor !== data.table) {
      state.table = Object.fromEntries(Object.entries(data.table).map(([name, values]) => [name, decode(values)]));
      state.tableFor = data.table;
    }
    const t = Math.min(s.t, data.T), unit = Math.min(s.unit, data.H) - 1;
    const keeps = data.cell === "lstm" ? ["f", "forget gate"] : ["z", "update gate"];
    state.diagramLabel = `The ${data.label} cell at t = ${t}, unit ${unit + 1}: every value on its way through. Its ${keeps[1]} is ${D.number(at(state, keeps[0], t, unit), 2)}.`;
    state.slots.diagram.innerHTML = D.heading(`The ${data.label} cell at t = ${t}, unit ${unit + 1}: every value on its way through`) +
      diagram(state, t, unit) + `<figcaption class="rv-finding">${D.rich(state.diagramLabel.replace(/^.*?: every value on its way through\. /, ""), true)}</figcaption>`;
    state.slots.lead.innerHTML = `The same step in numbers (sample ${data.sample}, unit ${unit + 1}, t = ${t}):`;
    state.slots.formula.innerHTML = equations(state, t, unit);
    const steps = Array.from({ length: data.T }, (_, k) => k + 1);
    const series = data.gateNames.map((g, k) => ({ name: data.titles[g], x: steps, y: steps.map((step) => at(state, g, step, unit)),
                                                     colour: LINES[k % LINES.length], markers: data.T <= 30 }));
    const open = series[0].y.indexOf(Math.max(...series[0].y)) + 1;
    const finding = `Unit ${unit + 1}'s ${D.plain(data.titles[data.gateNames[0]])} is widest open at t = ${open}.`;
    state.slots.lines.innerHTML = D.lineChart({ width: state.slots.lines.clientWidth || 700, height: font > 13 ? 460 : 360, font,
      title: `The gates of unit ${unit + 1}`, label: `The gates of unit ${unit + 1} over time. ${finding}`, xLabel: "time step t",
      yLabel: "activation", series, legend: true, marks: [t], xDomain: [1, Math.max(data.T, 2)] }) + `<figcaption class="rv-finding">${D.rich(finding, true)}</figcaption>`;
  }

  return { layout, draw, limits: (s, data) => ({ t: data.T, unit: data.H }) };
})();

export default function (component) {
  return RnnvizView.mount(component, CELLSTEP);
}
