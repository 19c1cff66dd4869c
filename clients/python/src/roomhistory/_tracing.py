"""Trace context for every call: with ``opentelemetry-api`` installed (``pip install roomhistory[otel]``),
the active span's context is injected into the call's metadata (``traceparent``, ``tracestate``) by the
globally configured propagator (W3C trace context unless OTEL_PROPAGATORS says otherwise), so the server's
span is its child. Without the package, calls carry no trace headers."""

from __future__ import annotations

from collections.abc import Callable

Metadata = tuple[tuple[str, str], ...]


def _injector() -> Callable[[], Metadata]:
    try:
        from opentelemetry import propagate
    except ImportError:
        return lambda: ()

    def inject() -> Metadata:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        return tuple(carrier.items())

    return inject


#: The metadata of a call started now: the active trace context, or nothing.
call_metadata: Callable[[], Metadata] = _injector()
