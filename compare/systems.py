"""The one registry: frameworks (one worker process each) and systems (a framework in one mode).

Every other module reads names, order, labels, folders and defaults from here; outside this file
and the framework backends (`compare/backends/`), no module spells a framework or a system id.
Adding a column is new implementation files plus one `System` entry below.

Framework-free and import-light: the CLI process reads it for `lab --help` and `lab list`.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Framework:
    name: str                 # worker name; also the backend module compare/backends/<name>.py
    modules: tuple[str, ...]  # top-level modules it imports; blocked in the other workers
    install: str              # CPU install hint
    gpu_install: str
    constructs: dict = field(default_factory=dict)  # compiler-only constructs: {name: regex}
    namespaces: tuple[str, ...] = ()  # module prefixes the code diff treats as equal
    one_thread_flag: tuple[str, str] | None = None  # (env var, flag) that pins it to one thread


@dataclass(frozen=True)
class System:
    id: str                   # fixed: outputs and tests rely on it
    framework: str            # which worker process runs it
    label: str                # display name
    short: str                # column name where 80 columns are tight (with a legend)
    static: bool              # builds a static graph before it runs
    impl_dir: str             # its implementation files: <impl_dir>/<scenario>.py
    counter: str | None       # what its compile counter counts; None when it has none
    variants: dict            # default {label: function or (function, how)}; a spec's VARIANTS
                              # overrides per system
    working: tuple[str, ...]  # labels expected to work unless the spec's EXPECTED says otherwise
    in_default: bool = False  # one of the design card's trio, run when nothing is asked for
    mode_group: str = ""      # "static" | "dynamic": what the old --modes flag selects
    # (family id, how): one tool of a family that used to be a single system. A scenario table
    # keyed by the family id still works: its entries whose `how` is this one land here.
    family: tuple[str, str] | None = None
    # The module in compare/backends/ that captures it, where its framework's backend hands it on
    # (compare/backends/interface.py); None: the framework's backend runs it itself.
    adapter: str | None = None
    hows: tuple[str, ...] = ()  # the ways its tool may take a variant: the `how` of (function, how)


FRAMEWORKS: tuple[Framework, ...] = (
    Framework(
        "tensorflow", ("tensorflow",),
        "pip install 'tensorflow-cpu>=2.21,<2.22'", "pip install 'tensorflow[and-cuda]>=2.21,<2.22'",
        constructs={
            "tf.cond": r"\btf\.cond\b", "tf.case": r"\btf\.(?:case|switch_case)\b",
            "tf.while_loop": r"\btf\.while_loop\b", "TensorArray": r"\bTensorArray\b",
            "input_signature": r"\binput_signature\b", "TensorSpec": r"\bTensorSpec\b",
            "reduce_retracing": r"\breduce_retracing\b", "tf.print": r"\btf\.print\b",
            "tf.debugging": r"\btf\.debugging\.\w+", "placeholder": r"\bplaceholder\b",
            "Session": r"\bSession\b", "feed_dict": r"\bfeed_dict\b",
            "tf.gradients": r"\btf\.gradients\b",
        },
        namespaces=(r"tf\.compat\.v1", r"tf\.math", r"tf")),
    Framework(
        "jax", ("jax", "jaxlib"),
        "pip install 'jax>=0.10,<0.11'", "pip install 'jax[cuda12]>=0.10,<0.11'",
        constructs={
            "lax.cond": r"\blax\.cond\b", "lax.switch": r"\blax\.switch\b",
            "lax.while_loop": r"\blax\.while_loop\b", "lax.fori_loop": r"\blax\.fori_loop\b",
            "lax.scan": r"\blax\.scan\b", "static_argnums": r"\bstatic_arg(?:nums|names)\b",
            "jax.debug": r"\bjax\.debug\.\w+", "checkify": r"\bcheckify\b",
        },
        namespaces=(r"jax\.numpy", r"jnp"),
        one_thread_flag=("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")),
    Framework(
        "torch", ("torch",),
        "pip install torch==2.13.0",
        "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128",
        constructs={
            "torch.cond": r"\btorch\.cond\b", "torch._check": r"\btorch\._check\w*\b",
            "Dim": r"\bDim\.\w+\b", "torch.export": r"\btorch\.export\b",
            "torch.jit": r"\btorch\.jit\.\w+\b", "fullgraph": r"\bfullgraph\b",
        },
        namespaces=(r"torch\.nn\.functional", r"torch")),
)

_TF_GRAPH = {"naive": "naive", "static": "forward"}

# The one fixed display order: tables, JSON, docs, columns.
SYSTEMS: tuple[System, ...] = (
    System("tf1-graph", "tensorflow", "TF 1.x graph + Session", "tf1", True, "static_impl/tf1",
           "graphs", dict(_TF_GRAPH), ("static",), adapter="tf1_graph"),
    System("tf-function", "tensorflow", "tf.function", "tf.fn", True, "static_impl/tensorflow",
           "traces", dict(_TF_GRAPH), ("static",), in_default=True, mode_group="static"),
    System("tf-eager", "tensorflow", "tf eager (run_functions_eagerly)", "tf.eag", False,
           "static_impl/tensorflow", None, {"eager": "naive"}, ("eager",), mode_group="dynamic"),
    System("jax-jit", "jax", "jax.jit", "jax.jit", True, "static_impl/jax", "compiles",
           dict(_TF_GRAPH), ("static",), in_default=True, mode_group="static"),
    System("jax-eager", "jax", "jax op-by-op (disable_jit)", "jax.eag", False, "static_impl/jax", "compiles",
           {"eager": "naive"}, ("eager",), mode_group="dynamic"),
    System("torch-eager", "torch", "torch eager", "eager", False, "dynamic_impl/torch", None,
           {"eager": "forward"}, ("eager",), in_default=True, mode_group="dynamic"),
    # PyTorch's own static paths: a variant is (function, how), `how` being the tool's way of
    # capturing it (compare/backends/torch_static.py); the eager code is imported, not copied.
    System("torch-compile", "torch", "torch.compile", "compile", True, "static_impl/torch", "graphs",
           {"compiled": ("naive", "compile"), "fullgraph": ("naive", "fullgraph"),
            "static": ("forward", "fullgraph")}, ("compiled", "static"), mode_group="static",
           adapter="torch_static", hows=("compile", "fullgraph", "inductor")),
    System("torch-export", "torch", "torch.export", "export", True, "static_impl/torch", "exports",
           {"naive": ("naive", "export"), "static": ("forward", "export")}, ("static",),
           adapter="torch_static", hows=("export", "export-strict", "export-dynamic", "session")),
    # torch.jit's two tools answer the claims differently (trace records one run's ops, script
    # compiles the Python source), so each is a system; "torch-jit" names both.
    System("torch-jit-trace", "torch", "torch.jit.trace (deprecated)", "jit.tr", True,
           "static_impl/torch", "graphs", {"naive": ("naive", "trace")}, ("static",),
           family=("torch-jit", "trace"), adapter="torch_static", hows=("trace", "session")),
    System("torch-jit-script", "torch", "torch.jit.script (deprecated)", "jit.sc", True,
           "static_impl/torch", "graphs", {"scripted": ("naive", "script")}, ("scripted", "static"),
           family=("torch-jit", "script"), adapter="torch_static", hows=("script", "session")),
)

BY_ID = {s.id: s for s in SYSTEMS}
FRAMEWORK_BY_NAME = {f.name: f for f in FRAMEWORKS}
FRAMEWORK_NAMES = tuple(f.name for f in FRAMEWORKS)
IDS = tuple(s.id for s in SYSTEMS)
# A family id (a system since split into its tools) and the systems it now means.
FAMILIES = {f: tuple(s.id for s in SYSTEMS if s.family and s.family[0] == f)
            for f in dict.fromkeys(s.family[0] for s in SYSTEMS if s.family)}
DEFAULT = tuple(s.id for s in SYSTEMS if s.in_default)
# The code diff's left-hand side: the eager code every static version is set against.
EAGER_BASELINE = "torch-eager"


def get(system_id: str) -> System:
    return BY_ID[system_id]


def expand(ids) -> list[str]:
    """ids with each family id replaced by its systems (`--systems torch-jit`: both tools)."""
    return [m for i in ids for m in FAMILIES.get(i, (i,))]


def split_families(table: dict, kind: str, variants: dict | None = None) -> dict:
    """A scenario table with its family keys moved onto the family's systems. kind "variants"
    ({family: {label: (function, how)}}): each entry goes to the system whose tool is `how`; a
    system given none runs the same functions through its own tool. kind "pairs" ({(family,
    label): ...}): the label goes to the system that runs it (`variants`: the split VARIANTS).
    kind "copy" ({family: ...}): every system of the family gets the value."""
    pairs = kind == "pairs"
    out = {k: v for k, v in table.items() if (k[0] if pairs else k) not in FAMILIES}
    for key, value in table.items():
        for member in FAMILIES.get(key[0] if pairs else key, ()):
            how = BY_ID[member].family[1]
            if pairs:  # only where the spec itself put the label through this member's tool
                declared = (variants or {}).get(key[0], BY_ID[member].variants)
                if key[1] in declared and tuple(declared[key[1]])[1] == how:
                    out[(member, key[1])] = value
            elif kind == "variants":
                own = {label: tuple(v) for label, v in value.items() if v[1] == how}
                out[member] = own or {label: (v[0], how) for label, v in value.items()}
            else:
                out[member] = value
    return out


def of_framework(framework: str) -> tuple[System, ...]:
    return tuple(s for s in SYSTEMS if s.framework == framework)


def adapted(framework: str, adapter: str | None) -> tuple[str, ...]:
    """The framework's systems that `adapter` runs (None: those its backend runs itself)."""
    return tuple(s.id for s in SYSTEMS if s.framework == framework and s.adapter == adapter)


def ordered(ids) -> list[str]:
    """ids in the registry's display order, whatever order they were given in."""
    wanted = set(ids)
    return [s.id for s in SYSTEMS if s.id in wanted]


def frameworks_of(ids) -> list[str]:
    """The worker processes these systems need, in the fixed framework order."""
    needed = {BY_ID[i].framework for i in ids}
    return [f for f in FRAMEWORK_NAMES if f in needed]


def from_modes(frameworks, mode: str) -> list[str]:
    """The old flags mapped onto systems: --frameworks X --modes default|static|dynamic|all."""
    chosen = [s for s in SYSTEMS if s.framework in frameworks]
    if mode == "default":
        chosen = [s for s in chosen if s.in_default]
    elif mode == "all":
        chosen = [s for s in chosen if s.mode_group]
    else:
        chosen = [s for s in chosen if s.mode_group == mode]
    return [s.id for s in chosen]


def static_ids() -> list[str]:
    return [s.id for s in SYSTEMS if s.static]
