// The cliff page's live view: the start (w, b), also dragged on the map, the learning rate, the
// clipping threshold, the number of steps and the step scrubber in; the loss map with both
// descents on it, where each path is at the scrubbed step, and what became of each, out.
const CLIFF = (() => {
  const { el } = RnnvizView;
  const D = RnnvizDraw, C = RnnvizCliff;
  const LOG_LOSS = [-6, 0];  // one colour scale for every setting: log10 of the loss
  const GRID = 81;
  const THROWN = 1.0;  // a single step longer than this, on a map 18 by 12, is a jump off the wall
  const PATHS = [["#000000", 5], ["#D55E00", 3.5]];

  function layout(state) {
    const grid = el("div", { class: "rv-grid" }, state.root);
    const controls = el("div", { class: "rv-controls" }, grid);
    const main = el("div", {}, grid);
    state.slots = { map: el("figure", { class: "rv-figure rv-map" }, main), step: el("div", {}, main),
                    at: el("p", {}, main), account: el("p", {}, main), note: el("div", {}, main) };
    const slots = { step: state.slots.step };
    for (const name of ["w0", "b0", "lr", "c", "iters", "map"]) slots[name] = controls;
    state.slots.map.addEventListener("pointerdown", (event) => startDrag(state, event));
    return slots;
  }

  // Drag the start point across the map: both paths follow the pointer.
  function startDrag(state, event) {
    const frame = state.frame_box;
    if (!frame) return;
    const svg = state.slots.map.querySelector("svg");
    const box = svg.getBoundingClientRect();
    const move = (e) => {
      const u = (e.clientX - box.left - frame.left) / frame.width, v = (e.clientY - box.top - frame.top) / frame.height;
      if (u < 0 || u > 1 || v < 0 || v > 1) return;
      const round = (x) => Math.round(x * 10) / 10;
      state.dragging = true;
      state.move("w0", round(frame.w[0] + u * (frame.w[1] - frame.w[0])));
      state.move("b0", round(frame.b[1] - v * (frame.b[1] - frame.b[0])));
    };
    const end = () => {
      state.slots.map.removeEventListener("pointermove", move);
      state.dragging = false;
      state.redraw();
      state.commitSoon();
    };
    move(event);
    state.slots.map.setPointerCapture(event.pointerId);
    state.slots.map.addEventListener("pointermove", move);
    state.slots.map.addEventListener("pointerup", end, { once: true });
    state.slots.map.addEventListener("pointercancel", end, { once: true });
  }

  function surface(state, box) {
    const key = box.flat().join(",");
    if (state.cache.surface && state.cache.surface.key === key) return state.cache.surface;
    const ws = Array.from({ length: GRID }, (_, k) => box[0][0] + (k / (GRID - 1)) * (box[0][1] - box[0][0]));
    const bs = Array.from({ length: GRID }, (_, k) => box[1][0] + (k / (GRID - 1)) * (box[1][1] - box[1][0]));
    const loss = new Float64Array(GRID * GRID);
    bs.forEach((b, i) => ws.forEach((w, j) => { loss[i * GRID + j] = C.lossAndGrad(w, b)[0]; }));
    state.cache.surface = { key, ws, bs, loss, valley: C.valleyFloor(ws, bs) };
    return state.cache.surface;
  }

  function map(state, paths, step) {
    const s = state.settings, font = state.font;
    const whole = s.map === "whole";
    if (!state.dragging || !state.box) state.box = whole ? [C.W_RANGE, C.B_RANGE] : C.viewBox(paths).map((side) => side.map((v) => Math.round(v * 10) / 10));
    const box = state.box, grid = surface(state, box);
    const width = Math.max(state.slots.map.clientWidth || 700, 300), height = font > 13 ? 640 : 520;
    const left = font * 4, right = font * 6.5, top = font, bottom = font * 3.4;
    const plotW = width - left - right, plotH = height - top - bottom;
    const X = (w) => left + ((w - box[0][0]) / (box[0][1] - box[0][0])) * plotW;
    const Y = (b) => top + plotH - ((b - box[1][0]) / (box[1][1] - box[1][0])) * plotH;
    state.frame_box = { left, top, width: plotW, height: plotH, w: box[0], b: box[1] };
    // the loss as an image: one pixel per grid point, scaled up smoothly by the browser
    const canvas = document.createElement("canvas");
    canvas.width = GRID; canvas.height = GRID;
    const context = canvas.getContext("2d"), image = context.createImageData(GRID, GRID);
    for (let i = 0; i < GRID; i++) for (let j = 0; j < GRID; j++) {
      const u = (Math.log10(Math.max(grid.loss[i * GRID + j], 1e-12)) - LOG_LOSS[0]) / (LOG_LOSS[1] - LOG_LOSS[0]);
      const [r, g, b] = D.viridis(u).slice(4, -1).split(",").map(Number), at = ((GRID - 1 - i) * GRID + j) * 4;
      image.data[at] = r; image.data[at + 1] = g; image.data[at + 2] = b; image.data[at + 3] = 255;
    }
    context.putImageData(image, 0, 0);
    const out = [D.heading(`The loss over (w, b): a cliff${whole ? "" : " (around the paths)"}`), `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${D.esc(state.mapLabel)}" style="touch-action:none;cursor:crosshair">`];
    out.push(`<image href="${canvas.toDataURL()}" x="${left}" y="${top}" width="${plotW}" height="${plotH}" preserveAspectRatio="none"/>`);
    const valley = [];
    grid.ws.forEach((w, k) => { const b = grid.valley[k]; if (Number.isFinite(b)) valley.push(`${X(w).toFixed(1)},${Y(b).toFixed(1)}`); });
    if (valley.length > 1) out.push(`<polyline points="${valley.join(" ")}" fill="none" stroke="#56B4E9" stroke-width="3" stroke-dasharray="8 5"/>`);
    out.push(`<clipPath id="${state.id}-plot"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath><g clip-path="url(#${state.id}-plot)">`);
    paths.forEach((path, k) => {
      const [colour, r] = PATHS[k];
      const points = path.w.map((w, i) => [X(w), Y(path.b[i])]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      out.push(`<polyline points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")}" fill="none" stroke="${colour}" stroke-width="3"/>`);
      for (const [x, y] of points) out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${colour}" stroke="#fff" stroke-width="1.2"/>`);
      if (step < path.w.length) out.push(`<circle cx="${X(path.w[step])}" cy="${Y(path.b[step])}" r="${13 - 3 * k}" fill="none" stroke="${colour}" stroke-width="4" data-ring="${k}"/>`);
    });
    out.push(`</g><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#8a8c96"/><g class="rv-axis">`);
    for (const v of D.niceTicks(box[0][0], box[0][1], 6)) if (v >= box[0][0] && v <= box[0][1]) out.push(`<text x="${X(v)}" y="${top + plotH + font * 1.3}" text-anchor="middle">${D.python_g(v, 4)}</text>`);
    for (const v of D.niceTicks(box[1][0], box[1][1], 6)) if (v >= box[1][0] && v <= box[1][1]) out.push(`<text x="${left - font * 0.4}" y="${Y(v) + font * 0.35}" text-anchor="end">${D.python_g(v, 4)}</text>`);
    out.push(`<text x="${left + plotW / 2}" y="${top + plotH + font * 2.7}" text-anchor="middle">w</text><text x="${font}" y="${top + plotH / 2}">b</text></g>`);
    const ticks = [];
    for (let k = LOG_LOSS[0]; k <= LOG_LOSS[1]; k += 2) ticks.push([k, D.powerOfTen(k)]);
    out.push(D.colourBar(width - right + font * 1.5, top + font, plotH - font, LOG_LOSS[0], LOG_LOSS[1], D.viridis, ticks, "loss", font));
    out.push(`</svg>`);
    return out.join("");
  }

  // ui/cliff_view's words for one path at the scrubbed step, and for what became of it
  function atStep(label, path, step, lr, clip) {
    const [loss, gw, gb] = C.lossAndGrad(path.w[step], path.b[step]);
    const norm = Math.sqrt(gw * gw + gb * gb), moved = lr * (clip !== null ? Math.min(norm, clip) : norm);
    return `<strong>${label[0].toUpperCase() + label.slice(1)}</strong>, step ${step}: (w, b) = (${path.w[step].toFixed(2)}, ${path.b[step].toFixed(2)}), loss ${D.python_g(loss, 2)}, ‖gradient‖ ${D.python_g(norm, 3)}, so the next step is ${D.python_g(moved, 3)} long.`;
  }

  function account(label, path) {
    const losses = path.w.map((w, k) => C.lossAndGrad(w, path.b[k])[0]);
    const lengths = path.w.slice(1).map((w, k) => Math.sqrt((w - path.w[k]) ** 2 + (path.b[k + 1] - path.b[k]) ** 2));
    const settled = C.settledFrom(losses);
    let jump = -1;  // the longest step (np.nanargmax)
    lengths.forEach((v, k) => { if (!Number.isNaN(v) && (jump < 0 || v > lengths[jump])) jump = k; });
    let said = `<strong>${label[0].toUpperCase() + label.slice(1)}</strong>`;
    if (jump >= 0 && !(lengths[jump] <= THROWN)) {
      said += ` is thrown off the wall at step ${jump}: a gradient of ${D.python_g(path.norms[jump], 3)} times the learning rate moves it ${D.python_g(lengths[jump], 3)}, to (w, b) = (${D.python_g(path.w[jump + 1], 3)}, ${D.python_g(path.b[jump + 1], 3)}), where the loss is ${D.python_g(losses[jump + 1], 2)}`;
      said += settled !== null ? ", and from there it settles after all." : `; it ends at loss ${D.python_g(losses[losses.length - 1], 2)} (it started at ${D.python_g(losses[0], 2)}).`;
    } else if (settled !== null) {
      said += ` settles at the bottom of the valley: its loss stays under ${C.SETTLED_LOSS} from step ${settled} on (${D.python_g(losses[losses.length - 1], 2)} at the end).`;
    } else {
      const lowest = losses.indexOf(Math.min(...losses));
      said += ` has not settled: its loss is ${D.python_g(losses[losses.length - 1], 2)} at the end, ${D.python_g(losses[lowest], 2)} at its lowest (step ${lowest}).`;
      if (losses[lowest] < C.SETTLED_LOSS) said += " Next to the cliff the valley is narrower than one of its steps, so it hops across instead of settling; a smaller learning rate or threshold takes smaller hops.";
    }
    return { said, settled };
  }

  function draw(state) {
    const s = state.settings, step = Math.min(s.step, s.iters);
    const plain = C.descend(s.w0, s.b0, s.lr, s.iters), clipped = C.descend(s.w0, s.b0, s.lr, s.iters, s.c);
    const labels = ["gradient descent", `clipped to norm ${D.python_g(s.c, 6)}`];
    const accounts = [account(labels[0], plain), account(labels[1], clipped)];
    const settles = accounts.map((a) => a.settled !== null);
    const finding = settles[1] && !settles[0] ? "The clipped path settles in the valley; plain gradient descent does not."
      : settles[0] && settles[1] ? "Both paths settle in the valley." : settles[0] ? "Plain gradient descent settles; the clipped path does not (yet)."
      : "Neither path has settled in the valley.";
    state.mapLabel = `The loss over (w, b), log scale, with the plain and the clipped descent from (${s.w0}, ${s.b0}). ${finding}`;
    state.slots.map.innerHTML = map(state, [plain, clipped], step) + `<figcaption class="rv-finding">${D.esc(finding)} Drag on the map to move the start.</figcaption>`;
    state.slots.at.innerHTML = atStep(labels[0], plain, step, s.lr, null) + "<br>" + atStep(labels[1], clipped, step, s.lr, s.c);
    const biggest = plain.norms.indexOf(Math.max(...plain.norms));
    state.slots.account.innerHTML = `Largest gradient on the unclipped path: <strong>${D.python_g(plain.norms[biggest], 3)}</strong> at step ${biggest}. Clipped, no step is longer than lr × c = <strong>${D.python_g(s.lr * s.c, 3)}</strong>.<br>` +
      accounts.map((a) => a.said).join("<br>");
    const end = [plain.w[plain.w.length - 1], plain.b[plain.b.length - 1]];
    const off = !(C.W_RANGE[0] <= end[0] && end[0] <= C.W_RANGE[1] && C.B_RANGE[0] <= end[1] && end[1] <= C.B_RANGE[1]);
    RnnvizView.note(state.slots.note, "warning", off ? `The unclipped descent was thrown off the whole map, to (w, b) = (${D.python_g(end[0], 3)}, ${D.python_g(end[1], 3)}).` : null);
    state.root.numbers = { plain, clipped, settles };  // for the tests
  }

  return { layout, draw, limits: (s) => ({ step: s.iters }) };
})();

export default function (component) {
  return RnnvizView.mount(component, CLIFF);
}
