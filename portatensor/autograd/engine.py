"""The tape: grad mode, per-tensor metadata, graph nodes and backward().

A tensor that takes part in autograd carries a ``Meta`` in ``Tensor._ag``:
leaves (``requires_grad=True``) accumulate ``.grad``; results of recorded ops
point at the ``Node`` that made them. ``backward()`` is a topological sort of
the nodes reachable from the outputs and one pass over them in reverse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..tensor import Tensor


class _GradMode:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


GRAD = _GradMode()


def is_grad_enabled() -> bool:
    """Whether new operations are recorded for backward."""
    return GRAD.enabled


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) that sets grad mode; ``no_grad``/``enable_grad`` are its two cases."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        self.prev = GRAD.enabled
        GRAD.enabled = self.mode  # NOTE: like PyTorch, the plain call also sets the mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        GRAD.enabled = self.prev

    def __call__(self, fn: Any) -> Any:
        import functools

        mode = self.mode
        GRAD.enabled = self.prev

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = GRAD.enabled
            GRAD.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                GRAD.enabled = prev

        return wrapper


class no_grad(set_grad_enabled):  # noqa: N801 - PyTorch's name
    """``with pt.no_grad():`` runs ops without recording them (inference, optimizer steps)."""

    def __init__(self) -> None:
        self.prev = GRAD.enabled
        self.mode = False

    def __enter__(self) -> None:
        self.prev = GRAD.enabled
        GRAD.enabled = False


class enable_grad(set_grad_enabled):  # noqa: N801 - PyTorch's name
    """``with pt.enable_grad():`` records ops even inside ``no_grad``."""

    def __init__(self) -> None:
        self.prev = GRAD.enabled
        self.mode = True

    def __enter__(self) -> None:
        self.prev = GRAD.enabled
        GRAD.enabled = True


class Meta:
    """Autograd state of one tensor: a leaf's grad, or the node that produced it."""

    __slots__ = ("requires_grad", "grad", "grad_fn", "retains_grad", "hooks", "view_base")

    def __init__(self, requires_grad: bool = True, grad_fn: Node | None = None) -> None:
        self.requires_grad = requires_grad
        self.grad = None
        self.grad_fn = grad_fn
        self.retains_grad = False
        self.hooks: list[Any] | None = None  # Tensor.register_hook: called with the summed gradient
        # The tensor this one is a view of (recorded view ops), so an in-place write through the view
        # can rewrite the base's history (function.assign_inplace).
        self.view_base: Tensor | None = None


def _hooked(meta: Meta, g: Tensor) -> Tensor:
    for h in list(meta.hooks or ()):
        r = h(g)
        if r is not None:
            g = r
    return g


class Node:
    """One recorded op: its inputs' metas and a backward rule; subclasses define ``backward``.

    ``inputs[i]`` is the Meta of the op's i-th differentiable input, or None
    when that input needs no gradient; ``backward(g)`` returns one gradient
    (or None) per input.
    """

    __slots__ = ("inputs", "shapes", "_saved", "_versions", "_freed", "needs_input_grad", "__weakref__", "__dict__")
    name = "Node"

    def __init__(self) -> None:
        self.inputs: tuple[Meta | None, ...] = ()
        self._saved: tuple[Any, ...] = ()
        self._versions: tuple[int, ...] = ()
        self._freed = False

    def save_for_backward(self, *tensors: Any) -> None:
        self._saved = tensors
        self._versions = tuple(t._storage.version if isinstance(t, Tensor) else 0 for t in tensors)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._freed:
            raise RuntimeError(f"{self.name}: trying to backward through the graph a second time; its saved "
                               "tensors were freed. Pass retain_graph=True to the first backward().")
        for i, (t, v) in enumerate(zip(self._saved, self._versions, strict=False)):
            if isinstance(t, Tensor) and t._storage.version != v:
                raise RuntimeError(
                    f"one of the tensors needed for gradient computation has been modified by an in-place "
                    f"operation: saved tensor {i} of {self.name} (shape {t.shape}, {t.dtype.name}) is at version "
                    f"{t._storage.version}; expected version {v}. Use out-of-place ops or clone() it first.")
        return self._saved

    def release(self) -> None:
        self._saved = ()
        self._freed = True

    def backward(self, grad: Tensor) -> Sequence[Tensor | None]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name}>"


def needs_grad(t: Any) -> bool:
    return t.__class__ is Tensor and t._ag is not None and t._ag.requires_grad


def attach(out: Tensor, node: Node, inputs: Sequence[Any]) -> Tensor:
    """Record ``node`` as the producer of ``out`` from ``inputs`` (tensors or non-tensors)."""
    node.inputs = tuple(i._ag if needs_grad(i) else None for i in inputs)
    node.needs_input_grad = tuple(m is not None for m in node.inputs)
    node.shapes = tuple((i.shape, i.dtype) if i.__class__ is Tensor else None for i in inputs)
    out._ag = Meta(True, node)
    return out


def _topo(roots: Iterable[Node]) -> list[Node]:
    """Nodes reachable from roots, each after every node that consumes its output."""
    order: list[Node] = []
    seen: set[int] = set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack: list[tuple[Node, int]] = [(root, 0)]
        while stack:
            node, i = stack.pop()
            ins = node.inputs
            while i < len(ins):
                m = ins[i]
                i += 1
                child = m.grad_fn if m is not None else None
                if child is not None and id(child) not in seen:
                    seen.add(id(child))
                    stack.append((node, i))
                    stack.append((child, 0))
                    break
            else:
                order.append(node)
    order.reverse()
    return order


def _fit(g: Tensor, like: Any) -> Tensor:
    """g reduced to the shape and dtype of the tensor it is the gradient of."""
    from .function import sum_to_shape

    if g.shape != like[0]:
        g = sum_to_shape(g, like[0])
    if g.dtype is not like[1]:
        from ..ops.elementwise import astype

        g = astype(g, like[1])
    return g


def run_backward(outputs: Sequence[Tensor], grads: Sequence[Tensor | None], retain_graph: bool = False,
                 create_graph: bool = False, inputs: Sequence[Tensor] | None = None) -> list[Tensor | None] | None:
    """Backpropagate grads from outputs; accumulate into leaves' .grad, or return grads of ``inputs``."""
    from ..ops.creation import ones

    capture: dict[int, Any] | None = None
    if inputs is not None:
        capture = {}
        for t in inputs:
            if not needs_grad(t):
                raise RuntimeError(f"an input of shape {t.shape} does not require grad")
            capture[id(t._ag)] = None
    pending: dict[int, Tensor] = {}
    nodes: dict[int, Node] = {}
    hooked: dict[int, Meta] = {}  # node id -> the meta of its output, when that has hooks
    leaves: dict[int, tuple[Meta, Tensor]] = {}  # hooked leaves: their summed gradient, delivered at the end
    prev = GRAD.enabled
    GRAD.enabled = create_graph
    try:
        def deliver(meta: Meta, g: Tensor) -> None:
            if capture is not None and id(meta) in capture:
                c = capture[id(meta)]
                capture[id(meta)] = g if c is None else c + g
            node = meta.grad_fn
            if node is not None:
                k = id(node)
                if k in pending:
                    pending[k] = pending[k] + g
                else:
                    pending[k] = g
                    nodes[k] = node
                if meta.hooks:
                    hooked[k] = meta
                if meta.retains_grad and capture is None:
                    meta.grad = g if meta.grad is None else meta.grad + g
            elif capture is None and meta.hooks:
                prior = leaves.get(id(meta))
                leaves[id(meta)] = (meta, g if prior is None else prior[1] + g)
            elif capture is None:
                if not (g.is_contiguous() and g.offset == 0):
                    from ..ops.elementwise import contiguous

                    g = contiguous(g) if not g.is_contiguous() else g + 0
                meta.grad = g if meta.grad is None else meta.grad + g

        for out, g in zip(outputs, grads, strict=False):
            if not needs_grad(out):
                raise RuntimeError("element of the outputs does not require grad and has no grad_fn; did you "
                                   "forget requires_grad=True or run the forward under no_grad()?")
            if g is None:
                if out.size != 1:
                    raise RuntimeError(f"grad can be implicitly created only for scalar outputs; this output "
                                       f"has shape {out.shape}: pass gradient=")
                g = ones(out.shape, dtype=out.dtype, device=out.device)
            elif g.shape != out.shape:
                raise RuntimeError(f"gradient of shape {g.shape} does not match output of shape {out.shape}")
            deliver(out._ag, g)
        order = _topo([m.grad_fn for m in (o._ag for o in outputs) if m.grad_fn is not None])
        for node in order:
            g = pending.pop(id(node), None)
            if g is None:
                continue
            if id(node) in hooked:
                g = _hooked(hooked[id(node)], g)
            if node._freed:
                raise RuntimeError(f"{node.name}: trying to backward through the graph a second time; its saved "
                                   "tensors were freed. Pass retain_graph=True to the first backward().")
            in_grads = node.backward(g)
            if not retain_graph:
                node.release()
            for meta, ig, like in zip(node.inputs, in_grads, node.shapes, strict=False):
                if meta is not None and ig is not None:
                    deliver(meta, _fit(ig, like))
        for meta, g in leaves.values():
            g = _hooked(meta, g)
            hooks, meta.hooks = meta.hooks, None  # this time deliver straight to .grad
            try:
                deliver(meta, g)
            finally:
                meta.hooks = hooks
    finally:
        GRAD.enabled = prev
    if capture is not None:
        return [capture[id(t._ag)] for t in inputs]  # type: ignore[union-attr]
    return None


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad``."""
    outs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        gs = [grad_tensors] * len(outs) if grad_tensors is None else [grad_tensors]
    else:
        gs = list(grad_tensors)
    run_backward(outs, gs, create_graph if retain_graph is None else retain_graph, create_graph)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Gradients of outputs with respect to inputs, returned (``.grad`` is left untouched)."""
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        gs: list[Any] = [None] * len(outs)
    else:
        gs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    res = run_backward(outs, gs, create_graph if retain_graph is None else retain_graph, create_graph, ins)
    assert res is not None
    for t, r in zip(ins, res, strict=False):
        if r is None and not allow_unused:
            raise RuntimeError(f"one of the inputs (shape {t.shape}) was not used in the graph; pass "
                               "allow_unused=True to get None for it")
    return tuple(res)
