"""Portfolio: a bundled or uploaded project portfolio, validated, filtered and charted."""

import streamlit as st

from dashboard.widgets import t

st.header(t("page_portfolio"))
