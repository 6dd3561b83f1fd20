"""ldmstop.commands — one module per ``ldmstop`` subcommand.

Each module exposes ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int`` and imports
nothing heavy at module level (``ldmstop --help`` loads them all; docs/design.md, principle 6);
they are registered in :data:`ldmstop.cli.COMMANDS`. A command parses its flags, builds the
validated inputs (:class:`~ldmstop.Problem`, :class:`~ldmstop.sampler.Sampler`) and calls the
compute modules of ``api/``, ``sim/``, ``verify/`` and ``learned/``.
"""
