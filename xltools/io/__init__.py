"""Adapters at the edges: readers produce grids, writers apply edits."""
