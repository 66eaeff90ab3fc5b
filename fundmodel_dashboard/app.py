"""Entry script of the installed dashboard (``fundmodel-dashboard`` runs it with Streamlit)."""

from fundmodel_dashboard.main import main

main()
