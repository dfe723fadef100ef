"""The web console (server-rendered Jinja2 + HTMX + ECharts) and the JSON API."""
