"""CUDA code paths, checked on CPU: device choice and the environment each worker gets."""
from lab.devices import worker_env


def test_cpu_hides_gpus_from_every_framework():
    for fw in ("tensorflow", "jax", "torch"):
        env = worker_env(fw, "cpu", 1, base={})
        assert env["CUDA_VISIBLE_DEVICES"] == ""
        assert env["JAX_PLATFORMS"] == "cpu"
        assert env["OMP_NUM_THREADS"] == "1"


def test_cuda_sets_memory_hygiene():
    env = worker_env("jax", "cuda", 1, base={"JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": "0"})
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"  # JAX would take 75% of the GPU
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"       # TF would take all of it
    assert "JAX_PLATFORMS" not in env
    assert env["CUDA_VISIBLE_DEVICES"] == "0"


def test_auto_leaves_gpus_visible():
    env = worker_env("torch", "auto", 2, base={})
    assert "CUDA_VISIBLE_DEVICES" not in env
    assert env["OMP_NUM_THREADS"] == "2"


def test_jax_threads_pinned_through_xla_flags():
    env = worker_env("jax", "cpu", 1, base={"XLA_FLAGS": "--xla_dump_to=/tmp/x --xla_cpu_multi_thread_eigen=true"})
    flags = env["XLA_FLAGS"].split()
    assert flags == ["--xla_dump_to=/tmp/x", "--xla_cpu_multi_thread_eigen=false"]  # the user's own flags survive


def test_jax_more_threads_leaves_xla_flags_valid():
    # XLA has no thread-count flag: nothing invalid may be written (it would abort the worker).
    assert "XLA_FLAGS" not in worker_env("jax", "cpu", 2, base={})
    env = worker_env("jax", "cpu", 2, base={"XLA_FLAGS": "--xla_dump_to=/tmp/x"})
    assert env["XLA_FLAGS"] == "--xla_dump_to=/tmp/x"
