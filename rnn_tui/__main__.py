import sys

from rnn_tui.cli import main

sys.exit(main())
