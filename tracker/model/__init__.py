"""Plain data: importing nothing of tracker but itself."""
