"""Pages, one module per area: scorecards (KPI wall, scorecards, registry), success, goals, qa,
recognition."""
