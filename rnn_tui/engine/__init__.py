"""The engine: texts, data, the four cells, training, sampling, inspection and checkpoints.

Headless and free of Textual. Modules that need no torch (config, texts, events, history,
coach, errors) import none, so the app can use them before torch has loaded.
"""
