"""What a network learned, read from its activations on a passage (rnn_tui.engine.inspection):
units that track named features or a user's hypothesis, gate saturation, activation factors,
where the loss goes, and writing with the model."""
