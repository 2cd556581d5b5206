"""The tracker on disk: workspace, snapshot, caches, files."""
