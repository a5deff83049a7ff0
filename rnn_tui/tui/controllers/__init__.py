"""The app's behaviour, one controller per concern: the app routes keys and messages to them."""
