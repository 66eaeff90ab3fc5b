import sys

from fundmodel.cli import main

sys.exit(main())
