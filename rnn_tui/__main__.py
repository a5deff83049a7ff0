import sys

from rnn_tui.cli import main

if __name__ == "__main__":  # a spawned training process imports this module too
    sys.exit(main())
