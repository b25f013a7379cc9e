"""xxgk flows package."""
