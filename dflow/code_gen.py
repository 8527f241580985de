"""``gen_code``: the Python source that rebuilds a workflow, written from its Argo manifest.

The manifest is read by the same reader as ``Workflow.from_dict`` (``dflow.parse``); here its
calls are recorded as statements instead of being made, so running the source builds the very
objects ``from_dict`` would, and they render the same manifest.
"""

from __future__ import annotations

import builtins
import copy
import json
import keyword
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple, Union

from .errors import InvalidWorkflowError

__all__ = ["gen_code", "CodeGenerator", "evalable_repr"]

WIDTH = 99  # the longest line written when an expression can be broken


class _Node:
    """An expression of the generated source, printed flat or broken over lines."""

    def flat(self) -> str:
        raise NotImplementedError

    def text(self, indent: int = 0, column: Optional[int] = None) -> str:
        """The source, broken over lines (at ``indent``) when it does not fit on the line where
        it starts (at ``column``, by default ``indent``)."""
        return self.flat()


class _Atom(_Node):
    def __init__(self, src: str) -> None:
        self.src = src

    def flat(self) -> str:
        return self.src


class _Seq(_Node):
    """A call, list or dict: an opening, items and a closing."""

    def __init__(self, opening: str, items: List[str | _Node], closing: str) -> None:
        self.opening, self.items, self.closing = opening, items, closing
        self._flat: Optional[str] = None

    def _item(self, item: str | _Node, indent: int) -> str:
        # the item is followed by a comma: it must fit one column short of the line's end
        return item if isinstance(item, str) else item.text(indent, indent + 1)

    def flat(self) -> str:
        if self._flat is None:
            inner = ", ".join(i if isinstance(i, str) else i.flat() for i in self.items)
            self._flat = f"{self.opening}{inner}{self.closing}"
        return self._flat

    def text(self, indent: int = 0, column: Optional[int] = None) -> str:
        flat = self.flat()
        if (indent if column is None else column) + len(flat) <= WIDTH or not self.items:
            return flat
        pad = " " * (indent + 4)
        lines = [f"{pad}{self._item(i, indent + 4)}," for i in self.items]
        return "\n".join([self.opening, *lines, " " * indent + self.closing])


class _Pair(_Node):
    """``key: value`` in a dict or ``name=value`` in a call."""

    def __init__(self, head: str, value: _Node) -> None:
        self.head, self.value = head, value

    def flat(self) -> str:
        return self.head + self.value.flat()

    def text(self, indent: int = 0, column: Optional[int] = None) -> str:
        start = indent if column is None else column
        return self.head + self.value.text(indent, start + len(self.head))


class _Text(_Node):
    """A string; one of several lines is written as one literal per line when broken."""

    def __init__(self, value: str) -> None:
        self.value = value

    def flat(self) -> str:
        return repr(self.value)

    def text(self, indent: int = 0, column: Optional[int] = None) -> str:
        flat = self.flat()
        lines = self.value.splitlines(keepends=True)
        if (indent if column is None else column) + len(flat) <= WIDTH or len(lines) < 2:
            return flat
        pad = " " * (indent + 4)
        return "\n".join(["(", *(pad + repr(line) for line in lines), " " * indent + ")"])


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text.strip().lower()) or "x"
    return "_" + name if name[0].isdigit() else name


def var_name(name: str) -> str:
    """A Python identifier for a template or step ``name`` (``hello-world`` -> ``hello_world``)."""
    ident = _identifier(name)
    return ident + "_" if keyword.iskeyword(ident) or hasattr(builtins, ident) else ident


class _Recorder:
    """The maker that writes each call as source (see ``dflow.parse.Maker``).

    ``templates`` maps template names to their variables: given ones are used, new ones added.
    """

    def __init__(self, templates: Dict[str, str]) -> None:
        self.lines: List[str] = []
        self.templates = templates
        self.taken = {"wf", "dflow"} | set(templates.values())
        self.imports: Dict[str, Callable[..., Any]] = {}
        self.calls: Dict[str, Dict[str, Any]] = {}  # bind -> the keyword arguments it was made with

    # -- expressions -----------------------------------------------------------------------------

    def literal(self, value: Any) -> _Node:
        if isinstance(value, _Node):
            return value
        if isinstance(value, str):
            return _Text(value)
        if value is None or isinstance(value, (bool, int, float)):
            return _Atom(repr(value))
        if isinstance(value, Mapping):
            pairs: List[str | _Node] = [
                _Pair(f"{self.literal(k).flat()}: ", self.literal(v)) for k, v in value.items()
            ]
            return _Seq("{", pairs, "}")
        if isinstance(value, (list, tuple)):
            items: List[str | _Node] = [self.literal(v) for v in value]
            if isinstance(value, list):
                return _Seq("[", items, "]")
            return _Seq("(", items, ",)") if items else _Atom("()")
        raise InvalidWorkflowError(f"gen_code cannot write a {type(value).__name__}: {value!r}")

    def _class(self, cls: Callable[..., Any]) -> str:
        name = getattr(cls, "__name__", "")
        known = self.imports.setdefault(name, cls)
        if known is not cls:
            raise InvalidWorkflowError(f"gen_code: two different classes are named {name!r}")
        return name

    def _call(self, head: str, args: tuple, kwargs: Dict[str, Any], cls: Any = None) -> _Node:
        defaults = _defaults(cls) if cls is not None else {}
        items: List[str | _Node] = [self.literal(a) for a in args]
        for key, value in kwargs.items():
            if key in defaults and _same(defaults[key], value):
                continue  # leave out what the signature gives anyway
            items.append(_Pair(f"{key}=", self.literal(value)))
        return _Seq(f"{head}(", items, ")")

    def _variable(self, hint: str) -> str:
        base = var_name(hint)
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    # -- the Maker protocol -------------------------------------------------------------------

    def new(self, cls: Callable[..., Any], *args: Any, bind: str = "", **kwargs: Any) -> _Node:
        call = self._call(self._class(cls), args, kwargs, cls)
        if not bind:
            return call
        self.calls[bind] = kwargs
        kind, _, what = bind.partition(":")
        if kind == "workflow":
            name = "wf"
        elif kind == "template":
            name = self.templates.get(what) or self._variable(what)
            self.templates[what] = name
        else:
            name = self._variable(f"{kind}_{what}")
        self.lines.append(f"{name} = {call.text(0, len(name) + 3)}")
        return _Atom(name)

    def call(self, obj: Any, method: str, *args: Any) -> _Node:
        return self._call(f"{self.literal(obj).flat()}.{method}", args, {})

    def do(self, obj: Any, method: str, *args: Any) -> None:
        self.lines.append(self.call(obj, method, *args).text())

    def ref(self, obj: Any, attrs: Tuple[str, ...], key: str) -> _Node:
        return _Atom(f"{self.literal(obj).flat()}.{'.'.join(attrs)}[{key!r}]")

    def set(self, obj: Any, attr: str, value: Any) -> None:
        head = f"{self.literal(obj).flat()}.{attr} = "
        self.lines.append(head + self.literal(value).text(0, len(head)))


def _defaults(cls: Any) -> Dict[str, Any]:
    """Keyword defaults of ``cls``, with those its ``**kwargs`` pass on to its base classes."""
    import inspect

    found: Dict[str, Any] = {}
    for klass in getattr(cls, "__mro__", (cls,)):
        init = vars(klass).get("__init__") if isinstance(klass, type) else klass
        if init is None or klass is object:
            continue
        try:
            params = list(inspect.signature(init).parameters.values())
        except (TypeError, ValueError):
            break
        for p in params:
            if p.default is not inspect.Parameter.empty:
                found.setdefault(p.name, p.default)
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            break
    return found


def _same(default: Any, value: Any) -> bool:
    """Whether passing ``value`` is the same as passing nothing (plain values only)."""
    plain = (type(None), bool, int, float, str, list, dict)
    return type(default) is type(value) and isinstance(value, plain) and default == value


def _manifest(graph: Any) -> Dict[str, Any]:
    """The manifest of a ``Workflow``, a manifest dict, or its YAML/JSON text."""
    if hasattr(graph, "to_dict") and callable(graph.to_dict) and not isinstance(graph, Mapping):
        graph = graph.to_dict()
    if isinstance(graph, (str, bytes)):
        import yaml

        graph = yaml.load(graph, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(graph, Mapping):
        raise InvalidWorkflowError(
            f"gen_code takes a workflow, its manifest or its YAML/JSON text, "
            f"not a {type(graph).__name__}"
        )
    if "spec" not in graph and isinstance(graph.get("templates"), Mapping):
        from .graph_format import is_graph
        from .workflow import Workflow

        if not is_graph(dict(graph)):
            raise InvalidWorkflowError(
                "gen_code takes a workflow, its manifest or its graph (wf.to_graph()); this has "
                "templates keyed by name but no 'entrypoint'"
            )
        graph = Workflow.from_graph(dict(graph)).to_dict()  # the graph format of dflow 1.x
    if not isinstance(graph.get("spec"), Mapping):
        raise InvalidWorkflowError("gen_code: the manifest has no 'spec'")
    # a workflow read back from a server is a tree of dict subclasses: make it plain JSON
    return dict(json.loads(json.dumps(graph)))


def gen_code(graph: Union[Dict[str, Any], str, Any], submit: bool = True) -> str:
    """Python source that rebuilds the workflow of ``graph`` with dflow's classes.

    Args:
        graph: a ``Workflow``, its manifest (``wf.to_dict()``, or a workflow as a server returns
            it) or that manifest as YAML/JSON text.
        submit: end the source with ``wf.submit()``, as a script that runs the workflow.

    Running the source leaves the workflow in the variable ``wf``; ``wf.to_dict()`` is the
    manifest given (less what a server adds: status, uid, ...).
    """
    return CodeGenerator(graph, submit=submit).generate()


class CodeGenerator:
    """Writes the source of one workflow piece by piece: ``generate()`` gives all of it.

    ``code`` holds the statements written so far, ``templates`` the variable of each template
    written, ``imports`` the ``(module, name)`` pairs they need. The ``render_*`` methods write
    one template (and, before it, those it calls) into ``code`` under a variable of your choice.
    """

    def __init__(self, graph: Any, submit: bool = True) -> None:
        from .parse import ManifestReader

        self.graph = _manifest(graph)
        self.submit = submit
        self.templates: Dict[str, str] = {}
        self._recorder = _Recorder(self.templates)
        self._reader = ManifestReader(self.graph, self._recorder)
        self._written = 0

    @property
    def code(self) -> str:
        return "".join(line + "\n" for line in self._recorder.lines)

    @property
    def imports(self) -> Set[Tuple[str, str]]:
        return {(module, name) for module, names in self._import_groups() for name in names}

    def get_var_name(self, name: str) -> str:
        """The variable a template or step called ``name`` is given (when it is free)."""
        return var_name(name)

    def get_kwargs(self, template: Dict[str, Any], cls: Any) -> Dict[str, str]:
        """The keyword arguments (as source) that make the manifest ``template`` with ``cls``,
        less those ``cls`` does not take."""
        from .parse import ManifestReader

        graph = copy.deepcopy(self.graph)
        graph["spec"]["templates"] = [
            t for t in graph["spec"].get("templates", []) if t.get("name") != template.get("name")
        ] + [template]
        recorder = _Recorder({})
        ManifestReader(graph, recorder).template(template["name"])
        kwargs = recorder.calls[f"template:{template['name']}"]
        accepted = _parameters(cls)
        return {k: recorder.literal(v).flat() for k, v in kwargs.items() if k in accepted}

    def _render(self, var_name: str, template: Dict[str, Any], kinds: Tuple[str, ...]) -> None:
        name = template.get("name")
        if name not in self._reader.bodies:
            raise InvalidWorkflowError(f"gen_code: template {name!r} is not in the workflow")
        if not any(k in template for k in kinds):
            raise InvalidWorkflowError(f"gen_code: template {name!r} has no {' or '.join(kinds)}")
        if name not in self.templates:
            self._recorder.taken.add(var_name)
            self.templates[name] = var_name
        self._reader.template(name)

    def render_steps(self, var_name: str, template: Dict[str, Any]) -> None:
        """Write the Steps ``template`` as ``var_name = Steps(...)`` and its ``add`` calls."""
        self._render(var_name, template, ("steps",))

    def render_dag(self, var_name: str, template: Dict[str, Any]) -> None:
        """Write the DAG ``template`` as ``var_name = DAG(...)`` and its ``add`` calls."""
        self._render(var_name, template, ("dag",))

    def render_script_op_template(self, var_name: str, template: Dict[str, Any]) -> None:
        """Write the script, container or resource ``template`` as ``var_name = ...``."""
        self._render(var_name, template, ("script", "container", "resource"))

    def render_python_op_template(self, var_name: str, template: Dict[str, Any]) -> None:
        """Write a Python OP's ``template``: in a manifest it is a ``python3`` script."""
        self._render(var_name, template, ("script",))

    def _import_groups(self) -> List[Tuple[str, List[str]]]:
        import dflow

        top: List[str] = []
        other: Dict[str, List[str]] = {}
        for name, cls in sorted(self._recorder.imports.items()):
            if name in dflow.__all__ and getattr(dflow, name) is cls:
                top.append(name)
            else:
                other.setdefault(cls.__module__, []).append(name)
        return ([("dflow", top)] if top else []) + sorted(other.items())

    def generate(self) -> str:
        """The whole script: imports, templates, steps, ``wf = Workflow(...)`` (and submit)."""
        from .workflow import Workflow

        if not self._written:
            self._reader.workflow(Workflow)
            if self.submit:
                self._recorder.lines.append("wf.submit()")
            self._written = len(self._recorder.lines)
        imports = [
            _Seq(f"from {module} import (", list(names), ")").text()
            for module, names in self._import_groups()
        ]
        return "\n".join([*imports, "", *self._recorder.lines]) + "\n"


def _parameters(cls: Any) -> Set[str]:
    """Names ``cls`` takes as keywords, its base classes' included when it passes ``**kwargs``."""
    import inspect

    names: Set[str] = set()
    for klass in getattr(cls, "__mro__", (cls,)):
        init = vars(klass).get("__init__") if isinstance(klass, type) else klass
        if init is None or klass is object:
            continue
        try:
            params = list(inspect.signature(init).parameters.values())
        except (TypeError, ValueError):
            break
        names.update(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


def evalable_repr(obj: Any, imports: Set[Tuple[Optional[str], str]]) -> str:
    """Source text that evaluates to ``obj``; adds the ``(module, name)`` it needs to ``imports``.

    Plain JSON-like values are written as literals, an ``S3Artifact`` as its constructor call,
    anything else through ``jsonpickle`` (``(None, "jsonpickle")`` is then added).
    """
    from .io import S3Artifact

    if obj is None or isinstance(obj, (bool, int, str)):
        return repr(obj)
    if isinstance(obj, float) and obj == obj and obj not in (float("inf"), float("-inf")):
        return repr(obj)
    if type(obj) in (list, tuple):
        inner = ", ".join(evalable_repr(v, imports) for v in obj)
        if isinstance(obj, list):
            return f"[{inner}]"
        return f"({inner},)" if obj else "()"
    if type(obj) is dict:
        pairs = (
            f"{evalable_repr(k, imports)}: {evalable_repr(v, imports)}" for k, v in obj.items()
        )
        return "{" + ", ".join(pairs) + "}"
    if type(obj) is S3Artifact and not obj.extra and obj.path_list is None:
        imports.add(("dflow", "S3Artifact"))
        return f"S3Artifact(key={obj.key!r})"
    import jsonpickle

    imports.add((None, "jsonpickle"))
    return f"jsonpickle.loads({jsonpickle.dumps(obj)!r})"
