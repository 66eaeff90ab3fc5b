"""fundmodel dashboard: `streamlit run app.py` from the checkout; the pages live in fundmodel_dashboard/."""

from fundmodel_dashboard.main import main

main()
