"""The ``optout`` command line: each ``*_cmd`` module parses its options, calls the library in
``crawler/`` or ``results/`` and prints; shared options are decorators in ``options``."""
