// The cliff page's second view: a real gradient clipped by norm and by value at the threshold c
// the map above uses (analysis.clipping_effect), redrawn as c moves.
const CLIPPING = (() => {
  const { el, decode } = RnnvizView;
  const D = RnnvizDraw;

  function layout(state) {
    state.slots = { metrics: el("div", { class: "rv-metrics" }, state.root), caption: el("p", { class: "rv-hint" }, state.root) };
    return {};
  }

  // analysis.clipping_effect: norms after clipping each way, and the angle each turns g by
  function effect(g, threshold) {
    const length = (v) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
    const norm = length(g);
    const byNorm = norm > 0 ? g.map((x) => x * Math.min(1.0, threshold / norm)) : g;
    const byValue = g.map((x) => Math.min(Math.max(x, -threshold), threshold));
    const angle = (v) => {
      const size = length(v) * norm;
      const cosine = size > 0 ? v.reduce((sum, x, k) => sum + x * g[k], 0) / size : 1.0;
      return (Math.acos(Math.min(Math.max(cosine, -1), 1)) * 180) / Math.PI;
    };
    return { norm, byNorm: length(byNorm), normAngle: angle(byNorm), byValue: length(byValue), valueAngle: angle(byValue) };
  }

  function draw(state) {
    if (!state.gradient || state.gradientFor !== state.data.gradient) {
      state.gradient = Array.from(decode(state.data.gradient));
      state.gradientFor = state.data.gradient;
    }
    const c = state.settings.c, e = effect(state.gradient, c);
    const metric = (label, value, help) => `<div class="rv-metric" title="${D.esc(help || "")}"><div class="rv-metric-label">${label}</div><div class="rv-metric-value">${value}</div></div>`;
    state.slots.metrics.innerHTML = metric("‖g‖ before clipping", D.python_g(e.norm, 3)) +
      metric("‖g‖ clipped by norm", D.python_g(e.byNorm, 3), "g × min(1, c / ‖g‖)") +
      metric("‖g‖ clipped by value", D.python_g(e.byValue, 3), "every component clamped to [−c, c]") +
      metric("Angle turned by value clipping", `${e.valueAngle.toFixed(1)}°`, `Norm clipping turns it by ${e.normAngle.toFixed(1)}°.`);
    state.slots.caption.textContent = `The gradient of all ${state.gradient.length} weights of a tanh RNN (hidden size 16) on one batch of the adding problem (T = 50, spectral radius 1.5), at the threshold c = ${D.python_g(c, 6)} set above. Norm clipping turns it by ${e.normAngle.toFixed(1)}°; clipping by value, by ${e.valueAngle.toFixed(1)}°.`;
    state.root.numbers = e;  // for the tests
  }

  return { layout, draw };
})();

export default function (component) {
  return RnnvizView.mount(component, CLIPPING);
}
