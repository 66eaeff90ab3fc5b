"""fundmodel dashboard: navigation only; the pages live in dashboard/."""

from dashboard.main import main

main()
