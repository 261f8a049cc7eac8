"""The dashboard's component ids."""

# dashboard: filters
DASH_RANGE = "dashboard-range"
DASH_CATEGORY = "dashboard-category"
DASH_COUNTRY = "dashboard-country"
DASH_NOTE = "dashboard-note"
DASH_QUERY = "dashboard-query"  # the canonical query string, mirrored into the address bar
DASH_QUERY_SINK = "dashboard-query-sink"

# dashboard: panels; each has a body and an "as of" line
DASH_KPI = "dashboard-kpi"
DASH_REVENUE = "dashboard-revenue"
DASH_REVENUE_MEASURE = "dashboard-revenue-measure"
DASH_TURNOVER = "dashboard-turnover"
DASH_SHIPMENTS = "dashboard-shipments"
DASH_STUCK = "dashboard-stuck"
DASH_STUCK_DAYS = "dashboard-stuck-days"
