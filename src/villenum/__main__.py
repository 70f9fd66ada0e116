"""`python -m villenum ...`"""

import sys

from villenum.cli import main

sys.exit(main())
