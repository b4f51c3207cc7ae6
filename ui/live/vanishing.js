// The vanishing-gradient page's live view: the cell, T, the spectral radius, the forget-gate bias,
// W_h drawn (and, from the server, each new hidden size) in; ‖∂L/∂h_t‖ at every step, the σ_max bound,
// the orders of magnitude, the eigenvalues and what each step back multiplies by, out.
const VANISHING = (() => {
  const { el, note, decode, pinControl } = RnnvizView;
  const D = RnnvizDraw;
  const TINY = 2.2250738585072014e-308;  // the smallest normal float64, as numpy's finfo.tiny
  const GATE_NAMES = { lstm: "ifgo", gru: "rzn" };

  function layout(state) {
    const root = state.root;
    const grid = el("div", { class: "rv-grid" }, root);
    const controls = el("div", { class: "rv-controls" }, grid);
    const main = el("div", {}, grid);
    state.slots = {
      note: el("div", {}, main),
      curve: el("figure", { class: "rv-figure" }, main),
      pin: el("div", {}, main),
      metrics: el("div", { class: "rv-metrics" }, main),
      caption: el("p", { class: "rv-hint" }, main),
      waiting: el("div", {}, main),
    };
    const row = el("div", { class: "rv-row" }, root);
    state.slots.plane = el("figure", { class: "rv-figure" }, row);
    state.slots.steps = el("figure", { class: "rv-figure" }, row);
    state.pinned = pinControl(state, "curve", state.slots.pin);
    const slots = {};
    for (const name of ["cell", "T", "radius", "init", "H", "fbias"]) slots[name] = controls;
    return slots;
  }

  // The cell's weights as the page draws them: W_h's blocks rescaled to the spectral radius, b_f set.
  function weights(state, s) {
    const drawn = state.data.draws[s.init][s.cell];
    const key = `${state.data.draw.key}|${s.init}|${s.cell}`;
    if (!state.cache[key]) {
      const base = {};
      for (const name of ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "head_weight", "head_bias"]) base[name] = decode(drawn[name]);
      state.cache = { [key]: base, sequence: state.cache.sequence };
    }
    const base = state.cache[key], H = drawn.H;
    const p = { ...drawn, ...base, weight_hh: new Float64Array(base.weight_hh), bias_ih: new Float64Array(base.bias_ih),
                bias_hh: new Float64Array(base.bias_hh) };
    drawn.rho.forEach((rho, k) => {
      if (rho === 0) return;
      const factor = s.radius / rho;
      for (let i = k * H * H; i < (k + 1) * H * H; i++) p.weight_hh[i] = base.weight_hh[i] * factor;
    });
    if (s.cell === "lstm") for (let j = H; j < 2 * H; j++) { p.bias_ih[j] = s.fbias; p.bias_hh[j] = 0.0; }
    return p;
  }

  function sequence(state, T) {
    if (!state.cache.sequence || state.cache.sequenceFor !== state.data.sequence.values) {
      state.cache.sequence = { values: decode(state.data.sequence.values), targets: decode(state.data.sequence.targets) };
      state.cache.sequenceFor = state.data.sequence.values;
    }
    const { values, targets } = state.cache.sequence;
    const x = new Float64Array(T * 2);
    for (let t = 0; t < T; t++) x[2 * t] = values[t];
    for (const t of state.data.sequence.marked[T - 1]) x[2 * t + 1] = 1.0;
    return { x, y: [targets[T - 1]] };
  }

  // Trace.overflow and Trace.underflow, in words, for one sequence.
  function overflow(hidden, grad, loss, T, H) {
    const bad = (values) => { const steps = []; for (let t = 0; t < T; t++) { for (let j = 0; j < H; j++) if (!Number.isFinite(values[t * H + j])) { steps.push(t + 1); break; } } return steps; };
    for (const [name, values, first] of [["the hidden state h_t", hidden, true], ["∂L/∂h_t", grad, false]]) {
      const steps = bad(values);
      if (steps.length) {
        const what = values.some((v) => v === Infinity || v === -Infinity) ? "overflowed to infinity" : "became NaN (not a number)";
        return `${name} ${what} at step t = ${first ? steps[0] : steps[steps.length - 1]}`;
      }
    }
    return Number.isFinite(loss) ? null : "the loss overflowed to infinity";
  }

  function underflow(norms) {
    let below = -1;
    norms.forEach((v, k) => { if (v < TINY) below = k; });
    if (below >= 0 && below + 1 < norms.length && norms[below + 1] > 0 && norms[below + 1] < TINY * 1e8) return below + 1;
    return null;
  }

  function draw(state) {
    const s = state.settings, data = state.data, slots = state.slots, font = state.font;
    const fresh = s.H === data.draw.H;
    slots.waiting.replaceChildren();
    for (const slot of [slots.curve, slots.metrics, slots.plane, slots.steps]) slot.classList.toggle("rv-waiting", !fresh);
    if (!fresh) {
      note(slots.waiting, "info", `Drawing a new network of hidden size ${s.H}: the server draws its weights; the curve follows in a moment.`);
      return;
    }
    const T = s.T, H = data.draw.H, label = data.labels[s.cell], colour = data.colours[s.cell];
    const p = weights(state, s);
    const { x, y } = sequence(state, T);
    const rec = RnnvizCells.record(p, x, T, y, "last", null);
    const norms = RnnvizCells.norms(rec.gradHidden, T, H);
    const drawn = data.draws[s.init][s.cell];
    const scale = drawn.rho.map((rho) => (rho === 0 ? 1 : s.radius / rho));
    const problem = overflow(rec.hidden, rec.gradHidden, rec.loss, T, H);
    const tiny = problem ? null : underflow(norms);
    note(slots.note, problem ? "error" : "warning", problem
      ? `With these settings ${problem}: the numbers grew past what a computer can hold, so the curve stops there. Lower the spectral radius or pick tanh, which keeps h_t between −1 and 1.`
      : tiny ? `From step t = ${tiny} back, ∂L/∂h_t is smaller than 1e-308, the smallest number a computer's float64 holds: there the curve stops, although the true gradient keeps shrinking.` : null);

    const steps = Array.from({ length: T }, (_, k) => k + 1);
    const series = [{ name: label, x: steps, y: norms, colour, markers: T <= 60 }];
    let sigma = null;
    if (s.cell === "rnn_tanh") {
      sigma = drawn.sigma[0] * scale[0];
      const last = norms[T - 1];
      series.push({ name: "bound σ_{max}^{T−t} ‖∂L/∂h_{T}‖", x: steps, y: steps.map((t) => last * Math.pow(sigma, T - t)), colour: "#222222", dash: "7 5", width: 2 });
    }
    const ratio = norms[0] / norms[T - 1];
    const orders = Math.log10(ratio);
    const finite = Number.isFinite(ratio) && ratio > 0;
    const finding = finite
      ? `‖∂L/∂h_{t}‖ ${orders < 0 ? "falls" : "rises"} ${Math.abs(orders).toFixed(1)} orders of magnitude from t = ${T} back to t = 1.`
      : problem ? "‖∂L/∂h_{t}‖ is not a number at some steps: see the note above." : "‖∂L/∂h_{t}‖ is exactly 0 at some steps, so no ratio can be taken.";
    const width = slots.curve.clientWidth || 600;
    const here = `${label}, T = ${T}, ρ = ${s.radius}${s.cell === "lstm" ? `, b_{f} = ${s.fbias}` : ""}, H = ${H}, ${s.init === "default" ? "uniform" : "orthogonal"}`;
    state.current.curve = { name: here, norms: Array.from(norms), orders };
    const pinned = state.pinned();
    let compared = "";
    if (pinned) {
      series.unshift({ name: `pinned: ${pinned.name}`, x: pinned.norms.map((_, k) => k + 1), y: pinned.norms, colour: "#8a8c96", dash: "3 4", width: 3 });
      compared = ` Pinned (${pinned.name}): ${Number.isFinite(pinned.orders) ? `${pinned.orders < 0 ? "falls" : "rises"} ${Math.abs(pinned.orders).toFixed(1)} orders` : "not comparable"}.`;
    }
    const longest = Math.max(T, pinned ? pinned.norms.length : 0, 2);
    slots.curve.innerHTML = D.lineChart({ width, height: font > 13 ? 520 : 400, font, title: "‖∂L/∂h_{t}‖ at every time step",
      label: `‖∂L/∂h_{t}‖ at every time step, ${label}, log scale. ${finding}${compared}`, xLabel: "time step t",
      yLabel: "‖∂L/∂h_{t}‖ (log scale)", log: true, series, legend: true, xDomain: [1, longest] }) +
      `<figcaption class="rv-finding">${D.rich(finding + compared, true)}</figcaption>`;

    slots.metrics.innerHTML = `<div class="rv-metric"><div class="rv-metric-label">‖∂L/∂h<sub>1</sub>‖ ÷ ‖∂L/∂h<sub>T</sub>‖</div><div class="rv-metric-value" data-metric="ratio">${finite ? D.python_e(ratio, 1) : "not a number"}</div></div>` +
      `<div class="rv-metric"><div class="rv-metric-label">${finite ? `Orders of magnitude ${orders < 0 ? "lost" : "gained"} over T steps` : "Orders of magnitude over T steps"}</div><div class="rv-metric-value" data-metric="orders">${finite ? Math.abs(orders).toFixed(1) : "—"}</div></div>`;
    if (sigma !== null) {
      const verdict = sigma < 1 ? "below 1, so the bound falls and the curve must fall with it"
        : "above 1, so the bound grows and says nothing here: the curve can still fall, through saturated units (tanh′ < 1) and directions W_h shrinks";
      const rho = Math.max(...drawn.eigen[0][0].map((re, k) => Math.hypot(re, drawn.eigen[0][1][k]))) * scale[0];
      slots.caption.innerHTML = D.rich(`Dashed: the bound σ_{max}^{T−t}‖∂L/∂h_{T}‖. σ_{max}(W_{h}) = ${sigma.toFixed(3)} (spectral radius ρ = ${rho.toFixed(3)}) is ${verdict}. The measured curve can never rise above it.`, true);
    } else {
      slots.caption.innerHTML = D.rich("The σ_{max} bound holds for tanh RNNs (|tanh′| ≤ 1); pick RNN (tanh) to see it.", true);
    }

    // the eigenvalues of W_h's blocks, and the circle of radius σ_max each block cannot step past
    const names = GATE_NAMES[drawn.cell] ? [...GATE_NAMES[drawn.cell]].map((g) => `W_{h${g}}`) : ["W_{h}"];
    const palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"];
    const points = [], circles = [{ radius: 1, colour: "#222", dash: null }], legend = [{ text: "unit circle", colour: "#222", circle: true }];
    let largest = 1.2, outside = 0, count = 0;
    names.forEach((name, k) => {
      const [re, im] = drawn.eigen[k];
      const shade = names.length > 1 ? palette[k] : colour;
      re.forEach((r, i) => {
        const pr = r * scale[k], pi = im[i] * scale[k];
        points.push({ re: pr, im: pi, colour: shade });
        count += 1;
        if (Math.hypot(pr, pi) > 1) outside += 1;
        largest = Math.max(largest, Math.hypot(pr, pi) * 1.1);
      });
      const radius = drawn.sigma[k] * scale[k];
      largest = Math.max(largest, radius * 1.1);
      circles.push({ radius, colour: shade, dash: "6 4" });
      legend.push({ text: name, colour: shade });
      legend.push({ text: `σ_{max}(${name}) = ${radius.toFixed(2)}`, colour: shade, circle: true, dash: "6 4" });
    });
    const planeFinding = `${outside} of ${count} eigenvalues lie outside the unit circle.`;
    const half = slots.plane.clientWidth || 360;
    slots.plane.innerHTML = D.plane({ width: half, font, title: "Eigenvalues of W_{h}", extent: largest, points, circles, legend,
      label: `Eigenvalues of W_{h} in the complex plane. ${planeFinding}` }) + `<figcaption class="rv-finding">${D.rich(planeFinding, true)}</figcaption>`;

    const ratios = steps.map((t) => (t === 1 ? NaN : norms[t - 2] / norms[t - 1]));
    const shown = ratios.filter((v) => Number.isFinite(v) && v > 0);
    const stepFinding = shown.length
      ? `Each step back multiplies the gradient by ${D.python_g(Math.min(...shown), 2)} to ${D.python_g(Math.max(...shown), 2)}.`
      : "No step back has a finite ratio here.";
    slots.steps.innerHTML = D.lineChart({ width: slots.steps.clientWidth || 360, height: font > 13 ? 470 : 360, font,
      title: "What each step back multiplies the gradient by", label: `What each step back multiplies the gradient by, log scale. ${stepFinding}`,
      xLabel: "time step t", yLabel: "‖∂L/∂h_{t−1}‖ ÷ ‖∂L/∂h_{t}‖", log: true, xDomain: [1, Math.max(T, 2)],
      series: [{ name: "ratio", x: steps, y: ratios, colour: "#0072B2", markers: T <= 60 }], refs: [{ y: 1, text: "1" }] }) +
      `<figcaption class="rv-finding">${D.rich(stepFinding, true)}</figcaption>`;
    state.root.numbers = { T, norms, ratio, orders, hidden: rec.hidden, gradHidden: rec.gradHidden };  // for the tests
  }

  return {
    layout, draw,
    disabled: (s) => ({ fbias: s.cell !== "lstm" }),
  };
})();

export default function (component) {
  return RnnvizView.mount(component, VANISHING);
}
