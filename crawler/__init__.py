"""xxgk crawler package."""
