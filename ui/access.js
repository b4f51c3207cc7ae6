// What the page needs for keyboard and screen-reader users that Streamlit's own elements lack,
// mended in the page as it is drawn. One observer per browser tab.
//  - A wide equation (KaTeX's display) scrolls sideways: it gets a tab stop and a name, so a
//    keyboard can scroll it (WCAG 2.1.1). One that overflows by a pixel or two of a glyph's
//    overhang is not a scroll box at all: it shows the overhang instead.
//  - A chart (plotly's, Vega-Lite's) is one figure named by its title and its finding (written
//    under it by ui/charts.py), not a run of tick labels: its drawing is hidden from screen
//    readers, its toolbar's buttons are not.
//  - A popover ("Make a guess") opened from the keyboard takes the focus to its first choice, so
//    Tab and the arrow keys act inside it and not on the controls behind it; when it closes the
//    focus goes back to the button that opened it. Once a guess is locked in, the popover closes
//    by itself: the learner's next move is on the controls it would cover (the lab's Train).
const WIDE = 3;  // px: below this an "overflow" is a glyph's overhang, not hidden content
let popover = null;  // the open popover's body, and the element focused before it opened

let locking = false;  // "Lock in my guess" was pressed: close the popover once the page shows the guess
document.addEventListener("click", (event) => {
  const button = event.target.closest('[data-testid="stPopoverBody"] button');
  if (button && button.innerText.trim() === "Lock in my guess") locking = true;
}, true);

function focusPopover() {
  const body = document.querySelector('[data-testid="stPopoverBody"]');
  if (body && locking && body.innerText.includes("You guessed")) {
    locking = false;
    body.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", code: "Escape", bubbles: true }));
  }
  if (body && (!popover || popover.body !== body)) {
    popover = { body, opener: popover ? popover.opener : document.activeElement };
    const first = body.querySelector("input:checked, input:not([disabled]), button:not([disabled]), textarea, select");
    if (first && !body.contains(document.activeElement)) first.focus();
  } else if (!body && popover) {
    const { opener } = popover;
    popover = null;
    if (opener && opener.isConnected && (!document.activeElement || document.activeElement === document.body)) opener.focus();
  }
}

// a plotly title's markup in words: h<sub>t</sub> as h_t
function plain(html) {
  const span = document.createElement("span");
  span.innerHTML = (html || "").replace(/<sub>(.*?)<\/sub>/g, "_$1").replace(/<sup>(.*?)<\/sup>/g, "^$1");
  return span.textContent.trim();
}

function nameCharts() {
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot, [data-testid="stVegaLiteChart"]')) {
    let name;
    if (chart.layout) {  // plotly keeps its figure's layout on its element
      const title = plain(chart.layout.title && chart.layout.title.text);
      const finding = chart.layout.meta && chart.layout.meta.finding;
      name = [title, finding].filter(Boolean).join(". ");
    } else {  // the lab's live loss chart: its title, and where each network's curve has got to
      const title = chart.querySelector('[aria-label^="Title text"]');
      const ends = [...chart.querySelectorAll('text[aria-label*="network: "]')].map((end) => {
        const m = end.getAttribute("aria-label").match(/training step: ([\d,]+); loss \(log scale\): ([^;]+); network: (.+)$/);
        return m && `${m[3]} at step ${m[1]}: loss ${Number(m[2]).toPrecision(3)}`;
      }).filter(Boolean);
      name = [title && title.getAttribute("aria-label").replace(/^Title text '(.*)'$/, "$1"), ends.join("; ")]
        .filter(Boolean).join(". ");
    }
    if (!name) continue;
    if (chart.getAttribute("aria-label") !== name) {
      chart.setAttribute("role", "figure");
      chart.setAttribute("aria-label", name);
    }
    for (const drawing of chart.querySelectorAll("svg.main-svg, canvas, svg.marks")) drawing.setAttribute("aria-hidden", "true");
  }
}

function mend() {
  focusPopover();
  nameCharts();
  for (const box of document.querySelectorAll(".katex-display")) {
    const wide = box.scrollWidth - box.clientWidth > WIDE;
    if (wide) {
      box.style.overflow = "";
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Equation (scrolls sideways)");
    } else {
      box.style.overflow = "visible";  // both axes: one axis visible beside a hidden one computes to auto
      for (const name of ["tabindex", "role", "aria-label"]) box.removeAttribute(name);
    }
  }
}

export default function () {
  if (window.__rnnvizAccess) return;
  window.__rnnvizAccess = true;
  let frame = null;
  const soon = () => { if (frame === null) frame = requestAnimationFrame(() => { frame = null; mend(); }); };
  new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", soon);
  soon();
}
