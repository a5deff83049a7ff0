"""The run layer: what a run is (`RunSpec`), how it is built, and the training process that
owns it, with the typed protocol between that process and whoever drives it."""
