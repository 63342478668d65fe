"""`python -m mnistnn COMMAND`: see mnistnn/cli.py."""

from .cli import main

if __name__ == "__main__":
    main()
