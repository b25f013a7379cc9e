"""Reading sections and the three tables out of ``DocumentBlocks`` (format-independent)."""
