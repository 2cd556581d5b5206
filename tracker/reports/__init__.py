"""Reports, the static site, charts, exports."""
