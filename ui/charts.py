"""Every chart goes on the page through here, so presenter mode can enlarge it. The caller's
figure or spec is never changed: the same object may be exported as HTML afterwards."""

import html

import plotly.graph_objects as go

from rnnviz import figures

from . import presenter

# Streamlit's chart theme sets the font sizes itself (a layout.font of 30 draws like 15),
# so for the back of the room the chart is drawn with plotly's own theme and bigger type.
PRESENTER_LAYOUT = dict(template="plotly_white", font_size=22, title_font_size=26,
                        xaxis_automargin=True, yaxis_automargin=True)
PRESENTER_VEGA = {"axis": {"labelFontSize": 22, "titleFontSize": 22},
                  "legend": {"labelFontSize": 22, "titleFontSize": 22}, "title": {"fontSize": 26},
                  "text": {"fontSize": 22}}


def plotly(container, figure, **kwargs):
    """container.plotly_chart(figure), in presenter mode with projector-sized type, and under it
    the figure's finding in words (figures.finding), which also names the chart for a screen
    reader (ui/access.js)."""
    said = figures.finding(figure)
    if presenter.active():
        figure = go.Figure(figure.to_dict(), _validate=False).update_layout(**PRESENTER_LAYOUT)
        figure.layout.height = round((figure.layout.height or 450) * 1.25)  # room for the bigger type
        for note in figure.layout.annotations:  # subplot titles and labels carry their own sizes
            note.font.size = max(round((note.font.size or 14) * PRESENTER_LAYOUT["font_size"] / 14),
                                 PRESENTER_LAYOUT["font_size"])
        for trace in figure.data:  # and so do the numbers written on a chart (a heatmap's letters)
            if getattr(trace, "textfont", None) is not None and trace.textfont.size:
                trace.textfont.size = max(trace.textfont.size, PRESENTER_LAYOUT["font_size"])
        if figure.layout.legend.orientation == "h":  # bigger type: keep it clear of the x-axis title
            figure.update_layout(legend_y=-0.45, margin_b=150)
        kwargs["theme"] = None
    chart = container.plotly_chart(figure, **kwargs)
    if said:
        container.html(f'<p class="rv-chart-finding">{html.escape(said)}</p>')
    return chart


def vega_lite(container, spec, data=None, **kwargs):
    """container.vega_lite_chart(data, spec), in presenter mode with projector-sized type."""
    if presenter.active():
        spec = {**spec, "config": {**spec.get("config", {}), **PRESENTER_VEGA}}
    return container.vega_lite_chart(data, spec, width="stretch", **kwargs)
