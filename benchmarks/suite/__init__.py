"""The benchmark suite: five workloads timed in ember, PyTorch (eager) and JAX (jit).

    python -m benchmarks                      # the full suite (a few minutes), with memory
    python -m benchmarks --quick              # fewer, shorter rounds; no memory
    python -m benchmarks --workloads tiny,mlp --modes train --frameworks ember,torch
    python -m benchmarks --smoke              # tiny sizes, 2 steps (the CI smoke run)

Workloads (``workloads.py``): a tiny MLP 64-64-10 (batch 32), an MLP 784-512-512-10
(batch 128), a CNN on 28x28 images (batch 64), an LSTM language model (batch 32, 35 steps)
and a one-layer pre-norm Transformer language model (batch 16, 128 tokens). Each is timed as
a training step (zero_grad, forward, cross-entropy loss, backward, optimizer step: SGD with
momentum 0.9, Adam for the Transformer) and as inference (forward under no_grad, eval mode).
Every framework starts from the same weights (PyTorch's initialisation from seed 0, copied
through NumPy) and the same seeded NumPy data, converted once, untimed.

Correctness guard: before timing, two training steps and one inference of each framework
are compared with PyTorch's (losses to rtol 1e-4); a mismatch prints a warning and shows in
the table's ``check`` column and the JSON, since the timings would then compare different
work.

Timing, and why in blocks. The issue asks for the frameworks to alternate within one run,
so that drifts in machine load hit all of them. But on a two-core machine single calls
alternating between PyTorch and NumPy make their worker threads (OpenMP and OpenBLAS spin
for a while after each call) fight over the cores, slowing PyTorch by up to 2.7x (see
``benchmarks/lstm.py``). So the suite alternates in blocks: after untimed warm-up rounds,
each of ``R`` rounds runs ``k`` steps of framework A, then ``k`` of B, then ``k`` of C, with an
untimed pause (100 ms) before each block so the previous library's threads have gone idle,
and the order rotating by round. ``k`` is set per workload and mode so that the slowest
framework's block lasts about 200 ms, and is at least 3 (the first step after a pause runs
5-10% slow). A round's per-step time is block time / ``k``; the table gives the median over
rounds (the JSON also the min and every round). Measured on the LSTM and the CNN: PyTorch's
per-step time in this rotation equals its time when run alone (LSTM 18.3 vs 18.3 ms, CNN
16.0 vs 16.4 ms), so the blocks remove the interference.

Threads: PyTorch ``torch.set_num_threads(2)``; NumPy/OpenBLAS and XLA at their defaults
(recorded in the JSON with the versions).

Things to know when reading the numbers:

* All frameworks share one process, and so glibc's heap. NumPy's large temporaries cost
  page faults unless malloc reuses memory, and PyTorch's large frees raise glibc's dynamic
  mmap threshold, so ember runs faster after PyTorch has run (CNN training step: ~110 ms in
  a process of its own or with ``--frameworks ember``, ~70 ms next to PyTorch, ~69 ms alone
  with ``MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=268435456``). The suite's
  ember numbers are this warmed-heap steady state. ``MALLOC_*`` variables are recorded.
* PyTorch's inference of the Transformer layer (eval mode, no_grad) takes its fused
  native fast path (``torch._transformer_encoder_layer_fwd``); that is PyTorch eager as
  users get it.
* The Transformer is unmasked (no causal mask), the LSTM starts from zero state; the
  training data are random, so the losses fall as the models memorise them (no NaNs).

Peak memory (``memory.py``, on by default in the full run): each framework and workload in
a fresh process, peak RSS during three training steps minus the RSS after building model,
optimizer and data: the same method for all frameworks. ember's tracemalloc peak is given
too, for information (it sees NumPy's buffers, not PyTorch's or XLA's).

Output: a table on stdout, progress on stderr, and JSON (default
``benchmarks/results/suite-<date>-<time>.json``; that folder is git-ignored).
"""
