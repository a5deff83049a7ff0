"""The Textual playground. It drives the engine and never trains in its own process."""
