"""tracker: a git-native plain-text tracker. See docs/index.md."""

__version__ = "0.1.0"
