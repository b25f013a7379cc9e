"""Extractors: bytes of one format → ``DocumentBlocks`` (paragraphs and table grids)."""
