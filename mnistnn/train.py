"""`python -m mnistnn.train NAME`: train a named configuration and save the model.

The command itself is `mnistnn.training.main`; see `python -m mnistnn.train --help`.
This file only makes it runnable under this name. Import `mnistnn.training`, not
this module: importing `mnistnn.train` would hide the function `mnistnn.train`.
"""

from .training import main

if __name__ == "__main__":
    main()
