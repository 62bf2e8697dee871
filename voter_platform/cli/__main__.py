import sys

from voter_platform.cli import main

sys.exit(main())
