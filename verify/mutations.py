"""Code-side negative controls: a deliberately wrong numeric backend the comparison must reject.

A statement-side control (a perturbed transcription) shows that the *mathematics* check can
fail; it cannot show that the comparison with the *code* can. Each claim that compares the
paper with code of ldmstop (the generated backends of :mod:`ldmstop.derivations.backends`,
``ldmstop.curve``, ``ldmstop.sim``, ``ldmstop.frechet``, ``ldmstop.problem``) therefore carries a
:class:`CodeMutation`: while it is applied, the named function is replaced by a wrapped, wrong
version (a shifted threshold, the extended inverse clipped at the wrong end, a forgotten cap,
an entrywise square root, …), and the claim's code comparison is run again; it must fail.

Targets:

- ``"mpmath:NAME"`` / ``"numpy:NAME"``: ``backends.mpmath_function(NAME)`` /
  ``backends.numpy_function(NAME)`` return the wrapped function (other names unchanged);
- ``"attr:MODULE:NAME"``: the module attribute is replaced.

Only targets looked up at call time are mutated: the generated functions that cached builders
(``backends.schedule_functions``, ``ldmstop.sim.schedule_tables.schedule_table``) capture are refused,
so no cache can keep a wrong function after the control.
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

__all__ = ["CodeMutation", "NotApplicable"]


#: generated functions that cached builders (``backends.schedule_functions``,
#: ``ldmstop.sim.schedule_tables.schedule_table``) capture: never mutated, so no cache can keep a
#: wrong one after the control
_CAPTURED_SUFFIXES = ("_a2", "_b", "_w2", "_inverse_a2", "_drift", "_diffusion2",
                      "_ei_antiderivative", "_one_minus_b2", "_marginal_variance",
                      "_sde_coefficient", "_ode_coefficient")


@dataclass(frozen=True)
class CodeMutation:
    """A wrong version of one code function: ``wrap(original) -> wrong``."""

    target: str
    description: str
    wrap: Callable[[Callable], Callable]

    @contextmanager
    def applied(self) -> Iterator[None]:
        kind, _, rest = self.target.partition(":")
        if kind in ("mpmath", "numpy") and rest.endswith(_CAPTURED_SUFFIXES):
            raise ValueError(f"{self.target!r} is captured by a cached builder; mutate a "
                             f"function looked up at call time")
        if kind in ("mpmath", "numpy"):
            from ldmstop.derivations import backends

            attr = f"{kind}_function"
            original = getattr(backends, attr)
            wrong = self.wrap(original(rest))

            def patched(name: str, _orig=original, _wrong=wrong, _name=rest):
                return _wrong if name == _name else _orig(name)

            setattr(backends, attr, patched)
            try:
                yield
            finally:
                setattr(backends, attr, original)
        elif kind == "attr":
            mod_name, _, name = rest.partition(":")
            mod = importlib.import_module(mod_name)
            original = getattr(mod, name)
            setattr(mod, name, self.wrap(original))
            try:
                yield
            finally:
                setattr(mod, name, original)
        else:  # pragma: no cover - programming error
            raise ValueError(f"unknown mutation target {self.target!r}")


@dataclass(frozen=True)
class NotApplicable:
    """A claim no code of ldmstop computes: the code-side control is reported as n/a, with why."""

    reason: str
