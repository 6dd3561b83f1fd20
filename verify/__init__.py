"""ldmstop.verify — every claim of the paper checked with mpmath at high precision.

Kept light on import: ``ldmstop --help`` imports :mod:`ldmstop.verify.command`.
"""
