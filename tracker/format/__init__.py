"""The item file, pure: front matter, the YAML dialect, YAML formatting, merges."""
