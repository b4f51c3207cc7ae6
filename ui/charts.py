"""Every plotly chart goes on the page through here, so presenter mode can enlarge it."""

import streamlit as st

from . import presenter

# Streamlit's chart theme sets the font sizes itself (a layout.font of 30 draws like 15),
# so for the back of the room the chart is drawn with plotly's own theme and bigger type.
PRESENTER_LAYOUT = dict(template="plotly_white", font_size=20, title_font_size=24,
                        xaxis_automargin=True, yaxis_automargin=True)


def plotly(container, figure, **kwargs):
    """container.plotly_chart(figure), in presenter mode with projector-sized type."""
    if presenter.active():
        figure.update_layout(**PRESENTER_LAYOUT)
        kwargs["theme"] = None
    return container.plotly_chart(figure, **kwargs)
