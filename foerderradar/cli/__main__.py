"""``python -m foerderradar.cli``: the tests and the fault matrix start the command this way."""

from foerderradar.cli import main

main()
