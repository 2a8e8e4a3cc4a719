import sys

from xltools.cli import main

sys.exit(main())
